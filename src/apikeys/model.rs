//! API keys on the wire, parsed, and as rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{ApiKeyId, Check, Invalid, OrgId, OrgKind, Scope};
use crate::kernel::db::schema::api_keys;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = api_keys)]
pub struct ApiKeyRow {
    pub id: ApiKeyId,
    pub organization_id: OrgId,
    pub created_by: Option<Uuid>,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = api_keys)]
pub struct NewApiKey {
    pub id: ApiKeyId,
    pub organization_id: OrgId,
    pub created_by: Option<Uuid>,
    pub name: String,
    pub prefix: String,
    pub key_hash: Vec<u8>,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Body of `POST /api-keys`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "payments screening", "scopes": ["indicators:lookup", "alerts:write", "alerts:read"],
    "expires_at": "2027-11-30T00:00:00Z"}))]
pub struct CreateApiKey {
    pub name: String,
    /// A subset of what the organisation may do.
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Vec<String>,
    /// Optional expiry (RFC 3339); must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A new key, parsed.
#[derive(Debug)]
pub struct KeyInput {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl CreateApiKey {
    /// For an organisation of `kind`: each scope known and allowed to it, no duplicates.
    pub fn parse(&self, kind: OrgKind, now: DateTime<Utc>) -> Result<KeyInput, Invalid> {
        let mut check = Check::new();
        let name = check.text("name", &self.name, 1, 100);
        if self.scopes.is_empty() {
            check.add("scopes", "give at least one scope");
        }
        let mut scopes: Vec<Scope> = Vec::new();
        for (i, s) in self.scopes.iter().enumerate() {
            match s.parse::<Scope>() {
                Err(e) => check.add(format!("scopes[{i}]"), e),
                Ok(scope) if !scope.allowed_for_kind(kind) => {
                    check.add(format!("scopes[{i}]"), format!("a {kind} organisation may not hold `{scope}`"))
                }
                Ok(scope) if !scopes.contains(&scope) => scopes.push(scope),
                Ok(_) => {}
            }
        }
        if self.expires_at.is_some_and(|e| e <= now) {
            check.add("expires_at", "must be in the future");
        }
        check.done(|| Some(KeyInput { name: name?, scopes, expires_at: self.expires_at }))
    }
}

/// An API key as listed: never the key itself.
#[derive(Serialize, ToSchema)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    /// The first characters of the key, to recognise it.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub organization_id: OrgId,
    pub created_by: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            prefix: r.prefix,
            scopes: r.scopes,
            organization_id: r.organization_id,
            created_by: r.created_by,
            expires_at: r.expires_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
            created_at: r.created_at,
        }
    }
}

/// A new API key: the only time `key` is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    pub id: ApiKeyId,
    /// The secret key; send it as `Authorization: ApiKey <key>`. It cannot be shown again.
    pub key: String,
    pub prefix: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The organisation's API keys, newest first.
#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKey>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_must_be_known_allowed_and_are_deduplicated() {
        let now = Utc::now();
        let body = |scopes: &[&str]| CreateApiKey {
            name: "payments".into(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: None,
        };
        let ok = body(&["alerts:write", "alerts:write", "indicators:lookup"]).parse(OrgKind::Bank, now).unwrap();
        assert_eq!(ok.scopes, [Scope::AlertsWrite, Scope::IndicatorsLookup]);
        let Invalid(errors) = body(&["alerts:write", "nope"]).parse(OrgKind::Isp, now).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["scopes[0]", "scopes[1]"]);
        let expired = CreateApiKey { expires_at: Some(now), ..body(&["reports:read"]) };
        assert_eq!(expired.parse(OrgKind::Bank, now).unwrap_err().0[0].field, "expires_at");
    }
}
