//! List and search parameters, and `If-Match` / `If-None-Match`
//! preconditions, run over `tests/data/query/`.
//!
//! What a case's input lines are depends on the file name:
//!
//! - `search*.txt`: together, a `POST /.search` JSON body.
//! - `preconditions*.txt`: one line `METHOD | VERSION | Header: value |
//!   ...`, where VERSION is the resource's current version or `-` when it
//!   does not exist; the output is `proceed`, `304 not modified` or the
//!   error.
//! - any other file: one query parameter per line, `name=value` (split at
//!   the first `=`; a lone `>` is no parameter at all).
//!
//! Files whose name contains `group` query Groups, the others Users, with
//! page sizes 20 by default and 100 at most. A checked query prints only
//! what differs from a query without parameters (no filter, no sort, index
//! paging from 1, count 20, default projection), or `defaults`; a refused
//! one prints its SCIM error.

use roster_scim::schema::{GROUP_RESOURCE, Resolved, ResourceType, USER_RESOURCE};
use roster_scim::{
    Limits, ListQuery, Paging, Preconditions, Projection, ProjectionPath, RequestKind,
    ResolvedFilter, ScimError, SortKey, SortOrder, Verdict, evaluate_preconditions,
};
use serde_json::{Value, json};

use crate::runner::{Files, Layout};

const FILES: Files = Files { dir: "query", prefix: "", layout: Layout::Input };

fn limits() -> Limits {
    Limits::new(20, 100).unwrap()
}

fn resource_type(file: &str) -> &'static ResourceType {
    if file.contains("group") { &GROUP_RESOURCE } else { &USER_RESOURCE }
}

/// A resolved path: the extension's schema name, the attribute and the
/// sub-attribute, in their canonical case.
fn name(rt: &ResourceType, resolved: &Resolved) -> String {
    let prefix = if resolved.schema.id == rt.schema.id {
        String::new()
    } else {
        format!("{}:", resolved.schema.name)
    };
    let sub = resolved.sub.map(|sub| format!(".{}", sub.name)).unwrap_or_default();
    format!("{prefix}{}{sub}", resolved.attribute.name)
}

fn sexpr(rt: &ResourceType, filter: &ResolvedFilter) -> String {
    match filter {
        ResolvedFilter::Compare { path, op, value } => format!("({op} {} {value})", name(rt, path)),
        ResolvedFilter::Present(path) => format!("(pr {})", name(rt, path)),
        ResolvedFilter::And(a, b) => format!("(and {} {})", sexpr(rt, a), sexpr(rt, b)),
        ResolvedFilter::Or(a, b) => format!("(or {} {})", sexpr(rt, a), sexpr(rt, b)),
        ResolvedFilter::Not(a) => format!("(not {})", sexpr(rt, a)),
        ResolvedFilter::ValuePath { attr, filter } => {
            format!("(where {} {})", name(rt, attr), sexpr(rt, filter))
        }
    }
}

fn projection_paths(rt: &ResourceType, paths: &[ProjectionPath]) -> String {
    let names: Vec<String> = paths
        .iter()
        .map(|path| match path {
            ProjectionPath::Schema(schema) => format!("schema {}", schema.name),
            ProjectionPath::Attribute(resolved) => name(rt, resolved),
        })
        .collect();
    names.join(", ")
}

fn render_error(error: &ScimError) -> String {
    format!("error: {error}")
}

/// The expected-output form of a checked query.
fn render_query(rt: &ResourceType, result: Result<ListQuery, ScimError>) -> String {
    let query = match result {
        Ok(query) => query,
        Err(error) => return render_error(&error),
    };
    let mut lines = Vec::new();
    if let Some(filter) = query.filter() {
        lines.push(format!("filter: {}", sexpr(rt, filter)));
    }
    if let Some(sort) = query.sort() {
        let how = match sort.key() {
            SortKey::Single(_) => "",
            SortKey::PrimaryOrFirst(_) => " (primary or first value)",
        };
        let order = sort.order().as_str();
        lines.push(format!("sort: {} {order}{how}", name(rt, sort.key().resolved())));
    }
    match query.paging() {
        Paging::Index { start_index: 1 } => {}
        Paging::Index { start_index } => lines.push(format!("paging: index {start_index}")),
        Paging::Cursor { cursor: None } => lines.push("paging: cursor, first page".into()),
        Paging::Cursor { cursor: Some(cursor) } => lines.push(format!("paging: cursor {cursor:?}")),
    }
    if query.count() != limits().default_page_size() {
        lines.push(format!("count: {}", query.count()));
    }
    match query.projection() {
        Projection::Default => {}
        Projection::Only(paths) => {
            lines.push(format!("attributes: {}", projection_paths(rt, paths)))
        }
        Projection::Except(paths) => {
            lines.push(format!("excludedAttributes: {}", projection_paths(rt, paths)));
        }
    }
    if lines.is_empty() {
        lines.push("defaults".into());
    }
    lines.join("\n")
}

/// The query parameters of `> name=value` input lines, split at the first
/// `=`; a lone `>` is no parameter at all.
pub fn params(input: &[String]) -> Vec<(String, String)> {
    input
        .iter()
        .filter(|line| !line.is_empty())
        .map(|line| match line.split_once('=') {
            Some((name, value)) => (name.to_string(), value.to_string()),
            None => (line.to_string(), String::new()),
        })
        .collect()
}

fn render_preconditions(line: &str) -> String {
    let fields: Vec<&str> = line.split(" | ").collect();
    let kind = match fields[0] {
        "GET" | "HEAD" => RequestKind::Read,
        "PUT" | "PATCH" | "DELETE" | "POST" => RequestKind::Write,
        other => panic!("unknown method {other:?}"),
    };
    let current = match fields[1] {
        "-" => None,
        version => Some(version.parse::<i64>().unwrap()),
    };
    let (mut if_match, mut if_none_match) = (None, None);
    for header in &fields[2..] {
        let (name, value) = header.split_once(':').unwrap();
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "If-Match" => if_match = Some(value),
            "If-None-Match" => if_none_match = Some(value),
            other => panic!("unknown header {other:?}"),
        }
    }
    match evaluate_preconditions(kind, if_match, if_none_match, current) {
        Ok(Verdict::Proceed) => "proceed".into(),
        Ok(Verdict::NotModified) => "304 not modified".into(),
        Err(error) => render_error(&error),
    }
}

/// What the code makes of a case of `file`.
fn actual(file: &str, input: &[String]) -> String {
    let rt = resource_type(file);
    if file.starts_with("preconditions") {
        assert_eq!(input.len(), 1, "one line per precondition case");
        return render_preconditions(&input[0]);
    }
    if file.starts_with("search") {
        let body: Value = serde_json::from_str(&input.join("\n")).unwrap();
        return render_query(rt, ListQuery::from_search_body(rt, &body, &limits()));
    }
    render_query(rt, ListQuery::from_params(rt, &params(input), &limits()))
}

#[test]
fn data_files_match_the_code() {
    let total = FILES.run(|file, case| Ok(actual(&file.name, &case.input)));
    assert!(total >= 514, "only {total} query cases");
}

/// Property: a query string and the equivalent search body mean the same.
#[test]
fn query_strings_and_search_bodies_agree() {
    let cases: &[(&[(&str, &str)], Value)] = &[
        (&[], json!({})),
        (&[("filter", "userName eq \"bjensen\"")], json!({"filter": "userName eq \"bjensen\""})),
        (
            &[("sortBy", "name.familyName"), ("sortOrder", "DESCENDING")],
            json!({"sortBy": "name.familyName", "sortOrder": "DESCENDING"}),
        ),
        (&[("startIndex", "0"), ("count", "500")], json!({"startIndex": 0, "count": 500})),
        (&[("startIndex", "7"), ("count", "-3")], json!({"startIndex": 7, "count": -3})),
        (&[("cursor", "")], json!({"cursor": ""})),
        (&[("cursor", "abc"), ("count", "5")], json!({"cursor": "abc", "count": 5})),
        (
            &[("attributes", "userName, emails.value")],
            json!({"attributes": ["userName", "emails.value"]}),
        ),
        (
            &[("excludedAttributes", "meta,groups")],
            json!({"excludedAttributes": ["meta", "groups"]}),
        ),
    ];
    for (params, body) in cases {
        let params: Vec<(String, String)> =
            params.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
        let mut body = body.clone();
        body["schemas"] = json!(["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]);
        let from_params = ListQuery::from_params(&USER_RESOURCE, &params, &limits()).unwrap();
        let from_body = ListQuery::from_search_body(&USER_RESOURCE, &body, &limits()).unwrap();
        assert_eq!(from_params, from_body, "{params:?} vs {body}");
    }
}

/// The store compiles the filter and `sortBy` as the client wrote them.
#[test]
fn the_written_filter_and_sort_path_are_kept() {
    let params = vec![
        ("filter".to_string(), "USERNAME eq \"x\"".to_string()),
        ("sortBy".to_string(), "Name.FamilyName".to_string()),
        ("sortOrder".to_string(), "descending".to_string()),
    ];
    let query = ListQuery::from_params(&USER_RESOURCE, &params, &limits()).unwrap();
    assert_eq!(query.filter_ast().unwrap().to_string(), "USERNAME eq \"x\"");
    let sort = query.sort().unwrap();
    assert_eq!(sort.path().to_string(), "Name.FamilyName");
    assert_eq!(sort.order(), SortOrder::Descending);
    assert!(query.descending());
    assert_eq!(query.paging().offset(), Some(0));
    let paths: Vec<&str> =
        query.filter().unwrap().paths().iter().map(|p| p.attribute.name).collect();
    assert_eq!(paths, ["userName"]);
    let cursor = vec![("cursor".to_string(), "x".to_string())];
    let query = ListQuery::from_params(&USER_RESOURCE, &cursor, &limits()).unwrap();
    assert_eq!(query.paging().offset(), None);
    assert!(!query.descending());
}

#[test]
fn limits_are_checked() {
    assert_eq!(Limits::new(100, 1000).unwrap().max_page_size(), 1000);
    assert_eq!(Limits::new(1, 1).unwrap().default_page_size(), 1);
    for (default, max) in [(0, 10), (11, 10), (1, 0), (1, u64::MAX)] {
        assert!(Limits::new(default, max).is_err(), "{default} {max}");
    }
    assert_eq!(
        Limits::new(11, 10).unwrap_err().to_string(),
        "the default page size must be between 1 and the maximum page size 10, not 11"
    );
}

#[test]
fn preconditions_parse_once_and_evaluate_per_version() {
    let pre = Preconditions::parse(Some("W/\"3\", W/\"4\""), None).unwrap();
    assert_eq!(pre.evaluate(RequestKind::Write, Some(3)), Ok(Verdict::Proceed));
    assert_eq!(pre.evaluate(RequestKind::Write, Some(4)), Ok(Verdict::Proceed));
    assert_eq!(pre.evaluate(RequestKind::Write, Some(5)).unwrap_err().status.code(), 412);
    assert_eq!(pre.evaluate(RequestKind::Write, None), Ok(Verdict::Proceed));
    let none = Preconditions::parse(None, None).unwrap();
    assert_eq!(none, Preconditions::default());
    for version in [-1, 0, 1, i64::MAX] {
        assert_eq!(none.evaluate(RequestKind::Read, Some(version)), Ok(Verdict::Proceed));
        let own = roster_scim::etag(version);
        let read = evaluate_preconditions(RequestKind::Read, None, Some(&own), Some(version));
        assert_eq!(read, Ok(Verdict::NotModified));
        let write = evaluate_preconditions(RequestKind::Write, Some(&own), None, Some(version));
        assert_eq!(write, Ok(Verdict::Proceed));
    }
}
