//! STIX 2.1 objects added over TAXII, turned into reports and indicators of the caller's
//! organisation. What cannot be taken is a per-object failure, not an error of the request.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::tlp;
use crate::domain::indicator::normalize;
use crate::domain::{Category, Check, IndicatorType, Tlp};

/// One value of an incoming report.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingValue {
    pub kind: IndicatorType,
    pub value: String,
    pub confidence: Option<i64>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// A report to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub tlp: Tlp,
    pub first_seen: Option<DateTime<Utc>>,
    pub values: Vec<IncomingValue>,
}

/// The outcome of one object (TAXII 2.1 status-details).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Detail {
    pub id: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A sighting of a value of the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingSighting {
    /// The STIX id (for its status detail).
    pub id: String,
    pub kind_of_value: IndicatorType,
    pub value: String,
    /// `x_opencti_negative`: a false positive.
    pub negative: bool,
    pub count: i32,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub reports: Vec<Incoming>,
    pub sightings: Vec<IncomingSighting>,
    pub successes: Vec<Detail>,
    pub failures: Vec<Detail>,
}

/// The (type, value) a single-comparison STIX pattern names: `[ipv4-addr:value = '1.2.3.4']`.
pub fn pattern_value(pattern: &str) -> Result<(IndicatorType, String), String> {
    let inner =
        pattern.trim().strip_prefix('[').and_then(|p| p.strip_suffix(']')).ok_or("not a single [ ] comparison")?;
    let (left, right) = inner.split_once(" = ").ok_or("only `=` comparisons are taken")?;
    let right = right.trim();
    let quoted =
        right.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')).ok_or("the value must be a quoted string")?;
    if quoted.contains(" AND ") || quoted.contains(" OR ") || left.contains(' ') {
        return Err("compound patterns are not taken".into());
    }
    let value = quoted.replace("\\'", "'").replace("\\\\", "\\");
    let kind = match left.trim() {
        "ipv4-addr:value" => IndicatorType::Ipv4,
        "ipv6-addr:value" => IndicatorType::Ipv6,
        "domain-name:value" => IndicatorType::Domain,
        "url:value" => IndicatorType::Url,
        "email-addr:value" => IndicatorType::Email,
        "phone-number:value" => IndicatorType::Phone,
        "bank-account:iban" => IndicatorType::Iban,
        "bank-account:bic" => IndicatorType::Bic,
        "bank-account:account_number" => IndicatorType::BankAccount,
        "cryptocurrency-wallet:value" => IndicatorType::CryptoWallet,
        "file:hashes.'SHA-256'" | "file:hashes.SHA256" | "file:hashes.'SHA256'" => IndicatorType::Sha256,
        other => return Err(format!("`{other}` is not a property the platform keeps")),
    };
    Ok((kind, normalize(kind, &value)?))
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc))
}

/// The TLP level a name such as `TLP:AMBER+STRICT` (or `TLP:WHITE`) stands for; a `TLP:` name
/// that is none of them counts as the most restrictive.
fn level_named(name: &str) -> Option<Tlp> {
    let rest = name.trim().strip_prefix("TLP:").or_else(|| name.trim().strip_prefix("tlp:"))?;
    let level = rest.trim().to_lowercase().replace('+', "_");
    Some(match level.as_str() {
        "white" => Tlp::Clear,
        other => other.parse::<Tlp>().unwrap_or(Tlp::Red),
    })
}

/// The marking definitions an envelope brings with it: id -> the TLP level it declares (TLP 2.0's
/// extension, TLP 1.0's `definition.tlp`, or a `TLP:` name as OpenCTI writes its own), `None`
/// for other markings (statements).
fn envelope_markings(objects: &[Value]) -> HashMap<String, Option<Tlp>> {
    objects
        .iter()
        .filter(|o| o["type"] == "marking-definition")
        .filter_map(|o| {
            let id = o["id"].as_str()?.to_string();
            let tlp2 = o["extensions"][tlp::TLP2_EXTENSION]["tlp_2_0"].as_str().map(|l| l.replace('+', "_"));
            let tlp1 = (o["definition_type"] == "tlp").then(|| o["definition"]["tlp"].as_str()).flatten();
            let declared = tlp2.or(tlp1.map(|l| if l == "white" { "clear".into() } else { l.to_string() }));
            // A declared level that is none of TLP's counts as the most restrictive.
            let level = match declared {
                Some(l) => Some(l.parse::<Tlp>().unwrap_or(Tlp::Red)),
                None => tlp::level_of(&id)
                    .or_else(|| o["x_opencti_definition"].as_str().and_then(level_named))
                    .or_else(|| o["name"].as_str().and_then(level_named)),
            };
            Some((id, level))
        })
        .collect()
}

/// The most restrictive TLP of an object's markings (object and granular); AMBER when none is a
/// TLP marking; `Err` names a marking definition neither published nor in the envelope (never
/// read as a default).
fn markings(o: &Value, known: &HashMap<String, Option<Tlp>>) -> Result<Tlp, String> {
    let granular = o["granular_markings"].as_array().into_iter().flatten().filter_map(|g| g["marking_ref"].as_str());
    let refs = o["object_marking_refs"].as_array().into_iter().flatten().filter_map(Value::as_str).chain(granular);
    let mut levels = Vec::new();
    for r in refs {
        match tlp::level_of(r) {
            Some(level) => levels.push(level),
            None => match known.get(r) {
                Some(level) => levels.extend(*level),
                None => return Err(format!("unknown marking definition `{r}`: send it in the envelope or use TLP's")),
            },
        }
    }
    Ok(levels.into_iter().max_by_key(|t| t.rank()).unwrap_or(Tlp::Amber))
}

/// An object taken as a success that is refused after all (an indicator whose report's marking
/// is unknown, a sighting the caller may not record).
pub fn move_to_failures(out: &mut Parsed, id: &str, message: String) {
    if let Some(at) = out.successes.iter().position(|d| d.id == id) {
        let mut d = out.successes.remove(at);
        d.message = Some(message);
        out.failures.push(d);
    }
}

/// Values one report may carry (as the REST API takes them).
const MAX_VALUES: usize = 1000;

/// Sighting markings shared as counts with everyone who sees the value: nothing stricter.
fn sighting_marking_ok(level: Tlp) -> bool {
    level.rank() <= Tlp::Amber.rank()
}

/// A `report` of the envelope, as taken or refused.
struct ReportObject<'a> {
    object: &'a Value,
    refs: Vec<&'a str>,
    /// Its marking, title and description, or why it is refused.
    taken: Result<(Tlp, String, String), String>,
}

/// Reports of the envelope: each `report` with the indicators it refers to, at the most
/// restrictive marking of any object carrying each of its values (itself, its indicators, and
/// every other report naming them); indicators no report refers to in reports per TLP level.
/// An indicator named by a refused report is refused too (it would otherwise be stored below
/// that report's marking), and so are sightings of what was not taken.
pub fn parse(objects: &[Value]) -> Parsed {
    let mut out = Parsed::default();
    let detail = |o: &Value, message: Option<String>| Detail {
        id: o["id"].as_str().unwrap_or("").to_string(),
        version: o["modified"].as_str().or(o["created"].as_str()).unwrap_or("").to_string(),
        message,
    };
    let known = envelope_markings(objects);
    // Indicators first, by id.
    let mut indicators: Vec<(String, Tlp, IncomingValue)> = Vec::new();
    for o in objects {
        let t = o["type"].as_str().unwrap_or("");
        if o["id"].as_str().is_none_or(|id| !id.starts_with(&format!("{t}--"))) {
            out.failures.push(detail(o, Some("an object needs a type and an id of that type".into())));
            continue;
        }
        match t {
            "indicator" => match (markings(o, &known), o["pattern"].as_str().map(pattern_value)) {
                (Err(e), _) => out.failures.push(detail(o, Some(e))),
                (Ok(level), Some(Ok((kind, value)))) if o["pattern_type"] == "stix" => {
                    let confidence = o["confidence"].as_i64().filter(|c| (0..=100).contains(c));
                    let v = IncomingValue { kind, value, confidence, valid_until: time(&o["valid_until"]) };
                    indicators.push((o["id"].as_str().unwrap_or("").to_string(), level, v));
                    out.successes.push(detail(o, None));
                }
                (Ok(_), Some(Ok(_))) => out.failures.push(detail(o, Some("only pattern_type stix is taken".into()))),
                (Ok(_), Some(Err(e))) => out.failures.push(detail(o, Some(format!("pattern: {e}")))),
                (Ok(_), None) => out.failures.push(detail(o, Some("an indicator needs a pattern".into()))),
            },
            "report" | "sighting" => {}
            // Taken as context: the submitter is the caller, markings set the TLP, observables
            // come with the indicators that name them.
            "identity"
            | "marking-definition"
            | "extension-definition"
            | "ipv4-addr"
            | "ipv6-addr"
            | "domain-name"
            | "url"
            | "email-addr"
            | "file"
            | "bank-account"
            | "cryptocurrency-wallet"
            | "phone-number"
            | "user-account"
            | "relationship" => out.successes.push(detail(o, Some("taken as context".into()))),
            other => out.failures.push(detail(o, Some(format!("object type `{other}` is not taken")))),
        }
    }
    // Reports: taken (marking known, text as REST takes it, at most 1,000 values) or refused.
    let reports: Vec<ReportObject> = objects
        .iter()
        .filter(|o| o["type"] == "report" && o["id"].as_str().is_some_and(|i| i.starts_with("report--")))
        .map(|o| {
            let refs: Vec<&str> = o["object_refs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            let named = indicators.iter().filter(|(id, ..)| refs.contains(&id.as_str())).count();
            let taken = markings(o, &known).and_then(|marking| {
                if named > MAX_VALUES {
                    return Err(format!("at most {MAX_VALUES} values per report"));
                }
                let title = Check::text_of(o["name"].as_str().unwrap_or("Report added over TAXII"), 1, 300)
                    .map_err(|e| format!("name {e}"))?;
                let description = Check::text_of(o["description"].as_str().unwrap_or("Added over TAXII"), 1, 20_000)
                    .map_err(|e| format!("description {e}"))?;
                Ok((marking, title, description))
            });
            ReportObject { object: o, refs, taken }
        })
        .collect();
    // Each indicator's level: the most restrictive of its own and of every report naming it;
    // refused when a refused report names it.
    let mut levels: Vec<Result<Tlp, String>> = indicators.iter().map(|(_, own, _)| Ok(*own)).collect();
    let mut named = vec![false; indicators.len()];
    for r in &reports {
        for (k, (id, ..)) in indicators.iter().enumerate() {
            if !r.refs.contains(&id.as_str()) {
                continue;
            }
            named[k] = true;
            levels[k] = match (&levels[k], &r.taken) {
                (Err(e), _) => Err(e.clone()),
                (Ok(_), Err(_)) => {
                    Err(format!("named by {}, which was refused", r.object["id"].as_str().unwrap_or("")))
                }
                (Ok(level), Ok((marking, ..))) => Ok(level.max_by_rank(*marking)),
            };
        }
    }
    for (k, (id, ..)) in indicators.iter().enumerate() {
        if let Err(message) = &levels[k] {
            move_to_failures(&mut out, id, message.clone());
        }
    }
    for r in &reports {
        let (marking, title, description) = match &r.taken {
            Ok(t) => t.clone(),
            Err(e) => {
                out.failures.push(detail(r.object, Some(e.clone())));
                continue;
            }
        };
        out.successes.push(detail(r.object, None));
        let mut level = marking;
        let mut values = Vec::new();
        for (k, (id, _, v)) in indicators.iter().enumerate() {
            if let (true, Ok(held)) = (r.refs.contains(&id.as_str()), &levels[k]) {
                values.push(v.clone());
                level = level.max_by_rank(*held);
            }
        }
        let category = r.object["labels"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find_map(|l| l.replace('-', "_").parse::<Category>().ok())
            .unwrap_or(Category::Other);
        out.reports.push(Incoming {
            title,
            description,
            category,
            tlp: level,
            first_seen: time(&r.object["published"]),
            values,
        });
    }
    for level in Tlp::ALL {
        let values: Vec<IncomingValue> = indicators
            .iter()
            .enumerate()
            .filter(|(k, (_, t, _))| !named[*k] && t == level)
            .map(|(_, (_, _, v))| v.clone())
            .collect();
        for chunk in values.chunks(MAX_VALUES) {
            out.reports.push(Incoming {
                title: "Indicators added over TAXII".into(),
                description: "Indicators added over TAXII without a report".into(),
                category: Category::Other,
                tlp: *level,
                first_seen: None,
                values: chunk.to_vec(),
            });
        }
    }
    // Sightings of the envelope's indicators that were taken, shared as counts: unmarked or at
    // most AMBER.
    for o in objects
        .iter()
        .filter(|o| o["type"] == "sighting" && o["id"].as_str().is_some_and(|i| i.starts_with("sighting--")))
    {
        let of = o["sighting_of_ref"].as_str().unwrap_or("");
        let taken = indicators.iter().enumerate().find(|(k, (id, ..))| id == of && levels[*k].is_ok());
        let Some((_, (_, _, v))) = taken else {
            out.failures.push(detail(o, Some("sighting_of_ref names no indicator taken from this envelope".into())));
            continue;
        };
        match markings(o, &known) {
            Err(e) => {
                out.failures.push(detail(o, Some(e)));
                continue;
            }
            Ok(level) if !sighting_marking_ok(level) => {
                let why = "a sighting is shared as a count with everyone who sees the value: send it unmarked, \
                           CLEAR, GREEN or AMBER";
                out.failures.push(detail(o, Some(why.into())));
                continue;
            }
            Ok(_) => {}
        }
        let count = o["count"].as_i64().unwrap_or(1);
        if !(1..=1_000_000).contains(&count) {
            out.failures.push(detail(o, Some("count from 1 to 1,000,000".into())));
            continue;
        }
        out.sightings.push(IncomingSighting {
            id: o["id"].as_str().unwrap_or("").to_string(),
            kind_of_value: v.kind,
            value: v.value.clone(),
            negative: o["x_opencti_negative"] == true,
            count: count as i32,
            first_seen: time(&o["first_seen"]),
            last_seen: time(&o["last_seen"]),
        });
        out.successes.push(detail(o, None));
    }
    out
}

impl Incoming {
    /// The report an incoming STIX report becomes.
    pub fn report_input(&self) -> crate::reports::model::ReportInput {
        let i = self;
        use crate::reports::model::{IndicatorLink, ReportInput, ReportStatus};
        let mut links: Vec<IndicatorLink> = Vec::new();
        for v in &i.values {
            if !links.iter().any(|l| l.kind == v.kind && l.value == v.value) {
                links.push(IndicatorLink {
                    kind: v.kind,
                    value: v.value.clone(),
                    role: None,
                    confidence: v.confidence.map_or(crate::domain::indicator::DEFAULT_CONFIDENCE, |c| c as i16),
                    valid_until: v.valid_until,
                });
            }
        }
        ReportInput {
            category: i.category,
            title: i.title.clone(),
            description: i.description.clone(),
            tlp: i.tlp,
            status: ReportStatus::Open,
            shared_with: Vec::new(),
            anonymous: false,
            first_seen: i.first_seen.filter(|t| *t <= chrono::Utc::now()),
            last_seen: None,
            country: None,
            loss: None,
            victim_count: None,
            indicators: links,
        }
    }
}

impl IncomingSighting {
    /// The sighting an incoming STIX sighting becomes, its times within now.
    pub fn new_sighting(&self, now: DateTime<Utc>) -> crate::indicators::store::NewSighting {
        let first = self.first_seen.unwrap_or(now).min(now);
        crate::indicators::store::NewSighting {
            kind_of_value: self.kind_of_value,
            value: self.value.clone(),
            kind: if self.negative {
                crate::indicators::model::SightingKind::FalsePositive
            } else {
                crate::indicators::model::SightingKind::Seen
            },
            source: crate::indicators::model::SightingSource::Other,
            count: self.count,
            first_seen: first,
            last_seen: self.last_seen.unwrap_or(first).clamp(first, now),
            note: Some("added over TAXII".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns_of_every_kept_type_and_refusals() {
        assert_eq!(
            pattern_value("[ipv4-addr:value = '198.51.100.7']").unwrap(),
            (IndicatorType::Ipv4, "198.51.100.7".into())
        );
        let hash = format!("[file:hashes.'SHA-256' = '{}']", "A".repeat(64));
        assert_eq!(pattern_value(&hash).unwrap(), (IndicatorType::Sha256, "a".repeat(64)));
        assert_eq!(
            pattern_value("[bank-account:iban = 'XK05 1212 0123 4567 8906']").unwrap().1,
            "XK051212012345678906"
        );
        assert!(pattern_value("[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value = '198.51.100.8']").is_err());
        assert!(pattern_value("[process:name = 'evil.exe']").unwrap_err().contains("process:name"));
        assert!(pattern_value("[ipv4-addr:value = '999.1.1.1']").is_err());
    }

    #[test]
    fn reports_take_their_indicators_and_the_rest_go_by_tlp() {
        let red = tlp::marking_id(Tlp::Red);
        let tlp1_green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
        let objects = vec![
            json!({"type": "indicator", "id": "indicator--1", "pattern_type": "stix", "pattern": "[domain-name:value = 'a.example']", "confidence": 70}),
            json!({"type": "indicator", "id": "indicator--2", "pattern_type": "stix", "pattern": "[domain-name:value = 'b.example']", "object_marking_refs": [tlp1_green]}),
            json!({"type": "report", "id": "report--1", "name": "Phish kit", "labels": ["phishing"], "object_refs": ["indicator--1"], "object_marking_refs": [red]}),
            json!({"type": "malware", "id": "malware--1", "name": "x"}),
            json!({"type": "indicator", "id": "indicator--3", "pattern_type": "stix", "pattern": "[x-thing:value = 'q']"}),
        ];
        let p = parse(&objects);
        assert_eq!(p.reports.len(), 2);
        assert_eq!(
            (p.reports[0].category, p.reports[0].tlp, p.reports[0].values.len()),
            (Category::Phishing, Tlp::Red, 1)
        );
        assert_eq!(p.reports[0].values[0].confidence, Some(70));
        assert_eq!(
            (p.reports[1].tlp, p.reports[1].values[0].value.as_str()),
            (Tlp::Green, "b.example"),
            "TLP 1.0 green is read"
        );
        let failed: Vec<&str> = p.failures.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(failed, ["malware--1", "indicator--3"]);
        assert_eq!(p.successes.len(), 3);
    }

    fn indicator(id: &str, value: &str, marking: Option<&str>) -> Value {
        let mut o = json!({"type": "indicator", "id": id, "pattern_type": "stix",
                           "pattern": format!("[domain-name:value = '{value}']")});
        if let Some(m) = marking {
            o["object_marking_refs"] = json!([m]);
        }
        o
    }

    #[test]
    fn a_value_keeps_the_most_restrictive_marking_of_every_object_that_carries_it() {
        // Every pair of levels: the report is held at the stricter of its own and its indicator's.
        for report_level in Tlp::ALL {
            for indicator_level in Tlp::ALL {
                let objects = vec![
                    indicator("indicator--1", "a.example", Some(tlp::marking_id(*indicator_level))),
                    json!({"type": "report", "id": "report--1", "name": "R", "object_refs": ["indicator--1"],
                           "object_marking_refs": [tlp::marking_id(*report_level)]}),
                ];
                let p = parse(&objects);
                assert_eq!(p.reports.len(), 1);
                let expected = report_level.max_by_rank(*indicator_level);
                assert_eq!(p.reports[0].tlp, expected, "report {report_level}, indicator {indicator_level}");
            }
        }
        // Unmarked objects are AMBER; a granular RED marking counts.
        let objects = vec![
            json!({"type": "indicator", "id": "indicator--2", "pattern_type": "stix", "pattern": "[domain-name:value = 'b.example']",
                   "granular_markings": [{"marking_ref": tlp::marking_id(Tlp::Red), "selectors": ["pattern"]}]}),
            json!({"type": "report", "id": "report--2", "name": "R", "object_refs": ["indicator--2"]}),
        ];
        assert_eq!(parse(&objects).reports[0].tlp, Tlp::Red);
    }

    #[test]
    fn an_unknown_marking_is_a_failure_never_a_default() {
        let unknown = "marking-definition--00000000-0000-4000-8000-000000000001";
        let statement = "marking-definition--00000000-0000-4000-8000-000000000002";
        let objects = vec![
            indicator("indicator--1", "a.example", Some(unknown)),
            indicator("indicator--2", "b.example", None),
            json!({"type": "report", "id": "report--1", "name": "R", "object_refs": ["indicator--2"],
                   "object_marking_refs": [unknown]}),
            json!({"type": "marking-definition", "id": statement, "definition_type": "statement",
                   "definition": {"statement": "Copyright Bank A"}}),
            indicator("indicator--3", "c.example", Some(statement)),
        ];
        let p = parse(&objects);
        let mut failed: Vec<&str> = p.failures.iter().map(|f| f.id.as_str()).collect();
        failed.sort();
        assert_eq!(failed, ["indicator--1", "indicator--2", "report--1"], "{:?}", p.failures);
        assert!(p.failures[0].message.as_deref().unwrap().contains("unknown marking"));
        // A statement brought in the envelope is known: the indicator is taken, at AMBER.
        assert_eq!(p.reports.len(), 1);
        assert_eq!((p.reports[0].tlp, p.reports[0].values[0].value.as_str()), (Tlp::Amber, "c.example"));
        // A marking definition of the envelope that declares TLP RED (1.0 style) counts as RED.
        let red1 = "marking-definition--00000000-0000-4000-8000-000000000003";
        let objects = vec![
            json!({"type": "marking-definition", "id": red1, "definition_type": "tlp", "definition": {"tlp": "red"}}),
            indicator("indicator--4", "d.example", Some(red1)),
        ];
        assert_eq!(parse(&objects).reports[0].tlp, Tlp::Red);
    }

    #[test]
    fn a_value_named_by_several_reports_is_held_at_the_strictest_and_refusals_carry_over() {
        let red = tlp::marking_id(Tlp::Red);
        let green = tlp::marking_id(Tlp::Green);
        let report = |id: &str, name: &str, marking: &str| json!({"type": "report", "id": id, "name": name, "object_refs": ["indicator--1"], "object_marking_refs": [marking]});
        // A GREEN report naming what a RED report names is held at RED too, in either order.
        for order in [[0, 1], [1, 0]] {
            let rs = [report("report--r", "Red", red), report("report--g", "Green", green)];
            let objects =
                vec![indicator("indicator--1", "a.example", None), rs[order[0]].clone(), rs[order[1]].clone()];
            let p = parse(&objects);
            assert!(p.reports.iter().all(|r| r.tlp == Tlp::Red), "{:?}", p.reports);
        }
        // A refused RED report (bad text) takes its value with it, whatever names it.
        let objects = vec![
            indicator("indicator--1", "a.example", None),
            report("report--r", "Invoice \u{202E}fdp.exe", red),
            report("report--g", "Green", green),
        ];
        let p = parse(&objects);
        assert!(p.reports.iter().all(|r| r.values.is_empty()), "{:?}", p.reports);
        assert!(p.failures.iter().any(|f| f.id == "indicator--1"));
        // OpenCTI's AMBER+STRICT statement, and a `TLP:` name of the envelope, are read as TLP.
        let opencti = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37";
        let named = "marking-definition--00000000-0000-4000-8000-0000000000ee";
        let objects = vec![
            json!({"type": "marking-definition", "id": named, "definition_type": "statement",
                   "name": "TLP:RED", "definition": {"statement": "x"}}),
            indicator("indicator--1", "a.example", Some(opencti)),
            indicator("indicator--2", "b.example", Some(named)),
        ];
        let levels: Vec<Tlp> = parse(&objects).reports.iter().map(|r| r.tlp).collect();
        assert_eq!(levels, [Tlp::AmberStrict, Tlp::Red]);
        // Sightings: of a refused indicator, unknown-marked or stricter than AMBER: refused.
        let objects = vec![
            indicator("indicator--1", "a.example", Some(red)),
            json!({"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--1", "object_marking_refs": [red]}),
            json!({"type": "sighting", "id": "sighting--2", "sighting_of_ref": "indicator--1"}),
        ];
        let p = parse(&objects);
        assert_eq!(p.sightings.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["sighting--2"]);
    }

    #[test]
    fn report_text_is_held_to_the_rules_of_the_rest_api() {
        for (name, description) in [
            ("Invoice \u{202E}fdp.exe", "x"),
            ("Bell \u{7}", "x"),
            ("ok", &*"y".repeat(20_001)),
            (&*"n".repeat(301), "x"),
            ("   ", "x"),
        ] {
            let objects = vec![json!({"type": "report", "id": "report--1", "name": name, "description": description})];
            let p = parse(&objects);
            assert!(p.reports.is_empty(), "{name:?} taken");
            assert_eq!(p.failures.len(), 1);
        }
    }
}
