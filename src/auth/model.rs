//! Sessions of people on the wire: the login and its second step, tokens, the second factor's
//! enrolment and recovery codes, the sessions listed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Body of `POST /auth/login`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "ana@bank-a.example", "password": "a long passphrase of words"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Tokens of a session.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9...", "token_type": "Bearer", "expires_in": 900, "refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE", "password_change_required": false, "second_factor_enrollment_required": false}))]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`, valid 15 minutes.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single use, valid 30 days: exchange it at `/auth/refresh` for a new pair.
    pub refresh_token: String,
    /// The password was generated for you: set your own (`POST /users/{id}/password`) before
    /// anything else answers.
    pub password_change_required: bool,
    /// Your role or organisation needs a second factor and you have none: enrol one
    /// (`POST /me/second-factor`) before anything else answers.
    pub second_factor_enrollment_required: bool,
}

/// The first step of a login went through; the second factor is awaited.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"second_factor_required": true, "login_token": "Zk9yX3RoZV9zZWNvbmRfc3RlcA", "methods": ["totp", "recovery_code"], "expires_in": 300}))]
pub struct SecondFactorChallenge {
    /// Always true.
    pub second_factor_required: bool,
    /// Send it with a code to `POST /auth/login/second-factor`: single use, 5 tries, 5 minutes.
    pub login_token: String,
    /// What the code may be: a 6-digit TOTP code, or one of the recovery codes.
    pub methods: Vec<&'static str>,
    pub expires_in: i64,
}

/// Body of `POST /auth/refresh`.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE"}))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// Body of `POST /auth/logout` (optional).
#[derive(Deserialize, ToSchema, Default)]
#[schema(example = json!({"refresh_token": "q0Z3c2V5c2J1ZnF6d2lmZ2h0eGR1b2xrc3d0eXV2cGE"}))]
pub struct LogoutRequest {
    /// The session's refresh token: its family is revoked. Without it, every session of the user ends.
    pub refresh_token: Option<String>,
}

/// A TOTP secret to put in an authenticator app; active once confirmed with a code.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "otpauth_uri": "otpauth://totp/cyberbridge:ana%40bank-a.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=cyberbridge&algorithm=SHA1&digits=6&period=30", "algorithm": "SHA1", "digits": 6, "period": 30}))]
pub struct Enrolment {
    /// Base32, as authenticator apps take it (shown this once).
    pub secret: String,
    /// The same as an `otpauth://` URI (for a QR code).
    pub otpauth_uri: String,
    pub algorithm: &'static str,
    pub digits: usize,
    /// Seconds per code.
    pub period: u64,
}

/// A code from the authenticator app.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"code": "492039"}))]
pub struct CodeBody {
    pub code: String,
}

/// Recovery codes: each works once in place of a TOTP code. Shown this once; keep them offline.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"recovery_codes": ["k3x9p-a7mq2", "..."]}))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// The second step of a login.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"login_token": "Zk9yX3RoZV9zZWNvbmRfc3RlcA", "code": "492039"}))]
pub struct SecondFactorLogin {
    /// From the 202 answer of `POST /auth/login`.
    pub login_token: String,
    /// A 6-digit TOTP code, or a recovery code.
    pub code: String,
}

/// A session: a login and the refreshes that followed it.
#[derive(Serialize, ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Its last refresh (or the login).
    pub last_seen_at: DateTime<Utc>,
    /// Where its last login or refresh came from.
    pub client_addr: Option<String>,
    /// Opened with a second factor.
    pub second_factor: bool,
    /// The session of the token that asks.
    pub current: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<Session>,
}

/// How a login's first step ends: the tokens, or a second factor awaited.
pub enum Login {
    Tokens(TokenResponse),
    SecondFactor(SecondFactorChallenge),
}
