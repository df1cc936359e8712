//! The identity-provider dialect layer: what Entra ID, Okta, OneLogin and
//! other clients really send, rewritten into what the strict RFC engine
//! accepts, before the engine sees it (issue 5 §3, issue 16 §1, SPEC §2).
//!
//! The strict engine ([`crate::PatchRequest::parse`], [`crate::normalize`],
//! [`crate::parse_filter`]) refuses every one of these quirks; this module
//! is the only place that tolerates them. Invariants:
//!
//! - Each rewrite is a [`Tolerance`] named after the provider behaviour that
//!   needs it, and every function reports which tolerances it applied (in
//!   the order first applied, each once), so the server can log them.
//! - Input that is already standard comes back unchanged (equal JSON, or a
//!   byte-identical filter) with no tolerance applied: the layer only ever
//!   turns something the strict engine would refuse into something it
//!   accepts, never changes the meaning of a conformant request.
//! - The functions are pure and total: they never fail. What they cannot
//!   make sense of is passed through untouched, so that the strict engine
//!   reports the client's own text in its error.
//!
//! The layer is deliberately narrow. It does not, for example, accept a
//! string for an integer or an unknown `op`: only the behaviours recorded
//! in `tests/data/dialect/` from the providers' public documentation.

mod filter;
mod retry;
mod shapes;
mod values;

use serde_json::{Map, Value};

use crate::schema::{ENTERPRISE_USER, ResourceType};

pub use filter::filter_text;
pub use retry::{replace_as_add, replace_misses_as_adds};

/// One tolerated deviation from RFC 7643/7644, named after what the client
/// sent; the documentation says which providers are known to send it.
///
/// Two families (issue 16 §1):
///
/// - **Lenient parsing** ([`Tolerance::is_lenient`]): input the strict
///   engine refuses and that has exactly one sensible reading. It applies
///   to every provider kind, because any client may send it (an Okta-kind
///   provider may front a custom app), and it never changes the meaning of
///   a request the engine accepts.
/// - **Semantic dialect**: a different answer to a request the RFC already
///   answers ([`Tolerance::EntraReplaceMissAdds`]). It stays tied to the
///   provider kinds that need it, chosen by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tolerance {
    /// PATCH op names in another letter case (`"Replace"`, `"Add"`,
    /// `"Remove"`; Entra ID); RFC 7644 §3.5.2 spells them in lower case.
    CapitalisedOp,
    /// Boolean attributes sent as strings (`"True"`, `"False"`, any case;
    /// Entra ID, OneLogin templates mapping `{$user.active}`); RFC 7643
    /// §2.3.2 wants JSON `true`/`false`.
    StringBoolean,
    /// A filter value without quotes (`externalId eq 12345`, `userName eq
    /// alice@x`; Entra ID); RFC 7644 §3.4.2.2 wants a JSON string.
    UnquotedFilterValue,
    /// Semantic, Entra ID: `replace` with a value-filter path
    /// (`emails[type eq "work"].value`) that matches nothing, meaning the
    /// value is to be added; RFC 7644 §3.5.2.3 answers `noTarget`.
    EntraReplaceMissAdds,
    /// `emails[type eq "work"].value eq "x"` (Entra ID's matching filter),
    /// a value path's sub-attribute compared after `]`, which RFC 7644
    /// §3.4.2.2 does not allow; it means `emails[type eq "work" and value
    /// eq "x"]`.
    ValuePathFilter,
    /// The enterprise `manager` as the manager's id (a string), or as a
    /// list of one `{"value", "$ref"}` (Entra ID); RFC 7643 §4.3 makes it
    /// a single complex attribute, `{"value": id}`.
    ManagerAsId,
    /// The draft or SCIM 1.1 schema URNs (`urn:scim:schemas:core:2.0`,
    /// `urn:scim:schemas:core:1.0`, `urn:scim:schemas:extension:enterprise:2.0`;
    /// OneLogin templates) instead of RFC 7643's.
    LegacySchemaUrn,
    /// A PATCH path that is a schema extension's URN: an `add` or `replace`
    /// whose value is that extension's object, or a `remove` of the whole
    /// extension (scim2-tester); RFC 7644 §3.5.2 paths name attributes, and
    /// these mean a path-less operation with `{URN: value}`, or with
    /// `{URN: null}` for the `remove`.
    ExtensionUrnPath,
    /// A group member given as its id string (`"members": ["2819c223"]`);
    /// RFC 7643 §4.2 makes each member an object, `{"value": id}`.
    MemberAsId,
}

impl Tolerance {
    /// Every tolerance, in declaration order.
    pub const ALL: [Tolerance; 9] = [
        Tolerance::CapitalisedOp,
        Tolerance::StringBoolean,
        Tolerance::UnquotedFilterValue,
        Tolerance::EntraReplaceMissAdds,
        Tolerance::ValuePathFilter,
        Tolerance::ManagerAsId,
        Tolerance::LegacySchemaUrn,
        Tolerance::ExtensionUrnPath,
        Tolerance::MemberAsId,
    ];

    /// Whether this is lenient parsing, applied for every provider kind;
    /// `false` for semantic dialect, applied only where the caller's kind
    /// asks for it.
    pub fn is_lenient(self) -> bool {
        match self {
            Tolerance::CapitalisedOp
            | Tolerance::StringBoolean
            | Tolerance::UnquotedFilterValue
            | Tolerance::ValuePathFilter
            | Tolerance::ManagerAsId
            | Tolerance::LegacySchemaUrn
            | Tolerance::ExtensionUrnPath
            | Tolerance::MemberAsId => true,
            Tolerance::EntraReplaceMissAdds => false,
        }
    }

    /// A stable, snake-case name for logs and metrics.
    pub fn name(self) -> &'static str {
        match self {
            Tolerance::CapitalisedOp => "capitalised_op",
            Tolerance::StringBoolean => "string_boolean",
            Tolerance::UnquotedFilterValue => "unquoted_filter_value",
            Tolerance::EntraReplaceMissAdds => "entra_replace_miss_adds",
            Tolerance::ValuePathFilter => "value_path_filter",
            Tolerance::ManagerAsId => "manager_as_id",
            Tolerance::LegacySchemaUrn => "legacy_schema_urn",
            Tolerance::ExtensionUrnPath => "extension_urn_path",
            Tolerance::MemberAsId => "member_as_id",
        }
    }

    /// One sentence saying what the client sent and what it became.
    pub fn describe(self) -> &'static str {
        match self {
            Tolerance::CapitalisedOp => "capitalised PATCH op name rewritten in lower case",
            Tolerance::StringBoolean => {
                "boolean attribute sent as a string rewritten as a JSON boolean"
            }
            Tolerance::UnquotedFilterValue => "unquoted filter value quoted as a JSON string",
            Tolerance::EntraReplaceMissAdds => {
                "filtered replace that matched nothing (Entra ID) retried as an add"
            }
            Tolerance::ValuePathFilter => {
                "value path compared after its bracket moved inside the bracket"
            }
            Tolerance::ManagerAsId => {
                "manager sent as an id or a list rewritten as {\"value\": id}"
            }
            Tolerance::LegacySchemaUrn => {
                "pre-RFC schema URN (as in OneLogin templates) rewritten to the RFC 7643 URN"
            }
            Tolerance::ExtensionUrnPath => {
                "PATCH path naming a schema extension rewritten as a path-less operation on the \
                 extension's object"
            }
            Tolerance::MemberAsId => {
                "group member sent as an id string rewritten as {\"value\": id}"
            }
        }
    }
}

impl std::fmt::Display for Tolerance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The result of a dialect rewrite: the value for the strict engine and the
/// tolerances that were needed to produce it (empty when the input was
/// already standard, in which case `value` equals the input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized<T = Value> {
    pub value: T,
    pub applied: Vec<Tolerance>,
}

impl<T> Normalized<T> {
    /// `value`, needing no tolerance.
    pub(crate) fn unchanged(value: T) -> Self {
        Self { value, applied: Vec::new() }
    }
}

/// The tolerances applied so far, each once, in the order first applied.
#[derive(Debug, Default)]
pub(crate) struct Applied(Vec<Tolerance>);

impl Applied {
    pub(crate) fn note(&mut self, tolerance: Tolerance) {
        if !self.0.contains(&tolerance) {
            self.0.push(tolerance);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Tolerance> {
        self.0
    }
}

/// A PATCH request body (RFC 7644 §3.5.2) for a resource of type `rt`, as
/// the strict [`crate::PatchRequest::parse`] accepts it.
///
/// Rewrites, in each element of `Operations` (found case-insensitively, as
/// the engine finds it):
///
/// - [`Tolerance::CapitalisedOp`]: an `op` that is `add`, `replace` or
///   `remove` in another letter case becomes lower case. Other ops are left
///   for the engine to refuse.
/// - [`Tolerance::StringBoolean`]: a string `"true"`/`"false"` (any
///   letter case) becomes a JSON boolean where the schema of `rt` says the
///   target is boolean: the `value` of an operation whose `path` names a
///   boolean attribute or sub-attribute (`active`, `emails[type eq
///   "work"].primary`), boolean sub-attributes inside complex values
///   (`{"primary": "True"}` under `emails`), and the keys of a path-less
///   value object (bare, dotted, URN-qualified or under an extension URN).
/// - [`Tolerance::LegacySchemaUrn`]: keys of a path-less value object
///   written with a non-standard schema URN get the RFC 7643 URN.
/// - [`Tolerance::ExtensionUrnPath`]: an `add` or `replace` whose path is
///   an extension's URN and whose value is an object becomes path-less,
///   `{URN: value}`; a `remove` with that path and no value becomes a
///   path-less `replace` of `{URN: null}` (applied after the op's letter
///   case is fixed).
/// - [`Tolerance::MemberAsId`]: for a Group, member ids given as strings
///   (the value of a `members` path, or under a path-less `members` key)
///   become `{"value": id}`.
///
/// Left alone because the engine already accepts them: Entra's
/// `"value": [{"value": "..."}]` lists, Okta's path-less `replace` that
/// echoes `id` with `active`, paths in any letter case. A body that is not
/// an object, or an operation that is not, comes back as it was.
pub fn patch_body(rt: &ResourceType, body: &Value) -> Normalized {
    let mut applied = Applied::default();
    let mut out = body.clone();
    let operations = out
        .as_object_mut()
        .and_then(|object| get_ci_mut(object, "Operations"))
        .and_then(Value::as_array_mut);
    for item in operations.into_iter().flatten() {
        if let Some(operation) = item.as_object_mut() {
            patch_operation(rt, operation, &mut applied);
        }
    }
    Normalized { value: out, applied: applied.into_vec() }
}

/// One operation of [`patch_body`].
fn patch_operation(rt: &ResourceType, operation: &mut Map<String, Value>, applied: &mut Applied) {
    if let Some(Value::String(op)) = get_ci_mut(operation, "op") {
        let lower = op.to_ascii_lowercase();
        if lower != *op && matches!(lower.as_str(), "add" | "replace" | "remove") {
            *op = lower;
            applied.note(Tolerance::CapitalisedOp);
        }
    }
    shapes::fix_extension_path(rt, operation, applied);
    let path = match crate::resource::get_ci(operation, "path") {
        Some(Value::String(path)) => Some(path.clone()),
        _ => None,
    };
    let Some(value) = get_ci_mut(operation, "value") else { return };
    match path {
        None => {
            if let Some(object) = value.as_object_mut() {
                fix_manager_keys(object, applied);
                shapes::fix_members_key(rt, object, applied);
                values::fix_attributes(rt, object, applied);
            }
        }
        Some(path) => {
            if is_manager(&path) {
                fix_manager(value, applied);
            }
            if shapes::is_members(&path) {
                shapes::fix_members(rt, value, applied);
            }
            if let Some(target) = values::patch_target(rt, &path) {
                values::fix_value(target.attribute, target.whole_multi, value, applied);
            }
        }
    }
}

/// A POST or PUT body (RFC 7644 §3.3, §3.5.1) for a resource of type `rt`,
/// as the strict [`crate::normalize`] accepts it.
///
/// Rewrites:
///
/// - [`Tolerance::LegacySchemaUrn`]: in `schemas`, a non-standard URN
///   becomes the RFC 7643 one (`urn:scim:schemas:core:2.0` and
///   `urn:scim:schemas:core:1.0`, with or without `:User`/`:Group`, become
///   the core schema of `rt`; `urn:scim:schemas:extension:enterprise:2.0`
///   and `...:1.0`, with or without `:User`, the enterprise extension when
///   `rt` has it), keeping the first of any duplicates; top-level keys that
///   are such a URN, or qualified by one (`urn:scim:schemas:core:1.0:userName`),
///   are renamed likewise, unless the standard key is also present (then
///   both are left and the engine sees the standard one).
/// - [`Tolerance::StringBoolean`]: string booleans for boolean
///   attributes and sub-attributes, as in [`patch_body`].
/// - [`Tolerance::ManagerAsId`] and, for a Group, [`Tolerance::MemberAsId`].
///
/// A body that is not an object comes back as it was.
pub fn resource_body(rt: &ResourceType, body: &Value) -> Normalized {
    let mut applied = Applied::default();
    let mut out = body.clone();
    if let Some(object) = out.as_object_mut() {
        values::fix_schemas(rt, object, &mut applied);
        fix_manager_keys(object, &mut applied);
        shapes::fix_members_key(rt, object, &mut applied);
        values::fix_attributes(rt, object, &mut applied);
    }
    Normalized { value: out, applied: applied.into_vec() }
}

/// Whether a path or key names the enterprise `manager`, bare or
/// URN-qualified.
fn is_manager(path: &str) -> bool {
    // Byte-wise: a key may hold any characters, and slicing a `str` at a
    // byte that is not a character boundary would panic.
    let (path, urn) = (path.as_bytes(), ENTERPRISE_USER.id.as_bytes());
    path.eq_ignore_ascii_case(b"manager")
        || path.len() > urn.len()
            && path[..urn.len()].eq_ignore_ascii_case(urn)
            && path[urn.len()..].eq_ignore_ascii_case(b":manager")
}

/// [`Tolerance::ManagerAsId`] on the keys of an object: a resource, or
/// a path-less PATCH value, and its enterprise extension object.
fn fix_manager_keys(object: &mut Map<String, Value>, applied: &mut Applied) {
    for (key, value) in object.iter_mut() {
        if is_manager(key) {
            fix_manager(value, applied);
        } else if key.eq_ignore_ascii_case(ENTERPRISE_USER.id)
            && let Some(extension) = value.as_object_mut()
            && let Some(manager) = get_ci_mut(extension, "manager")
        {
            fix_manager(manager, applied);
        }
    }
}

/// A manager id (string) becomes `{"value": id}`; a list of manager
/// objects becomes its first.
fn fix_manager(value: &mut Value, applied: &mut Applied) {
    let fixed = match value {
        Value::String(id) if !id.is_empty() => serde_json::json!({ "value": id }),
        Value::Array(items) if items.first().is_some_and(Value::is_object) => items[0].clone(),
        _ => return,
    };
    *value = fixed;
    applied.note(Tolerance::ManagerAsId);
}

/// The value of `name` in `object`, compared exactly first and then
/// case-insensitively, as [`crate::resource::get_ci`] finds it.
fn get_ci_mut<'v>(object: &'v mut Map<String, Value>, name: &str) -> Option<&'v mut Value> {
    let key = if object.contains_key(name) {
        name.to_owned()
    } else {
        object.keys().find(|key| key.eq_ignore_ascii_case(name))?.clone()
    };
    object.get_mut(&key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::USER_RESOURCE;

    #[test]
    fn manager_keys_of_any_characters_are_safe() {
        let odd = format!("{}é:manager", "a".repeat(ENTERPRISE_USER.id.len() - 1));
        assert!(!is_manager(&odd));
        assert!(is_manager("Manager"));
        assert!(is_manager(&format!("{}:MANAGER", ENTERPRISE_USER.id.to_uppercase())));
        let body = serde_json::json!({ "userName": "x", odd.clone(): "y" });
        assert_eq!(resource_body(&USER_RESOURCE, &body).value, body);
    }
}
