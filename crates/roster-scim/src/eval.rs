//! Filters (RFC 7644 §3.4.2.2) evaluated against resources held in memory:
//! the reference semantics that the store's SQL must agree with, and the
//! selection of values in PATCH paths (`emails[type eq "work"]`).
//!
//! A filter is first resolved with [`resolve_filter`], the same resolution
//! the store compiles to SQL, so both accept exactly the same filters and
//! read each path the same way: an unknown attribute, or an operator or
//! value that does not fit the attribute's type, is 400 `invalidFilter`
//! naming it, whatever the data. Evaluation itself cannot fail. The
//! semantics:
//!
//! - Strings (and references) compare as the attribute's `caseExact` says:
//!   case-insensitively otherwise (Unicode lower case). `gt`, `ge`, `lt` and
//!   `le` order strings lexicographically by code point, numbers
//!   numerically (exactly for integers), and `dateTime` values as instants,
//!   so `2011-05-13T04:42:34Z` equals `2011-05-13T06:42:34+02:00`. A stored
//!   value of the wrong type, or a stored date that does not parse, matches
//!   nothing.
//! - `co`, `sw` and `ew` apply to strings and references; booleans and
//!   `binary` values take `eq` and `ne` only, and `binary` compares exactly.
//! - A multi-valued attribute matches when any of its values does, for
//!   simple values and for sub-attributes of complex ones
//!   (`emails.value co "@x"`); `emails co "@x"` compares the `value`
//!   sub-attribute, as [`resolve_filter`] reads it.
//! - `ne` is exactly `not eq`: it matches when no value is equal, and so
//!   matches a resource without the attribute. Every other comparison
//!   fails on an absent attribute.
//! - `pr` matches a non-null, non-empty value (not `""`, `[]` or `{}`, nor an
//!   object whose sub-attributes are all empty). `eq null` is `not pr` and
//!   `ne null` is `pr`.
//! - `attr[filter]` matches when one value of the complex attribute `attr`
//!   matches all of `filter`.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use crate::resource::{self, Instant, get_ci};
use crate::schema::{AttrType, Attribute, Resolved, ResourceType};
use crate::{AttrPath, CompValue, CompareOp, Filter, ResolvedFilter, ScimError, resolve_filter};

/// Whether `resource`, a representation of the resource type `rt` in the
/// canonical form of [`crate::normalize`], matches `filter`.
///
/// ```
/// # use roster_scim::{matches, parse_filter, schema::USER_RESOURCE};
/// # use serde_json::json;
/// let user = json!({"userName": "BJensen", "emails": [{"value": "b@x.org", "type": "work"}]});
/// let filter = parse_filter(r#"userName eq "bjensen" and emails[type eq "work"]"#).unwrap();
/// assert!(matches(&USER_RESOURCE, &filter, &user).unwrap());
/// let filter = parse_filter(r#"nickName eq "Babs""#).unwrap();
/// assert!(!matches(&USER_RESOURCE, &filter, &user).unwrap());
/// ```
pub fn matches(rt: &ResourceType, filter: &Filter, resource: &Value) -> Result<bool, ScimError> {
    Ok(CompiledFilter::new(rt, filter)?.matches(resource))
}

/// Whether `element`, one value of the complex attribute `attr` of the
/// resource type `rt`, matches `filter`, whose paths name sub-attributes of
/// `attr`: the `type eq "work"` of `emails[type eq "work"]` evaluated on one
/// e-mail address.
pub fn matches_value(
    rt: &ResourceType,
    attr: &AttrPath,
    filter: &Filter,
    element: &Value,
) -> Result<bool, ScimError> {
    Ok(CompiledFilter::for_values(rt, attr, filter)?.matches(element))
}

/// A filter resolved against a schema, ready to be evaluated on any number
/// of resources (or values).
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    node: Node,
}

impl CompiledFilter {
    /// Resolves and compiles `filter` for resources of the type `rt`.
    pub fn new(rt: &ResourceType, filter: &Filter) -> Result<Self, ScimError> {
        Ok(Self::from_resolved(rt, &resolve_filter(rt, filter)?))
    }

    /// Compiles a filter that [`resolve_filter`] resolved against `rt`.
    /// Parts that `resolve_filter` never produces (such as a boolean
    /// compared with a string, in a tree built by hand) match nothing.
    pub fn from_resolved(rt: &ResourceType, filter: &ResolvedFilter) -> Self {
        Self { node: compile(rt, filter, Scope::Resource) }
    }

    /// Resolves and compiles `filter` for the values of the complex
    /// attribute `attr` of `rt`, as inside `attr[filter]`: [`Self::matches`]
    /// then takes one value of `attr`.
    pub fn for_values(
        rt: &ResourceType,
        attr: &AttrPath,
        filter: &Filter,
    ) -> Result<Self, ScimError> {
        let whole = Filter::ValuePath { attr: attr.clone(), filter: Box::new(filter.clone()) };
        match resolve_filter(rt, &whole)? {
            ResolvedFilter::ValuePath { filter, .. } => {
                Ok(Self { node: compile(rt, &filter, Scope::Element) })
            }
            // resolve_filter keeps the shape of the filter it resolves.
            _ => Err(ScimError::new(
                crate::ScimStatus::InternalServerError,
                None,
                "the resolved value filter lost its shape",
            )),
        }
    }

    /// Whether `value` (a resource, or a value for [`Self::for_values`])
    /// matches.
    pub fn matches(&self, value: &Value) -> bool {
        self.node.eval(value)
    }
}

/// What the paths of a filter are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Resource,
    /// One value of a complex attribute: paths name its sub-attributes.
    Element,
}

/// A compiled filter.
#[derive(Debug, Clone)]
enum Node {
    /// Matches nothing: a comparison [`resolve_filter`] would have refused.
    Never,
    /// Some value at `at` passes `test` (or none does, if `negate`).
    Compare {
        at: At,
        test: Test,
        negate: bool,
    },
    Present(At),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
    /// Some value of the complex attribute at `at` matches `inner`.
    Any {
        at: At,
        inner: Box<Node>,
    },
}

/// Where the values a path names are found.
#[derive(Debug, Clone)]
struct At {
    scope: Scope,
    /// The extension URN the attribute is nested under, if any.
    extension: Option<&'static str>,
    attr: &'static Attribute,
    sub: Option<&'static Attribute>,
}

/// A comparison with one value; `ne` is compiled as a negated `eq`.
#[derive(Debug, Clone)]
enum Test {
    /// Strings, references and binary; `needle` is lower-cased when `fold`.
    Text {
        op: CompareOp,
        needle: String,
        fold: bool,
    },
    Bool(bool),
    Number {
        op: CompareOp,
        value: Number,
    },
    Time {
        op: CompareOp,
        value: Instant,
    },
}

fn compile(rt: &ResourceType, filter: &ResolvedFilter, scope: Scope) -> Node {
    let both = |a, b| (Box::new(compile(rt, a, scope)), Box::new(compile(rt, b, scope)));
    match filter {
        ResolvedFilter::Compare { path, op, value } => compare(at(rt, path, scope), *op, value),
        ResolvedFilter::Present(path) => Node::Present(at(rt, path, scope)),
        ResolvedFilter::And(a, b) => {
            let (a, b) = both(a, b);
            Node::And(a, b)
        }
        ResolvedFilter::Or(a, b) => {
            let (a, b) = both(a, b);
            Node::Or(a, b)
        }
        ResolvedFilter::Not(a) => Node::Not(Box::new(compile(rt, a, scope))),
        ResolvedFilter::ValuePath { attr, filter } if scope == Scope::Resource => {
            let inner = compile(rt, filter, Scope::Element);
            Node::Any { at: at(rt, attr, scope), inner: Box::new(inner) }
        }
        ResolvedFilter::ValuePath { .. } => Node::Never,
    }
}

/// The value of a `primary` sub-attribute that is not given.
static NOT_PRIMARY: Value = Value::Bool(false);

fn at(rt: &ResourceType, path: &Resolved, scope: Scope) -> At {
    let extension = (path.schema.id != rt.schema.id).then_some(path.schema.id);
    At { scope, extension, attr: path.attribute, sub: path.sub }
}

fn compare(at: At, op: CompareOp, value: &CompValue) -> Node {
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Node::Not(Box::new(Node::Present(at))),
            CompareOp::Ne => Node::Present(at),
            _ => Node::Never,
        };
    }
    let leaf = at.sub.unwrap_or(at.attr);
    let (negate, op) = if op == CompareOp::Ne { (true, CompareOp::Eq) } else { (false, op) };
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let test = match (leaf.kind, value) {
        (AttrType::String | AttrType::Reference, CompValue::String(text)) => {
            let fold = !leaf.case_exact;
            let needle = if fold { crate::fold(text) } else { text.clone() };
            Test::Text { op, needle, fold }
        }
        (AttrType::Binary, CompValue::String(text)) if op == CompareOp::Eq => {
            Test::Text { op, needle: text.clone(), fold: false }
        }
        (AttrType::Boolean, CompValue::Bool(b)) if op == CompareOp::Eq => Test::Bool(*b),
        (AttrType::Integer | AttrType::Decimal, CompValue::Number(n)) if !substring => {
            Test::Number { op, value: n.clone() }
        }
        (AttrType::DateTime, CompValue::String(text)) if !substring => {
            match resource::parse_date_time(text) {
                Some(instant) => Test::Time { op, value: instant },
                None => return Node::Never,
            }
        }
        _ => return Node::Never,
    };
    Node::Compare { at, test, negate }
}

impl Node {
    fn eval(&self, base: &Value) -> bool {
        match self {
            Node::Never => false,
            Node::Compare { at, test, negate } => {
                let hit = at.values(base).into_iter().any(|value| test.passes(value));
                hit != *negate
            }
            Node::Present(at) => at.values(base).into_iter().any(non_empty),
            Node::And(a, b) => a.eval(base) && b.eval(base),
            Node::Or(a, b) => a.eval(base) || b.eval(base),
            Node::Not(a) => !a.eval(base),
            Node::Any { at, inner } => {
                at.elements(base).into_iter().any(|element| inner.eval(element))
            }
        }
    }
}

impl At {
    /// The attribute's value in the resource `base`, if any.
    fn attribute<'v>(&self, base: &'v Value) -> Option<&'v Value> {
        let object = base.as_object()?;
        let container: &Map<String, Value> = match self.extension {
            None => object,
            Some(urn) => get_ci(object, urn)?.as_object()?,
        };
        get_ci(container, self.attr.name)
    }

    /// The attribute's values in the resource `base`: the elements of a
    /// multi-valued attribute, or the one value.
    fn elements<'v>(&self, base: &'v Value) -> Vec<&'v Value> {
        match self.attribute(base) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if self.attr.multi_valued => items.iter().collect(),
            Some(value) => vec![value],
        }
    }

    /// The values the path names in `base` (a resource, or one value of
    /// the attribute in element scope), flattened, without nulls.
    fn values<'v>(&self, base: &'v Value) -> Vec<&'v Value> {
        let elements = match self.scope {
            Scope::Resource => self.elements(base),
            Scope::Element => vec![base],
        };
        let mut out = Vec::new();
        for element in elements {
            let value = match self.sub {
                None => Some(element),
                // RFC 7643 §2.4: a `primary` that is not given is false.
                Some(sub) if sub.name == "primary" && sub.kind == AttrType::Boolean => {
                    element.as_object().map(|object| {
                        get_ci(object, sub.name).filter(|v| !v.is_null()).unwrap_or(&NOT_PRIMARY)
                    })
                }
                Some(sub) => element.as_object().and_then(|object| get_ci(object, sub.name)),
            };
            match value {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => out.extend(items.iter().filter(|v| !v.is_null())),
                Some(value) => out.push(value),
            }
        }
        out
    }
}

impl Test {
    fn passes(&self, value: &Value) -> bool {
        match self {
            Test::Text { op, needle, fold } => {
                let Some(text) = value.as_str() else { return false };
                let folded;
                let text = if *fold {
                    folded = crate::fold(text);
                    folded.as_str()
                } else {
                    text
                };
                match op {
                    CompareOp::Co => text.contains(needle.as_str()),
                    CompareOp::Sw => text.starts_with(needle.as_str()),
                    CompareOp::Ew => text.ends_with(needle.as_str()),
                    _ => ordered(*op, text.cmp(needle.as_str())),
                }
            }
            Test::Bool(b) => value.as_bool() == Some(*b),
            Test::Number { op, value: wanted } => value
                .as_number()
                .and_then(|n| compare_numbers(n, wanted))
                .is_some_and(|ordering| ordered(*op, ordering)),
            Test::Time { op, value: wanted } => value
                .as_str()
                .and_then(resource::parse_date_time)
                .is_some_and(|instant| ordered(*op, instant.cmp(wanted))),
        }
    }
}

/// Whether `ordering` (of the attribute's value against the comparison
/// value) satisfies `op`.
fn ordered(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering == Ordering::Equal,
        CompareOp::Ne => ordering != Ordering::Equal,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Numbers compare exactly as integers when both are, else as floats.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

/// RFC 7644 §3.4.2.2 `pr`: "If the attribute has a non-empty value, or if
/// it contains a non-empty node for complex attributes, there is a match."
fn non_empty(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => items.iter().any(non_empty),
        Value::Object(object) => object.values().any(non_empty),
        Value::Bool(_) | Value::Number(_) => true,
    }
}
