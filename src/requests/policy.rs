//! Which data requests need a validation before they reach the addressee, by whom, and what
//! the validator may read: one table of rules, chosen per request, as data.
//!
//! - The categories a request is about are those its type names, those the issuer declares
//!   (each must fit the type) and those its identifiers imply (an IP address with the time it
//!   was used, asked of an ISP, is identification data whatever the body says).
//! - The table is the issuer country's domestic one (preset `domestic` unless configured), or,
//!   for a request from an EU member state to a service provider in another, `eu-e-evidence`
//!   (Regulation 2023/1543, art. 4). Banks are never under the EU table.
//! - Every rule that applies must be satisfied: the validator's kind is in each rule's list, an
//!   emergency goes out before validation only when every rule allows it, and the validator
//!   reads the answers only when every rule lets its kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use super::model::{DataCategory, RequestType};
use crate::domain::{IndicatorType, OrgKind};

/// One rule: for requests by `issuers` of `types` about any of `categories` (an empty list
/// matches everything), a validation by an organisation of one of `validators`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub issuers: Vec<OrgKind>,
    #[serde(default)]
    pub types: Vec<RequestType>,
    #[serde(default)]
    pub categories: Vec<DataCategory>,
    pub validators: Vec<OrgKind>,
    /// An emergency goes out at once and is validated within 48 hours.
    pub emergency_first: bool,
    /// Validator kinds that read the addressee's answers (the office directing the case).
    #[serde(default)]
    pub validators_read_answers: Vec<OrgKind>,
}

impl Rule {
    fn applies(&self, issuer: OrgKind, kind: RequestType, categories: &[DataCategory]) -> bool {
        (self.issuers.is_empty() || self.issuers.contains(&issuer))
            && (self.types.is_empty() || self.types.contains(&kind))
            && (self.categories.is_empty() || categories.iter().any(|c| self.categories.contains(c)))
    }
}

/// A table of rules with the name it is known by (recorded on each request it decided).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Table {
    #[serde(default)]
    pub name: String,
    pub rules: Vec<Rule>,
}

/// What a request needs before it reaches its addressee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The table that decided, e.g. `domestic:XK`, `eu-e-evidence`.
    pub table: String,
    /// Kinds of organisation that may validate; empty: no validation.
    pub validators: Vec<OrgKind>,
    pub emergency_first: bool,
    pub read_answers: Vec<OrgKind>,
    /// The rules that apply ask for validators of which no kind satisfies them all: the
    /// request cannot be issued as it is (never silently unvalidated).
    pub conflict: bool,
}

impl Requirement {
    pub fn needed(&self) -> bool {
        !self.validators.is_empty()
    }
}

impl Table {
    pub fn requirement(&self, issuer: OrgKind, kind: RequestType, categories: &[DataCategory]) -> Requirement {
        let rules: Vec<&Rule> = self.rules.iter().filter(|r| r.applies(issuer, kind, categories)).collect();
        let all = |pick: fn(&Rule) -> &Vec<OrgKind>| -> Vec<OrgKind> {
            match rules.split_first() {
                None => Vec::new(),
                Some((first, rest)) => {
                    pick(first).iter().copied().filter(|k| rest.iter().all(|r| pick(r).contains(k))).collect()
                }
            }
        };
        let validators = all(|r| &r.validators);
        Requirement {
            table: self.name.clone(),
            conflict: validators.is_empty() && !rules.is_empty(),
            validators,
            emergency_first: rules.iter().all(|r| r.emergency_first),
            read_answers: all(|r| &r.validators_read_answers),
        }
    }

    /// What every table must hold: each rule names validators, prosecution offices and courts
    /// only, and a court never reads answers.
    fn check(&self) -> Result<(), String> {
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.validators.is_empty() {
                return Err(format!("rules[{i}]: name the validators (prosecution, court)"));
            }
            if let Some(k) = rule.validators.iter().find(|k| !matches!(k, OrgKind::Prosecution | OrgKind::Court)) {
                return Err(format!("rules[{i}]: a {k} does not validate requests (prosecution, court)"));
            }
            if rule.validators_read_answers.contains(&OrgKind::Court) {
                return Err(format!("rules[{i}]: a court never reads the answers"));
            }
        }
        Ok(())
    }

    /// Today's rule of most countries: a police request for traffic or content data needs a
    /// prosecutor, who directs the investigation and reads the answers; an emergency goes out
    /// at once and is validated within 48 hours.
    pub fn domestic() -> Table {
        Table {
            name: "domestic".into(),
            rules: vec![Rule {
                issuers: vec![OrgKind::LawEnforcement],
                types: vec![],
                categories: vec![DataCategory::Traffic, DataCategory::Content],
                validators: vec![OrgKind::Prosecution],
                emergency_first: true,
                validators_read_answers: vec![OrgKind::Prosecution],
            }],
        }
    }

    /// Regulation 2023/1543 art. 4: police orders for subscriber or identification data, and
    /// preservation orders of any category, need a prosecutor or a judge; production orders for
    /// traffic data beyond identification and for content data need a judge, whoever issues
    /// (and do not go out before the judge has decided, art. 4(5)). A court never reads answers.
    pub fn eu_e_evidence() -> Table {
        use RequestType::*;
        let production =
            vec![SubscriberInfo, TrafficData, ContentData, AccountInfo, TransactionHistory, DomainRegistrationInfo];
        let police = vec![OrgKind::LawEnforcement, OrgKind::Fiu];
        Table {
            name: "eu-e-evidence".into(),
            rules: vec![
                Rule {
                    issuers: police.clone(),
                    types: production.clone(),
                    categories: vec![],
                    validators: vec![OrgKind::Prosecution, OrgKind::Court],
                    emergency_first: true,
                    validators_read_answers: vec![OrgKind::Prosecution],
                },
                Rule {
                    issuers: police,
                    types: vec![Preservation],
                    categories: vec![],
                    validators: vec![OrgKind::Prosecution, OrgKind::Court],
                    emergency_first: true,
                    validators_read_answers: vec![OrgKind::Prosecution],
                },
                Rule {
                    issuers: vec![],
                    types: production,
                    categories: vec![DataCategory::Traffic, DataCategory::Content],
                    validators: vec![OrgKind::Court],
                    emergency_first: false,
                    validators_read_answers: vec![],
                },
            ],
        }
    }
}

/// Member states bound by the e-Evidence Regulation (every EU state but Denmark).
const E_EVIDENCE_STATES: &str = "AT BE BG HR CY CZ EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE";

pub fn in_e_evidence_area(country: &str) -> bool {
    E_EVIDENCE_STATES.split(' ').any(|c| c == country)
}

/// The tables in force: the domestic table of each country that has one of its own (from the
/// file named by `CYBERBRIDGE_VALIDATION_TABLES`), the `domestic` preset for the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tables {
    /// Country (ISO 3166-1 alpha-2) -> its table.
    pub countries: BTreeMap<String, Table>,
}

impl Tables {
    /// Reads and checks a tables file: `{"countries": {"AL": <table> | "<preset name>"}}`.
    pub fn read(path: &Path) -> Result<Tables, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Tables::parse(value).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks the tables of a file, naming the country at fault.
    pub fn parse(value: serde_json::Value) -> Result<Tables, String> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            countries: BTreeMap<String, serde_json::Value>,
        }
        let file: File = serde_json::from_value(value).map_err(|e| e.to_string())?;
        let mut countries = BTreeMap::new();
        for (country, spec) in file.countries {
            crate::domain::Country::parse(&country).map_err(|e| format!("{country}: {e}"))?;
            let table = match spec {
                serde_json::Value::String(name) => {
                    preset(&name).ok_or_else(|| format!("{country}: no preset `{name}` (domestic, eu-e-evidence)"))?
                }
                own => {
                    let table: Table = serde_json::from_value(own).map_err(|e| format!("{country}: {e}"))?;
                    table.check().map_err(|e| format!("{country}: {e}"))?;
                    table
                }
            };
            countries.insert(country, table);
        }
        Ok(Tables { countries })
    }

    /// The tables of a process configured with `path` (none: the presets alone), read once
    /// per path. Start-up calls this first, so that a bad file stops it.
    pub fn configured(path: Option<&Path>) -> Result<Arc<Tables>, String> {
        static READ: Mutex<BTreeMap<PathBuf, Arc<Tables>>> = Mutex::new(BTreeMap::new());
        let Some(path) = path else { return Ok(Arc::default()) };
        let mut read = READ.lock().map_err(|_| "validation tables: poisoned lock".to_string())?;
        if let Some(tables) = read.get(path) {
            return Ok(tables.clone());
        }
        let tables = Arc::new(Tables::read(path)?);
        read.insert(path.to_path_buf(), tables.clone());
        Ok(tables)
    }

    /// The table for a request from an issuer in `issuer_country` to an addressee of
    /// `addressee_kind` in `addressee_country`.
    pub fn choose(&self, issuer_country: &str, addressee_country: &str, addressee_kind: OrgKind) -> Table {
        let cross_border = issuer_country != addressee_country;
        if cross_border
            && addressee_kind != OrgKind::Bank
            && in_e_evidence_area(issuer_country)
            && in_e_evidence_area(addressee_country)
        {
            return Table::eu_e_evidence();
        }
        let mut table = self.countries.get(issuer_country).cloned().unwrap_or_else(Table::domestic);
        table.name = format!("{}:{issuer_country}", if table.name.is_empty() { "custom" } else { &table.name });
        table
    }
}

fn preset(name: &str) -> Option<Table> {
    match name {
        "domestic" => Some(Table::domestic()),
        "eu-e-evidence" => Some(Table::eu_e_evidence()),
        _ => None,
    }
}

/// The categories a type of request may ask for (preservation and freezes: whatever they name).
pub fn allowed_categories(kind: RequestType) -> Option<&'static [DataCategory]> {
    use DataCategory::*;
    match kind {
        RequestType::SubscriberInfo => Some(&[Subscriber, IpIdentification]),
        RequestType::TrafficData => Some(&[Traffic, IpIdentification]),
        RequestType::ContentData => Some(&[Content]),
        RequestType::AccountInfo => Some(&[Subscriber]),
        RequestType::TransactionHistory => Some(&[Transaction]),
        RequestType::DomainRegistrationInfo => Some(&[Subscriber]),
        RequestType::Preservation | RequestType::FreezeFunds => None,
    }
}

/// The category a type of request is about whatever the body says.
fn core_category(kind: RequestType) -> Option<DataCategory> {
    match kind {
        RequestType::SubscriberInfo | RequestType::AccountInfo | RequestType::DomainRegistrationInfo => {
            Some(DataCategory::Subscriber)
        }
        RequestType::TrafficData => Some(DataCategory::Traffic),
        RequestType::ContentData => Some(DataCategory::Content),
        RequestType::TransactionHistory => Some(DataCategory::Transaction),
        RequestType::Preservation | RequestType::FreezeFunds => None,
    }
}

/// What a request is about: the type's own category, those declared, and identification data
/// when it names an IP address with the time it was used and goes to an ISP.
pub fn effective_categories(
    kind: RequestType,
    declared: &[DataCategory],
    identifiers: &[(IndicatorType, bool)],
    addressee: OrgKind,
) -> Vec<DataCategory> {
    let mut out: Vec<DataCategory> = declared.to_vec();
    out.extend(core_category(kind));
    let ip_with_time =
        identifiers.iter().any(|(t, timed)| *timed && matches!(t, IndicatorType::Ipv4 | IndicatorType::Ipv6));
    if ip_with_time && addressee == OrgKind::Isp {
        out.push(DataCategory::IpIdentification);
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataCategory::*;
    use OrgKind::*;
    use RequestType::*;

    #[test]
    fn a_type_allows_its_categories_and_identifiers_add_identification() {
        assert_eq!(allowed_categories(ContentData), Some(&[Content][..]));
        assert!(!allowed_categories(SubscriberInfo).unwrap().contains(&Traffic));
        assert!(allowed_categories(Preservation).is_none());
        let ip = [(IndicatorType::Ipv4, true)];
        assert_eq!(effective_categories(ContentData, &[], &ip, Isp), [IpIdentification, Content]);
        assert_eq!(
            effective_categories(SubscriberInfo, &[Subscriber], &ip, Bank),
            [Subscriber],
            "a bank is not asked who used an IP"
        );
        assert_eq!(effective_categories(SubscriberInfo, &[], &[(IndicatorType::Ipv4, false)], Isp), [Subscriber]);
    }

    /// (table, issuer, type, categories) -> (validators, emergency first, validators reading answers)
    #[test]
    fn the_presets_decide_who_validates_what() {
        let d = Table::domestic();
        let eu = Table::eu_e_evidence();
        type Case<'a> = (&'a Table, OrgKind, RequestType, Vec<DataCategory>, Vec<OrgKind>, bool, Vec<OrgKind>);
        let table: Vec<Case> = vec![
            (&d, LawEnforcement, ContentData, vec![Content], vec![Prosecution], true, vec![Prosecution]),
            (
                &d,
                LawEnforcement,
                TrafficData,
                vec![Traffic, IpIdentification],
                vec![Prosecution],
                true,
                vec![Prosecution],
            ),
            (&d, LawEnforcement, SubscriberInfo, vec![Subscriber, IpIdentification], vec![], true, vec![]),
            (&d, Prosecution, ContentData, vec![Content], vec![], true, vec![]),
            (&eu, LawEnforcement, SubscriberInfo, vec![Subscriber], vec![Prosecution, Court], true, vec![Prosecution]),
            (
                &eu,
                LawEnforcement,
                TransactionHistory,
                vec![Transaction],
                vec![Prosecution, Court],
                true,
                vec![Prosecution],
            ),
            (&eu, Prosecution, SubscriberInfo, vec![Subscriber], vec![], true, vec![]),
            (&eu, Prosecution, TrafficData, vec![Traffic], vec![Court], false, vec![]),
            (&eu, LawEnforcement, ContentData, vec![Content, IpIdentification], vec![Court], false, vec![]),
            (&eu, LawEnforcement, Preservation, vec![Content], vec![Prosecution, Court], true, vec![Prosecution]),
            (&eu, Prosecution, Preservation, vec![Traffic], vec![], true, vec![]),
        ];
        for (t, issuer, kind, cats, validators, emergency, reads) in table {
            let r = t.requirement(issuer, kind, &cats);
            assert_eq!(
                (r.validators, r.emergency_first, r.read_answers),
                (validators, emergency, reads),
                "{} {issuer} {kind} {cats:?}",
                t.name
            );
        }
    }

    #[test]
    fn the_eu_table_applies_across_member_states_to_service_providers_only() {
        let tables = Tables::default();
        assert_eq!(tables.choose("DE", "FR", Isp).name, "eu-e-evidence");
        assert_eq!(tables.choose("DE", "DE", Isp).name, "domestic:DE", "not cross-border");
        assert_eq!(tables.choose("DE", "FR", Bank).name, "domestic:DE", "banks are never under the EU table");
        assert_eq!(tables.choose("XK", "DE", Isp).name, "domestic:XK", "Kosovo is not a member state");
        assert_eq!(tables.choose("DK", "DE", Isp).name, "domestic:DK", "Denmark is not bound");
        assert_eq!(tables.choose("DE", "HU", Isp).name, "eu-e-evidence");
        assert_eq!(E_EVIDENCE_STATES.split(' ').count(), 26, "the 27 member states but Denmark");
    }

    #[test]
    fn a_country_sets_its_own_table_in_the_tables_file() {
        let tables = Tables::parse(serde_json::json!({"countries": {
            "AL": {"name": "albania-2026", "rules": [{"issuers": ["law_enforcement"], "categories": ["traffic", "content", "subscriber"],
                    "validators": ["court"], "emergency_first": false}]},
            "ME": "eu-e-evidence",
        }}))
        .unwrap();
        let al = tables.choose("AL", "AL", Isp);
        assert_eq!(al.name, "albania-2026:AL");
        let r = al.requirement(LawEnforcement, SubscriberInfo, &[Subscriber]);
        assert_eq!((r.validators, r.emergency_first), (vec![Court], false));
        assert_eq!(tables.choose("ME", "ME", Isp).name, "eu-e-evidence:ME");
        assert_eq!(tables.choose("XK", "XK", Isp).name, "domestic:XK");
    }

    #[test]
    fn rules_that_no_validator_satisfies_are_a_conflict_not_a_pass() {
        let t = Tables::parse(serde_json::json!({"countries": {"AL": {"rules": [
            {"categories": ["traffic"], "validators": ["prosecution"], "emergency_first": true},
            {"categories": ["content"], "validators": ["court"], "emergency_first": true}]}}}))
        .unwrap()
        .choose("AL", "AL", Isp);
        let r = t.requirement(LawEnforcement, Preservation, &[Traffic, Content]);
        assert!(r.conflict && !r.needed());
        assert!(!t.requirement(LawEnforcement, Preservation, &[Traffic]).conflict);
        assert!(!t.requirement(LawEnforcement, Preservation, &[Subscriber]).conflict, "no rule: no validation");
    }

    #[test]
    fn a_bad_tables_file_is_refused_with_its_reason() {
        let dir = std::env::temp_dir().join(format!("cb-tables-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (text, reason) in [
            (r#"{"countries": {"AL": "strict"}}"#, "no preset `strict`"),
            (r#"{"countries": {"Albania": "domestic"}}"#, "Albania"),
            (
                r#"{"countries": {"AL": {"rules": [{"validators": ["judge"], "emergency_first": true}]}}}"#,
                "AL: unknown variant `judge`",
            ),
            (r#"{"countrys": {}}"#, "unknown field"),
            (
                r#"{"countries": {"AL": {"rules": [{"validators": [], "emergency_first": true}]}}}"#,
                "name the validators",
            ),
            (
                r#"{"countries": {"AL": {"rules": [{"validators": ["bank"], "emergency_first": true}]}}}"#,
                "a bank does not validate",
            ),
            (
                r#"{"countries": {"AL": {"rules": [{"validators": ["court"], "emergency_first": true, "validators_read_answers": ["court"]}]}}}"#,
                "a court never reads",
            ),
        ] {
            let path = dir.join("tables.json");
            std::fs::write(&path, text).unwrap();
            let err = Tables::read(&path).unwrap_err();
            assert!(err.contains(reason), "{text}: {err}");
        }
        std::fs::write(dir.join("ok.json"), r#"{"countries": {"ME": "eu-e-evidence"}}"#).unwrap();
        let tables = Tables::configured(Some(&dir.join("ok.json"))).unwrap();
        assert_eq!(tables.choose("ME", "ME", Isp).name, "eu-e-evidence:ME");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
