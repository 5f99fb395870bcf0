//! `cyberbridge admin ...`: organisation and user administration from the command line, for
//! the operator (first setup, locked-out admins). Each action is audited as done via the CLI.

use clap::Subcommand;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::access::{self, password};
use crate::domain::UserId;
use crate::kernel::audit::Entry;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;
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

/// Runs one admin command against the database at `url`; returns what to print.
pub async fn run(url: &str, command: AdminCommand) -> ApiResult<String> {
    let mut conn = AsyncPgConnection::establish(url).await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    match command {
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
            Ok(format!("organization {id}"))
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
            Ok(format!("user {id}"))
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
            Ok(out)
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
            Ok(format!("password of {} reset, second factor removed; their sessions ended", user.email))
        }
    }
}
