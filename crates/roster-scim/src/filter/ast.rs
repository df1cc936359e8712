//! The syntax tree of a SCIM filter (RFC 7644 §3.4.2.2) and of a PATCH
//! `path` (RFC 7644 §3.5.2).
//!
//! The tree records what the client wrote and nothing more: attribute names
//! keep the case they were sent in (RFC 7643 §2.1 makes them
//! case-insensitive, and resolving them against a schema is the job of the
//! layer that knows the schema), grouping parentheses leave no node, and
//! every value is already decoded from its JSON form.

use serde_json::Number;

/// An attribute path: `[URN ":"] name ["." sub]` (RFC 7644 §3.10).
///
/// `urn:ietf:params:scim:schemas:core:2.0:User:name.givenName` has the URN
/// `urn:ietf:params:scim:schemas:core:2.0:User`, the name `name` and the
/// sub-attribute `givenName`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN the path is qualified with, as given, without the
    /// final `:` that separates it from the attribute name.
    pub urn: Option<String>,
    /// The attribute name, as given: an RFC 7643 ATTRNAME or `$ref`.
    pub name: String,
    /// The sub-attribute after the `.`, as given.
    pub sub: Option<String>,
}

/// A comparison operator of an attribute expression (RFC 7644 §3.4.2.2,
/// table 3). `pr` is not here: it takes no value, see [`Filter::Present`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in the order of RFC 7644's table 3.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The operator's canonical, lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator spelled `word` in any letter case (RFC 7644
    /// §3.4.2.2: "attribute names and attribute operators used in filters
    /// are case insensitive").
    pub(crate) fn from_word(word: &str) -> Option<CompareOp> {
        CompareOp::ALL.into_iter().find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

/// A comparison value (RFC 7644 §3.4.2.2 `compValue`): a JSON literal.
///
/// Dates are strings here; whether a string is a `dateTime` depends on the
/// attribute it is compared with, which only the schema knows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompValue {
    /// A JSON string, with its escapes decoded.
    String(String),
    /// A JSON number, exactly as `serde_json` reads it.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A filter expression (RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `path op value`, for example `userName eq "bjensen"`.
    Compare {
        /// The attribute compared.
        path: AttrPath,
        /// The comparison.
        op: CompareOp,
        /// The value compared with.
        value: CompValue,
    },
    /// `path pr`: the attribute has a non-empty value.
    Present(AttrPath),
    /// `left and right`.
    And(Box<Filter>, Box<Filter>),
    /// `left or right`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (filter)`.
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued attribute `attr`
    /// matches `filter`, whose paths are relative to that value (so `type`
    /// in `emails[type eq "work"]` means `emails.type`). `attr` has no
    /// sub-attribute, and `filter` contains no further `ValuePath`.
    ValuePath {
        /// The multi-valued attribute.
        attr: AttrPath,
        /// The condition on one of its values.
        filter: Box<Filter>,
    },
}

/// The `path` of a PATCH operation (RFC 7644 §3.5.2: `PATH = attrPath /
/// valuePath [subAttr]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PatchPath {
    /// An attribute or sub-attribute: `displayName`, `name.familyName`.
    Attr(AttrPath),
    /// The values of a multi-valued attribute that match a filter, or one
    /// sub-attribute of them: `members[value eq "2819c223"]`,
    /// `emails[type eq "work"].value`.
    Value {
        /// The multi-valued attribute; it has no sub-attribute.
        attr: AttrPath,
        /// Which of its values are targeted; paths are relative to a value.
        filter: Filter,
        /// The sub-attribute of the targeted values, if only that one.
        sub: Option<String>,
    },
}
