//! Fraud alert queries. Visibility: a bank reads the alerts it sent or received; the public
//! sector and the platform read all.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::contest::{AnswerRow, ContestDecision, ContestRow, ContestStatus};
use super::model::{AlertBox, AlertFilter, AlertRow, AlertStatus, OutcomeKind, OutcomeRow};
use super::rules::{AlertViewer, BankRoute};
use crate::domain::{AlertId, Bic, Country, Iban, OrgId, OrgKind};
use crate::kernel::db::schema::{
    bank_identifiers, fraud_alert_outcomes, fraud_alerts, mule_contest_answers, mule_contests, organizations,
};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

diesel::define_sql_function! {
    /// Through the DSL, not a `sql()` fragment: the routing query is prepared once per connection.
    fn left(text: diesel::sql_types::Nullable<Text>, n: diesel::sql_types::Integer) -> diesel::sql_types::Nullable<Text>;
}

/// The identifiers of active banks an account may be routed by: those of the IBAN's country,
/// and those whose BIC has the BIC's first 8 characters (`rules::route` picks one).
pub async fn bank_routes(conn: &mut Conn, iban: Option<&Iban>, bic: Option<&Bic>) -> ApiResult<Vec<BankRoute>> {
    if iban.is_none() && bic.is_none() {
        return Ok(Vec::new());
    }
    let country = iban.map(|i| i.country().to_string()).unwrap_or_default();
    let bic8 = bic.map(|b| b.bic8().to_string()).unwrap_or_default();
    let rows: Vec<(OrgId, Country, Option<String>, Option<Bic>)> = bank_identifiers::table
        .inner_join(organizations::table)
        .filter(organizations::active.eq(true))
        .filter(organizations::kind.eq(OrgKind::Bank))
        .filter(bank_identifiers::country.eq(country).or(left(bank_identifiers::bic, 8).eq(bic8)))
        .select((organizations::id, bank_identifiers::country, bank_identifiers::bank_code, bank_identifiers::bic))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(org_id, country, bank_code, bic)| BankRoute { org_id, country: country.into(), bank_code, bic })
        .collect())
}

/// Stores `row` as it is (on a shared connection: it may be sent along with other statements).
pub async fn insert(conn: &Conn, row: &AlertRow) -> ApiResult<()> {
    diesel::insert_into(fraud_alerts::table).values(row).execute(&mut &*conn).await?;
    Ok(())
}

fn visible(
    v: &AlertViewer,
) -> Box<dyn BoxableExpression<fraud_alerts::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>> {
    if v.sees_all {
        Box::new(sql::<diesel::sql_types::Bool>("true"))
    } else {
        Box::new(
            sql::<diesel::sql_types::Bool>("(fraud_alerts.sender_org_id = ")
                .bind::<SqlUuid, _>(v.org_id)
                .sql(" OR fraud_alerts.receiver_org_id IS NOT DISTINCT FROM ")
                .bind::<SqlUuid, _>(v.org_id)
                .sql(")"),
        )
    }
}

pub async fn get_visible(conn: &mut Conn, v: &AlertViewer, id: AlertId) -> ApiResult<Option<AlertRow>> {
    Ok(fraud_alerts::table
        .filter(fraud_alerts::id.eq(id))
        .filter(visible(v))
        .select(AlertRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The alert, locked until the transaction ends (outcomes are checked against its amount).
pub async fn lock(conn: &mut Conn, id: AlertId) -> ApiResult<Option<AlertRow>> {
    Ok(fraud_alerts::table.find(id).for_update().select(AlertRow::as_select()).first(conn).await.optional()?)
}

/// Visible alerts newest first, after the cursor (created_at, id).
pub async fn list(
    conn: &mut Conn,
    v: &AlertViewer,
    f: &AlertFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<AlertRow>> {
    let mut q = fraud_alerts::table.select(AlertRow::as_select()).filter(visible(v)).into_boxed();
    q = match f.r#box {
        Some(AlertBox::Sent) => q.filter(fraud_alerts::sender_org_id.eq(v.org_id)),
        Some(AlertBox::Received) => q.filter(fraud_alerts::receiver_org_id.eq(v.org_id)),
        None => q,
    };
    if let Some(s) = f.status {
        q = q.filter(fraud_alerts::status.eq(s));
    }
    if let Some(t) = f.from {
        q = q.filter(fraud_alerts::created_at.ge(t));
    }
    if let Some(t) = f.to {
        q = q.filter(fraud_alerts::created_at.lt(t));
    }
    if let Some(n) = f.amount_min {
        q = q.filter(fraud_alerts::amount_minor.ge(n));
    }
    if let Some(n) = f.amount_max {
        q = q.filter(fraud_alerts::amount_minor.le(n));
    }
    if let Some(i) = &f.beneficiary_iban {
        q = q.filter(fraud_alerts::beneficiary_iban.eq(i.clone()));
    }
    if let Some(c) = f.category {
        q = q.filter(fraud_alerts::category.eq(c));
    }
    if let Some(bank) = f.counterparty {
        // A bank on either side (for a bank, which sees only its own alerts: the other side).
        q = q.filter(fraud_alerts::sender_org_id.eq(bank).or(fraud_alerts::receiver_org_id.eq(bank)));
    }
    if let Some(u) = &f.uetr {
        q = q.filter(fraud_alerts::uetr.eq(u.clone()));
    }
    if let Some(e) = &f.end_to_end_id {
        q = q.filter(fraud_alerts::end_to_end_id.eq(e.clone()));
    }
    if let Some((t, id)) = before {
        q = q.filter(fraud_alerts::created_at.lt(t).or(fraud_alerts::created_at.eq(t).and(fraud_alerts::id.lt(id))));
    }
    Ok(q.order((fraud_alerts::created_at.desc(), fraud_alerts::id.desc())).limit(limit + 1).load(conn).await?)
}

pub async fn outcomes_of(conn: &mut Conn, alerts: &[AlertId]) -> ApiResult<Vec<OutcomeRow>> {
    Ok(fraud_alert_outcomes::table
        .filter(fraud_alert_outcomes::alert_id.eq_any(alerts))
        .order(fraud_alert_outcomes::created_at)
        .select(OutcomeRow::as_select())
        .load(conn)
        .await?)
}

/// Alerts created for onward transfers out of `alerts` (the next hops).
pub async fn children_of(conn: &mut Conn, alerts: &[AlertId]) -> ApiResult<Vec<AlertRow>> {
    Ok(fraud_alerts::table
        .filter(fraud_alerts::parent_alert_id.eq_any(alerts))
        .order(fraud_alerts::created_at)
        .select(AlertRow::as_select())
        .load(conn)
        .await?)
}

pub async fn insert_outcome(conn: &mut Conn, row: &OutcomeRow) -> ApiResult<()> {
    diesel::insert_into(fraud_alert_outcomes::table).values(row).execute(conn).await?;
    Ok(())
}

pub async fn mark_acted(conn: &mut Conn, id: AlertId) -> ApiResult<()> {
    diesel::update(fraud_alerts::table.find(id))
        .set((
            fraud_alerts::status.eq(AlertStatus::Acted),
            fraud_alerts::version.eq(fraud_alerts::version + 1),
            fraud_alerts::first_outcome_at
                .eq(sql::<Nullable<diesel::sql_types::Timestamptz>>("coalesce(first_outcome_at, now())")),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every hop of a trace, in order.
pub async fn trace(conn: &mut Conn, trace: AlertId) -> ApiResult<Vec<AlertRow>> {
    Ok(fraud_alerts::table
        .filter(fraud_alerts::trace_id.eq(trace))
        .order((fraud_alerts::hop, fraud_alerts::created_at))
        .select(AlertRow::as_select())
        .load(conn)
        .await?)
}

#[derive(QueryableByName, Debug)]
pub struct MuleRow {
    #[diesel(sql_type = Text)]
    pub iban: String,
    #[diesel(sql_type = BigInt)]
    pub sending_banks: i64,
    #[diesel(sql_type = BigInt)]
    pub alerts: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub holder_id: Option<OrgId>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub first_alert_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub last_alert_at: DateTime<Utc>,
}

/// The per-IBAN figures of the alerts that count towards a mule flag (not withdrawn by their
/// sender after a contest).
const MULE_FIGURES: &str =
    "SELECT beneficiary_iban AS iban, count(DISTINCT sender_org_id) AS sending_banks, count(*) AS alerts,
                (array_agg(receiver_org_id ORDER BY created_at DESC))[1] AS holder_id,
                min(created_at) AS first_alert_at, max(created_at) AS last_alert_at
         FROM fraud_alerts
         WHERE beneficiary_iban IS NOT NULL AND mule_flag_withdrawn_at IS NULL";

/// Beneficiary IBANs named by alerts of two or more different sending banks; `bank`: only the
/// accounts that bank holds (it received the alerts) or alerted on (it sent one that counts).
pub async fn mule_accounts(conn: &mut Conn, bank: Option<OrgId>) -> ApiResult<Vec<MuleRow>> {
    Ok(diesel::sql_query(format!(
        "{MULE_FIGURES}
         GROUP BY beneficiary_iban
         HAVING count(DISTINCT sender_org_id) >= 2
            AND ($1::uuid IS NULL OR bool_or(receiver_org_id = $1 OR sender_org_id = $1))
         ORDER BY max(created_at) DESC
         LIMIT 1000"
    ))
    .bind::<Nullable<SqlUuid>, _>(bank)
    .load(conn)
    .await?)
}

/// The figures of one IBAN (flagged or not), if any counting alert names it.
pub async fn mule_account(conn: &mut Conn, iban: &str) -> ApiResult<Option<MuleRow>> {
    Ok(diesel::sql_query(format!("{MULE_FIGURES} AND beneficiary_iban = $1 GROUP BY beneficiary_iban"))
        .bind::<Text, _>(iban)
        .get_result(conn)
        .await
        .optional()?)
}

/// The banks an IBAN's alerts involve.
#[derive(Debug, Default)]
pub struct Parties {
    /// Senders of alerts that count towards the flag.
    pub counting: Vec<OrgId>,
    /// Every sender, withdrawn alerts included.
    pub senders: Vec<OrgId>,
    /// Every bank that received one (the account's bank, as routed).
    pub receivers: Vec<OrgId>,
}

impl Parties {
    pub fn involves(&self, org: OrgId) -> bool {
        self.senders.contains(&org) || self.receivers.contains(&org)
    }
}

pub async fn parties_naming(conn: &mut Conn, iban: &str) -> ApiResult<Parties> {
    let rows: Vec<(OrgId, Option<OrgId>, Option<DateTime<Utc>>)> = fraud_alerts::table
        .filter(fraud_alerts::beneficiary_iban.eq(iban))
        .select((fraud_alerts::sender_org_id, fraud_alerts::receiver_org_id, fraud_alerts::mule_flag_withdrawn_at))
        .load(conn)
        .await?;
    let mut p = Parties {
        counting: rows.iter().filter(|r| r.2.is_none()).map(|r| r.0).collect(),
        senders: rows.iter().map(|r| r.0).collect(),
        receivers: rows.iter().filter_map(|r| r.1).collect(),
    };
    for v in [&mut p.counting, &mut p.senders, &mut p.receivers] {
        v.sort();
        v.dedup();
    }
    Ok(p)
}

/// A sender's alerts naming the IBAN stop counting towards its mule flag.
pub async fn withdraw_mule_alerts(conn: &mut Conn, iban: &str, sender: OrgId) -> ApiResult<usize> {
    Ok(diesel::update(
        fraud_alerts::table
            .filter(fraud_alerts::beneficiary_iban.eq(iban))
            .filter(fraud_alerts::sender_org_id.eq(sender))
            .filter(fraud_alerts::mule_flag_withdrawn_at.is_null()),
    )
    .set(fraud_alerts::mule_flag_withdrawn_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?)
}

/// The newest contest of each IBAN.
pub async fn latest_contests(conn: &mut Conn, ibans: &[String]) -> ApiResult<Vec<ContestRow>> {
    Ok(mule_contests::table
        .filter(mule_contests::iban.eq_any(ibans))
        .distinct_on(mule_contests::iban)
        .order((mule_contests::iban, mule_contests::created_at.desc()))
        .select(ContestRow::as_select())
        .load(conn)
        .await?)
}

/// The open contest of an IBAN, locked.
pub async fn lock_open_contest(conn: &mut Conn, iban: &str) -> ApiResult<Option<ContestRow>> {
    Ok(mule_contests::table
        .filter(mule_contests::iban.eq(iban))
        .filter(mule_contests::status.eq(ContestStatus::Open))
        .for_update()
        .select(ContestRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Open contests past their deadline, locked (another instance skips them).
pub async fn lock_overdue_contests(conn: &mut Conn) -> ApiResult<Vec<ContestRow>> {
    Ok(mule_contests::table
        .filter(mule_contests::status.eq(ContestStatus::Open))
        .filter(mule_contests::deadline.le(diesel::dsl::now))
        .for_update()
        .skip_locked()
        .limit(100)
        .select(ContestRow::as_select())
        .load(conn)
        .await?)
}

/// Opens a contest and asks each sender.
pub async fn insert_contest(conn: &mut Conn, row: &ContestRow, asked: &[OrgId]) -> ApiResult<ContestRow> {
    let row = diesel::insert_into(mule_contests::table)
        .values(row)
        .returning(ContestRow::as_returning())
        .get_result(conn)
        .await?;
    let answers: Vec<_> = asked
        .iter()
        .map(|org| (mule_contest_answers::contest_id.eq(row.id), mule_contest_answers::organization_id.eq(*org)))
        .collect();
    diesel::insert_into(mule_contest_answers::table).values(&answers).execute(conn).await?;
    Ok(row)
}

/// Records one bank's answer (only where it was asked and has not answered); false otherwise.
pub async fn answer_contest(
    conn: &mut Conn,
    contest: Uuid,
    org: OrgId,
    decision: ContestDecision,
    reason: Option<&str>,
    by: Option<Uuid>,
) -> ApiResult<bool> {
    let n = diesel::update(
        mule_contest_answers::table
            .filter(mule_contest_answers::contest_id.eq(contest))
            .filter(mule_contest_answers::organization_id.eq(org))
            .filter(mule_contest_answers::decision.is_null()),
    )
    .set((
        mule_contest_answers::decision.eq(decision),
        mule_contest_answers::reason.eq(reason),
        mule_contest_answers::answered_by.eq(by),
        mule_contest_answers::answered_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The answers of contests.
pub async fn contest_answers(conn: &mut Conn, contests: &[Uuid]) -> ApiResult<Vec<AnswerRow>> {
    Ok(mule_contest_answers::table
        .filter(mule_contest_answers::contest_id.eq_any(contests))
        .order((mule_contest_answers::contest_id, mule_contest_answers::organization_id))
        .select(AnswerRow::as_select())
        .load(conn)
        .await?)
}

pub async fn close_contest(conn: &mut Conn, id: Uuid, status: ContestStatus) -> ApiResult<ContestRow> {
    Ok(diesel::update(mule_contests::table.find(id))
        .set((mule_contests::status.eq(status), mule_contests::closed_at.eq(diesel::dsl::now)))
        .returning(ContestRow::as_returning())
        .get_result(conn)
        .await?)
}

#[derive(QueryableByName, Debug)]
pub struct StatsRow {
    #[diesel(sql_type = SqlUuid)]
    pub bank_id: OrgId,
    #[diesel(sql_type = Text)]
    pub bank: String,
    #[diesel(sql_type = BigInt)]
    pub alerts_sent: i64,
    #[diesel(sql_type = BigInt)]
    pub alerts_received: i64,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub median_seconds_to_first_outcome: Option<f64>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Double>)]
    pub p90_seconds_to_first_outcome: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub amount_reported_minor: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_frozen_minor: i64,
    #[diesel(sql_type = BigInt)]
    pub amount_returned_minor: i64,
}

/// Per bank over [from, to): alerts sent and received, time from alert to first outcome (as
/// receiver), amounts reported (as sender of original alerts), frozen and returned (as receiver);
/// a total past what 64 bits hold is given as the largest they hold.
pub async fn statistics(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only: Option<OrgId>,
) -> ApiResult<Vec<StatsRow>> {
    Ok(diesel::sql_query(
        "WITH a AS (SELECT * FROM fraud_alerts WHERE created_at >= $1 AND created_at < $2),
              o AS (SELECT o.*, a.receiver_org_id FROM fraud_alert_outcomes o JOIN a ON a.id = o.alert_id)
         SELECT b.id AS bank_id, b.name AS bank,
                (SELECT count(*) FROM a WHERE a.sender_org_id = b.id) AS alerts_sent,
                (SELECT count(*) FROM a WHERE a.receiver_org_id = b.id) AS alerts_received,
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.first_outcome_at - a.created_at))
                   FROM a WHERE a.receiver_org_id = b.id AND a.first_outcome_at IS NOT NULL) AS median_seconds_to_first_outcome,
                (SELECT percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM a.first_outcome_at - a.created_at))
                   FROM a WHERE a.receiver_org_id = b.id AND a.first_outcome_at IS NOT NULL) AS p90_seconds_to_first_outcome,
                (SELECT least(coalesce(sum(amount_minor), 0), 9223372036854775807)::bigint FROM a WHERE a.sender_org_id = b.id AND a.hop = 1) AS amount_reported_minor,
                (SELECT least(coalesce(sum(amount_minor), 0), 9223372036854775807)::bigint FROM o WHERE o.receiver_org_id = b.id AND o.outcome = $4) AS amount_frozen_minor,
                (SELECT least(coalesce(sum(amount_minor), 0), 9223372036854775807)::bigint FROM o WHERE o.receiver_org_id = b.id AND o.outcome = $5) AS amount_returned_minor
         FROM organizations b
         WHERE b.kind = $6 AND ($3::uuid IS NULL OR b.id = $3)
         ORDER BY b.name",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(from)
    .bind::<diesel::sql_types::Timestamptz, _>(to)
    .bind::<Nullable<SqlUuid>, _>(only)
    .bind::<Text, _>(OutcomeKind::FundsFrozen)
    .bind::<Text, _>(OutcomeKind::FundsReturned)
    .bind::<Text, _>(OrgKind::Bank)
    .load(conn)
    .await?)
}
