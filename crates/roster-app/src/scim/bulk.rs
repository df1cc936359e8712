//! `/Bulk` (RFC 7644 §3.7): many operations in one request, each run as
//! its own use case (and transaction), with `bulkId` references between
//! them and `failOnErrors`.

use std::collections::HashMap;

use roster_scim::{ScimError, ScimStatus, ServerLimits};
use serde_json::{Map, Value, json};

use super::call::{ScimAnswer, ScimCall};
use super::{Scim, ScimFailure, ScimResource};

const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

/// One operation of a bulk request.
#[derive(Debug, Clone)]
struct Operation {
    method: String,
    /// As the client wrote it, for messages.
    path: String,
    /// Its canonical form ([`canonical_path`]); `None` when it names no
    /// endpoint.
    target: Option<String>,
    bulk_id: Option<String>,
    version: Option<String>,
    data: Option<Value>,
}

fn parse(
    body: &Value,
    limits: &ServerLimits,
) -> Result<(Vec<Operation>, Option<usize>), ScimError> {
    let object = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("a bulk request must be a JSON object"))?;
    let schemas_ok = object.get("schemas").and_then(Value::as_array).is_some_and(|s| {
        s.iter().any(|s| s.as_str().is_some_and(|s| s.eq_ignore_ascii_case(BULK_REQUEST)))
    });
    if !schemas_ok {
        return Err(ScimError::invalid_syntax(format!("schemas must contain {BULK_REQUEST}")));
    }
    let fail_on_errors = match object.get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            value.as_u64().filter(|n| *n > 0).and_then(|n| usize::try_from(n).ok()).ok_or_else(
                || ScimError::invalid_syntax("failOnErrors must be a positive integer"),
            )?,
        ),
    };
    let operations = object
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| ScimError::invalid_syntax("Operations must be an array"))?;
    if operations.len() > limits.bulk_max_operations {
        return Err(ScimError::new(
            ScimStatus::PayloadTooLarge,
            None,
            format!(
                "the request has {} operations; at most {} are allowed (see /ServiceProviderConfig)",
                operations.len(),
                limits.bulk_max_operations
            ),
        ));
    }
    let mut out = Vec::with_capacity(operations.len());
    for (index, op) in operations.iter().enumerate() {
        let text = |key: &str| op.get(key).and_then(Value::as_str).map(str::to_owned);
        let method = text("method")
            .ok_or_else(|| {
                ScimError::invalid_syntax(format!("Operations[{index}].method is required"))
            })?
            .to_ascii_uppercase();
        let path = text("path").ok_or_else(|| {
            ScimError::invalid_syntax(format!("Operations[{index}].path is required"))
        })?;
        let bulk_id = text("bulkId");
        if method == "POST" && bulk_id.is_none() {
            return Err(ScimError::invalid_syntax(format!(
                "Operations[{index}]: a POST needs a bulkId"
            )));
        }
        out.push(Operation {
            method,
            target: canonical_path(&path),
            path,
            bulk_id,
            version: text("version"),
            data: op.get("data").cloned(),
        });
    }
    Ok((out, fail_on_errors))
}

/// Replaces `bulkId:x` strings with the ids created so far; returns the
/// first reference that is not (yet) known.
fn substitute(value: &mut Value, ids: &HashMap<String, String>) -> Result<(), String> {
    match value {
        Value::String(text) => {
            if let Some(reference) = text.strip_prefix("bulkId:") {
                *text = ids.get(reference).cloned().ok_or_else(|| reference.to_owned())?;
            }
            Ok(())
        }
        Value::Array(items) => items.iter_mut().try_for_each(|v| substitute(v, ids)),
        Value::Object(map) => map.values_mut().try_for_each(|v| substitute(v, ids)),
        _ => Ok(()),
    }
}

/// An operation's `path` read as a single request's is (lenient parsing,
/// issue 16 §1: an endpoint in any letter case, a trailing slash); `None`
/// when it names no endpoint.
fn canonical_path(path: &str) -> Option<String> {
    roster_scim::canonical_endpoint(path.strip_prefix('/').unwrap_or(path))
}

/// A canonical path with a `bulkId:x` resource id replaced by the id
/// created for it; `Err` with the reference when it is not (yet) known.
fn substitute_path(path: &str, ids: &HashMap<String, String>) -> Result<String, String> {
    let mut segments: Vec<String> = path.split('/').map(str::to_owned).collect();
    if let Some(id) = segments.get_mut(1) {
        let mut value = Value::String(std::mem::take(id));
        substitute(&mut value, ids)?;
        *id = value.as_str().unwrap_or_default().to_owned();
    }
    Ok(segments.join("/"))
}

/// The answer to an operation whose method and path name nothing a bulk
/// request may do.
fn not_an_operation(method: &str, path: &str) -> ScimError {
    ScimError::invalid_syntax(format!(
        "{method} {path:?} is not a bulk operation: use POST /Users or /Groups, or PUT, PATCH or \
         DELETE /Users/{{id}} or /Groups/{{id}}"
    ))
}

fn error_result(op: &Operation, err: &ScimError) -> Value {
    let mut result = Map::new();
    result.insert("method".into(), json!(op.method));
    if let Some(bulk_id) = &op.bulk_id {
        result.insert("bulkId".into(), json!(bulk_id));
    }
    result.insert("status".into(), json!(err.status.to_string()));
    result.insert("response".into(), err.to_json());
    Value::Object(result)
}

/// A failed operation as its entry of the bulk response reports it. The
/// request was authenticated before any operation ran; a server failure is
/// logged and reported without its detail, and the other operations go on
/// (each is its own transaction).
fn operation_error(failure: ScimFailure) -> ScimError {
    match failure {
        ScimFailure::Refused(err) => err,
        ScimFailure::Unauthenticated(_) => {
            ScimError::new(ScimStatus::Unauthorized, None, "authentication failed")
        }
        ScimFailure::Internal(err) => {
            tracing::error!(error = %err, "a bulk operation failed");
            ScimError::new(
                ScimStatus::InternalServerError,
                None,
                "internal error; see the server log",
            )
        }
    }
}

impl Scim<'_> {
    /// Runs one operation as the corresponding use case; `path` is its
    /// canonical form (see [`canonical_path`]).
    async fn bulk_one(
        &self,
        call: &ScimCall<'_>,
        op: &Operation,
        path: &str,
        data: Option<&Value>,
    ) -> Result<ScimAnswer, ScimFailure> {
        let segments: Vec<&str> = path.split('/').collect();
        let need = || {
            data.ok_or_else(|| {
                ScimError::invalid_syntax(format!("{} {:?} needs data", op.method, op.path))
            })
        };
        let endpoint = |segment: &str| ScimResource::from_endpoint(segment);
        match (op.method.as_str(), segments.as_slice()) {
            ("POST", [kind]) if let Some(resource) = endpoint(kind) => {
                self.create(call, resource, need()?).await
            }
            ("PUT", [kind, id]) if let Some(resource) = endpoint(kind) => {
                self.replace(call, resource, id, need()?).await
            }
            ("PATCH", [kind, id]) if let Some(resource) = endpoint(kind) => {
                self.patch(call, resource, id, need()?).await
            }
            ("DELETE", [kind, id]) if let Some(resource) = endpoint(kind) => {
                self.delete(call, resource, id).await
            }
            (method, _) => Err(not_an_operation(method, &op.path).into()),
        }
    }

    /// `POST /Bulk`.
    pub async fn bulk(&self, call: &ScimCall<'_>, body: &Value) -> Result<Value, ScimFailure> {
        let limits = ServerLimits::ROSTER;
        let (operations, fail_on_errors) = parse(body, &limits)?;
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut results: Vec<Option<Value>> = vec![None; operations.len()];
        let mut errors = 0usize;
        let mut pending: Vec<usize> = (0..operations.len()).collect();
        // Operations whose bulkId references are not created yet wait for a
        // later pass (RFC 7644 §3.7.2); what never resolves fails.
        'passes: loop {
            let mut waiting = Vec::new();
            let mut progressed = false;
            for index in pending {
                let op = &operations[index];
                let mut data = op.data.clone();
                // A path that names no endpoint fails at once.
                let resolved = match (&op.target, data.as_mut()) {
                    (None, _) => Ok(None),
                    (Some(target), data) => data
                        .map_or(Ok(()), |data| substitute(data, &ids))
                        .and_then(|()| substitute_path(target, &ids))
                        .map(Some),
                };
                let Ok(path) = resolved else {
                    waiting.push(index);
                    continue;
                };
                progressed = true;
                let op_call = ScimCall {
                    params: &[],
                    if_match: op.version.as_deref(),
                    if_none_match: None,
                    ..*call
                };
                let outcome = match path {
                    Some(path) => self.bulk_one(&op_call, op, &path, data.as_ref()).await,
                    None => Err(not_an_operation(&op.method, &op.path).into()),
                };
                let result = match outcome {
                    Ok(answer) => {
                        let mut result = Map::new();
                        result.insert("method".into(), json!(op.method));
                        if let Some(bulk_id) = &op.bulk_id {
                            result.insert("bulkId".into(), json!(bulk_id));
                        }
                        let status = answer.status_code().to_string();
                        if let ScimAnswer::Resource { body, .. } = &answer {
                            if let Some(location) = body.pointer("/meta/location") {
                                result.insert("location".into(), location.clone());
                            }
                            if let Some(version) = body.pointer("/meta/version") {
                                result.insert("version".into(), version.clone());
                            }
                            if let (Some(bulk_id), Some(id)) =
                                (&op.bulk_id, body.get("id").and_then(Value::as_str))
                            {
                                ids.insert(bulk_id.clone(), id.to_owned());
                            }
                        }
                        result.insert("status".into(), json!(status));
                        Value::Object(result)
                    }
                    Err(failure) => {
                        errors += 1;
                        error_result(op, &operation_error(failure))
                    }
                };
                results[index] = Some(result);
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break 'passes;
                }
            }
            if waiting.is_empty() {
                break;
            }
            if !progressed {
                for index in waiting {
                    let err = ScimError::new(
                        ScimStatus::Conflict,
                        Some(roster_scim::ScimType::InvalidValue),
                        "a bulkId this operation refers to is not created by any operation of the request (or the references are circular)",
                    );
                    results[index] = Some(error_result(&operations[index], &err));
                }
                break;
            }
            pending = waiting;
        }
        Ok(
            json!({ "schemas": [BULK_RESPONSE], "Operations": results.into_iter().flatten().collect::<Vec<_>>() }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_limits() {
        let mut ids = HashMap::new();
        ids.insert("u1".to_owned(), "1234".to_owned());
        let mut data = json!({ "members": [{ "value": "bulkId:u1" }, { "value": "plain" }] });
        substitute(&mut data, &ids).unwrap();
        assert_eq!(data["members"][0]["value"], "1234");
        assert_eq!(substitute(&mut json!("bulkId:nope"), &ids), Err("nope".to_owned()));
        for (path, want) in [
            ("/Users/bulkId:u1", Some("Users/1234")),
            ("/users/bulkId:u1/", Some("Users/1234")),
            ("/GROUPS/", Some("Groups")),
            ("Users/AbC", Some("Users/AbC")),
            ("/Users/AbC/bulkId:u1", Some("Users/AbC/bulkId:u1")),
            ("/Nothing/bulkId:u1", None),
            ("//Users", None),
        ] {
            let resolved = canonical_path(path).map(|path| substitute_path(&path, &ids).unwrap());
            assert_eq!(resolved.as_deref(), want, "{path}");
        }
        assert_eq!(substitute_path("Users/bulkId:nope", &ids), Err("nope".to_owned()));
        let small = ServerLimits { bulk_max_operations: 1, ..ServerLimits::ROSTER };
        let two = json!({ "schemas": [BULK_REQUEST], "Operations": [
            { "method": "DELETE", "path": "/Users/a" }, { "method": "DELETE", "path": "/Users/b" } ] });
        assert_eq!(parse(&two, &small).unwrap_err().status, ScimStatus::PayloadTooLarge);
        let no_bulk_id = json!({ "schemas": [BULK_REQUEST], "Operations": [{ "method": "POST", "path": "/Users", "data": {} }] });
        assert_eq!(
            parse(&no_bulk_id, &ServerLimits::ROSTER).unwrap_err().status,
            ScimStatus::BadRequest
        );
        assert!(parse(&json!({ "Operations": [] }), &ServerLimits::ROSTER).is_err());
    }
}
