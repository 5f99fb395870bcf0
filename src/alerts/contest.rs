//! Contesting a mule flag: the bank holding an account flagged by the alerts of two or more
//! banks contests it with a reason; each sending bank is asked (`mule_flag.contested`) to
//! confirm or withdraw before a deadline, and silence counts as a withdrawal. Withdrawn alerts
//! stop counting towards the flag; when every bank has answered (or the deadline passed) the
//! contest closes, `upheld` when two or more banks still stand behind the flag, else `lifted`.
//! Everyone who sees the account sees the contest and its tally; the answers themselves (which
//! bank, its decision and reason) go to the holder, the public sector and platform admins, while
//! a bank asked sees its own answer and the others only as counts. Every step is audited.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::store;
use crate::access::Grant;
use crate::domain::{text_enum, OrgId};
use crate::events::{self, EventType};
use crate::kernel::audit::Entry;
use crate::kernel::db::schema::{mule_contest_answers, mule_contests};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::RequestMeta;

text_enum! {
    /// Where a contest of a mule flag stands.
    ContestStatus {
        /// Waiting for the sending banks' answers.
        Open = "open",
        /// Closed with two or more banks still standing behind the flag.
        Upheld = "upheld",
        /// Closed with fewer: the account is no longer flagged.
        Lifted = "lifted",
    }
}

text_enum! {
    /// A sending bank's answer to a contest.
    ContestDecision {
        Confirmed = "confirmed",
        Withdrawn = "withdrawn",
        /// No answer before the deadline: counts as a withdrawal.
        Lapsed = "lapsed",
    }
}

text_enum! {
    /// What a sending bank answers.
    ContestAnswer {
        Confirm = "confirm",
        Withdraw = "withdraw",
    }
}

/// Sending banks (with alerts that count) that make an account flagged.
pub const FLAG_THRESHOLD: i64 = 2;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = mule_contests)]
pub struct ContestRow {
    pub id: Uuid,
    pub iban: String,
    pub holder_org_id: OrgId,
    pub reason: String,
    pub status: ContestStatus,
    pub deadline: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = mule_contest_answers)]
pub struct AnswerRow {
    pub contest_id: Uuid,
    pub organization_id: OrgId,
    pub decision: Option<ContestDecision>,
    pub reason: Option<String>,
    pub answered_by: Option<Uuid>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// A contest of a mule flag.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct MuleContest {
    pub id: Uuid,
    pub status: ContestStatus,
    /// The bank that contests (it holds the account).
    pub holder_id: OrgId,
    pub reason: String,
    pub contested_at: DateTime<Utc>,
    /// Answers are due by then; silence counts as a withdrawal.
    pub deadline: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// How the banks asked stand, counted.
    pub tally: ContestTally,
    /// One per sending bank asked, to the holder, the public sector and platform admins; to a
    /// bank asked, its own answer only (the others are in `tally`).
    pub answers: Vec<ContestAnswerView>,
}

/// The answers of a contest, counted (no bank named).
#[derive(Serialize, ToSchema, Debug, Clone, Default, PartialEq)]
pub struct ContestTally {
    pub asked: i64,
    pub confirmed: i64,
    pub withdrawn: i64,
    pub lapsed: i64,
    /// Not answered yet.
    pub pending: i64,
}

impl ContestTally {
    fn of(answers: &[&AnswerRow]) -> Self {
        let n = |d: Option<ContestDecision>| answers.iter().filter(|a| a.decision == d).count() as i64;
        ContestTally {
            asked: answers.len() as i64,
            confirmed: n(Some(ContestDecision::Confirmed)),
            withdrawn: n(Some(ContestDecision::Withdrawn)),
            lapsed: n(Some(ContestDecision::Lapsed)),
            pending: n(None),
        }
    }
}

/// Who reads a contest: the holder, the public sector and platform admins (`sees_all`) read
/// every answer; another bank its own.
#[derive(Clone, Copy, Debug)]
pub struct ContestReader {
    pub org_id: OrgId,
    pub sees_all: bool,
}

impl ContestReader {
    pub fn of(v: &super::rules::AlertViewer) -> Self {
        ContestReader { org_id: v.org_id, sees_all: v.sees_all }
    }

    fn reads(&self, contest: &ContestRow, answer: &AnswerRow) -> bool {
        self.sees_all || contest.holder_org_id == self.org_id || answer.organization_id == self.org_id
    }
}

/// One sending bank's answer.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ContestAnswerView {
    pub organization_id: OrgId,
    /// Null while it has not answered.
    pub decision: Option<ContestDecision>,
    pub reason: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// Body of `POST /mule-accounts/{iban}/contest`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "The holder is a verified employer paying salaries; the payments were refunded"}))]
pub struct ContestBody {
    /// 1 to 1,000 characters: told to the sending banks.
    pub reason: String,
}

/// Body of `POST /mule-accounts/{iban}/contest/answer`.
#[derive(Deserialize, ToSchema, Debug)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "withdraw", "reason": "Our customer's complaint was withdrawn"}))]
pub struct AnswerBody {
    #[schema(value_type = ContestAnswer)]
    pub decision: String,
    /// Up to 1,000 characters.
    pub reason: Option<String>,
}

/// The wire view of contests, as `reader` may read them.
pub async fn views(
    conn: &mut Conn,
    rows: Vec<ContestRow>,
    reader: ContestReader,
) -> ApiResult<Vec<(String, MuleContest)>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let answers = store::contest_answers(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let all: Vec<&AnswerRow> = answers.iter().filter(|a| a.contest_id == r.id).collect();
            let tally = ContestTally::of(&all);
            let answers = all
                .into_iter()
                .filter(|a| reader.reads(&r, a))
                .map(|a| ContestAnswerView {
                    organization_id: a.organization_id,
                    decision: a.decision,
                    reason: a.reason.clone(),
                    answered_at: a.answered_at,
                })
                .collect();
            let view = MuleContest {
                id: r.id,
                status: r.status,
                holder_id: r.holder_org_id,
                reason: r.reason,
                contested_at: r.created_at,
                deadline: r.deadline,
                closed_at: r.closed_at,
                tally,
                answers,
            };
            (r.iban, view)
        })
        .collect())
}

/// The latest contest of each IBAN, by IBAN, as `reader` may read them.
pub async fn latest(conn: &mut Conn, ibans: &[String], reader: ContestReader) -> ApiResult<Vec<(String, MuleContest)>> {
    let rows = store::latest_contests(conn, ibans).await?;
    views(conn, rows, reader).await
}

async fn view(conn: &mut Conn, row: ContestRow, act: &Grant) -> ApiResult<MuleContest> {
    let reader = ContestReader::of(&super::rules::AlertViewer::of(act));
    views(conn, vec![row], reader).await?.pop().map(|(_, v)| v).ok_or(ApiError::NotFound)
}

/// The holder contests the flag of `iban` (flagged now, no contest open: else 409).
pub async fn open(c: &mut Conn, act: &Grant, iban: &str, reason: &str, days: u32) -> ApiResult<MuleContest> {
    act.expect(&[crate::access::Action::ContestMuleFlag])?;
    let flagged = store::mule_account(c, iban).await?.is_some_and(|m| m.sending_banks >= FLAG_THRESHOLD);
    if !flagged {
        return Err(ApiError::Conflict("the account is not flagged as a mule account".into()));
    }
    if store::lock_open_contest(c, iban).await?.is_some() {
        return Err(ApiError::Conflict("a contest of this flag is open already".into()));
    }
    let parties = store::parties_naming(c, iban).await?;
    let now = Utc::now();
    let row = ContestRow {
        id: Uuid::now_v7(),
        iban: iban.to_string(),
        holder_org_id: act.org_id,
        reason: reason.to_string(),
        status: ContestStatus::Open,
        deadline: now + chrono::Duration::days(i64::from(days)),
        created_by: Some(act.actor_id()),
        created_at: now,
        closed_at: None,
    };
    let row = store::insert_contest(c, &row, &parties.counting).await?;
    let payload = serde_json::json!({
        "contest_id": row.id, "iban": iban, "holder_id": act.org_id, "reason": reason, "deadline": row.deadline,
    });
    let asked: Vec<_> = parties.counting.iter().map(|org| (*org, payload.clone())).collect();
    events::emit_many(c, EventType::MuleFlagContested, &asked).await?;
    let details = serde_json::json!({"contest_id": row.id, "reason": reason, "asked": parties.counting, "deadline": row.deadline});
    act.on("mule_account", iban).details(details).write(c).await?;
    view(c, row, act).await
}

/// A sending bank asked in the open contest answers; the contest closes once all have.
pub async fn answer(
    c: &mut Conn,
    act: &Grant,
    iban: &str,
    decision: ContestAnswer,
    reason: Option<&str>,
) -> ApiResult<MuleContest> {
    act.expect(&[crate::access::Action::AnswerMuleContest])?;
    let contest = store::lock_open_contest(c, iban)
        .await?
        .ok_or_else(|| ApiError::Conflict("no contest of this flag is open".into()))?;
    if contest.deadline <= Utc::now() {
        return Err(ApiError::Conflict("the deadline to answer has passed: silence counts as a withdrawal".into()));
    }
    let recorded = match decision {
        ContestAnswer::Confirm => ContestDecision::Confirmed,
        ContestAnswer::Withdraw => ContestDecision::Withdrawn,
    };
    if !store::answer_contest(c, contest.id, act.org_id, recorded, reason, Some(act.actor_id())).await? {
        let asked =
            store::contest_answers(c, &[contest.id]).await?.into_iter().any(|a| a.organization_id == act.org_id);
        return Err(if asked {
            ApiError::Conflict("you have answered this contest already".into())
        } else {
            ApiError::Forbidden("only the banks whose alerts flagged the account answer its contest".into())
        });
    }
    let withdrawn = if recorded == ContestDecision::Withdrawn {
        store::withdraw_mule_alerts(c, iban, act.org_id).await?
    } else {
        0
    };
    let details = serde_json::json!({"contest_id": contest.id, "decision": recorded, "reason": reason, "alerts_withdrawn": withdrawn});
    act.on("mule_account", iban).details(details).write(c).await?;
    let row = close_if_done(c, contest).await?;
    view(c, row, act).await
}

/// Closes the contest when no bank is left to answer: upheld or lifted by the alerts that
/// still count; tells the holder and the banks asked.
async fn close_if_done(c: &mut Conn, contest: ContestRow) -> ApiResult<ContestRow> {
    let answers = store::contest_answers(c, &[contest.id]).await?;
    if answers.iter().any(|a| a.decision.is_none()) {
        return Ok(contest);
    }
    let still = store::mule_account(c, &contest.iban).await?.map_or(0, |m| m.sending_banks);
    let status = if still >= FLAG_THRESHOLD { ContestStatus::Upheld } else { ContestStatus::Lifted };
    let row = store::close_contest(c, contest.id, status).await?;
    let payload = serde_json::json!({"contest_id": row.id, "iban": row.iban, "status": status, "sending_banks": still});
    let mut told: Vec<OrgId> = answers.iter().map(|a| a.organization_id).collect();
    told.push(row.holder_org_id);
    told.sort();
    told.dedup();
    let events: Vec<_> = told.into_iter().map(|org| (org, payload.clone())).collect();
    events::emit_many(c, EventType::MuleFlagContestClosed, &events).await?;
    Ok(row)
}

/// Closes the contests past their deadline: each silent bank's answer lapses (its alerts stop
/// counting). Returns how many contests closed. Run by the scheduler in every instance.
pub async fn close_overdue(conn: &mut Conn) -> ApiResult<usize> {
    use diesel_async::AsyncConnection;
    conn.transaction(async |c| {
        let overdue = store::lock_overdue_contests(c).await?;
        let n = overdue.len();
        for contest in overdue {
            for a in store::contest_answers(c, &[contest.id]).await?.into_iter().filter(|a| a.decision.is_none()) {
                store::answer_contest(c, contest.id, a.organization_id, ContestDecision::Lapsed, None, None).await?;
                let withdrawn = store::withdraw_mule_alerts(c, &contest.iban, a.organization_id).await?;
                Entry::anonymous(&RequestMeta::default(), "mule.contest_lapsed")
                    .object("mule_account", &contest.iban)
                    .details(serde_json::json!({"contest_id": contest.id, "organization_id": a.organization_id, "alerts_withdrawn": withdrawn}))
                    .write(c)
                    .await?;
            }
            close_if_done(c, contest).await?;
        }
        Ok(n)
    })
    .await
}
