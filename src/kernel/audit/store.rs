//! Appending audit rows (the trigger refuses anything but INSERT).

use std::borrow::Cow;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::{AuditOutcome, Entry};
use crate::kernel::db::schema::audit_events;
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// `None` is inserted as NULL (not `DEFAULT`): one SQL text whatever is set, so the statement
/// is prepared once per connection, not on every row.
#[derive(Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct NewAuditRow<'a> {
    user_id: Option<Uuid>,
    api_key_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    action: &'a str,
    object_type: Option<&'a str>,
    object_id: Option<&'a str>,
    outcome: AuditOutcome,
    client_addr: Option<&'a str>,
    request_id: Option<&'a str>,
    details: &'a serde_json::Value,
    case_reference: Option<&'a str>,
    purpose: Option<crate::domain::PurposeReason>,
}

/// A row of a call from the console says so in its details (`"channel": "console"`), sealed
/// into the chain with the rest of the row.
fn marked(e: &Entry) -> Cow<'_, Entry> {
    if !e.actor.meta.console {
        return Cow::Borrowed(e);
    }
    let mut e = e.clone();
    match &mut e.details {
        serde_json::Value::Object(map) => {
            map.insert("channel".into(), "console".into());
        }
        other => *other = serde_json::json!({"channel": "console", "value": other.take()}),
    }
    Cow::Owned(e)
}

fn new_row(e: &Entry) -> NewAuditRow<'_> {
    NewAuditRow {
        user_id: e.actor.user_id,
        api_key_id: e.actor.api_key_id,
        organization_id: e.actor.organization_id,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id.as_deref(),
        outcome: e.outcome,
        client_addr: e.actor.meta.client_addr.as_deref(),
        request_id: e.actor.meta.request_id.as_deref(),
        details: &e.details,
        case_reference: e.purpose.as_ref().map(|p| p.case_reference.as_str()),
        purpose: e.purpose.as_ref().map(|p| p.reason),
    }
}

pub async fn insert(conn: &Conn, e: &Entry) -> ApiResult<()> {
    let e = &marked(e);
    diesel::insert_into(audit_events::table).values(new_row(e)).execute(&mut &*conn).await?;
    Ok(())
}

pub async fn insert_many(conn: &mut Conn, entries: &[Entry]) -> ApiResult<()> {
    let entries: Vec<Cow<'_, Entry>> = entries.iter().map(marked).collect();
    let rows: Vec<NewAuditRow<'_>> = entries.iter().map(|e| new_row(e)).collect();
    diesel::insert_into(audit_events::table).values(&rows).execute(conn).await?;
    Ok(())
}
