//! Organisations on the wire, parsed, and as rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::{Bic, Check, Country, Email, Invalid, OrgId, OrgKind, Phone};
use crate::kernel::db::schema::{bank_identifiers, organizations};

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = organizations)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub country: Country,
    pub contact_name: String,
    pub contact_email: Email,
    /// Empty for the platform organisation made at first start.
    pub contact_phone: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = organizations)]
pub struct NewOrg {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub country: Country,
    pub contact_name: String,
    pub contact_email: Email,
    pub contact_phone: String,
}

#[derive(AsChangeset, Default, Debug)]
#[diesel(table_name = organizations)]
pub struct OrgChanges {
    pub name: Option<String>,
    pub country: Option<Country>,
    pub contact_name: Option<String>,
    pub contact_email: Option<Email>,
    pub contact_phone: Option<String>,
    pub active: Option<bool>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = bank_identifiers)]
pub struct BankIdRow {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub bic: Option<Bic>,
    pub country: Country,
    pub bank_code: Option<String>,
}

/// A bank identifier, parsed: the BIC and/or the national bank code used inside IBANs of `country`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankId {
    pub bic: Option<Bic>,
    pub country: Country,
    pub bank_code: Option<String>,
}

/// The 24/7 contact point of an organisation.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Contact {
    #[schema(example = "Duty desk")]
    pub name: String,
    #[schema(example = "duty@bank-a.example")]
    pub email: String,
    /// E.164, e.g. `+38344123456`.
    #[schema(example = "+38344123456")]
    pub phone: String,
}

/// A contact, parsed.
#[derive(Debug, Clone)]
pub struct ContactPoint {
    pub name: String,
    pub email: Email,
    pub phone: Phone,
}

impl Contact {
    /// Errors name `<field>.name`, `.email`, `.phone`.
    pub fn parse(&self, check: &mut Check, field: &str) -> Option<ContactPoint> {
        let name = check.text(&format!("{field}.name"), &self.name, 1, 200);
        let email = check.take(&format!("{field}.email"), Email::parse(&self.email));
        let phone = check.take(&format!("{field}.phone"), Phone::parse(&self.phone));
        Some(ContactPoint { name: name?, email: email?, phone: phone? })
    }
}

impl From<ContactPoint> for Contact {
    fn from(c: ContactPoint) -> Self {
        Contact { name: c.name, email: c.email.into(), phone: c.phone.into() }
    }
}

/// A bank identifier: its BIC, and the national bank code as it appears inside IBANs of `country`.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct BankIdentifier {
    #[serde(default)]
    #[schema(example = "BANKXKPR")]
    pub bic: Option<String>,
    #[schema(example = "XK")]
    pub country: String,
    #[serde(default)]
    #[schema(example = "12")]
    pub bank_code: Option<String>,
}

impl From<BankIdRow> for BankIdentifier {
    fn from(b: BankIdRow) -> Self {
        BankIdentifier { bic: b.bic.map(String::from), country: b.country.into(), bank_code: b.bank_code }
    }
}

/// Parses bank identifiers; only banks have them. Errors name `bank_identifiers[i].<field>`.
fn parse_bank_identifiers(check: &mut Check, kind: Option<OrgKind>, list: &[BankIdentifier]) -> Vec<BankId> {
    if !list.is_empty() && kind.is_some_and(|k| k != OrgKind::Bank) {
        check.add("bank_identifiers", "only banks have bank identifiers");
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, b) in list.iter().enumerate() {
        let field = |f: &str| format!("bank_identifiers[{i}].{f}");
        let country = check.take(&field("country"), Country::parse(&b.country));
        let bic = b.bic.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let code = b.bank_code.as_deref().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty());
        if bic.is_none() && code.is_none() {
            check.add(format!("bank_identifiers[{i}]"), "give a bic, a bank_code, or both");
            continue;
        }
        let bic = bic.and_then(|s| check.take(&field("bic"), Bic::parse(s)));
        if let (Some(bic), Some(country)) = (&bic, &country) {
            if bic.country() != country.as_str() {
                check.add(field("bic"), "the BIC's country (characters 5-6) differs from `country`");
            }
        }
        if code.as_ref().is_some_and(|c| c.len() > 12 || !c.chars().all(|c| c.is_ascii_alphanumeric())) {
            check.add(field("bank_code"), "must be 1 to 12 letters or digits");
        }
        if let Some(country) = country {
            out.push(BankId { bic, country, bank_code: code });
        }
    }
    out
}

/// An organisation taking part.
#[derive(Serialize, ToSchema)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    pub country: Country,
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
    pub fn from_rows(row: OrgRow, ids: Vec<BankIdRow>) -> Self {
        Organization {
            id: row.id,
            kind: row.kind,
            name: row.name,
            country: row.country,
            contact: Contact { name: row.contact_name, email: row.contact_email.into(), phone: row.contact_phone },
            bank_identifiers: ids.into_iter().map(BankIdentifier::from).collect(),
            active: row.active,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// Body of `POST /organizations`.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Bank A", "kind": "bank", "country": "XK",
    "contact": {"name": "Fraud desk", "email": "fraud@bank-a.example", "phone": "+38338123456"},
    "bank_identifiers": [{"bic": "BANKXKPR", "country": "XK", "bank_code": "12"}],
    "first_admin": {"email": "it-security@bank-a.example", "name": "Arta Krasniqi"},
    "document_reference": "Bank A letter 2026/114 of 2 December 2026"}))]
pub struct CreateOrganization {
    pub name: String,
    #[schema(value_type = OrgKind)]
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub contact: Contact,
    #[serde(default)]
    pub bank_identifiers: Vec<BankIdentifier>,
    /// The organisation's first org_admin, made with it (two platform admins; the enrolment
    /// token is split between them). Later people come from the organisation's own org_admins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_admin: Option<FirstAdmin>,
    /// The organisation's written request for its registration and first org_admin (a letter's
    /// reference). Required with `first_admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_reference: Option<String>,
}

/// An organisation's first org_admin: who they are (they set their own password).
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    pub email: String,
    pub name: String,
}

/// A new organisation, parsed.
#[derive(Debug)]
pub struct OrgInput {
    pub new: NewOrg,
    pub ids: Vec<BankId>,
    /// Its first org_admin (e-mail, name).
    pub first_admin: Option<(Email, String)>,
    pub document_reference: Option<String>,
}

impl CreateOrganization {
    /// The row to insert, its bank identifiers and first org_admin, every bad field named. The
    /// API, approvals and the CLI all create organisations through it.
    pub fn parse(&self) -> Result<OrgInput, Invalid> {
        let mut check = Check::new();
        let name = check.text("name", &self.name, 1, 200);
        let kind = check.take("kind", self.kind.parse::<OrgKind>());
        if kind == Some(OrgKind::Platform) {
            check.add("kind", "there is exactly one platform organisation");
        }
        let country = check.take("country", Country::parse(&self.country));
        let contact = self.contact.parse(&mut check, "contact");
        let ids = parse_bank_identifiers(&mut check, kind, &self.bank_identifiers);
        let first_admin = self.first_admin.as_ref().and_then(|a| {
            let email = check.take("first_admin.email", Email::parse(&a.email));
            let name = check.text("first_admin.name", &a.name, 1, 200);
            Some((email?, name?))
        });
        let document_reference = check.optional_text("document_reference", self.document_reference.as_deref(), 200);
        if self.first_admin.is_some() && self.document_reference.is_none() {
            check.add("document_reference", "name the organisation's written request for its first org_admin");
        }
        check.done(|| {
            let contact = contact?;
            let new = NewOrg {
                id: OrgId::new(),
                name: name?,
                kind: kind?,
                country: country?,
                contact_name: contact.name,
                contact_email: contact.email,
                contact_phone: contact.phone.into(),
            };
            Some(OrgInput { new, ids, first_admin, document_reference })
        })
    }
}

/// Body of `PATCH /organizations/{id}`: only the fields given change.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact": {"name": "Fraud desk 24/7", "email": "fraud@bank-a.example", "phone": "+38338123456"}}))]
pub struct UpdateOrganization {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A move to another country (another legal regime) takes a second platform admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Replaces the whole list (takes a second platform admin).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_identifiers: Option<Vec<BankIdentifier>>,
    /// `false` stops every login, token and key of the organisation at once (one platform
    /// admin may do it alone); `true` on a deactivated one takes a second platform admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

impl UpdateOrganization {
    /// The changes to an organisation of `kind`, and its new bank identifiers if given.
    pub fn parse(&self, kind: OrgKind) -> Result<(OrgChanges, Option<Vec<BankId>>), Invalid> {
        let mut check = Check::new();
        let mut changes = OrgChanges {
            name: check.optional_text("name", self.name.as_deref(), 200),
            country: check.optional("country", self.country.as_deref(), Country::parse),
            active: self.active,
            ..Default::default()
        };
        if let Some(contact) = self.contact.as_ref().and_then(|c| c.parse(&mut check, "contact")) {
            changes.contact_name = Some(contact.name);
            changes.contact_email = Some(contact.email);
            changes.contact_phone = Some(contact.phone.into());
        }
        if kind == OrgKind::Platform && self.active == Some(false) {
            check.add("active", "the platform organisation cannot be deactivated");
        }
        let ids = self.bank_identifiers.as_deref().map(|list| parse_bank_identifiers(&mut check, Some(kind), list));
        check.finish()?;
        Ok((changes, ids))
    }

    /// The fields given.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("country", self.country.is_some()),
            ("contact", self.contact.is_some()),
            ("bank_identifiers", self.bank_identifiers.is_some()),
            ("active", self.active.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, given)| given.then_some(field))
        .collect()
    }

    /// Which parts a change touched, for the audit row.
    pub fn touched(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name.is_some(), "country": self.country.is_some(), "contact": self.contact.is_some(),
            "bank_identifiers": self.bank_identifiers.is_some(), "active": self.active,
        })
    }
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

/// The directory filter, parsed.
pub struct DirectoryFilter {
    pub kind: Option<OrgKind>,
    pub country: Option<Country>,
}

impl OrganizationQuery {
    pub fn parse(&self) -> Result<DirectoryFilter, Invalid> {
        let mut check = Check::new();
        let kind = check.optional("kind", self.kind.as_deref(), str::parse);
        let country = check.optional("country", self.country.as_deref(), Country::parse);
        check.finish()?;
        Ok(DirectoryFilter { kind, country })
    }
}

/// A page of organisations, by name.
#[derive(Serialize, ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<Organization>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(ids: Vec<BankIdentifier>) -> CreateOrganization {
        CreateOrganization {
            name: "Bank A".into(),
            kind: "bank".into(),
            country: "XK".into(),
            contact: Contact { name: "Desk".into(), email: "desk@bank-a.example".into(), phone: "+38338123456".into() },
            bank_identifiers: ids,
            first_admin: None,
            document_reference: None,
        }
    }

    #[test]
    fn bank_identifiers_are_checked_against_their_country() {
        let id = |bic: Option<&str>, country: &str, code: Option<&str>| BankIdentifier {
            bic: bic.map(Into::into),
            country: country.into(),
            bank_code: code.map(Into::into),
        };
        let ids = bank(vec![id(Some("bankxkprxxx"), "XK", Some("12"))]).parse().unwrap().ids;
        assert_eq!(ids[0].bic.as_ref().unwrap().as_str(), "BANKXKPR", "a primary office is written without XXX");
        let Invalid(errors) = bank(vec![id(Some("BANKALTR"), "XK", None), id(None, "XK", None)]).parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["bank_identifiers[0].bic", "bank_identifiers[1]"]);
        let mut isp = bank(vec![id(None, "XK", Some("12"))]);
        isp.kind = "isp".into();
        assert_eq!(isp.parse().unwrap_err().0[0].field, "bank_identifiers");
    }
}

/// An organisation just registered, with its first org_admin and their enrolment link (shown
/// this once) when one was named.
#[derive(Serialize, ToSchema)]
pub struct CreatedOrganization {
    #[serde(flatten)]
    pub organization: Organization,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_admin: Option<crate::users::model::CreatedUser>,
}
