//! Creating, listing and reading alerts.

use super::*;

/// Alerts the beneficiary bank of a fraudulent payment, found from the IBAN's country and
/// national bank code (or the BIC); it gets an `alert.received` event at once. No bank found:
/// the alert is kept `unrouted` for the public sector. Send `Idempotency-Key`: a retry with the
/// same key and body answers the first answer and creates nothing.
#[utoipa::path(
    tag = "fraud-alerts",
    request_body = CreateAlert,
    params(("Idempotency-Key" = Option<String>, Header)),
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses(
        (status = 201, body = Alert),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "invalid, or the key was used with another body", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fraud-alerts")]
pub async fn create_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    req: HttpRequest,
    body: web::Json<CreateAlert>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::PostAlerts, "alert.create").await?;
    let key = idempotency::key(&req)?;
    let mut check = Check::new();
    let victim = check_account(&mut check, "victim_account", &body.victim_account, false);
    let beneficiary = check_account(&mut check, "beneficiary_account", &body.beneficiary_account, true);
    let amount = check_money(&mut check, "amount", &body.amount);
    if body.amount.amount_minor == 0 {
        check.add("amount.amount_minor", "must be more than zero");
    }
    let category = check.take("category", body.category.parse::<Category>());
    let text = |check: &mut Check, field: &str, v: &Option<String>, max: usize| {
        v.as_deref().and_then(|t| check.text(field, t, 1, max))
    };
    let beneficiary_name = text(&mut check, "beneficiary_name", &body.beneficiary_name, 200);
    let payment_reference = text(&mut check, "payment_reference", &body.payment_reference, 200);
    let bank_case_reference = text(&mut check, "bank_case_reference", &body.bank_case_reference, 200);
    let description = text(&mut check, "description", &body.description, 5000);
    check.finish()?;
    let (Some(beneficiary), Some(amount), Some(category)) = (beneficiary, amount, category) else {
        return Err(ApiError::Internal("validated fields missing".into()));
    };
    let request_hash = idempotency::hash(&serde_json::to_value(&*body).map_err(ApiError::internal)?);
    let mut conn = state.pool.get().await?;
    let created = conn
        .transaction(async |c| {
            let receiver = store::route(c, beneficiary.iban.as_deref(), beneficiary.bic.as_deref()).await?;
            let id = Uuid::now_v7();
            let row = store::insert(
                c,
                &AlertRow {
                    id,
                    trace_id: id,
                    parent_alert_id: None,
                    hop: 1,
                    sender_org_id: principal.org_id,
                    receiver_org_id: receiver,
                    status: if receiver.is_some() { "routed" } else { "unrouted" }.into(),
                    victim_iban: victim.and_then(|v| v.iban),
                    beneficiary_iban: beneficiary.iban,
                    beneficiary_account: beneficiary.bank_account,
                    beneficiary_bic: beneficiary.bic,
                    beneficiary_name,
                    amount_minor: amount.amount_minor,
                    currency: amount.currency,
                    executed_at: body.executed_at.with_timezone(&Utc),
                    payment_reference,
                    category: category.as_str().into(),
                    bank_case_reference,
                    report_id: body.report_id,
                    description,
                    first_outcome_at: None,
                    created_at: Utc::now(),
                },
            )
            .await?;
            if let Some(to) = receiver {
                events::emit(c, EventType::AlertReceived, to, &received_event(&row)).await?;
            }
            Entry::of(&principal, "alert.create")
                .object("fraud_alert", row.id)
                .details(serde_json::json!({"routed_to": receiver}))
                .write(c)
                .await?;
            let answer = serde_json::to_value(view(row, &[], &[])?).map_err(ApiError::internal)?;
            if let Some(k) = &key {
                idempotency::record(c, principal.org_id, SCOPE, k, &request_hash, 201, &answer).await?;
            }
            Ok::<_, ApiError>((201, answer))
        })
        .await;
    let (status, answer) =
        idempotency::settle(&mut conn, principal.org_id, SCOPE, key.as_deref(), &request_hash, created).await?;
    Ok(HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::CREATED),
    )
    .json(answer))
}

/// Alerts you sent or received (`box`), newest first; the public sector sees all, unrouted
/// ones included.
#[utoipa::path(
    tag = "fraud-alerts",
    params(AlertQuery),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = AlertPage),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-alerts")]
pub async fn list_fraud_alerts(
    state: web::Data<AppState>,
    principal: Principal,
    q: web::Query<AlertQuery>,
) -> ApiResult<web::Json<AlertPage>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "alert.list").await?;
    let limit = pagination::limit(q.limit)?;
    let before: Option<(DateTime<Utc>, Uuid)> = pagination::decode(q.cursor.as_deref())?;
    let mut check = Check::new();
    let r#box = match q.r#box.as_deref() {
        None => AlertBox::Both,
        Some("sent") => AlertBox::Sent,
        Some("received") => AlertBox::Received,
        Some(_) => {
            check.add("box", "sent or received");
            AlertBox::Both
        }
    };
    if q.status.as_deref().is_some_and(|s| !["routed", "unrouted", "acted"].contains(&s)) {
        check.add("status", "one of routed, unrouted, acted");
    }
    let beneficiary_iban =
        q.beneficiary_iban.as_deref().and_then(|i| check.take("beneficiary_iban", normalize(IndicatorType::Iban, i)));
    check.finish()?;
    let filter = store::ListFilter {
        r#box,
        status: q.status.clone(),
        from: q.from.map(|t| t.with_timezone(&Utc)),
        to: q.to.map(|t| t.with_timezone(&Utc)),
        amount_min: q.amount_min,
        amount_max: q.amount_max,
        beneficiary_iban,
    };
    let mut conn = state.pool.get().await?;
    let rows = store::list(&mut conn, &viewer(&principal), &filter, before, limit).await?;
    let (rows, next_cursor) = pagination::page(rows, limit, |r| (r.created_at, r.id));
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let outcomes = store::outcomes_of(&mut conn, &ids).await?;
    let children = store::children_of(&mut conn, &ids).await?;
    state.audit.push(Entry::of(&principal, "alert.list").details(serde_json::json!({"rows": rows.len()})));
    let items = rows.into_iter().map(|r| view(r, &outcomes, &children)).collect::<ApiResult<Vec<_>>>()?;
    Ok(web::Json(AlertPage { items, next_cursor }))
}

/// One alert with its outcomes.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    security(("bearer" = []), ("api_key" = ["alerts:read"])),
    responses(
        (status = 200, body = Alert),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/fraud-alerts/{id}")]
pub async fn get_fraud_alert(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Alert>> {
    audit::require(&state, &principal, Permission::ReadAlerts, "alert.read").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(row) = store::get_visible(&mut conn, &viewer(&principal), id).await? else {
        return Err(audit::not_visible(&state, &principal, "alert.read", "fraud_alert", id).await);
    };
    let outcomes = store::outcomes_of(&mut conn, &[id]).await?;
    let children = store::children_of(&mut conn, &[id]).await?;
    state.audit.push(Entry::of(&principal, "alert.read").object("fraud_alert", id));
    Ok(web::Json(view(row, &outcomes, &children)?))
}
