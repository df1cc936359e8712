//! The values of `scim_stream_gen.rs`'s requests: strings, JSON values,
//! attribute names, filters and PATCH operations, each conformant in a
//! well-behaved request and sometimes odd in a hostile one.

use serde_json::{Map, Value, json};

use crate::scim_stream_gen::{ENTERPRISE, Generator};

/// Attributes a filter, `sortBy` or `attributes` may name, per endpoint.
const USER_ATTRIBUTES: [&str; 14] = [
    "userName",
    "name.givenName",
    "name.formatted",
    "displayName",
    "emails",
    "emails.value",
    "emails.type",
    "externalId",
    "id",
    "active",
    "groups.value",
    "meta.lastModified",
    "title",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
];
const GROUP_ATTRIBUTES: [&str; 6] =
    ["displayName", "externalId", "id", "members", "members.value", "meta.created"];
/// What a hostile request names instead.
const ODD_ATTRIBUTES: [&str; 8] = [
    "nope",
    "name.nope",
    "members.display",
    "emails[type eq \"work\"]",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    "meta",
    "\u{0}",
    "",
];

impl Generator {
    /// A string: in a well-behaved request plain or non-ASCII text; in a
    /// hostile one sometimes empty, blank, with NUL or control characters,
    /// far too long, or looking like SQL or filter syntax.
    pub(crate) fn text(&mut self) -> String {
        let n = self.unique();
        if !self.hostile || self.rng.chance(60) {
            return match self.rng.below(6) {
                0 => format!("Äßİǅ ö{n}"),
                1 => format!("名前{n}"),
                2 => format!("O'Brien \u{1F600} {n}"),
                3 => format!("{n}"),
                _ => format!("text{n}"),
            };
        }
        match self.rng.below(10) {
            0 => String::new(),
            1 => " \t ".into(),
            2 => format!("nul\u{0}{n}"),
            3 => "x".repeat(256 + self.rng.below(60_000) as usize),
            4 => format!("\u{202E}e\u{301}\u{FEFF}{n}"),
            5 => format!("\u{FFFF}\u{7F}\r\n{n}"),
            6 => format!("' OR 1=1 -- %_\\{n}"),
            7 => format!("\" or \"\" eq \"{n}"),
            8 => "x".repeat(255),
            _ => format!("a@b@c{n}"),
        }
    }

    /// A unique name (a userName, a group's displayName, an e-mail), or
    /// in a hostile request sometimes an odd string.
    pub(crate) fn name(&mut self) -> String {
        if self.hostile && self.rng.chance(40) {
            return self.text();
        }
        let n = self.unique();
        match self.rng.below(4) {
            0 => format!("Ädä{n}@example.com"),
            1 => format!("USER{n}@Example.com"),
            _ => format!("user{n}@example.com"),
        }
    }

    /// Any JSON value, nested up to a few levels.
    pub(crate) fn value(&mut self, depth: u32) -> Value {
        match self.rng.below(if depth > 2 { 6 } else { 9 }) {
            0 | 1 => json!(self.text()),
            2 => json!(self.rng.chance(50)),
            3 => Value::Null,
            4 => json!(self.rng.number()),
            5 => json!(*self.rng.pick(&["True", "false", "0", "1.5e400", ""])),
            6 | 7 => {
                let keys = ["value", "type", "primary", "display", "$ref", "givenName", "active"];
                let mut object = Map::new();
                for _ in 0..self.rng.below(4) {
                    let key = (*self.rng.pick(&keys)).to_owned();
                    object.insert(key, self.value(depth + 1));
                }
                Value::Object(object)
            }
            _ => Value::Array((0..self.rng.below(4)).map(|_| self.value(depth + 1)).collect()),
        }
    }

    /// An attribute of `endpoint` (`Users` or `Groups`), or in a hostile
    /// request sometimes one that is not.
    pub(crate) fn attribute(&mut self, endpoint: &str) -> String {
        if self.hostile && self.rng.chance(40) {
            return (*self.rng.pick(&ODD_ATTRIBUTES)).to_owned();
        }
        let names: &[&str] =
            if endpoint == "Groups" { &GROUP_ATTRIBUTES } else { &USER_ATTRIBUTES };
        (*self.rng.pick(names)).to_owned()
    }

    pub(crate) fn attribute_list(&mut self, endpoint: &str) -> String {
        let n = 1 + self.rng.below(3);
        (0..n).map(|_| self.attribute(endpoint)).collect::<Vec<_>>().join(",")
    }

    /// A filter for `endpoint`: grammatical (comparisons of every operator
    /// and value type, `and`, `or`, `not`, value paths); in a hostile
    /// request sometimes token soup, a long chain or deep nesting.
    pub(crate) fn filter(&mut self, endpoint: &str) -> String {
        if !self.hostile {
            return self.expression(endpoint, 0);
        }
        match self.rng.below(6) {
            0 => {
                let tokens = ["(", ")", "[", "]", " and ", " or ", "not", " eq ", "\"", "pr", "\\"];
                (0..self.rng.below(20)).map(|_| *self.rng.pick(&tokens)).collect()
            }
            1 => {
                let n = 50 + self.rng.below(300) as usize;
                vec!["userName pr"; n].join(if self.rng.chance(50) { " or " } else { " and " })
            }
            2 => format!("{}userName pr{}", "(".repeat(70), ")".repeat(70)),
            _ => self.expression(endpoint, 0),
        }
    }

    fn expression(&mut self, endpoint: &str, depth: u32) -> String {
        let roll = if depth > 2 { 0 } else { self.rng.below(8) };
        match roll {
            0..4 => self.comparison(endpoint),
            4 => format!(
                "{} and {}",
                self.expression(endpoint, depth + 1),
                self.expression(endpoint, depth + 1)
            ),
            5 => format!(
                "({} or {})",
                self.expression(endpoint, depth + 1),
                self.expression(endpoint, depth + 1)
            ),
            6 => format!("not ({})", self.expression(endpoint, depth + 1)),
            _ if endpoint == "Groups" => format!("members[value eq \"{}\"]", self.member_id()),
            _ => {
                let op = *self.rng.pick(&["eq", "co", "sw", "pr"]);
                let sub = *self.rng.pick(&["value", "type", "primary"]);
                if op == "pr" {
                    format!("emails[{sub} pr]")
                } else {
                    format!("emails[{sub} {op} {}]", Value::from(self.text()))
                }
            }
        }
    }

    /// `attribute op value`: in a well-behaved request a value of the
    /// attribute's type and an operator that applies to it; in a hostile
    /// one any of them.
    fn comparison(&mut self, endpoint: &str) -> String {
        let attribute = self.attribute(endpoint);
        if self.rng.chance(10) {
            return format!("{attribute} pr");
        }
        if self.hostile {
            let ops = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ"];
            let op = *self.rng.pick(&ops);
            let value = match self.rng.below(9) {
                0 => "true".to_owned(),
                1 => "null".to_owned(),
                2 => "-12.5e3".to_owned(),
                3 => "\"2020-01-01T00:00:00Z\"".to_owned(),
                4 => "alice@x".to_owned(),
                5 => "\"1é\"".to_owned(),
                _ => Value::from(self.text()).to_string(),
            };
            return format!("{attribute} {op} {value}");
        }
        let (ops, value): (&[&str], String) = if attribute == "active" {
            (&["eq", "ne"], self.rng.chance(50).to_string())
        } else if attribute.starts_with("meta.") {
            (&["eq", "gt", "ge", "lt", "le"], "\"2020-01-01T00:00:00Z\"".to_owned())
        } else if attribute == "emails" || attribute == "members" {
            (&["eq", "co"], Value::from(self.member_id()).to_string())
        } else {
            let ops: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "le", "Eq"];
            (ops, Value::from(self.text()).to_string())
        };
        format!("{attribute} {} {value}", self.rng.pick(ops))
    }

    /// One PATCH operation on a resource of `endpoint`: a path it has and
    /// a value of the right shape (lenient spellings included), or in a
    /// hostile request anything.
    pub(crate) fn operation(&mut self, endpoint: &str) -> Value {
        if self.hostile && self.rng.chance(50) {
            return self.odd_operation();
        }
        let op = *self.rng.pick(&["add", "replace", "remove", "add", "replace", "Replace"]);
        let mut operation = Map::new();
        operation.insert("op".into(), json!(op));
        let (path, value) =
            if endpoint == "Groups" { self.group_change() } else { self.user_change() };
        if let Some(path) = path {
            operation.insert("path".into(), json!(path));
        } else if op == "remove" {
            operation.insert("path".into(), json!("externalId"));
        }
        if op != "remove" || self.rng.chance(10) {
            operation.insert("value".into(), value);
        }
        Value::Object(operation)
    }

    /// A path of a user and a value for it; no path means a path-less
    /// operation with an object.
    fn user_change(&mut self) -> (Option<String>, Value) {
        let path = |text: &str| Some(text.to_owned());
        match self.rng.below(12) {
            0 => (path("active"), json!(self.rng.chance(50))),
            1 => (path("active"), json!(*self.rng.pick(&["False", "True"]))),
            2 => (path("displayName"), json!(self.text())),
            3 => (path("name.givenName"), json!(self.text())),
            4 => (path("emails"), json!([{ "value": self.name(), "type": "home" }])),
            5 => (path("emails[type eq \"work\"].value"), json!(self.name())),
            6 => (path("title"), json!(self.text())),
            7 => (path(ENTERPRISE), json!({ "department": self.text() })),
            8 => (path(&format!("{ENTERPRISE}:manager")), json!(self.member_id())),
            9 => (path("externalId"), json!(self.text())),
            10 => (path("userName"), json!(self.name())),
            _ => (None, json!({ "active": self.rng.chance(50), "displayName": self.text() })),
        }
    }

    fn group_change(&mut self) -> (Option<String>, Value) {
        let member = self.member_id();
        match self.rng.below(6) {
            0 | 1 => (Some("members".into()), json!([{ "value": member }])),
            2 => (Some(format!("members[value eq \"{member}\"]")), json!({ "value": member })),
            3 => (Some("displayName".into()), json!(self.name())),
            4 => (Some("externalId".into()), json!(self.text())),
            _ => (None, json!({ "members": [member], "displayName": self.name() })),
        }
    }

    /// An operation from any op, path and value.
    fn odd_operation(&mut self) -> Value {
        let ops = ["add", "replace", "remove", "ADD", "copy", "", "Remove"];
        let paths = [
            "active",
            "emails[value co \"@\"]",
            "members[value eq \"x\"]",
            "id",
            "meta.version",
            "groups",
            "phoneNumbers[type eq \"\u{0}\"]",
            "emails[",
            "name..x",
            "",
            "emails.value",
            "urn:ietf:params:scim:schemas:core:2.0:Group:members",
        ];
        let mut operation = Map::new();
        operation.insert("op".into(), json!(*self.rng.pick(&ops)));
        if self.rng.chance(80) {
            let path =
                if self.rng.chance(80) { (*self.rng.pick(&paths)).to_owned() } else { self.text() };
            operation.insert("path".into(), json!(path));
        }
        if self.rng.chance(85) {
            operation.insert("value".into(), self.value(0));
        }
        Value::Object(operation)
    }
}
