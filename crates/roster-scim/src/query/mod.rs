//! The parameters of a list or search request (RFC 7644 §3.4.2, §3.4.3,
//! RFC 9865) parsed into a [`ListQuery`] that holds only resolved,
//! in-range values, so the store never sees a raw string.
//!
//! Both spellings of a query arrive here: the query string of `GET
//! /Users?filter=...` ([`ListQuery::from_params`]) and the JSON body of
//! `POST /.search` ([`ListQuery::from_search_body`]). They are read into
//! one `Raw` form and checked by the same code, so the two cannot drift.
//!
//! Interpretations, each a decision where the RFCs leave room:
//!
//! - Parameter names, in the query string and in the body, are matched
//!   without case (RFC 7643 §2.1 makes attribute names case-insensitive and
//!   clients vary, e.g. `startindex`). A parameter given twice under any
//!   spelling is `400 invalidValue`, since silently picking one would hide
//!   a client bug. Unknown query parameters are ignored (a proxy or a
//!   client may add its own); unknown body members are `400 invalidSyntax`,
//!   because the body has a schema (RFC 7644 §3.4.3) and a misspelt member
//!   would otherwise be silently dropped.
//! - Paging (RFC 7644 §3.4.2.4): `startIndex` below 1 is 1; `count` below 0
//!   is 0; `count` above [`Limits::max_page_size`] is clamped to it (the
//!   RFC lets a server return fewer results than asked); absent `count` is
//!   [`Limits::default_page_size`]. A value that is not an integer is
//!   `400 invalidValue` naming the parameter; an integer too large for 64
//!   bits saturates (it is still an integer, just a large one), and
//!   `startIndex` is capped at [`MAX_START_INDEX`] so that it always fits a
//!   signed SQL integer. In a body, `1.0` counts as an integer, `1.5` and
//!   `"1"` do not.
//! - Cursor paging (RFC 9865 §2): `cursor` present selects cursor paging; an
//!   empty value asks for the first page. The value is opaque here: the
//!   store encodes and checks it (`400 invalidCursor`). `cursor` together
//!   with `startIndex` is `400 invalidValue`: the two paging methods
//!   exclude each other. `count` applies to cursor pages alike.
//! - `filter` is parsed and then resolved against the resource type (see
//!   [`resolve_filter`]); every failure is `400 invalidFilter`. An empty
//!   `filter` is an invalid filter, not an absent one.
//! - `sortBy` and `sortOrder` errors are `400 invalidValue`: RFC 7644 §3.12
//!   lists `invalidPath` for PATCH only, and `invalidValue` for GET. A
//!   `sortOrder` without `sortBy` is checked and otherwise has no effect
//!   (RFC 7644 §3.4.2.3 defines it as the order `sortBy` is applied in).
//! - `attributes` and `excludedAttributes`: see [`Projection`].
//! - JSON `null` for a body member is the member's absence (RFC 7643 §2.5).
//! - Spaces and tabs around a value are ignored, except in `cursor`, which
//!   is opaque (the filter and path parsers skip white space themselves).
//! - Parameters are checked in this order, so a request with several
//!   mistakes reports the first: the types of values as they are read
//!   (integers, JSON types), then `filter`, `sortBy`, `sortOrder`, paging,
//!   `attributes`, `excludedAttributes`.

mod filter;
mod sort;

pub use filter::{ResolvedFilter, resolve_filter};
pub use sort::{Sort, SortKey, SortOrder};

use serde_json::{Map, Value};

use crate::projection::Projection;
use crate::schema::ResourceType;
use crate::{Filter, ScimError, parse_filter};

/// The `schemas` value of a search request body (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST_URN: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// The largest `startIndex` kept: larger values saturate here, so the
/// offset always fits a signed 64-bit SQL integer.
pub const MAX_START_INDEX: u64 = i64::MAX.unsigned_abs();

/// The page sizes a server allows: advertised in `ServiceProviderConfig`
/// (RFC 9865 §3: `defaultPageSize`, `maxPageSize`) and applied to `count`.
///
/// Invariant: `1 <= default_page_size <= max_page_size <= i64::MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    default_page_size: u64,
    max_page_size: u64,
}

/// Why page-size limits were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitsError {
    #[error("the maximum page size must be between 1 and 9223372036854775807, not {0}")]
    MaxPageSize(u64),
    #[error(
        "the default page size must be between 1 and the maximum page size {max}, not {default}"
    )]
    DefaultPageSize { default: u64, max: u64 },
}

impl Limits {
    pub fn new(default_page_size: u64, max_page_size: u64) -> Result<Self, LimitsError> {
        if max_page_size == 0 || max_page_size > MAX_START_INDEX {
            return Err(LimitsError::MaxPageSize(max_page_size));
        }
        if default_page_size == 0 || default_page_size > max_page_size {
            return Err(LimitsError::DefaultPageSize {
                default: default_page_size,
                max: max_page_size,
            });
        }
        Ok(Self { default_page_size, max_page_size })
    }

    /// The page size when the client gives no `count`.
    pub fn default_page_size(&self) -> u64 {
        self.default_page_size
    }

    /// The largest page returned, whatever `count` asks for.
    pub fn max_page_size(&self) -> u64 {
        self.max_page_size
    }
}

/// How the client pages through results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// Index paging (RFC 7644 §3.4.2.4): results from the 1-based
    /// `start_index`, which is in `1..=MAX_START_INDEX`.
    Index { start_index: u64 },
    /// Cursor paging (RFC 9865): `None` asks for the first page, otherwise
    /// the opaque, non-empty cursor the server returned as `nextCursor` or
    /// `previousCursor`.
    Cursor { cursor: Option<String> },
}

impl Paging {
    /// The number of results to skip, for index paging.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Self::Index { start_index } => Some(start_index.saturating_sub(1)),
            Self::Cursor { .. } => None,
        }
    }
}

/// A checked list or search request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    filter: Option<(Filter, ResolvedFilter)>,
    sort: Option<Sort>,
    paging: Paging,
    count: u64,
    projection: Projection,
}

impl ListQuery {
    /// The query of `GET /Users?...` from its decoded query parameters.
    pub fn from_params(
        rt: &ResourceType,
        params: &[(String, String)],
        limits: &Limits,
    ) -> Result<Self, ScimError> {
        let mut raw = Raw::default();
        for (name, value) in params {
            let Some(param) = Param::from_name(name) else { continue };
            raw.set_text(param, name, value)?;
        }
        raw.build(rt, limits)
    }

    /// The query of `POST /.search` from its JSON body (RFC 7644 §3.4.3).
    pub fn from_search_body(
        rt: &ResourceType,
        body: &Value,
        limits: &Limits,
    ) -> Result<Self, ScimError> {
        let Some(object) = body.as_object() else {
            return Err(ScimError::invalid_syntax("a search request body must be a JSON object"));
        };
        check_search_schemas(object)?;
        let mut raw = Raw::default();
        let mut seen: Vec<&str> = Vec::new();
        for (key, value) in object {
            if let Some(other) = seen.iter().find(|seen| seen.eq_ignore_ascii_case(key)) {
                return Err(ScimError::invalid_syntax(format!(
                    "the search request has both \"{other}\" and \"{key}\""
                )));
            }
            seen.push(key);
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let Some(param) = Param::from_name(key) else {
                return Err(ScimError::invalid_syntax(format!(
                    "a search request has no member \"{key}\"; it has schemas, {}",
                    Param::ALL.map(Param::name).join(", ")
                )));
            };
            raw.set_json(param, value)?;
        }
        raw.build(rt, limits)
    }

    /// The filter, resolved against the resource type's schemas.
    pub fn filter(&self) -> Option<&ResolvedFilter> {
        self.filter.as_ref().map(|(_, resolved)| resolved)
    }

    /// The filter as the client wrote it (names in the client's case); it
    /// resolves without error.
    pub fn filter_ast(&self) -> Option<&Filter> {
        self.filter.as_ref().map(|(ast, _)| ast)
    }

    /// The sort, when `sortBy` was given.
    pub fn sort(&self) -> Option<&Sort> {
        self.sort.as_ref()
    }

    /// Whether results are sorted in descending order.
    pub fn descending(&self) -> bool {
        self.sort.as_ref().is_some_and(|sort| sort.order() == SortOrder::Descending)
    }

    pub fn paging(&self) -> &Paging {
        &self.paging
    }

    /// The most results to return: `0..=max_page_size`.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Which attributes to return.
    pub fn projection(&self) -> &Projection {
        &self.projection
    }
}

/// The parameters of a list or search request (RFC 7644 §3.4.2, RFC 9865).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Filter,
    SortBy,
    SortOrder,
    StartIndex,
    Count,
    Cursor,
    Attributes,
    ExcludedAttributes,
}

impl Param {
    const ALL: [Param; 8] = [
        Param::Filter,
        Param::SortBy,
        Param::SortOrder,
        Param::StartIndex,
        Param::Count,
        Param::Cursor,
        Param::Attributes,
        Param::ExcludedAttributes,
    ];

    fn name(self) -> &'static str {
        match self {
            Param::Filter => "filter",
            Param::SortBy => "sortBy",
            Param::SortOrder => "sortOrder",
            Param::StartIndex => "startIndex",
            Param::Count => "count",
            Param::Cursor => "cursor",
            Param::Attributes => "attributes",
            Param::ExcludedAttributes => "excludedAttributes",
        }
    }

    fn from_name(name: &str) -> Option<Param> {
        Param::ALL.into_iter().find(|param| param.name().eq_ignore_ascii_case(name))
    }
}

/// The value of the parameter `name` (matched without case) among
/// `params`, refusing one given twice.
pub(crate) fn single_param<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, ScimError> {
    let mut found: Option<&'a (String, String)> = None;
    for param in params.iter().filter(|(key, _)| key.eq_ignore_ascii_case(name)) {
        if let Some((first, _)) = found {
            return Err(given_twice(first, &param.0));
        }
        found = Some(param);
    }
    Ok(found.map(|(_, value)| value.as_str()))
}

fn given_twice(first: &str, second: &str) -> ScimError {
    let also = if first == second { String::new() } else { format!(" (as \"{second}\")") };
    ScimError::invalid_value(format!("the parameter \"{first}\" is given more than once{also}"))
}

/// The comma-separated paths of an `attributes` or `excludedAttributes`
/// query parameter (RFC 7644 §3.9), trimmed; empty items are skipped, so
/// `attributes=` and a trailing comma ask for nothing.
pub(crate) fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(|item| item.trim_matches(OWS)).filter(|item| !item.is_empty())
}

/// The white space trimmed around parameter values: space and tab.
pub(crate) const OWS: [char; 2] = [' ', '\t'];

/// A request's parameters before they are checked, whatever their source.
#[derive(Debug, Default)]
struct Raw<'a> {
    /// The spelling of each parameter seen, to report duplicates.
    seen: Vec<(Param, &'a str)>,
    filter: Option<&'a str>,
    sort_by: Option<&'a str>,
    sort_order: Option<&'a str>,
    start_index: Option<i64>,
    count: Option<i64>,
    cursor: Option<&'a str>,
    attributes: Vec<&'a str>,
    excluded_attributes: Vec<&'a str>,
}

impl<'a> Raw<'a> {
    fn mark(&mut self, param: Param, spelling: &'a str) -> Result<(), ScimError> {
        if let Some((_, first)) = self.seen.iter().find(|(seen, _)| *seen == param) {
            return Err(given_twice(first, spelling));
        }
        self.seen.push((param, spelling));
        Ok(())
    }

    /// Records a query-string parameter.
    fn set_text(&mut self, param: Param, name: &'a str, value: &'a str) -> Result<(), ScimError> {
        self.mark(param, name)?;
        match param {
            Param::Filter => self.filter = Some(value),
            Param::SortBy => self.sort_by = Some(value),
            Param::SortOrder => self.sort_order = Some(value),
            Param::StartIndex => self.start_index = Some(text_integer(param, value)?),
            Param::Count => self.count = Some(text_integer(param, value)?),
            Param::Cursor => self.cursor = Some(value),
            Param::Attributes => self.attributes = split_list(value).collect(),
            Param::ExcludedAttributes => self.excluded_attributes = split_list(value).collect(),
        }
        Ok(())
    }

    /// Records a member of a search request body.
    fn set_json(&mut self, param: Param, value: &'a Value) -> Result<(), ScimError> {
        self.mark(param, param.name())?;
        if value.is_null() {
            return Ok(());
        }
        match param {
            Param::Filter => self.filter = Some(json_string(param, value)?),
            Param::SortBy => self.sort_by = Some(json_string(param, value)?),
            Param::SortOrder => self.sort_order = Some(json_string(param, value)?),
            Param::StartIndex => self.start_index = Some(json_integer(param, value)?),
            Param::Count => self.count = Some(json_integer(param, value)?),
            Param::Cursor => self.cursor = Some(json_string(param, value)?),
            Param::Attributes => self.attributes = json_list(param, value)?,
            Param::ExcludedAttributes => self.excluded_attributes = json_list(param, value)?,
        }
        Ok(())
    }

    /// Checks every parameter, in the order the module documentation gives.
    fn build(self, rt: &ResourceType, limits: &Limits) -> Result<ListQuery, ScimError> {
        let filter = match self.filter {
            None => None,
            Some(text) => {
                let ast = parse_filter(text)?;
                let resolved = resolve_filter(rt, &ast)?;
                Some((ast, resolved))
            }
        };
        let sort_key = self.sort_by.map(|text| SortKey::parse(rt, text)).transpose()?;
        let order = self.sort_order.map(SortOrder::parse).transpose()?;
        let sort =
            sort_key.map(|(path, key)| Sort::new(path, key, order.unwrap_or(SortOrder::Ascending)));
        let paging = match (self.cursor, self.start_index) {
            (Some(_), Some(_)) => {
                return Err(ScimError::invalid_value(
                    "cursor and startIndex can not be used together: cursor paging (RFC 9865) \
                     and index paging (RFC 7644 §3.4.2.4) exclude each other",
                ));
            }
            (Some(cursor), None) => {
                Paging::Cursor { cursor: (!cursor.is_empty()).then(|| cursor.to_owned()) }
            }
            (None, start_index) => {
                let start_index = start_index.unwrap_or(1).max(1).unsigned_abs();
                Paging::Index { start_index: start_index.min(MAX_START_INDEX) }
            }
        };
        let count = match self.count {
            None => limits.default_page_size,
            Some(count) => count.max(0).unsigned_abs().min(limits.max_page_size),
        };
        let projection = Projection::parse(rt, &self.attributes, &self.excluded_attributes)?;
        Ok(ListQuery { filter, sort, paging, count, projection })
    }
}

/// Checks `schemas` of a search request: exactly the SearchRequest URN
/// (RFC 7644 §3.4.3), compared without case like every schema URN here.
fn check_search_schemas(object: &Map<String, Value>) -> Result<(), ScimError> {
    let schemas = object.iter().find(|(key, _)| key.eq_ignore_ascii_case("schemas"));
    let valid = match schemas {
        Some((_, Value::Array(items))) => {
            !items.is_empty()
                && items.iter().all(|item| {
                    item.as_str().is_some_and(|urn| urn.eq_ignore_ascii_case(SEARCH_REQUEST_URN))
                })
        }
        _ => false,
    };
    if valid {
        return Ok(());
    }
    Err(ScimError::invalid_syntax(format!(
        "a search request must have \"schemas\": [\"{SEARCH_REQUEST_URN}\"]"
    )))
}

/// An integer of a query string: an optional sign and ASCII digits between
/// optional white space, saturating at the bounds of `i64`.
fn text_integer(param: Param, value: &str) -> Result<i64, ScimError> {
    let text = value.trim_matches(OWS);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScimError::invalid_value(format!(
            "{} must be an integer, not \"{value}\"",
            param.name()
        )));
    }
    let magnitude = digits
        .bytes()
        .fold(0i64, |acc, digit| acc.saturating_mul(10).saturating_add(i64::from(digit - b'0')));
    Ok(if negative { -magnitude } else { magnitude })
}

/// An integer of a JSON body: a number without a fractional part,
/// saturating at the bounds of `i64`.
fn json_integer(param: Param, value: &Value) -> Result<i64, ScimError> {
    let integer = match value {
        Value::Number(number) => number.as_i64().or_else(|| {
            if number.as_u64().is_some() {
                return Some(i64::MAX);
            }
            // `as` saturates; a float without a fraction is an integer.
            number.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)
        }),
        _ => None,
    };
    integer.ok_or_else(|| {
        ScimError::invalid_value(format!(
            "{} must be an integer, not {}",
            param.name(),
            describe(value)
        ))
    })
}

fn json_string(param: Param, value: &Value) -> Result<&str, ScimError> {
    value.as_str().ok_or_else(|| {
        ScimError::invalid_value(format!(
            "{} must be a string, not {}",
            param.name(),
            describe(value)
        ))
    })
}

/// An array of attribute paths (RFC 7644 §3.4.3); each string is split at
/// commas like the query parameter, which accepts more and means the same.
fn json_list(param: Param, value: &Value) -> Result<Vec<&str>, ScimError> {
    let not_a_list = || {
        ScimError::invalid_value(format!(
            "{} must be an array of strings, not {}",
            param.name(),
            describe(value)
        ))
    };
    let items = value.as_array().ok_or_else(not_a_list)?;
    let mut list = Vec::new();
    for item in items {
        list.extend(split_list(item.as_str().ok_or_else(not_a_list)?));
    }
    Ok(list)
}

/// A JSON value in an error message: its text when short, else its kind.
fn describe(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 40 {
        return text;
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    kind.to_owned()
}
