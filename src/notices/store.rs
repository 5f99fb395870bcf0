//! The notices outbox.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::domain::OrgId;
use crate::kernel::db::schema::{notices, users};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

pub struct NewNotice<'a> {
    pub event_id: Uuid,
    pub kind: &'static str,
    pub reference: Option<&'a str>,
    pub request_id: Option<Uuid>,
    pub alert_id: Option<Uuid>,
    pub deadline: Option<DateTime<Utc>>,
    /// Sent whatever the person opted out of (emergencies, security).
    pub always: bool,
}

/// One notice per active person of `org`; on the issuer's side of a request, the officer who
/// issued it alone (when a person did). Nothing twice for one event and person.
pub async fn insert_for_org(conn: &Conn, n: &NewNotice<'_>, org: OrgId) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO notices (id, user_id, event_id, kind, reference, request_id, deadline, always, alert_id)
         SELECT gen_random_uuid(), u.id, $1, $2, $3, $4, $5, $6, $8
         FROM users u
         WHERE u.organization_id = $7 AND u.active
           AND NOT EXISTS (
               SELECT 1 FROM data_requests r
               WHERE r.id = $4 AND r.issuer_org_id = $7 AND r.issuer_actor_id IS NOT NULL
                 AND r.issuer_actor_id <> u.id
                 AND EXISTS (SELECT 1 FROM users o WHERE o.id = r.issuer_actor_id AND o.active))
         ON CONFLICT (event_id, user_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(n.event_id)
    .bind::<Text, _>(n.kind)
    .bind::<Nullable<Text>, _>(n.reference)
    .bind::<Nullable<SqlUuid>, _>(n.request_id)
    .bind::<Nullable<Timestamptz>, _>(n.deadline)
    .bind::<Bool, _>(n.always)
    .bind::<SqlUuid, _>(org.0)
    .bind::<Nullable<SqlUuid>, _>(n.alert_id)
    .execute(&mut &*conn)
    .await?;
    Ok(())
}

/// A security notice to one person (a sign-in from a new address): always sent.
pub async fn insert_for_user(conn: &mut Conn, user: Uuid, key: Uuid, kind: &'static str) -> ApiResult<()> {
    diesel::insert_into(notices::table)
        .values((
            notices::id.eq(Uuid::now_v7()),
            notices::user_id.eq(user),
            notices::event_id.eq(key),
            notices::kind.eq(kind),
            notices::always.eq(true),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// A notice to send, with its person's address and language.
#[derive(Queryable, Debug)]
pub struct Due {
    pub id: Uuid,
    pub kind: String,
    pub reference: Option<String>,
    pub request_id: Option<Uuid>,
    pub alert_id: Option<Uuid>,
    pub deadline: Option<DateTime<Utc>>,
    pub always: bool,
    pub attempts: i32,
    pub email: String,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub opted_out: bool,
}

/// Claims up to `limit` notices due now for five minutes (another instance does not take
/// them meanwhile; a crash leaves them to be tried again then).
pub async fn claim(conn: &mut Conn, limit: i64) -> ApiResult<Vec<Due>> {
    let ids: Vec<Uuid> = diesel::sql_query(
        "UPDATE notices SET next_attempt_at = now() + interval '5 minutes'
         WHERE id IN (SELECT n.id FROM notices n
                      JOIN users u ON u.id = n.user_id JOIN organizations o ON o.id = u.organization_id
                      WHERE n.sent_at IS NULL AND n.next_attempt_at <= now() AND n.attempts < $1
                        AND u.active AND o.active
                      ORDER BY n.next_attempt_at LIMIT $2 FOR UPDATE OF n SKIP LOCKED)
         RETURNING id",
    )
    .bind::<diesel::sql_types::Integer, _>(MAX_ATTEMPTS)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load::<Claimed>(conn)
    .await?
    .into_iter()
    .map(|c| c.id)
    .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(notices::table
        .inner_join(users::table)
        .filter(notices::id.eq_any(&ids))
        .select((
            notices::id,
            notices::kind,
            notices::reference,
            notices::request_id,
            notices::alert_id,
            notices::deadline,
            notices::always,
            notices::attempts,
            users::email,
            users::locale,
            users::time_zone,
            users::notices_opt_out,
        ))
        .load(conn)
        .await?)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// After this many failed attempts a notice is given up (it stays in the console's list).
pub const MAX_ATTEMPTS: i32 = 10;

/// Sent (or not to be sent by e-mail: opted out); either way done.
pub async fn done(conn: &mut Conn, id: Uuid) -> ApiResult<()> {
    diesel::update(notices::table.find(id)).set(notices::sent_at.eq(diesel::dsl::now)).execute(conn).await?;
    Ok(())
}

/// A failed attempt: tried again after `retry_secs`.
pub async fn failed(conn: &mut Conn, id: Uuid, error: &str, retry_secs: i64) -> ApiResult<()> {
    diesel::update(notices::table.find(id))
        .set((
            notices::attempts.eq(notices::attempts + 1),
            notices::last_error.eq(error),
            notices::next_attempt_at.eq(Utc::now() + chrono::Duration::seconds(retry_secs)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A person's latest notices, for the console.
#[derive(Queryable, Debug)]
pub struct Listed {
    pub kind: String,
    pub reference: Option<String>,
    pub request_id: Option<Uuid>,
    pub alert_id: Option<Uuid>,
    pub deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn latest(conn: &mut Conn, user: Uuid, since: DateTime<Utc>, limit: i64) -> ApiResult<Vec<Listed>> {
    Ok(notices::table
        .filter(notices::user_id.eq(user))
        .filter(notices::created_at.gt(since))
        .order(notices::created_at.desc())
        .limit(limit)
        .select((
            notices::kind,
            notices::reference,
            notices::request_id,
            notices::alert_id,
            notices::deadline,
            notices::created_at,
        ))
        .load(conn)
        .await?)
}
