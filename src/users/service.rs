//! The operations on people, each taking the `Grant` of its action, for the JSON API and the
//! console alike:
//! - `create_user` (`Action::CreateUser`): an account without a password, and its enrolment
//!   link; an organisation's first org_admin and platform admins take two platform admins;
//! - `list_users` (`Action::ListUsers`): a page of an organisation's people, for its admins;
//! - `read_user` (`Action::ReadUser`): oneself, or a person one administers;
//! - `update_user` (`Action::UpdateUser`): name, role, active flag, officer identity;
//! - `send_enrolment_link` (`Action::SendEnrolmentLink`): an administrator's password reset;
//! - `reset_second_factor` (`Action::ResetSecondFactor`): a lost authenticator;
//! - `change_password` (`Action::ChangePassword`): one's own, with the current one;
//! - `redeem_enrolment` (no grant: the owner has no password yet): the owner sets a password.
//!
//! `make_account` and `issue_link` are the steps that approvals and organisations share.

use diesel_async::AsyncConnection;
use serde_json::json;
use uuid::Uuid;

use super::enrolment::{self, EnrolmentLink, EnrolmentPurpose};
use super::model::*;
use super::rules::{self, Creation};
use super::store;
use crate::access::four_eyes::{self, ApprovalAction, Gate, Outcome};
use crate::access::{password, Action, Grant};
use crate::domain::{Check, Email, OrgId, OrgKind, Role, UserId};
use crate::events::{self, EventType};
use crate::kernel::audit::Entry;
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::pagination;
use crate::kernel::http::RequestMeta;
use crate::kernel::AppState;

/// Which token an account's link gets: a whole one (one person made it), or the second part of
/// one split between two platform admins (the first part's hash kept by the approval).
pub enum Token<'a> {
    Whole,
    SecondPart { first_hash: &'a str, approval: Uuid },
}

/// Stores a new enrolment link for `user` (ending any unused earlier one) and returns the token
/// to show, once: the whole token, or the second part.
pub async fn issue_link(
    conn: &mut Conn,
    user: UserId,
    purpose: EnrolmentPurpose,
    by: Option<UserId>,
    token: Token<'_>,
) -> ApiResult<EnrolmentLink> {
    let (shown, key, approval) = match token {
        Token::Whole => {
            let (token, key) = enrolment::whole();
            (token, key, None)
        }
        Token::SecondPart { first_hash, approval } => {
            let (part, key) = enrolment::second_part(first_hash)
                .ok_or_else(|| ApiError::internal(format!("approval {approval}: unreadable first part")))?;
            (part, key, Some(approval))
        }
    };
    let expires_at = store::insert_enrolment(conn, user, &key, purpose, by, approval).await?;
    Ok(EnrolmentLink { token: shown, expires_at })
}

/// Makes an account without a password, and its enrolment link.
pub async fn make_account(
    conn: &mut Conn,
    org: OrgId,
    email: Email,
    name: String,
    role: Role,
    by: Option<UserId>,
    token: Token<'_>,
) -> ApiResult<(UserRow, EnrolmentLink)> {
    let new = NewUser {
        id: UserId::new(),
        organization_id: org,
        email,
        name,
        role,
        // No password: nobody can log in until the owner redeems the link.
        password_hash: String::new(),
        password_change_required: false,
    };
    let row = store::insert(conn, &new).await?;
    let link = issue_link(conn, row.id, EnrolmentPurpose::Account, by, token).await?;
    Ok((row, link))
}

/// Refuses a caller who does not administer `org`: 403 inside their own organisation, 404
/// elsewhere (another organisation's people are not visible).
async fn require_manages(state: &AppState, act: &Grant, org: OrgId) -> ApiResult<()> {
    if rules::manages(act, org) {
        Ok(())
    } else if act.org_id == org {
        Err(act.refuse(state, "organization", org, "only your organisation's org_admin manages its users").await)
    } else {
        Err(act.hide(state, "organization", org).await)
    }
}

/// The user `id` if the caller may see it (themselves, or a user they administer); 404 otherwise.
async fn visible_user(state: &AppState, act: &Grant, id: UserId) -> ApiResult<UserRow> {
    let row = store::get(&mut *state.pool.get().await?, id).await?;
    match row {
        Some(u) if rules::sees(act, u.id, u.organization_id) => Ok(u),
        _ => Err(act.hide(state, "user", id).await),
    }
}

/// A page of an organisation's people, by e-mail: for its org_admins and platform admins.
pub async fn list_users(state: &AppState, act: &Grant, org: OrgId, q: &UserQuery) -> ApiResult<UserPage> {
    act.expect(&[Action::ListUsers])?;
    require_manages(state, act, org).await?;
    let limit = pagination::limit(q.limit)?;
    let after: Option<(String, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let rows = store::list_by_org(&mut *state.pool.get().await?, org, after, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.email.as_str().to_lowercase(), r.id.0));
    Ok(UserPage { items: rows.into_iter().map(User::from).collect(), next_cursor })
}

/// One user: the caller, or a user of an organisation the caller administers (404 otherwise).
pub async fn read_user(state: &AppState, act: &Grant, id: UserId) -> ApiResult<User> {
    act.expect(&[Action::ReadUser])?;
    Ok(User::from(visible_user(state, act, id).await?))
}

/// Sets the caller's own password, with the current one (guessed as a login is: counted before
/// it is checked). Every session of the caller ends.
pub async fn change_password(state: &AppState, act: &Grant, id: UserId, body: &ChangePassword) -> ApiResult<()> {
    act.expect(&[Action::ChangePassword])?;
    let user = visible_user(state, act, id).await?;
    if act.user_id() != Some(id) {
        let why =
            "nobody sets another person's password: send them an enrolment link (POST /api/v1/users/{id}/enrolment)";
        return Err(act.refuse(state, "user", id, why).await);
    }
    password::check_new(&body.new_password).map_err(|m| ApiError::field("new_password", m))?;
    let email = user.email.as_str().to_lowercase();
    crate::access::guard::admit(&mut *state.pool.get().await?, &act.meta, &email, chrono::Utc::now()).await?;
    let current = body.current_password.clone().unwrap_or_default();
    if !password::verify(&state.hashing, current, Some(user.password_hash.clone())).await? {
        act.deny(state, "user", id).await;
        return Err(ApiError::field("current_password", "is not your current password"));
    }
    crate::access::guard::succeeded(&mut *state.pool.get().await?, &act.meta, &email).await?;
    let hash = password::hash(&state.hashing, body.new_password.clone()).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
        store::set_password(c, id, &hash).await?;
        act.on("user", id).write(c).await
    })
    .await
}

/// Creates a user in an organisation: org_admins in their own; a platform admin files another
/// organisation's first (or replacement) org_admin, and a platform admin of its own, for a
/// second platform admin. The account has no password; its link is in the answer (or, filed,
/// split between the two admins).
pub async fn create_user(
    state: &AppState,
    act: &Grant,
    org: OrgId,
    input: UserInput,
) -> ApiResult<Outcome<CreatedUser>> {
    act.expect(&[Action::CreateUser])?;
    require_manages(state, act, org).await?;
    let mut conn = state.pool.get().await?;
    let facts = store::org_facts(&mut conn, org).await?.ok_or(ApiError::NotFound)?;
    if !facts.active {
        return Err(ApiError::Conflict("the organisation is deactivated: reactivate it before adding people".into()));
    }
    let action = match rules::creation(act, org, facts.kind, input.role, facts.active_admins) {
        Creation::Refused(why) => return Err(act.refuse(state, "organization", org, why).await),
        Creation::Direct => None,
        Creation::FourEyes(action) => Some(action),
    };
    if action == Some(ApprovalAction::OrganizationOrgAdmin) && input.document_reference.is_none() {
        return Err(ApiError::field(
            "document_reference",
            "name the organisation's written request for its org_admin (a letter's reference)",
        ));
    }
    let done = conn
        .transaction(async |c| {
            let gate = match action {
                Some(action) => {
                    let payload = json!({
                        "organization_id": org, "email": input.email, "name": input.name, "role": input.role,
                        "document_reference": input.document_reference,
                    });
                    four_eyes::gate_account(c, act, action, Some(org.0), payload, enrolment::first_part()).await?
                }
                None => Gate::Proceed { sole: false },
            };
            if let Gate::Filed(approval) = gate {
                return Ok(Outcome::Filed(approval));
            }
            if action == Some(ApprovalAction::OrganizationOrgAdmin) {
                // Acting alone (a single platform admin): the organisation must still have none.
                store::lock_org(c, org).await?;
                let now = store::org_facts(c, org).await?.ok_or(ApiError::NotFound)?;
                if now.active_admins > 0 {
                    return Err(ApiError::Conflict(
                        "the organisation has an org_admin now: its org_admins add people".into(),
                    ));
                }
            }
            let (row, link) =
                make_account(c, org, input.email.clone(), input.name.clone(), input.role, act.user_id(), Token::Whole)
                    .await?;
            let details = json!({
                "role": row.role, "four_eyes": gate.flag(), "enrolment_link": true,
                "document_reference": input.document_reference,
            });
            act.on("user", row.id).details(details).write(c).await?;
            Ok::<_, ApiError>(Outcome::Done(CreatedUser { user: User::from(row), enrolment: link }))
        })
        .await;
    audited(state, act, "organization", org, done).await
}

/// Changes a user's name, role, active flag or officer identity. Members change their own name
/// only; nobody demotes or deactivates themselves; a platform admin only deactivates people of
/// other organisations; officers are accredited by another org_admin of their organisation who
/// has a second factor, in an organisation with two org_admins; making someone a platform admin
/// (or one again) takes a second platform admin. `If-Match` is required (428), once the caller
/// may make the change at all.
pub async fn update_user(
    state: &AppState,
    act: &Grant,
    id: UserId,
    if_match: IfMatch,
    body: &UpdateUser,
) -> ApiResult<Outcome<User>> {
    act.expect(&[Action::UpdateUser])?;
    let current = visible_user(state, act, id).await?;
    let own_org = act.org_id == current.organization_id;
    if !rules::manages(act, current.organization_id) && body.administers() {
        return Err(act.refuse(state, "user", id, "members may change their own name only").await);
    }
    if !own_org {
        // Only a platform admin sees people of another organisation (`visible_user`).
        let others = body.name.is_some() || body.officer.is_some() || body.authorisations.is_some();
        if let Err(why) = rules::outside_change_allowed(body.role.is_some(), body.active, others) {
            return Err(act.refuse(state, "user", id, why).await);
        }
    }
    let accredited = current.may_issue_requests || current.may_validate;
    if accredited && body.name.is_some() && !rules::administers_own(act, current.organization_id) {
        let why = "an accredited officer's name is changed by an org_admin of their organisation";
        return Err(act.refuse(state, "user", id, why).await);
    }
    let if_match = if_match.required()?;
    let mut conn = state.pool.get().await?;
    let facts = store::org_facts(&mut conn, current.organization_id).await?.ok_or(ApiError::NotFound)?;
    let changes = body.parse(&current, act.user_id() == Some(id), facts.kind.is_public_sector())?;
    let accrediting = body.officer.is_some() || body.authorisations.as_ref().is_some_and(|list| !list.is_empty());
    if accrediting {
        let caller_factor = match act.user_id() {
            Some(me) => store::has_second_factor(&mut conn, me).await?,
            None => false,
        };
        if let Err(why) = rules::accreditation(act.user_id(), id, caller_factor, facts.active_admins) {
            return Err(act.refuse(state, "user", id, why).await);
        }
    }
    let in_platform = facts.kind == OrgKind::Platform;
    let promotes = changes.role == Some(Role::OrgAdmin) && current.role != Role::OrgAdmin;
    let reactivates =
        changes.active == Some(true) && !current.active && changes.role.unwrap_or(current.role) == Role::OrgAdmin;
    let grants_powers = in_platform && (promotes || reactivates);
    let done = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(locked.version)?;
            // What was decided above was decided on the row as read: a change racing this one
            // (a promotion, a demotion, an accreditation) makes it decide again.
            let was_accredited = locked.may_issue_requests || locked.may_validate;
            if (locked.role, locked.active, was_accredited, locked.organization_id)
                != (current.role, current.active, accredited, current.organization_id)
            {
                return Err(ApiError::Conflict("the user changed meanwhile: read it again and retry".into()));
            }
            let mut details = json!({
                "name": body.name.is_some(), "role": changes.role, "active": changes.active,
                "officer": body.officer, "authorisations": body.authorisations,
            });
            if accrediting {
                // Counted again under the lock: a demotion racing this change must not leave one.
                let now = store::org_facts(c, current.organization_id).await?.ok_or(ApiError::NotFound)?;
                if let Err(why) = rules::accreditation(act.user_id(), id, true, now.active_admins) {
                    return Err(ApiError::Forbidden(why.into()));
                }
            }
            if grants_powers {
                let others = body.name.is_some()
                    || body.officer.is_some()
                    || body.authorisations.is_some()
                    || (promotes && body.active.is_some())
                    || (reactivates && !promotes && body.role.is_some());
                if others && four_eyes::needed(c).await? {
                    let field = if promotes { "role" } else { "active" };
                    return Err(ApiError::field(field, "send it alone: it may wait for a second platform admin"));
                }
                let payload = json!({"user_id": id, "role": Role::OrgAdmin, "active": true});
                let gate = four_eyes::gate_account(
                    c,
                    act,
                    ApprovalAction::UserPlatformAdmin,
                    Some(id.0),
                    payload,
                    enrolment::first_part(),
                )
                .await?;
                if let Gate::Filed(approval) = gate {
                    return Ok(Outcome::Filed(approval));
                }
                details["four_eyes"] = gate.flag();
            }
            let row = store::update(c, id, &changes).await?;
            if changes.active == Some(false) {
                store::revoke_enrolments(c, id).await?;
            }
            act.on("user", id).details(details).write(c).await?;
            Ok::<_, ApiError>(Outcome::Done(User::from(row)))
        })
        .await;
    audited(state, act, "user", id, done).await
}

/// Records a refusal decided inside a transaction (which rolled back) in the audit trail.
async fn audited<T>(
    state: &AppState,
    act: &Grant,
    object: &'static str,
    id: impl ToString,
    result: ApiResult<T>,
) -> ApiResult<T> {
    if let Err(ApiError::Forbidden(_) | ApiError::Conflict(_)) = &result {
        act.deny(state, object, id).await;
    }
    result
}

/// Why the caller may not reset `user`'s second factor, if not: someone of another organisation
/// (a platform admin would hold the account after the owner's next login), or a platform
/// admin's (one platform admin would become two). Their own org_admin, or the operator's
/// `cyberbridge admin reset-password`, does it.
async fn shielded(conn: &mut Conn, act: &Grant, user: &UserRow) -> ApiResult<Option<&'static str>> {
    if act.user_id() == Some(user.id) {
        return Ok(None);
    }
    Ok(if is_platform_admin(conn, user).await? {
        Some("a platform admin's credentials are reset by the operator (`cyberbridge admin reset-password`)")
    } else if act.org_id != user.organization_id {
        Some("a user's credentials are reset by an org_admin of their organisation, or by the operator")
    } else {
        None
    })
}

/// Resets someone's second factor (a lost authenticator): it and the recovery codes are removed
/// and every session ends; they enrol again at the next login. An administrator of their
/// organisation, never one's own, and not the one who sent them a password link lately.
pub async fn reset_second_factor(state: &AppState, act: &Grant, id: UserId) -> ApiResult<()> {
    act.expect(&[Action::ResetSecondFactor])?;
    let user = visible_user(state, act, id).await?;
    if !rules::manages(act, user.organization_id) || act.user_id() == Some(id) {
        let why = "another administrator of the organisation resets a second factor";
        return Err(act.refuse(state, "user", id, why).await);
    }
    if let Some(why) = shielded(&mut *state.pool.get().await?, act, &user).await? {
        return Err(act.refuse(state, "user", id, why).await);
    }
    let mut conn = state.pool.get().await?;
    let removed = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            if let Some(why) = shielded(c, act, &locked).await? {
                return Err(ApiError::Forbidden(why.into()));
            }
            if store::sent_password_link_recently(c, id, act.actor_id()).await? {
                return Err(ApiError::Forbidden(
                    "you sent this person a password link lately: another org_admin resets the second factor".into(),
                ));
            }
            let removed = store::delete_second_factor(c, id).await?;
            act.on("user", id).details(json!({"had_second_factor": removed})).write(c).await?;
            Ok::<_, ApiError>(removed)
        })
        .await;
    if !audited(state, act, "user", id, removed).await? {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// Whether `user` is a platform admin (whose credentials only the operator resets).
pub async fn is_platform_admin(conn: &mut Conn, user: &UserRow) -> ApiResult<bool> {
    let kind = store::org_facts(conn, user.organization_id).await?.map(|f| f.kind);
    Ok(kind == Some(OrgKind::Platform) && user.role == Role::OrgAdmin)
}

/// An administrator's password reset: the user's password stops working at once, every session
/// ends, and a new enrolment link (shown once, to hand over) sets a new one. An org_admin of the
/// user's own organisation, for someone else; a platform admin's credentials are reset by the
/// operator (`cyberbridge admin reset-password`).
pub async fn send_enrolment_link(state: &AppState, act: &Grant, id: UserId) -> ApiResult<EnrolmentLink> {
    act.expect(&[Action::SendEnrolmentLink])?;
    let user = visible_user(state, act, id).await?;
    if act.user_id() == Some(id) {
        let why = "change your own password with the current one (POST /api/v1/users/{id}/password)";
        return Err(act.refuse(state, "user", id, why).await);
    }
    if !rules::administers_own(act, user.organization_id) {
        let why = "a password is reset by an org_admin of the user's own organisation, or by the operator";
        return Err(act.refuse(state, "user", id, why).await);
    }
    let mut conn = state.pool.get().await?;
    let done = conn
        .transaction(async |c| {
            let locked = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            // One administrator does not reset both a person's second factor and their password:
            // together they would hold the account. Another org_admin, or the operator, does the other.
            if store::reset_second_factor_recently(c, id, act.actor_id()).await? {
                return Err(ApiError::Forbidden(
                    "you reset this person's second factor lately: another org_admin sends the password link".into(),
                ));
            }
            // Checked on the locked row: an approval may have made them a platform admin meanwhile.
            if is_platform_admin(c, &locked).await? {
                return Err(ApiError::Forbidden(
                    "a platform admin's credentials are reset by the operator (`cyberbridge admin reset-password`)"
                        .into(),
                ));
            }
            if !locked.active {
                return Err(ApiError::Conflict("the account is deactivated: reactivate it first".into()));
            }
            let purpose = match locked.last_login_at {
                Some(_) => EnrolmentPurpose::Reset,
                None => EnrolmentPurpose::Account,
            };
            store::clear_password(c, id).await?;
            let link = issue_link(c, id, purpose, act.user_id(), Token::Whole).await?;
            act.on("user", id).details(json!({"purpose": purpose})).write(c).await?;
            Ok::<_, ApiError>(link)
        })
        .await;
    audited(state, act, "user", id, done).await
}

/// Redeems an enrolment link: its owner's password is set (every earlier session ends), the
/// link is spent, and when two platform admins made the account both are told (an event to the
/// platform organisation). Public: the owner has no credential yet.
pub async fn redeem_enrolment(state: &AppState, meta: &RequestMeta, body: &RedeemEnrolment) -> ApiResult<Enrolled> {
    // Counted as a login is: unauthenticated attempts from the caller's address.
    state.auth_limiter.check(meta.address_key())?;
    let unknown = || {
        ApiError::field(
            "token",
            "is unknown, used, replaced or expired: ask whoever made your account for a new enrolment link",
        )
    };
    let refused = async || {
        let entry = Entry::anonymous(meta, "user.enrol").outcome(crate::kernel::audit::AuditOutcome::Denied);
        if let Ok(conn) = state.pool.get().await {
            let _ = entry.write(&conn).await;
        }
        unknown()
    };
    let Some(key) = enrolment::key(&body.token) else { return Err(refused().await) };
    password::check_new(&body.password).map_err(|m| ApiError::field("password", m))?;
    // Whose link it is, before a hash is spent on it.
    let Some(owner) = store::usable_enrolment(&mut *state.pool.get().await?, &key).await? else {
        return Err(refused().await);
    };
    let hash = password::hash(&state.hashing, body.password.clone()).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        // The person first, then the link (the order deactivation and resets lock them in).
        let user = store::lock(c, owner).await?.ok_or_else(unknown)?;
        let link = store::redeem_enrolment(c, &key, owner).await?.ok_or_else(unknown)?;
        let facts = store::org_facts(c, user.organization_id).await?.ok_or_else(unknown)?;
        if !user.active || !facts.active {
            return Err(ApiError::Conflict("the account or its organisation is deactivated".into()));
        }
        store::set_password(c, user.id, &hash).await?;
        let mut details = json!({"purpose": link.purpose, "created_by": link.created_by});
        if let Some(approval) = link.approval_id {
            let row = crate::access::store::get_approval(c, approval).await?;
            details["approval_id"] = json!(approval);
            if let Some(row) = row {
                details["requested_by"] = json!(row.requested_by);
                details["approved_by"] = json!(row.decided_by);
                let filer = store::get(c, UserId(row.requested_by)).await?;
                if let Some(platform) = filer.map(|f| f.organization_id) {
                    let told = json!({
                        "user_id": user.id, "email": user.email, "organization_id": user.organization_id,
                        "role": user.role, "approval_id": approval, "requested_by": row.requested_by,
                        "approved_by": row.decided_by,
                    });
                    events::emit(c, EventType::AccountEnrolled, platform, &told).await?;
                }
            }
        }
        Entry::anonymous(meta, "user.enrol")
            .object("user", user.id)
            .by_user(user.id.0, Some(user.organization_id.0))
            .details(details)
            .write(c)
            .await?;
        let factor = store::has_second_factor(c, user.id).await?;
        Ok::<_, ApiError>(Enrolled {
            user_id: user.id,
            email: user.email,
            organization_id: user.organization_id,
            second_factor_enrollment_required: !factor && state.mfa_policy.requires(facts.kind, user.role),
        })
    })
    .await
}

/// Sets the caller's own preferences (`Action::UpdatePreferences`): the language (one the
/// platform speaks, 422 naming `locale` otherwise), the time zone (an IANA name, 422 naming
/// `time_zone` otherwise) and whether e-mail notices come. People only (403 for API keys).
pub async fn update_preferences(state: &AppState, act: &Grant, body: &UpdatePreferences) -> ApiResult<Preferences> {
    act.expect(&[Action::UpdatePreferences])?;
    let Some(me) = act.user_id() else {
        return Err(ApiError::Forbidden("API keys have no preferences; this is for people".into()));
    };
    let mut check = Check::new();
    let locale = match &body.locale {
        Some(Some(l)) => check
            .take(
                "locale",
                l.parse::<crate::domain::Locale>().map_err(|_| "one of en, sq, sr-Latn, sr-Cyrl (or null)".to_string()),
            )
            .map(|l| Some(l.as_str())),
        Some(None) => Some(None),
        None => None,
    };
    let time_zone = match &body.time_zone {
        Some(Some(z)) => check
            .take(
                "time_zone",
                z.parse::<chrono_tz::Tz>()
                    .map_err(|_| "an IANA time zone such as Europe/Tirane or UTC (or null)".to_string()),
            )
            .map(|z| Some(z.name())),
        Some(None) => Some(None),
        None => None,
    };
    check.finish()?;
    let change = store::PreferencesChange { locale, time_zone, opt_out: body.notices_opt_out };
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        let (locale, time_zone, notices_opt_out) = store::set_preferences(c, me, change).await?;
        let details = json!({"locale": locale, "time_zone": time_zone, "notices_opt_out": notices_opt_out});
        act.on("user", me).details(details).write(c).await?;
        Ok(Preferences { locale, time_zone, notices_opt_out })
    })
    .await
}
