//! The walk through all users, `PAGE_SIZE` at a time, page after page as
//! an identity provider's import does: with the server's cursors when its
//! ServiceProviderConfig offers them (RFC 9865), else with `startIndex`
//! (RFC 7644 §3.4.2.4).
//!
//! Both walks are checked alike: a `200` for every page, at most
//! `PAGE_SIZE` users on a page, no empty page before the end, and every
//! user created by the run seen exactly once. Each page must bring users
//! never seen, of which there are N, so a server that loops is caught
//! after at most N pages. The known and seen ids are hash sets: a page
//! costs the client the same with 100 users as with 100,000.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Result, anyhow};
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::{Reply, Scim, encode_query_value};

/// Users asked for per page.
pub const PAGE_SIZE: usize = 100;

/// How the walk pages, named by the query parameter that moves it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PagingMethod {
    #[serde(rename = "startIndex")]
    StartIndex,
    #[serde(rename = "cursor")]
    Cursor,
}

impl PagingMethod {
    /// The query parameter, as the report names the method.
    pub fn parameter(self) -> &'static str {
        match self {
            PagingMethod::StartIndex => "startIndex",
            PagingMethod::Cursor => "cursor",
        }
    }

    /// What a ServiceProviderConfig offers: cursors when its
    /// `pagination.cursor` is true (RFC 9865); a server that says nothing
    /// of pagination offers `startIndex`, which RFC 7644 requires.
    pub fn offered_by(service_provider_config: &Value) -> Self {
        let cursor = service_provider_config.pointer("/pagination/cursor");
        if cursor == Some(&Value::Bool(true)) {
            PagingMethod::Cursor
        } else {
            PagingMethod::StartIndex
        }
    }

    /// Reads the server's ServiceProviderConfig (RFC 7644 §4: every
    /// server has one) and picks the method it offers.
    pub async fn of(scim: &Scim) -> Result<Self> {
        let r = scim.send(Method::GET, "/ServiceProviderConfig", None).await?;
        r.expect_status(&[200])?;
        Ok(Self::offered_by(r.json()?))
    }
}

/// The users seen so far, checked page by page.
struct Walk<'a> {
    created: HashSet<&'a str>,
    seen: HashSet<String>,
}

impl<'a> Walk<'a> {
    fn new(ids: &'a [String]) -> Self {
        Walk {
            created: ids.iter().map(String::as_str).collect(),
            seen: HashSet::with_capacity(ids.len()),
        }
    }

    fn total(&self) -> usize {
        self.created.len()
    }

    fn complete(&self) -> bool {
        self.seen.len() >= self.total()
    }

    /// The `Resources` of a page, which must not be empty (RFC 7644
    /// §3.4.2.4: a server may return fewer than asked, never none before
    /// the end).
    fn resources<'r>(&self, r: &'r Reply) -> Result<&'r [Value]> {
        let resources = r.json()?.get("Resources").and_then(Value::as_array);
        match resources.filter(|list| !list.is_empty()) {
            Some(list) => Ok(list),
            None => Err(r.wrong(&format!(
                "an empty page after {} of {} users",
                self.seen.len(),
                self.total()
            ))),
        }
    }

    /// Checks a page of users; returns how many it held.
    fn take(&mut self, r: &Reply, resources: &[Value]) -> Result<usize> {
        if resources.len() > PAGE_SIZE {
            return Err(r.wrong(&format!("{} resources on a page of {PAGE_SIZE}", resources.len())));
        }
        for resource in resources {
            let id = resource
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| r.wrong("a resource has no id"))?;
            if !self.created.contains(id) {
                return Err(r.wrong(&format!("user {id} was never created")));
            }
            if !self.seen.insert(id.to_owned()) {
                return Err(r.wrong(&format!("user {id} was listed twice")));
            }
        }
        Ok(resources.len())
    }

    /// The walk ended after `pages`: every user must have been seen.
    fn finish(self, pages: usize) -> Result<()> {
        if self.complete() {
            return Ok(());
        }
        Err(anyhow!("{pages} pages listed only {} of {} users", self.seen.len(), self.total()))
    }
}

/// Walks all users with `method`; `ids` are those the run created, which
/// must be all the server holds. Returns each page's latency.
pub async fn walk_users(
    scim: &Scim,
    ids: &[String],
    method: PagingMethod,
) -> Result<Vec<Duration>> {
    match method {
        PagingMethod::StartIndex => by_start_index(scim, Walk::new(ids)).await,
        PagingMethod::Cursor => by_cursor(scim, Walk::new(ids)).await,
    }
}

async fn by_start_index(scim: &Scim, mut walk: Walk<'_>) -> Result<Vec<Duration>> {
    let mut timed = Vec::new();
    let mut start = 1;
    while !walk.complete() {
        let path = format!("/Users?startIndex={start}&count={PAGE_SIZE}");
        let r = scim.send(Method::GET, &path, None).await?;
        r.expect_status(&[200])?;
        r.expect_value("/totalResults", &json!(walk.total()))?;
        if let Some(index) = r.json()?.get("startIndex")
            && index != &json!(start)
        {
            return Err(r.wrong(&format!("startIndex is {index}, expected {start}")));
        }
        start += walk.take(&r, walk.resources(&r)?)?;
        timed.push(r.elapsed);
    }
    walk.finish(timed.len())?;
    Ok(timed)
}

async fn by_cursor(scim: &Scim, mut walk: Walk<'_>) -> Result<Vec<Duration>> {
    let mut timed = Vec::new();
    // `cursor` without a value asks for the first page (RFC 9865).
    let mut path = format!("/Users?cursor&count={PAGE_SIZE}");
    loop {
        let r = scim.send(Method::GET, &path, None).await?;
        r.expect_status(&[200])?;
        // Checked when given: a server paging by cursor need not count
        // every match on every page.
        if r.json()?.get("totalResults").is_some() {
            r.expect_value("/totalResults", &json!(walk.total()))?;
        }
        let next = next_cursor(&r)?;
        timed.push(r.elapsed);
        // A last page may be empty when the one before it ended exactly
        // at the last user and still offered a next cursor.
        if next.is_none() && walk.complete() && r.json()?.get("Resources").is_none_or(is_empty) {
            break;
        }
        walk.take(&r, walk.resources(&r)?)?;
        match next {
            Some(cursor) => {
                path = format!("/Users?cursor={}&count={PAGE_SIZE}", encode_query_value(cursor));
            }
            None => break,
        }
    }
    walk.finish(timed.len())?;
    Ok(timed)
}

fn is_empty(resources: &Value) -> bool {
    resources.as_array().is_some_and(Vec::is_empty)
}

/// The page's `nextCursor`, absent on the last page (RFC 9865).
fn next_cursor(r: &Reply) -> Result<Option<&str>> {
    match r.json()?.get("nextCursor") {
        None => Ok(None),
        Some(Value::String(cursor)) if !cursor.is_empty() => Ok(Some(cursor)),
        Some(other) => Err(r.wrong(&format!("nextCursor is {other}, not a cursor"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_only_when_offered() {
        let offered = json!({"pagination": {"cursor": true, "index": true}});
        assert_eq!(PagingMethod::offered_by(&offered), PagingMethod::Cursor);
        let refused = json!({"pagination": {"cursor": false, "index": true}});
        assert_eq!(PagingMethod::offered_by(&refused), PagingMethod::StartIndex);
        // scim2-server's ServiceProviderConfig says nothing of pagination.
        let silent = json!({"filter": {"supported": true, "maxResults": 1000}});
        assert_eq!(PagingMethod::offered_by(&silent), PagingMethod::StartIndex);
        let odd = json!({"pagination": {"cursor": "true"}});
        assert_eq!(PagingMethod::offered_by(&odd), PagingMethod::StartIndex);
    }

    fn page(ids: &[&str], next: Option<&str>) -> Reply {
        let resources: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
        let mut body = json!({"totalResults": 3, "Resources": resources});
        if let Some(cursor) = next {
            body["nextCursor"] = json!(cursor);
        }
        Reply::for_test("GET /Users?cursor&count=100", 200, &body.to_string())
    }

    fn ids(names: &[&str]) -> Vec<String> {
        names.iter().map(|&id| id.to_owned()).collect()
    }

    #[test]
    fn every_user_once() {
        let created = ids(&["a", "b", "c"]);
        let mut walk = Walk::new(&created);
        let first = page(&["a", "b"], Some("n1"));
        assert_eq!(walk.take(&first, walk.resources(&first).unwrap()).unwrap(), 2);
        assert!(!walk.complete());
        let again = page(&["a"], None);
        let err = walk.take(&again, walk.resources(&again).unwrap()).unwrap_err();
        assert!(err.to_string().starts_with("user a was listed twice\n"), "{err}");
        let stranger = page(&["z"], None);
        let err = walk.take(&stranger, walk.resources(&stranger).unwrap()).unwrap_err();
        assert!(err.to_string().starts_with("user z was never created\n"), "{err}");
        let last = page(&["c"], None);
        walk.take(&last, walk.resources(&last).unwrap()).unwrap();
        walk.finish(2).unwrap();
    }

    #[test]
    fn no_empty_page_before_the_end_and_no_missing_user() {
        let created = ids(&["a", "b", "c"]);
        let walk = Walk::new(&created);
        let err = walk.resources(&page(&[], Some("n1"))).unwrap_err();
        assert!(err.to_string().starts_with("an empty page after 0 of 3 users\n"), "{err}");
        assert_eq!(walk.finish(4).unwrap_err().to_string(), "4 pages listed only 0 of 3 users");
    }

    #[test]
    fn no_page_larger_than_asked() {
        let created: Vec<String> = (0..=PAGE_SIZE).map(|i| format!("u{i}")).collect();
        let mut walk = Walk::new(&created);
        let all: Vec<&str> = created.iter().map(String::as_str).collect();
        let big = page(&all, None);
        let err = walk.take(&big, walk.resources(&big).unwrap()).unwrap_err();
        assert!(err.to_string().starts_with("101 resources on a page of 100\n"), "{err}");
    }

    #[test]
    fn a_hundred_thousand_users_in_a_thousand_pages() {
        // Hash sets, not scans: 1,000 pages over 100,000 ids stay linear.
        let created: Vec<String> = (0..100_000).map(|i| format!("u{i}")).collect();
        let mut walk = Walk::new(&created);
        for chunk in created.chunks(PAGE_SIZE) {
            let resources: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let r = Reply::for_test("GET /Users", 200, "{}");
            assert_eq!(walk.take(&r, &resources).unwrap(), PAGE_SIZE);
        }
        walk.finish(1000).unwrap();
    }

    #[test]
    fn next_cursors() {
        assert_eq!(next_cursor(&page(&["a"], Some("n1"))).unwrap(), Some("n1"));
        assert_eq!(next_cursor(&page(&["a"], None)).unwrap(), None);
        assert!(next_cursor(&page(&["a"], Some(""))).is_err());
        let number = Reply::for_test("GET /Users", 200, r#"{"nextCursor": 2}"#);
        assert!(next_cursor(&number).is_err());
    }
}
