//! `sortBy` and `sortOrder` (RFC 7644 §3.4.2.3).
//!
//! A sort key is an attribute whose value orders resources: a singular
//! attribute, a sub-attribute of a singular complex attribute, or a
//! multi-valued attribute, which sorts by its primary value, else its first
//! (RFC 7644 §3.4.2.3). Decisions:
//!
//! - A multi-valued complex attribute named without a sub-attribute
//!   (`sortBy=emails`) sorts by its `value` sub-attribute: the RFC's "the
//!   value of the primary attribute". One without `value` is refused.
//! - A singular complex attribute must be named with a sub-attribute
//!   (`name.familyName`, not `name`), as the RFC says.
//! - An attribute that is never returned (`password`) is refused: sorting by
//!   it would reveal its order.
//! - Every refusal is `400 invalidValue` (RFC 7644 §3.12: `invalidPath` is
//!   for PATCH).

use crate::schema::{AttrType, Resolved, ResourceType, Returned};
use crate::{AttrPath, ScimError, parse_attr_path};

/// `sortOrder` (RFC 7644 §3.4.2.3); ascending by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

impl SortOrder {
    /// `ascending` or `descending`, in any letter case, between optional
    /// white space.
    pub fn parse(value: &str) -> Result<Self, ScimError> {
        let text = value.trim_matches(super::OWS);
        if text.eq_ignore_ascii_case("ascending") {
            Ok(Self::Ascending)
        } else if text.eq_ignore_ascii_case("descending") {
            Ok(Self::Descending)
        } else {
            Err(ScimError::invalid_value(format!(
                "sortOrder must be \"ascending\" or \"descending\", not \"{value}\""
            )))
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ascending => "ascending",
            Self::Descending => "descending",
        }
    }
}

/// What `sortBy` orders by, resolved against the resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// A singular attribute (`userName`, `meta.lastModified`): each resource
    /// has at most one value.
    Single(Resolved),
    /// A sub-attribute of a multi-valued complex attribute (`emails.value`,
    /// also what `emails` means) or a multi-valued simple attribute: the
    /// value of the element marked `primary`, else of the first element.
    PrimaryOrFirst(Resolved),
}

impl SortKey {
    /// The attribute sorted by; for a multi-valued complex attribute its
    /// `sub` is always set.
    pub fn resolved(&self) -> &Resolved {
        match self {
            Self::Single(resolved) | Self::PrimaryOrFirst(resolved) => resolved,
        }
    }

    /// Parses and resolves `sortBy`, returning the path as written too.
    pub fn parse(rt: &ResourceType, text: &str) -> Result<(AttrPath, Self), ScimError> {
        let invalid = |why: String| ScimError::invalid_value(format!("sortBy \"{text}\": {why}"));
        let path = parse_attr_path(text).map_err(|err| invalid(err.to_string()))?;
        let mut resolved = rt
            .resolve(path.urn.as_deref(), &path.name, path.sub.as_deref())
            .map_err(|err| invalid(whole_schema_hint(rt, &path).unwrap_or(err.to_string())))?;
        let attribute = resolved.attribute;
        let never = attribute.returned == Returned::Never
            || resolved.sub.is_some_and(|sub| sub.returned == Returned::Never);
        if never {
            return Err(invalid(format!(
                "{} is never returned, so results can not be sorted by it",
                attribute.name
            )));
        }
        let key = match (attribute.kind, attribute.multi_valued, resolved.sub) {
            (AttrType::Complex, true, None) => {
                let value = attribute.sub("value").ok_or_else(|| {
                    invalid(format!(
                        "{0} is complex and has no value sub-attribute; name one of its \
                         sub-attributes, such as {0}.{1}",
                        attribute.name,
                        first_sub(attribute)
                    ))
                })?;
                resolved.sub = Some(value);
                SortKey::PrimaryOrFirst(resolved)
            }
            (AttrType::Complex, false, None) => {
                return Err(invalid(format!(
                    "{0} is complex; name one of its sub-attributes, such as {0}.{1}",
                    attribute.name,
                    first_sub(attribute)
                )));
            }
            (_, true, _) => SortKey::PrimaryOrFirst(resolved),
            (_, false, _) => SortKey::Single(resolved),
        };
        Ok((path, key))
    }
}

fn first_sub(attribute: &crate::schema::Attribute) -> &'static str {
    attribute.sub_attributes.first().map_or("value", |sub| sub.name)
}

/// When `path` spells a whole schema URN (parsed as URN and name), a
/// message saying that an attribute is needed, not a schema.
pub(crate) fn whole_schema_hint(rt: &ResourceType, path: &AttrPath) -> Option<String> {
    let urn = path.urn.as_deref()?;
    if path.sub.is_some() {
        return None;
    }
    let whole = format!("{urn}:{}", path.name);
    let schema = rt.schema_by_urn(&whole)?;
    let example = schema.attributes.first().map_or("userName", |attr| attr.name);
    Some(format!(
        "\"{whole}\" is a whole schema; name one of its attributes, such as \"{}:{example}\"",
        schema.id
    ))
}

/// A checked `sortBy` with its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    path: AttrPath,
    key: SortKey,
    order: SortOrder,
}

impl Sort {
    pub(super) fn new(path: AttrPath, key: SortKey, order: SortOrder) -> Self {
        Self { path, key, order }
    }

    /// The `sortBy` path as the client wrote it (names in its case); it
    /// resolves without error.
    pub fn path(&self) -> &AttrPath {
        &self.path
    }

    pub fn key(&self) -> &SortKey {
        &self.key
    }

    pub fn order(&self) -> SortOrder {
        self.order
    }
}
