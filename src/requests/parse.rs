//! Parsing what callers send about data requests: a new request (identifiers, periods,
//! categories), a transition, a list query, a capability catalogue. Each wrong field is named.

use chrono::{DateTime, Duration, Utc};

use super::model::*;
use super::store;
use crate::domain::indicator::normalize;
use crate::domain::{Check, IndicatorType, Invalid};

/// Validates the identifiers; an IP address must come with the time it was seen, with offset.
fn parse_identifiers(check: &mut Check, items: &[Identifier]) -> (Vec<serde_json::Value>, Vec<(IndicatorType, bool)>) {
    if items.is_empty() {
        check.add("identifiers", "give at least one identifier");
    }
    let mut out = Vec::new();
    let mut identified = Vec::new();
    for (i, id) in items.iter().enumerate() {
        let field = |f: &str| format!("identifiers[{i}].{f}");
        let Some(t) = check.take(&field("type"), id.type_.parse::<IndicatorType>()) else { continue };
        let Some(value) = check.take(&field("value"), normalize(t, &id.value)) else { continue };
        let observed_at = match (&id.observed_at, t) {
            (Some(ts), _) => check.take(
                &field("observed_at"),
                DateTime::parse_from_rfc3339(ts).map_err(|_| {
                    "must be an RFC 3339 time with its UTC offset, e.g. 2026-11-20T10:15:00+01:00".to_string()
                }),
            ),
            (None, IndicatorType::Ipv4 | IndicatorType::Ipv6) => {
                check.add(
                    field("observed_at"),
                    "an IP address identifies a subscriber only with the time it was used: give observed_at with its UTC offset",
                );
                None
            }
            (None, _) => None,
        };
        // A URL whose host is an IP address names that address: asked of a provider, it is
        // identification data like the address itself.
        let by_address = match (t, url::Url::parse(&value).ok().and_then(|u| u.host().map(|h| h.to_owned()))) {
            (IndicatorType::Url, Some(url::Host::Ipv4(_))) => (IndicatorType::Ipv4, true),
            (IndicatorType::Url, Some(url::Host::Ipv6(_))) => (IndicatorType::Ipv6, true),
            _ => (t, observed_at.is_some()),
        };
        identified.push(by_address);
        out.push(serde_json::json!({"type": t, "value": value, "port": id.port, "observed_at": observed_at}));
    }
    (out, identified)
}

/// The identifiers of a draft as the policy table reads them (type, and whether it was given
/// with the time it was used); those that do not parse are left out.
pub fn identified(items: &[Identifier]) -> Vec<(IndicatorType, bool)> {
    parse_identifiers(&mut Check::new(), items).1
}

impl CreateRequest {
    /// Every field checked into `check`; `None` when a required one failed.
    pub fn parse(&self, check: &mut Check) -> Option<RequestInput> {
        let kind = check.take("type", self.type_.parse::<RequestType>());
        let case_reference = check.text("case_reference", &self.case_reference, 1, 200);
        let legal_provision = check.text("legal_basis.provision", &self.legal_basis.provision, 1, 500);
        let legal_text = check.optional_text("legal_basis.text", self.legal_basis.text.as_deref(), 10_000);
        let urgency = check.take("urgency", self.urgency.parse::<Urgency>());
        let mut categories: Vec<DataCategory> = Vec::new();
        for (i, c) in self.data_categories.iter().enumerate() {
            if let Some(c) = check.take(&format!("data_categories[{i}]"), c.parse::<DataCategory>()) {
                if !categories.contains(&c) {
                    categories.push(c);
                }
            }
        }
        if self.data_categories.is_empty() {
            check.add("data_categories", "give at least one data category");
        }
        let allowed = kind.and_then(super::policy::allowed_categories);
        for (i, c) in self.data_categories.iter().enumerate() {
            let outside = c.parse::<DataCategory>().ok().filter(|c| allowed.is_some_and(|a| !a.contains(c)));
            if let (Some(c), Some(kind), Some(allowed)) = (outside, kind, allowed) {
                let asks: Vec<&str> = allowed.iter().map(|a| a.as_str()).collect();
                check.add(
                    format!("data_categories[{i}]"),
                    format!("a `{kind}` request does not ask for `{c}` data; it asks for {}", asks.join(", ")),
                );
            }
        }
        let justification = self.justification.as_deref().map(str::trim).filter(|j| !j.is_empty()).map(str::to_string);
        if urgency == Some(Urgency::Emergency) && justification.as_ref().is_none_or(|j| j.chars().count() < 50) {
            check.add(
                "justification",
                "an emergency request needs a justification of at least 50 characters (the threat to life or safety)",
            );
        }
        let (identifiers, identified) = parse_identifiers(check, &self.identifiers);
        if self.period.as_ref().is_some_and(|p| p.from >= p.to) {
            check.add("period.to", "must be after period.from");
        }
        Some(RequestInput {
            kind: kind?,
            case_reference: case_reference?,
            legal_provision: legal_provision?,
            legal_text,
            categories,
            urgency: urgency?,
            justification,
            identifiers: serde_json::Value::Array(identifiers),
            identified,
            period: self.period.as_ref().map(|p| (p.from.with_timezone(&Utc), p.to.with_timezone(&Utc))),
            requested_deadline: self.deadline.map(|d| d.with_timezone(&Utc)),
        })
    }
}

impl Transition {
    /// A rejection needs a reason code and, like a partial fulfilment, a note.
    pub fn parse(&self) -> Result<TransitionInput, Invalid> {
        let mut check = Check::new();
        let to = check.take("to", self.to.parse::<RequestStatus>());
        let reason = check.optional("reason_code", self.reason_code.as_deref(), str::parse);
        let note = check.optional_text("note", self.note.as_deref(), 5000);
        if to == Some(RequestStatus::Rejected) && reason.is_none() {
            check.add("reason_code", "a rejection needs a reason code");
        }
        if matches!(to, Some(RequestStatus::Rejected | RequestStatus::PartiallyFulfilled)) && note.is_none() {
            check.add("note", "say why in a note");
        }
        check.done(|| Some(TransitionInput { to: to?, reason, note }))
    }
}

impl RequestQuery {
    pub fn parse(&self) -> Result<store::ListFilter, crate::domain::Invalid> {
        let mut check = Check::new();
        let filter = store::ListFilter {
            r#box: check.optional("box", self.r#box.as_deref(), str::parse),
            status: check.optional("status", self.status.as_deref(), str::parse),
            type_: check.optional("type", self.r#type.as_deref(), str::parse),
            urgency: check.optional("urgency", self.urgency.as_deref(), str::parse),
            overdue: self.overdue.unwrap_or(false),
            expiring_before: check
                .optional("expiring_within", self.expiring_within.as_deref(), |w| {
                    w.trim_end_matches('d')
                        .parse::<i64>()
                        .ok()
                        .filter(|d| (0..=3650).contains(d))
                        .ok_or_else(|| "days from 0 to 3650, e.g. 7d".to_string())
                })
                .map(|d| Utc::now() + Duration::days(d)),
            case_reference: self.case_reference.clone(),
            addressee_id: self.addressee_id.map(Into::into),
            issuer_id: self.issuer_id.map(Into::into),
        };
        check.finish()?;
        Ok(filter)
    }
}

impl Capabilities {
    /// Names each wrong entry; request types are written in their canonical form.
    pub fn check(&mut self, check: &mut Check) {
        for (i, t) in self.request_types.iter_mut().enumerate() {
            if let Some(kind) = check.take(&format!("request_types[{i}].type"), t.type_.parse::<RequestType>()) {
                t.type_ = kind.as_str().into();
            }
            for (j, c) in t.data_held.iter().enumerate() {
                check.take(&format!("request_types[{i}].data_held[{j}]"), c.parse::<DataCategory>());
            }
        }
        if let Some(contact) = self.emergency_contact.parse(check, "emergency_contact") {
            self.emergency_contact = contact.into();
        }
    }
}
