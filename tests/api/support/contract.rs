//! Every response the tests receive is checked against the OpenAPI document the server serves:
//! the status is documented for the operation, the content type is one it declares, and a JSON
//! body validates against the declared schema. The document cannot drift from the wire
//! unnoticed.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

/// (operation id, status, content type) -> validator of the body, `None` without schema.
type Validators = HashMap<(String, String, String), Option<std::sync::Arc<jsonschema::Validator>>>;

struct Contract {
    doc: Value,
    validators: Mutex<Validators>,
}

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract {
        doc: serde_json::to_value(cyberbridge::openapi()).expect("the OpenAPI document as JSON"),
        validators: Mutex::default(),
    })
}

/// The operation of `method` at `path` (query stripped), preferring a literal match over a
/// template (`/reports/export.csv` over `/reports/{id}`).
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a Value> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let mut best: Option<(usize, &Value)> = None;
    for (template, item) in doc["paths"].as_object()? {
        let parts: Vec<&str> = template.split('/').collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut params = 0;
        let matches = parts.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                params += 1;
                !s.is_empty()
            } else {
                t == s
            }
        });
        if matches && best.is_none_or(|(p, _)| params < p) {
            best = Some((params, item));
        }
    }
    best.and_then(|(_, item)| item.get(method.to_ascii_lowercase()))
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/")) {
        Some(pointer) => doc.pointer(&format!("/{pointer}")).unwrap_or(v),
        None => v,
    }
}

/// Checks one response; `Err` says how it breaks the document.
pub fn check(method: &str, path: &str, status: u16, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    let c = contract();
    // Not an operation of the document (Swagger UI, an unknown route, a method the path lacks).
    let Some(op) = operation(&c.doc, method, path) else { return Ok(()) };
    let id = op["operationId"].as_str().unwrap_or("?").to_string();
    let responses = &op["responses"];
    let Some(response) = responses.get(status.to_string()).or_else(|| responses.get("default")) else {
        return Err(format!("{id}: status {status} is not documented (body: {})", String::from_utf8_lossy(body)));
    };
    let response = resolve(&c.doc, response);
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!("{id}: {status} documents no body but one came: {}", String::from_utf8_lossy(body)))
        };
    };
    let media = content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_string();
    let range = format!("{}/*", media.split('/').next().unwrap_or(""));
    let Some(declared) = content.get(&media).or_else(|| content.get(&range)).or_else(|| content.get("*/*")) else {
        let known: Vec<&String> = content.keys().collect();
        return Err(format!("{id}: {status} answered `{media}`, the document declares {known:?}"));
    };
    if !(media.ends_with("json")) {
        return Ok(());
    }
    let key = (id.clone(), status.to_string(), media);
    let validator = {
        let mut cache = c.validators.lock().expect("validators");
        cache
            .entry(key)
            .or_insert_with(|| {
                declared.get("schema").map(|schema| {
                    let root = json!({
                        "$schema": "https://json-schema.org/draft/2020-12/schema",
                        "components": c.doc["components"],
                        "allOf": [schema],
                    });
                    std::sync::Arc::new(jsonschema::draft202012::new(&root).expect("a schema of the document compiles"))
                })
            })
            .clone()
    };
    let Some(validator) = validator else { return Ok(()) };
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{id}: {status} body is not JSON ({e}): {}", String::from_utf8_lossy(body)))?;
    let errors: Vec<String> =
        validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{id}: {status} body breaks its schema: {}\nbody: {value}", errors.join("; ")))
    }
}

#[test]
fn operations_are_found_by_literal_path_first() {
    let doc = &contract().doc;
    assert_eq!(operation(doc, "GET", "/api/v1/reports/export.csv?q=x").unwrap()["operationId"], "export_reports");
    assert_eq!(
        operation(doc, "GET", "/api/v1/reports/0193a7c2-5e4f-7a10-9d2b-2c1f3e4d5a6b").unwrap()["operationId"],
        "get_report"
    );
    assert!(operation(doc, "GET", "/api/v1/nope").is_none());
    assert!(
        check("GET", "/api/v1/reports", 418, Some("application/json"), b"{}").is_err(),
        "an undocumented status fails"
    );
    let wrong = check("GET", "/healthz", 200, Some("application/json"), br#"{"status": "asleep"}"#);
    assert!(wrong.is_err(), "a body outside its schema fails");
    assert!(check("GET", "/healthz", 200, Some("application/json"), br#"{"status": "ok"}"#).is_ok());
}
