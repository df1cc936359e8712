//! The admin API's contract (issue 19): `GET /api/admin/openapi.json`.
//!
//! Why the document and the router cannot drift. axum does not list its
//! routes, so no test can read them back; instead the admin router is
//! *built* from the document's source (`roster-http/src/openapi.rs`:
//! utoipa-axum's `routes!` registers each handler at the path and methods
//! of its `#[utoipa::path]`), and these tests close the gaps around that:
//!
//! - every (path, method) the document names is asked of the running
//!   server, with made-up ids and no key: it must answer what the document
//!   promises, `401 unauthorized` from the admin-key extractor (or `200`
//!   for the one operation without security), never the fallback's `404
//!   no such endpoint` nor `405`. A wrong mount, a path typo or a method
//!   the router lacks fails here, and so does a route whose key check the
//!   document misstates;
//! - every other method on a documented path must answer `405`, so a
//!   method added beside the document fails;
//! - the router folders (`src/admin`, `src/sync`) call no axum routing
//!   (`.route(`, `Router::new`, `axum::routing`, ...), and no file of
//!   roster-http but `openapi.rs` names `/api/admin`: a whole path added
//!   outside `routes!` cannot reach the API without failing here. The scan
//!   is checked on bad input too, so a scan that passes everything fails.
//!
//! The document is also checked by `openapi-spec-validator`
//! (`scripts/install-openapi-validator.sh` installs it), which must accept
//! it and reject a broken copy, and a few of its schemas are compared with
//! what the server really answers.

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

const DOCUMENT: &str = "/api/admin/openapi.json";

/// The methods an admin route could have.
const METHODS: [Method; 5] =
    [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

/// The served document, fetched without a key.
async fn document(app: &TestApp) -> Value {
    let response = app.client.get(format!("{}{DOCUMENT}", app.address)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/json");
    response.json().await.unwrap()
}

/// The document's operations: (path, method, needs a key).
fn operations(document: &Value) -> Vec<(String, Method, bool)> {
    let mut out = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            // An operation's own `security` replaces the document's; `[{}]`
            // is "none needed".
            let open = operation["security"] == json!([{}]);
            out.push((path.clone(), method, !open));
        }
    }
    out
}

/// The path with every `{parameter}` made up.
fn made_up(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        out.push_str(&rest[..start]);
        out.push_str("made-up-");
        out.push_str(&rest[start + 1..end]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed_and_nothing_else() {
    let app = spawn_app(Backend::Sqlite).await;
    let document = document(&app).await;
    let operations = operations(&document);
    assert!(operations.len() > 50, "{} operations", operations.len());
    for (path, method, needs_key) in &operations {
        let url = format!("{}{}", app.address, made_up(path));
        let reply = crate::helpers::reply(
            app.client.request(method.clone(), &url).json(&json!({})).send().await.unwrap(),
        )
        .await;
        if *needs_key {
            crate::helpers::assert_error(&reply, StatusCode::UNAUTHORIZED, "unauthorized", None);
        } else {
            assert_eq!(reply.status, StatusCode::OK, "{method} {path}: {reply:?}");
        }
    }
    for path in document["paths"].as_object().unwrap().keys() {
        for method in METHODS {
            if operations.iter().any(|(p, m, _)| p == path && *m == method) {
                continue;
            }
            let url = format!("{}{}", app.address, made_up(path));
            let reply = crate::helpers::reply(
                app.client
                    .request(method.clone(), &url)
                    .bearer_auth(&app.key)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} is served but not documented: {reply:?}"
            );
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).ancestors().nth(2).unwrap().into()
}

/// Every `.rs` file below `dir`, as (path, text).
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path, text));
        }
    }
    out
}

/// What registers a route in axum without passing through `routes!`.
const AXUM_ROUTING: [&str; 7] = [
    ".route(",
    ".route_service(",
    ".nest(",
    ".nest_service(",
    "Router::new",
    "axum::routing",
    "MethodRouter",
];

/// The ways a file could add an admin route that the document does not
/// name: `router_folder` is whether it is in `src/admin` or `src/sync`.
fn routes_outside_the_document(file: &str, text: &str, router_folder: bool) -> Vec<String> {
    let mut problems = Vec::new();
    // Unit tests build routers of their own, served by no one.
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    // `OpenApiRouter::new` is the one router these files may build.
    let text = text.replace("OpenApiRouter::new", "OpenApiRouter::with_routes_only");
    if router_folder {
        for needle in AXUM_ROUTING {
            if text.contains(needle) {
                problems.push(format!("{file} uses {needle}: register routes with routes!"));
            }
        }
    }
    if !file.ends_with("openapi.rs") && text.contains("\"/api/admin") {
        problems.push(format!("{file} names /api/admin: only openapi.rs mounts it"));
    }
    problems
}

#[test]
fn admin_routes_are_registered_only_from_the_document() {
    let src = workspace_root().join("crates/roster-http/src");
    let mut problems = Vec::new();
    let mut seen_handlers = 0;
    for (path, text) in rust_files(&src) {
        let file = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let router_folder = file.starts_with("admin/") || file.starts_with("sync/");
        seen_handlers += usize::from(router_folder) * text.matches("#[utoipa::path(").count();
        problems.extend(routes_outside_the_document(&file, &text, router_folder));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(seen_handlers > 50, "{seen_handlers} handlers seen: is the scan reading the files?");

    // The scan on bad input: each way around the document is caught.
    let bad = [
        ("admin/users.rs", "Router::new().route(\"/x\", get(list))", true),
        ("sync/mod.rs", "use axum::routing::post;", true),
        ("admin/mod.rs", "OpenApiRouter::new().nest(\"/x\", other)", true),
        ("lib.rs", ".merge(other).nest(\"/api/admin/extra\", extra)", false),
    ];
    for (file, text, router_folder) in bad {
        assert!(
            !routes_outside_the_document(file, text, router_folder).is_empty(),
            "{file}: {text}"
        );
    }
    let good = "OpenApiRouter::new().routes(routes!(list, create))";
    assert!(routes_outside_the_document("admin/users.rs", good, true).is_empty());
}

/// The virtualenv's python, or a panic that says how to install it.
fn validator_python() -> PathBuf {
    let tools = std::env::var_os("ROSTER_TOOLS_DIR").unwrap_or("/var/cache/roster-tools".into());
    let python = Path::new(&tools).join("openapi-validator-venv/bin/python");
    assert!(
        python.exists(),
        "openapi-spec-validator is not installed ({} is missing): run \
         scripts/install-openapi-validator.sh",
        python.display()
    );
    python
}

/// Runs openapi-spec-validator on `document` as OpenAPI 3.1: its verdict
/// and what it printed.
fn validate(document: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec(document).unwrap()).unwrap();
    let out = Command::new(validator_python())
        .args(["-m", "openapi_spec_validator", "--schema", "3.1", "--validation-errors", "all"])
        .arg(&file)
        .output()
        .unwrap();
    let printed =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), printed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_3_1_and_needs_no_key() {
    let app = spawn_app(Backend::Sqlite).await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    let (valid, printed) = validate(&document);
    assert!(valid, "openapi-spec-validator refused the document:\n{printed}");

    // The validator is not a rubber stamp: a path parameter the operation
    // does not declare, and a reference to nothing, are refused.
    let mut broken = document.clone();
    broken["paths"]["/api/admin/sites/{site}/users/{id}"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .retain(|parameter| parameter["name"] != "id");
    let (valid, printed) = validate(&broken);
    assert!(!valid && printed.contains("'id'"), "{printed}");
    let mut broken = document.clone();
    broken["paths"]["/api/admin/sites"]["get"]["responses"]["404"] =
        json!({ "$ref": "#/components/responses/Nothing" });
    let (valid, printed) = validate(&broken);
    assert!(!valid, "{printed}");
}

/// The schema named `name`, with `$ref`s and `allOf` of the document
/// resolved one level: (properties, required).
fn schema_fields(document: &Value, name: &str) -> (Vec<String>, Vec<String>) {
    let schema = &document["components"]["schemas"][name];
    let parts: Vec<&Value> = match schema["allOf"].as_array() {
        Some(parts) => parts
            .iter()
            .map(|part| match part["$ref"].as_str() {
                Some(reference) => {
                    let name = reference.trim_start_matches("#/components/schemas/");
                    &document["components"]["schemas"][name]
                }
                None => part,
            })
            .collect(),
        None => vec![schema],
    };
    assert!(parts.iter().all(|part| part.is_object()), "no schema {name}");
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for part in parts {
        properties.extend(part["properties"].as_object().unwrap().keys().cloned());
        if let Some(names) = part["required"].as_array() {
            required.extend(names.iter().map(|n| n.as_str().unwrap().to_owned()));
        }
    }
    (properties, required)
}

/// `value`, an answer of the server, has every field the schema requires
/// and none it does not name.
#[track_caller]
fn assert_fits(document: &Value, name: &str, value: &Value) {
    let (properties, required) = schema_fields(document, name);
    let fields: Vec<&String> = value.as_object().unwrap().keys().collect();
    for field in &fields {
        assert!(properties.contains(field), "{name} does not document {field}: {value}");
    }
    for field in &required {
        assert!(fields.contains(&field), "{name} requires {field}, absent from {value}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schemas_are_what_the_server_answers() {
    let app = spawn_app(Backend::Sqlite).await;
    let document = document(&app).await;

    let (user, required) = schema_fields(&document, "UserView");
    assert!(user.contains(&"username".to_owned()) && required.contains(&"username".to_owned()));
    let (_, required) = schema_fields(&document, "ErrorBody");
    assert_eq!(required, ["error", "message"]);
    let scheme = &document["components"]["securitySchemes"]["admin_key"];
    assert_eq!((&scheme["type"], &scheme["scheme"]), (&json!("http"), &json!("bearer")));
    assert_eq!(document["security"], json!([{ "admin_key": [] }]));
    let get_user = &document["paths"]["/api/admin/sites/{site}/users/{id}"]["get"];
    assert_eq!(
        get_user["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/UserView"
    );
    for status in ["401", "404", "500"] {
        let reference = get_user["responses"][status]["$ref"].as_str().unwrap();
        let name = reference.trim_start_matches("#/components/responses/");
        let response = &document["components"]["responses"][name];
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{status}"
        );
    }

    // Real answers fit their schemas.
    let site = app.post("/api/admin/sites", json!({ "slug": "acme" })).await;
    assert_fits(&document, "SiteView", &site.body);
    let id = app
        .user("acme", json!({ "username": "ada", "email": "ada@example.com", "full_name": "Ada" }))
        .await;
    let user = app.get(&format!("/api/admin/sites/acme/users/{id}")).await;
    assert_fits(&document, "UserView", &user.body);
    let key = app.post("/api/admin/sites/acme/keys", json!({ "name": "app" })).await;
    assert_fits(&document, "CreatedAdminKey", &key.body);
    let missing = app.get("/api/admin/sites/acme/users/made-up").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_fits(&document, "ErrorBody", &missing.body);
    let invalid = app.post("/api/admin/sites", json!({ "slug": "acme", "nmae": 1 })).await;
    assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
    assert_fits(&document, "ErrorBody", &invalid.body);
}
