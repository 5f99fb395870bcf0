//! The authenticated caller, as an actix extractor: taking a `Principal` parameter means "must
//! be authenticated". Authorization is `principal.authorize(&state, Action::X)`.

use std::future::Future;
use std::pin::Pin;

use actix_web::{web, FromRequest, HttpRequest};
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::action::{record_denied, Action, Grant, Need};
use super::store;
use crate::domain::report::Viewer;
use crate::domain::text_enum;
use crate::domain::{ApiKeyId, OrgId, OrgKind, Permission, Purpose, Role, Scope, UserId};
use crate::kernel::audit::Actor;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::tokens;
use crate::kernel::AppState;

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub enum Credential {
    /// A user with an access token (its id, expiry and session, for logout).
    User { user_id: UserId, jti: Uuid, exp: i64, sid: Option<Uuid> },
    /// A machine client with an API key and its scopes.
    ApiKey { key_id: ApiKeyId, scopes: Vec<Scope> },
}

/// The authenticated caller.
#[derive(Clone, Debug)]
pub struct Principal {
    pub credential: Credential,
    pub org_id: OrgId,
    pub org_kind: OrgKind,
    pub role: Role,
    /// A user whose generated first password must be changed before anything else.
    pub must_change_password: bool,
    /// A user who must enrol a second factor (`CYBERBRIDGE_MFA_REQUIRED`) before anything else.
    pub must_enrol_second_factor: bool,
    pub meta: RequestMeta,
}

impl Principal {
    pub fn user_id(&self) -> Option<UserId> {
        match self.credential {
            Credential::User { user_id, .. } => Some(user_id),
            Credential::ApiKey { .. } => None,
        }
    }

    pub fn api_key_id(&self) -> Option<ApiKeyId> {
        match self.credential {
            Credential::ApiKey { key_id, .. } => Some(key_id),
            Credential::User { .. } => None,
        }
    }

    /// The user or the API key that acts, as stored in `*_actor_id` columns.
    pub fn actor_id(&self) -> Uuid {
        match self.credential {
            Credential::User { user_id, .. } => user_id.0,
            Credential::ApiKey { key_id, .. } => key_id.0,
        }
    }

    /// Who acts, for the audit trail.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id().map(|u| u.0),
            api_key_id: self.api_key_id().map(|k| k.0),
            organization_id: Some(self.org_id.0),
            meta: self.meta.clone(),
        }
    }

    /// The caller as report visibility (TLP) sees it.
    pub fn viewer(&self) -> Viewer {
        Viewer { org_id: self.org_id, public_sector: self.org_kind.is_public_sector() }
    }

    /// A person of an organisation (`org`: its id, kind and the person's role), with what they
    /// must do first: set a password of their own, enrol a second factor their role needs.
    fn person(
        state: &AppState,
        credential: Credential,
        org: (OrgId, OrgKind, Role),
        password_change_required: bool,
        second_factor: bool,
        meta: RequestMeta,
    ) -> Principal {
        let (org_id, org_kind, role) = org;
        Principal {
            credential,
            org_id,
            org_kind,
            role,
            must_change_password: password_change_required,
            must_enrol_second_factor: !second_factor && state.mfa_policy.requires(org_kind, role),
            meta,
        }
    }

    pub fn is_user(&self) -> bool {
        self.user_id().is_some()
    }

    pub fn is_platform_admin(&self) -> bool {
        self.org_kind == OrgKind::Platform && self.role == Role::OrgAdmin && self.is_user()
    }

    /// A person of a regulator (they read statistics and every audit row of theirs).
    pub fn is_regulator_user(&self) -> bool {
        self.org_kind == OrgKind::Regulator && self.is_user()
    }

    /// Whether the caller sees every organisation's audit rows.
    pub fn reads_all_audit(&self) -> bool {
        self.is_platform_admin() || (self.is_regulator_user() && self.role == Role::OrgAdmin)
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

    pub fn permissions(&self) -> Vec<Permission> {
        Permission::ALL.iter().copied().filter(|p| self.can(*p)).collect()
    }

    /// What `need` lacks, if anything, as the refusal says it.
    fn missing(&self, need: Need) -> Option<String> {
        let lacking = |list: &[Permission]| list.iter().copied().find(|p| !self.can(*p));
        let may_not = |p: Permission| match (&self.credential, p.scope()) {
            // The organisation may; the key was not given the scope.
            (Credential::ApiKey { .. }, Some(scope)) if p.allowed_for_kind(self.org_kind) => {
                format!(
                    "this API key lacks the `{scope}` scope (an org_admin makes a key with it: POST /api/v1/api-keys)"
                )
            }
            (Credential::ApiKey { .. }, None) if p.allowed_for_kind(self.org_kind) => {
                format!("API keys may not {}: a person does it", p.as_str().replace('_', " "))
            }
            _ => format!("your organisation or credential may not {}", p.as_str().replace('_', " ")),
        };
        match need {
            Need::Nothing => None,
            Need::Permission(p) => lacking(&[p]).map(may_not),
            Need::All(list) => lacking(list).map(may_not),
            Need::Write(list, scope) => lacking(list).map(may_not).or_else(|| match &self.credential {
                Credential::ApiKey { scopes, .. } if !scopes.contains(&scope) => {
                    Some(format!("this API key lacks the `{scope}` scope"))
                }
                _ => None,
            }),
        }
    }

    /// The one authorization call of a handler: checks what `action` needs (a refusal is
    /// audited with outcome `denied` and answered 403) and hands out the grant its audited
    /// write uses.
    pub async fn authorize(&self, state: &AppState, action: Action) -> ApiResult<Grant> {
        let grant = Grant::new(self.clone(), action);
        if self.must_change_password && !matches!(action, Action::ChangePassword | Action::ReadMe | Action::Logout) {
            record_denied(state, grant.entry()).await;
            return Err(ApiError::Forbidden(format!(
                "set a password of your own first: POST /api/v1/users/{}/password",
                self.user_id().map(|u| u.to_string()).unwrap_or_default()
            )));
        }
        if self.must_enrol_second_factor && !action.allowed_before_second_factor() {
            record_denied(state, grant.entry()).await;
            return Err(ApiError::Forbidden(
                "enrol a second factor first: POST /api/v1/me/second-factor, then confirm it with a code".into(),
            ));
        }
        match self.missing(action.need()) {
            None => Ok(grant),
            Some(refusal) => {
                record_denied(state, grant.entry()).await;
                Err(ApiError::Forbidden(refusal))
            }
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
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
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
            state.limiter.check(principal.actor_id())?;
            Ok(principal)
        })
    }
}

/// A person signed in to the console, found by the secret of the browser's cookie.
pub struct ConsoleSession {
    pub principal: Principal,
    pub sid: Uuid,
    /// The session's token against cross-site requests.
    pub csrf: String,
    pub name: String,
    pub email: String,
    pub org_name: String,
    /// The person's language, when chosen.
    pub locale: Option<String>,
    /// The person's time zone (an IANA name), when chosen.
    pub time_zone: Option<String>,
    pub notices_opt_out: bool,
    /// The browser session's current case, when one is chosen.
    pub case: Option<Purpose>,
}

/// The console session of a cookie's secret, or why there is none (the browser signs in
/// again): unknown, ended (sign-out, `/me/sessions`, a reset, a password change), idle longer
/// than `CYBERBRIDGE_CONSOLE_IDLE_MINUTES`, older than `CYBERBRIDGE_CONSOLE_SESSION_HOURS`, its
/// person or organisation deactivated, or a second factor enrolled since it opened without one.
pub async fn console_session(
    state: &AppState,
    secret: &str,
    mut meta: RequestMeta,
) -> ApiResult<Result<ConsoleSession, &'static str>> {
    meta.console = true;
    let mut conn = state.pool.get().await?;
    let Some(row) = store::console_session(&mut conn, &tokens::sha256(secret)).await? else {
        return Ok(Err("unknown"));
    };
    let now = Utc::now();
    if row.ended {
        return Ok(Err("ended"));
    }
    if !row.user_active || !row.org_active {
        return Ok(Err("deactivated"));
    }
    if row.sessions_valid_after.is_some_and(|t| t > row.created_at) || (row.second_factor && !row.session_second_factor)
    {
        store::console_seen(&mut conn, row.sid, Some("credentials_changed")).await?;
        return Ok(Err("ended"));
    }
    let idle = chrono::Duration::minutes(state.config.console_idle_minutes);
    let absolute = chrono::Duration::hours(state.config.console_session_hours);
    if now - row.last_seen_at > idle || now - row.created_at > absolute {
        store::console_seen(&mut conn, row.sid, Some("timed_out")).await?;
        return Ok(Err("timed_out"));
    }
    if now - row.last_seen_at > chrono::Duration::seconds(30) {
        store::console_seen(&mut conn, row.sid, None).await?;
    }
    state.limiter.check(row.user_id)?;
    let credential = Credential::User {
        user_id: UserId(row.user_id),
        jti: Uuid::nil(),
        exp: (row.created_at + absolute).timestamp(),
        sid: Some(row.sid),
    };
    let principal = Principal::person(
        state,
        credential,
        (row.org_id, row.org_kind, row.role),
        row.password_change_required,
        row.second_factor,
        meta,
    );
    Ok(Ok(ConsoleSession {
        principal,
        sid: row.sid,
        csrf: row.csrf_token.unwrap_or_default(),
        name: row.name,
        email: row.email,
        org_name: row.org_name,
        locale: row.locale,
        time_zone: row.time_zone,
        notices_opt_out: row.notices_opt_out,
        case: match (row.case_reference, row.case_purpose.and_then(|p| p.parse().ok())) {
            (Some(case_reference), Some(reason)) => Some(Purpose { case_reference, reason }),
            _ => None,
        },
    }))
}

async fn authenticate(state: &AppState, header: &str, meta: RequestMeta) -> ApiResult<Principal> {
    let (scheme, value) = header.trim().split_once(' ').unwrap_or((header, ""));
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        let claims = state.jwt.verify(value)?;
        let found = store::user_principal(&mut *state.pool.get().await?, claims.sub, claims.jti, claims.sid).await?;
        let Some(row) = found else { return Err(ApiError::Unauthenticated("unknown user".into())) };
        if !row.user_active || !row.org_active {
            return Err(ApiError::Unauthenticated("the account or its organisation is deactivated".into()));
        }
        if row.revoked {
            return Err(ApiError::Unauthenticated("the access token was revoked (logged out)".into()));
        }
        if row.session_ended {
            return Err(ApiError::Unauthenticated("the session was ended; log in again".into()));
        }
        // The token's id is a UUID v7: it carries the millisecond the token was issued.
        let issued_ms =
            claims.jti.get_timestamp().map(|t| t.to_unix()).map(|(s, n)| s as i64 * 1000 + i64::from(n) / 1_000_000);
        if row.sessions_valid_after.is_some_and(|t| issued_ms.is_none_or(|ms| ms < t.timestamp_millis())) {
            return Err(ApiError::Unauthenticated("the session was ended by a password change; log in again".into()));
        }
        let credential =
            Credential::User { user_id: UserId(claims.sub), jti: claims.jti, exp: claims.exp, sid: claims.sid };
        let org = (row.org_id, row.org_kind, row.role);
        Ok(Principal::person(state, credential, org, row.password_change_required, row.second_factor, meta))
    } else if scheme.eq_ignore_ascii_case("apikey") || scheme.eq_ignore_ascii_case("basic") {
        // TAXII clients speak HTTP Basic: the password is an API key (the user name is ignored).
        let decoded;
        let value = if scheme.eq_ignore_ascii_case("basic") {
            let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, value)
                .map_err(|_| ApiError::Unauthenticated("Basic credentials are not base64".into()))?;
            decoded = String::from_utf8(raw)
                .map_err(|_| ApiError::Unauthenticated("Basic credentials are not text".into()))?;
            decoded.split_once(':').map_or(decoded.as_str(), |(_, password)| password)
        } else {
            value
        };
        let hash = tokens::sha256(value);
        let mut fresh = false;
        let row = match state.hub.key_cache.get(&hash) {
            Some(row) => row,
            None => {
                // An unknown key costs a query once per 30 s; an address sending unknown keys
                // spends its budget of unauthenticated attempts and, once out of it, gets 429
                // without a query. Valid keys never touch that budget.
                if state.hub.key_cache.known_miss(&hash) {
                    state.auth_limiter.check(meta.address_key())?;
                    return Err(ApiError::Unauthenticated("unknown API key".into()));
                }
                if state.auth_limiter.exhausted(meta.address_key()) && !state.hub.key_cache.vouched(&hash) {
                    state.auth_limiter.check(meta.address_key())?;
                }
                let generation = state.hub.key_cache.generation();
                let Some(row) = store::api_key_principal(&mut *state.pool.get().await?, &hash).await? else {
                    state.hub.key_cache.put_miss(hash, generation);
                    state.auth_limiter.check(meta.address_key())?;
                    return Err(ApiError::Unauthenticated("unknown API key".into()));
                };
                state.hub.key_cache.put(hash.clone(), row.clone(), generation);
                fresh = true;
                row
            }
        };
        let now = Utc::now();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e <= now) || !row.org_active {
            return Err(ApiError::Unauthenticated(
                "the API key is revoked or expired, or its organisation is deactivated".into(),
            ));
        }
        // A key bound to networks or a certificate answers 401 elsewhere, and it is in the audit
        // (buffered: a stolen key tried in a loop writes no more than reads do).
        if let Some(why) = row.refuses(&meta) {
            let mut entry = crate::kernel::audit::Entry::anonymous(&meta, "auth.api_key_refused")
                .outcome(crate::kernel::audit::AuditOutcome::Denied)
                .object("api_key", row.id)
                .details(serde_json::json!({"reason": why}));
            entry.actor.api_key_id = Some(row.id.0);
            entry.actor.organization_id = Some(row.org_id.0);
            state.audit.push(entry);
            return Err(ApiError::Unauthenticated(why.into()));
        }
        // Only a key that works is spared the address's budget of unknown keys later.
        if fresh {
            state.hub.key_cache.vouch(&hash);
        }
        // Keep the hot path read-only: record use at most once a minute per key.
        if row.last_used_at.is_none_or(|t| now - t > chrono::Duration::seconds(60)) {
            store::touch_api_key(&mut *state.pool.get().await?, row.id).await?;
            let mut touched = row.clone();
            touched.last_used_at = Some(now);
            state.hub.key_cache.put(hash, touched, state.hub.key_cache.generation());
        }
        Ok(Principal {
            credential: Credential::ApiKey { key_id: row.id, scopes: row.scopes },
            org_id: row.org_id,
            org_kind: row.org_kind,
            role: Role::Member,
            must_change_password: false,
            must_enrol_second_factor: false,
            meta,
        })
    } else {
        Err(ApiError::Unauthenticated(
            "unsupported authorization scheme; use Bearer, ApiKey (or Basic with an API key as password)".into(),
        ))
    }
}

text_enum! {
    /// How a caller authenticated.
    PrincipalKind {
        User = "user",
        ApiKey = "api_key",
    }
}

/// The organisation summary and permissions of the caller, for `GET /me`.
#[derive(Serialize, ToSchema)]
pub struct PrincipalView {
    pub kind: PrincipalKind,
    pub user_id: Option<UserId>,
    pub api_key_id: Option<ApiKeyId>,
    pub organization_id: OrgId,
    pub organization_kind: OrgKind,
    pub role: Role,
    /// Scopes of an API key; absent for users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
    /// What the caller may do.
    pub permissions: Vec<Permission>,
    /// The first password was generated: set your own (`POST /users/{id}/password`) before
    /// anything else.
    pub password_change_required: bool,
    /// Your role or organisation needs a second factor and you have none: enrol one
    /// (`POST /me/second-factor`) before anything else.
    pub second_factor_enrollment_required: bool,
}

impl PrincipalView {
    pub fn of(p: &Principal) -> Self {
        PrincipalView {
            kind: if p.is_user() { PrincipalKind::User } else { PrincipalKind::ApiKey },
            user_id: p.user_id(),
            api_key_id: p.api_key_id(),
            organization_id: p.org_id,
            organization_kind: p.org_kind,
            role: p.role,
            scopes: match &p.credential {
                Credential::ApiKey { scopes, .. } => Some(scopes.clone()),
                Credential::User { .. } => None,
            },
            permissions: if p.must_change_password || p.must_enrol_second_factor {
                Vec::new()
            } else {
                p.permissions()
            },
            password_change_required: p.must_change_password,
            second_factor_enrollment_required: p.must_enrol_second_factor,
        }
    }
}
