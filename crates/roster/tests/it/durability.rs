//! `kill -9` in the middle of SCIM writes, on SQLite and on PostgreSQL:
//! a real `roster serve` takes creates, PUTs, PATCHes and deletes of users,
//! group creates and membership PATCHes from several clients at once, and
//! is killed with SIGKILL after a fixed number of answers (never after a
//! sleep). Restarted on the same database, it holds every write it
//! answered 2xx, as answered; the one write each client had in flight is
//! wholly there or wholly absent; and the history log, written in the same
//! transaction as each change, replays to exactly the data. Then it
//! answers as usual.
//!
//! Each client owns its resources (`c0-u3`, `c0-g3`), so its answered
//! writes happen in the order it sent them, and its state after the kill
//! is the state of its answered writes, with or without its unanswered
//! one.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::cli::run_ok;
use crate::helpers::{self, Backend, Reply, TestDatabase, patch_op};
use crate::serve::Server;

const CLIENTS: usize = 4;
/// Answered writes before the kill, across the clients.
const KILL_AFTER: usize = 160;
/// More rounds than a client gets through before the kill.
const ROUNDS: usize = 10_000;
/// Generous: the tests run in parallel on small machines.
const TIMEOUT: Duration = Duration::from_secs(60);
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// What an identity provider needs, made through the CLI as an operator
/// would: the site `acme`, a SCIM token of its provider `IdP`, and a site
/// admin key (for the history log).
pub(crate) struct Provisioned {
    pub(crate) token: String,
    pub(crate) key: String,
}

pub(crate) fn provision(db: &TestDatabase) -> Provisioned {
    run_ok(db, &["site", "create", "--slug", "acme"]);
    run_ok(db, &["provider", "create", "--site", "acme", "--kind", "saml", "--name", "IdP"]);
    let scim = ["provider", "scim", "--site", "acme", "--provider", "IdP", "--auth", "token"];
    let token = run_ok(db, &scim).trim().to_owned();
    let key = run_ok(db, &["admin-key", "create", "--site", "acme"]).trim().to_owned();
    Provisioned { token, key }
}

/// One request; `None` when no whole answer came back (the server died).
pub(crate) async fn send(
    client: &reqwest::Client,
    url: String,
    bearer: &str,
    method: Method,
    body: Option<&Value>,
) -> Option<Reply> {
    let mut request = client.request(method, url).bearer_auth(bearer);
    if let Some(body) = body {
        request = request.header("content-type", "application/scim+json").body(body.to_string());
    }
    let response = request.send().await.ok()?;
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.bytes().await.ok()?;
    // An answer that is not JSON is still an answer (and a refusal the
    // callers report), never mistaken for one the kill cut off.
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Some(Reply { status, headers, body })
}

/// A client whose requests end after [`TIMEOUT`].
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder().timeout(TIMEOUT).build().expect("an HTTP client")
}

/// Every resource at `/api/scim/{endpoint}`, a page at a time.
pub(crate) async fn scim_list(address: &str, token: &str, endpoint: &str) -> Vec<Value> {
    let client = http_client();
    let mut all = Vec::new();
    loop {
        let url = format!("{address}/api/scim/{endpoint}?startIndex={}&count=100", all.len() + 1);
        let page = send(&client, url, token, Method::GET, None).await.expect("an answer");
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        let items = page.body["Resources"].as_array().cloned().unwrap_or_default();
        let total = page.body["totalResults"].as_u64().expect("totalResults") as usize;
        let empty = items.is_empty();
        all.extend(items);
        if all.len() >= total || empty {
            assert_eq!(all.len(), total, "{endpoint}: paged past the end");
            return all;
        }
    }
}

/// One write of the stream. Names are `c{client}-u{round}` for users and
/// `c{client}-g{round}` for groups.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    CreateUser(String),
    PutUser(String),
    PatchUser(String),
    DeleteUser(String),
    CreateGroup { group: String, members: Vec<String> },
    AddMembers { group: String, users: Vec<String> },
    RemoveMember { group: String, user: String },
    DeleteGroup(String),
}

/// Client `c`'s writes in order: each round creates a user and a group,
/// updates users, adds several members in one PATCH (all or nothing),
/// removes one, deletes an older user and every other round a group.
pub(crate) fn script(c: usize) -> impl Iterator<Item = Op> {
    let user = move |r: usize| format!("c{c}-u{r}");
    let group = move |r: usize| format!("c{c}-g{r}");
    (0..ROUNDS).flat_map(move |r| {
        let mut ops = vec![
            Op::CreateUser(user(r)),
            Op::PutUser(user(r)),
            Op::CreateGroup { group: group(r), members: vec![user(r)] },
        ];
        if r >= 1 {
            ops.push(Op::PatchUser(user(r - 1)));
            let older = (r.saturating_sub(3)..r).map(user).collect();
            ops.push(Op::AddMembers { group: group(r), users: older });
            ops.push(Op::RemoveMember { group: group(r - 1), user: user(r - 1) });
        }
        if r >= 3 {
            ops.push(Op::DeleteUser(user(r - 3)));
        }
        if r >= 2 && r % 2 == 0 {
            ops.push(Op::DeleteGroup(group(r - 2)));
        }
        ops
    })
}

/// A user as created (`v0`) or replaced (`v1`).
pub(crate) fn user_body(name: &str, version: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": name,
        "externalId": format!("x-{name}"),
        "name": { "givenName": format!("Given {version}"), "familyName": "Family" },
        "displayName": format!("{name} {version}"),
        "title": version,
        "emails": [{ "value": format!("{name}@example.com"), "type": "work", "primary": true }],
        "active": true
    })
}

/// The request for `op`, given the ids of the client's resources.
pub(crate) fn request(op: &Op, ids: &BTreeMap<String, String>) -> (Method, String, Option<Value>) {
    let id = |name: &String| ids.get(name).unwrap_or_else(|| panic!("no id for {name}")).clone();
    let members = |users: &[String]| -> Value {
        users.iter().map(|user| json!({ "value": id(user) })).collect()
    };
    match op {
        Op::CreateUser(name) => (Method::POST, "/Users".into(), Some(user_body(name, "v0"))),
        Op::PutUser(name) => {
            (Method::PUT, format!("/Users/{}", id(name)), Some(user_body(name, "v1")))
        }
        Op::PatchUser(name) => {
            let body = patch_op(json!([
                { "op": "replace", "path": "title", "value": "v2" },
                { "op": "replace", "path": "active", "value": false },
                { "op": "replace", "path": "name.familyName", "value": "Patched" },
            ]));
            (Method::PATCH, format!("/Users/{}", id(name)), Some(body))
        }
        Op::DeleteUser(name) => (Method::DELETE, format!("/Users/{}", id(name)), None),
        Op::CreateGroup { group, members: users } => {
            let body =
                json!({ "schemas": [GROUP], "displayName": group, "members": members(users) });
            (Method::POST, "/Groups".into(), Some(body))
        }
        Op::AddMembers { group, users } => {
            let body =
                patch_op(json!([{ "op": "add", "path": "members", "value": members(users) }]));
            (Method::PATCH, format!("/Groups/{}", id(group)), Some(body))
        }
        Op::RemoveMember { group, user } => {
            let path = format!("members[value eq \"{}\"]", id(user));
            let body = patch_op(json!([{ "op": "remove", "path": path }]));
            (Method::PATCH, format!("/Groups/{}", id(group)), Some(body))
        }
        Op::DeleteGroup(group) => (Method::DELETE, format!("/Groups/{}", id(group)), None),
    }
}

/// What a test compares of a user: everything the stream sets.
pub(crate) fn essence(user: &Value) -> Value {
    json!({
        "userName": user["userName"],
        "externalId": user["externalId"],
        "givenName": user["name"]["givenName"],
        "familyName": user["name"]["familyName"],
        "displayName": user["displayName"],
        "title": user["title"],
        "email": user["emails"][0]["value"],
        "active": user["active"],
    })
}

/// A client's users (by name, their essence) and groups (by name, their
/// members' names).
#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    users: BTreeMap<String, Value>,
    groups: BTreeMap<String, BTreeSet<String>>,
}

impl State {
    /// The state after `op`, as the server must make it.
    fn apply(&mut self, op: &Op) {
        match op {
            Op::CreateUser(name) => {
                self.users.insert(name.clone(), essence(&user_body(name, "v0")));
            }
            Op::PutUser(name) => {
                self.users.insert(name.clone(), essence(&user_body(name, "v1")));
            }
            Op::PatchUser(name) => {
                let user = self.users.get_mut(name).expect("a patched user exists");
                user["title"] = json!("v2");
                user["active"] = json!(false);
                user["familyName"] = json!("Patched");
            }
            Op::DeleteUser(name) => {
                self.users.remove(name);
                for members in self.groups.values_mut() {
                    members.remove(name);
                }
            }
            Op::CreateGroup { group, members } => {
                self.groups.insert(group.clone(), members.iter().cloned().collect());
            }
            Op::AddMembers { group, users } => {
                self.groups.get_mut(group).expect("the group exists").extend(users.iter().cloned());
            }
            Op::RemoveMember { group, user } => {
                self.groups.get_mut(group).expect("the group exists").remove(user);
            }
            Op::DeleteGroup(group) => {
                self.groups.remove(group);
            }
        }
    }
}

/// What one client sent: its answered writes with their answers, in
/// order, and the write it had in flight when the server died.
#[derive(Debug)]
pub(crate) struct Trace {
    pub(crate) answered: Vec<(Op, Reply)>,
    pub(crate) unanswered: Option<Op>,
}

/// How many writes were answered, and a signal at each.
#[derive(Default)]
pub(crate) struct Answers {
    count: AtomicUsize,
    signal: Notify,
}

/// Sends the first `ops` writes of client `c`'s script, each to the next
/// of `addresses` in turn, until one goes unanswered or is refused,
/// counting each answer in `answers`.
pub(crate) async fn run_client(
    c: usize,
    ops: usize,
    addresses: Vec<String>,
    token: String,
    answers: Arc<Answers>,
) -> Trace {
    let client = http_client();
    let mut ids = BTreeMap::new();
    let mut trace = Trace { answered: Vec::new(), unanswered: None };
    for (op, address) in script(c).take(ops).zip(addresses.iter().cycle()) {
        let (method, path, body) = request(&op, &ids);
        let url = format!("{address}/api/scim{path}");
        let Some(reply) = send(&client, url, &token, method, body.as_ref()).await else {
            trace.unanswered = Some(op);
            return trace;
        };
        if let (Op::CreateUser(name) | Op::CreateGroup { group: name, .. }, Some(id)) =
            (&op, reply.body["id"].as_str())
        {
            ids.insert(name.clone(), id.to_owned());
        }
        let success = reply.status.is_success();
        trace.answered.push((op, reply));
        answers.count.fetch_add(1, Ordering::SeqCst);
        answers.signal.notify_one();
        if !success {
            return trace;
        }
    }
    trace
}

/// Runs the clients until `KILL_AFTER` writes are answered, kills the
/// server with SIGKILL while they go on, and returns what each saw.
async fn stream_then_kill(server: Server, token: &str) -> Vec<Trace> {
    let answers = Arc::new(Answers::default());
    let mut clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let address = vec![server.address.clone()];
            let client = run_client(c, usize::MAX, address, token.to_owned(), answers.clone());
            tokio::spawn(client)
        })
        .collect();
    // The signal keeps a permit when nobody waits, so none is missed.
    let mut stopped_early = false;
    while answers.count.load(Ordering::SeqCst) < KILL_AFTER {
        if clients.iter().any(tokio::task::JoinHandle::is_finished) {
            // A refusal, or a request left unanswered by a server that is
            // up: a failure either way, reported below.
            stopped_early = true;
            break;
        }
        tokio::time::timeout(TIMEOUT, answers.signal.notified())
            .await
            .unwrap_or_else(|_| panic!("no answer within {TIMEOUT:?}"));
    }
    let status = server.kill();
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL: {status}");
    let mut traces = Vec::new();
    for client in clients.drain(..) {
        traces.push(client.await.expect("a client"));
    }
    for trace in &traces {
        for (op, reply) in &trace.answered {
            assert!(reply.status.is_success(), "{op:?} was refused: {reply:?}");
        }
    }
    assert!(!stopped_early, "a client stopped while the server was up: {traces:#?}");
    traces
}

/// The client's state as the server holds it: the users and groups named
/// `c{c}-...`, members by name.
fn observed(c: usize, users: &[Value], groups: &[Value]) -> State {
    let prefix = format!("c{c}-");
    let names: BTreeMap<&str, &str> = users
        .iter()
        .map(|u| (u["id"].as_str().expect("id"), u["userName"].as_str().expect("userName")))
        .collect();
    let mut state = State::default();
    for user in users.iter().filter(|u| u["userName"].as_str().unwrap().starts_with(&prefix)) {
        state.users.insert(user["userName"].as_str().unwrap().to_owned(), essence(user));
    }
    for group in groups.iter().filter(|g| g["displayName"].as_str().unwrap().starts_with(&prefix)) {
        let members = group["members"].as_array().cloned().unwrap_or_default();
        let members = members
            .iter()
            .map(|m| {
                let id = m["value"].as_str().expect("a member id");
                names.get(id).unwrap_or_else(|| panic!("a member that is no user: {group}"))
            })
            .map(|name| (*name).to_owned())
            .collect();
        state.groups.insert(group["displayName"].as_str().unwrap().to_owned(), members);
    }
    state
}

/// Every answered write is there as answered; the unanswered one is
/// wholly there or wholly absent.
pub(crate) fn check_client(c: usize, trace: &Trace, users: &[Value], groups: &[Value]) {
    let mut expected = State::default();
    for (op, _) in &trace.answered {
        expected.apply(op);
    }
    let found = observed(c, users, groups);
    let with_unanswered = trace.unanswered.as_ref().map(|op| {
        let mut after = expected.clone();
        after.apply(op);
        after
    });
    assert!(
        found == expected || with_unanswered.as_ref() == Some(&found),
        "client {c}: after the kill\n{found:#?}\nexpected, from its answered writes\n\
         {expected:#?}\nor with its unanswered {:?}\n{with_unanswered:#?}",
        trace.unanswered
    );

    // The last answer about each user that is still there is what the
    // server reads back, but for its groups and its URL (another port).
    let mut last: BTreeMap<&str, &Value> = BTreeMap::new();
    for (op, reply) in &trace.answered {
        match op {
            Op::CreateUser(name) | Op::PutUser(name) | Op::PatchUser(name) => {
                last.insert(name, &reply.body);
            }
            Op::DeleteUser(name) => {
                last.remove(name.as_str());
            }
            _ => {}
        }
    }
    if let Some(Op::PutUser(name) | Op::PatchUser(name) | Op::DeleteUser(name)) = &trace.unanswered
    {
        last.remove(name.as_str());
    }
    for (name, answered) in last {
        let stored = users.iter().find(|u| u["userName"] == name).expect("an answered user");
        assert_eq!(comparable(stored), comparable(answered), "{name} as answered");
    }
}

/// A user resource without what legitimately changed since it was
/// answered: its groups, and the host in its location.
fn comparable(user: &Value) -> Value {
    let mut user = user.clone();
    if let Some(user) = user.as_object_mut() {
        user.remove("groups");
    }
    if let Some(meta) = user["meta"].as_object_mut() {
        meta.remove("location");
    }
    user
}

/// Every history entry of `acme`, oldest first, numbered without gaps.
pub(crate) async fn history(address: &str, key: &str) -> Vec<Value> {
    let client = http_client();
    let mut entries: Vec<Value> = Vec::new();
    loop {
        let url =
            format!("{address}/api/admin/sites/acme/events?after={}&limit=1000", entries.len());
        let page = send(&client, url, key, Method::GET, None).await.expect("an answer");
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            break;
        }
        entries.extend(items);
    }
    for (n, entry) in entries.iter().enumerate() {
        assert_eq!(entry["seq"].as_u64(), Some(n as u64 + 1), "numbered in order: {entry}");
    }
    entries
}

/// The user fields the history shows, and the SCIM attribute each comes
/// from.
const REPLAYED: [(&str, &[&str]); 7] = [
    ("username", &["userName"]),
    ("external_id", &["externalId"]),
    ("first_name", &["name", "givenName"]),
    ("last_name", &["name", "familyName"]),
    ("display_name", &["displayName"]),
    ("email", &["emails", "0", "value"]),
    ("enabled", &["active"]),
];

/// The history replayed: the users (by id, their fields) and groups (by
/// id, their members' ids) it says exist.
#[derive(Debug, Default, PartialEq)]
struct Replayed {
    users: BTreeMap<String, BTreeMap<String, Option<String>>>,
    groups: BTreeMap<String, BTreeSet<String>>,
}

fn replay(entries: &[Value]) -> Replayed {
    let mut replayed = Replayed::default();
    for entry in entries {
        let kind = entry["target"]["kind"].as_str().unwrap_or("-");
        let id = entry["target"]["id"].as_str().unwrap_or("-").to_owned();
        let changes = entry["changes"].as_array().cloned().unwrap_or_default();
        let action = entry["action"].as_str().expect("an action");
        match (kind, action) {
            ("user", "created") => {
                assert!(!replayed.users.contains_key(&id), "created twice: {entry}");
                replayed.users.insert(id.clone(), BTreeMap::new());
            }
            ("user", "deleted") => {
                assert!(replayed.users.remove(&id).is_some(), "deleted, never created: {entry}");
                for members in replayed.groups.values_mut() {
                    members.remove(&id);
                }
                continue;
            }
            ("group", "created") => {
                assert!(replayed.groups.insert(id.clone(), BTreeSet::new()).is_none(), "{entry}");
            }
            ("group", "deleted") => {
                assert!(replayed.groups.remove(&id).is_some(), "deleted, never created: {entry}");
            }
            ("group", "member_added" | "member_removed") => {
                let members = replayed.groups.get_mut(&id).expect("a group's entry after it");
                for change in &changes {
                    match (&change["before"], &change["after"]) {
                        (Value::Null, Value::String(user)) => members.insert(user.clone()),
                        (Value::String(user), Value::Null) => members.remove(user),
                        _ => panic!("a member change: {entry}"),
                    };
                }
            }
            _ => {}
        }
        if kind == "user" {
            let fields = replayed.users.get_mut(&id).expect("a user's entry after its creation");
            for change in &changes {
                let field = change["field"].as_str().expect("a field").to_owned();
                fields.insert(field, change["after"].as_str().map(str::to_owned));
            }
        }
    }
    replayed
}

/// The data as the history should replay it.
fn as_replayed(users: &[Value], groups: &[Value]) -> Replayed {
    let mut replayed = Replayed::default();
    for user in users {
        let fields = REPLAYED
            .iter()
            .map(|(field, path)| {
                let value = path.iter().fold(user, |value, step| match step.parse::<usize>() {
                    Ok(index) => &value[index],
                    Err(_) => &value[*step],
                });
                let text = match value {
                    Value::Null => None,
                    Value::String(text) => Some(text.clone()),
                    other => Some(other.to_string()),
                };
                ((*field).to_owned(), text)
            })
            .collect();
        replayed.users.insert(user["id"].as_str().expect("id").to_owned(), fields);
    }
    for group in groups {
        let members = group["members"].as_array().cloned().unwrap_or_default();
        let members = members.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect();
        replayed.groups.insert(group["id"].as_str().expect("id").to_owned(), members);
    }
    replayed
}

/// The history replays to the data: the fields the data has, no more
/// users or groups and no fewer. A SCIM `DELETE` may release a user
/// rather than delete it (as the provider's options say): it stays in the
/// database, out of the provider's view, which is what `users` shows.
pub(crate) fn assert_history_matches(entries: &[Value], users: &[Value], groups: &[Value]) {
    let mut replayed = replay(entries);
    let released = Some("released".to_owned());
    replayed.users.retain(|_, fields| fields.get("provisioning_state") != Some(&released));
    for fields in replayed.users.values_mut() {
        fields.retain(|field, _| REPLAYED.iter().any(|(name, _)| name == field));
    }
    let data = as_replayed(users, groups);
    assert_eq!(replayed, data, "the history replayed (left) against the data (right)");
}

async fn every_answered_write_survives_a_kill(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let site = provision(&db);
    let server = Server::start(&db.cli_args, &[]);
    let traces = stream_then_kill(server, &site.token).await;

    let server = Server::start(&db.cli_args, &[]);
    let users = scim_list(&server.address, &site.token, "Users").await;
    let groups = scim_list(&server.address, &site.token, "Groups").await;
    for (c, trace) in traces.iter().enumerate() {
        check_client(c, trace, &users, &groups);
    }
    assert_history_matches(&history(&server.address, &site.key).await, &users, &groups);

    // And it answers as before.
    let client = http_client();
    let url = format!("{}/api/scim/Users", server.address);
    let body = user_body("after-the-kill", "v0");
    let created = send(&client, url, &site.token, Method::POST, Some(&body)).await.unwrap();
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    let url = format!("{}/api/scim/Users/{}", server.address, created.body["id"].as_str().unwrap());
    let read = send(&client, url, &site.token, Method::GET, None).await.unwrap();
    assert_eq!((read.status, essence(&read.body)), (StatusCode::OK, essence(&body)), "{read:?}");
    let stopped = server.stop();
    assert!(stopped.success(), "{:#?}", stopped.log);
}

crate::on_both_databases!(every_answered_write_survives_a_kill);
