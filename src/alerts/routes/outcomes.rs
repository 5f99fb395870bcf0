//! What the receiving bank did, and the next hops.

use super::*;

/// Records what the receiving bank did. Several outcomes may follow each other (part frozen,
/// the rest moved on); frozen + returned + moved on never exceed the amount received (422).
/// Each onward transfer becomes the next hop's alert, routed and announced like the first.
/// The sender and every earlier bank of the trace get an `alert.outcome` event.
#[utoipa::path(
    tag = "fraud-alerts",
    params(("id" = Uuid, Path)),
    request_body = CreateOutcome,
    security(("bearer" = []), ("api_key" = ["alerts:write"])),
    responses(
        (status = 201, body = Outcome),
        (status = 401, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "only the receiving bank records outcomes", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/fraud-alerts/{id}/outcomes")]
pub async fn create_fraud_alert_outcome(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<CreateOutcome>,
) -> ApiResult<HttpResponse> {
    audit::require(&state, &principal, Permission::PostAlerts, "alert.outcome").await?;
    let id = id.into_inner();
    let mut conn = state.pool.get().await?;
    let Some(alert) = store::get_visible(&mut conn, &viewer(&principal), id).await? else {
        return Err(audit::not_visible(&state, &principal, "alert.outcome", "fraud_alert", id).await);
    };
    if alert.receiver_org_id != Some(principal.org_id) {
        audit::record_denied(&state, Entry::of(&principal, "alert.outcome").object("fraud_alert", id)).await;
        return Err(ApiError::Forbidden("only the receiving bank records outcomes".into()));
    }
    let mut check = Check::new();
    let kind = check.take("outcome", body.kind());
    let reason = body.reason.as_deref().and_then(|r| check.text("reason", r, 1, 2000));
    let same_currency = |check: &mut Check, field: &str, m: &Money| -> Option<i64> {
        let m = check_money(check, field, m)?;
        if m.amount_minor == 0 {
            check.add(format!("{field}.amount_minor"), "must be more than zero");
            return None;
        }
        if m.currency != alert.currency {
            check.add(format!("{field}.currency"), format!("must be the alert's currency, {}", alert.currency));
            return None;
        }
        Some(m.amount_minor)
    };
    let mut amount = None;
    let mut transfers: Vec<(String, i64, DateTime<Utc>)> = Vec::new();
    match kind {
        Some(OutcomeKind::FundsFrozen | OutcomeKind::FundsReturned) => match &body.amount {
            Some(m) => amount = same_currency(&mut check, "amount", m),
            None => check.add("amount", "required for this outcome"),
        },
        Some(OutcomeKind::AlreadyMoved) => {
            if body.onward_transfers.is_empty() {
                check.add("onward_transfers", "give at least one onward transfer");
            }
            for (i, t) in body.onward_transfers.iter().enumerate() {
                let field = format!("onward_transfers[{i}]");
                let account =
                    check_account(&mut check, &format!("{field}.beneficiary_account"), &t.beneficiary_account, true);
                let minor = same_currency(&mut check, &format!("{field}.amount"), &t.amount);
                match (account.and_then(|a| a.iban), minor) {
                    (Some(iban), Some(minor)) => transfers.push((iban, minor, t.executed_at.with_timezone(&Utc))),
                    (None, Some(_)) => {
                        check.add(format!("{field}.beneficiary_account.iban"), "onward transfers are traced by IBAN")
                    }
                    _ => {}
                }
            }
        }
        Some(OutcomeKind::NoAction) if reason.is_none() => check.add("reason", "required for no_action"),
        _ => {}
    }
    check.finish()?;
    let kind = kind.ok_or_else(|| ApiError::Internal("validated outcome missing".into()))?;
    let outcome = conn
        .transaction(async |c| {
            let alert = store::lock(c, id).await?.ok_or(ApiError::NotFound)?;
            // What this hop already accounted for: frozen, returned, moved on.
            let earlier = store::outcomes_of(c, &[id]).await?;
            let children = store::children_of(c, &[id]).await?;
            let allocated: i64 = earlier.iter().filter(|o| o.outcome != "already_moved").filter_map(|o| o.amount_minor).sum::<i64>()
                + children.iter().map(|ch| ch.amount_minor).sum::<i64>();
            let adding = amount.unwrap_or(0) + transfers.iter().map(|t| t.1).sum::<i64>();
            if allocated + adding > alert.amount_minor {
                let field = if transfers.is_empty() { "amount" } else { "onward_transfers" };
                return Err(ApiError::field(
                    field,
                    format!(
                        "frozen, returned and moved on would reach {} but {} was received at this hop ({} already accounted for)",
                        allocated + adding,
                        alert.amount_minor,
                        allocated
                    ),
                ));
            }
            let now = Utc::now();
            let row = OutcomeRow {
                id: Uuid::now_v7(),
                alert_id: id,
                outcome: kind.as_str().into(),
                amount_minor: amount.or((!transfers.is_empty()).then_some(adding)),
                reason: reason.clone(),
                created_by: principal.user_id().or(principal.api_key_id()),
                created_at: now,
            };
            store::insert_outcome(c, &row).await?;
            store::mark_acted(c, id).await?;
            let mut onward = Vec::new();
            for (iban, minor, executed_at) in &transfers {
                let receiver = store::route(c, Some(iban), None).await?;
                let next = store::insert(
                    c,
                    &AlertRow {
                        id: Uuid::now_v7(),
                        trace_id: alert.trace_id,
                        parent_alert_id: Some(alert.id),
                        hop: alert.hop + 1,
                        sender_org_id: principal.org_id,
                        receiver_org_id: receiver,
                        status: if receiver.is_some() { "routed" } else { "unrouted" }.into(),
                        victim_iban: alert.beneficiary_iban.clone(),
                        beneficiary_iban: Some(iban.clone()),
                        beneficiary_account: None,
                        beneficiary_bic: None,
                        beneficiary_name: None,
                        amount_minor: *minor,
                        currency: alert.currency.clone(),
                        executed_at: *executed_at,
                        payment_reference: None,
                        category: alert.category.clone(),
                        bank_case_reference: None,
                        report_id: alert.report_id,
                        description: None,
                        first_outcome_at: None,
                        created_at: now,
                    },
                )
                .await?;
                if let Some(to) = receiver {
                    events::emit(c, EventType::AlertReceived, to, &received_event(&next)).await?;
                }
                onward.push(next.id);
            }
            // The sender of this hop and of every earlier one hear of it.
            let trail = store::trace(c, alert.trace_id).await?;
            let mut tell: Vec<Uuid> = Vec::new();
            let mut at = Some(&alert);
            while let Some(hop) = at {
                if hop.sender_org_id != principal.org_id && !tell.contains(&hop.sender_org_id) {
                    tell.push(hop.sender_org_id);
                }
                at = hop.parent_alert_id.and_then(|p| trail.iter().find(|t| t.id == p));
            }
            let payload = serde_json::json!({
                "alert_id": id, "trace_id": alert.trace_id, "hop": alert.hop, "outcome": kind,
                "amount": row.amount_minor.map(|m| Money { amount_minor: m, currency: alert.currency.clone() }),
                "onward_alert_ids": onward, "by": principal.org_id,
            });
            for org in tell {
                events::emit(c, EventType::AlertOutcome, org, &payload).await?;
            }
            Entry::of(&principal, "alert.outcome")
                .object("fraud_alert", id)
                .details(serde_json::json!({"outcome": kind, "amount_minor": row.amount_minor, "onward": onward}))
                .write(c)
                .await?;
            Ok(Outcome {
                id: row.id,
                outcome: kind,
                amount: row.amount_minor.map(|m| Money { amount_minor: m, currency: alert.currency.clone() }),
                reason: row.reason,
                onward_alert_ids: onward,
                created_at: row.created_at,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(outcome))
}
