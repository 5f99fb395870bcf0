//! Who is calling: passwords, tokens, API keys, the `Principal` extractor, permissions and the
//! per-principal rate limit.

pub mod bootstrap;
pub mod cache;
pub mod password;
pub mod ratelimit;
pub mod routes;
pub mod store;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::{text_enum, OrgKind, Role};
use crate::error::{ApiError, ApiResult};
use crate::http::RequestId;
use crate::AppState;

text_enum! {
    /// What an API key may be used for; a subset of what its organisation may do.
    Scope {
        ReportsRead = "reports:read",
        ReportsWrite = "reports:write",
        IndicatorsLookup = "indicators:lookup",
        AlertsRead = "alerts:read",
        AlertsWrite = "alerts:write",
        RequestsRead = "requests:read",
        RequestsWrite = "requests:write",
        EventsRead = "events:read",
        WebhooksManage = "webhooks:manage",
    }
}

/// Named permissions, following DESIGN.md's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    SubmitReports,
    ReadReports,
    LookupIndicators,
    IssueDataRequests,
    IssueFreezeRequests,
    AnswerRequests,
    ReadRequests,
    PostAlerts,
    ReadAlerts,
    ReadEvents,
    ManageWebhooks,
    ReadAudit,
    ManageOrganizations,
    ManageUsers,
    ManageApiKeys,
}

impl Permission {
    /// Whether an organisation of `kind` may do this at all.
    pub fn allowed_for_kind(self, kind: OrgKind) -> bool {
        use OrgKind::*;
        let operational = matches!(kind, LawEnforcement | Prosecution | Fiu | Isp | Bank);
        match self {
            Permission::SubmitReports => operational,
            Permission::ReadReports | Permission::LookupIndicators => operational || kind == Platform,
            Permission::IssueDataRequests => matches!(kind, LawEnforcement | Prosecution),
            Permission::IssueFreezeRequests => matches!(kind, LawEnforcement | Prosecution | Fiu),
            Permission::AnswerRequests => matches!(kind, Isp | Bank),
            Permission::ReadRequests => operational,
            Permission::PostAlerts => kind == Bank,
            Permission::ReadAlerts => matches!(kind, LawEnforcement | Prosecution | Fiu | Bank | Platform),
            Permission::ReadEvents | Permission::ManageWebhooks => kind != Regulator,
            Permission::ReadAudit | Permission::ManageUsers | Permission::ManageApiKeys => true,
            Permission::ManageOrganizations => kind == Platform,
        }
    }

    /// The API-key scope that grants it; `None`: users only.
    pub fn scope(self) -> Option<Scope> {
        match self {
            Permission::SubmitReports => Some(Scope::ReportsWrite),
            Permission::ReadReports => Some(Scope::ReportsRead),
            Permission::LookupIndicators => Some(Scope::IndicatorsLookup),
            Permission::IssueDataRequests | Permission::IssueFreezeRequests | Permission::AnswerRequests => {
                Some(Scope::RequestsWrite)
            }
            Permission::ReadRequests => Some(Scope::RequestsRead),
            Permission::PostAlerts => Some(Scope::AlertsWrite),
            Permission::ReadAlerts => Some(Scope::AlertsRead),
            Permission::ReadEvents => Some(Scope::EventsRead),
            Permission::ManageWebhooks => Some(Scope::WebhooksManage),
            Permission::ReadAudit
            | Permission::ManageOrganizations
            | Permission::ManageUsers
            | Permission::ManageApiKeys => None,
        }
    }

    /// Whether it needs the org_admin role (for users).
    fn needs_admin(self) -> bool {
        matches!(
            self,
            Permission::ReadAudit
                | Permission::ManageOrganizations
                | Permission::ManageUsers
                | Permission::ManageApiKeys
                | Permission::ManageWebhooks
        )
    }

    const ALL: [Permission; 15] = [
        Permission::SubmitReports,
        Permission::ReadReports,
        Permission::LookupIndicators,
        Permission::IssueDataRequests,
        Permission::IssueFreezeRequests,
        Permission::AnswerRequests,
        Permission::ReadRequests,
        Permission::PostAlerts,
        Permission::ReadAlerts,
        Permission::ReadEvents,
        Permission::ManageWebhooks,
        Permission::ReadAudit,
        Permission::ManageOrganizations,
        Permission::ManageUsers,
        Permission::ManageApiKeys,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::SubmitReports => "submit_reports",
            Permission::ReadReports => "read_reports",
            Permission::LookupIndicators => "lookup_indicators",
            Permission::IssueDataRequests => "issue_data_requests",
            Permission::IssueFreezeRequests => "issue_freeze_requests",
            Permission::AnswerRequests => "answer_requests",
            Permission::ReadRequests => "read_requests",
            Permission::PostAlerts => "post_alerts",
            Permission::ReadAlerts => "read_alerts",
            Permission::ReadEvents => "read_events",
            Permission::ManageWebhooks => "manage_webhooks",
            Permission::ReadAudit => "read_audit",
            Permission::ManageOrganizations => "manage_organizations",
            Permission::ManageUsers => "manage_users",
            Permission::ManageApiKeys => "manage_api_keys",
        }
    }
}

impl Scope {
    /// Whether an organisation of `kind` may hold a key with this scope.
    pub fn allowed_for_kind(self, kind: OrgKind) -> bool {
        Permission::ALL.iter().any(|p| p.scope() == Some(self) && p.allowed_for_kind(kind))
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

impl RequestMeta {
    pub fn of(req: &HttpRequest) -> Self {
        RequestMeta {
            request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
            client_addr: req.peer_addr().map(|a| a.ip().to_string()),
        }
    }
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(RequestMeta::of(req)))
    }
}

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum Credential {
    /// A user with an access token (its id and expiry, for logout).
    User { user_id: Uuid, jti: Uuid, exp: i64 },
    /// A machine client with an API key and its scopes.
    ApiKey { key_id: Uuid, scopes: Vec<Scope> },
}

/// The authenticated caller. Taking it as a handler parameter means "must be authenticated".
#[derive(Clone, Debug)]
pub struct Principal {
    pub credential: Credential,
    pub org_id: Uuid,
    pub org_kind: OrgKind,
    pub role: Role,
    pub meta: RequestMeta,
}

impl Principal {
    pub fn user_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::User { user_id, .. } => Some(user_id),
            Credential::ApiKey { .. } => None,
        }
    }

    pub fn api_key_id(&self) -> Option<Uuid> {
        match self.credential {
            Credential::ApiKey { key_id, .. } => Some(key_id),
            Credential::User { .. } => None,
        }
    }

    pub fn is_platform_admin(&self) -> bool {
        self.org_kind == OrgKind::Platform && self.role == Role::OrgAdmin && self.user_id().is_some()
    }

    /// Whether the caller sees every organisation's audit rows.
    pub fn reads_all_audit(&self) -> bool {
        self.is_platform_admin()
            || (self.org_kind == OrgKind::Regulator && self.role == Role::OrgAdmin && self.user_id().is_some())
    }

    pub fn can(&self, permission: Permission) -> bool {
        if !permission.allowed_for_kind(self.org_kind) {
            return false;
        }
        match &self.credential {
            Credential::User { .. } => !permission.needs_admin() || self.role == Role::OrgAdmin,
            Credential::ApiKey { scopes, .. } => permission.scope().is_some_and(|s| scopes.contains(&s)),
        }
    }

    pub fn permissions(&self) -> Vec<&'static str> {
        Permission::ALL.iter().filter(|p| self.can(**p)).map(|p| p.name()).collect()
    }

    /// Fails with 403 unless the caller holds `permission`.
    pub fn require(&self, permission: Permission) -> ApiResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your organisation or credential may not {}",
                permission.name().replace('_', " ")
            )))
        }
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let header = req.headers().get(actix_web::http::header::AUTHORIZATION).map(|v| v.to_str().map(str::to_string));
        let meta = RequestMeta::of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let header = match header {
                None => {
                    return Err(ApiError::Unauthenticated(
                        "send `Authorization: Bearer <token>` or `Authorization: ApiKey <key>`".into(),
                    ))
                }
                Some(Err(_)) => {
                    return Err(ApiError::Unauthenticated("the Authorization header is not valid text".into()))
                }
                Some(Ok(h)) => h,
            };
            let principal = authenticate(&state, &header, meta).await?;
            let subject = principal.api_key_id().or(principal.user_id()).unwrap_or_default();
            state.limiter.check(subject)?;
            Ok(principal)
        })
    }
}

async fn conn(state: &AppState) -> ApiResult<crate::db::PooledConn> {
    Ok(state.pool.get().await?)
}

async fn authenticate(state: &AppState, header: &str, meta: RequestMeta) -> ApiResult<Principal> {
    let (scheme, value) = header.trim().split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        let claims = state.jwt.verify(value)?;
        let found = store::user_principal(&mut *conn(state).await?, claims.sub, claims.jti).await?;
        let Some(row) = found else { return Err(ApiError::Unauthenticated("unknown user".into())) };
        if !row.user_active || !row.org_active {
            return Err(ApiError::Unauthenticated("the account or its organisation is deactivated".into()));
        }
        if row.revoked {
            return Err(ApiError::Unauthenticated("the access token was revoked (logged out)".into()));
        }
        Ok(Principal {
            credential: Credential::User { user_id: claims.sub, jti: claims.jti, exp: claims.exp },
            org_id: row.org_id,
            org_kind: crate::domain::from_db(&row.org_kind)?,
            role: crate::domain::from_db(&row.role)?,
            meta,
        })
    } else if scheme.eq_ignore_ascii_case("apikey") {
        let hash = tokens::sha256(value);
        let row = match state.hub.key_cache.get(&hash) {
            Some(row) => row,
            None => {
                let generation = state.hub.key_cache.generation();
                let Some(row) = store::api_key_principal(&mut *conn(state).await?, &hash).await? else {
                    return Err(ApiError::Unauthenticated("unknown API key".into()));
                };
                state.hub.key_cache.put(hash.clone(), row.clone(), generation);
                row
            }
        };
        let now = Utc::now();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= now) || !row.org_active {
            return Err(ApiError::Unauthenticated(
                "the API key is revoked or expired, or its organisation is deactivated".into(),
            ));
        }
        // Keep the hot path read-only: record use at most once a minute per key.
        if row.last_used_at.is_none_or(|t| now - t > chrono::Duration::seconds(60)) {
            store::touch_api_key(&mut *conn(state).await?, row.id).await?;
            let mut touched = row.clone();
            touched.last_used_at = Some(now);
            state.hub.key_cache.put(hash, touched, state.hub.key_cache.generation());
        }
        Ok(Principal {
            credential: Credential::ApiKey {
                key_id: row.id,
                scopes: row.scopes.iter().filter_map(|s| s.parse().ok()).collect(),
            },
            org_id: row.org_id,
            org_kind: crate::domain::from_db(&row.org_kind)?,
            role: Role::Member,
            meta,
        })
    } else {
        Err(ApiError::Unauthenticated("unsupported authorization scheme; use Bearer or ApiKey".into()))
    }
}

/// The organisation summary and permissions of the caller, for `GET /me`.
#[derive(Serialize, ToSchema)]
pub struct PrincipalView {
    /// `user` or `api_key`.
    pub kind: &'static str,
    pub user_id: Option<Uuid>,
    pub api_key_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub organization_kind: OrgKind,
    pub role: Role,
    /// Scopes of an API key; absent for users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
    /// What the caller may do.
    pub permissions: Vec<&'static str>,
}
