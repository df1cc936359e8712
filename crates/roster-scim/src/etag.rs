//! Entity tags for `meta.version` and the `If-Match` / `If-None-Match`
//! preconditions (RFC 7644 §3.14, RFC 9110 §8.8.3, §13).
//!
//! A resource's version is a counter; its entity tag is the weak validator
//! `W/"<counter>"` ([`etag`]). Header values are parsed once into
//! [`Preconditions`] (so a malformed header is refused before any work) and
//! evaluated against the version read in the request's transaction.
//!
//! Decisions:
//!
//! - Both headers use the weak comparison (RFC 9110 §8.8.3.2: opaque tags
//!   equal, `W/` ignored). RFC 9110 §13.1.1 asks for the strong comparison
//!   in `If-Match`, under which a weak tag never matches; but SCIM versions
//!   are weak tags and RFC 7644 §3.14 sends them in `If-Match`, so the
//!   strong comparison would make every conditional SCIM update fail.
//! - A malformed value is `400 invalidSyntax` naming the header. RFC 9110
//!   does not say to ignore it, and ignoring a broken `If-Match` would turn
//!   a conditional update into an unconditional one: a lost update.
//! - An empty value is an empty list (RFC 9110 §5.6.1 allows it): `If-Match`
//!   then matches nothing (412) and `If-None-Match` never matches.
//! - When the resource does not exist, preconditions are not evaluated and
//!   the request proceeds to its 404: RFC 9110 §13.2.1 ignores
//!   preconditions when the response without them would not be 2xx, and
//!   no SCIM request creates a resource at its own URL.
//! - The order is RFC 9110 §13.2.2's: `If-Match` first (412), then
//!   `If-None-Match` (304 for reads, 412 for writes).

use std::fmt::{self, Display, Formatter};

use crate::ScimError;

/// The entity tag of version `version`: `W/"<version>"`.
pub fn etag(version: i64) -> String {
    EntityTag::of_version(version).to_string()
}

/// An entity tag (RFC 9110 §8.8.3): an opaque string, weak or strong.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EntityTag {
    weak: bool,
    opaque: String,
}

impl EntityTag {
    /// The weak tag of a resource version.
    pub fn of_version(version: i64) -> Self {
        Self { weak: true, opaque: version.to_string() }
    }

    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// The characters between the quotes.
    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// RFC 9110 §8.8.3.2 weak comparison: the opaque tags are equal.
    pub fn weak_eq(&self, other: &EntityTag) -> bool {
        self.opaque == other.opaque
    }

    /// RFC 9110 §8.8.3.2 strong comparison: both strong, opaque tags equal.
    pub fn strong_eq(&self, other: &EntityTag) -> bool {
        !self.weak && !other.weak && self.opaque == other.opaque
    }
}

impl Display for EntityTag {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let weak = if self.weak { "W/" } else { "" };
        write!(f, "{weak}\"{}\"", self.opaque)
    }
}

/// The value of an `If-Match` or `If-None-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current representation.
    Any,
    /// A list of entity tags, possibly empty.
    Tags(Vec<EntityTag>),
}

impl Precondition {
    /// Parses `value` (RFC 9110 §13.1.1: `"*" / #entity-tag`); `header`
    /// names the header in the error. Several field lines of one header are
    /// combined with `, ` before (RFC 9110 §5.3).
    pub fn parse(header: &str, value: &str) -> Result<Self, ScimError> {
        // Offsets are computed in bytes and reported in characters.
        let malformed = |byte: usize, why: &str| {
            let position = value.get(..byte).map_or(0, |before| before.chars().count());
            ScimError::invalid_syntax(format!(
                "{header}: {why} at character {position} of {value:?}; expected \"*\" or a \
                 comma-separated list of entity tags such as W/\"3\""
            ))
        };
        if value.trim_matches(is_ows) == "*" {
            return Ok(Self::Any);
        }
        let mut tags = Vec::new();
        let mut rest = value;
        loop {
            rest = rest.trim_start_matches(|c| is_ows(c) || c == ',');
            if rest.is_empty() {
                break;
            }
            let position = value.len() - rest.len();
            let (weak, quoted) = match rest.strip_prefix("W/") {
                Some(quoted) => (true, quoted),
                None => (false, rest),
            };
            let Some(inner) = quoted.strip_prefix('"') else {
                let why = if rest.starts_with('*') {
                    "\"*\" must be the whole value"
                } else {
                    "an entity tag must be in double quotes"
                };
                return Err(malformed(position, why));
            };
            let Some(end) = inner.find('"') else {
                return Err(malformed(position, "unterminated entity tag"));
            };
            let opaque = inner.get(..end).unwrap_or_default();
            if let Some((bad, _)) = opaque.char_indices().find(|(_, c)| !is_etagc(*c)) {
                let at = position + usize::from(weak) * 2 + 1 + bad;
                return Err(malformed(at, "invalid character in an entity tag"));
            }
            tags.push(EntityTag { weak, opaque: opaque.to_owned() });
            rest = inner.get(end + 1..).unwrap_or_default().trim_start_matches(is_ows);
            if !(rest.is_empty() || rest.starts_with(',')) {
                let position = value.len() - rest.len();
                return Err(malformed(position, "expected \",\" between entity tags"));
            }
        }
        Ok(Self::Tags(tags))
    }

    /// Whether the current version matches, by the weak comparison; a
    /// missing resource matches nothing, not even `*`.
    pub fn matches(&self, current: Option<i64>) -> bool {
        let Some(version) = current else { return false };
        match self {
            Self::Any => true,
            Self::Tags(tags) => {
                let current = EntityTag::of_version(version);
                tags.iter().any(|tag| tag.weak_eq(&current))
            }
        }
    }
}

/// `OWS` (RFC 9110 §5.6.3): space and horizontal tab.
fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `etagc` (RFC 9110 §8.8.3): `!`, `#`..`~`, and `obs-text` (non-ASCII).
fn is_etagc(c: char) -> bool {
    c == '!' || ('#'..='~').contains(&c) || !c.is_ascii()
}

/// Whether a request only reads (`GET`, `HEAD`) or changes the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Read,
    Write,
}

/// What to do with a request whose preconditions hold or that is answered
/// without a body; a failed precondition is an error (412).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Carry on.
    Proceed,
    /// Answer `304 Not Modified` (a read whose `If-None-Match` matched).
    NotModified,
}

/// A request's `If-Match` and `If-None-Match`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<Precondition>,
    pub if_none_match: Option<Precondition>,
}

impl Preconditions {
    /// Parses the headers' values, if present.
    pub fn parse(if_match: Option<&str>, if_none_match: Option<&str>) -> Result<Self, ScimError> {
        Ok(Self {
            if_match: if_match.map(|v| Precondition::parse("If-Match", v)).transpose()?,
            if_none_match: if_none_match
                .map(|v| Precondition::parse("If-None-Match", v))
                .transpose()?,
        })
    }

    /// Decides a request given the resource's current version, or `None`
    /// if there is no such resource (the request then proceeds to its 404).
    /// A failed precondition is `412` without a `scimType`.
    pub fn evaluate(&self, kind: RequestKind, current: Option<i64>) -> Result<Verdict, ScimError> {
        let Some(version) = current else { return Ok(Verdict::Proceed) };
        let tag = etag(version);
        if let Some(if_match) = &self.if_match
            && !if_match.matches(current)
        {
            return Err(ScimError::new(
                crate::ScimStatus::PreconditionFailed,
                None,
                format!(
                    "the resource has changed: its version is now {tag}, which If-Match does not \
                     list"
                ),
            ));
        }
        if let Some(if_none_match) = &self.if_none_match
            && if_none_match.matches(current)
        {
            return match kind {
                RequestKind::Read => Ok(Verdict::NotModified),
                RequestKind::Write => Err(ScimError::new(
                    crate::ScimStatus::PreconditionFailed,
                    None,
                    format!("the resource's current version {tag} matches If-None-Match"),
                )),
            };
        }
        Ok(Verdict::Proceed)
    }
}

/// [`Preconditions::parse`] then [`Preconditions::evaluate`], in one step.
pub fn evaluate_preconditions(
    kind: RequestKind,
    if_match: Option<&str>,
    if_none_match: Option<&str>,
    current: Option<i64>,
) -> Result<Verdict, ScimError> {
    Preconditions::parse(if_match, if_none_match)?.evaluate(kind, current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_print_as_weak_validators() {
        assert_eq!(etag(0), "W/\"0\"");
        assert_eq!(etag(42), "W/\"42\"");
        assert_eq!(etag(-7), "W/\"-7\"");
        assert_eq!(etag(i64::MAX), format!("W/\"{}\"", i64::MAX));
    }

    #[test]
    fn comparisons_follow_rfc_9110_table() {
        // RFC 9110 §8.8.3.2, the table of examples.
        let tag = |weak, opaque: &str| EntityTag { weak, opaque: opaque.into() };
        let cases = [
            (tag(true, "1"), tag(true, "1"), false, true),
            (tag(true, "1"), tag(true, "2"), false, false),
            (tag(true, "1"), tag(false, "1"), false, true),
            (tag(false, "1"), tag(false, "1"), true, true),
        ];
        for (a, b, strong, weak) in cases {
            assert_eq!(a.strong_eq(&b), strong, "{a} {b}");
            assert_eq!(a.weak_eq(&b), weak, "{a} {b}");
            assert_eq!(b.weak_eq(&a), weak, "{b} {a}");
        }
    }
}
