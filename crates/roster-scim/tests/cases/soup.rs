//! Randomized inputs (issue 16 §4): token soup for the filter and path
//! parsers, the dialect layer and the PATCH engine, from a fixed seed so
//! that a failure replays. Each stage must answer `Ok` or `Err`, never
//! panic, and the lenient layer must stay idempotent. Not a substitute
//! for a coverage-guided fuzzer, but it runs on every `cargo test`.

use roster_scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use roster_scim::{
    PatchRequest, apply, filter_text, normalize, parse_attr_path, parse_filter, parse_patch_path,
    patch_body, resolve_filter, resource_body,
};
use serde_json::{Value, json};

/// xorshift64*: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// The filter grammar's tokens and odd characters (`props.rs` uses them too).
pub(crate) const TOKENS: [&str; 40] = [
    "userName",
    "emails",
    "members",
    "value",
    "type",
    "name.givenName",
    "groups",
    "active",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    ".value",
    ".display",
    " ",
    " ",
    " ",
    "eq",
    "ne",
    "co",
    "sw",
    "pr",
    "gt",
    "and",
    "or",
    "not",
    "(",
    ")",
    "[",
    "]",
    "\"x\"",
    "\"é\\u0041\"",
    "\"\\u0000\"",
    "\"",
    "12345",
    "-1.5e3",
    "true",
    "False",
    "null",
    "alice@x",
    "\\",
    "é",
    "\u{1F600}",
];

fn soup(rng: &mut Rng) -> String {
    let len = rng.next() % 24;
    (0..len).map(|_| *rng.pick(&TOKENS)).collect()
}

#[test]
fn filter_soup_never_panics() {
    let mut rng = Rng(0x5EED_0016);
    for _ in 0..20_000 {
        let text = soup(&mut rng);
        let _ = parse_patch_path(&text);
        let _ = parse_attr_path(&text);
        for rt in [&USER_RESOURCE, &GROUP_RESOURCE] {
            if let Ok(tree) = parse_filter(&text) {
                let _ = resolve_filter(rt, &tree);
                assert_eq!(parse_filter(&tree.to_string()).ok(), Some(tree.clone()), "{text}");
            }
            let once = filter_text(rt, &text);
            let again = filter_text(rt, &once.value);
            assert_eq!(again.value, once.value, "idempotent: {text}");
        }
    }
}

fn value(rng: &mut Rng, depth: u32) -> Value {
    match rng.next() % if depth > 2 { 5 } else { 8 } {
        0 => json!(soup(rng)),
        1 => json!(rng.pick(&["True", "false", "u1", "", "\u{0}"])),
        2 => json!(rng.next().is_multiple_of(3)),
        3 => Value::Null,
        4 => json!(rng.next() as i64),
        5 | 6 => {
            let keys = [
                "value",
                "type",
                "primary",
                "display",
                "members",
                "active",
                "userName",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "manager",
                "emails",
            ];
            let mut object = serde_json::Map::new();
            for _ in 0..rng.next() % 4 {
                object.insert((*rng.pick(&keys)).to_owned(), value(rng, depth + 1));
            }
            Value::Object(object)
        }
        _ => Value::Array((0..rng.next() % 3).map(|_| value(rng, depth + 1)).collect()),
    }
}

#[test]
fn patch_soup_never_panics() {
    let mut rng = Rng(0x5EED_1616);
    let user = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "a",
        "emails": [{ "value": "a@x", "type": "work" }] });
    let group = json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "G",
        "members": [{ "value": "u1" }] });
    let paths = [
        "members",
        "emails[type eq \"work\"].value",
        "active",
        "name.givenName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "members[value eq \"u1\"]",
    ];
    for _ in 0..5_000 {
        let mut operations = Vec::new();
        for _ in 0..1 + rng.next() % 3 {
            let mut op = serde_json::Map::new();
            op.insert("op".into(), json!(rng.pick(&["add", "Replace", "remove", "ADD", "x"])));
            if !rng.next().is_multiple_of(3) {
                let path = if rng.next().is_multiple_of(2) {
                    (*rng.pick(&paths)).to_owned()
                } else {
                    soup(&mut rng)
                };
                op.insert("path".into(), json!(path));
            }
            op.insert("value".into(), value(&mut rng, 0));
            operations.push(Value::Object(op));
        }
        let body = json!({ "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations });
        for (rt, start) in [(&USER_RESOURCE, &user), (&GROUP_RESOURCE, &group)] {
            let once = patch_body(rt, &body);
            assert_eq!(patch_body(rt, &once.value).value, once.value, "idempotent: {body}");
            if let Ok(request) = PatchRequest::parse(&once.value) {
                let _ = apply(rt, start, &request);
            }
            let resource = value(&mut rng, 0);
            let fixed = resource_body(rt, &resource);
            let _ = normalize(rt, &fixed.value);
        }
    }
}
