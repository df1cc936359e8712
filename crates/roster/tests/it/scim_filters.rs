//! SCIM filters and sorting proven on real databases: hundreds of table
//! cases for the filter-to-SQL compiler (STYLE rules 4 and 7).
//!
//! A fixture of users and groups (`tests/data/scim_filters/*.json`) is
//! provisioned through SCIM as an identity provider would, then every line
//! of the filter tables is run on SQLite and on PostgreSQL, through
//! `GET /{Users,Groups}?filter=...` and through `POST /{...}/.search`. Each
//! answer must equal two things: the set of resources for which the
//! reference evaluator `roster_scim::matches` holds, applied to each
//! resource as `GET /Users/{id}` returns it (so the SQL and the in-memory
//! semantics agree), and the outcome the line records.
//!
//! Table format (`users_*.txt`, `groups*.txt`), one case a line:
//!
//! ```text
//! # a comment
//! FILTER => EXPECTED
//! FILTER =>! EXPECTED
//! ```
//!
//! `EXPECTED` is `none`, `all`, `all but KEY...`, `KEY...` (fixture keys,
//! any order) or `error: SCIMTYPE` (a 400 SCIM error, never a 5xx). `=>!`
//! pins an expectation decided by hand from the RFCs where the server or
//! the evaluator is wrong: the case fails until the code is fixed, and
//! `UPDATE_EXPECT=1` never rewrites it. In a filter, `{id:KEY}` is the id
//! of a fixture resource, `{ID:KEY}` the same upper-cased, `{created:KEY}`
//! and `{modified:KEY}` its `meta.created` and `meta.lastModified`, and
//! `{created+05:30:KEY}` the same instant written with that offset.
//!
//! The sort table (`sort.txt`) has lines `SORTBY [ORDER] => EXPECTED`,
//! where `EXPECTED` lists every user key in order, tied users in
//! parentheses (their relative order is not defined), or `error: ...`. The
//! reference order is computed here from RFC 7644 §3.4.2.3: by the
//! attribute's type and `caseExact`, a multi-valued attribute by its
//! primary value else its first, unassigned values last when ascending and
//! first when descending.
//!
//! `UPDATE_EXPECT=1` rewrites, from the SQLite run, every unpinned
//! expectation on which the database and the reference agree.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use reqwest::StatusCode;
use roster_scim::schema::{AttrType, GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use roster_scim::{SEARCH_REQUEST_URN, SortKey, parse_filter};
use serde_json::{Value, json};

use crate::helpers::{Backend, Reply, Scim, TestApp, spawn_app};

const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH_OP_URN: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn data_dir() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/data/scim_filters")
}

fn update_expect(backend: Backend) -> bool {
    // One run rewrites, so that the two databases' runs never race.
    backend == Backend::Sqlite && std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Replaces each `{KIND:KEY}` token of `text` with `lookup(KIND, KEY)`.
fn fill(text: &str, lookup: &dyn Fn(&str, &str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else { break };
        let token = &rest[start + 1..start + len];
        let replaced = token.rsplit_once(':').and_then(|(kind, key)| lookup(kind, key));
        match replaced {
            Some(value) => out.push_str(&value),
            None => out.push_str(&rest[start..=start + len]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn fill_json(value: &mut Value, lookup: &dyn Fn(&str, &str) -> Option<String>) {
    match value {
        Value::String(text) => *text = fill(text, lookup),
        Value::Array(items) => items.iter_mut().for_each(|item| fill_json(item, lookup)),
        Value::Object(map) => map.values_mut().for_each(|item| fill_json(item, lookup)),
        _ => {}
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            write!(out, "%{byte:02X}").unwrap();
        }
    }
    out
}

/// The users and groups of the fixture, as the server returns them.
struct Fixture<'a> {
    scim: Scim<'a>,
    /// Fixture key to id, for users and groups.
    ids: BTreeMap<String, String>,
    users: Vec<(String, Value)>,
    groups: Vec<(String, Value)>,
}

fn read_json(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(data_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{name}: {err}"))
}

async fn provision(app: &TestApp) -> Fixture<'_> {
    app.site("acme").await;
    let scim = app.scim_provider("acme", "okta", "Okta").await;
    let mut ids = BTreeMap::new();
    for (kind, endpoint) in [("user", "/Users"), ("group", "/Groups")] {
        for entry in read_json(&format!("{kind}s.json")) {
            let key = entry["key"].as_str().unwrap().to_owned();
            let lookup = |_: &str, key: &str| ids.get(key).cloned();
            let mut body = entry[kind].clone();
            fill_json(&mut body, &lookup);
            let created = scim.post(endpoint, body).await;
            assert_eq!(created.status, StatusCode::CREATED, "{key}: {created:?}");
            let id = created.body["id"].as_str().unwrap().to_owned();
            if let Some(operations) = entry.get("patch") {
                let patch = json!({ "schemas": [PATCH_OP_URN], "Operations": operations });
                let patched = scim.patch(&format!("{endpoint}/{id}"), patch).await;
                assert_eq!(patched.status, StatusCode::OK, "{key}: {patched:?}");
            }
            assert!(ids.insert(key.clone(), id).is_none(), "{key} twice");
        }
    }
    // A user of another provider that matches most filters: a list must
    // never show it (SPEC §3: a provider sees the users it manages).
    let other = app.scim_provider("acme", "onelogin", "OneLogin").await;
    let mut intruder = read_json("users.json")
        .into_iter()
        .find(|entry| entry["key"] == "bjensen")
        .unwrap()["user"]
        .clone();
    intruder["userName"] = json!("intruder@example.com");
    intruder["emails"] = json!([{ "value": "intruder@example.com", "type": "work" }]);
    intruder["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"] = json!({});
    let created = other.post("/Users", intruder).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let mut fixture = Fixture { scim, ids, users: Vec::new(), groups: Vec::new() };
    for (key, id) in fixture.ids.clone() {
        let user = fixture.scim.get(&format!("/Users/{id}")).await;
        if user.status == StatusCode::OK {
            fixture.users.push((key, user.body));
            continue;
        }
        // With the members' `display`, which is returned on request only
        // but which filters compare.
        let every = "attributes=displayName,externalId,meta,members,members.display";
        let group = fixture.scim.get(&format!("/Groups/{id}?{every}")).await;
        assert_eq!(group.status, StatusCode::OK, "{key}: {group:?}");
        fixture.groups.push((key, group.body));
    }
    if std::env::var_os("SCIM_FILTERS_DUMP").is_some() {
        for (key, resource) in fixture.users.iter().chain(&fixture.groups) {
            eprintln!("{key}: {resource:#}");
        }
    }
    fixture
}

/// What a filter selects, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Keys(BTreeSet<String>),
    /// A 400 SCIM error with this `scimType`.
    Error(String),
    /// Anything else: a 5xx, a body that is not SCIM, an unknown id.
    Broken(String),
}

/// Which resources a table is about.
#[derive(Clone, Copy)]
struct Kind {
    rt: &'static ResourceType,
    endpoint: &'static str,
}

const USERS: Kind = Kind { rt: &USER_RESOURCE, endpoint: "/Users" };
const GROUPS: Kind = Kind { rt: &GROUP_RESOURCE, endpoint: "/Groups" };

impl Fixture<'_> {
    fn resources(&self, kind: Kind) -> &[(String, Value)] {
        if kind.endpoint == "/Users" { &self.users } else { &self.groups }
    }

    fn universe(&self, kind: Kind) -> BTreeSet<String> {
        self.resources(kind).iter().map(|(key, _)| key.clone()).collect()
    }

    fn key_of(&self, id: &str) -> Option<&str> {
        self.ids.iter().find(|(_, v)| *v == id).map(|(k, _)| k.as_str())
    }

    fn resource(&self, key: &str) -> Option<&Value> {
        self.users.iter().chain(&self.groups).find(|(k, _)| k == key).map(|(_, r)| r)
    }

    /// Fills the placeholders of a filter.
    fn filter_text(&self, raw: &str) -> Result<String, String> {
        let missing = std::cell::RefCell::new(None);
        let text = fill(raw, &|kind, key| {
            let value = self.placeholder(kind, key);
            if value.is_none() {
                *missing.borrow_mut() = Some(format!("{{{kind}:{key}}}"));
            }
            value
        });
        match missing.into_inner() {
            Some(token) => Err(format!("unknown placeholder {token}")),
            None => Ok(text),
        }
    }

    fn placeholder(&self, kind: &str, key: &str) -> Option<String> {
        let resource = self.resource(key)?;
        let meta = |name: &str| resource["meta"][name].as_str().map(str::to_owned);
        match kind {
            "id" => self.ids.get(key).cloned(),
            "ID" => self.ids.get(key).map(|id| id.to_uppercase()),
            "created" => meta("created"),
            "modified" => meta("lastModified"),
            _ => {
                // `created+05:30`: the same instant at that offset.
                let offset = kind.strip_prefix("created")?;
                let (sign, clock) = offset.split_at_checked(1)?;
                let (hours, minutes) = clock.split_once(':')?;
                let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
                let seconds = if sign == "-" { -seconds } else { seconds };
                let zone = jiff::tz::Offset::from_seconds(seconds).ok()?;
                let instant: jiff::Timestamp = meta("created")?.parse().ok()?;
                Some(instant.display_with_offset(zone).to_string())
            }
        }
    }

    /// What the server answers to a list request.
    fn outcome(&self, reply: &Reply) -> Outcome {
        if reply.status == StatusCode::BAD_REQUEST {
            let scim_body = reply.body["schemas"][0] == ERROR_URN
                && reply.body["status"] == "400"
                && reply.body["detail"].as_str().is_some_and(|d| !d.is_empty())
                && reply.headers.get("content-type").is_some_and(|c| c == "application/scim+json");
            if !scim_body {
                return Outcome::Broken(format!("400 without a SCIM error body: {reply:?}"));
            }
            return Outcome::Error(reply.body["scimType"].as_str().unwrap_or("none").to_owned());
        }
        if reply.status != StatusCode::OK {
            return Outcome::Broken(format!("{}: {}", reply.status, reply.body));
        }
        let Some(resources) = reply.body["Resources"].as_array() else {
            return Outcome::Broken(format!("no Resources: {}", reply.body));
        };
        if reply.body["totalResults"] != resources.len() {
            return Outcome::Broken(format!("totalResults is not {}", resources.len()));
        }
        let mut keys = BTreeSet::new();
        for resource in resources {
            let id = resource["id"].as_str().unwrap_or_default();
            match self.key_of(id) {
                Some(key) => keys.insert(key.to_owned()),
                None => return Outcome::Broken(format!("a resource outside the fixture: {id}")),
            };
        }
        Outcome::Keys(keys)
    }

    async fn get_list(&self, kind: Kind, filter: &str) -> Outcome {
        let path = format!("{}?filter={}&count=1000", kind.endpoint, encode(filter));
        self.outcome(&self.scim.get(&path).await)
    }

    async fn search(&self, kind: Kind, filter: &str) -> Outcome {
        let body = json!({ "schemas": [SEARCH_REQUEST_URN], "filter": filter, "count": 1000 });
        self.outcome(&self.scim.post(&format!("{}/.search", kind.endpoint), body).await)
    }
}

/// The reference: `roster_scim::matches` on each resource as returned,
/// after the lenient parsing the server gives every client (issue 16 §1).
fn reference(kind: Kind, filter: &str, resources: &[(String, Value)]) -> Outcome {
    let lenient = roster_scim::filter_text(kind.rt, filter).value;
    let Ok(parsed) = parse_filter(&lenient) else {
        return Outcome::Error("invalidFilter".into());
    };
    let mut keys = BTreeSet::new();
    for (key, resource) in resources {
        match roster_scim::matches(kind.rt, &parsed, resource) {
            Ok(true) => {
                keys.insert(key.clone());
            }
            Ok(false) => {}
            Err(err) => {
                return Outcome::Error(err.scim_type.map_or("none", |t| t.as_str()).to_owned());
            }
        }
    }
    Outcome::Keys(keys)
}

fn parse_expected(text: &str, universe: &BTreeSet<String>) -> Result<Outcome, String> {
    if let Some(kind) = text.strip_prefix("error:") {
        return Ok(Outcome::Error(kind.trim().to_owned()));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let (base, listed) = match words.as_slice() {
        ["none"] => return Ok(Outcome::Keys(BTreeSet::new())),
        ["all"] => return Ok(Outcome::Keys(universe.clone())),
        ["all", "but", rest @ ..] => (universe.clone(), rest),
        rest => (BTreeSet::new(), rest),
    };
    if listed.is_empty() {
        return Err("no expectation yet".into());
    }
    let all_but = !base.is_empty();
    let mut keys = base;
    for word in listed {
        if !universe.contains(*word) {
            return Err(format!("unknown key {word:?}"));
        }
        let changed = if all_but { keys.remove(*word) } else { keys.insert((*word).to_owned()) };
        if !changed {
            return Err(format!("{word:?} twice"));
        }
    }
    Ok(Outcome::Keys(keys))
}

fn render(outcome: &Outcome, universe: &BTreeSet<String>) -> String {
    match outcome {
        Outcome::Error(kind) => format!("error: {kind}"),
        Outcome::Broken(why) => format!("BROKEN {why}"),
        Outcome::Keys(keys) if keys.is_empty() => "none".into(),
        Outcome::Keys(keys) if keys == universe => "all".into(),
        Outcome::Keys(keys) => {
            let missing: Vec<&str> = universe.difference(keys).map(String::as_str).collect();
            if missing.len() < keys.len() {
                format!("all but {}", missing.join(" "))
            } else {
                keys.iter().map(String::as_str).collect::<Vec<_>>().join(" ")
            }
        }
    }
}

/// One line of a table: `LEFT => RIGHT` or `LEFT =>! RIGHT`.
struct Line<'t> {
    left: &'t str,
    right: &'t str,
    pinned: bool,
}

fn split_line(text: &str) -> Option<Line<'_>> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return None;
    }
    let Some(at) = trimmed.rfind(" =>") else {
        return Some(Line { left: trimmed, right: "", pinned: false });
    };
    let (left, rest) = trimmed.split_at(at);
    let rest = &rest[3..];
    let (pinned, right) = match rest.strip_prefix('!') {
        Some(right) => (true, right),
        None => (false, rest),
    };
    Some(Line { left: left.trim_end(), right: right.trim(), pinned })
}

/// The table files whose names start with `prefix`, sorted.
fn tables(prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".txt")
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no {prefix}*.txt tables");
    files
}

/// Runs every filter table of `kind`; returns the failures and the count.
async fn check_filters(
    fixture: &Fixture<'_>,
    kind: Kind,
    prefix: &str,
    backend: Backend,
) -> (Vec<String>, usize) {
    let universe = fixture.universe(kind);
    let mut failures = Vec::new();
    let mut cases = 0;
    for path in tables(prefix) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rewritten = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let at = format!("{name}:{}", index + 1);
            let Some(line) = split_line(raw) else {
                rewritten.push(raw.to_owned());
                continue;
            };
            cases += 1;
            let filter = match fixture.filter_text(line.left) {
                Ok(filter) => filter,
                Err(why) => {
                    failures.push(format!("{at}: {why}"));
                    rewritten.push(raw.to_owned());
                    continue;
                }
            };
            let reference = reference(kind, &filter, fixture.resources(kind));
            let get = fixture.get_list(kind, &filter).await;
            let post = fixture.search(kind, &filter).await;
            let expected = parse_expected(line.right, &universe);
            let agreed = get == post && get == reference && !matches!(get, Outcome::Broken(_));
            match &expected {
                // A pinned expectation keeps its set, in the canonical form.
                Ok(pinned) if update_expect(backend) && line.pinned => {
                    rewritten.push(format!("{} =>! {}", line.left, render(pinned, &universe)))
                }
                _ if update_expect(backend) && agreed && !line.pinned => {
                    rewritten.push(format!("{} => {}", line.left, render(&get, &universe)));
                }
                _ => rewritten.push(raw.to_owned()),
            }
            let ok = matches!(&expected, Ok(e) if *e == get && *e == post && *e == reference);
            if !ok {
                let show = |o: &Outcome| render(o, &universe);
                let mut report = format!("{at}: {}", line.left);
                if filter != line.left {
                    write!(report, "\n    filter:     {filter}").unwrap();
                }
                match &expected {
                    Ok(e) => write!(report, "\n    expected:   {}", show(e)).unwrap(),
                    Err(why) => write!(report, "\n    expected:   ({why})").unwrap(),
                }
                write!(report, "\n    SQL GET:    {}", show(&get)).unwrap();
                write!(report, "\n    SQL search: {}", show(&post)).unwrap();
                write!(report, "\n    evaluator:  {}", show(&reference)).unwrap();
                failures.push(report);
            }
        }
        if update_expect(backend) {
            let mut out = rewritten.join("\n");
            out.push('\n');
            if out != text {
                std::fs::write(&path, out).unwrap();
            }
        }
    }
    (failures, cases)
}

fn finish(what: &str, backend: Backend, failures: &[String], cases: usize) {
    eprintln!("{what} on {backend:?}: {cases} cases, {} failing", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {cases} {what} cases fail on {backend:?}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

async fn filters_on_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let fixture = provision(&app).await;
    assert!(fixture.users.len() >= 25, "{}", fixture.users.len());
    let before = app.snapshot().await;
    let (failures, cases) = check_filters(&fixture, USERS, "users_", backend).await;
    assert_eq!(app.snapshot().await, before, "a list changed the store");
    finish("User filter", backend, &failures, cases);
}

async fn filters_on_groups(backend: Backend) {
    let app = spawn_app(backend).await;
    let fixture = provision(&app).await;
    let before = app.snapshot().await;
    let (failures, cases) = check_filters(&fixture, GROUPS, "groups", backend).await;
    assert_eq!(app.snapshot().await, before, "a list changed the store");
    finish("Group filter", backend, &failures, cases);
}

/// A sort value of the reference order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Bool(bool),
    Time(jiff::Timestamp),
    Text(String),
}

/// The value `key` sorts `resource` by (RFC 7644 §3.4.2.3).
fn sort_value(key: &SortKey, resource: &Value) -> Option<SortValue> {
    let resolved = key.resolved();
    let container = match resource.get(resolved.schema.id) {
        Some(extension @ Value::Object(_)) => extension,
        _ => resource,
    };
    let attribute = container.get(resolved.attribute.name)?;
    let holder = match key {
        SortKey::Single(_) => attribute,
        SortKey::PrimaryOrFirst(_) => {
            let items = attribute.as_array()?;
            items.iter().find(|item| item["primary"] == true).or_else(|| items.first())?
        }
    };
    let value = match resolved.sub {
        Some(sub) => holder.get(sub.name)?,
        None => holder,
    };
    let leaf = resolved.sub.unwrap_or(resolved.attribute);
    match (leaf.kind, value) {
        (AttrType::Boolean, Value::Bool(b)) => Some(SortValue::Bool(*b)),
        (AttrType::DateTime, Value::String(text)) => text.parse().ok().map(SortValue::Time),
        (_, Value::String(text)) if leaf.case_exact => Some(SortValue::Text(text.clone())),
        (_, Value::String(text)) => Some(SortValue::Text(text.to_lowercase())),
        _ => None,
    }
}

/// The reference order: groups of tied keys.
fn reference_order(
    users: &[(String, Value)],
    sort_by: &str,
    descending: bool,
) -> Result<Vec<Vec<String>>, String> {
    let (_, key) = SortKey::parse(&USER_RESOURCE, sort_by)
        .map_err(|err| err.scim_type.map_or("none", |t| t.as_str()).to_owned())?;
    let mut valued: Vec<(Option<SortValue>, &str)> =
        users.iter().map(|(k, user)| (sort_value(&key, user), k.as_str())).collect();
    // Assigned values first, ascending; `None` sorts after every value.
    valued.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    if descending {
        valued.reverse();
    }
    let mut order: Vec<(Option<SortValue>, Vec<String>)> = Vec::new();
    for (value, key) in valued {
        match order.last_mut() {
            Some((last, keys)) if *last == value => keys.push(key.to_owned()),
            _ => order.push((value, vec![key.to_owned()])),
        }
    }
    Ok(order
        .into_iter()
        .map(|(_, mut keys)| {
            keys.sort();
            keys
        })
        .collect())
}

fn render_order(order: &Result<Vec<Vec<String>>, String>) -> String {
    match order {
        Err(kind) => format!("error: {kind}"),
        Ok(groups) => groups
            .iter()
            .map(|group| match group.as_slice() {
                [one] => one.clone(),
                many => format!("({})", many.join(" ")),
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn parse_order(text: &str) -> Result<Vec<Vec<String>>, String> {
    if let Some(kind) = text.strip_prefix("error:") {
        return Err(kind.trim().to_owned());
    }
    let mut groups = Vec::new();
    let mut open: Option<Vec<String>> = None;
    for word in text.split_whitespace() {
        let (starts, word) = word.strip_prefix('(').map_or((false, word), |w| (true, w));
        let (ends, word) = word.strip_suffix(')').map_or((false, word), |w| (true, w));
        if starts {
            open = Some(Vec::new());
        }
        match open.as_mut() {
            Some(group) => group.push(word.to_owned()),
            None => groups.push(vec![word.to_owned()]),
        }
        if ends {
            let mut group = open.take().unwrap_or_default();
            group.sort();
            groups.push(group);
        }
    }
    Ok(groups)
}

/// Whether `keys`, in the server's order, fits the tie groups `order`.
fn fits(keys: &[String], order: &[Vec<String>]) -> bool {
    let mut rest = keys;
    for group in order {
        if rest.len() < group.len() {
            return false;
        }
        let (head, tail) = rest.split_at(group.len());
        let mut head = head.to_vec();
        head.sort();
        if head != *group {
            return false;
        }
        rest = tail;
    }
    rest.is_empty()
}

async fn sorting_users(backend: Backend) {
    let app = spawn_app(backend).await;
    let fixture = provision(&app).await;
    let path = data_dir().join("sort.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut rewritten = Vec::new();
    let mut cases = 0;
    for (index, raw) in text.lines().enumerate() {
        let Some(line) = split_line(raw) else {
            rewritten.push(raw.to_owned());
            continue;
        };
        cases += 1;
        // An optional last word is the sortOrder; sortBy may hold spaces.
        let (sort_by, order) = match line.left.rsplit_once(' ') {
            Some((path, order))
                if ["ascending", "descending"].iter().any(|o| o.eq_ignore_ascii_case(order)) =>
            {
                (path, order)
            }
            _ => (line.left, ""),
        };
        let descending = order.trim().eq_ignore_ascii_case("descending");
        let reference = reference_order(&fixture.users, sort_by, descending);
        let mut query = format!("/Users?sortBy={}&count=1000", encode(sort_by));
        if !order.trim().is_empty() {
            write!(query, "&sortOrder={}", encode(order.trim())).unwrap();
        }
        let reply = fixture.scim.get(&query).await;
        let server: Result<Vec<String>, String> = match fixture.outcome(&reply) {
            Outcome::Keys(_) => Ok(reply.body["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| fixture.key_of(r["id"].as_str().unwrap()).unwrap().to_owned())
                .collect()),
            Outcome::Error(kind) => Err(kind),
            Outcome::Broken(why) => Err(format!("BROKEN {why}")),
        };
        let agrees = |order: &Result<Vec<Vec<String>>, String>| match (&server, order) {
            (Ok(keys), Ok(order)) => fits(keys, order),
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        let expected = parse_order(line.right);
        if update_expect(backend) && agrees(&reference) && !line.pinned {
            rewritten.push(format!("{} => {}", line.left, render_order(&reference)));
        } else {
            rewritten.push(raw.to_owned());
        }
        if !(agrees(&expected) && reference == expected) {
            let server = match &server {
                Ok(keys) => keys.join(" "),
                Err(kind) => format!("error: {kind}"),
            };
            failures.push(format!(
                "sort.txt:{}: {}\n    expected:  {}\n    SQL:       {server}\n    reference: {}",
                index + 1,
                line.left,
                render_order(&expected),
                render_order(&reference)
            ));
        }
    }
    if update_expect(backend) {
        let mut out = rewritten.join("\n");
        out.push('\n');
        if out != text {
            std::fs::write(&path, out).unwrap();
        }
    }
    // Index paging over a sorted list concatenates to the whole list.
    let whole = fixture.scim.get("/Users?sortBy=userName&sortOrder=descending&count=1000").await;
    let mut paged = Vec::new();
    for start in (1..=fixture.users.len()).step_by(4) {
        let page = fixture
            .scim
            .get(&format!("/Users?sortBy=userName&sortOrder=descending&startIndex={start}&count=4"))
            .await;
        assert_eq!(page.body["totalResults"], fixture.users.len(), "{page:?}");
        paged.extend(page.body["Resources"].as_array().unwrap().iter().map(|r| r["id"].clone()));
    }
    let whole: Vec<Value> =
        whole.body["Resources"].as_array().unwrap().iter().map(|r| r["id"].clone()).collect();
    assert_eq!(paged, whole);
    finish("sort", backend, &failures, cases);
}

crate::on_both_databases!(filters_on_users, filters_on_groups, sorting_users);
