//! Filters (RFC 7644 §3.4.2.2) evaluated against resources held in memory:
//! the reference semantics that the store's SQL must agree with, and the
//! selection of values in PATCH paths (`emails[type eq "work"]`).
//!
//! A filter is first compiled against the schema ([`CompiledFilter`]), so
//! every error is found whatever the data: an unknown attribute, or an
//! operator or value that does not fit the attribute's type, is 400
//! `invalidFilter` naming it. Evaluation itself cannot fail. The rules:
//!
//! - Attribute names resolve with [`ResourceType::resolve`]: in any case,
//!   with or without a schema URN. `schemas` may be filtered on too, as the
//!   RFC's example `schemas eq "urn:...:enterprise:2.0:User"` does.
//! - Strings (and references) compare as the attribute's `caseExact` says:
//!   case-insensitively otherwise. `gt`, `ge`, `lt` and `le` order strings
//!   lexicographically by code point, numbers numerically, and `dateTime`
//!   values as instants (RFC 3339; a comparison value that is not one is an
//!   error, a stored value that is not one matches nothing).
//! - `co`, `sw` and `ew` apply to strings and references only; booleans
//!   take `eq` and `ne` only, and so do `binary` values, which compare
//!   exactly (RFC 7644: `gt` and the like on booleans or binary are
//!   `invalidFilter`).
//! - The comparison value must have the attribute's type: `active eq
//!   "true"` is refused (the dialect layer rewrites such quirks first).
//! - A multi-valued attribute matches when any of its values does, for
//!   simple values and for sub-attributes of complex ones
//!   (`emails.value co "@x"`). A complex attribute compared without a
//!   sub-attribute compares its `value` sub-attribute, as the RFC's
//!   `emails co "example.com"` does; one without `value` cannot be compared.
//! - `ne` is exactly `not eq`: it matches when no value is equal, so it
//!   matches a resource without the attribute. Every other comparison
//!   fails on an absent attribute.
//! - `pr` matches a non-null, non-empty value (not `""`, `[]` or `{}`, nor an
//!   object whose sub-attributes are all empty). `eq null` is `not pr` and
//!   `ne null` is `pr`; other operators with `null` are refused.
//! - `attr[filter]` matches when one value of the complex attribute `attr`
//!   matches `filter`, whose paths name sub-attributes of `attr`.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use crate::resource::{self, Instant, get_ci};
use crate::schema::{AttrType, Attribute, ResourceType};
use crate::{AttrPath, CompValue, CompareOp, Filter, ScimError};

/// `schemas`, which every resource has but no schema defines (RFC 7643 §3).
static SCHEMAS: Attribute = Attribute::string("schemas", "The schema URNs of the resource.")
    .of_type(AttrType::Reference)
    .multi();

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

/// Whether `element`, one value of the complex multi-valued `attribute`,
/// matches `filter`, whose paths name sub-attributes of `attribute`: the
/// `type eq "work"` of `emails[type eq "work"]` evaluated on one e-mail.
pub fn matches_element(
    attribute: &Attribute,
    filter: &Filter,
    element: &Value,
) -> Result<bool, ScimError> {
    Ok(CompiledFilter::for_element(attribute, filter)?.matches(element))
}

/// A filter checked against a schema, ready to be evaluated on any number
/// of resources (or elements).
#[derive(Debug, Clone)]
pub struct CompiledFilter<'a> {
    node: Node<'a>,
}

impl<'a> CompiledFilter<'a> {
    /// Compiles `filter` for resources of the type `rt`.
    pub fn new(rt: &'a ResourceType, filter: &Filter) -> Result<Self, ScimError> {
        compile(Scope::Resource(rt), filter).map(|node| Self { node }).map_err(Unsupported::into)
    }

    /// Compiles `filter` for the values of the complex attribute
    /// `attribute`, as inside `attribute[filter]`.
    pub fn for_element(attribute: &'a Attribute, filter: &Filter) -> Result<Self, ScimError> {
        Self::element(attribute, filter).map_err(Unsupported::into)
    }

    /// [`Self::for_element`] with the bare reason of a refusal, for callers
    /// that report it as something other than a filter error.
    pub(crate) fn element(attribute: &'a Attribute, filter: &Filter) -> Result<Self, Unsupported> {
        if attribute.kind != AttrType::Complex {
            return Err(Unsupported(format!(
                "{} is not a complex attribute: a value filter selects values of a complex \
                 attribute",
                attribute.name
            )));
        }
        compile(Scope::Element(attribute), filter).map(|node| Self { node })
    }

    /// Whether `value` (a resource, or an element for
    /// [`Self::for_element`]) matches.
    pub fn matches(&self, value: &Value) -> bool {
        self.node.eval(value)
    }
}

/// Why a filter cannot be evaluated against the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) String);

impl From<Unsupported> for ScimError {
    fn from(reason: Unsupported) -> Self {
        ScimError::invalid_filter(format!("invalid filter: {}", reason.0))
    }
}

/// What the paths of a filter are relative to.
#[derive(Debug, Clone, Copy)]
enum Scope<'a> {
    Resource(&'a ResourceType),
    /// One value of this complex attribute.
    Element(&'a Attribute),
}

/// A compiled filter.
#[derive(Debug, Clone)]
enum Node<'a> {
    /// Some value at `target` passes `test` (or none does, if `negate`).
    Compare { target: Target<'a>, test: Test, negate: bool },
    Present(Target<'a>),
    And(Box<Node<'a>>, Box<Node<'a>>),
    Or(Box<Node<'a>>, Box<Node<'a>>),
    Not(Box<Node<'a>>),
    /// Some value of the complex attribute at `target` matches `inner`.
    Any { target: Target<'a>, inner: Box<Node<'a>> },
}

/// Where the values a path names are found.
#[derive(Debug, Clone)]
struct Target<'a> {
    /// The extension URN the attribute is nested under, if any.
    extension: Option<&'static str>,
    attr: &'a Attribute,
    sub: Option<&'a Attribute>,
    /// The path as the client wrote it, for messages.
    label: String,
}

/// A comparison with one value; `ne` is compiled as a negated `eq`.
#[derive(Debug, Clone)]
enum Test {
    /// Strings, references and binary; `needle` is lower-cased when `fold`.
    Text { op: CompareOp, needle: String, fold: bool },
    Bool(bool),
    Number { op: CompareOp, value: Number },
    Time { op: CompareOp, value: Instant },
}

fn compile<'a>(scope: Scope<'a>, filter: &Filter) -> Result<Node<'a>, Unsupported> {
    Ok(match filter {
        Filter::Compare { path, op, value } => compare(resolve(scope, path)?, *op, value)?,
        Filter::Present(path) => Node::Present(resolve(scope, path)?),
        Filter::And(a, b) => Node::And(Box::new(compile(scope, a)?), Box::new(compile(scope, b)?)),
        Filter::Or(a, b) => Node::Or(Box::new(compile(scope, a)?), Box::new(compile(scope, b)?)),
        Filter::Not(a) => Node::Not(Box::new(compile(scope, a)?)),
        Filter::ValuePath { attr, filter } => {
            if let Scope::Element(parent) = scope {
                return Err(Unsupported(format!(
                    "value filters do not nest: \"{attr}[...]\" inside \"{}[...]\"",
                    parent.name
                )));
            }
            let target = resolve(scope, attr)?;
            if target.attr.kind != AttrType::Complex || target.sub.is_some() {
                return Err(Unsupported(format!(
                    "\"{attr}\" is not a complex attribute: \"[...]\" selects values of a \
                     complex attribute"
                )));
            }
            let inner = compile(Scope::Element(target.attr), filter)?;
            Node::Any { target, inner: Box::new(inner) }
        }
    })
}

fn resolve<'a>(scope: Scope<'a>, path: &AttrPath) -> Result<Target<'a>, Unsupported> {
    let label = path.to_string();
    match scope {
        Scope::Resource(rt) => {
            if path.urn.is_none() && path.sub.is_none() && path.name.eq_ignore_ascii_case("schemas")
            {
                return Ok(Target { extension: None, attr: &SCHEMAS, sub: None, label });
            }
            let resolved = rt
                .resolve(path.urn.as_deref(), &path.name, path.sub.as_deref())
                .map_err(|e| Unsupported(e.to_string()))?;
            let extension = (resolved.schema.id != rt.schema.id).then_some(resolved.schema.id);
            Ok(Target { extension, attr: resolved.attribute, sub: resolved.sub, label })
        }
        Scope::Element(parent) => {
            if path.urn.is_some() || path.sub.is_some() {
                return Err(Unsupported(format!(
                    "\"{path}\" inside \"{}[...]\" must name one sub-attribute of {}",
                    parent.name, parent.name
                )));
            }
            let sub = parent.sub(&path.name).ok_or_else(|| {
                Unsupported(format!(
                    "the attribute \"{}\" has no sub-attribute \"{}\"",
                    parent.name, path.name
                ))
            })?;
            let label = format!("{}.{}", parent.name, sub.name);
            Ok(Target { extension: None, attr: sub, sub: None, label })
        }
    }
}

fn compare<'a>(
    mut target: Target<'a>,
    op: CompareOp,
    value: &CompValue,
) -> Result<Node<'a>, Unsupported> {
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(Node::Not(Box::new(Node::Present(target)))),
            CompareOp::Ne => Ok(Node::Present(target)),
            _ => Err(Unsupported(format!(
                "\"{op}\" cannot compare {} with null; use \"eq null\", \"ne null\" or \"pr\"",
                target.label
            ))),
        };
    }
    let mut leaf = target.sub.unwrap_or(target.attr);
    if leaf.kind == AttrType::Complex {
        match leaf.sub("value") {
            Some(value_sub) if target.sub.is_none() => {
                target.sub = Some(value_sub);
                leaf = value_sub;
            }
            _ => {
                return Err(Unsupported(format!(
                    "{} is a complex attribute; compare one of its sub-attributes",
                    target.label
                )));
            }
        }
    }
    let kind = leaf.kind;
    let refuse_op = || {
        Unsupported(format!(
            "\"{op}\" cannot be used on {}, a {} attribute",
            target.label,
            kind.as_str()
        ))
    };
    let refuse_value = |expected: &str| {
        Unsupported(format!(
            "{} is a {} attribute; compare it with {expected}, not {value}",
            target.label,
            kind.as_str()
        ))
    };
    let ordering_op = !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    let equality_op = matches!(op, CompareOp::Eq | CompareOp::Ne);
    let (negate, op) = if op == CompareOp::Ne { (true, CompareOp::Eq) } else { (false, op) };
    let test = match kind {
        AttrType::String | AttrType::Reference | AttrType::Binary => {
            let CompValue::String(text) = value else { return Err(refuse_value("a string")) };
            if kind == AttrType::Binary && !equality_op {
                return Err(refuse_op());
            }
            let fold = kind != AttrType::Binary && !leaf.case_exact;
            let needle = if fold { text.to_lowercase() } else { text.clone() };
            Test::Text { op, needle, fold }
        }
        AttrType::Boolean => {
            let CompValue::Bool(b) = value else { return Err(refuse_value("true or false")) };
            if !equality_op {
                return Err(refuse_op());
            }
            Test::Bool(*b)
        }
        AttrType::Integer | AttrType::Decimal => {
            let CompValue::Number(n) = value else { return Err(refuse_value("a number")) };
            if !ordering_op {
                return Err(refuse_op());
            }
            Test::Number { op, value: n.clone() }
        }
        AttrType::DateTime => {
            let expected = "an RFC 3339 date-time string such as \"2011-05-13T04:42:34Z\"";
            let CompValue::String(text) = value else { return Err(refuse_value(expected)) };
            let Some(instant) = resource::parse_date_time(text) else {
                return Err(refuse_value(expected));
            };
            if !ordering_op {
                return Err(refuse_op());
            }
            Test::Time { op, value: instant }
        }
        AttrType::Complex => return Err(refuse_op()),
    };
    Ok(Node::Compare { target, test, negate })
}

impl Node<'_> {
    fn eval(&self, base: &Value) -> bool {
        match self {
            Node::Compare { target, test, negate } => {
                let hit = target.values(base).into_iter().any(|value| test.passes(value));
                hit != *negate
            }
            Node::Present(target) => target.values(base).into_iter().any(non_empty),
            Node::And(a, b) => a.eval(base) && b.eval(base),
            Node::Or(a, b) => a.eval(base) || b.eval(base),
            Node::Not(a) => !a.eval(base),
            Node::Any { target, inner } => {
                target.elements(base).into_iter().any(|element| inner.eval(element))
            }
        }
    }
}

impl Target<'_> {
    /// The attribute's value in `base`, if any.
    fn attribute<'v>(&self, base: &'v Value) -> Option<&'v Value> {
        let object = base.as_object()?;
        let container: &Map<String, Value> = match self.extension {
            None => object,
            Some(urn) => get_ci(object, urn)?.as_object()?,
        };
        get_ci(container, self.attr.name)
    }

    /// The attribute's values: the elements of a multi-valued attribute,
    /// or the one value.
    fn elements<'v>(&self, base: &'v Value) -> Vec<&'v Value> {
        match self.attribute(base) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) if self.attr.multi_valued => items.iter().collect(),
            Some(value) => vec![value],
        }
    }

    /// The values the path names, flattened, without nulls.
    fn values<'v>(&self, base: &'v Value) -> Vec<&'v Value> {
        let mut out = Vec::new();
        for element in self.elements(base) {
            let value = match self.sub {
                None => Some(element),
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
                    folded = text.to_lowercase();
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
