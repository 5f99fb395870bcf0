//! STIX 2.1: reports as `report` objects with their reporter's `identity`, each value as an
//! `indicator` (a STIX pattern) and its observable (SCO), marked with the OASIS TLP 2.0
//! marking definitions. Observables have the deterministic ids of STIX 2.1 section 2.9
//! (UUIDv5 in the specification's namespace over the canonical JSON of the type's
//! ID-contributing properties), so the same IBAN is the same object here, in OpenCTI and in
//! MISP. Bank accounts, wallets and phone numbers are SCOs of their own, named as OpenCTI names
//! them and declared by the platform's extension definitions (`new-sco`).

pub mod ingest;
pub mod routes;
pub mod service;
pub mod tlp;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::domain::{IndicatorType, OrgId, Tlp};
use crate::reports::model::{Indicator, Report};

/// The namespace of deterministic SCO ids (STIX 2.1, 2.9).
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);

/// The namespace of this platform's own deterministic ids (identities, indicators).
const PLATFORM_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c1d6e_3a52_5b8e_9c0d_2f6b7a1e4c11);

/// The media type of a STIX 2.1 bundle.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// STIX timestamps: RFC 3339 in UTC with milliseconds.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The new SCO types of the platform, each declared by an extension definition.
pub const NEW_SCOS: &[(&str, &str, Uuid)] = &[
    (
        "bank-account",
        "A bank account: IBAN, BIC and/or a national account number",
        Uuid::from_u128(0x8d3a7e5c_1b2f_4c6d_9e0a_7b1c2d3e4f50),
    ),
    (
        "cryptocurrency-wallet",
        "A cryptocurrency wallet address",
        Uuid::from_u128(0x8d3a7e5c_1b2f_4c6d_9e0a_7b1c2d3e4f51),
    ),
    ("phone-number", "A telephone number in E.164 form", Uuid::from_u128(0x8d3a7e5c_1b2f_4c6d_9e0a_7b1c2d3e4f52)),
];

/// The extension definition id declaring `sco_type`.
pub fn extension_id(sco_type: &str) -> Option<String> {
    NEW_SCOS.iter().find(|(t, ..)| *t == sco_type).map(|(_, _, id)| format!("extension-definition--{id}"))
}

/// The platform's identity (creator of the extension definitions).
pub fn platform_identity_id() -> String {
    format!("identity--{}", Uuid::new_v5(&PLATFORM_NAMESPACE, b"platform"))
}

/// The extension definitions of the new SCOs, with the JSON schema of each at `schema_base`.
pub fn extension_definitions(schema_base: &str) -> Vec<Value> {
    NEW_SCOS
        .iter()
        .map(|(t, description, id)| {
            json!({
                "type": "extension-definition",
                "spec_version": "2.1",
                "id": format!("extension-definition--{id}"),
                "created_by_ref": platform_identity_id(),
                "created": "2026-11-29T00:00:00.000Z",
                "modified": "2026-11-29T00:00:00.000Z",
                "name": format!("{t} (cyberbridge)"),
                "description": description,
                "schema": format!("{schema_base}/{t}.json"),
                "version": "1.0.0",
                "extension_types": ["new-sco"],
            })
        })
        .collect()
}

/// The JSON schema of a new SCO type.
pub fn sco_schema(sco_type: &str) -> Option<Value> {
    let (props, required): (Value, Vec<&str>) = match sco_type {
        "bank-account" => (
            json!({"iban": {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"},
                   "bic": {"type": "string", "pattern": "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"},
                   "account_number": {"type": "string"}}),
            vec![],
        ),
        "cryptocurrency-wallet" | "phone-number" => (json!({"value": {"type": "string"}}), vec!["value"]),
        _ => return None,
    };
    let mut properties = json!({
        "type": {"type": "string", "enum": [sco_type]},
        "spec_version": {"type": "string", "enum": ["2.1"]},
        "id": {"type": "string", "pattern": format!("^{sco_type}--")},
        "extensions": {"type": "object"},
    });
    for (k, v) in props.as_object().into_iter().flatten() {
        properties[k] = v.clone();
    }
    let mut required_all = vec!["type", "id", "extensions"];
    required_all.extend(required);
    Some(json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": sco_type,
        "type": "object",
        "properties": properties,
        "required": required_all,
        "minProperties": 4,
    }))
}

/// A deterministic SCO id: UUIDv5 in the STIX namespace over the canonical JSON (RFC 8785) of
/// the ID-contributing properties.
pub fn sco_id(sco_type: &str, contributing: &Value) -> String {
    let text = crate::kernel::jcs::canonical(contributing);
    format!("{sco_type}--{}", Uuid::new_v5(&SCO_NAMESPACE, text.as_bytes()))
}

/// A value as a STIX observable and the pattern that matches it.
pub fn observable(t: IndicatorType, value: &str) -> (Value, String) {
    let quote = |s: &str| s.replace('\\', "\\\\").replace('\'', "\\'");
    let simple = |sco: &str, prop: &str, v: &str| {
        let contributing = json!({ prop: v });
        let mut o = json!({"type": sco, "spec_version": "2.1", "id": sco_id(sco, &contributing), prop: v});
        if let Some(ext) = extension_id(sco) {
            o["extensions"] = json!({ ext: {"extension_type": "new-sco"} });
        }
        (o, format!("[{sco}:{prop} = '{}']", quote(v)))
    };
    match t {
        IndicatorType::Ipv4 => simple("ipv4-addr", "value", value),
        IndicatorType::Ipv6 => simple("ipv6-addr", "value", value),
        IndicatorType::Domain => simple("domain-name", "value", value),
        IndicatorType::Url => simple("url", "value", value),
        IndicatorType::Email => simple("email-addr", "value", value),
        IndicatorType::Phone => simple("phone-number", "value", value),
        IndicatorType::Iban => simple("bank-account", "iban", value),
        IndicatorType::Bic => simple("bank-account", "bic", value),
        IndicatorType::BankAccount => simple("bank-account", "account_number", value),
        IndicatorType::CryptoWallet => {
            // `btc:addr`: the address is the wallet.
            let address = value.split_once(':').map_or(value, |(_, a)| a);
            simple("cryptocurrency-wallet", "value", address)
        }
        IndicatorType::Sha256 => {
            let hashes = json!({"SHA-256": value});
            let o = json!({"type": "file", "spec_version": "2.1", "id": sco_id("file", &json!({"hashes": hashes})), "hashes": hashes});
            (o, format!("[file:hashes.'SHA-256' = '{}']", quote(value)))
        }
        IndicatorType::Username => {
            // `platform:handle`.
            let (platform, login) = value.split_once(':').unwrap_or(("", value));
            let mut contributing = Map::new();
            if !platform.is_empty() {
                contributing.insert("account_type".into(), json!(platform));
            }
            contributing.insert("account_login".into(), json!(login));
            let contributing = Value::Object(contributing);
            let mut o =
                json!({"type": "user-account", "spec_version": "2.1", "id": sco_id("user-account", &contributing)});
            for (k, v) in contributing.as_object().into_iter().flatten() {
                o[k] = v.clone();
            }
            (o, format!("[user-account:account_login = '{}']", quote(login)))
        }
    }
}

/// The STIX id of a report (our ids are UUIDv7, which STIX's id format does not admit): a UUIDv5
/// of it, the same at every export; the report's own id is in `external_references`.
pub fn report_stix_id(report: uuid::Uuid) -> String {
    format!("report--{}", Uuid::new_v5(&PLATFORM_NAMESPACE, format!("report:{report}").as_bytes()))
}

/// The identity a report is attributed to: its reporter, or for an anonymous report seen by
/// another organisation an anonymised identity of the reporter's kind, one per report.
pub fn identity(report: &Report) -> Value {
    let (id, name) = match report.reporter.organization_id {
        Some(org) => (Uuid::new_v5(&PLATFORM_NAMESPACE, format!("org:{org}").as_bytes()), report.reporter.name.clone()),
        None => (
            Uuid::new_v5(&PLATFORM_NAMESPACE, format!("anonymous:{}", report.id.0).as_bytes()),
            report.reporter.name.clone(),
        ),
    };
    json!({
        "type": "identity", "spec_version": "2.1", "id": format!("identity--{id}"),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
        "name": name, "identity_class": "organization",
        "sectors": [match report.reporter.kind {
            crate::domain::OrgKind::Bank => "financial-services",
            crate::domain::OrgKind::Isp => "telecommunications",
            _ => "government",
        }],
    })
}

/// The identity id of an organisation (for `created_by_ref` and sightings).
pub fn org_identity_id(org: OrgId) -> String {
    format!("identity--{}", Uuid::new_v5(&PLATFORM_NAMESPACE, format!("org:{org}").as_bytes()))
}

/// The indicator object of a report's value.
fn indicator(report: &Report, i: &Indicator, pattern: &str, created_by: &str, marking: &str) -> Value {
    let id = Uuid::new_v5(&PLATFORM_NAMESPACE, format!("indicator:{}:{}:{}", report.id.0, i.type_, i.value).as_bytes());
    let valid_from = report.first_seen.unwrap_or(report.created_at);
    let mut o = json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{id}"),
        "created_by_ref": created_by,
        "created": ts(report.created_at), "modified": ts(report.updated_at),
        "name": format!("{} {}", i.type_, i.value),
        "description": format!("Named by report {} ({})", report.reference, i.role.as_deref().unwrap_or("no role given")),
        "indicator_types": ["malicious-activity"],
        "pattern": pattern, "pattern_type": "stix", "pattern_version": "2.1",
        "valid_from": ts(valid_from),
        "confidence": i.confidence,
        "object_marking_refs": [marking],
    });
    if i.valid_until > valid_from {
        o["valid_until"] = json!(ts(i.valid_until));
    }
    if let Some(role) = &i.role {
        o["labels"] = json!([role]);
    }
    o
}

/// The objects of one report as the viewer sees it: identity, observables, indicators and
/// the report, each marked with the report's TLP (withdrawn values are left out).
pub fn report_objects(report: &Report) -> Vec<Value> {
    let marking = tlp::marking_id(report.tlp);
    let who = identity(report);
    let created_by = who["id"].as_str().unwrap_or_default().to_string();
    let mut objects = vec![who];
    let mut refs = Vec::new();
    for i in report.indicators.iter().filter(|i| i.withdrawn.is_none()) {
        let (mut sco, pattern) = observable(i.type_, &i.value);
        sco["object_marking_refs"] = json!([marking]);
        let ind = indicator(report, i, &pattern, &created_by, marking);
        refs.push(ind["id"].clone());
        refs.push(sco["id"].clone());
        objects.push(sco);
        objects.push(ind);
    }
    if refs.is_empty() {
        refs.push(json!(created_by));
    }
    objects.push(json!({
        "type": "report", "spec_version": "2.1", "id": report_stix_id(report.id.0),
        "created_by_ref": created_by,
        "created": ts(report.created_at), "modified": ts(report.updated_at),
        "name": report.title, "description": report.description,
        "report_types": ["threat-report"],
        "published": ts(report.created_at),
        "object_refs": refs,
        "labels": [report.category.as_str()],
        "external_references": [{"source_name": "cyberbridge", "external_id": report.reference, "description": format!("report {}", report.id.0)}],
        "object_marking_refs": [marking],
    }));
    objects
}

/// Aggregated sightings of the report's indicators, as STIX `sighting` objects: one for the
/// times it was seen, one for false positives (`x_opencti_negative`, as OpenCTI marks them). No
/// organisation is named: the platform's identity sighted on behalf of all.
pub fn sightings(
    objects: &[Value],
    summaries: &std::collections::HashMap<(IndicatorType, String), crate::indicators::model::SightingSummary>,
    report: &Report,
) -> Vec<Value> {
    let mut out = Vec::new();
    let marking = tlp::marking_id(report.tlp);
    for i in report.indicators.iter().filter(|i| i.withdrawn.is_none()) {
        let Some(s) = summaries.get(&(i.type_, i.value.clone())) else { continue };
        let id =
            Uuid::new_v5(&PLATFORM_NAMESPACE, format!("indicator:{}:{}:{}", report.id.0, i.type_, i.value).as_bytes());
        let indicator = format!("indicator--{id}");
        if !objects.iter().any(|o| o["id"] == indicator.as_str()) {
            continue;
        }
        let now = ts(Utc::now());
        for (negative, count) in [(false, s.seen), (true, s.false_positive)] {
            if count == 0 {
                continue;
            }
            let sid = Uuid::new_v5(&PLATFORM_NAMESPACE, format!("sighting:{indicator}:{negative}").as_bytes());
            let mut o = json!({
                "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{sid}"),
                "created": now, "modified": now, "created_by_ref": platform_identity_id(),
                "sighting_of_ref": indicator, "count": count.min(999_999_999),
                "object_marking_refs": [marking],
            });
            if negative {
                o["x_opencti_negative"] = json!(true);
            } else if let (Some(f), Some(l)) = (s.first_seen, s.last_seen) {
                o["first_seen"] = json!(ts(f));
                o["last_seen"] = json!(ts(l));
            }
            out.push(o);
        }
    }
    if !out.is_empty() {
        out.insert(
            0,
            json!({"type": "identity", "spec_version": "2.1", "id": platform_identity_id(),
                   "created": "2026-11-29T00:00:00.000Z", "modified": "2026-11-29T00:00:00.000Z",
                   "name": "cyberbridge", "identity_class": "system"}),
        );
    }
    out
}

/// A bundle of objects (with the marking definitions they use).
pub fn bundle(objects: Vec<Value>, tlps: &[Tlp]) -> Value {
    let mut all: Vec<Value> = tlps.iter().map(|t| tlp::marking_definition(*t)).collect();
    all.extend(objects);
    json!({"type": "bundle", "id": format!("bundle--{}", Uuid::new_v4()), "objects": all})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_ids_follow_the_specification() {
        // Ids the OASIS stix2 library (3.0) gives the same observables.
        assert_eq!(
            observable(IndicatorType::Ipv4, "198.51.100.3").0["id"],
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
        assert_eq!(
            observable(IndicatorType::Sha256, &"a".repeat(64)).0["id"],
            "file--75cb38d5-2055-5354-b75a-8299a2d670b5"
        );
        assert_eq!(
            observable(IndicatorType::Username, "telegram:fast_demo").0["id"],
            "user-account--edc0b78d-d6aa-508f-ad53-2996fafb5209"
        );
        // The same value is the same object whatever report names it.
        assert_eq!(
            observable(IndicatorType::Iban, "XK051212012345678906").0["id"],
            observable(IndicatorType::Iban, "XK051212012345678906").0["id"]
        );
        let (file, pattern) = observable(IndicatorType::Sha256, &"a".repeat(64));
        assert_eq!(pattern, format!("[file:hashes.'SHA-256' = '{}']", "a".repeat(64)));
        assert_eq!(file["hashes"]["SHA-256"], "a".repeat(64));
        let (acc, pattern) = observable(IndicatorType::Iban, "XK051212012345678906");
        assert_eq!(pattern, "[bank-account:iban = 'XK051212012345678906']");
        assert_eq!(acc["extensions"][extension_id("bank-account").unwrap()]["extension_type"], "new-sco");
        let (_, pattern) = observable(IndicatorType::Url, "https://x.example/a'b");
        assert_eq!(pattern, "[url:value = 'https://x.example/a\\'b']");
    }
}
