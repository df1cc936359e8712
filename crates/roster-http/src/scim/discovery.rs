//! `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` (RFC 7644
//! §4), rendered from the definitions the server runs on. They need an
//! authenticated client like every other endpoint: the base URL a client
//! sees is where its resources live.

use roster_scim::schema::{
    ENTERPRISE_USER, GROUP, GROUP_RESOURCE, ResourceType, Schema, USER, USER_RESOURCE,
    resource_type_json, schema_json,
};
use roster_scim::{ScimError, ServerLimits, list_response, service_provider_config as config_json};
use serde_json::Value;

use super::extract::ResourceId;
use super::{ScimClient, ScimErrorReply, ScimReply};

const RESOURCE_TYPES: [&ResourceType; 2] = [&USER_RESOURCE, &GROUP_RESOURCE];
const SCHEMAS: [&Schema; 3] = [&USER, &ENTERPRISE_USER, &GROUP];
const DOCUMENTATION: &str = "https://github.com/roster/roster#readme";

/// The whole of a small fixed list, as one page.
fn list(resources: Vec<Value>) -> Value {
    let total = resources.len() as u64;
    list_response(resources, total, Some(1), None, None)
}

pub(super) async fn service_provider_config(client: ScimClient) -> ScimReply {
    let location = format!("{}/ServiceProviderConfig", client.base.0);
    ScimReply::ok(config_json(&ServerLimits::ROSTER, DOCUMENTATION, &location))
}

pub(super) async fn resource_types(client: ScimClient) -> ScimReply {
    let base = &client.base.0;
    ScimReply::ok(list(
        RESOURCE_TYPES
            .iter()
            .map(|rt| resource_type_json(rt, &format!("{base}/ResourceTypes/{}", rt.id)))
            .collect(),
    ))
}

pub(super) async fn resource_type(
    client: ScimClient,
    ResourceId(id): ResourceId,
) -> Result<ScimReply, ScimErrorReply> {
    let rt = RESOURCE_TYPES.iter().find(|rt| rt.id.eq_ignore_ascii_case(&id)).ok_or_else(|| {
        ScimError::not_found(format!("no resource type {id:?}: there are User and Group"))
    })?;
    Ok(ScimReply::ok(resource_type_json(rt, &format!("{}/ResourceTypes/{}", client.base.0, rt.id))))
}

pub(super) async fn schemas(client: ScimClient) -> ScimReply {
    let base = &client.base.0;
    ScimReply::ok(list(
        SCHEMAS
            .iter()
            .map(|schema| schema_json(schema, &format!("{base}/Schemas/{}", schema.id)))
            .collect(),
    ))
}

pub(super) async fn schema(
    client: ScimClient,
    ResourceId(id): ResourceId,
) -> Result<ScimReply, ScimErrorReply> {
    let schema = SCHEMAS
        .iter()
        .find(|schema| schema.id.eq_ignore_ascii_case(&id))
        .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))?;
    Ok(ScimReply::ok(schema_json(schema, &format!("{}/Schemas/{}", client.base.0, schema.id))))
}
