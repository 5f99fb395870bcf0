//! The layers of the crate, checked from its source: each module imports only from layers
//! below it (domain <- kernel <- access <- features <- console <- app), the features form no cycle among
//! themselves, and nothing reaches back up to the crate root. A new import that breaks this
//! fails here, naming the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module; features are every other folder of `src/`.
fn layer(module: &str) -> u8 {
    match module {
        "domain" => 0,
        "kernel" => 1,
        "access" => 2,
        "console" => 4,
        "app" => 5,
        _ => 3,
    }
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file names through `crate::` (in paths and in `use crate::{..}`).
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        out.insert(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            out.insert(first_ident(&item));
        } else {
            out.insert(first_ident(rest));
        }
    }
    out.remove("");
    out
}

fn first_ident(s: &str) -> String {
    s.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// Module -> the modules it imports, over every file of `src/` but the crate root.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel.components().next().map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string());
        let Some(top) = top.filter(|t| t != "lib" && t != "main") else { continue };
        let text = std::fs::read_to_string(&file).expect("read");
        let deps = graph.entry(top.clone()).or_default();
        for import in imports(&text) {
            if import != top {
                deps.insert(import);
            }
        }
    }
    graph
}

#[test]
fn imports_point_down_the_layers_and_never_to_the_crate_root() {
    let graph = graph();
    let modules: BTreeSet<&String> = graph.keys().collect();
    let mut wrong = Vec::new();
    for (module, deps) in &graph {
        for dep in deps {
            if !modules.contains(dep) {
                wrong.push(format!("{module} imports `crate::{dep}`, an item of the crate root"));
            } else if layer(dep) > layer(module) {
                wrong.push(format!("{module} (layer {}) imports {dep} (layer {})", layer(module), layer(dep)));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers:\n{}", wrong.join("\n"));
}

#[test]
fn the_features_import_each_other_without_a_cycle() {
    let graph = graph();
    // Depth-first search for a back edge, reporting the cycle found.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<String> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<&str> = path[at..].to_vec();
            cycle.push(node);
            return Some(cycle.join(" -> "));
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for dep in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(dep, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = visit(module, &graph, &mut Vec::new(), &mut done) {
            panic!("module cycle: {cycle}");
        }
    }
}

#[test]
fn the_import_reader_sees_grouped_and_nested_paths() {
    let found = imports(
        "use crate::{access::{Action, Grant}, kernel::db};\nlet x = crate::events::emit(); use crate::AppState;",
    );
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["AppState", "access", "events", "kernel"]);
}

#[test]
fn every_schema_of_the_document_has_its_own_name() {
    // utoipa names a schema after its type and silently keeps one of two types of the same
    // name: the document would describe the wrong one.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            let named =
                if line.starts_with("text_enum!") || line.starts_with("text_value!") || line.starts_with("uuid_id!") {
                    lines[i + 1..].iter().map(|l| l.trim()).find(|l| !l.starts_with("///")).map(first_ident)
                } else if line.starts_with("#[derive(") && line.contains("ToSchema") {
                    lines[i + 1..]
                        .iter()
                        .map(|l| l.trim())
                        .find(|l| l.starts_with("pub struct") || l.starts_with("pub enum"))
                        .and_then(|l| l.split_whitespace().nth(2))
                        .map(first_ident)
                } else {
                    None
                };
            if let Some(name) = named.filter(|n| !n.is_empty() && n != "macro_rules") {
                seen.entry(name).or_default().push(file.display().to_string());
            }
        }
    }
    let twice: Vec<String> =
        seen.iter().filter(|(_, files)| files.len() > 1).map(|(n, files)| format!("{n}: {files:?}")).collect();
    assert!(seen.len() > 100, "the scan found the schema types ({})", seen.len());
    assert!(twice.is_empty(), "schema names used twice:\n{}", twice.join("\n"));
}

/// Whether `rel` (a path under `src/`) is a route file: `<feature>/routes.rs` or a file of
/// `<feature>/routes/`.
fn is_route_file(rel: &Path) -> bool {
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.len() >= 2 && (parts[1] == "routes.rs" || parts[1] == "routes")
}

#[test]
fn route_files_hold_handlers_that_nothing_else_imports() {
    // The composition root (`app`) mounts the routes; everything else calls services, views and
    // models, so that the console and the JSON API run the same code.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        let top = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
        if top == "app" || top == "lib.rs" || top == "main.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            let mut rest = code;
            while let Some(at) = rest.find("::routes") {
                let before = &rest[..at];
                let owner = before.rsplit("crate::").next().filter(|_| before.contains("crate::"));
                let other_feature = owner.is_some_and(|o| o.trim_end_matches(':') != top);
                if other_feature || !is_route_file(rel) {
                    wrong.push(format!("{}:{}: {}", rel.display(), n + 1, line.trim()));
                }
                rest = &rest[at + "::routes".len()..];
            }
        }
    }
    assert!(wrong.is_empty(), "imports of a routes module outside the composition root:\n{}", wrong.join("\n"));
}

/// The modules whose public functions are the operations both front-ends call.
const SERVICES: &[&str] = &[
    "alerts/service.rs",
    "alerts/mules.rs",
    "auth/service.rs",
    "auth/factor.rs",
    "indicators/service.rs",
    "reports/service.rs",
    "requests/service.rs",
    "stix/service.rs",
    "taxii/service.rs",
    "users/service.rs",
];

/// Each public function of a service module that takes a grant, with the actions its first
/// statement expects (`act.expect(&[Action::A, ..])`), or none when it does not begin so.
fn service_functions() -> BTreeMap<String, Option<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    for module in SERVICES {
        let text = std::fs::read_to_string(src.join(module)).expect("a service module");
        let key = module.trim_end_matches(".rs").replace('/', "::");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("\npub async fn ").or_else(|| rest.find("\npub fn ")) {
            rest = &rest[at + 1..];
            let name =
                first_ident(rest.trim_start_matches("pub ").trim_start_matches("async ").trim_start_matches("fn "));
            // The body opens after the signature (and its `where` clause, on a line of its own).
            let Some(open) = [rest.find(" {\n"), rest.find("\n{\n")].into_iter().flatten().min() else { break };
            let signature = &rest[..open];
            let body = &rest[open + 3..];
            rest = &rest[open..];
            if !signature.contains("Grant") {
                continue;
            }
            let first = body.trim_start();
            let expected =
                first.strip_prefix("act.expect(&[").and_then(|list| list.split_once("])")).map(|(list, _)| {
                    list.split(',')
                        .map(|a| a.trim().trim_start_matches("Action::").to_string())
                        .filter(|a| !a.is_empty())
                        .collect()
                });
            out.insert(format!("{key}::{name}"), expected);
        }
    }
    out
}

#[test]
fn every_service_function_runs_only_under_a_grant_for_its_own_action() {
    let services = service_functions();
    assert!(services.len() > 60, "found the service functions ({})", services.len());
    let unchecked: Vec<&String> = services.iter().filter(|(_, e)| e.is_none()).map(|(n, _)| n).collect();
    assert!(
        unchecked.is_empty(),
        "service functions taking a grant that do not begin with act.expect:\n{unchecked:#?}"
    );

    // Every handler's grant is one its service function expects: read from each handler the
    // action it authorizes and the service functions it calls.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    let mut pairs = 0;
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src");
        if !is_route_file(rel) {
            continue;
        }
        let feature = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).expect("read");
        for handler in text.split("\npub async fn ").skip(1).chain(text.split("\nasync fn ").skip(1)) {
            let handler = handler.split("\n}\n").next().unwrap_or("");
            let Some(at) = handler.find("authorize(&state, Action::") else { continue };
            let action = first_ident(&handler[at + "authorize(&state, Action::".len()..]);
            for module in ["service", "mules", "factor"] {
                let mut rest = handler;
                while let Some(call) = rest.find(&format!("{module}::")) {
                    rest = &rest[call + module.len() + 2..];
                    let name = first_ident(rest);
                    let Some(Some(expected)) = services.get(&format!("{feature}::{module}::{name}")) else { continue };
                    pairs += 1;
                    if !expected.contains(&action) {
                        wrong.push(format!(
                            "{}: a {action} grant calls {feature}::{module}::{name}, which expects {expected:?}",
                            rel.display()
                        ));
                    }
                }
            }
        }
    }
    assert!(pairs > 50, "found the handlers' service calls ({pairs})");
    assert!(wrong.is_empty(), "handlers whose grant their service refuses:\n{}", wrong.join("\n"));
}

/// The console's pages hold no SQL and no storage of their own: they call services.
#[test]
fn console_pages_reach_the_database_only_through_services() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console/pages");
    let mut files = Vec::new();
    sources(&dir, &mut files);
    assert!(files.len() >= 4);
    let mut wrong = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("::store")
                || code.contains("diesel")
                || code.contains("sql_query")
                || code.contains(".pool")
            {
                wrong.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(wrong.is_empty(), "console pages touching storage:\n{}", wrong.join("\n"));
}
