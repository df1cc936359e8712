//! Case folding for case-insensitive comparison (RFC 7643 §2.2 `caseExact`,
//! RFC 7644 §3.4.2.2), done in Rust so that every database compares alike.
//!
//! SQLite's `LOWER()` folds ASCII letters only, and PostgreSQL's follows
//! the database's collation, so `"Ä"` and `"ä"` would be equal on one and
//! not on the other. Instead, the store keeps the [`comparison_form`] of
//! each resource beside it, and folds the value of each comparison with
//! [`fold`]: the database then compares folded texts exactly.
//!
//! [`fold`] is Unicode lower-casing (`str::to_lowercase`), the same fold
//! the in-memory evaluator, the PATCH engine's value identity and the
//! domain's username and group-name keys use, so that all of them agree.

use serde_json::{Map, Value};

use crate::schema::{AttrType, Attribute, ResourceType};

/// The folded form of a case-insensitive text.
pub fn fold(text: &str) -> String {
    text.to_lowercase()
}

/// `resource` (canonical form) with the strings of every attribute that is
/// not `caseExact` folded: what a database compares filters and sort keys
/// against. Members no schema of `rt` defines are left as they are.
pub fn comparison_form(rt: &ResourceType, resource: &Map<String, Value>) -> Map<String, Value> {
    resource
        .iter()
        .map(|(key, value)| {
            let value = if let Some(schema) = rt.schema_by_urn(key) {
                match value {
                    Value::Object(members) => Value::Object(
                        members
                            .iter()
                            .map(|(name, value)| {
                                let folded = match schema.attribute(name) {
                                    Some(attr) => fold_value(attr, value),
                                    None => value.clone(),
                                };
                                (name.clone(), folded)
                            })
                            .collect(),
                    ),
                    other => other.clone(),
                }
            } else {
                match rt.resolve(None, key, None) {
                    Ok(resolved) => fold_value(resolved.attribute, value),
                    Err(_) => value.clone(),
                }
            };
            (key.clone(), value)
        })
        .collect()
}

/// One attribute's value (single- or multi-valued) folded as `attr` says.
fn fold_value(attr: &Attribute, value: &Value) -> Value {
    match value {
        Value::Array(items) if attr.multi_valued => {
            Value::Array(items.iter().map(|item| fold_element(attr, item)).collect())
        }
        other => fold_element(attr, other),
    }
}

fn fold_element(attr: &Attribute, value: &Value) -> Value {
    match (attr.kind, value) {
        (AttrType::Complex, Value::Object(members)) => Value::Object(
            members
                .iter()
                .map(|(name, value)| {
                    let folded = match attr.sub(name) {
                        Some(sub) => fold_value(sub, value),
                        None => value.clone(),
                    };
                    (name.clone(), folded)
                })
                .collect(),
        ),
        (AttrType::String, Value::String(text)) if !attr.case_exact => Value::String(fold(text)),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema::USER_RESOURCE;

    #[test]
    fn case_insensitive_strings_fold_and_the_rest_stays() {
        let resource = json!({
            "userName": "ÄRGER@Example.com",
            "externalId": "ÄB-1",
            "name": { "givenName": "Ödön", "familyName": "ŁUKASZ" },
            "active": true,
            "profileUrl": "https://Example.com/Ä",
            "emails": [{ "value": "X@Y.example", "type": "WORK", "primary": false }],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "ÉTUDES",
                "manager": { "value": "Boss-ID" }
            },
            "unknown": "KEEP"
        });
        let folded = comparison_form(&USER_RESOURCE, resource.as_object().unwrap());
        assert_eq!(
            Value::Object(folded),
            json!({
                "userName": "ärger@example.com",
                "externalId": "ÄB-1",
                "name": { "givenName": "ödön", "familyName": "łukasz" },
                "active": true,
                "profileUrl": "https://Example.com/Ä",
                "emails": [{ "value": "x@y.example", "type": "work", "primary": false }],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "department": "études",
                    "manager": { "value": "boss-id" }
                },
                "unknown": "KEEP"
            })
        );
    }

    #[test]
    fn folding_is_unicode_lower_casing() {
        assert_eq!(fold("ÄÖÜ ÀÉÎ Łódź"), "äöü àéî łódź");
        assert_eq!(fold("ẞ"), "ß");
    }
}
