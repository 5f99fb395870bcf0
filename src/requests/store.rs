//! Data request queries. Visibility: the issuing organisation, the addressed one once the
//! request reached it, and the validator the issuer named (`rules::access` is the same rule).

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use super::model::{
    AttachmentMeta, HistoryRow, MessageRow, NewAttachment, RequestBox, RequestRow, RequestStatus, RequestType,
    ResponseRow, Urgency,
};
use crate::domain::{OrgId, RequestId};
use crate::kernel::db::schema::{
    attachment_chunks, capabilities, data_request_attachments, data_request_history, data_request_messages,
    data_request_responses, data_requests, signed_documents, signing_keys,
};
use crate::kernel::db::Conn;
use crate::kernel::error::ApiResult;

/// Who reads requests.
#[derive(Clone, Copy, Debug)]
pub struct RequestViewer {
    pub org_id: OrgId,
}

/// The issuer always; the addressee once the request reached it; the validator the issuer
/// named. The SQL of `rules::access`.
fn visible(v: &RequestViewer) -> Box<dyn BoxableExpression<data_requests::table, Pg, SqlType = Bool>> {
    Box::new(
        sql::<Bool>("(data_requests.issuer_org_id = ")
            .bind::<SqlUuid, _>(v.org_id)
            .sql(" OR (data_requests.addressee_org_id = ")
            .bind::<SqlUuid, _>(v.org_id)
            .sql(" AND data_requests.received_at IS NOT NULL) OR data_requests.validator_org_id = ")
            .bind::<SqlUuid, _>(v.org_id)
            .sql(")"),
    )
}

pub async fn next_reference(conn: &mut Conn) -> ApiResult<String> {
    let n: i64 = diesel::select(sql::<diesel::sql_types::BigInt>("nextval('data_request_reference_seq')"))
        .get_result(conn)
        .await?;
    Ok(format!("REQ-{}-{n:06}", Utc::now().format("%Y")))
}

pub async fn insert(conn: &mut Conn, row: &RequestRow) -> ApiResult<RequestRow> {
    Ok(diesel::insert_into(data_requests::table)
        .values(row)
        .returning(RequestRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn get_visible(conn: &mut Conn, v: &RequestViewer, id: RequestId) -> ApiResult<Option<RequestRow>> {
    Ok(data_requests::table
        .filter(data_requests::id.eq(id))
        .filter(visible(v))
        .select(RequestRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn lock(conn: &mut Conn, id: RequestId) -> ApiResult<Option<RequestRow>> {
    Ok(data_requests::table.find(id).for_update().select(RequestRow::as_select()).first(conn).await.optional()?)
}

pub struct ListFilter {
    pub r#box: Option<RequestBox>,
    pub status: Option<RequestStatus>,
    pub type_: Option<RequestType>,
    pub urgency: Option<Urgency>,
    pub overdue: bool,
    pub expiring_before: Option<DateTime<Utc>>,
    pub case_reference: Option<String>,
    pub addressee_id: Option<OrgId>,
    pub issuer_id: Option<OrgId>,
}

pub async fn list(
    conn: &mut Conn,
    v: &RequestViewer,
    f: &ListFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Vec<RequestRow>> {
    let mut q = data_requests::table.select(RequestRow::as_select()).filter(visible(v)).into_boxed();
    match f.r#box {
        Some(RequestBox::Issued) => q = q.filter(data_requests::issuer_org_id.eq(v.org_id)),
        Some(RequestBox::Received) => q = q.filter(data_requests::addressee_org_id.eq(v.org_id)),
        Some(RequestBox::ToValidate) => {
            q = q
                .filter(data_requests::validator_org_id.eq(v.org_id))
                .filter(data_requests::validated_at.is_null())
                .filter(data_requests::status.ne_all([RequestStatus::ValidationRejected, RequestStatus::Withdrawn]))
        }
        None => {}
    }
    if let Some(s) = f.status {
        q = q.filter(data_requests::status.eq(s));
    }
    if let Some(t) = f.type_ {
        q = q.filter(data_requests::type_.eq(t));
    }
    if let Some(u) = f.urgency {
        q = q.filter(data_requests::urgency.eq(u));
    }
    if f.overdue {
        q = q
            .filter(data_requests::deadline.lt(Utc::now()))
            .filter(data_requests::status.eq_any(RequestStatus::open()));
    }
    if let Some(t) = f.expiring_before {
        q = q.filter(data_requests::preservation_until.lt(t)).filter(data_requests::preservation_until.gt(Utc::now()));
    }
    if let Some(c) = &f.case_reference {
        q = q.filter(data_requests::case_reference.eq(c.clone()));
    }
    if let Some(o) = f.addressee_id {
        q = q.filter(data_requests::addressee_org_id.eq(o));
    }
    if let Some(o) = f.issuer_id {
        q = q.filter(data_requests::issuer_org_id.eq(o));
    }
    if let Some((t, id)) = before {
        q = q.filter(data_requests::created_at.lt(t).or(data_requests::created_at.eq(t).and(data_requests::id.lt(id))));
    }
    Ok(q.order((data_requests::created_at.desc(), data_requests::id.desc())).limit(limit + 1).load(conn).await?)
}

pub async fn history(conn: &mut Conn, ids: &[RequestId]) -> ApiResult<Vec<HistoryRow>> {
    Ok(data_request_history::table
        .filter(data_request_history::request_id.eq_any(ids))
        .order(data_request_history::id)
        .select(HistoryRow::as_select())
        .load(conn)
        .await?)
}

pub async fn record(conn: &mut Conn, h: &HistoryRow) -> ApiResult<()> {
    diesel::insert_into(data_request_history::table)
        .values((
            data_request_history::request_id.eq(h.request_id),
            data_request_history::from_status.eq(h.from_status),
            data_request_history::to_status.eq(h.to_status),
            data_request_history::actor_org_id.eq(h.actor_org_id),
            data_request_history::actor_id.eq(h.actor_id),
            data_request_history::reason_code.eq(h.reason_code),
            data_request_history::note.eq(&h.note),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Saves a request changed in memory (status, times), bumping its version.
pub async fn save(conn: &mut Conn, r: &RequestRow) -> ApiResult<RequestRow> {
    Ok(diesel::update(data_requests::table.find(r.id))
        .set((
            data_requests::status.eq(r.status),
            data_requests::received_at.eq(r.received_at),
            data_requests::deadline.eq(r.deadline),
            data_requests::acknowledged_at.eq(r.acknowledged_at),
            data_requests::preservation_until.eq(r.preservation_until),
            data_requests::validated_at.eq(r.validated_at),
            data_requests::validated_by_org_id.eq(r.validated_by_org_id),
            data_requests::notices_sent.eq(&r.notices_sent),
            data_requests::sealed_at.eq(r.sealed_at),
            data_requests::seal_reason.eq(&r.seal_reason),
            data_requests::validating_officer.eq(&r.validating_officer),
            data_requests::version.eq(data_requests::version + 1),
            data_requests::updated_at.eq(diesel::dsl::now),
        ))
        .returning(RequestRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn insert_message(conn: &mut Conn, m: &MessageRow) -> ApiResult<MessageRow> {
    Ok(diesel::insert_into(data_request_messages::table)
        .values(m)
        .returning(MessageRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The messages of a request `viewer` wrote or was sent (messages without a recipient went
/// between issuer and addressee, which `between` names).
pub async fn messages(conn: &mut Conn, request: RequestId, viewer: OrgId, between: bool) -> ApiResult<Vec<MessageRow>> {
    Ok(data_request_messages::table
        .filter(data_request_messages::request_id.eq(request))
        .filter(
            data_request_messages::author_org_id.eq(viewer).or(data_request_messages::recipient_org_id.eq(viewer)).or(
                data_request_messages::recipient_org_id
                    .is_null()
                    .and(diesel::dsl::sql::<Bool>("").bind::<Bool, _>(between)),
            ),
        )
        .order(data_request_messages::created_at)
        .select(MessageRow::as_select())
        .load(conn)
        .await?)
}

pub async fn capabilities_of(conn: &mut Conn, org: OrgId) -> ApiResult<Option<serde_json::Value>> {
    Ok(capabilities::table.find(org).select(capabilities::catalogue).first(conn).await.optional()?)
}

pub async fn set_capabilities(conn: &mut Conn, org: OrgId, catalogue: &serde_json::Value) -> ApiResult<()> {
    diesel::insert_into(capabilities::table)
        .values((capabilities::organization_id.eq(org), capabilities::catalogue.eq(catalogue)))
        .on_conflict(capabilities::organization_id)
        .do_update()
        .set((capabilities::catalogue.eq(catalogue), capabilities::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_response(conn: &mut Conn, r: &ResponseRow) -> ApiResult<()> {
    diesel::insert_into(data_request_responses::table).values(r).execute(conn).await?;
    Ok(())
}

pub async fn insert_attachment(conn: &mut Conn, a: &NewAttachment) -> ApiResult<()> {
    diesel::insert_into(data_request_attachments::table).values(a).execute(conn).await?;
    Ok(())
}

pub async fn responses(conn: &mut Conn, request: RequestId) -> ApiResult<(Vec<ResponseRow>, Vec<AttachmentMeta>)> {
    let responses = data_request_responses::table
        .filter(data_request_responses::request_id.eq(request))
        .order(data_request_responses::created_at)
        .select(ResponseRow::as_select())
        .load(conn)
        .await?;
    let attachments = data_request_attachments::table
        .filter(data_request_attachments::request_id.eq(request))
        .order(data_request_attachments::created_at)
        .select(AttachmentMeta::as_select())
        .load(conn)
        .await?;
    Ok((responses, attachments))
}

/// An attachment of the request (its content is read chunk by chunk: [`chunk`]).
pub async fn attachment(conn: &mut Conn, request: RequestId, id: Uuid) -> ApiResult<Option<AttachmentMeta>> {
    // Sealed answers are never read, even by a download that raced the refusal.
    Ok(data_request_attachments::table
        .inner_join(data_requests::table)
        .filter(data_request_attachments::id.eq(id))
        .filter(data_request_attachments::request_id.eq(request))
        .filter(data_requests::sealed_at.is_null())
        .select(AttachmentMeta::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Stores chunk `seq` of a file being uploaded.
pub async fn insert_chunk(conn: &mut Conn, attachment: Uuid, seq: i32, data: &[u8]) -> ApiResult<()> {
    diesel::insert_into(attachment_chunks::table)
        .values((
            attachment_chunks::attachment_id.eq(attachment),
            attachment_chunks::seq.eq(seq),
            attachment_chunks::data.eq(data),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Chunk `seq` of a stored file; `None` past its end.
pub async fn chunk(conn: &mut Conn, attachment: Uuid, seq: i32) -> ApiResult<Option<Vec<u8>>> {
    Ok(attachment_chunks::table.find((attachment, seq)).select(attachment_chunks::data).first(conn).await.optional()?)
}

/// Deletes the chunks of files whose response was refused.
pub async fn delete_chunks(conn: &mut Conn, attachments: &[Uuid]) -> ApiResult<usize> {
    Ok(diesel::delete(attachment_chunks::table.filter(attachment_chunks::attachment_id.eq_any(attachments)))
        .execute(conn)
        .await?)
}

/// Deletes chunks older than a day whose attachment never came (an upload cut off, a server
/// stopped mid-upload); no upload of at most 100 MiB takes that long.
pub async fn purge_orphan_chunks(conn: &mut Conn) -> ApiResult<usize> {
    Ok(diesel::sql_query(
        "DELETE FROM attachment_chunks AS c WHERE c.created_at < now() - interval '1 day' \
         AND NOT EXISTS (SELECT 1 FROM data_request_attachments AS a WHERE a.id = c.attachment_id)",
    )
    .execute(conn)
    .await?)
}

#[derive(QueryableByName, Debug)]
pub struct CountRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub dimension: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub value: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub count: i64,
}

#[derive(QueryableByName, Debug)]
pub struct AddresseeRow {
    #[diesel(sql_type = SqlUuid)]
    pub addressee_id: OrgId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub addressee: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub received: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    pub median_seconds_to_acknowledge: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    pub p90_seconds_to_acknowledge: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    pub median_seconds_to_fulfil: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    pub p90_seconds_to_fulfil: Option<f64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Double>)]
    pub share_answered_within_deadline: Option<f64>,
}

/// The period and, for one organisation, the requests it issued or that reached it.
const PERIOD: &str = "r.created_at >= $1 AND r.created_at < $2 AND ($3::uuid IS NULL OR r.issuer_org_id = $3 \
    OR (r.addressee_org_id = $3 AND r.received_at IS NOT NULL))";

/// Counts by type, status and urgency over the period (`only`: requests an organisation issued
/// or received).
pub async fn counts(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only: Option<OrgId>,
) -> ApiResult<Vec<CountRow>> {
    Ok(diesel::sql_query(format!(
        "SELECT 'type' AS dimension, r.type AS value, count(*) AS count FROM data_requests r WHERE {PERIOD} GROUP BY r.type
         UNION ALL SELECT 'status', r.status, count(*) FROM data_requests r WHERE {PERIOD} GROUP BY r.status
         UNION ALL SELECT 'urgency', r.urgency, count(*) FROM data_requests r WHERE {PERIOD} GROUP BY r.urgency
         ORDER BY 1, 2"
    ))
    .bind::<diesel::sql_types::Timestamptz, _>(from)
    .bind::<diesel::sql_types::Timestamptz, _>(to)
    .bind::<diesel::sql_types::Nullable<SqlUuid>, _>(only)
    .load(conn)
    .await?)
}

/// Per addressee: requests received, time to acknowledge and to fulfil (median, p90), share
/// answered (fulfilled, partly, rejected) within the deadline.
pub async fn by_addressee(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    only: Option<OrgId>,
) -> ApiResult<Vec<AddresseeRow>> {
    Ok(diesel::sql_query(format!(
        "SELECT o.id AS addressee_id, o.name AS addressee, count(*) AS received,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.acknowledged_at - r.received_at)) AS median_seconds_to_acknowledge,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.acknowledged_at - r.received_at)) AS p90_seconds_to_acknowledge,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.received_at)) AS median_seconds_to_fulfil,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM f.at - r.received_at)) AS p90_seconds_to_fulfil,
                (count(*) FILTER (WHERE a.at <= r.deadline))::float8 / nullif(count(a.at), 0) AS share_answered_within_deadline
         FROM data_requests r
         JOIN organizations o ON o.id = r.addressee_org_id
         LEFT JOIN LATERAL (SELECT min(h.at) AS at FROM data_request_history h
                            WHERE h.request_id = r.id AND h.to_status = ANY($4)) f ON true
         LEFT JOIN LATERAL (SELECT min(h.at) AS at FROM data_request_history h
                            WHERE h.request_id = r.id AND h.to_status = ANY($5)) a ON true
         WHERE r.received_at IS NOT NULL AND {PERIOD}
         GROUP BY o.id, o.name ORDER BY o.name"
    ))
    .bind::<diesel::sql_types::Timestamptz, _>(from)
    .bind::<diesel::sql_types::Timestamptz, _>(to)
    .bind::<diesel::sql_types::Nullable<SqlUuid>, _>(only)
    .bind::<Array<Text>, _>(RequestStatus::fulfilled())
    .bind::<Array<Text>, _>(RequestStatus::answered())
    .load(conn)
    .await?)
}

/// Publishes a signing key's public half the first time it signs.
pub async fn record_signing_key(conn: &mut Conn, kid: &str, public_key: &[u8]) -> ApiResult<()> {
    diesel::insert_into(signing_keys::table)
        .values((signing_keys::kid.eq(kid), signing_keys::public_key.eq(public_key)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// A second signature of a stored document, by another key: a new row with the same request,
/// kind, object and text.
pub async fn resign(conn: &mut Conn, original: Uuid, jws: &str, kid: &str) -> ApiResult<()> {
    diesel::sql_query(
        "INSERT INTO signed_documents (id, request_id, kind, object_id, payload, jws, kid) \
         SELECT $1, request_id, kind, object_id, payload, $2, $3 FROM signed_documents WHERE id = $4",
    )
    .bind::<diesel::sql_types::Uuid, _>(Uuid::now_v7())
    .bind::<diesel::sql_types::Text, _>(jws)
    .bind::<diesel::sql_types::Text, _>(kid)
    .bind::<diesel::sql_types::Uuid, _>(original)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn insert_signed(
    conn: &mut Conn,
    request: RequestId,
    kind: &str,
    object_id: Option<Uuid>,
    payload: &str,
    jws: &str,
    kid: &str,
) -> ApiResult<()> {
    diesel::insert_into(signed_documents::table)
        .values((
            signed_documents::id.eq(Uuid::now_v7()),
            signed_documents::request_id.eq(request),
            signed_documents::kind.eq(kind),
            signed_documents::object_id.eq(object_id),
            signed_documents::payload.eq(payload),
            signed_documents::jws.eq(jws),
            signed_documents::kid.eq(kid),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A request's signed documents, oldest first.
/// Every signed document after `after` (by id), with its request's reference and id, a page at
/// a time: `cyberbridge admin verify-restore` and `signed-documents`.
pub async fn signed_page(
    conn: &mut Conn,
    after: Uuid,
    kid: Option<&str>,
    limit: i64,
) -> ApiResult<Vec<(super::model::SignedRow, String, RequestId)>> {
    let mut query = signed_documents::table
        .inner_join(data_requests::table)
        .filter(signed_documents::id.gt(after))
        .order(signed_documents::id)
        .limit(limit)
        .select((super::model::SignedRow::as_select(), data_requests::reference, data_requests::id))
        .into_boxed();
    if let Some(kid) = kid {
        query = query.filter(signed_documents::kid.eq(kid.to_string()));
    }
    Ok(query.load(conn).await?)
}

/// The references of requests that went out to their addressee without a signed order.
pub async fn unsigned_orders(conn: &mut Conn) -> ApiResult<Vec<String>> {
    Ok(data_requests::table
        .filter(data_requests::received_at.is_not_null())
        .filter(diesel::dsl::not(diesel::dsl::exists(
            signed_documents::table
                .filter(signed_documents::request_id.eq(data_requests::id))
                .filter(signed_documents::kind.eq(super::signed::ORDER)),
        )))
        .order(data_requests::reference)
        .select(data_requests::reference)
        .load(conn)
        .await?)
}

/// Responses without a signed document: (request reference, response id).
pub async fn unsigned_responses(conn: &mut Conn) -> ApiResult<Vec<(String, Uuid)>> {
    Ok(data_request_responses::table
        .inner_join(data_requests::table)
        .filter(diesel::dsl::not(diesel::dsl::exists(
            signed_documents::table
                .filter(signed_documents::object_id.eq(data_request_responses::id.nullable()))
                .filter(signed_documents::kind.eq(super::signed::RESPONSE)),
        )))
        .order(data_requests::reference)
        .select((data_requests::reference, data_request_responses::id))
        .load(conn)
        .await?)
}

/// A stored file as recorded and as its chunks hold it now.
#[derive(QueryableByName, Debug)]
pub struct StoredFile {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reference: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub filename: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub size: i64,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub sha256: Vec<u8>,
    /// SHA-256 of the chunks, in order, as stored.
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub stored_sha256: Vec<u8>,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub stored_size: i64,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Integer>)]
    pub seqs: Vec<i32>,
}

/// Response files after `after` (by id), each hashed from its chunks by the database (a file
/// is at most 25 MiB), a page at a time.
pub async fn stored_files(conn: &mut Conn, after: Uuid, limit: i64) -> ApiResult<Vec<StoredFile>> {
    Ok(diesel::sql_query(
        "SELECT a.id, r.reference, a.filename, a.size, a.sha256, \
                sha256(coalesce(string_agg(c.data, ''::bytea ORDER BY c.seq), ''::bytea)) AS stored_sha256, \
                coalesce(sum(length(c.data)), 0)::int8 AS stored_size, \
                coalesce(array_agg(c.seq ORDER BY c.seq) FILTER (WHERE c.seq IS NOT NULL), '{}') AS seqs \
           FROM data_request_attachments a \
           JOIN data_requests r ON r.id = a.request_id \
           LEFT JOIN attachment_chunks c ON c.attachment_id = a.id \
          WHERE a.id > $1 \
          GROUP BY a.id, r.reference ORDER BY a.id LIMIT $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(after)
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .load(conn)
    .await?)
}

pub async fn signed_documents(conn: &mut Conn, request: RequestId) -> ApiResult<Vec<super::model::SignedRow>> {
    Ok(signed_documents::table
        .filter(signed_documents::request_id.eq(request))
        .order(signed_documents::created_at)
        .select(super::model::SignedRow::as_select())
        .load(conn)
        .await?)
}
