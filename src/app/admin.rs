//! `cyberbridge admin ...`: organisation and user administration from the command line, for
//! the operator (first setup, locked-out admins). Each action is audited as done via the CLI.

use clap::Subcommand;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::access::{self, password};
use crate::domain::UserId;
use crate::kernel::audit::Entry;
use base64::Engine;

use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
use crate::kernel::secrets::SecretBox;
use crate::kernel::Config;
use crate::organizations::model::{BankIdentifier, Contact, CreateOrganization, OrgInput};
use crate::users::model::{CreateUser, NewUser};
use crate::{audit, organizations, users};

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Register an organisation.
    CreateOrg {
        #[arg(long)]
        name: String,
        /// law_enforcement, prosecution, court, fiu, isp, bank or regulator.
        #[arg(long)]
        kind: String,
        /// ISO 3166-1 alpha-2.
        #[arg(long)]
        country: String,
        #[arg(long)]
        contact_name: String,
        #[arg(long)]
        contact_email: String,
        /// E.164.
        #[arg(long)]
        contact_phone: String,
        /// Bank identifier as COUNTRY:BANK_CODE[:BIC], repeatable (banks only).
        #[arg(long = "bank-id")]
        bank_ids: Vec<String>,
    },
    /// Create a user in an organisation (given by id or exact name).
    CreateUser {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// member or org_admin.
        #[arg(long, default_value = "member")]
        role: String,
        #[arg(long, env = "CYBERBRIDGE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List, from the audit trail and the tables, powers granted by one person: users and roles in
    /// other organisations made by a platform admin alone, self-accredited officers, and
    /// organisations moved or reactivated without an approval. Run it after upgrading.
    AuditPowers,
    /// Verify a restored database: the audit chain against the witness file, every signed
    /// document against the published keys, every response file against its recorded hash.
    /// Prints a report; exits 1 when anything does not hold.
    VerifyRestore(super::restore::Options),
    /// The configured keys' public halves and where each is kept (never a key itself).
    Keys,
    /// Make an Ed25519 key pair on a PKCS#11 token (the URI names token, label, module and PIN
    /// source) and print its public key: the private half never leaves the token.
    GenerateTokenKey {
        #[arg(long)]
        uri: String,
    },
    /// Seal again, under `CYBERBRIDGE_SECRETS_KEY`, the webhook secrets stored plain or under
    /// `CYBERBRIDGE_SECRETS_PREVIOUS_KEY` (after a rotation; every start does it too).
    ResealSecrets,
    /// The documents signed with one key (after it leaked: the ones to re-sign and to tell
    /// the parties of).
    SignedDocuments {
        #[arg(long)]
        kid: String,
    },
    /// Sign again with the current key the documents a withdrawn key signed before it leaked,
    /// each as a new signed document beside the old one: only those whose old signature
    /// verifies under that key's public half and that were made before `--leaked-at`. Prints
    /// what was signed again and what was not.
    ResignDocuments {
        /// The withdrawn key's public half (base64, as `admin keys` or the saved JWKS gives it).
        #[arg(long)]
        public_key: String,
        /// When the key may first have been known to others (RFC 3339).
        #[arg(long)]
        leaked_at: chrono::DateTime<chrono::Utc>,
    },
    /// Set a user's password, remove their second factor (they enrol again) and end their sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "CYBERBRIDGE_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

fn cli_entry(action: &'static str) -> Entry {
    Entry::anonymous(&RequestMeta { client_addr: Some("cli".into()), ..Default::default() }, action)
        .details(serde_json::json!({"via": "cli"}))
}

/// What a command prints, and whether it found everything in order (the exit status).
pub struct Outcome {
    pub text: String,
    pub ok: bool,
}

/// Runs one admin command against the database at `url`; returns what to print.
pub async fn run(url: &str, config: &Config, command: AdminCommand) -> ApiResult<Outcome> {
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let text = match command {
        AdminCommand::VerifyRestore(options) => {
            let report = super::restore::verify(&mut conn, url, config, &options).await?;
            return Ok(Outcome { text: report.text, ok: report.intact });
        }
        AdminCommand::Keys => keys(config)?,
        AdminCommand::GenerateTokenKey { uri } => {
            let public = crate::kernel::keys::generate_on_token(&uri).map_err(|m| ApiError::field("uri", m))?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(&public);
            format!(
                "made on the token; the private key never leaves it\npublic key (base64): {b64}\n\
                 as a document signing key: kid {}\nas the audit signing key: key id {}",
                crate::kernel::signing::key_id(&public),
                crate::kernel::audit::signer::key_id(&public)
            )
        }
        AdminCommand::ResealSecrets => {
            let values = config.key_values().map_err(|m| ApiError::field("secrets_key", m))?;
            let secrets = SecretBox::rotating(values.secrets.as_deref(), values.previous_secrets.as_deref())
                .map_err(|m| ApiError::field("secrets_key", m))?;
            if !secrets.encrypts() {
                return Err(ApiError::field("secrets_key", "CYBERBRIDGE_SECRETS_KEY is not set"));
            }
            let sealed = crate::webhooks::store::seal_secrets(&mut conn, &secrets).await?;
            cli_entry("secrets.reseal")
                .details(serde_json::json!({"via": "cli", "sealed": sealed}))
                .write(&conn)
                .await?;
            format!("{sealed} webhook secret(s) sealed under the current key; the previous key may now be dropped")
        }
        AdminCommand::SignedDocuments { kid } => {
            let docs = signed_with(&mut conn, &kid).await?;
            let mut out: String = docs
                .iter()
                .map(|(d, reference, _)| {
                    format!(
                        "{}  {}  {:<22} request {reference}\n",
                        d.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        d.id,
                        d.kind
                    )
                })
                .collect();
            out.push_str(&format!("{} document(s) signed with {kid}", docs.len()));
            out
        }
        AdminCommand::ResignDocuments { public_key, leaked_at } => {
            resign(&mut conn, config, &public_key, leaked_at).await?
        }
        AdminCommand::CreateOrg { name, kind, country, contact_name, contact_email, contact_phone, bank_ids } => {
            let bank_identifiers: Vec<BankIdentifier> = bank_ids
                .iter()
                .map(|s| {
                    let mut parts = s.split(':');
                    BankIdentifier {
                        country: parts.next().unwrap_or_default().to_string(),
                        bank_code: parts.next().map(str::to_string),
                        bic: parts.next().map(str::to_string),
                    }
                })
                .collect();
            let contact = Contact { name: contact_name, email: contact_email, phone: contact_phone };
            let body = CreateOrganization {
                name,
                kind,
                country,
                contact,
                bank_identifiers,
                first_admin: None,
                document_reference: None,
            };
            let OrgInput { new, ids, .. } = body.parse()?;
            let id = conn
                .transaction(async |c| {
                    let row = organizations::store::insert(c, &new).await?;
                    organizations::store::set_bank_identifiers(c, row.id, &ids).await?;
                    let mut entry = cli_entry("organization.create").object("organization", row.id);
                    entry.actor.organization_id = Some(row.id.0);
                    entry.write(c).await?;
                    Ok::<_, ApiError>(row.id)
                })
                .await?;
            format!("organization {id}")
        }
        AdminCommand::CreateUser { org, email, name, role, password: secret } => {
            // The operator's way for the first people and for recovery: a password set here.
            password::check_new(&secret).map_err(|m| ApiError::field("password", m))?;
            let input = CreateUser { email, name, role, document_reference: None }.parse()?;
            let org_row = match org.parse::<Uuid>() {
                Ok(id) => organizations::store::get(&mut conn, id.into()).await?,
                Err(_) => organizations::store::by_name(&mut conn, &org).await?,
            }
            .ok_or_else(|| ApiError::field("org", "no such organisation"))?;
            let new = NewUser {
                id: UserId::new(),
                organization_id: org_row.id,
                email: input.email,
                name: input.name,
                role: input.role,
                password_hash: password::hash_offline(secret).await?,
                password_change_required: false,
            };
            let id = conn
                .transaction(async |c| {
                    let row = users::store::insert(c, &new).await?;
                    let mut entry = cli_entry("user.create").object("user", row.id);
                    entry.actor.organization_id = Some(row.organization_id.0);
                    entry.write(c).await?;
                    Ok::<_, ApiError>(row.id)
                })
                .await?;
            format!("user {id}")
        }
        AdminCommand::AuditPowers => {
            let findings = audit::store::powers_findings(&mut conn).await?;
            let mut out = String::new();
            for f in &findings {
                out.push_str(&format!(
                    "{}  audit #{}  {}\n  by user {}  on {} {}\n  now: {}\n  recorded: {}\n",
                    f.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    f.audit_id,
                    f.finding,
                    f.actor.map(|a| a.to_string()).unwrap_or_else(|| "(command line)".into()),
                    f.object_type.as_deref().unwrap_or("-"),
                    f.object_id.as_deref().unwrap_or("-"),
                    f.now,
                    f.details,
                ));
            }
            out.push_str(&match findings.len() {
                0 => "no powers granted by one person found".to_string(),
                n => format!(
                    "{n} finding(s): review each with the organisation concerned; deactivate what was planted \
                     (PATCH /api/v1/users/{{id}} {{\"active\": false}}) and file it again with two platform admins"
                ),
            });
            out
        }
        AdminCommand::ResetPassword { email, password: secret } => {
            password::check_new(&secret).map_err(|m| ApiError::field("password", m))?;
            let user = users::store::by_email(&mut conn, &email)
                .await?
                .ok_or_else(|| ApiError::field("email", "no such user"))?;
            let hash = password::hash_offline(secret).await?;
            conn.transaction(async |c| {
                users::store::set_password(c, user.id, &hash).await?;
                users::store::delete_second_factor(c, user.id).await?;
                // A link made before the recovery must not undo it.
                users::store::revoke_enrolments(c, user.id).await?;
                access::store::clear_account(c, &user.email.as_str().to_lowercase()).await?;
                let mut entry = cli_entry("user.password").object("user", user.id);
                entry.actor.organization_id = Some(user.organization_id.0);
                entry.write(c).await
            })
            .await?;
            format!("password of {} reset, second factor removed; their sessions ended", user.email)
        }
    };
    Ok(Outcome { text, ok: true })
}

/// The configured keys: where each comes from and its public half.
fn keys(config: &Config) -> ApiResult<String> {
    let values = config.key_values().map_err(|m| ApiError::field("keys", m))?;
    let setup = |m: String| ApiError::field("keys", m);
    let mut out = String::new();
    match values.signing.as_deref() {
        Some(key) => {
            let signer = crate::kernel::signing::DocumentSigner::new(Some(key)).map_err(setup)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(signer.public_key());
            out.push_str(&format!(
                "document signing key: kid {} ({}); public key {b64}\n",
                signer.kid(),
                signer.source()
            ));
        }
        None => out.push_str("document signing key: NOT SET (a new key at each start)\n"),
    }
    for key in &config.signing_previous_keys {
        let bytes = base64::engine::general_purpose::STANDARD.decode(key.trim()).unwrap_or_default();
        out.push_str(&format!(
            "  earlier signing key still published: kid {}\n",
            crate::kernel::signing::key_id(&bytes)
        ));
    }
    match values.audit_signing.as_deref() {
        Some(key) => {
            let signer = crate::kernel::audit::signer::AuditSigner::new(Some(key)).map_err(setup)?;
            let b64 = base64::engine::general_purpose::STANDARD.encode(signer.public_key());
            out.push_str(&format!(
                "audit signing key: key id {} ({}); public key {b64}\n",
                signer.key_id(),
                signer.source()
            ));
        }
        None => out.push_str("audit signing key: NOT SET (a new key at each start)\n"),
    }
    let origin = |value: bool, file: bool| match (value, file) {
        (true, _) => "set from the environment",
        (false, true) => "set from a file",
        (false, false) => "NOT SET",
    };
    out.push_str(&format!(
        "JWT key: {}\nsecrets key: {}{}",
        match (config.jwt_secret.is_some(), config.jwt_secret_file.is_some()) {
            (false, false) => "kept in the database (first-run default)",
            (v, f) => origin(v, f),
        },
        origin(config.secrets_key.is_some(), config.secrets_key_file.is_some()),
        if values.previous_secrets.is_some() { "; a previous key is set (rotation in progress)" } else { "" }
    ));
    Ok(out)
}

/// Every document signed with `kid`, with its request's reference and id, oldest first.
async fn signed_with(
    conn: &mut AsyncPgConnection,
    kid: &str,
) -> ApiResult<Vec<(crate::requests::model::SignedRow, String, crate::domain::RequestId)>> {
    let mut all = Vec::new();
    let mut after = Uuid::nil();
    loop {
        let page = crate::requests::store::signed_page(conn, after, Some(kid), 1000).await?;
        let Some((last, _, _)) = page.last() else { break };
        after = last.id;
        all.extend(page);
    }
    Ok(all)
}

/// Signs again with the current key each document the withdrawn key (`public_key`) signed
/// before `leaked_at` whose old signature verifies under it: a row added to the database later,
/// or with a signature that does not verify, is listed and left as it is. Every document signed
/// again is recorded in the audit row with its text's SHA-256.
async fn resign(
    conn: &mut AsyncPgConnection,
    config: &Config,
    public_key: &str,
    leaked_at: chrono::DateTime<chrono::Utc>,
) -> ApiResult<String> {
    use crate::kernel::signing;
    let values = config.key_values().map_err(|m| ApiError::field("signing_key", m))?;
    let signer =
        signing::DocumentSigner::new(values.signing.as_deref()).map_err(|m| ApiError::field("signing_key", m))?;
    if signer.ephemeral {
        return Err(ApiError::field("signing_key", "CYBERBRIDGE_SIGNING_KEY is not set: nothing to sign with"));
    }
    let withdrawn = base64::engine::general_purpose::STANDARD
        .decode(public_key.trim())
        .ok()
        .filter(|k| k.len() == 32)
        .ok_or_else(|| ApiError::field("public_key", "an Ed25519 public key: 32 bytes in base64"))?;
    let kid = signing::key_id(&withdrawn);
    if signer.kid() == kid {
        return Err(ApiError::field("public_key", "that is the current key: rotate to a new key first"));
    }
    let keys = [signing::jwk(&kid, &withdrawn)];
    let docs = signed_with(conn, &kid).await?;
    let mut out = String::new();
    let mut signed = Vec::new();
    let mut left = 0;
    conn.transaction(async |c| {
        for (doc, reference, _) in &docs {
            let why_not = if doc.created_at >= leaked_at {
                Some("made after the key leaked")
            } else {
                signing::verify_detached(&keys, &doc.payload, &doc.jws).err()
            };
            if let Some(why) = why_not {
                left += 1;
                out.push_str(&format!("NOT SIGNED AGAIN: {}  {:<10} request {reference}: {why}\n", doc.id, doc.kind));
                continue;
            }
            let jws = signer.sign_detached(&doc.payload)?;
            crate::requests::store::record_signing_key(c, signer.kid(), signer.public_key()).await?;
            crate::requests::store::resign(c, doc.id, &jws, signer.kid()).await?;
            out.push_str(&format!("{}  {:<10} request {reference}\n", doc.id, doc.kind));
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(doc.payload.as_bytes()));
            signed.push(serde_json::json!({"id": doc.id, "payload_sha256": sha}));
        }
        cli_entry("signed_documents.resign")
            .details(serde_json::json!({
                "via": "cli", "withdrawn_kid": kid, "leaked_at": leaked_at, "kid": signer.kid(),
                "documents": signed, "left": left,
            }))
            .write(c)
            .await
    })
    .await?;
    out.push_str(&format!(
        "{} document(s) signed again with {} (each beside its signature by {kid}); {left} left as they are",
        signed.len(),
        signer.kid()
    ));
    Ok(out)
}
