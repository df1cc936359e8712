//! Property tests (proptest) of the three places a client's text reaches
//! (issue 16 §4): the filter and path parsers, the PATCH engine and the
//! dialect layer. `soup.rs` throws token soup at them from one seed; these
//! generate structured input, shrink a failure to a small case, and check
//! more than "no panic":
//!
//! - every stage answers `Ok` or `Err` for any input, and the dialect layer
//!   is idempotent;
//! - a filter, PATCH or resource the strict engine accepts comes back from
//!   the lenient layer unchanged, with no tolerance applied (the layer's
//!   invariant, on generated requests rather than the data files');
//! - a conformant PATCH spelled as Entra spells it (capitalised ops, string
//!   booleans) is rewritten into exactly the conformant one;
//! - time is bounded: inputs of hundreds of kilobytes built to defeat a
//!   parser (deep nesting, long chains, unclosed brackets and quotes) are
//!   answered in well under a second each, so a parser that is not linear
//!   fails here, not on a server.
//!
//! A failing case is printed shrunk; no regression file is written (the
//! case belongs in a data file).

use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use roster_scim::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use roster_scim::{
    PatchRequest, apply, filter_text, normalize, parse_attr_path, parse_filter, parse_patch_path,
    patch_body, resolve_filter, resource_body,
};
use serde_json::{Map, Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// A string a filter or a value may hold: mostly printable, with
/// non-ASCII letters, quotes, backslashes and control characters.
fn text() -> impl Strategy<Value = String> {
    let pieces = select(vec![
        "a",
        "Z",
        "0",
        "@",
        ".",
        " ",
        "\"",
        "\\",
        "é",
        "Ä",
        "ß",
        "İ",
        "\u{1F600}",
        "\u{0}",
        "\n",
        "[",
        "]",
        "(",
        ")",
        "eq",
        "or",
        "-",
    ]);
    prop::collection::vec(
        prop_oneof![4 => pieces.prop_map(str::to_owned), 1 => any::<char>().prop_map(String::from)],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

/// Filter soup: `soup.rs`'s tokens of the filter grammar in any order, and
/// any characters.
fn soup() -> impl Strategy<Value = String> {
    let tokens = select(crate::soup::TOKENS.to_vec());
    prop::collection::vec(
        prop_oneof![6 => tokens.prop_map(str::to_owned), 1 => any::<char>().prop_map(String::from)],
        0..30,
    )
    .prop_map(|parts| parts.concat())
}

/// A comparison of a User attribute with a value of its type.
fn comparison() -> impl Strategy<Value = String> {
    let strings = select(vec![
        "userName",
        "name.givenName",
        "displayName",
        "externalId",
        "title",
        "emails.value",
        "emails.type",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ]);
    let ops = select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Co"]);
    prop_oneof![
        (strings.clone(), ops, text())
            .prop_map(|(a, op, v)| format!("{a} {op} {}", Value::from(v))),
        (select(vec!["eq", "ne"]), any::<bool>()).prop_map(|(op, b)| format!("active {op} {b}")),
        select(vec!["eq", "gt", "le"])
            .prop_map(|op| format!("meta.lastModified {op} \"2011-05-13T04:42:34Z\"")),
        strings.prop_map(|a| format!("{a} pr")),
    ]
}

/// A filter of the RFC 7644 §3.4.2.2 grammar over User attributes.
fn filter() -> impl Strategy<Value = String> {
    comparison().prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} or {b})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            (text(), text()).prop_map(|(t, v)| {
                format!("emails[type eq {} and value co {}]", Value::from(t), Value::from(v))
            }),
        ]
    })
}

fn accepted(rt: &ResourceType, text: &str) -> bool {
    parse_filter(text).is_ok_and(|tree| resolve_filter(rt, &tree).is_ok())
}

#[test]
fn filter_parsers_answer_any_text() {
    runner(2_000)
        .run(&prop_oneof![soup(), filter(), text()], |text| {
            let _ = parse_patch_path(&text);
            let _ = parse_attr_path(&text);
            for rt in [&USER_RESOURCE, &GROUP_RESOURCE] {
                if let Ok(tree) = parse_filter(&text) {
                    let _ = resolve_filter(rt, &tree);
                    prop_assert_eq!(parse_filter(&tree.to_string()).ok(), Some(tree.clone()));
                }
                let once = filter_text(rt, &text);
                prop_assert_eq!(&filter_text(rt, &once.value).value, &once.value);
            }
            Ok(())
        })
        .unwrap();
}

/// How many of 200 values of `strategy` `accept` takes: a property about
/// conformant input says nothing unless its generator reaches it.
fn accepted_of_200<S: Strategy>(strategy: S, accept: impl Fn(&S::Value) -> bool) -> usize {
    let mut sampler = runner(200);
    (0..200).filter(|_| accept(&strategy.new_tree(&mut sampler).unwrap().current())).count()
}

#[test]
fn conformant_filters_pass_the_lenient_layer_unchanged() {
    runner(1_000)
        .run(&filter(), |text| {
            if accepted(&USER_RESOURCE, &text) {
                let out = filter_text(&USER_RESOURCE, &text);
                prop_assert_eq!(out.value.as_str(), text.as_str());
                prop_assert!(out.applied.is_empty());
            }
            Ok(())
        })
        .unwrap();
    let conformant = accepted_of_200(filter(), |text| accepted(&USER_RESOURCE, text));
    assert!(conformant >= 100, "only {conformant} of 200 generated filters are conformant");
}

/// A User the PATCH operations start from.
fn user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "u1",
        "userName": "ada@example.com",
        "name": { "givenName": "Ada", "familyName": "Lovelace" },
        "active": true,
        "emails": [{ "value": "ada@example.com", "type": "work", "primary": true }],
        ENTERPRISE: { "department": "R&D", "manager": { "value": "u2" } },
        "meta": { "resourceType": "User", "created": "2020-01-01T00:00:00Z" }
    })
}

/// A conformant PATCH operation on a User: a path of the schema and a value
/// of its type (RFC 7644 §3.5.2), or a path-less `add`/`replace` with an
/// object.
fn operation() -> impl Strategy<Value = Value> {
    let string_paths = select(vec![
        "displayName",
        "title",
        "nickName",
        "name.givenName",
        "externalId",
        "emails[type eq \"work\"].value",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ]);
    let set = select(vec!["add", "replace"]);
    prop_oneof![
        (set.clone(), string_paths.clone(), text())
            .prop_map(|(op, path, v)| json!({ "op": op, "path": path, "value": v })),
        (set.clone(), any::<bool>())
            .prop_map(|(op, b)| json!({ "op": op, "path": "active", "value": b })),
        (set.clone(), text(), any::<bool>()).prop_map(|(op, v, primary)| {
            json!({ "op": op, "path": "emails", "value": [{ "value": v, "type": "home", "primary": primary }] })
        }),
        (set, text(), any::<bool>()).prop_map(|(op, v, b)| {
            json!({ "op": op, "value": { "displayName": v, "active": b, ENTERPRISE: { "costCenter": "7" } } })
        }),
        string_paths.prop_map(|path| json!({ "op": "remove", "path": path })),
        Just(json!({ "op": "remove", "path": "emails[type eq \"work\"]" })),
    ]
}

fn body(operations: Vec<Value>) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": operations })
}

fn strict_ok(rt: &ResourceType, start: &Value, body: &Value) -> bool {
    PatchRequest::parse(body).is_ok_and(|request| apply(rt, start, &request).is_ok())
}

#[test]
fn conformant_patches_pass_the_lenient_layer_unchanged() {
    let start = user();
    let operations = || prop::collection::vec(operation(), 1..5);
    let conformant =
        accepted_of_200(operations(), |ops| strict_ok(&USER_RESOURCE, &start, &body(ops.clone())));
    assert!(conformant >= 100, "only {conformant} of 200 generated PATCH bodies are conformant");
    runner(1_000)
        .run(&operations(), |operations| {
            let body = body(operations);
            if strict_ok(&USER_RESOURCE, &start, &body) {
                let out = patch_body(&USER_RESOURCE, &body);
                prop_assert_eq!(&out.value, &body);
                prop_assert!(out.applied.is_empty());
            }
            Ok(())
        })
        .unwrap();
}

/// An operation as Entra ID writes it: the op capitalised, a boolean as
/// a string.
fn as_entra_writes_it(operation: &Value) -> Value {
    let mut out = operation.clone();
    if let Some(op) = out["op"].as_str() {
        let mut chars = op.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase()).into_iter();
        out["op"] = json!(first.chain(chars).collect::<String>());
    }
    if out["path"] == "active"
        && let Some(b) = out["value"].as_bool()
    {
        out["value"] = json!(if b { "True" } else { "False" });
    }
    out
}

#[test]
fn entra_spellings_become_the_conformant_patch() {
    let start = user();
    runner(500)
        .run(&prop::collection::vec(operation(), 1..4), |operations| {
            let conformant = body(operations.clone());
            let entra = body(operations.iter().map(as_entra_writes_it).collect());
            prop_assert_eq!(patch_body(&USER_RESOURCE, &entra).value, conformant.clone());
            if strict_ok(&USER_RESOURCE, &start, &conformant) {
                prop_assert!(!strict_ok(&USER_RESOURCE, &start, &entra));
            }
            Ok(())
        })
        .unwrap();
}

/// Any JSON value, a few levels deep, with the keys SCIM bodies use.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::from),
        select(vec!["True", "false", "add", "Replace", "members", ENTERPRISE])
            .prop_map(Value::from),
    ];
    let keys = select(vec![
        "op",
        "path",
        "value",
        "Operations",
        "schemas",
        "members",
        "emails",
        "type",
        "primary",
        "active",
        "userName",
        "manager",
        "displayName",
        ENTERPRISE,
        "urn:scim:schemas:core:1.0",
    ]);
    leaf.prop_recursive(3, 32, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..5).prop_map(|pairs| {
                Value::Object(
                    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

#[test]
fn the_patch_engine_and_the_dialect_answer_any_json() {
    let start = user();
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
        "displayName": "G", "members": [{ "value": "u1" }] });
    let operations = prop::collection::vec(prop_oneof![operation(), json_value()], 0..4);
    let input = prop_oneof![operations.prop_map(body), json_value()];
    runner(2_000)
        .run(&input, |input| {
            for (rt, start) in [(&USER_RESOURCE, &start), (&GROUP_RESOURCE, &group)] {
                let once = patch_body(rt, &input);
                prop_assert_eq!(&patch_body(rt, &once.value).value, &once.value);
                if let Ok(request) = PatchRequest::parse(&once.value) {
                    let _ = apply(rt, start, &request);
                }
                let fixed = resource_body(rt, &input);
                prop_assert_eq!(&resource_body(rt, &fixed.value).value, &fixed.value);
                if normalize(rt, &input).is_ok() {
                    prop_assert_eq!(&fixed.value, &input);
                    prop_assert!(fixed.applied.is_empty());
                }
                let _ = normalize(rt, &fixed.value);
            }
            Ok(())
        })
        .unwrap();
}

/// A long text, shown by its length and its start.
#[derive(Clone)]
struct Long(String);

impl std::fmt::Debug for Long {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let start: String = self.0.chars().take(80).collect();
        write!(f, "{} bytes starting {start:?}", self.0.len())
    }
}

/// Text built to defeat a parser: one of these pieces repeated tens of
/// thousands of times, then a tail.
fn hostile_text() -> impl Strategy<Value = Long> {
    let pieces = select(vec![
        "emails[",
        "(",
        "not (",
        "\"",
        "\\",
        "[",
        "userName eq \"x\" or ",
        "].value eq x",
        "emails[type eq \"work\"].value eq ",
        "urn:a:b:c:",
        "a.",
        "\"\\u00e9",
    ]);
    (pieces, 1_000usize..60_000, soup()).prop_map(|(piece, n, tail)| Long(piece.repeat(n) + &tail))
}

#[test]
fn hostile_text_is_answered_in_bounded_time() {
    // Every engine answers without panicking; the bound on time is
    // `.config/nextest.toml`'s (a parser quadratic in these sizes takes
    // minutes, and nextest ends the test as a failure).
    runner(48)
        .run(&hostile_text(), |Long(text)| {
            let _ = parse_filter(&text);
            let _ = parse_patch_path(&text);
            let _ = parse_attr_path(&text);
            let rewritten = filter_text(&USER_RESOURCE, &text);
            let _ = parse_filter(&rewritten.value);
            let operation = json!({ "op": "Replace", "path": text, "value": "x" });
            let patched = patch_body(&USER_RESOURCE, &body(vec![operation]));
            if let Ok(request) = PatchRequest::parse(&patched.value) {
                let _ = apply(&USER_RESOURCE, &user(), &request);
            }
            Ok(())
        })
        .unwrap();
}
