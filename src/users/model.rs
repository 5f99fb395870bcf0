//! Users on the wire, parsed, and as rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
        }
    }
}

/// Body of `POST /organizations/{id}/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "ana@bank-a.example", "name": "Ana Analyst", "role": "member",
    "password": "a long passphrase of words"}))]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    #[schema(value_type = Role)]
    pub role: String,
    /// At least 12 characters.
    pub password: String,
}

/// A new user, parsed; the password is checked for length, not yet hashed.
pub struct UserInput {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password: String,
}

impl CreateUser {
    pub fn parse(&self) -> Result<UserInput, Invalid> {
        let mut check = Check::new();
        let email = check.take("email", Email::parse(&self.email));
        let name = check.text("name", &self.name, 1, 200);
        let role = check.take("role", self.role.parse::<Role>());
        check.take("password", crate::access::password::check_new(&self.password));
        check.done(|| Some(UserInput { email: email?, name: name?, role: role?, password: self.password.clone() }))
    }
}

/// Body of `PATCH /users/{id}`. Members may change their own name only.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "org_admin"}))]
pub struct UpdateUser {
    pub name: Option<String>,
    #[schema(value_type = Option<Role>)]
    pub role: Option<String>,
    pub active: Option<bool>,
}

impl UpdateUser {
    /// The changes to `current`; `is_self`: nobody changes their own role or deactivates themselves.
    pub fn parse(&self, current: &UserRow, is_self: bool) -> Result<UserChanges, Invalid> {
        let mut check = Check::new();
        let changes = UserChanges {
            name: check.optional_text("name", self.name.as_deref(), 200),
            role: check.optional("role", self.role.as_deref(), str::parse),
            active: self.active,
        };
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

/// Body of `POST /users/{id}/password`. Changing one's own password needs the current one.
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
