//! Mule accounts' operations, as the JSON API and the console call them. Each takes the grant
//! of its action (`Grant::expect` refuses any other):
//!
//! | function | action | does |
//! |---|---|---|
//! | [`list`] | `ListMuleAccounts` | likely mule accounts (the public sector: all; a bank: those it holds or alerted on) |
//! | [`read`] | `ListMuleAccounts` | one account named by alerts the caller sent or received |
//! | [`contest`] | `ContestMuleFlag` | the holding bank contests the flag |
//! | [`answer`] | `AnswerMuleContest` | a bank whose alerts flagged it confirms or withdraws |

use std::collections::HashMap;

use diesel_async::AsyncConnection;

use super::contest::{self, AnswerBody, ContestAnswer, ContestBody, MuleContest};
use super::model::{MuleAccount, MuleAccountList};
use super::rules::AlertViewer;
use super::store::{self, Parties};
use super::view::mule_view;
use crate::access::{Action, Grant};
use crate::domain::{Check, Iban};
use crate::kernel::db::Conn;
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::AppState;

/// IBANs named as beneficiary by alerts of two or more sending banks, each with its latest
/// contest (answers as the caller may read them).
pub async fn list(state: &AppState, act: &Grant) -> ApiResult<MuleAccountList> {
    act.expect(&[Action::ListMuleAccounts])?;
    let v = AlertViewer::of(act);
    // Grouped over every alert: long work.
    let mut conn = state.long_pool.get().await?;
    let rows = store::mule_accounts(&mut conn, (!v.sees_all).then_some(v.org_id)).await?;
    let ibans: Vec<String> = rows.iter().map(|r| r.iban.clone()).collect();
    let reader = contest::ContestReader::of(&v);
    let mut contests: HashMap<String, MuleContest> =
        contest::latest(&mut conn, &ibans, reader).await?.into_iter().collect();
    act.record_read(state, None, serde_json::json!({"rows": rows.len()}));
    let items = rows
        .into_iter()
        .map(|r| {
            let c = contests.remove(&r.iban);
            mule_view(r.iban.clone(), Some(r), c)
        })
        .collect();
    Ok(MuleAccountList { items, next_cursor: None })
}

/// One account (`raw`: an IBAN as written), 404 unless the caller sees all alerts or sent or
/// received one naming it.
pub async fn read(state: &AppState, act: &Grant, raw: &str) -> ApiResult<MuleAccount> {
    act.expect(&[Action::ListMuleAccounts])?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(state, act, &mut conn, raw).await?;
    let row = store::mule_account(&mut conn, &iban).await?;
    let reader = contest::ContestReader::of(&AlertViewer::of(act));
    let contests = contest::latest(&mut conn, std::slice::from_ref(&iban), reader).await?;
    act.record_read(state, Some(("mule_account", iban.clone())), serde_json::json!({}));
    Ok(mule_view(iban, row, contests.into_iter().next().map(|(_, c)| c)))
}

/// The bank holding a flagged account contests the flag with a reason; each bank whose alerts
/// flagged it is asked to answer within the configured days.
pub async fn contest(state: &AppState, act: &Grant, raw: &str, body: &ContestBody) -> ApiResult<MuleContest> {
    act.expect(&[Action::ContestMuleFlag])?;
    let mut check = Check::new();
    let reason = reason(&mut check, Some(&body.reason), true).unwrap_or_default();
    check.finish()?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(state, act, &mut conn, raw).await?;
    // The holder as routed by the account's bank code (the latest alert's receiver), not any
    // bank an alert ever reached.
    let holder = store::mule_account(&mut conn, &iban).await?.and_then(|m| m.holder_id);
    if holder != Some(act.org_id) {
        return Err(act
            .refuse(state, "mule_account", &iban, "only the bank holding the account contests its flag")
            .await);
    }
    let days = state.config.contest_days;
    conn.transaction(async |c| contest::open(c, act, &iban, &reason, days).await).await
}

/// A bank whose alerts flagged the account answers the open contest.
pub async fn answer(state: &AppState, act: &Grant, raw: &str, body: &AnswerBody) -> ApiResult<MuleContest> {
    act.expect(&[Action::AnswerMuleContest])?;
    let mut check = Check::new();
    let decision = check.take("decision", body.decision.parse::<ContestAnswer>());
    let reason = reason(&mut check, body.reason.as_deref(), false);
    check.finish()?;
    let decision = decision.ok_or_else(|| ApiError::internal("checked"))?;
    let mut conn = state.pool.get().await?;
    let (iban, _) = account(state, act, &mut conn, raw).await?;
    conn.transaction(async |c| contest::answer(c, act, &iban, decision, reason.as_deref()).await).await
}

/// The IBAN of the path, and who its alerts involve; 404 unless the caller sees all alerts or
/// sent or received one naming it.
async fn account(state: &AppState, act: &Grant, conn: &mut Conn, raw: &str) -> ApiResult<(String, Parties)> {
    let iban = Iban::parse(raw).map_err(|e| ApiError::field("iban", e))?.into_string();
    let parties = store::parties_naming(conn, &iban).await?;
    let v = AlertViewer::of(act);
    if parties.senders.is_empty() || !(v.sees_all || parties.involves(act.org_id)) {
        return Err(act.hide(state, "mule_account", &iban).await);
    }
    Ok((iban, parties))
}

fn reason(check: &mut Check, value: Option<&str>, required: bool) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty());
    match v {
        None if required => check.add("reason", "is required (1 to 1,000 characters)"),
        Some(v) if v.chars().count() > 1000 => check.add("reason", "at most 1,000 characters"),
        _ => {}
    }
    v.map(str::to_string)
}
