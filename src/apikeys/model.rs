//! API keys on the wire, parsed, and as rows.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::net::fingerprint;
use crate::domain::{ApiKeyId, Check, Invalid, Network, OrgId, OrgKind, Scope};
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
    pub allowed_networks: Vec<String>,
    pub client_cert_sha256: Option<String>,
    pub standing_case_reference: Option<String>,
    pub standing_purpose_until: Option<DateTime<Utc>>,
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
    pub allowed_networks: Vec<String>,
    pub client_cert_sha256: Option<String>,
    pub standing_case_reference: Option<String>,
    pub standing_purpose_until: Option<DateTime<Utc>>,
}

/// A key's standing purpose: the case its TAXII pulls are for, until when (purpose
/// `standing_feed`). Organisations that owe a purpose for every search pull the feed only with
/// a key that has one.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"case_reference": "OP-PHISH-2026", "until": "2027-02-28T00:00:00Z"}))]
pub struct StandingPurpose {
    /// The case (operation) the feed is pulled for (up to 100 characters).
    pub case_reference: String,
    /// When it ends: in the future, within 90 days.
    pub until: DateTime<Utc>,
}

/// Body of `POST /api-keys`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "payments screening", "scopes": ["indicators:lookup", "alerts:write", "alerts:read"],
    "expires_at": "2027-11-30T00:00:00Z", "allowed_networks": ["198.51.100.0/24", "2001:db8:1::/48"]}))]
pub struct CreateApiKey {
    pub name: String,
    /// A subset of what the organisation may do.
    #[schema(value_type = Vec<Scope>)]
    pub scopes: Vec<String>,
    /// Optional expiry (RFC 3339); must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
    /// The client networks (CIDR, or single addresses) the key works from, at most 50; from
    /// anywhere else it answers 401, audited. Absent or empty: anywhere.
    pub allowed_networks: Option<Vec<String>>,
    /// The SHA-256 fingerprint of the client certificate the key works with (64 hex digits,
    /// colons allowed), as the TLS-terminating proxy passes it in `CYBERBRIDGE_CLIENT_CERT_HEADER`.
    pub client_certificate_sha256: Option<String>,
    /// The purpose of the key's TAXII pulls (`standing_feed`), for organisations that state one
    /// for every search.
    pub standing_purpose: Option<StandingPurpose>,
}

/// A new key, parsed.
#[derive(Debug)]
pub struct KeyInput {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: Option<DateTime<Utc>>,
    pub allowed_networks: Vec<String>,
    pub client_cert_sha256: Option<String>,
    pub standing_purpose: Option<StandingPurpose>,
}

pub const MAX_NETWORKS: usize = 50;

impl CreateApiKey {
    /// For an organisation of `kind`: each scope known and allowed to it, no duplicates.
    /// `certificates`: whether the server is told client certificates (a configured header).
    pub fn parse(&self, kind: OrgKind, now: DateTime<Utc>, certificates: bool) -> Result<KeyInput, Invalid> {
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
        let networks = self.allowed_networks.as_deref().unwrap_or_default();
        if networks.len() > MAX_NETWORKS {
            check.add("allowed_networks", format!("at most {MAX_NETWORKS} networks"));
        }
        let mut allowed_networks: Vec<String> = Vec::new();
        for (i, raw) in networks.iter().enumerate().take(MAX_NETWORKS) {
            match Network::parse(raw) {
                Ok(n) if !allowed_networks.contains(&n.to_string()) => allowed_networks.push(n.to_string()),
                Ok(_) => {}
                Err(e) => check.add(format!("allowed_networks[{i}]"), e),
            }
        }
        let client_cert_sha256 = match &self.client_certificate_sha256 {
            None => None,
            Some(_) if !certificates => {
                check.add(
                    "client_certificate_sha256",
                    "this server is not told client certificates (CYBERBRIDGE_CLIENT_CERT_HEADER is unset)",
                );
                None
            }
            Some(raw) => match fingerprint(raw) {
                Ok(f) => Some(f),
                Err(e) => {
                    check.add("client_certificate_sha256", e);
                    None
                }
            },
        };
        let standing_purpose = self.standing_purpose.as_ref().and_then(|p| {
            let case = check.text(
                "standing_purpose.case_reference",
                &p.case_reference,
                1,
                crate::domain::purpose::MAX_CASE_REFERENCE,
            );
            let latest = now + chrono::Duration::days(crate::domain::purpose::STANDING_PURPOSE_MAX_DAYS);
            if p.until <= now || p.until > latest {
                check.add("standing_purpose.until", "must be in the future, within 90 days");
                return None;
            }
            Some(StandingPurpose { case_reference: case?, until: p.until })
        });
        check.done(|| {
            Some(KeyInput {
                name: name?,
                scopes,
                expires_at: self.expires_at,
                allowed_networks,
                client_cert_sha256,
                standing_purpose,
            })
        })
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
    /// Where the key works from (empty: anywhere).
    pub allowed_networks: Vec<String>,
    /// The client certificate the key works with, if bound to one.
    pub client_certificate_sha256: Option<String>,
    /// The purpose of its TAXII pulls, if it has one.
    pub standing_purpose: Option<StandingPurpose>,
}

impl ApiKeyRow {
    pub fn standing_purpose(&self) -> Option<StandingPurpose> {
        match (&self.standing_case_reference, self.standing_purpose_until) {
            (Some(case), Some(until)) => Some(StandingPurpose { case_reference: case.clone(), until }),
            _ => None,
        }
    }
}

impl From<ApiKeyRow> for ApiKey {
    fn from(r: ApiKeyRow) -> Self {
        let standing_purpose = r.standing_purpose();
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
            standing_purpose,
            allowed_networks: r.allowed_networks,
            client_certificate_sha256: r.client_cert_sha256,
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
    pub allowed_networks: Vec<String>,
    pub client_certificate_sha256: Option<String>,
    pub standing_purpose: Option<StandingPurpose>,
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
            allowed_networks: None,
            client_certificate_sha256: None,
            standing_purpose: None,
        };
        let ok = body(&["alerts:write", "alerts:write", "indicators:lookup"]).parse(OrgKind::Bank, now, false).unwrap();
        assert_eq!(ok.scopes, [Scope::AlertsWrite, Scope::IndicatorsLookup]);
        let Invalid(errors) = body(&["alerts:write", "nope"]).parse(OrgKind::Isp, now, false).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["scopes[0]", "scopes[1]"]);
        let expired = CreateApiKey { expires_at: Some(now), ..body(&["reports:read"]) };
        assert_eq!(expired.parse(OrgKind::Bank, now, false).unwrap_err().0[0].field, "expires_at");
        let networks = CreateApiKey {
            allowed_networks: Some(vec!["198.51.100.0/24".into(), "198.51.100.0/24".into(), "10.0.0.1/8".into()]),
            ..body(&["reports:read"])
        };
        assert_eq!(networks.parse(OrgKind::Bank, now, false).unwrap_err().0[0].field, "allowed_networks[2]");
        let bound = CreateApiKey { client_certificate_sha256: Some("ab".repeat(32)), ..body(&["reports:read"]) };
        assert_eq!(bound.parse(OrgKind::Bank, now, false).unwrap_err().0[0].field, "client_certificate_sha256");
        assert_eq!(bound.parse(OrgKind::Bank, now, true).unwrap().client_cert_sha256, Some("ab".repeat(32)));
    }
}
