//! The schemas roster serves (RFC 7643 §4, §7, §8.7): every attribute with
//! its characteristics, as static data.
//!
//! Everything else in this crate asks these definitions how to treat an
//! attribute: how to compare it in a filter (`caseExact`, type), whether a
//! client may write it (`mutability`), whether it is returned
//! (`returned`). `/Schemas` and `/ResourceTypes` are rendered from the same
//! data, so what is advertised is exactly what is implemented.

mod definitions;
mod render;

pub use definitions::{COMMON, ENTERPRISE_USER, GROUP, GROUP_RESOURCE, USER, USER_RESOURCE};
pub use render::{resource_type_json, schema_json};

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Decimal => "decimal",
            Self::Integer => "integer",
            Self::DateTime => "dateTime",
            Self::Binary => "binary",
            Self::Reference => "reference",
            Self::Complex => "complex",
        }
    }
}

/// Who may write an attribute (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReadOnly => "readOnly",
            Self::ReadWrite => "readWrite",
            Self::Immutable => "immutable",
            Self::WriteOnly => "writeOnly",
        }
    }
}

/// When an attribute is returned (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::Never => "never",
            Self::Default => "default",
            Self::Request => "request",
        }
    }
}

/// How unique a value is (RFC 7643 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Server => "server",
            Self::Global => "global",
        }
    }
}

/// One attribute definition (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    pub name: &'static str,
    pub kind: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// A single-valued, optional, case-insensitive, read-write string that
    /// is returned by default: the most common shape, which the builders
    /// below adjust.
    pub const fn string(name: &'static str, description: &'static str) -> Self {
        Self {
            name,
            kind: AttrType::String,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }

    pub const fn of_type(self, kind: AttrType) -> Self {
        Self { kind, ..self }
    }

    pub const fn complex(self, sub_attributes: &'static [Attribute]) -> Self {
        Self { kind: AttrType::Complex, sub_attributes, ..self }
    }

    pub const fn multi(self) -> Self {
        Self { multi_valued: true, ..self }
    }

    pub const fn required(self) -> Self {
        Self { required: true, ..self }
    }

    pub const fn case_exact(self) -> Self {
        Self { case_exact: true, ..self }
    }

    pub const fn mutability(self, mutability: Mutability) -> Self {
        Self { mutability, ..self }
    }

    pub const fn returned(self, returned: Returned) -> Self {
        Self { returned, ..self }
    }

    pub const fn unique(self, uniqueness: Uniqueness) -> Self {
        Self { uniqueness, ..self }
    }

    pub const fn canonical(self, canonical_values: &'static [&'static str]) -> Self {
        Self { canonical_values, ..self }
    }

    pub const fn references(self, reference_types: &'static [&'static str]) -> Self {
        Self { kind: AttrType::Reference, reference_types, case_exact: true, ..self }
    }

    /// The sub-attribute named `name`, compared case-insensitively
    /// (RFC 7643 §2.1).
    pub fn sub(&self, name: &str) -> Option<&'static Attribute> {
        self.sub_attributes.iter().find(|sub| sub.name.eq_ignore_ascii_case(name))
    }
}

/// A schema: its URN and its attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [Attribute],
}

impl Schema {
    /// The attribute named `name`, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        self.attributes.iter().find(|attr| attr.name.eq_ignore_ascii_case(name))
    }
}

/// A resource type: its endpoint, core schema and schema extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceType {
    pub id: &'static str,
    pub name: &'static str,
    pub endpoint: &'static str,
    pub description: &'static str,
    pub schema: &'static Schema,
    /// Extensions and whether each is required.
    pub extensions: &'static [(&'static Schema, bool)],
}

/// Where an attribute path resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The schema that defines the attribute.
    pub schema: &'static Schema,
    /// The top-level attribute.
    pub attribute: &'static Attribute,
    /// The sub-attribute, when the path names one.
    pub sub: Option<&'static Attribute>,
}

/// Why a path does not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("the schema {0:?} is not one of this resource type's schemas")]
    UnknownSchema(String),
    #[error("there is no attribute {0:?} in this resource type")]
    UnknownAttribute(String),
    #[error("the attribute {attribute:?} has no sub-attribute {sub:?}")]
    UnknownSubAttribute { attribute: String, sub: String },
}

impl ResourceType {
    /// Every schema of the resource type, core first.
    pub fn schemas(&self) -> impl Iterator<Item = &'static Schema> + '_ {
        std::iter::once(self.schema).chain(self.extensions.iter().map(|(schema, _)| *schema))
    }

    /// The schema with this URN (compared case-insensitively: URNs are
    /// case-insensitive in their namespace part and clients vary).
    pub fn schema_by_urn(&self, urn: &str) -> Option<&'static Schema> {
        self.schemas().find(|schema| schema.id.eq_ignore_ascii_case(urn))
    }

    /// Resolves `[urn:]name[.sub]`. Without a URN, the common attributes
    /// (`id`, `externalId`, `meta`) and the core schema are searched first,
    /// then extensions (RFC 7644 §3.10 lets clients omit the URN of core
    /// attributes; extension attributes without their URN are accepted, the
    /// first schema that defines the name wins).
    pub fn resolve(
        &self,
        urn: Option<&str>,
        name: &str,
        sub: Option<&str>,
    ) -> Result<Resolved, ResolveError> {
        let common = || {
            COMMON
                .iter()
                .find(|attr| attr.name.eq_ignore_ascii_case(name))
                .map(|attribute| (self.schema, attribute))
        };
        let (schema, attribute) = match urn {
            Some(urn) => {
                let schema = self
                    .schema_by_urn(urn)
                    .ok_or_else(|| ResolveError::UnknownSchema(urn.to_owned()))?;
                let own = schema.attribute(name).map(|attribute| (schema, attribute));
                let common = if schema.id == self.schema.id { common() } else { None };
                own.or(common)
                    .ok_or_else(|| ResolveError::UnknownAttribute(format!("{urn}:{name}")))?
            }
            None => common()
                .or_else(|| {
                    self.schemas().find_map(|schema| {
                        schema.attribute(name).map(|attribute| (schema, attribute))
                    })
                })
                .ok_or_else(|| ResolveError::UnknownAttribute(name.to_owned()))?,
        };
        let sub = match sub {
            None => None,
            Some(sub) => {
                Some(attribute.sub(sub).ok_or_else(|| ResolveError::UnknownSubAttribute {
                    attribute: attribute.name.to_owned(),
                    sub: sub.to_owned(),
                })?)
            }
        };
        Ok(Resolved { schema, attribute, sub })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_case_insensitively_with_or_without_urns() {
        let user = &USER_RESOURCE;
        let r = user.resolve(None, "USERNAME", None).unwrap();
        assert_eq!((r.schema.id, r.attribute.name), (USER.id, "userName"));
        let r = user.resolve(None, "name", Some("GIVENNAME")).unwrap();
        assert_eq!(r.sub.unwrap().name, "givenName");
        let r = user
            .resolve(Some("urn:ietf:params:scim:schemas:core:2.0:User"), "emails", Some("value"))
            .unwrap();
        assert_eq!(r.attribute.name, "emails");
        let r = user
            .resolve(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                "organization",
                None,
            )
            .unwrap();
        assert_eq!(r.schema.id, ENTERPRISE_USER.id);
        assert_eq!(user.resolve(None, "organization", None).unwrap().schema.id, ENTERPRISE_USER.id);
        assert_eq!(
            user.resolve(None, "id", None).unwrap().attribute.mutability,
            Mutability::ReadOnly
        );
        assert!(matches!(user.resolve(None, "nope", None), Err(ResolveError::UnknownAttribute(_))));
        assert!(matches!(
            user.resolve(None, "name", Some("nope")),
            Err(ResolveError::UnknownSubAttribute { .. })
        ));
        assert!(matches!(
            user.resolve(Some("urn:x"), "name", None),
            Err(ResolveError::UnknownSchema(_))
        ));
        let r = GROUP_RESOURCE.resolve(None, "members", Some("$ref")).unwrap();
        assert_eq!(r.sub.unwrap().name, "$ref");
    }

    #[test]
    fn characteristics_follow_rfc_7643() {
        let user = &USER_RESOURCE;
        let attr = |name: &str| user.resolve(None, name, None).unwrap().attribute;
        assert!(attr("userName").required && !attr("userName").case_exact);
        assert_eq!(attr("userName").uniqueness, Uniqueness::Server);
        assert!(attr("externalId").case_exact);
        assert_eq!(attr("password").returned, Returned::Never);
        assert_eq!(attr("password").mutability, Mutability::WriteOnly);
        assert_eq!(attr("groups").mutability, Mutability::ReadOnly);
        assert!(attr("emails").multi_valued);
        assert_eq!(attr("id").returned, Returned::Always);
        let members = GROUP_RESOURCE.resolve(None, "members", Some("value")).unwrap().sub.unwrap();
        assert_eq!(members.mutability, Mutability::Immutable);
    }
}
