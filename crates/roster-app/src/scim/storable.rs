//! What a SCIM resource may hold so that both databases store it alike
//! (issue 16): JSON allows the NUL character in any string, PostgreSQL's
//! text refuses it while SQLite keeps it, so a resource that has one is
//! refused before anything is written, with the place named.

use roster_scim::ScimError;
use serde_json::Value;

/// Refuses a resource with a NUL character in any key or string value.
pub(crate) fn check(resource: &Value) -> Result<(), ScimError> {
    match nul_at(resource) {
        None => Ok(()),
        Some(path) => Err(ScimError::invalid_value(format!(
            "{}: the NUL character (\\u0000) cannot be stored; remove it",
            if path.is_empty() { "the resource" } else { path.as_str() }
        ))),
    }
}

/// The path (`emails[0].type`) of the first NUL character, if any.
/// Recursion is bounded by the JSON parser's own depth limit.
fn nul_at(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => text.contains('\0').then(String::new),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, item)| {
            nul_at(item).map(|rest| format!("[{index}]{}", dotted(&rest)))
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                return Some(key.escape_debug().to_string());
            }
            nul_at(item).map(|rest| format!("{key}{}", dotted(&rest)))
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => None,
    }
}

/// `rest` as it follows a key: `.name`, or `[n]` as it is.
fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') { rest.to_owned() } else { format!(".{rest}") }
}

/// An `externalId` as the store keeps it (indexed, so bounded): at most
/// 255 characters, no control characters; blank is none.
pub(crate) fn external_id(raw: Option<&str>) -> Result<Option<String>, ScimError> {
    let Some(id) = raw.filter(|id| !id.trim().is_empty()) else { return Ok(None) };
    if id.chars().any(char::is_control) || id.chars().count() > 255 {
        return Err(ScimError::invalid_value(format!(
            "externalId: at most 255 characters, no control characters (this one has {})",
            id.chars().count()
        )));
    }
    Ok(Some(id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_characters_are_found_and_named() {
        assert!(check(&json!({ "userName": "a", "emails": [{ "value": "a@b.c" }] })).is_ok());
        for (resource, place) in [
            (json!({ "userName": "a\u{0}" }), "userName:"),
            (json!({ "emails": [{ "value": "x" }, { "type": "w\u{0}" }] }), "emails[1].type:"),
            (json!({ "x": { "y\u{0}": 1 } }), "x.y\\0:"),
            (json!({ "tags": [["a", "\u{0}"]] }), "tags[0][1]:"),
        ] {
            let err = check(&resource).unwrap_err();
            assert!(err.detail.starts_with(place), "{place}: {}", err.detail);
        }
    }

    #[test]
    fn external_ids_are_bounded() {
        assert_eq!(external_id(Some("e1")).unwrap().as_deref(), Some("e1"));
        assert_eq!(external_id(Some(" ")).unwrap(), None);
        assert!(external_id(Some(&"x".repeat(255))).is_ok());
        assert!(external_id(Some(&"x".repeat(256))).is_err());
        assert!(external_id(Some("a\u{0}")).is_err());
    }
}
