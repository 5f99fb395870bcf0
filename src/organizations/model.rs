use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::schema::{bank_identifiers, organizations};
use crate::domain::{self, Check, OrgKind};
use crate::error::ApiResult;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = organizations)]
pub struct OrgRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = organizations)]
pub struct NewOrg {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub country: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = organizations)]
pub struct OrgChanges {
    pub name: Option<String>,
    pub country: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub active: Option<bool>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = bank_identifiers)]
pub struct BankIdRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub bic: Option<String>,
    pub country: String,
    pub bank_code: Option<String>,
}

/// The 24/7 contact point of an organisation.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Contact {
    pub name: String,
    pub email: String,
    /// E.164, e.g. `+38344123456`.
    pub phone: String,
}

/// A bank identifier: its BIC, and the national bank code as it appears inside IBANs of `country`.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct BankIdentifier {
    #[serde(default)]
    pub bic: Option<String>,
    pub country: String,
    #[serde(default)]
    pub bank_code: Option<String>,
}

/// An organisation taking part.
#[derive(Serialize, ToSchema)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub contact: Contact,
    pub bank_identifiers: Vec<BankIdentifier>,
    /// Deactivated organisations cannot log in or use their keys.
    pub active: bool,
    /// Incremented on every change; sent as the `ETag`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    pub fn from_rows(row: OrgRow, ids: Vec<BankIdRow>) -> ApiResult<Self> {
        Ok(Organization {
            id: row.id,
            kind: domain::from_db(&row.kind)?,
            name: row.name,
            country: row.country,
            contact: Contact { name: row.contact_name, email: row.contact_email, phone: row.contact_phone },
            bank_identifiers: ids
                .into_iter()
                .map(|b| BankIdentifier { bic: b.bic, country: b.country, bank_code: b.bank_code })
                .collect(),
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// Body of `POST /organizations`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    pub name: String,
    #[schema(value_type = OrgKind)]
    pub kind: String,
    pub country: String,
    pub contact: Contact,
    #[serde(default)]
    pub bank_identifiers: Vec<BankIdentifier>,
}

/// Body of `PATCH /organizations/{id}`: only the fields given change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    pub name: Option<String>,
    pub country: Option<String>,
    pub contact: Option<Contact>,
    /// Replaces the whole list.
    pub bank_identifiers: Option<Vec<BankIdentifier>>,
    /// `false` stops every login, token and key of the organisation at once.
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationQuery {
    /// Only organisations of this kind.
    #[param(value_type = Option<OrgKind>)]
    pub kind: Option<String>,
    /// Only organisations of this country.
    pub country: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of organisations, by name.
#[derive(Serialize, ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<Organization>,
    pub next_cursor: Option<String>,
}

pub fn check_contact(check: &mut Check, contact: &Contact) -> Option<Contact> {
    let name = check.text("contact.name", &contact.name, 1, 200);
    let email = check.take("contact.email", domain::email(&contact.email));
    let phone = check.take("contact.phone", domain::phone_e164(&contact.phone));
    Some(Contact { name: name?, email: email?, phone: phone? })
}

fn is_bic(s: &str) -> bool {
    let b = s.as_bytes();
    (b.len() == 8 || b.len() == 11)
        && b[..6].iter().all(|c| c.is_ascii_uppercase())
        && b[6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Validates bank identifiers; only banks may have them.
pub fn check_bank_identifiers(
    check: &mut Check,
    kind: Option<OrgKind>,
    list: &[BankIdentifier],
) -> Vec<BankIdentifier> {
    if !list.is_empty() && kind.is_some_and(|k| k != OrgKind::Bank) {
        check.add("bank_identifiers", "only banks have bank identifiers");
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, b) in list.iter().enumerate() {
        let country = check.take(&format!("bank_identifiers[{i}].country"), domain::country(&b.country));
        let bic = b.bic.as_deref().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        let code = b.bank_code.as_deref().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        if bic.is_none() && code.is_none() {
            check.add(format!("bank_identifiers[{i}]"), "give a bic, a bank_code, or both");
            continue;
        }
        if let Some(bic) = &bic {
            if !is_bic(bic) {
                check.add(format!("bank_identifiers[{i}].bic"), "must be a BIC of 8 or 11 characters (ISO 9362)");
            } else if country.as_deref().is_some_and(|c| c != &bic[4..6]) {
                check.add(
                    format!("bank_identifiers[{i}].bic"),
                    "the BIC's country (characters 5-6) differs from `country`",
                );
            }
        }
        if let Some(code) = &code {
            if code.is_empty() || code.len() > 12 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                check.add(format!("bank_identifiers[{i}].bank_code"), "must be 1 to 12 letters or digits");
            }
        }
        if let Some(country) = country {
            out.push(BankIdentifier { bic, country, bank_code: code });
        }
    }
    out
}

impl CreateOrganization {
    /// Validates the body (every bad field named) into the row to insert and its bank
    /// identifiers. The API and the CLI both create organisations through it.
    pub fn parse(&self) -> Result<(NewOrg, Vec<BankIdentifier>), crate::error::ApiError> {
        let mut check = Check::new();
        let name = check.text("name", &self.name, 1, 200);
        let kind = check.take("kind", self.kind.parse::<OrgKind>());
        if kind == Some(OrgKind::Platform) {
            check.add("kind", "there is exactly one platform organisation");
        }
        let country = check.take("country", domain::country(&self.country));
        let contact = check_contact(&mut check, &self.contact);
        let ids = check_bank_identifiers(&mut check, kind, &self.bank_identifiers);
        check.finish()?;
        let (Some(name), Some(kind), Some(country), Some(contact)) = (name, kind, country, contact) else {
            return Err(crate::error::ApiError::Internal("validated fields missing".into()));
        };
        let new = NewOrg {
            id: Uuid::now_v7(),
            name,
            kind: kind.as_str().into(),
            country,
            contact_name: contact.name,
            contact_email: contact.email,
            contact_phone: contact.phone,
        };
        Ok((new, ids))
    }
}
