//! Users on the wire, parsed, and as rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::enrolment::EnrolmentLink;
use crate::domain::text_enum;
use crate::domain::{Check, Email, Invalid, OrgId, Role, UserId};
use crate::kernel::db::schema::users;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub organization_id: OrgId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub password_change_required: bool,
    pub officer_function: Option<String>,
    pub officer_registration: Option<String>,
    pub may_issue_requests: bool,
    pub may_validate: bool,
}

text_enum! {
    /// What an org_admin of a public-sector organisation authorises an officer to do.
    OfficerAuthorisation {
        IssueDataRequests = "issue_data_requests",
        ValidateDataRequests = "validate_data_requests",
    }
}

/// An officer's identity, as their org_admin recorded it.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
#[schema(example = json!({"function": "Detective inspector, cybercrime unit", "registration_number": "KP-4471"}))]
pub struct OfficerBody {
    pub function: String,
    pub registration_number: String,
}

/// Who issued or validated a request, as they were then: what reaches the addressee.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct OfficerIdentity {
    pub user_id: UserId,
    pub name: String,
    pub function: String,
    pub registration_number: String,
}

impl UserRow {
    /// The user as an accredited officer authorised to `what`, or why not.
    pub fn officer_for(&self, what: OfficerAuthorisation) -> Result<OfficerIdentity, &'static str> {
        let authorised = match what {
            OfficerAuthorisation::IssueDataRequests => self.may_issue_requests,
            OfficerAuthorisation::ValidateDataRequests => self.may_validate,
        };
        if !authorised {
            return Err(match what {
                OfficerAuthorisation::IssueDataRequests => {
                    "you are not authorised to issue data requests: your org_admin records you as an officer and grants it"
                }
                OfficerAuthorisation::ValidateDataRequests => {
                    "you are not authorised to validate data requests: your org_admin records you as an officer and grants it"
                }
            });
        }
        match (&self.officer_function, &self.officer_registration) {
            (Some(function), Some(registration)) => Ok(OfficerIdentity {
                user_id: self.id,
                name: self.name.clone(),
                function: function.clone(),
                registration_number: registration.clone(),
            }),
            _ => Err("your officer identity (function, registration number) is not recorded"),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: UserId,
    pub organization_id: OrgId,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub password_change_required: bool,
}

#[derive(AsChangeset, Default, Debug)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub officer_function: Option<String>,
    pub officer_registration: Option<String>,
    pub may_issue_requests: Option<bool>,
    pub may_validate: Option<bool>,
}

/// A person using the platform on behalf of their organisation.
#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub name: String,
    pub organization_id: OrgId,
    pub role: Role,
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    /// For users of public-sector organisations: their officer identity.
    pub officer: Option<OfficerBody>,
    /// What their org_admin authorised them to do as an officer.
    pub authorisations: Vec<OfficerAuthorisation>,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: r.id,
            role: r.role,
            email: r.email,
            name: r.name,
            organization_id: r.organization_id,
            active: r.active,
            version: r.version,
            created_at: r.created_at,
            last_login_at: r.last_login_at,
            officer: match (r.officer_function, r.officer_registration) {
                (Some(function), Some(registration_number)) => Some(OfficerBody { function, registration_number }),
                _ => None,
            },
            authorisations: [
                (r.may_issue_requests, OfficerAuthorisation::IssueDataRequests),
                (r.may_validate, OfficerAuthorisation::ValidateDataRequests),
            ]
            .into_iter()
            .filter_map(|(yes, a)| yes.then_some(a))
            .collect(),
        }
    }
}

/// Body of `POST /organizations/{id}/users`. No password: the account reaches its owner as a
/// single-use enrolment link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ana@bank-a.example", "name": "Ana Analyst", "role": "member"}))]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// A platform admin filing an organisation's first (or replacement) org_admin: the
    /// organisation's written request it acts on (a letter's reference). Required then.
    pub document_reference: Option<String>,
}

/// A new user, parsed.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub document_reference: Option<String>,
}

impl CreateUser {
    pub fn parse(&self) -> Result<UserInput, Invalid> {
        let mut check = Check::new();
        let email = check.take("email", Email::parse(&self.email));
        let name = check.text("name", &self.name, 1, 200);
        let role = check.take("role", self.role.parse::<Role>());
        let document_reference = check.optional_text("document_reference", self.document_reference.as_deref(), 200);
        check.done(|| Some(UserInput { email: email?, name: name?, role: role?, document_reference }))
    }
}

/// An account just made: the user, and the enrolment link to hand to its owner (shown this once).
#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    #[serde(flatten)]
    pub user: User,
    pub enrolment: EnrolmentLink,
}

/// Body of `POST /auth/enrolment`: the token of an enrolment link and the password its owner
/// chooses.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "Qm9vdHN0cmFwX3Rva2VuX2V4YW1wbGVfb2ZfNDNfY2hhcnM", "password": "a long passphrase of my own"}))]
pub struct RedeemEnrolment {
    /// The token; when it came in two parts (from two platform admins), part 1 then part 2, as
    /// one string.
    pub token: String,
    /// At least 12 characters.
    pub password: String,
}

/// An enrolment redeemed: whose account it is. Log in next (`POST /api/v1/auth/login`).
#[derive(Serialize, ToSchema)]
pub struct Enrolled {
    pub user_id: UserId,
    pub email: Email,
    pub organization_id: OrgId,
    /// The owner must enrol a second factor at the first login before anything else.
    pub second_factor_enrollment_required: bool,
}

/// A person's preferences: the language of the console and of notices, the zone their times
/// are shown in, and whether e-mail notices come (emergencies and security notices always do).
#[derive(Serialize, ToSchema, Debug)]
pub struct Preferences {
    /// `en`, `sq`, `sr-Latn` or `sr-Cyrl`; `null`: the browser's `Accept-Language`.
    #[schema(example = "sq")]
    pub locale: Option<String>,
    /// An IANA time zone; `null`: the platform's (`CYBERBRIDGE_TIME_ZONE`).
    #[schema(example = "Europe/Tirane")]
    pub time_zone: Option<String>,
    pub notices_opt_out: bool,
}

/// Body of `PATCH /me/preferences`: what it names changes (`"locale": null` goes back to the
/// browser's language, `"time_zone": null` to the platform's zone).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"locale": "sq", "time_zone": "Europe/Tirane", "notices_opt_out": true}))]
pub struct UpdatePreferences {
    #[serde(default, deserialize_with = "crate::users::model::some")]
    #[schema(value_type = Option<String>)]
    pub locale: Option<Option<String>>,
    /// An IANA time zone such as `Europe/Tirane`.
    #[serde(default, deserialize_with = "crate::users::model::some")]
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<Option<String>>,
    pub notices_opt_out: Option<bool>,
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn some<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Body of `PATCH /users/{id}`. Members may change their own name only.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"officer": {"function": "Detective inspector, cybercrime unit", "registration_number": "KP-4471"},
    "authorisations": ["issue_data_requests"]}))]
pub struct UpdateUser {
    pub name: Option<String>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    pub active: Option<bool>,
    /// Users of law enforcement, prosecution, courts and FIUs: their officer identity (set by
    /// an org_admin).
    pub officer: Option<OfficerBody>,
    /// Replaces what the officer is authorised to do (set by an org_admin).
    #[schema(value_type = Option<Vec<OfficerAuthorisation>>)]
    pub authorisations: Option<Vec<String>>,
}

impl UpdateUser {
    /// Whether it sets what only an org_admin sets.
    pub fn administers(&self) -> bool {
        self.role.is_some() || self.active.is_some() || self.officer.is_some() || self.authorisations.is_some()
    }

    /// The changes to `current`; `is_self`: nobody changes their own role or deactivates
    /// themselves; `public_sector`: officer identities are for public-sector organisations.
    pub fn parse(&self, current: &UserRow, is_self: bool, public_sector: bool) -> Result<UserChanges, Invalid> {
        let mut check = Check::new();
        let mut changes = UserChanges {
            name: check.optional_text("name", self.name.as_deref(), 200),
            role: check.optional("role", self.role.as_deref(), str::parse),
            active: self.active,
            ..Default::default()
        };
        let only_public = "officers belong to law enforcement, prosecution, courts and FIUs";
        if let Some(officer) = &self.officer {
            if !public_sector {
                check.add("officer", only_public);
            }
            changes.officer_function = check.text("officer.function", &officer.function, 1, 200);
            changes.officer_registration =
                check.text("officer.registration_number", &officer.registration_number, 1, 100);
        }
        if let Some(list) = &self.authorisations {
            if !public_sector {
                check.add("authorisations", only_public);
            }
            let mut granted = Vec::new();
            for (i, a) in list.iter().enumerate() {
                match a.parse::<OfficerAuthorisation>() {
                    Ok(a) => granted.push(a),
                    Err(e) => check.add(format!("authorisations[{i}]"), e),
                }
            }
            changes.may_issue_requests = Some(granted.contains(&OfficerAuthorisation::IssueDataRequests));
            changes.may_validate = Some(granted.contains(&OfficerAuthorisation::ValidateDataRequests));
        }
        if is_self && changes.role.is_some_and(|r| r != current.role) {
            check.add("role", "you cannot change your own role");
        }
        if is_self && self.active == Some(false) {
            check.add("active", "you cannot deactivate yourself");
        }
        check.finish()?;
        Ok(changes)
    }
}

/// Body of `POST /users/{id}/password`: one's own password, with the current one (an
/// administrator resets another's with an enrolment link, `POST /users/{id}/enrolment`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "the generated one", "new_password": "a long passphrase of my own"}))]
pub struct ChangePassword {
    pub current_password: Option<String>,
    pub new_password: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A page of users, by e-mail.
#[derive(Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}
