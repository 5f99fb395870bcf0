//! The documentation cannot drift from what runs: the endpoint tour's examples are lines of the
//! walk-through script CI runs, the Quick start's blocks run pasted in order (CI pastes them),
//! and the wire values table is the served document's enums.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect(path)
}

/// The `sh` code blocks of `text` (each a list of lines).
fn sh_blocks(text: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```sh") => current = Some(Vec::new()),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some(block), _) => block.push(line.to_string()),
            _ => {}
        }
    }
    blocks
}

#[test]
fn the_tours_examples_are_lines_of_the_walkthrough_that_ci_runs() {
    let script = read("examples/walkthrough.sh");
    let script_lines: std::collections::BTreeSet<&str> = script.lines().collect();
    let examples: Vec<String> =
        sh_blocks(&read("docs/tour.md")).into_iter().flatten().filter(|l| !l.trim().is_empty()).collect();
    assert!(examples.len() > 100, "found the examples ({})", examples.len());
    let missing: Vec<&String> =
        examples.iter().filter(|l| !l.starts_with("CYBERBRIDGE_URL=") && !script_lines.contains(l.as_str())).collect();
    assert!(missing.is_empty(), "docs/tour.md lines that examples/walkthrough.sh does not run:\n{missing:#?}");
}

/// The Quick start's blocks, after the one that starts the server.
pub fn quick_start_blocks(readme: &str) -> Vec<Vec<String>> {
    let start = readme.find("## Quick start").expect("a Quick start");
    let end = readme[start + 3..].find("\n## ").map_or(readme.len(), |i| start + 3 + i);
    sh_blocks(&readme[start..end])
}

#[test]
fn the_quick_start_defines_every_name_before_a_block_uses_it() {
    let blocks = quick_start_blocks(&read("README.md"));
    assert!(blocks.len() >= 5, "{blocks:?}");
    assert!(blocks[0].iter().any(|l| l.contains("serve --demo")), "it starts with the demo");
    let mut defined: std::collections::BTreeSet<String> = ["HOME", "PATH"].into_iter().map(String::from).collect();
    let mut wrong = Vec::new();
    for (i, block) in blocks.iter().enumerate().skip(1) {
        for line in block {
            let code = line.split(" # ").next().unwrap_or("");
            if code.trim_start().starts_with('#') {
                continue;
            }
            // Names used: $NAME and ${NAME}, and the helper `login`.
            let mut rest = code;
            while let Some(at) = rest.find('$') {
                rest = &rest[at + 1..];
                let name: String = rest
                    .trim_start_matches('{')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !name.chars().next().unwrap().is_ascii_digit() && !defined.contains(&name) {
                    wrong.push(format!("block {i} uses ${name} before it is defined: {line}"));
                }
            }
            if code.contains("$(login ") && !defined.contains("login") {
                wrong.push(format!("block {i} uses login before it is defined"));
            }
            // Names defined: NAME=... and name() { ... }.
            let trimmed = code.trim_start();
            if let Some((name, _)) = trimmed.split_once('=') {
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    defined.insert(name.to_string());
                }
            }
            if let Some((name, _)) = trimmed.split_once("() {") {
                defined.insert(name.trim().to_string());
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_wire_values_table_lists_every_enum_as_the_document_carries_it() {
    let table = read("docs/wire-values.md");
    let doc = serde_json::to_value(cyberbridge::openapi()).unwrap();
    let mut wrong = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(values) = schema["enum"].as_array() else { continue };
        let listed: Vec<String> = values.iter().map(|v| format!("`{}`", v.as_str().unwrap())).collect();
        let row = format!("| `{name}` | {} |", listed.join(", "));
        if !table.contains(&row) {
            wrong.push(row);
        }
    }
    assert!(wrong.is_empty(), "docs/wire-values.md lacks or differs from:\n{}", wrong.join("\n"));
}

#[test]
fn every_request_body_carries_an_example_and_every_operation_its_shared_errors() {
    let doc = serde_json::to_value(cyberbridge::openapi()).unwrap();
    let schemas = &doc["components"]["schemas"];
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or("?");
            let responses = &op["responses"];
            let public = op["security"].as_array().is_some_and(|s| s.is_empty());
            let needed: &[&str] = if path.starts_with("/api/") { &["400", "422", "429", "503"] } else { &[] };
            for status in needed.iter().chain(if public { &[][..] } else { &["401", "403"][..] }) {
                if responses.get(*status).is_none() {
                    wrong.push(format!("{method} {path} ({id}) does not document {status}"));
                }
            }
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                let schema = &content["schema"];
                let target = schema["$ref"]
                    .as_str()
                    .or_else(|| schema["oneOf"][0]["$ref"].as_str())
                    .and_then(|r| r.rsplit('/').next())
                    .map_or(schema, |name| &schemas[name]);
                let has_example = target.get("example").is_some()
                    || target["properties"].as_object().is_some_and(|p| p.values().any(|v| v.get("example").is_some()));
                if !has_example {
                    wrong.push(format!("{method} {path} ({id}): its {media} body has no example"));
                }
                if media == "application/json" && (responses.get("413").is_none() || responses.get("415").is_none()) {
                    wrong.push(format!("{method} {path} ({id}) takes JSON but does not document 413 and 415"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The actions each handler authorizes, read from its source (`Action::X` in its body).
fn handler_actions() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut out = std::collections::BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (at, _) in text.match_indices("#[utoipa::path") {
            let rest = &text[at..];
            let Some(start) = rest.find("pub async fn ") else { continue };
            let name: String = rest[start + 13..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let body = &rest[start..];
            let end = body[1..].find("\n#[utoipa::path").or_else(|| body[1..].find("\npub ")).unwrap_or(body.len() - 1);
            let actions = body[..end + 1]
                .match_indices("Action::")
                .map(|(i, _)| body[i + 8..].chars().take_while(|c| c.is_alphanumeric()).collect::<String>())
                .collect();
            out.insert(name, actions);
        }
    }
    out
}

#[test]
fn every_operations_key_scopes_come_from_the_action_its_handler_authorizes() {
    let doc = serde_json::to_value(cyberbridge::openapi()).unwrap();
    let table: std::collections::BTreeMap<&str, Vec<String>> = cyberbridge::app::openapi::OPERATIONS
        .iter()
        .map(|(op, actions)| (*op, actions.iter().map(|a| format!("{a:?}")).collect()))
        .collect();
    let handlers = handler_actions();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            let security = op["security"].as_array().unwrap();
            if security.is_empty() || path.starts_with("/taxii2") {
                continue;
            }
            let Some(actions) = table.get(id) else {
                wrong.push(format!("{method} {path} ({id}) is not in app::openapi::OPERATIONS"));
                continue;
            };
            // The table says what the handler does.
            let in_source = handlers.get(id).cloned().unwrap_or_default();
            let listed: std::collections::BTreeSet<String> = actions.iter().cloned().collect();
            if !in_source.is_empty() && in_source != listed {
                wrong.push(format!("{id}: the table says {listed:?}, the handler authorizes {in_source:?}"));
            }
            // The document says what the table derives.
            let expected: Option<Vec<String>> = cyberbridge::app::openapi::OPERATIONS
                .iter()
                .find(|(op, _)| *op == id)
                .unwrap()
                .1
                .iter()
                .map(|a| a.key_scopes().map(|s| s.iter().map(|x| x.as_str().to_string()).collect::<Vec<_>>()))
                .collect::<Option<Vec<_>>>()
                .map(|v| {
                    let mut all: Vec<String> = v.concat();
                    all.sort();
                    all.dedup();
                    all
                });
            let documented = security
                .iter()
                .find_map(|r| r.get("api_key"))
                .map(|s| s.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>());
            if documented != expected {
                wrong.push(format!("{id}: documented {documented:?}, the action table asks {expected:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every `cyberbridge admin` command docs/operations.md gives exists with the flags it uses, and
/// every setting it names is one the server reads.
#[test]
fn the_operations_guide_names_commands_flags_and_settings_that_exist() {
    let guide = read("docs/operations.md");
    let bin = env!("CARGO_BIN_EXE_cyberbridge");
    let help = |args: &[&str]| {
        let out = std::process::Command::new(bin).args(args).arg("--help").output().expect("cyberbridge --help");
        assert!(
            out.status.success(),
            "cyberbridge {} --help: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let mut commands = 0;
    let text = guide.replace("\\\n", " ");
    for (at, _) in text.match_indices("cyberbridge admin ") {
        let rest = &text[at + "cyberbridge admin ".len()..];
        let line: String = rest.chars().take_while(|c| *c != '\n' && *c != '`' && *c != '>').collect();
        let mut words = line.split_whitespace();
        let Some(command) = words.next() else { continue };
        let command = command.trim_end_matches([',', '.', ':', ')']);
        let listed = help(&["admin", command]);
        for flag in words.filter(|w| w.starts_with("--")) {
            let flag = flag.split('=').next().unwrap();
            assert!(listed.contains(flag), "cyberbridge admin {command} has no {flag}");
        }
        commands += 1;
    }
    assert!(commands >= 6, "{commands}");
    let settings = help(&[]);
    for (at, _) in guide.match_indices("CYBERBRIDGE_") {
        let name: String =
            guide[at..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
        let name = name.trim_end_matches('_');
        let exact = settings.contains(&format!("[env: {name}=")) || settings.contains(&format!("[env: {name}]"));
        assert!(exact, "{name} is not a setting");
    }
}
