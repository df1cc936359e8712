//! The eleven phases, in the order an identity provider's life with a SCIM
//! server goes: push users, read and find them, update and suspend them,
//! push groups and their members, read everything back, delete it all.
//!
//! Every answer is checked (status and the fields the phase is about); a
//! wrong answer aborts the run with the phase, the request and the response.
//! A phase the server does not implement is reported as unsupported, and the
//! phases that need it are skipped. What the server should hold is tracked
//! from the answers it gave: a group's expected members are those whose
//! PATCH succeeded, so a partly unsupported removal still checks the rest.

use std::collections::{BTreeSet, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use reqwest::Method;
use serde_json::{Value, json};

use crate::client::{Scim, encode_query_value};
use crate::cpu::{CpuMark, CpuSpent};
use crate::paging::{self, PagingMethod};
use crate::procfs::{self, Memory};
use crate::report::{CpuUse, Measure, PhaseReport, Report, ServerMemory, Status};
use crate::runner::{End, run_queue};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A group gets this many members (fewer if there are fewer users) ...
const MEMBERS_PER_GROUP: usize = 500;
/// ... this many per PATCH, as Okta's group push sends them ...
const MEMBERS_PER_PATCH: usize = 50;
/// ... and loses this many in one PATCH of `members[value eq "..."]` removals.
const REMOVED_PER_GROUP: usize = 50;

/// What to run, from the command line.
pub struct Config {
    pub label: String,
    pub base_url: String,
    pub users: usize,
    pub groups: usize,
    pub concurrency: usize,
    /// Threads of the runtime the phases run on, for the report.
    pub client_threads: usize,
    pub server_pid: Option<u32>,
}

struct Phase {
    number: u8,
    key: &'static str,
    name: &'static str,
}

const fn phase(number: u8, key: &'static str, name: &'static str) -> Phase {
    Phase { number, key, name }
}

const CREATE_USERS: Phase = phase(1, "create_users", "POST /Users");
const GET_USERS: Phase = phase(2, "get_users", "GET /Users/{id}");
const FIND_USERS: Phase = phase(3, "filter_users", "GET /Users?filter=userName eq");
const PUT_USERS: Phase = phase(4, "put_users", "PUT /Users/{id}");
const PATCH_ACTIVE: Phase = phase(5, "patch_active", "PATCH /Users/{id} active");
const CREATE_GROUPS: Phase = phase(6, "create_groups", "POST /Groups");
const ADD_MEMBERS: Phase = phase(7, "add_members", "group PATCH +50 members");
const REMOVE_MEMBERS: Phase = phase(8, "remove_members", "group PATCH -50 members[value eq]");
const GET_GROUPS: Phase = phase(9, "get_groups", "GET /Groups/{id}");
const PAGE_USERS: Phase = phase(10, "page_users", "page /Users 100 at a time");
const DELETE_ALL: Phase = phase(11, "delete", "DELETE /Groups, /Users");

pub fn user_name(i: usize) -> String {
    format!("user{i}@bench.example")
}

/// An Okta-like user creation or full replacement.
pub fn user_body(i: usize, external_id: &str, given_name: &str) -> Value {
    let name = user_name(i);
    json!({
        "schemas": [USER_SCHEMA],
        "userName": name,
        "name": {"givenName": given_name, "familyName": format!("Family{i}")},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "active": true,
        "externalId": external_id,
    })
}

pub fn group_body(g: usize) -> Value {
    json!({"schemas": [GROUP_SCHEMA], "displayName": format!("Bench Group {g}"), "members": []})
}

pub fn patch(operations: Vec<Value>) -> Value {
    json!({"schemas": [PATCH_SCHEMA], "Operations": operations})
}

pub fn patch_active(active: bool) -> Value {
    patch(vec![json!({"op": "replace", "value": {"active": active}})])
}

/// Adds members `(id, userName)` in one operation, as Okta does.
pub fn add_members(members: &[(String, String)]) -> Value {
    let values: Vec<Value> =
        members.iter().map(|(id, name)| json!({"value": id, "display": name})).collect();
    patch(vec![json!({"op": "add", "path": "members", "value": values})])
}

/// Removes members with one `members[value eq "ID"]` operation each.
pub fn remove_members(ids: &[String]) -> Value {
    patch(
        ids.iter()
            .map(|id| json!({"op": "remove", "path": format!("members[value eq \"{id}\"]")}))
            .collect(),
    )
}

/// The users (indices) of group `g`: `min(500, users)` distinct users, a
/// different slice for each group while there are enough users.
pub fn group_member_indices(g: usize, users: usize) -> Vec<usize> {
    let count = MEMBERS_PER_GROUP.min(users);
    (0..count).map(|k| (g * count + k) % users).collect()
}

fn lock<T>(mutex: &Mutex<T>) -> Result<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| anyhow!("a shared table is poisoned"))
}

/// State shared by the workers, on whichever threads they run: what the
/// server said it holds. Its locks are never held across an `.await`.
struct Shared {
    scim: Scim,
    /// Makes `externalId`s unique to this run.
    run: String,
    user_ids: Mutex<Vec<Option<String>>>,
    group_ids: Mutex<Vec<Option<String>>>,
    /// The ids each group should have as members.
    members: Mutex<Vec<BTreeSet<String>>>,
}

impl Shared {
    fn external_id(&self, i: usize) -> String {
        format!("{}-{i}", self.run)
    }
}

async fn create_user(s: Arc<Shared>, i: usize) -> Result<Vec<Duration>> {
    let body = user_body(i, &s.external_id(i), &format!("Given{i}"));
    let r = s.scim.send(Method::POST, "/Users", Some(&body)).await?;
    r.expect_status(&[201])?;
    r.expect_str("/userName", &user_name(i))?;
    r.expect_str("/externalId", &s.external_id(i))?;
    r.expect_value("/active", &json!(true))?;
    let id = r.str_at("/id")?;
    if id.is_empty() {
        return Err(r.wrong("the id is empty"));
    }
    if let Some(slot) = lock(&s.user_ids)?.get_mut(i) {
        *slot = Some(id.to_string());
    }
    Ok(vec![r.elapsed])
}

async fn get_user(s: Arc<Shared>, (i, id): (usize, String)) -> Result<Vec<Duration>> {
    let r = s.scim.send(Method::GET, &format!("/Users/{id}"), None).await?;
    r.expect_status(&[200])?;
    r.expect_str("/id", &id)?;
    r.expect_str("/userName", &user_name(i))?;
    Ok(vec![r.elapsed])
}

/// Even users are looked up (a hit); odd ones probe a name nobody has.
async fn find_user(s: Arc<Shared>, (i, id): (usize, String)) -> Result<Vec<Duration>> {
    let hit = i % 2 == 0;
    let name = if hit { user_name(i) } else { format!("nobody{i}@bench.example") };
    let filter = encode_query_value(&format!("userName eq \"{name}\""));
    let path = format!("/Users?filter={filter}&startIndex=1&count=100");
    let r = s.scim.send(Method::GET, &path, None).await?;
    r.expect_status(&[200])?;
    if hit {
        r.expect_value("/totalResults", &json!(1))?;
        r.expect_str("/Resources/0/id", &id)?;
        r.expect_str("/Resources/0/userName", &name)?;
    } else {
        r.expect_value("/totalResults", &json!(0))?;
        // RFC 7644 §3.4.2: Resources may be left out when nothing matched.
        let resources = r.json()?.get("Resources");
        if resources.is_some_and(|v| v.as_array().is_none_or(|a| !a.is_empty())) {
            return Err(r.wrong("a miss returned resources"));
        }
    }
    Ok(vec![r.elapsed])
}

async fn put_user(s: Arc<Shared>, (i, id): (usize, String)) -> Result<Vec<Duration>> {
    let given = format!("Renamed{i}");
    let body = user_body(i, &s.external_id(i), &given);
    let r = s.scim.send(Method::PUT, &format!("/Users/{id}"), Some(&body)).await?;
    r.expect_status(&[200])?;
    r.expect_str("/id", &id)?;
    r.expect_str("/userName", &user_name(i))?;
    r.expect_str("/name/givenName", &given)?;
    Ok(vec![r.elapsed])
}

/// Suspends then restores a user; RFC 7644 §3.5.2 allows 200 with the
/// resource or 204 without a body.
async fn toggle_active(s: Arc<Shared>, id: String) -> Result<Vec<Duration>> {
    let mut timed = Vec::with_capacity(2);
    for active in [false, true] {
        let r = s
            .scim
            .send(Method::PATCH, &format!("/Users/{id}"), Some(&patch_active(active)))
            .await?;
        r.expect_status(&[200, 204])?;
        if r.status == 200 {
            r.expect_str("/id", &id)?;
            r.expect_value("/active", &json!(active))?;
        }
        timed.push(r.elapsed);
    }
    Ok(timed)
}

async fn create_group(s: Arc<Shared>, g: usize) -> Result<Vec<Duration>> {
    let r = s.scim.send(Method::POST, "/Groups", Some(&group_body(g))).await?;
    r.expect_status(&[201])?;
    r.expect_str("/displayName", &format!("Bench Group {g}"))?;
    let id = r.str_at("/id")?;
    if id.is_empty() {
        return Err(r.wrong("the id is empty"));
    }
    if let Some(slot) = lock(&s.group_ids)?.get_mut(g) {
        *slot = Some(id.to_string());
    }
    Ok(vec![r.elapsed])
}

struct MemberBatch {
    group: usize,
    group_id: String,
    /// `(id, userName)` of each member.
    members: Vec<(String, String)>,
}

async fn add_batch(s: Arc<Shared>, b: MemberBatch) -> Result<Vec<Duration>> {
    let path = format!("/Groups/{}", b.group_id);
    let r = s.scim.send(Method::PATCH, &path, Some(&add_members(&b.members))).await?;
    r.expect_status(&[200, 204])?;
    if r.status == 200 {
        r.expect_str("/id", &b.group_id)?;
        // Other workers may be adding to the same group: only ours are checked.
        if let Some(now) = r.values_of("members")? {
            let now: HashSet<&str> = now.into_iter().collect();
            if let Some((id, _)) = b.members.iter().find(|(id, _)| !now.contains(id.as_str())) {
                return Err(r.wrong(&format!("member {id} was not added")));
            }
        }
    }
    if let Some(set) = lock(&s.members)?.get_mut(b.group) {
        set.extend(b.members.into_iter().map(|(id, _)| id));
    }
    Ok(vec![r.elapsed])
}

async fn remove_batch(s: Arc<Shared>, b: MemberBatch) -> Result<Vec<Duration>> {
    let ids: Vec<String> = b.members.into_iter().map(|(id, _)| id).collect();
    let path = format!("/Groups/{}", b.group_id);
    let r = s.scim.send(Method::PATCH, &path, Some(&remove_members(&ids))).await?;
    r.expect_status(&[200, 204])?;
    if r.status == 200 {
        r.expect_str("/id", &b.group_id)?;
        if let Some(now) = r.values_of("members")?
            && let Some(id) = ids.iter().find(|id| now.contains(&id.as_str()))
        {
            return Err(r.wrong(&format!("member {id} was not removed")));
        }
    }
    if let Some(set) = lock(&s.members)?.get_mut(b.group) {
        for id in &ids {
            set.remove(id);
        }
    }
    Ok(vec![r.elapsed])
}

/// Lists at most three ids, for messages.
fn some_ids<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let ids: Vec<&str> = ids.take(3).collect();
    if ids.is_empty() { "none".to_string() } else { ids.join(", ") }
}

async fn get_group(s: Arc<Shared>, (g, id): (usize, String)) -> Result<Vec<Duration>> {
    let expected = lock(&s.members)?.get(g).cloned().unwrap_or_default();
    let r = s.scim.send(Method::GET, &format!("/Groups/{id}"), None).await?;
    r.expect_status(&[200])?;
    r.expect_str("/id", &id)?;
    let found: BTreeSet<&str> = r.values_of("members")?.unwrap_or_default().into_iter().collect();
    let wanted: BTreeSet<&str> = expected.iter().map(String::as_str).collect();
    if found != wanted {
        return Err(r.wrong(&format!(
            "the group has {} members, expected {}; missing: {}; unexpected: {}",
            found.len(),
            wanted.len(),
            some_ids(wanted.difference(&found).copied()),
            some_ids(found.difference(&wanted).copied()),
        )));
    }
    Ok(vec![r.elapsed])
}

enum Target {
    Group(String),
    User(String),
}

async fn delete(s: Arc<Shared>, target: Target) -> Result<Vec<Duration>> {
    let path = match target {
        Target::Group(id) => format!("/Groups/{id}"),
        Target::User(id) => format!("/Users/{id}"),
    };
    let r = s.scim.send(Method::DELETE, &path, None).await?;
    r.expect_status(&[204])?;
    Ok(vec![r.elapsed])
}

/// The phases' reports, and everything measured so far.
struct Book {
    server_pid: Option<u32>,
    phases: Vec<PhaseReport>,
    latencies: Vec<Duration>,
    wall: Duration,
    cpu: CpuSpent,
}

impl Book {
    fn new(server_pid: Option<u32>) -> Self {
        Book {
            server_pid,
            phases: Vec::new(),
            latencies: Vec::new(),
            wall: Duration::ZERO,
            cpu: CpuSpent::zero(server_pid.is_some()),
        }
    }

    /// Runs phase `p`, `work` on every item with `concurrency` workers, and
    /// records what it measured. The CPU readings bracket the workers alone,
    /// so that making the items is not counted.
    async fn run<T, F, Fut>(
        &mut self,
        p: &Phase,
        shared: &Arc<Shared>,
        items: Vec<T>,
        concurrency: usize,
        work: F,
    ) -> Result<()>
    where
        T: Send + 'static,
        F: Fn(Arc<Shared>, T) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<Duration>>> + Send + 'static,
    {
        let shared = shared.clone();
        let before = CpuMark::now(self.server_pid)?;
        let end = run_queue(items, concurrency, move |item| work(shared.clone(), item)).await;
        let spent = CpuMark::now(self.server_pid)?.since(&before);
        self.record(p, end, spent)
    }

    fn record(&mut self, p: &Phase, end: Result<End>, spent: CpuSpent) -> Result<()> {
        let end =
            end.with_context(|| format!("phase {} ({}) got a wrong answer", p.number, p.name))?;
        let (status, measure, cpu) = match end {
            End::Done(mut outcome) => {
                let measure = Measure::new(&mut outcome.latencies, outcome.wall);
                self.latencies.append(&mut outcome.latencies);
                self.wall += outcome.wall;
                self.cpu += spent;
                (Status::Ok, Some(measure), Some(CpuUse::new(spent, outcome.wall)))
            }
            End::Unsupported(reason) => (Status::Unsupported(reason), None, None),
        };
        self.phases.push(PhaseReport {
            number: p.number,
            key: p.key,
            name: p.name,
            status,
            measure,
            cpu,
        });
        Ok(())
    }

    /// Whether `p` is skipped, because a phase in `needs` did not complete;
    /// a skipped phase is recorded with the reason.
    fn skip(&mut self, p: &Phase, needs: &[&Phase]) -> bool {
        let missing = needs.iter().find(|need| {
            !self.phases.iter().any(|r| r.number == need.number && r.status == Status::Ok)
        });
        let Some(need) = missing else { return false };
        let status = Status::Skipped(format!("needs phase {} ({})", need.number, need.name));
        self.phases.push(PhaseReport {
            number: p.number,
            key: p.key,
            name: p.name,
            status,
            measure: None,
            cpu: None,
        });
        true
    }

    fn measure(&self, p: &Phase) -> Option<&Measure> {
        self.phases.iter().find(|r| r.number == p.number)?.measure.as_ref()
    }
}

fn memory(pid: Option<u32>) -> Result<Option<Memory>> {
    pid.map(procfs::read_memory).transpose()
}

/// Runs the eleven phases against `scim` and reports them.
pub async fn run(config: &Config, scim: Scim) -> Result<Report> {
    let (n, c) = (config.users, config.concurrency);
    let s = Arc::new(Shared {
        scim,
        run: uuid::Uuid::new_v4().simple().to_string(),
        user_ids: Mutex::new(vec![None; n]),
        group_ids: Mutex::new(vec![None; config.groups]),
        members: Mutex::new(vec![BTreeSet::new(); config.groups]),
    });
    let mut book = Book::new(config.server_pid);
    let start_memory = memory(config.server_pid)?;

    book.run(&CREATE_USERS, &s, (0..n).collect(), c, create_user).await?;
    let ids: Vec<String> = lock(&s.user_ids)?.iter().flatten().cloned().collect();
    if ids.iter().collect::<HashSet<_>>().len() != ids.len() {
        return Err(anyhow!("phase 1 (POST /Users): the server gave the same id to two users"));
    }
    let ids = Arc::new(ids);
    let indexed = || ids.iter().cloned().enumerate().collect::<Vec<_>>();

    if !book.skip(&GET_USERS, &[&CREATE_USERS]) {
        book.run(&GET_USERS, &s, indexed(), c, get_user).await?;
    }
    if !book.skip(&FIND_USERS, &[&CREATE_USERS]) {
        book.run(&FIND_USERS, &s, indexed(), c, find_user).await?;
    }
    if !book.skip(&PUT_USERS, &[&CREATE_USERS]) {
        book.run(&PUT_USERS, &s, indexed(), c, put_user).await?;
    }
    if !book.skip(&PATCH_ACTIVE, &[&CREATE_USERS]) {
        book.run(&PATCH_ACTIVE, &s, ids.to_vec(), c, toggle_active).await?;
    }

    book.run(&CREATE_GROUPS, &s, (0..config.groups).collect(), c, create_group).await?;
    let group_ids: Vec<(usize, String)> = lock(&s.group_ids)?
        .iter()
        .enumerate()
        .filter_map(|(g, id)| Some((g, id.clone()?)))
        .collect();

    if !book.skip(&ADD_MEMBERS, &[&CREATE_USERS, &CREATE_GROUPS]) {
        // Batch-major order: the workers mostly patch different groups, and
        // with more workers than groups some patch the same group at once.
        let mut batches = Vec::new();
        for batch in 0..MEMBERS_PER_GROUP.div_ceil(MEMBERS_PER_PATCH) {
            for (g, group_id) in &group_ids {
                let members: Vec<(String, String)> = group_member_indices(*g, ids.len())
                    .into_iter()
                    .skip(batch * MEMBERS_PER_PATCH)
                    .take(MEMBERS_PER_PATCH)
                    .map(|i| (ids[i].clone(), user_name(i)))
                    .collect();
                if !members.is_empty() {
                    batches.push(MemberBatch { group: *g, group_id: group_id.clone(), members });
                }
            }
        }
        book.run(&ADD_MEMBERS, &s, batches, c, add_batch).await?;
    }
    if !book.skip(&REMOVE_MEMBERS, &[&ADD_MEMBERS]) {
        let batches: Vec<MemberBatch> = group_ids
            .iter()
            .map(|(g, group_id)| MemberBatch {
                group: *g,
                group_id: group_id.clone(),
                members: group_member_indices(*g, ids.len())
                    .into_iter()
                    .take(REMOVED_PER_GROUP)
                    .map(|i| (ids[i].clone(), user_name(i)))
                    .collect(),
            })
            .collect();
        book.run(&REMOVE_MEMBERS, &s, batches, c, remove_batch).await?;
    }
    if !book.skip(&GET_GROUPS, &[&ADD_MEMBERS]) {
        book.run(&GET_GROUPS, &s, group_ids.clone(), c, get_group).await?;
    }
    let mut paging_method = None;
    if !book.skip(&PAGE_USERS, &[&CREATE_USERS]) {
        // Read once before the walk, outside its measure.
        let method = PagingMethod::of(&s.scim).await.with_context(|| {
            format!(
                "phase {} ({}): reading /ServiceProviderConfig",
                PAGE_USERS.number, PAGE_USERS.name
            )
        })?;
        paging_method = Some(method);
        // One walk, page after page, whatever the concurrency.
        let walk = move |s: Arc<Shared>, ids: Arc<Vec<String>>| async move {
            paging::walk_users(&s.scim, &ids, method).await
        };
        book.run(&PAGE_USERS, &s, vec![ids.clone()], 1, walk).await?;
    }
    let loaded_memory = memory(config.server_pid)?;

    let mut targets: Vec<Target> =
        group_ids.iter().map(|(_, id)| Target::Group(id.clone())).collect();
    targets.extend(ids.iter().cloned().map(Target::User));
    book.run(&DELETE_ALL, &s, targets, c, delete).await?;
    let end_memory = memory(config.server_pid)?;

    let server_memory = match (start_memory, loaded_memory, end_memory) {
        (Some(start), Some(loaded), Some(end)) => Some(ServerMemory {
            start_rss_mib: procfs::mib(start.rss_kib),
            loaded_rss_mib: procfs::mib(loaded.rss_kib),
            end_rss_mib: procfs::mib(end.rss_kib),
            peak_rss_mib: procfs::mib(end.hwm_kib),
        }),
        _ => None,
    };
    let total = Measure::new(&mut book.latencies, book.wall);
    let total_cpu = CpuUse::new(book.cpu, book.wall);
    Ok(Report {
        label: config.label.clone(),
        base_url: config.base_url.clone(),
        users: n,
        groups: config.groups,
        concurrency: c,
        client_threads: config.client_threads,
        group_patch_p99_ms: book.measure(&ADD_MEMBERS).map(|m| m.p99_ms),
        paging_seconds: book.measure(&PAGE_USERS).map(|m| m.seconds),
        paging_method,
        server_memory,
        total,
        total_cpu,
        phases: book.phases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_bodies_look_like_okta() {
        assert_eq!(
            user_body(7, "run-7", "Given7"),
            json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": "user7@bench.example",
                "name": {"givenName": "Given7", "familyName": "Family7"},
                "emails": [{"value": "user7@bench.example", "type": "work", "primary": true}],
                "active": true,
                "externalId": "run-7",
            })
        );
    }

    #[test]
    fn patch_bodies() {
        assert_eq!(
            patch_active(false),
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": false}}]
            })
        );
        assert_eq!(
            add_members(&[("u1".into(), "user1@bench.example".into())])["Operations"],
            json!([{"op": "add", "path": "members",
                    "value": [{"value": "u1", "display": "user1@bench.example"}]}])
        );
        assert_eq!(
            remove_members(&["u1".into(), "u2".into()])["Operations"],
            json!([
                {"op": "remove", "path": "members[value eq \"u1\"]"},
                {"op": "remove", "path": "members[value eq \"u2\"]"},
            ])
        );
    }

    #[test]
    fn groups_take_distinct_slices_of_users() {
        assert_eq!(group_member_indices(0, 20_000), (0..500).collect::<Vec<_>>());
        assert_eq!(group_member_indices(3, 20_000), (1500..2000).collect::<Vec<_>>());
        // With few users every group holds them all, still each once.
        let small = group_member_indices(2, 200);
        assert_eq!(small.len(), 200);
        assert_eq!(small.iter().collect::<BTreeSet<_>>().len(), 200);
        // With fewer than 500 per group available, slices wrap around.
        assert_eq!(group_member_indices(1, 700)[..3], [500, 501, 502]);
        assert_eq!(group_member_indices(1, 700)[200], 0);
    }
}
