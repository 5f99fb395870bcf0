//! Data requests' operations, as the JSON API and the console call them. Each takes the grant
//! of its action (`Grant::expect` refuses any other) and typed input, checks who the caller is
//! to the request (404 when it may not see it, 403 when it sees it but may not act), and runs
//! its writes (`writes`) as one transaction:
//!
//! | function | action | does |
//! |---|---|---|
//! | [`issue`] | `CreateDataRequest`, `CreateFreezeRequest` | an accredited officer issues a request |
//! | [`outline`] | `CreateDataRequest`, `CreateFreezeRequest` | what a draft would meet if sent now |
//! | [`list`] | `ListRequests` | a page of a box: issued, received, to validate |
//! | [`read`] | `ReadRequest` | one request with its history |
//! | [`transition`] | `TransitionRequest` | the issuer or the addressee moves it |
//! | [`validate`] | `ValidateRequest` | the named prosecutor or judge decides |
//! | [`extend`] | `ExtendRequest` | the issuer extends a preservation |
//! | [`post_message`] | `PostRequestMessage` | a message to the other side |
//! | [`messages`] | `ListRequestMessages` | the thread |
//! | [`responding`], [`receive`], [`respond`] | `RespondToRequest` | the addressee answers (checked before the upload is read) |
//! | [`responses`] | `ReadRequest` | the answers, to those who read them |
//! | [`attachment`] | `DownloadAttachment` | one file of an answer, its download audited |
//! | [`signed_documents`] | `ReadRequest` | the signed order, decisions and answers |
//! | [`capabilities`] | `ReadCapabilities` | a provider's catalogue |
//! | [`publish_capabilities`] | `UpdateCapabilities` | an ISP's or bank's org_admin publishes its own |
//! | [`statistics`] | `ReadRequestStatistics` | figures per type, status, urgency, addressee |
//!
//! [`signing_keys`] and [`verify_document`] are public (no grant).

use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use futures_util::Stream;
use uuid::Uuid;

use super::model::*;
use super::rules::{self, Side};
use super::store::{self, RequestViewer};
use super::upload::{self, Upload};
use super::{outline, policy, signed, view, writes};
use crate::access::{Action, Grant};
use crate::domain::instant::PeriodQuery;
use crate::domain::{Check, Invalid, OrgId, OrgKind, Permission, RequestId, Role};
use crate::kernel::error::{ApiError, ApiResult};
use crate::kernel::http::consistency::ReadAfter;
use crate::kernel::http::etag::IfMatch;
use crate::kernel::http::idempotency::{Answer, Idempotent};
use crate::kernel::http::pagination;
use crate::kernel::{signing, AppState};
use crate::organizations;
use crate::organizations::model::DirectoryFilter;
use crate::statistics::service::ReadScope;
use crate::users::model::{OfficerAuthorisation, OfficerIdentity};

/// An accredited officer issues a request (its type decides the action: a freeze of funds or
/// a data or preservation request); with an idempotency key, a retry gets the first answer.
/// `idempotent` reads the key once the caller is known to be an officer (a refusal comes first).
pub async fn issue(
    state: &AppState,
    act: &Grant,
    body: &CreateRequest,
    idempotent: impl FnOnce() -> ApiResult<Idempotent>,
) -> ApiResult<Answer> {
    act.expect(&[Action::CreateDataRequest, Action::CreateFreezeRequest])?;
    let officer = officer(state, act, OfficerAuthorisation::IssueDataRequests).await?;
    let idem = idempotent()?;
    let mut conn = state.pool.get().await?;
    let mut check = Check::new();
    let input = body.parse(&mut check);
    let tables = policy::Tables::configured(state.config.validation_tables.as_deref()).map_err(ApiError::internal)?;
    let plan = writes::plan(&mut conn, &mut check, act, body, input.as_ref(), &tables).await?;
    let (input, plan) = check.done(|| input.zip(plan))?;
    let created = conn
        .transaction(async |c| {
            let request = writes::create(c, act, &state.signer, &officer, input, plan, body).await?;
            idem.record(c, actix_web::http::StatusCode::CREATED, &request).await
        })
        .await;
    idem.settle(&mut conn, created).await
}

/// What a draft request would meet if sent now (nothing is written): the addressee's
/// catalogue and the types it answers, the categories of the type, the validation the policy
/// table asks for, the organisations that may give it, and the deadline. The same tables and
/// rules as [`issue`]; only the types the caller may issue are offered; what the draft leaves
/// open stays open in the answer.
pub async fn outline(state: &AppState, act: &Grant, draft: &CreateRequest) -> ApiResult<outline::Outline> {
    act.expect(&[Action::CreateDataRequest, Action::CreateFreezeRequest])?;
    let mut conn = state.pool.get().await?;
    let addressee = organizations::store::get(&mut conn, draft.addressee_id)
        .await?
        .filter(|o| o.active && matches!(o.kind, OrgKind::Isp | OrgKind::Bank));
    let catalogue = match &addressee {
        Some(a) => store::capabilities_of(&mut conn, a.id).await?,
        None => None,
    };
    let mut types = outline::types_for(addressee.as_ref().map(|a| a.kind), catalogue.as_ref());
    types.retain(|t| rules::may_issue(act, *t));
    let kind = draft.type_.parse::<RequestType>().ok().filter(|k| types.contains(k));
    let categories =
        kind.and_then(policy::allowed_categories).map_or_else(|| DataCategory::ALL.to_vec(), <[_]>::to_vec);
    let urgency = draft.urgency.parse::<Urgency>().unwrap_or(Urgency::Routine);
    let mut answer = outline::Outline {
        addressee: addressee.as_ref().map(|a| outline::Named { id: a.id, name: a.name.clone(), kind: a.kind }),
        catalogue: catalogue.and_then(|c| serde_json::from_value(c).ok()),
        types,
        kind,
        categories,
        requirement: None,
        validators: Vec::new(),
        start: None,
        deadline: None,
        urgency,
    };
    let (Some(kind), Some(addressee)) = (kind, addressee) else { return Ok(answer) };
    let issuer = organizations::store::get(&mut conn, act.org_id).await?.ok_or(ApiError::NotFound)?;
    let tables = policy::Tables::configured(state.config.validation_tables.as_deref()).map_err(ApiError::internal)?;
    let table = tables.choose(issuer.country.as_str(), addressee.country.as_str(), addressee.kind);
    let declared: Vec<DataCategory> = draft.data_categories.iter().filter_map(|c| c.parse().ok()).collect();
    let identified = super::parse::identified(&draft.identifiers);
    let requirement = table.requirement(
        act.org_kind,
        kind,
        &policy::effective_categories(kind, &declared, &identified, addressee.kind),
    );
    for validator_kind in &requirement.validators {
        let filter = DirectoryFilter { kind: Some(*validator_kind), country: Some(issuer.country.clone()) };
        // Every one: a country has far fewer prosecution offices and courts than a page holds.
        let found = organizations::store::list(&mut conn, false, &filter, None, 1_000).await?;
        answer.validators.extend(
            found.into_iter().take(1_000).filter(|o| o.id != act.org_id).map(|o| outline::Named {
                id: o.id,
                name: o.name,
                kind: o.kind,
            }),
        );
    }
    let (start, deadline) =
        outline::timing(&requirement, urgency, draft.deadline.map(|d| d.with_timezone(&Utc)), Utc::now());
    answer.requirement = Some(requirement);
    answer.start = Some(start);
    answer.deadline = deadline;
    Ok(answer)
}

/// A page of the requests in the caller's box (issued, received, to validate), newest first;
/// the ids listed are audited.
pub async fn list(state: &AppState, act: &Grant, q: &RequestQuery) -> ApiResult<RequestPage> {
    act.expect(&[Action::ListRequests])?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let filter = q.parse()?;
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer(act), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id.0));
    let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
    act.entry().details(serde_json::json!({"rows": rows.len(), "ids": ids})).write(&conn).await?;
    let items = view::summaries(&mut conn, rows, &act.viewer()).await?;
    Ok(RequestPage { items, next_cursor })
}

/// One request with its history, if the caller issued it, received it, or validates it.
pub async fn read(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<DataRequest> {
    act.expect(&[Action::ReadRequest])?;
    let row = visible(state, act, id).await?;
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({})).await?;
    view::full(&mut conn, row, &act.viewer()).await
}

/// The issuer or the addressee moves the request (409 with the transitions allowed otherwise).
pub async fn transition(
    state: &AppState,
    act: &Grant,
    id: RequestId,
    if_match: IfMatch,
    body: &Transition,
) -> ApiResult<DataRequest> {
    act.expect(&[Action::TransitionRequest])?;
    let current = visible(state, act, id).await?;
    let Some(side) = rules::side(act, &current) else {
        return Err(act.refuse(state, "data_request", id, "only the issuer and the addressee move a request").await);
    };
    let input = body.parse()?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| writes::transition(c, act, side, id, if_match, input).await).await
}

/// The named validator's decision, by an officer authorised to validate; a refusal gives its
/// reasons.
pub async fn validate(
    state: &AppState,
    act: &Grant,
    id: RequestId,
    if_match: IfMatch,
    body: &Validation,
) -> ApiResult<DataRequest> {
    act.expect(&[Action::ValidateRequest])?;
    let r = visible(state, act, id).await?;
    let named = r.validator_org_id == Some(act.org_id) && matches!(act.org_kind, OrgKind::Prosecution | OrgKind::Court);
    if !named || !act.is_user() {
        return Err(act
            .refuse(state, "data_request", id, "the prosecutor or judge the issuer named validates it")
            .await);
    }
    let approve = body.decision.parse::<Decision>().map_err(|_| Invalid::field("decision", "approve or reject"))?;
    let mut check = Check::new();
    let note = check.optional_text("note", body.note.as_deref().filter(|n| !n.trim().is_empty()), 4_000);
    check.finish()?;
    let approve = approve == Decision::Approve;
    let officer = officer(state, act, OfficerAuthorisation::ValidateDataRequests).await?;
    if !approve && note.is_none() {
        return Err(Invalid::field("note", "a refusal gives its reasons (they are the seal's reason)").into());
    }
    let mut conn = state.pool.get().await?;
    let decided = writes::Decided { officer, approve, note };
    conn.transaction(async |c| writes::validate(c, act, &state.signer, id, if_match, decided).await).await
}

/// The issuer extends a preservation by 90 days (prolonging an order is ordering: an
/// authorised officer does it).
pub async fn extend(state: &AppState, act: &Grant, id: RequestId, if_match: IfMatch) -> ApiResult<DataRequest> {
    act.expect(&[Action::ExtendRequest])?;
    let current = visible(state, act, id).await?;
    if rules::side(act, &current) != Some(Side::Issuer) {
        return Err(act.refuse(state, "data_request", id, "the issuer extends a preservation").await);
    }
    officer(state, act, OfficerAuthorisation::IssueDataRequests).await?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| writes::extend(c, act, id, if_match).await).await
}

/// A message to the other side of the request: the validator while it waits for its
/// validation, the addressee once it reached it (a validator writes to the issuer).
pub async fn post_message(state: &AppState, act: &Grant, id: RequestId, body: &NewMessage) -> ApiResult<Message> {
    act.expect(&[Action::PostRequestMessage])?;
    let r = visible(state, act, id).await?;
    let Some(to) = rules::access(act.org_id, &r).and_then(|a| rules::message_to(a, &r, body.to)) else {
        if body.to.is_some() {
            return Err(Invalid::field("to", "not a party of this request you may write to").into());
        }
        return Err(act.refuse(state, "data_request", id, "this request has nobody to write to yet").await);
    };
    let mut check = Check::new();
    let text = check.text("body", &body.body, 1, 20_000);
    let text = check.done(|| text)?;
    let mut conn = state.pool.get().await?;
    let saved = conn.transaction(async |c| writes::post_message(c, act, &r, to, text).await).await?;
    Ok(view::message(saved))
}

/// The messages of a request the caller may read, oldest first.
pub async fn messages(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<MessageList> {
    act.expect(&[Action::ListRequestMessages])?;
    let r = visible(state, act, id).await?;
    let between = matches!(rules::access(act.org_id, &r), Some(rules::Access::Issuer | rules::Access::Addressee));
    let mut conn = state.pool.get().await?;
    let rows = store::messages(&mut conn, id, act.org_id, between).await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"messages": rows.len()}))
        .await?;
    Ok(MessageList { items: rows.into_iter().map(view::message).collect(), next_cursor: None })
}

/// Whether the caller may answer the request now: the addressee, of a request that takes a
/// response. Checked before any of an upload is read.
pub async fn responding(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<()> {
    act.expect(&[Action::RespondToRequest])?;
    let r = visible(state, act, id).await?;
    if act.org_id != r.addressee_org_id {
        return Err(act.refuse(state, "data_request", id, "the addressee responds").await);
    }
    writes::takes_response(&r)
}

/// Stores the addressee's answer (records and the files already streamed to the database) in
/// one transaction; a refusal deletes the files' chunks.
/// The addressee's answer as it streams in (multipart: `records` and `attachment` parts, and
/// the small `text_parts` a console form adds): checked before anything of the body is read,
/// files stored in chunks as they arrive. Pass it to [`respond`], or to [`discard`].
pub async fn receive(
    state: &AppState,
    act: &Grant,
    id: RequestId,
    form: actix_multipart::Multipart,
    text_parts: &[&str],
    first: Option<upload::FirstPart<'_>>,
) -> ApiResult<Upload> {
    act.expect(&[Action::RespondToRequest])?;
    responding(state, act, id).await?;
    upload::read_with(form, state.config.response_limit, &state.pool, text_parts, first).await
}

/// Deletes what an upload stored when it is not to be answered after all.
pub async fn discard(state: &AppState, upload: &Upload) {
    let ids: Vec<Uuid> = upload.files.iter().map(|f| f.id).collect();
    upload::discard(&state.pool, &ids).await;
}

pub async fn respond(state: &AppState, act: &Grant, id: RequestId, upload: Upload) -> ApiResult<DataRequest> {
    act.expect(&[Action::RespondToRequest])?;
    let ids: Vec<_> = upload.files.iter().map(|f| f.id).collect();
    let stored = async {
        let mut conn = state.pool.get().await?;
        conn.transaction(async |c| writes::respond(c, act, &state.signer, id, upload, Utc::now()).await).await
    }
    .await;
    if stored.is_err() {
        upload::discard(&state.pool, &ids).await;
    }
    stored
}

/// The addressee's answers, to whoever reads them (410 once sealed).
pub async fn responses(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<ResponseList> {
    act.expect(&[Action::ReadRequest])?;
    let r = answered(state, act, id).await?;
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"responses": true})).await?;
    Ok(ResponseList { items: view::answers(&mut conn, r.id).await? })
}

/// One file of an answer: what it is, and its bytes chunk by chunk, each read when the
/// previous one has gone out. The download is audited (chain of custody) before a byte leaves.
pub async fn attachment(
    state: &AppState,
    act: &Grant,
    id: RequestId,
    aid: Uuid,
) -> ApiResult<(AttachmentMeta, impl Stream<Item = ApiResult<Vec<u8>>> + 'static)> {
    act.expect(&[Action::DownloadAttachment])?;
    answered(state, act, id).await?;
    let mut conn = state.pool.get().await?;
    let Some(meta) = store::attachment(&mut conn, id, aid).await? else {
        return Err(act.hide(state, "attachment", aid).await);
    };
    let details = serde_json::json!({"request_id": id, "sha256": hex::encode(&meta.sha256), "size": meta.size});
    act.on("attachment", aid).details(details).write(&conn).await?;
    let pool = state.pool.clone();
    let chunks = futures_util::stream::try_unfold(0i32, move |seq| {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await?;
            let data = store::chunk(&mut conn, aid, seq).await?;
            Ok(data.map(|d| (d, seq + 1)))
        }
    });
    Ok((meta, chunks))
}

/// The documents the platform signed for the request, oldest first; the signed answers only
/// to those who read the answers, and not once sealed.
pub async fn signed_documents(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<SignedDocumentList> {
    act.expect(&[Action::ReadRequest])?;
    let r = visible(state, act, id).await?;
    let answers = r.seal_reason.is_none() && rules::access(act.org_id, &r).is_some_and(|a| rules::reads_answers(a, &r));
    let mut conn = state.pool.get().await?;
    act.record_case_read(&mut conn, ("data_request", id.to_string()), serde_json::json!({"signed_documents": true}))
        .await?;
    let items = store::signed_documents(&mut conn, id)
        .await?
        .into_iter()
        .filter(|d| d.kind != signed::RESPONSE || answers)
        .map(SignedDocument::from)
        .collect();
    Ok(SignedDocumentList { items })
}

/// The public keys that sign orders, decisions and answers: the current one and the earlier
/// ones configured after rotations. Only configured keys: nothing in the database adds one.
pub fn signing_keys(state: &AppState) -> ApiResult<Jwks> {
    let mut keys =
        signing::published(&state.signer, &state.config.signing_previous_keys).map_err(ApiError::internal)?;
    // Private screening's OPRF public keys, beside the keys that sign (config signs them).
    keys.extend(state.oprf.iter().flat_map(|k| k.jwks()));
    Ok(Jwks { keys })
}

/// Whether a document (its canonical JSON text and detached JWS) was signed by this platform
/// with one of its published keys: the key's id, or why not. Public (no grant).
pub fn verify_document(keys: &Jwks, payload: &str, jws: &str) -> Result<String, &'static str> {
    signing::verify_detached(&keys.keys, payload, jws)
}

/// An organisation's capability catalogue: for the public sector, the platform and the
/// organisation itself (404 otherwise, and when none is published).
pub async fn capabilities(state: &AppState, act: &Grant, id: OrgId) -> ApiResult<serde_json::Value> {
    act.expect(&[Action::ReadCapabilities])?;
    if !(act.org_kind.is_public_sector() || act.org_id == id || act.is_platform_admin()) {
        return Err(act.hide(state, "organization", id).await);
    }
    store::capabilities_of(&mut *state.pool.get().await?, id).await?.ok_or(ApiError::NotFound)
}

/// An ISP's or bank's org_admin publishes its own catalogue, each wrong entry named.
pub async fn publish_capabilities(
    state: &AppState,
    act: &Grant,
    id: OrgId,
    mut caps: Capabilities,
) -> ApiResult<Capabilities> {
    act.expect(&[Action::UpdateCapabilities])?;
    let own_admin = act.org_id == id && act.role == Role::OrgAdmin && act.is_user();
    if !own_admin || !matches!(act.org_kind, OrgKind::Isp | OrgKind::Bank) {
        let why = "an ISP's or bank's org_admin publishes its own catalogue";
        return Err(act.refuse(state, "organization", id, why).await);
    }
    let mut check = Check::new();
    caps.check(&mut check);
    check.finish()?;
    let value = serde_json::to_value(&caps).map_err(ApiError::internal)?;
    let mut conn = state.pool.get().await?;
    conn.transaction(async |c| {
        store::set_capabilities(c, id, &value).await?;
        act.on("organization", id).write(c).await
    })
    .await?;
    Ok(caps)
}

/// Figures over a period (default: the last 30 days): a regulator over every request; any
/// other organisation over those it issued or received; a platform admin (who supervises no
/// one and issues no request) none: across organisations, figures over a window the caller
/// picks go to supervisors only.
pub async fn statistics(state: &AppState, act: &Grant, q: &PeriodQuery) -> ApiResult<RequestStatistics> {
    act.expect(&[Action::ReadRequestStatistics])?;
    let scope = if act.is_regulator_user() {
        ReadScope::Supervisor
    } else if act.is_platform_admin() {
        ReadScope::Published
    } else {
        act.require(state, Permission::ReadRequests).await?;
        ReadScope::Own
    };
    let (from, to) = q.bounds()?;
    let only = (scope == ReadScope::Own).then_some(act.org_id);
    if scope == ReadScope::Published {
        // Counts over a window the caller picks could be differenced window against window:
        // across organisations, only supervisors read them.
        return Ok(view::statistics(from, to, scope, Vec::new(), Vec::new()));
    }
    let (counts, by_addressee) = state
        .read_long(ReadAfter::default(), async |conn| {
            Ok((store::counts(conn, from, to, only).await?, store::by_addressee(conn, from, to, only).await?))
        })
        .await?;
    Ok(view::statistics(from, to, scope, counts, by_addressee))
}

fn viewer(act: &Grant) -> RequestViewer {
    RequestViewer { org_id: act.org_id }
}

/// A request the caller may see, or 404 (recorded).
async fn visible(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<RequestRow> {
    match store::get_visible(&mut *state.pool.get().await?, &viewer(act), id).await? {
        Some(r) => Ok(r),
        None => Err(act.hide(state, "data_request", id).await),
    }
}

/// A request whose answers the caller reads: 404 when it does not (a validator the table keeps
/// from them), 410 once sealed. Both recorded.
async fn answered(state: &AppState, act: &Grant, id: RequestId) -> ApiResult<RequestRow> {
    let r = visible(state, act, id).await?;
    if let Some(reason) = &r.seal_reason {
        act.deny(state, "data_request", id).await;
        return Err(ApiError::Gone(format!("the answers of this request are sealed: {reason}")));
    }
    if !rules::access(act.org_id, &r).is_some_and(|a| rules::reads_answers(a, &r)) {
        return Err(act.hide(state, "data_request", id).await);
    }
    Ok(r)
}

/// The caller as an accredited officer authorised to `what`: a person (an API key issues and
/// validates nothing), recorded as an officer by their org_admin, and authorised. 403 otherwise.
async fn officer(state: &AppState, act: &Grant, what: OfficerAuthorisation) -> ApiResult<OfficerIdentity> {
    let Some(user) = act.user_id() else {
        let why = "data requests are issued and validated by accredited officers, not by API keys";
        return Err(act.refuse(state, "organization", act.org_id, why).await);
    };
    let row = crate::users::store::get(&mut *state.pool.get().await?, user).await?;
    match row.as_ref().map(|u| u.officer_for(what)) {
        Some(Ok(officer)) => Ok(officer),
        Some(Err(why)) => Err(act.refuse(state, "user", user, why).await),
        None => Err(act.refuse(state, "user", user, "unknown user").await),
    }
}
