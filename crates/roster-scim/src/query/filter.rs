//! A parsed filter resolved against a resource type (RFC 7644 §3.4.2.2):
//! every path bound to its schema definition, and every comparison checked
//! against the attribute's type, so that a store compiles a tree in which
//! nothing can fail for a reason the client caused.
//!
//! Every refusal is `400 invalidFilter` and names the attribute. Rules:
//!
//! - Unknown attributes, sub-attributes and schema URNs are refused.
//! - An attribute or sub-attribute that is never returned (`password`) is
//!   refused: a filter on it would be an oracle for its value.
//! - A comparison of a multi-valued complex attribute without a
//!   sub-attribute (`emails co "@example.com"`, as RFC 7644 §3.4.2.2's
//!   examples write) compares its `value` sub-attribute; the resolved tree
//!   says so explicitly. Any other complex attribute must be compared
//!   through a sub-attribute; `pr` applies to any attribute.
//! - `attr[...]` needs a complex attribute (singular ones too: the filter
//!   then applies to its one value). Inside the brackets, paths name
//!   sub-attributes of `attr`, without URN or further `.`.
//! - Values must fit the attribute's type (RFC 7643 §2.3): strings, dates
//!   and references take a string, booleans `true`/`false`, integers an
//!   integer, decimals a number. `null` compares with `eq` and `ne` only.
//!   Booleans and binary values take `eq` and `ne` only (RFC 7644 §3.4.2.2
//!   refuses `gt`, `ge`, `lt`, `le` for them; substrings of them mean
//!   nothing), numbers and dates take no substring operator. A date
//!   compared with `eq`...`le` must be an RFC 3339 / `xsd:dateTime` with a
//!   time zone.

use crate::schema::{AttrType, Attribute, Resolved, ResourceType, Returned};
use crate::{AttrPath, CompValue, CompareOp, Filter, ScimError};

use super::sort::whole_schema_hint;

/// A filter whose paths are resolved. The shape is that of [`Filter`];
/// paths inside a value filter are resolved to the full path (`emails` with
/// the sub-attribute `type` for `emails[type eq "work"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolvedFilter {
    /// `path op value`; `path.sub` is set whenever `path.attribute` is
    /// complex.
    Compare {
        path: Resolved,
        op: CompareOp,
        value: CompValue,
    },
    /// `path pr`.
    Present(Resolved),
    And(Box<ResolvedFilter>, Box<ResolvedFilter>),
    Or(Box<ResolvedFilter>, Box<ResolvedFilter>),
    Not(Box<ResolvedFilter>),
    /// `attr[filter]`: one value of `attr` (whose `sub` is `None`) matches
    /// all of `filter`, whose paths all name sub-attributes of `attr`.
    ValuePath {
        attr: Resolved,
        filter: Box<ResolvedFilter>,
    },
}

impl ResolvedFilter {
    /// Every attribute path of the filter, in the order written: for
    /// example, to check that the store can serve each.
    pub fn paths(&self) -> Vec<&Resolved> {
        let mut paths = Vec::new();
        self.collect(&mut paths);
        paths
    }

    fn collect<'a>(&'a self, paths: &mut Vec<&'a Resolved>) {
        match self {
            Self::Compare { path, .. } | Self::Present(path) => paths.push(path),
            Self::And(left, right) | Self::Or(left, right) => {
                left.collect(paths);
                right.collect(paths);
            }
            Self::Not(inner) => inner.collect(paths),
            Self::ValuePath { attr, filter } => {
                paths.push(attr);
                filter.collect(paths);
            }
        }
    }
}

/// Resolves every path of `filter` against `rt` and checks every
/// comparison (see the module documentation).
pub fn resolve_filter(rt: &ResourceType, filter: &Filter) -> Result<ResolvedFilter, ScimError> {
    resolve(rt, filter, None)
}

/// Resolves `filter`; inside `attr[...]`, `scope` is `attr`.
fn resolve(
    rt: &ResourceType,
    filter: &Filter,
    scope: Option<&Resolved>,
) -> Result<ResolvedFilter, ScimError> {
    let both = |left: &Filter, right: &Filter| -> Result<_, ScimError> {
        Ok((Box::new(resolve(rt, left, scope)?), Box::new(resolve(rt, right, scope)?)))
    };
    match filter {
        Filter::Compare { path, op, value } => {
            let mut resolved = resolve_path(rt, path, scope)?;
            let attribute = resolved.attribute;
            if resolved.sub.is_none() && attribute.kind == AttrType::Complex {
                // RFC 7644 §3.4.2.2: `emails co "@example.com"` compares
                // the `value` of each of the emails.
                resolved.sub = attribute.sub("value").filter(|_| attribute.multi_valued);
                if resolved.sub.is_none() {
                    return Err(invalid(format!(
                        "{0} is complex: compare one of its sub-attributes, such as {0}.{1}",
                        attribute.name,
                        attribute.sub_attributes.first().map_or("value", |sub| sub.name)
                    )));
                }
            }
            let written = match scope {
                Some(outer) => format!("{}.{path}", outer.attribute.name),
                None => path.to_string(),
            };
            check_comparison(&resolved, &written, *op, value)?;
            Ok(ResolvedFilter::Compare { path: resolved, op: *op, value: value.clone() })
        }
        Filter::Present(path) => Ok(ResolvedFilter::Present(resolve_path(rt, path, scope)?)),
        Filter::And(left, right) => {
            let (left, right) = both(left, right)?;
            Ok(ResolvedFilter::And(left, right))
        }
        Filter::Or(left, right) => {
            let (left, right) = both(left, right)?;
            Ok(ResolvedFilter::Or(left, right))
        }
        Filter::Not(inner) => Ok(ResolvedFilter::Not(Box::new(resolve(rt, inner, scope)?))),
        Filter::ValuePath { attr, filter } => {
            if let Some(outer) = scope {
                // The parser allows none; kept for trees built by hand.
                return Err(invalid(format!(
                    "{attr}[...] is inside {}[...]; value filters do not nest",
                    outer.attribute.name
                )));
            }
            let resolved = resolve_path(rt, attr, None)?;
            if resolved.attribute.kind != AttrType::Complex || resolved.sub.is_some() {
                return Err(invalid(format!(
                    "{attr}[...] needs a complex attribute such as emails or members; {attr} is \
                     not one"
                )));
            }
            let inner = resolve(rt, filter, Some(&resolved))?;
            Ok(ResolvedFilter::ValuePath { attr: resolved, filter: Box::new(inner) })
        }
    }
}

fn invalid(why: String) -> ScimError {
    ScimError::invalid_filter(format!("invalid filter: {why}"))
}

/// Resolves one path, at the top level or inside `scope[...]`.
fn resolve_path(
    rt: &ResourceType,
    path: &AttrPath,
    scope: Option<&Resolved>,
) -> Result<Resolved, ScimError> {
    let resolved = match scope {
        None => {
            rt.resolve(path.urn.as_deref(), &path.name, path.sub.as_deref()).map_err(|err| {
                invalid(whole_schema_hint(rt, path).unwrap_or_else(|| err.to_string()))
            })?
        }
        Some(outer) => {
            let parent = outer.attribute;
            if path.urn.is_some() || path.sub.is_some() {
                return Err(invalid(format!(
                    "inside {}[...], name a sub-attribute such as {}, not {path}",
                    parent.name,
                    parent.sub_attributes.first().map_or("value", |sub| sub.name)
                )));
            }
            let sub = parent.sub(&path.name).ok_or_else(|| {
                invalid(format!("{} has no sub-attribute \"{}\"", parent.name, path.name))
            })?;
            Resolved { sub: Some(sub), ..*outer }
        }
    };
    let never = [Some(resolved.attribute), resolved.sub]
        .into_iter()
        .flatten()
        .find(|attribute| attribute.returned == Returned::Never);
    if let Some(attribute) = never {
        return Err(invalid(format!(
            "{} is never returned, so it can not be used in a filter",
            attribute.name
        )));
    }
    Ok(resolved)
}

/// The attribute a resolved path compares: the sub-attribute if any.
fn leaf(resolved: &Resolved) -> &'static Attribute {
    resolved.sub.unwrap_or(resolved.attribute)
}

/// Checks that `value` and `op` fit the type of the attribute compared.
fn check_comparison(
    resolved: &Resolved,
    path: &str,
    op: CompareOp,
    value: &CompValue,
) -> Result<(), ScimError> {
    let attribute = leaf(resolved);
    let kind = attribute.kind;
    let equality = matches!(op, CompareOp::Eq | CompareOp::Ne);
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    if *value == CompValue::Null {
        if equality {
            return Ok(());
        }
        return Err(invalid(format!("{path} {op} null: only eq and ne compare with null")));
    }
    let fits = match (kind, value) {
        (AttrType::Boolean, CompValue::Bool(_)) => true,
        (AttrType::Integer, CompValue::Number(n)) => n.is_i64() || n.is_u64(),
        (AttrType::Decimal, CompValue::Number(_)) => true,
        (
            AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime,
            CompValue::String(_),
        ) => true,
        _ => false,
    };
    if !fits {
        let wanted = match kind {
            AttrType::Boolean => "true or false",
            AttrType::Integer => "an integer",
            AttrType::Decimal => "a number",
            AttrType::DateTime => "a date-time in double quotes",
            AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::Complex => {
                "a string in double quotes"
            }
        };
        return Err(invalid(format!(
            "{path} is {} {}; compare it with {wanted}, not {value}",
            article(kind),
            kind.as_str()
        )));
    }
    let allowed = match kind {
        AttrType::Boolean | AttrType::Binary => equality,
        AttrType::Integer | AttrType::Decimal | AttrType::DateTime => !substring,
        AttrType::String | AttrType::Reference | AttrType::Complex => true,
    };
    if !allowed {
        let which = if matches!(kind, AttrType::Boolean | AttrType::Binary) {
            "eq and ne"
        } else {
            "eq, ne, gt, ge, lt and le"
        };
        return Err(invalid(format!(
            "{path} is {} {}: {op} does not apply, only {which}",
            article(kind),
            kind.as_str()
        )));
    }
    if let (AttrType::DateTime, CompValue::String(text)) = (kind, value)
        && !is_date_time(text)
    {
        return Err(invalid(format!(
            "{path} is a dateTime; {value} is not a date-time such as \"2011-05-13T04:42:34Z\""
        )));
    }
    Ok(())
}

fn article(kind: AttrType) -> &'static str {
    match kind {
        AttrType::Integer => "an",
        _ => "a",
    }
}

/// Whether `text` is `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`: an
/// `xsd:dateTime` (RFC 7643 §2.3.5) that is also an RFC 3339 timestamp,
/// with every field in range.
pub(crate) fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    let number = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from + len)?;
        digits
            .iter()
            .try_fold(0u32, |acc, b| b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0')))
    };
    let at = |i: usize, c: u8| bytes.get(i) == Some(&c);
    let fields = (number(0, 4), number(5, 2), number(8, 2), number(11, 2), number(14, 2));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute)) = fields else {
        return false;
    };
    let Some(second) = number(17, 2) else { return false };
    let separators = at(4, b'-') && at(7, b'-') && at(10, b'T') && at(13, b':') && at(16, b':');
    if !separators || year == 0 || hour > 23 || minute > 59 || second > 59 {
        return false;
    }
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days {
        return false;
    }
    let mut rest = bytes.get(19..).unwrap_or_default();
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return false;
        }
        rest = fraction.get(digits..).unwrap_or_default();
    }
    match rest {
        b"Z" => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit());
            let hours = u32::from(h1.wrapping_sub(b'0')) * 10 + u32::from(h2.wrapping_sub(b'0'));
            let minutes = u32::from(m1.wrapping_sub(b'0')) * 10 + u32::from(m2.wrapping_sub(b'0'));
            digits && hours <= 14 && minutes <= 59
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_date_time;

    #[test]
    fn date_times() {
        for good in [
            "2011-05-13T04:42:34Z",
            "2011-05-13T04:42:34.123456789Z",
            "2000-02-29T00:00:00+14:00",
            "1999-12-31T23:59:59-05:30",
            "2024-02-29T12:00:00.5+00:00",
        ] {
            assert!(is_date_time(good), "{good}");
        }
        for bad in [
            "",
            "2011-05-13",
            "2011-05-13T04:42:34",
            "2011-05-13 04:42:34Z",
            "2011-05-13t04:42:34Z",
            "2011-05-13T04:42:34z",
            "2011-13-13T04:42:34Z",
            "2011-00-13T04:42:34Z",
            "2011-04-31T04:42:34Z",
            "1900-02-29T04:42:34Z",
            "2023-02-29T04:42:34Z",
            "0000-01-01T00:00:00Z",
            "2011-05-13T24:00:00Z",
            "2011-05-13T04:60:34Z",
            "2011-05-13T04:42:60Z",
            "2011-05-13T04:42:34.Z",
            "2011-05-13T04:42:34+15:00",
            "2011-05-13T04:42:34+05:60",
            "2011-05-13T04:42:34+0500",
            "2011-05-13T04:42:34Z ",
            "+2011-05-13T04:42:34Z",
            "2011-5-13T04:42:34Z",
            "２０１１-05-13T04:42:34Z",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
