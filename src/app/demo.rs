//! `cyberbridge demo` / `serve --demo`: a living system for a newcomer to explore in Swagger UI
//! at once (served with second factors off, on loopback only, see `server::serve`). An
//! organisation of each kind with its org_admin and a member (the police's an officer who
//! issues, the prosecution's one who validates), an API key per bank, reports with typed indicators
//! under every TLP, a fraud alert traced over three hops with outcomes, and data requests at
//! several stages, one answered. Everything goes through the same parse steps and services as
//! the API (audit rows included). Idempotent; refuses a database holding anything else.

use chrono::{Datelike, Duration, TimeZone, Utc};
use diesel_async::AsyncConnection;
use serde_json::{json, Value};

use crate::access::{password, Action, Credential, Grant, Principal};
use crate::domain::{OrgId, OrgKind, Role, UserId};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::etag::IfMatch;
use crate::kernel::AppState;
use crate::organizations::model::CreateOrganization;
use crate::requests::rules::Side;
use crate::users::model::NewUser;
use crate::{alerts, organizations, reports, requests, users};

/// The password of every demo login (a demo is not a deployment: it says so on every start).
pub const DEMO_PASSWORD: &str = "demo-password-2026";
const PREFIX: &str = "Demo ";

/// A demo organisation: name, kind, bank identifiers (country, bank code, BIC).
type DemoOrg = (&'static str, OrgKind, &'static [(&'static str, &'static str, &'static str)]);

const ORGS: &[DemoOrg] = &[
    ("Demo Police", OrgKind::LawEnforcement, &[]),
    ("Demo Prosecution Office", OrgKind::Prosecution, &[]),
    ("Demo FIU", OrgKind::Fiu, &[]),
    ("Demo ISP", OrgKind::Isp, &[]),
    ("Demo Bank A", OrgKind::Bank, &[("XK", "12", "DEMAXKPR")]),
    ("Demo Bank B", OrgKind::Bank, &[("XK", "15", "DEMBXKPR")]),
    ("Demo Bank C", OrgKind::Bank, &[("DE", "37040044", "DEMCDEFF")]),
    ("Demo Bank D", OrgKind::Bank, &[("XK", "18", "DEMDXKPR")]),
    ("Demo Regulator", OrgKind::Regulator, &[]),
];

/// A demo organisation and its org_admin.
struct Member {
    org: OrgId,
    kind: OrgKind,
    user: UserId,
    email: String,
}

impl Member {
    fn principal(&self) -> Principal {
        Principal {
            credential: Credential::User { user_id: self.user, jti: uuid::Uuid::nil(), exp: 0, sid: None },
            org_id: self.org,
            org_kind: self.kind,
            role: Role::OrgAdmin,
            must_change_password: false,
            must_enrol_second_factor: false,
            meta: crate::kernel::http::RequestMeta { client_addr: Some("demo".into()), ..Default::default() },
        }
    }

    async fn may(&self, state: &AppState, action: Action) -> ApiResult<Grant> {
        self.principal().authorize(state, action).await
    }
}

fn email_of(name: &str) -> String {
    let slug: String = name.trim_start_matches(PREFIX).to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    format!("admin@{slug}.demo.example")
}

/// An IBAN of `country` with `bank` code and account number `n` (valid check digits).
pub fn iban(country: &str, bank: &str, n: u64) -> String {
    let bban = match country {
        "DE" => format!("{bank}{n:010}"),
        _ => format!("{bank}{n:0width$}", width = 16 - bank.len()),
    };
    let shifted: String = format!("{bban}{country}00")
        .chars()
        .map(|c| if c.is_ascii_alphabetic() { (c as u32 - 'A' as u32 + 10).to_string() } else { c.to_string() })
        .collect();
    let rem = shifted.bytes().fold(0u64, |acc, d| (acc * 10 + u64::from(d - b'0')) % 97);
    format!("{country}{:02}{bban}", 98 - rem)
}

/// Seeds the demo (or finds it seeded); returns the logins to print.
pub async fn seed(state: &AppState) -> ApiResult<String> {
    let mut conn = state.pool.get().await?;
    let existing = organizations::store::list_all_names(&mut conn).await?;
    let demo = existing.iter().filter(|n| n.starts_with(PREFIX)).count();
    if existing.len() > demo + 1 {
        return Err(ApiError::Conflict(
            "this database holds organisations of its own: the demo seeds an empty database only".into(),
        ));
    }
    if demo == 0 {
        let members = people(&mut conn).await?;
        drop(conn);
        content(state, &members).await?;
    }
    Ok(logins())
}

/// The demo's logins and keys, as printed at every start.
pub fn logins() -> String {
    let mut out = format!(
        "Demo logins (password `{DEMO_PASSWORD}` for each; second factors are off in the demo):\n  {:<26} {:<16} {:<42} {}\n",
        "organisation", "kind", "org_admin", "member"
    );
    for (name, kind, _) in ORGS {
        out.push_str(&format!(
            "  {:<26} {:<16} {:<42} {}\n",
            name,
            kind.as_str(),
            email_of(name),
            member_of(name, *kind).0
        ));
    }
    out.push_str(&format!("Demo API keys (scopes: {}):\n", DEMO_KEY_SCOPES.join(", ")));
    for (name, _, _) in ORGS.iter().filter(|(_, k, _)| *k == OrgKind::Bank) {
        out.push_str(&format!("  {:<26} {}\n", name, demo_key(name)));
    }
    out
}

/// The demo's private screening key (base64 of a 32-byte seed): fixed, as the demo's API keys are.
pub const PRIVATE_SCREENING_KEY: &str = "ZGVtby1wcml2YXRlLXNjcmVlbmluZy1zZWVkLTMyYiE=";

/// Scopes of each demo bank's key: what its screening and alert systems do.
const DEMO_KEY_SCOPES: &[&str] =
    &["indicators:lookup", "alerts:write", "alerts:read", "reports:read", "reports:write", "events:read"];

/// A bank's demo key: fixed, so that every start prints the same one (the demo serves this
/// machine only).
pub fn demo_key(name: &str) -> String {
    let slug: String = name.trim_start_matches(PREFIX).to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    format!("cbk_demo-{slug}-key-for-this-machine-only")
}

/// An organisation's demo member: e-mail, and the officer authorisation it holds (police issue,
/// prosecution validates).
fn member_of(name: &str, kind: OrgKind) -> (String, Option<users::model::OfficerAuthorisation>) {
    let slug: String = name.trim_start_matches(PREFIX).to_lowercase().split_whitespace().collect::<Vec<_>>().join("-");
    match kind {
        OrgKind::LawEnforcement => {
            (format!("detective@{slug}.demo.example"), Some(users::model::OfficerAuthorisation::IssueDataRequests))
        }
        OrgKind::Prosecution => {
            (format!("prosecutor@{slug}.demo.example"), Some(users::model::OfficerAuthorisation::ValidateDataRequests))
        }
        _ => (format!("analyst@{slug}.demo.example"), None),
    }
}

/// The organisations and their org_admins.
async fn people(conn: &mut crate::kernel::db::Conn) -> ApiResult<Vec<Member>> {
    let hash = password::hash_offline(DEMO_PASSWORD.to_string()).await?;
    let mut members = Vec::new();
    for (name, kind, ids) in ORGS {
        let body: CreateOrganization = serde_json::from_value(json!({
            "name": name, "kind": kind, "country": ids.first().map_or("XK", |i| i.0),
            "contact": {"name": "Duty desk", "email": email_of(name), "phone": "+38338000000"},
            "bank_identifiers": ids.iter().map(|(c, code, bic)| json!({"country": c, "bank_code": code, "bic": bic})).collect::<Vec<_>>(),
        }))
        .map_err(ApiError::internal)?;
        let input = body.parse()?;
        let (new, bank_ids) = (input.new, input.ids);
        let email = email_of(name);
        let user = NewUser {
            id: UserId::new(),
            organization_id: new.id,
            email: crate::domain::Email::parse(&email).map_err(ApiError::internal)?,
            name: format!("{} admin", name.trim_start_matches(PREFIX)),
            role: Role::OrgAdmin,
            password_hash: hash.clone(),
            password_change_required: false,
        };
        // The admins of public-sector organisations are accredited officers who issue and validate.
        let officer = kind.is_public_sector().then(|| users::model::UserChanges {
            officer_function: Some("Duty officer (demo)".into()),
            officer_registration: Some(format!("DEMO-{}", &user.id.0.simple().to_string()[..6])),
            may_issue_requests: Some(true),
            may_validate: Some(true),
            ..Default::default()
        });
        // A member of each organisation; the police's is an officer who issues, the
        // prosecution's one who validates.
        let (member_email, authorisation) = member_of(name, *kind);
        let member = NewUser {
            id: UserId::new(),
            organization_id: new.id,
            email: crate::domain::Email::parse(&member_email).map_err(ApiError::internal)?,
            name: format!("{} member", name.trim_start_matches(PREFIX)),
            role: Role::Member,
            password_hash: hash.clone(),
            password_change_required: false,
        };
        let member_officer = authorisation.map(|a| users::model::UserChanges {
            officer_function: Some("Officer (demo)".into()),
            officer_registration: Some(format!("DEMO-{}", &member.id.0.simple().to_string()[..6])),
            may_issue_requests: Some(a == users::model::OfficerAuthorisation::IssueDataRequests),
            may_validate: Some(a == users::model::OfficerAuthorisation::ValidateDataRequests),
            ..Default::default()
        });
        let key = (*kind == OrgKind::Bank).then(|| {
            let key = demo_key(name);
            crate::apikeys::model::NewApiKey {
                id: crate::domain::ApiKeyId::new(),
                organization_id: new.id,
                created_by: Some(user.id.0),
                name: "demo screening and alerts".into(),
                prefix: key[..8].to_string(),
                key_hash: crate::kernel::tokens::sha256(&key),
                scopes: DEMO_KEY_SCOPES.iter().filter_map(|s| s.parse().ok()).collect(),
                expires_at: None,
                allowed_networks: Vec::new(),
                client_cert_sha256: None,
                standing_case_reference: None,
                standing_purpose_until: None,
            }
        });
        conn.transaction(async |c| {
            let org = organizations::store::insert(c, &new).await?;
            organizations::store::set_bank_identifiers(c, org.id, &bank_ids).await?;
            users::store::insert(c, &user).await?;
            if let Some(changes) = &officer {
                users::store::update(c, user.id, changes).await?;
            }
            users::store::insert(c, &member).await?;
            if let Some(changes) = &member_officer {
                users::store::update(c, member.id, changes).await?;
            }
            if let Some(key) = &key {
                crate::apikeys::store::insert(c, key).await?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
        members.push(Member { org: new.id, kind: *kind, user: user.id, email });
    }
    Ok(members)
}

fn by_name<'a>(members: &'a [Member], name: &str) -> &'a Member {
    // ORGS and members are built in the same order.
    let i = ORGS.iter().position(|(n, _, _)| *n == name).unwrap_or(0);
    &members[i]
}

async fn content(state: &AppState, members: &[Member]) -> ApiResult<()> {
    let bank_a = by_name(members, "Demo Bank A");
    let police = by_name(members, "Demo Police");
    seed_reports(state, bank_a, police).await?;
    seed_trace(state, members).await?;
    seed_requests(state, members).await?;
    seed_history(state, members).await?;
    // The published tables of the history's closed months and quarters, at once.
    crate::statistics::service::compute_due(state).await?;
    tracing::info!(first = %members[0].email, "demo data seeded");
    Ok(())
}

async fn seed_reports(state: &AppState, bank: &Member, police: &Member) -> ApiResult<()> {
    let (mule_b1, mule_b2, supplier_c, mule_a) =
        (iban("XK", "15", 1001), iban("XK", "15", 1002), iban("DE", "37040044", 532013), iban("XK", "12", 2001));
    let samples = [
        (
            "clear",
            "phishing",
            "Fake bank login page",
            vec![("domain", "secure-demobank-login.example"), ("url", "https://secure-demobank-login.example/login")],
        ),
        (
            "green",
            "investment_fraud",
            "Fake trading platform",
            vec![("iban", mule_b1.as_str()), ("domain", "trade-demo-profits.example")],
        ),
        (
            "amber",
            "romance_scam",
            "Romance scam asking for transfers",
            vec![("iban", mule_b2.as_str()), ("phone", "+38344123456")],
        ),
        (
            "amber_strict",
            "business_email_compromise",
            "Changed supplier bank details",
            vec![("iban", supplier_c.as_str()), ("email", "accounts@supplier-demo.example")],
        ),
        (
            "red",
            "money_mule",
            "Mule account recruited over social media",
            vec![("iban", mule_a.as_str()), ("username", "telegram:@fast_demo_refunds")],
        ),
    ];
    for (tlp, category, title, indicators) in samples {
        let body = json!({
            "category": category, "title": title, "tlp": tlp,
            "description": format!("{title}: seen by Demo Bank A's fraud desk in several customer complaints."),
            "country": "XK", "first_seen": "2026-11-01T09:00:00+01:00", "last_seen": "2026-11-20T18:00:00+01:00",
            "loss": {"amount_minor": 1_250_000, "currency": "EUR"}, "victim_count": 3,
            "indicators": indicators.iter().map(|(t, v)| json!({"type": t, "value": v})).collect::<Vec<_>>(),
        });
        report(state, bank, body).await?;
    }
    let body = json!({
        "category": "ransomware", "title": "Ransomware campaign against municipalities", "tlp": "amber",
        "description": "Initial access through exposed remote desktop; command and control below.",
        "indicators": [{"type": "ipv4", "value": "198.51.100.23", "role": "c2_server"},
                       {"type": "sha256", "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}],
    });
    report(state, police, body).await
}

async fn report(state: &AppState, by: &Member, body: Value) -> ApiResult<()> {
    let act = by.may(state, Action::CreateReport).await?;
    let body: reports::model::CreateReport = serde_json::from_value(body).map_err(ApiError::internal)?;
    let mut check = crate::domain::Check::new();
    let input = body.parse(&mut check, Utc::now());
    let input = check.done(|| input)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| reports::service::create(c, &act, input, Utc::now()).await.map(|_| ())).await
}

/// Bank A's customer pays a mule at Bank B; B freezes part and moves the rest to Bank C; C
/// moves it on to another account at Bank A, which freezes it.
async fn seed_trace(state: &AppState, members: &[Member]) -> ApiResult<()> {
    let (a, b, c) = (by_name(members, "Demo Bank A"), by_name(members, "Demo Bank B"), by_name(members, "Demo Bank C"));
    let body: alerts::model::CreateAlert = serde_json::from_value(json!({
        "victim_account": {"iban": iban("XK", "12", 3001)},
        "beneficiary_account": {"iban": iban("XK", "15", 1001)}, "beneficiary_name": "J. Doe",
        "amount": {"amount_minor": 950_000, "currency": "EUR"}, "executed_at": "2026-11-28T09:30:00+01:00",
        "payment_reference": "INV 4711", "category": "investment_fraud", "bank_case_reference": "DEMO-A-0001",
    }))
    .map_err(ApiError::internal)?;
    let act = a.may(state, Action::CreateAlert).await?;
    let input = body.parse()?;
    let mut conn = state.pool.get().await?;
    let first = conn.transaction(async |t| alerts::service::create(t, &act, &state.hub.key_cache, input).await).await?;
    let hop2 = outcome(
        state,
        b,
        first.id,
        json!({"outcome": "funds_frozen", "amount": {"amount_minor": 350_000, "currency": "EUR"}}),
    )
    .await;
    hop2?;
    let moved = json!({"outcome": "already_moved", "onward_transfers": [{
        "beneficiary_account": {"iban": iban("DE", "37040044", 532013)},
        "amount": {"amount_minor": 600_000, "currency": "EUR"}, "executed_at": "2026-11-28T10:05:00+01:00"}]});
    let second = outcome(state, b, first.id, moved).await?;
    let onward = json!({"outcome": "already_moved", "onward_transfers": [{
        "beneficiary_account": {"iban": iban("XK", "12", 2001)},
        "amount": {"amount_minor": 400_000, "currency": "EUR"}, "executed_at": "2026-11-28T11:40:00+01:00"}]});
    let third = outcome(state, c, second.onward_alert_ids[0], onward).await?;
    let frozen = json!({"outcome": "funds_frozen", "amount": {"amount_minor": 400_000, "currency": "EUR"}});
    outcome(state, a, third.onward_alert_ids[0], frozen).await.map(|_| ())
}

/// Six closed months of history, so that the published tables have something to show: each
/// month, three XK banks, the police and the ISP report investment fraud (with losses) and
/// phishing; Bank C in Germany one romance scam (alone in its cells: withheld); the XK banks
/// alert each other twelve times, half frozen, half returned (but every other month Bank D
/// returns nothing, and two banks' returns are withheld).
/// Made through the services, then moved into its month (`statistics::store::move_into_past`).
async fn seed_history(state: &AppState, members: &[Member]) -> ApiResult<()> {
    let reporters =
        ["Demo Bank A", "Demo Bank B", "Demo Bank D", "Demo Police", "Demo ISP"].map(|n| by_name(members, n));
    let banks = [("Demo Bank A", "12"), ("Demo Bank B", "15"), ("Demo Bank D", "18")];
    let german = by_name(members, "Demo Bank C");
    let now = Utc::now();
    let this_month = now.date_naive().with_day(1).unwrap_or(now.date_naive());
    let mut n: u64 = 50_000;
    for back in (1..=6).rev() {
        let since = Utc::now();
        for (r, by) in reporters.iter().enumerate() {
            for k in 0..2 {
                n += 1;
                let loss = 150_000 + ((n * 7919) % 40) as i64 * 25_000;
                let body = json!({
                    "category": "investment_fraud", "title": "Investment site with invented profits (history)", "tlp": "green",
                    "description": "Victims paid deposits to a trading site that showed invented profits.",
                    "loss": {"amount_minor": loss, "currency": "EUR"}, "victim_count": 1,
                    "indicators": [{"type": "iban", "value": iban("XK", banks[(r + k) % 3].1, n)}],
                });
                report(state, by, body).await?;
            }
            n += 1;
            let body = json!({
                "category": "phishing", "title": "Parcel delivery phishing (history)", "tlp": "clear",
                "description": "Text messages asking for a customs fee on a fake parcel site.",
                "indicators": [{"type": "domain", "value": format!("parcel-fee-{n}.example")}],
            });
            report(state, by, body).await?;
        }
        n += 1;
        let body = json!({
            "category": "romance_scam", "title": "Online admirer asking for money (history)", "tlp": "amber",
            "description": "A contact met online asked for money for a flight.",
            "loss": {"amount_minor": 480_000, "currency": "EUR"},
            "indicators": [{"type": "email", "value": format!("lonely.heart{n}@mail-demo.example")}],
        });
        report(state, german, body).await?;
        for (s, (sender, _)) in banks.iter().enumerate() {
            for (_, (receiver, code)) in banks.iter().enumerate().filter(|(r, _)| *r != s) {
                for k in 0..2 {
                    n += 1;
                    let amount = 200_000 + ((n * 104_729) % 30) as i64 * 20_000;
                    let id = history_alert(state, by_name(members, sender), &iban("XK", code, n), amount).await?;
                    // Every other month Bank D returns nothing: too few banks return to publish that.
                    let returns = k == 1 && !(back % 2 == 0 && *receiver == "Demo Bank D");
                    let (kind, part) =
                        if returns { ("funds_returned", amount / 4) } else { ("funds_frozen", amount / 2) };
                    let body = json!({"outcome": kind, "amount": {"amount_minor": part, "currency": "EUR"}});
                    outcome(state, by_name(members, receiver), id, body).await?;
                }
            }
        }
        let month = this_month - chrono::Months::new(back);
        let at = Utc.from_utc_datetime(&month.and_hms_opt(9, 0, 0).unwrap_or_default());
        let mut conn = state.pool.get().await?;
        crate::statistics::store::move_into_past(&mut conn, since, at).await?;
    }
    Ok(())
}

/// An alert of the history, paid a day before it is sent.
async fn history_alert(
    state: &AppState,
    by: &Member,
    beneficiary: &str,
    amount: i64,
) -> ApiResult<crate::domain::AlertId> {
    let body: alerts::model::CreateAlert = serde_json::from_value(json!({
        "victim_account": {"iban": iban("XK", "12", 3002)},
        "beneficiary_account": {"iban": beneficiary}, "beneficiary_name": "A. Mule",
        "amount": {"amount_minor": amount, "currency": "EUR"},
        "executed_at": (Utc::now() - Duration::days(1)).to_rfc3339(),
        "category": "investment_fraud", "bank_case_reference": "DEMO-HISTORY",
    }))
    .map_err(ApiError::internal)?;
    let act = by.may(state, Action::CreateAlert).await?;
    let input = body.parse()?;
    let mut conn = state.pool.get().await?;
    let alert = conn.transaction(async |t| alerts::service::create(t, &act, &state.hub.key_cache, input).await).await?;
    Ok(alert.id)
}

async fn outcome(
    state: &AppState,
    by: &Member,
    alert: crate::domain::AlertId,
    body: Value,
) -> ApiResult<alerts::model::Outcome> {
    let act = by.may(state, Action::RecordOutcome).await?;
    let body: alerts::model::CreateOutcome = serde_json::from_value(body).map_err(ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| alerts::service::record_outcome(c, &act, alert, IfMatch(None), &body).await).await
}

async fn seed_requests(state: &AppState, members: &[Member]) -> ApiResult<()> {
    let (police, prosecutor, isp, bank) = (
        by_name(members, "Demo Police"),
        by_name(members, "Demo Prosecution Office"),
        by_name(members, "Demo ISP"),
        by_name(members, "Demo Bank A"),
    );
    let ip =
        json!([{"type": "ipv4", "value": "192.0.2.10", "port": 51234, "observed_at": "2026-11-20T10:15:00+01:00"}]);
    // Answered: acknowledged, a response with records, fulfilled.
    let answered = request(
        state,
        police,
        isp,
        json!({"type": "subscriber_info", "data_categories": ["subscriber"], "urgency": "routine", "identifiers": ip}),
    )
    .await?;
    transition(state, isp, answered, "acknowledged").await?;
    let file = b"subscriber,address\nJane Roe,Prishtina\n";
    let upload = requests::upload::Upload {
        records: Some(
            json!([{"subscriber": "Jane Roe", "address": "Rr. Demo 1, Prishtina", "assigned_from": "2026-11-20T08:00:00Z"}]),
        ),
        files: vec![requests::upload::store_bytes(&state.pool, "subscriber.csv", file).await?],
        fields: Vec::new(),
    };
    let act = isp.may(state, Action::RespondToRequest).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        requests::writes::respond(c, &act, &state.signer, answered, upload, Utc::now()).await.map(|_| ())
    })
    .await?;
    drop(conn);
    transition(state, isp, answered, "fulfilled").await?;
    // Waiting for a prosecutor: police asking for traffic data.
    request(
        state,
        police,
        isp,
        json!({"type": "traffic_data", "data_categories": ["traffic"], "urgency": "urgent", "identifiers": ip,
            "validator_id": prosecutor.org}),
    )
    .await?;
    // Out with the bank, not yet acknowledged.
    let account = json!([{"type": "iban", "value": iban("XK", "12", 2001)}]);
    request(
        state,
        prosecutor,
        bank,
        json!({"type": "account_info", "data_categories": ["subscriber"], "urgency": "urgent", "identifiers": account}),
    )
    .await?;
    // A preservation in force: an emergency, out at once, to be validated within 48 hours.
    let kept = request(
        state,
        police,
        isp,
        json!({"type": "preservation", "data_categories": ["traffic"], "urgency": "emergency",
        "justification": "A threat to the life of a person was made from this address; the logs must not be lost.",
        "identifiers": ip, "validator_id": prosecutor.org}),
    )
    .await?;
    transition(state, isp, kept, "acknowledged").await
}

async fn request(state: &AppState, by: &Member, to: &Member, fields: Value) -> ApiResult<crate::domain::RequestId> {
    let mut body = json!({
        "addressee_id": to.org, "case_reference": "DEMO-CASE-2026-17",
        "legal_basis": {"provision": "CPC art. 123; Budapest Convention art. 18", "text": "Demo production order"},
        "period": {"from": "2026-11-20T00:00:00+01:00", "to": "2026-11-21T00:00:00+01:00"},
        "deadline": (Utc::now() + Duration::days(20)).to_rfc3339(),
    });
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    let body: requests::model::CreateRequest = serde_json::from_value(body).map_err(ApiError::internal)?;
    let act = by.may(state, requests::rules::issuing(body.type_.parse().map_err(ApiError::internal)?)).await?;
    let mut check = crate::domain::Check::new();
    let input = body.parse(&mut check);
    let mut conn = state.pool.get().await?;
    let tables =
        requests::policy::Tables::configured(state.config.validation_tables.as_deref()).map_err(ApiError::internal)?;
    let plan = requests::writes::plan(&mut conn, &mut check, &act, &body, input.as_ref(), &tables).await?;
    let (input, plan) = check.done(|| input.zip(plan))?;
    let officer = users::store::get(&mut conn, by.user)
        .await?
        .ok_or(ApiError::NotFound)?
        .officer_for(users::model::OfficerAuthorisation::IssueDataRequests)
        .map_err(|e| ApiError::Forbidden(e.into()))?;
    let created = conn
        .transaction(async |c| requests::writes::create(c, &act, &state.signer, &officer, input, plan, &body).await)
        .await?;
    Ok(created.id)
}

async fn transition(state: &AppState, by: &Member, id: crate::domain::RequestId, to: &str) -> ApiResult<()> {
    let act = by.may(state, Action::TransitionRequest).await?;
    let input = requests::model::Transition { to: to.into(), reason_code: None, note: None }.parse()?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        requests::writes::transition(c, &act, Side::Addressee, id, IfMatch(None), input).await.map(|_| ())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ibans_pass_their_checksum() {
        for (country, bank, n) in [("XK", "12", 2001), ("XK", "15", 1001), ("DE", "37040044", 532013)] {
            let value = iban(country, bank, n);
            assert!(crate::domain::Iban::parse(&value).is_ok(), "{value}");
        }
        assert_eq!(iban("DE", "37040044", 532_013_000), "DE89370400440532013000", "the textbook German IBAN");
    }
}
