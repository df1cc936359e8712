//! The body of a list or search response (RFC 7644 §3.4.2, RFC 9865 §2.2).
//!
//! Decisions: `itemsPerPage` and `Resources` are always present (`Resources`
//! as `[]` when empty: the RFC requires it only when `totalResults` is not
//! zero, and clients handle an empty array more reliably than an absent
//! one); `startIndex` is present exactly for index paging, and `nextCursor`
//! and `previousCursor` exactly when given (RFC 9865: `nextCursor` is
//! absent on the last page).

use serde_json::{Map, Value, json};

/// The `schemas` value of a list response.
pub const LIST_RESPONSE_URN: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A `ListResponse` holding `resources` (already projected), one page of
/// `total_results` matches. `start_index` is the 1-based index of the first
/// of them for index paging, `None` for cursor paging.
pub fn list_response(
    resources: Vec<Value>,
    total_results: u64,
    start_index: Option<u64>,
    next_cursor: Option<String>,
    previous_cursor: Option<String>,
) -> Value {
    let mut body = Map::new();
    body.insert("schemas".into(), json!([LIST_RESPONSE_URN]));
    body.insert("totalResults".into(), json!(total_results));
    body.insert("itemsPerPage".into(), json!(resources.len()));
    if let Some(start_index) = start_index {
        body.insert("startIndex".into(), json!(start_index));
    }
    if let Some(cursor) = next_cursor {
        body.insert("nextCursor".into(), json!(cursor));
    }
    if let Some(cursor) = previous_cursor {
        body.insert("previousCursor".into(), json!(cursor));
    }
    body.insert("Resources".into(), Value::Array(resources));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Value {
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id})
    }

    #[test]
    fn index_pages() {
        let body = list_response(vec![user("a"), user("b")], 10, Some(3), None, None);
        assert_eq!(
            body,
            json!({
                "schemas": [LIST_RESPONSE_URN],
                "totalResults": 10,
                "itemsPerPage": 2,
                "startIndex": 3,
                "Resources": [user("a"), user("b")],
            })
        );
    }

    #[test]
    fn empty_results_still_have_resources() {
        let body = list_response(Vec::new(), 0, Some(1), None, None);
        assert_eq!(
            body,
            json!({
                "schemas": [LIST_RESPONSE_URN],
                "totalResults": 0,
                "itemsPerPage": 0,
                "startIndex": 1,
                "Resources": [],
            })
        );
        // count=0: the total without resources (RFC 7644 §3.4.2.4).
        let body = list_response(Vec::new(), 42, Some(1), None, None);
        assert_eq!(
            (body["totalResults"].clone(), body["itemsPerPage"].clone()),
            (json!(42), json!(0))
        );
    }

    #[test]
    fn cursor_pages() {
        let body = list_response(vec![user("a")], 3, None, Some("n2".into()), Some("p0".into()));
        assert_eq!(
            body,
            json!({
                "schemas": [LIST_RESPONSE_URN],
                "totalResults": 3,
                "itemsPerPage": 1,
                "nextCursor": "n2",
                "previousCursor": "p0",
                "Resources": [user("a")],
            })
        );
        let last = list_response(vec![user("c")], 3, None, None, Some("p1".into()));
        assert!(last.get("nextCursor").is_none());
        assert!(last.get("startIndex").is_none());
        assert_eq!(last["previousCursor"], "p1");
        let first = list_response(vec![user("a")], 3, None, Some("n1".into()), None);
        assert!(first.get("previousCursor").is_none());
        assert_eq!(first["nextCursor"], "n1");
    }

    #[test]
    fn resources_keep_their_order() {
        let ids = ["z", "a", "m", "b"];
        let body = list_response(ids.iter().map(|id| user(id)).collect(), 4, Some(1), None, None);
        let got: Vec<&str> = body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(got, ids);
        assert_eq!(body["itemsPerPage"], 4);
    }
}
