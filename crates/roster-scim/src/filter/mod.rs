//! SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2): text
//! in, syntax tree out.
//!
//! A hand-written, lazy [`lexer`] feeds a recursive-descent [`parser`];
//! [`display`] writes a tree back in a canonical form that parses to the same
//! tree. Invariants:
//!
//! - Exactly the RFC grammar is accepted, with one leniency: white space
//!   between tokens may be longer than the single `SP` the ABNF shows, but
//!   where the ABNF has an `SP` at least one white-space character is
//!   required. Dialects of identity providers (unquoted values and the like)
//!   are normalised by a separate layer, never here.
//! - Keywords (`and`, `or`, `not`, `pr`, the comparison operators, `true`,
//!   `false`, `null`) are case-insensitive; attribute names keep their case.
//! - Every rejection says where (a character offset) and why.
//! - Input is bounded: at most [`MAX_FILTER_CHARS`] characters,
//!   [`MAX_FILTER_DEPTH`] nested groups and [`MAX_FILTER_OPERATORS`]
//!   `and`/`or` operators, so hostile input cannot exhaust the stack.

mod ast;
mod display;
mod error;
mod lexer;
mod parser;
mod path;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
pub use error::FilterError;

/// The longest filter or path accepted, in characters. A defence against
/// abuse: real filters are a few hundred characters at most.
pub const MAX_FILTER_CHARS: usize = 10_000;

/// The deepest nesting of parentheses and brackets accepted (`not (` counts
/// as one level). A defence against stack exhaustion by hostile input.
pub const MAX_FILTER_DEPTH: usize = 64;

/// The most `and`/`or` operators accepted in one filter. A defence against
/// stack exhaustion: a chain of n operators is a tree n levels deep, which
/// resolution, evaluation and display walk recursively, and more than a
/// thousand levels overflow a worker's stack. Identity providers send a
/// handful; a client that lists more ids can split its query.
pub const MAX_FILTER_OPERATORS: usize = 200;

/// Parses the `filter` of a query or search request (RFC 7644 §3.4.2.2).
///
/// ```
/// # use roster_scim::{parse_filter, AttrPath, CompareOp, CompValue, Filter};
/// let filter = parse_filter(r#"userName Eq "bjensen""#).unwrap();
/// let path = AttrPath { urn: None, name: "userName".into(), sub: None };
/// let value = CompValue::String("bjensen".into());
/// assert_eq!(filter, Filter::Compare { path, op: CompareOp::Eq, value });
/// assert_eq!(filter.to_string(), r#"userName eq "bjensen""#);
///
/// let error = parse_filter(r#"userName equals "bjensen""#).unwrap_err();
/// assert_eq!(error.position, 9);
/// ```
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    parser::parse_filter(input)
}

/// Parses the `path` of a PATCH operation (RFC 7644 §3.5.2): an attribute
/// path, or a value filter optionally followed by a sub-attribute, such as
/// `emails[type eq "work"].value`.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    parser::parse_patch_path(input)
}

/// Parses a lone attribute path, as in `sortBy` or `attributes` (RFC 7644
/// §3.4.2.3, §3.9): `[URN ":"] name ["." sub]`.
pub fn parse_attr_path(input: &str) -> Result<AttrPath, FilterError> {
    parser::parse_attr_path(input)
}
