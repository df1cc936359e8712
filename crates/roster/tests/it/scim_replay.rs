//! Recorded identity-provider conversations, replayed against the server.
//!
//! `tests/data/idp/<kind>/` holds, per provider kind, scenario files
//! (`*.http`) written from the provider's public documentation (cited in
//! the folder's README). Each scenario runs on a fresh database, with a
//! site `acme` and one SSO provider holding a SCIM token, and checks every
//! response and, through the admin API, what was stored. It runs once as a
//! provider of the folder's kind and once as a provider of every other
//! SCIM kind (issue 16): the requests do not change with the kind a
//! provider was given, and lenient parsing is every kind's, so the answers
//! must not change either, except where a kind's semantic dialect decides
//! them. Such an exchange carries a marker line after its title naming the
//! part of the dialect it depends on: `% kind-specific (profile): why`
//! (the profile the admin API shows: Entra's mapping for `entra_id`, the
//! generic one otherwise) or `% kind-specific (replace-miss-adds): why`
//! (`entra_id` and `saml` add where a filtered replace misses). Under a
//! kind that gets the other variant, a marked read is skipped and a marked
//! write ends the replay, since what follows may depend on it.
//!
//! Scenario format (lines starting with `#` are comments):
//!
//! ```text
//! === Title of the exchange
//! % kind-specific (profile): why           (optional, see above)
//! POST /Users?filter=userName eq "x"      (path relative to /api/scim)
//! If-Match: W/"1"                          (request headers, optional)
//! { "json": "body" }                       (optional, up to "---")
//! --- 201
//! Location: {{base}}/Users/{{alice}}      (expected headers, optional)
//! { "expected": "json" }                   (optional)
//! ```
//!
//! `ADMIN GET /users/{{alice}}` sends the request to the admin API of the
//! site (`/api/admin/sites/acme/...`) with an operator key instead.
//! Spaces and `"` in the query are percent-encoded as a client would.
//!
//! The expected body is matched as a subset: every key given must be
//! present and match; arrays match element for element in any order and
//! must have the same length. `"{{name}}"` binds `name` to the actual value
//! the first time and must equal it afterwards (and is substituted in later
//! requests); `"{{*}}"` matches any value; `"{{absent}}"` requires the key
//! to be missing. `{{base}}` (the SCIM base URL), `{{provider}}` (the
//! provider's id) and `{{site}}` are bound from the start.
//!
//! After each conversation, the whole stored database (every table, the
//! SCIM request log and the history log) is searched for every secret the
//! conversation carried: the credential of each `Authorization` header
//! (and what a Basic one decodes to) and every value of a `password`
//! attribute, plain, JSON-escaped or in base64 (issue 18: redaction).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{Backend, SCIM_KINDS, TestApp, reply, spawn_app};

/// One request and the response it must get.
#[derive(Debug)]
struct Exchange {
    title: String,
    line: usize,
    /// Which semantic dialect the answer depends on, if any (a
    /// `% kind-specific (ASPECT): why` line after the title).
    kind_specific: Option<Semantics>,
    admin: bool,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    status: u16,
    expected_headers: Vec<(String, String)>,
    expected_body: Option<String>,
}

fn parse(text: &str, file: &Path) -> Vec<Exchange> {
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .filter(|(_, line)| !line.starts_with('#'))
        .collect();
    let mut exchanges = Vec::new();
    let mut at = 0;
    let fail = |line: usize, why: &str| -> ! { panic!("{}:{line}: {why}", file.display()) };
    while at < lines.len() {
        let (line, text) = lines[at];
        at += 1;
        if text.trim().is_empty() {
            continue;
        }
        let Some(title) = text.strip_prefix("=== ") else {
            fail(line, "expected \"=== title\"");
        };
        let kind_specific = match lines.get(at) {
            Some(&(marker_line, text)) if text.starts_with("% ") => {
                at += 1;
                let aspect = text
                    .strip_prefix("% kind-specific (")
                    .and_then(|rest| rest.split_once("): "))
                    .map(|(aspect, _why)| aspect);
                Some(match aspect {
                    Some("profile") => Semantics::Profile,
                    Some("replace-miss-adds") => Semantics::ReplaceMissAdds,
                    _ => fail(
                        marker_line,
                        "expected \"% kind-specific (profile|replace-miss-adds): why\"",
                    ),
                })
            }
            _ => None,
        };
        let Some(&(request_line, request)) = lines.get(at) else {
            fail(line, "a title without a request");
        };
        at += 1;
        let (admin, request) = match request.strip_prefix("ADMIN ") {
            Some(rest) => (true, rest),
            None => (false, request),
        };
        let Some((method, path)) = request.split_once(' ') else {
            fail(request_line, "expected \"METHOD /path\"");
        };
        let method = Method::from_bytes(method.as_bytes())
            .unwrap_or_else(|_| fail(request_line, "unknown method"));
        let (headers, body) = headers_and_body(&lines, &mut at, |t| t.starts_with("--- "));
        let Some(&(status_line, status)) = lines.get(at) else {
            fail(request_line, "a request without \"--- STATUS\"");
        };
        at += 1;
        let status = status
            .strip_prefix("--- ")
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| fail(status_line, "expected \"--- STATUS\""));
        let (expected_headers, expected_body) =
            headers_and_body(&lines, &mut at, |t| t.starts_with("=== "));
        exchanges.push(Exchange {
            title: title.to_owned(),
            line,
            kind_specific,
            admin,
            method,
            path: path.trim().to_owned(),
            headers,
            body,
            status,
            expected_headers,
            expected_body,
        });
    }
    exchanges
}

/// Header lines, then a JSON body (from the first line starting with `{`
/// or `[`) up to the line `stop` accepts.
fn headers_and_body(
    lines: &[(usize, &str)],
    at: &mut usize,
    stop: impl Fn(&str) -> bool,
) -> (Vec<(String, String)>, Option<String>) {
    let mut headers = Vec::new();
    let mut body = Vec::new();
    while let Some(&(_, text)) = lines.get(*at) {
        if stop(text) {
            break;
        }
        *at += 1;
        if body.is_empty() && !text.starts_with(['{', '[']) {
            if let Some((name, value)) = text.split_once(": ") {
                headers.push((name.to_owned(), value.to_owned()));
            }
            continue;
        }
        body.push(text);
    }
    let body = body.join("\n").trim_end().to_owned();
    (headers, (!body.trim().is_empty()).then_some(body))
}

/// Values bound by `{{name}}` so far.
struct Bindings(BTreeMap<String, Value>);

impl Bindings {
    /// Replaces every bound `{{name}}` in `text` by its value's text.
    fn substitute(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.0 {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out = out.replace(&format!("{{{{{name}}}}}"), &text);
        }
        out
    }

    /// Whether `actual` matches `expected`; on a mismatch, where and why.
    fn matches(&mut self, expected: &Value, actual: &Value, at: &str) -> Result<(), String> {
        match expected {
            Value::String(text) => {
                if text == "{{*}}" {
                    return Ok(());
                }
                if let Some(name) = placeholder(text) {
                    return match self.0.get(name) {
                        Some(bound) if bound == actual => Ok(()),
                        Some(bound) => {
                            Err(format!("{at}: {actual} is not {{{{{name}}}}} = {bound}"))
                        }
                        None => {
                            self.0.insert(name.to_owned(), actual.clone());
                            Ok(())
                        }
                    };
                }
                let want = self.substitute(text);
                match actual.as_str().and_then(|have| template_bindings(&want, have)) {
                    Some(bound) => {
                        for (name, value) in bound {
                            self.0.insert(name, Value::String(value));
                        }
                        Ok(())
                    }
                    None => Err(format!("{at}: expected {want:?}, got {actual}")),
                }
            }
            Value::Object(want) => {
                let Some(have) = actual.as_object() else {
                    return Err(format!("{at}: expected an object, got {actual}"));
                };
                for (key, value) in want {
                    let path = format!("{at}.{key}");
                    match (value.as_str(), have.get(key)) {
                        (Some("{{absent}}"), None) => {}
                        (Some("{{absent}}"), Some(got)) => {
                            return Err(format!("{path}: expected no value, got {got}"));
                        }
                        (_, None) => return Err(format!("{path}: missing")),
                        (_, Some(got)) => self.matches(value, got, &path)?,
                    }
                }
                Ok(())
            }
            Value::Array(want) => {
                let Some(have) = actual.as_array() else {
                    return Err(format!("{at}: expected an array, got {actual}"));
                };
                if want.len() != have.len() {
                    return Err(format!(
                        "{at}: expected {} elements, got {}: {actual}",
                        want.len(),
                        have.len()
                    ));
                }
                // Any order: each expected element takes the first unused
                // actual element it matches, binding nothing on a miss.
                let mut used = vec![false; have.len()];
                for (index, item) in want.iter().enumerate() {
                    let found = have.iter().enumerate().find_map(|(i, got)| {
                        if used[i] {
                            return None;
                        }
                        let mut trial = Bindings(self.0.clone());
                        trial.matches(item, got, &format!("{at}[{index}]")).ok()?;
                        Some((i, trial))
                    });
                    let Some((i, trial)) = found else {
                        return Err(format!("{at}: nothing matches {item} in {actual}"));
                    };
                    used[i] = true;
                    self.0 = trial.0;
                }
                Ok(())
            }
            _ if expected == actual => Ok(()),
            _ => Err(format!("{at}: expected {expected}, got {actual}")),
        }
    }
}

fn placeholder(text: &str) -> Option<&str> {
    let name = text.strip_prefix("{{")?.strip_suffix("}}")?;
    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then_some(name)
}

/// Matches `have` against a template whose remaining `{{name}}`s are
/// unbound, returning what each binds to (each takes the text up to the
/// next literal part).
fn template_bindings(template: &str, have: &str) -> Option<Vec<(String, String)>> {
    let mut bound = Vec::new();
    let mut rest_template = template;
    let mut rest = have;
    loop {
        let Some(open) = rest_template.find("{{") else {
            return (rest_template == rest).then_some(bound);
        };
        let literal = &rest_template[..open];
        rest = rest.strip_prefix(literal)?;
        let close = rest_template[open..].find("}}")? + open;
        let name = &rest_template[open + 2..close];
        rest_template = &rest_template[close + 2..];
        let next_literal = rest_template.split("{{").next().unwrap_or("");
        let end = if next_literal.is_empty() { rest.len() } else { rest.find(next_literal)? };
        bound.push((name.to_owned(), rest[..end].to_owned()));
        rest = &rest[end..];
    }
}

/// Percent-encodes what a client would in a query: spaces and quotes.
fn encode_query(path: &str) -> String {
    match path.split_once('?') {
        Some((path, query)) => {
            format!("{path}?{}", query.replace(' ', "%20").replace('"', "%22"))
        }
        None => path.to_owned(),
    }
}

/// Replays `file` (from the folder of `folder_kind`) as a provider of
/// `kind`: `Err` says which exchange got what.
async fn run_scenario(
    app: &TestApp,
    folder_kind: &str,
    kind: &str,
    file: &Path,
    secrets: &mut Vec<String>,
) -> Result<(), String> {
    let text = std::fs::read_to_string(file).expect("read a scenario");
    let exchanges = parse(&text, file);
    assert!(!exchanges.is_empty(), "{}: no exchanges", file.display());
    app.site("acme").await;
    let scim = app.scim_provider("acme", kind, &format!("{kind} directory")).await;
    let mut bindings = Bindings(BTreeMap::from([
        ("base".to_owned(), Value::String(format!("{}/api/scim", app.address))),
        ("provider".to_owned(), Value::String(scim.provider_id.clone())),
        ("site".to_owned(), Value::String("acme".to_owned())),
    ]));
    for exchange in exchanges {
        if let Some(aspect) = exchange.kind_specific
            && aspect.of(kind) != aspect.of(folder_kind)
        {
            // A read is skipped; after a write, what follows may depend on
            // what the write did under the folder's kind.
            if exchange.method == Method::GET {
                continue;
            }
            break;
        }
        let path = encode_query(&bindings.substitute(&exchange.path));
        let url = if exchange.admin {
            format!("{}/api/admin/sites/acme{path}", app.address)
        } else {
            format!("{}/api/scim{path}", app.address)
        };
        let mut request = app.client.request(exchange.method.clone(), url);
        let mut authorized = false;
        let mut typed = false;
        let mut sent = Vec::new();
        for (name, value) in &exchange.headers {
            authorized |= name.eq_ignore_ascii_case("authorization");
            typed |= name.eq_ignore_ascii_case("content-type");
            let value = bindings.substitute(value);
            request = request.header(name, &value);
            sent.push((name.clone(), value));
        }
        if !authorized {
            let token = if exchange.admin { &app.key } else { &scim.token };
            request = request.bearer_auth(token);
            sent.push(("Authorization".to_owned(), format!("Bearer {token}")));
        }
        let body = exchange.body.as_ref().map(|body| bindings.substitute(body));
        secrets.extend(secrets_of(&sent, body.as_deref()));
        if let Some(body) = body {
            if !typed {
                request = request.header("content-type", "application/scim+json");
            }
            request = request.body(body);
        }
        let got = reply(request.send().await.expect("request")).await;
        let context = format!(
            "{}:{} \"{}\"\n{} {path}\n-> {} {}",
            file.display(),
            exchange.line,
            exchange.title,
            exchange.method,
            got.status,
            serde_json::to_string_pretty(&got.body).unwrap_or_default()
        );
        if got.status.as_u16() != exchange.status {
            return Err(format!("{context}\nexpected {}", exchange.status));
        }
        for (name, value) in &exchange.expected_headers {
            let Some(actual) = got.headers.get(name).and_then(|v| v.to_str().ok()) else {
                return Err(format!("{context}\nmissing header {name}"));
            };
            bindings
                .matches(&Value::String(value.clone()), &Value::String(actual.into()), name)
                .map_err(|why| format!("{context}\n{why}"))?;
        }
        if let Some(expected) = &exchange.expected_body {
            let expected: Value = serde_json::from_str(expected).unwrap_or_else(|err| {
                panic!("{}:{}: the expected body is not JSON: {err}", file.display(), exchange.line)
            });
            bindings
                .matches(&expected, &got.body, "body")
                .map_err(|why| format!("{context}\n{why}"))?;
        }
    }
    Ok(())
}

fn scenarios(kind: &str) -> Vec<PathBuf> {
    let folder =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data/idp").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|err| panic!("{}: {err}", folder.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "http"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: no scenarios", folder.display());
    assert!(
        folder.join("README.md").exists(),
        "{}: cite the sources in README.md",
        folder.display()
    );
    files
}

/// The parts of the semantic dialect an answer can depend on (README,
/// "Semantic dialect, per kind"); lenient parsing is every kind's.
#[derive(Debug, Clone, Copy)]
enum Semantics {
    /// The profile the application derives: Entra's mapping for
    /// `entra_id`, the generic one for the others.
    Profile,
    /// A filtered `replace` that matches nothing adds (`entra_id`, `saml`)
    /// rather than answering `400 noTarget`.
    ReplaceMissAdds,
}

impl Semantics {
    /// Which variant of this part a provider of `kind` gets.
    fn of(self, kind: &str) -> bool {
        match self {
            Semantics::Profile => kind == "entra_id",
            Semantics::ReplaceMissAdds => matches!(kind, "entra_id" | "saml"),
        }
    }
}

/// Replays each scenario of `folder_kind`'s folder as a provider of every
/// SCIM kind, each on a fresh database: the requests are the product's,
/// and a conformant or leniently parsed request means the same whatever
/// the kind. An exchange marked kind-specific (its answer depends on a part
/// of the semantic dialect, such as the profile under Entra's mapping) is
/// replayed only under the kinds that get the folder kind's variant of
/// that part; under the others a read is skipped, and a write ends the
/// replay (what follows may depend on it).
async fn replay(folder_kind: &str, backend: Backend) {
    let mut failures = Vec::new();
    for file in scenarios(folder_kind) {
        for kind in SCIM_KINDS {
            let app = spawn_app(backend).await;
            let mut secrets = Vec::new();
            if let Err(why) = run_scenario(&app, folder_kind, kind, &file, &mut secrets).await {
                failures.push(format!("as {kind}: {why}"));
            }
            assert!(!secrets.is_empty(), "{}: every conversation authenticates", file.display());
            let found = leaks(&secrets, &stored(&app).await);
            if !found.is_empty() {
                failures.push(format!("as {kind}: {} stored {found:?}", file.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

/// Secrets shorter than this are not looked for: they would be found in
/// unrelated text by chance.
const SHORTEST_SECRET: usize = 6;

/// The secrets one request carries: the credential of its `Authorization`
/// header (a bearer token; a Basic one's base64 and its password), and
/// every value of a `password` attribute in its JSON body, at any depth
/// (an attribute named `password` or `...:password`, or a PATCH operation
/// whose `path` is `password`).
fn secrets_of(headers: &[(String, String)], body: Option<&str>) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("authorization") {
            continue;
        }
        let (scheme, credential) = value.trim().split_once(' ').unwrap_or(("", value.trim()));
        found.push(credential.trim().to_owned());
        if scheme.eq_ignore_ascii_case("basic")
            && let Some(decoded) =
                STANDARD.decode(credential.trim()).ok().and_then(|b| String::from_utf8(b).ok())
            && let Some((_, password)) = decoded.split_once(':')
        {
            found.push(password.to_owned());
        }
    }
    if let Some(body) = body.and_then(|body| serde_json::from_str::<Value>(body).ok()) {
        passwords(&body, &mut found);
    }
    found.retain(|secret| secret.len() >= SHORTEST_SECRET);
    found.sort();
    found.dedup();
    found
}

fn passwords(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let by_path = map.get("path").and_then(Value::as_str).is_some_and(is_password);
            if by_path && let Some(Value::String(secret)) = map.get("value") {
                found.push(secret.clone());
            }
            for (key, item) in map {
                if is_password(key)
                    && let Value::String(secret) = item
                {
                    found.push(secret.clone());
                }
                passwords(item, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| passwords(item, found)),
        _ => {}
    }
}

fn is_password(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name == "password" || name.ends_with(":password")
}

/// The forms a stored copy of `secret` could take: as it is, JSON-escaped
/// (once, or twice for a JSON body kept as a JSON string), Rust-escaped
/// (the dumps' own quoting), and in base64.
fn stored_forms(secret: &str) -> Vec<String> {
    let json = |text: &str| {
        let quoted = serde_json::to_string(text).unwrap();
        quoted[1..quoted.len() - 1].to_owned()
    };
    let debug = |text: &str| {
        let quoted = format!("{text:?}");
        quoted[1..quoted.len() - 1].to_owned()
    };
    let mut forms = Vec::new();
    for text in [secret.to_owned(), json(secret)] {
        forms.extend([json(&text), debug(&text), text]);
    }
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
        forms.push(engine.encode(secret));
    }
    forms.sort();
    forms.dedup();
    forms
}

/// Each secret found in `stored`, with the form it was found in.
fn leaks(secrets: &[String], stored: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for secret in secrets {
        if let Some(form) = stored_forms(secret).into_iter().find(|form| stored.contains(form)) {
            found.push((secret.clone(), form));
        }
    }
    found
}

/// Everything the database holds: every table, the SCIM request log (once
/// what was queued is written) and the history log.
async fn stored(app: &TestApp) -> String {
    app.app.scim_log().flush().await;
    let snapshot = app.store.snapshot().await.expect("snapshot");
    let scim_logs = app.store.scim_log_dump().await.expect("SCIM log");
    let history = app.store.history_dump().await.expect("history");
    // (A connection test changes nothing: its history may be empty.)
    assert!(!scim_logs.is_empty(), "the requests were logged");
    format!("{snapshot}\n{scim_logs}\n{history}")
}

async fn okta(backend: Backend) {
    replay("okta", backend).await;
}

async fn entra_id(backend: Backend) {
    replay("entra_id", backend).await;
}

async fn jumpcloud(backend: Backend) {
    replay("jumpcloud", backend).await;
}

async fn onelogin(backend: Backend) {
    replay("onelogin", backend).await;
}

async fn duo(backend: Backend) {
    replay("duo", backend).await;
}

crate::on_both_databases!(okta, entra_id, jumpcloud, onelogin, duo);

#[test]
fn the_matcher_binds_compares_and_reports() {
    let mut bindings = Bindings(BTreeMap::new());
    let expected = serde_json::json!({ "id": "{{alice}}", "meta": { "location": "x/{{alice}}" }, "gone": "{{absent}}", "list": [{ "v": 2 }, { "v": 1 }] });
    let actual = serde_json::json!({ "id": "u1", "meta": { "location": "x/u1" }, "list": [{ "v": 1 }, { "v": 2 }], "extra": true });
    assert_eq!(bindings.matches(&expected, &actual, "body"), Ok(()));
    assert_eq!(bindings.0["alice"], "u1");
    let wrong = serde_json::json!({ "id": "u2", "meta": { "location": "x/u2" }, "list": [{ "v": 1 }, { "v": 2 }] });
    assert!(bindings.matches(&expected, &wrong, "body").unwrap_err().contains("{{alice}}"));
    let present = serde_json::json!({ "id": "u1", "meta": { "location": "x/u1" }, "gone": 1, "list": [{ "v": 1 }, { "v": 2 }] });
    assert!(bindings.matches(&expected, &present, "body").unwrap_err().contains("body.gone"));
    let short =
        serde_json::json!({ "id": "u1", "meta": { "location": "x/u1" }, "list": [{ "v": 1 }] });
    assert!(bindings.matches(&expected, &short, "body").unwrap_err().contains("2 elements"));
    assert_eq!(
        template_bindings("a/{{x}}/b/{{y}}", "a/1/b/22"),
        Some(vec![("x".into(), "1".into()), ("y".into(), "22".into())])
    );
    assert_eq!(template_bindings("a/{{x}}/b", "a/1/c"), None);
    assert_eq!(template_bindings("plain", "plain"), Some(vec![]));
}

#[test]
fn scenarios_parse_into_exchanges() {
    let text = "# a comment\n=== Probe\nGET /Users?filter=userName eq \"x\"\n--- 200\n{\"totalResults\": 0}\n\n=== Create\nPOST /Users\nContent-Type: application/json\n{\n  \"userName\": \"x\"\n}\n--- 201\nLocation: {{base}}/Users/{{x}}\n";
    let exchanges = parse(text, Path::new("inline"));
    assert_eq!(exchanges.len(), 2);
    assert_eq!(exchanges[0].path, "/Users?filter=userName eq \"x\"");
    assert_eq!(exchanges[0].status, 200);
    assert_eq!(exchanges[0].expected_body.as_deref(), Some("{\"totalResults\": 0}"));
    assert_eq!(exchanges[1].headers, vec![("Content-Type".into(), "application/json".into())]);
    assert_eq!(exchanges[1].body.as_deref(), Some("{\n  \"userName\": \"x\"\n}"));
    assert_eq!(exchanges[1].expected_headers.len(), 1);
    assert_eq!(exchanges[1].expected_body, None);
    assert_eq!(encode_query(&exchanges[0].path), "/Users?filter=userName%20eq%20%22x%22");
    assert!(exchanges.iter().all(|exchange| exchange.kind_specific.is_none()));
    let marked =
        "=== Read\n% kind-specific (profile): Entra's mapping\nADMIN GET /users/x\n--- 200\n";
    let exchanges = parse(marked, Path::new("inline"));
    assert!(matches!(exchanges[0].kind_specific, Some(Semantics::Profile)));
    assert!(exchanges[0].admin);
    assert!(Semantics::Profile.of("entra_id") && !Semantics::Profile.of("saml"));
    assert!(Semantics::ReplaceMissAdds.of("saml") && !Semantics::ReplaceMissAdds.of("okta"));
}

#[test]
fn the_secret_collector_finds_every_secret_in_every_stored_form() {
    let basic = STANDARD.encode("okta:basic-pass-word");
    let headers = [
        ("Authorization".to_owned(), "Bearer token-of-the-idp".to_owned()),
        ("authorization".to_owned(), format!("Basic {basic}")),
        ("Content-Type".to_owned(), "application/scim+json".to_owned()),
    ];
    let body = r#"{"userName": "ada", "password": "top \"secret\" 1",
        "Operations": [{"op": "replace", "path": "password", "value": "patched-pw"},
                       {"op": "replace", "value": {"urn:x:Password": "nested-pw", "n": 1}}],
        "short": {"password": "abc"}}"#;
    let secrets = secrets_of(&headers, Some(body));
    assert_eq!(
        secrets,
        [
            basic.as_str(),
            "basic-pass-word",
            "nested-pw",
            "patched-pw",
            "token-of-the-idp",
            "top \"secret\" 1"
        ],
        "too short a password is not looked for"
    );
    assert!(secrets_of(&headers[2..], Some("not json")).is_empty());

    // Found as it is, JSON-escaped, escaped twice, and in base64.
    let quoted = "top \"secret\" 1";
    for stored in [
        "x token-of-the-idp y".to_owned(),
        r#"{"password":"top \"secret\" 1"}"#.to_owned(),
        r#"body="{\"password\":\"top \\\"secret\\\" 1\"}""#.to_owned(),
        format!("b64={}", STANDARD.encode(quoted)),
        format!("b64={}", URL_SAFE_NO_PAD.encode("patched-pw")),
    ] {
        assert_eq!(leaks(&secrets, &stored).len(), 1, "{stored}");
    }
    assert!(leaks(&secrets, "password=\"[redacted]\" Authorization: (redacted)").is_empty());
}
