//! Where requests pass through `roster-scim`'s dialect layer: each
//! identity provider's known deviations are normalised (and logged by name)
//! before the strict engine sees the request.

use roster_domain::ProviderKind;
use roster_scim::schema::ResourceType;
use roster_scim::{
    PatchOutcome, PatchRequest, ScimError, ScimType, Tolerance, apply, filter_text, patch_body,
    replace_misses_as_adds, resource_body,
};
use serde_json::Value;

/// Whether a provider's requests go through the tolerances: the products
/// whose deviations they name, and generic SAML providers, which may be any
/// of them. Okta, JumpCloud, Duo and LDAP speak the RFC and meet the strict
/// engine directly.
pub(crate) fn tolerated(kind: ProviderKind) -> bool {
    matches!(kind, ProviderKind::EntraId | ProviderKind::OneLogin | ProviderKind::Saml)
}

fn log(applied: &[Tolerance]) {
    if !applied.is_empty() {
        let names: Vec<&str> = applied.iter().map(|t| t.name()).collect();
        tracing::debug!(tolerances = ?names, "identity provider dialect normalised");
    }
}

/// A POST or PUT body.
pub(crate) fn resource(kind: ProviderKind, rt: &ResourceType, body: &Value) -> Value {
    if !tolerated(kind) {
        return body.clone();
    }
    let normalized = resource_body(rt, body);
    log(&normalized.applied);
    normalized.value
}

/// A PATCH body, parsed.
pub(crate) fn patch(
    kind: ProviderKind,
    rt: &ResourceType,
    body: &Value,
) -> Result<PatchRequest, ScimError> {
    if !tolerated(kind) {
        return PatchRequest::parse(body);
    }
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
        Err(err) if err.scim_type == Some(ScimType::NoTarget) && tolerated(kind) => {
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
pub(crate) fn params(
    kind: ProviderKind,
    rt: &ResourceType,
    params: &[(String, String)],
) -> Vec<(String, String)> {
    if !tolerated(kind) {
        return params.to_vec();
    }
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
pub(crate) fn search(kind: ProviderKind, rt: &ResourceType, body: &Value) -> Value {
    let mut body = body.clone();
    if !tolerated(kind) {
        return body;
    }
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
