//! Where requests pass through `roster-scim`'s dialect layer before the
//! strict engine sees them (issue 16 §1):
//!
//! - lenient parsing (capitalised ops, string booleans, unquoted filter
//!   values, `emails[type eq "work"].value eq` filters, pre-RFC URNs, the
//!   manager as an id, an extension URN as a PATCH path, members as ids)
//!   applies to every provider kind: it only ever turns a request the
//!   engine refuses into the one thing it can mean, so a conformant request
//!   means the same with or without it;
//! - semantic dialect (a filtered `replace` that matches nothing meaning an
//!   `add`) gives a different answer than the RFC to a conformant request,
//!   and applies only to the kinds in [`semantic_dialect`].
//!
//! Each rewrite is logged by name.

use roster_domain::ProviderKind;
use roster_scim::schema::ResourceType;
use roster_scim::{
    PatchOutcome, PatchRequest, ScimError, ScimType, Tolerance, apply, filter_text, patch_body,
    replace_misses_as_adds, resource_body,
};
use serde_json::Value;

/// Whether a provider's PATCH requests get Entra ID's meaning of a filtered
/// `replace` that matches nothing (an `add`): Entra ID, and generic SAML
/// providers, which may be Entra ID's custom apps. Every other kind gets
/// RFC 7644's `noTarget`.
pub(crate) fn semantic_dialect(kind: ProviderKind) -> bool {
    matches!(kind, ProviderKind::EntraId | ProviderKind::Saml)
}

fn log(applied: &[Tolerance]) {
    if !applied.is_empty() {
        let names: Vec<&str> = applied.iter().map(|t| t.name()).collect();
        tracing::debug!(tolerances = ?names, "identity provider dialect normalised");
    }
}

/// A POST or PUT body.
pub(crate) fn resource(rt: &ResourceType, body: &Value) -> Value {
    let normalized = resource_body(rt, body);
    log(&normalized.applied);
    normalized.value
}

/// A PATCH body, parsed.
pub(crate) fn patch(rt: &ResourceType, body: &Value) -> Result<PatchRequest, ScimError> {
    let normalized = patch_body(rt, body);
    log(&normalized.applied);
    PatchRequest::parse(&normalized.value)
}

/// Applies a PATCH; a filtered `replace` that finds nothing is retried as
/// the `add` Entra ID means by it.
pub(crate) fn apply_patch(
    kind: ProviderKind,
    rt: &ResourceType,
    current: &Value,
    request: &PatchRequest,
) -> Result<PatchOutcome, ScimError> {
    match apply(rt, current, request) {
        Err(err) if err.scim_type == Some(ScimType::NoTarget) && semantic_dialect(kind) => {
            match replace_misses_as_adds(rt, current, request) {
                Some(retry) => {
                    log(&retry.applied);
                    apply(rt, current, &retry.value)
                }
                None => Err(err),
            }
        }
        other => other,
    }
}

/// Query parameters, with the `filter` normalised.
pub(crate) fn params(rt: &ResourceType, params: &[(String, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(name, value)| {
            if name.eq_ignore_ascii_case("filter") {
                let normalized = filter_text(rt, value);
                log(&normalized.applied);
                (name.clone(), normalized.value)
            } else {
                (name.clone(), value.clone())
            }
        })
        .collect()
}

/// A search body, with its `filter` normalised.
pub(crate) fn search(rt: &ResourceType, body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(object) = body.as_object_mut() {
        for (name, value) in object.iter_mut() {
            if name.eq_ignore_ascii_case("filter")
                && let Some(text) = value.as_str()
            {
                let normalized = filter_text(rt, text);
                log(&normalized.applied);
                *value = Value::String(normalized.value);
            }
        }
    }
    body
}
