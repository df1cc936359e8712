//! `/Schemas` and `/ResourceTypes` representations (RFC 7643 §6, §7),
//! rendered from the definitions so that they cannot drift apart.

use serde_json::{Map, Value, json};

use super::{Attribute, ResourceType, Schema};

fn attribute_json(attr: &Attribute) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), json!(attr.name));
    out.insert("type".into(), json!(attr.kind.as_str()));
    out.insert("multiValued".into(), json!(attr.multi_valued));
    out.insert("description".into(), json!(attr.description));
    out.insert("required".into(), json!(attr.required));
    if !attr.sub_attributes.is_empty() {
        out.insert(
            "subAttributes".into(),
            Value::Array(attr.sub_attributes.iter().map(attribute_json).collect()),
        );
    } else {
        out.insert("caseExact".into(), json!(attr.case_exact));
    }
    if !attr.canonical_values.is_empty() {
        out.insert("canonicalValues".into(), json!(attr.canonical_values));
    }
    if !attr.reference_types.is_empty() {
        out.insert("referenceTypes".into(), json!(attr.reference_types));
    }
    out.insert("mutability".into(), json!(attr.mutability.as_str()));
    out.insert("returned".into(), json!(attr.returned.as_str()));
    out.insert("uniqueness".into(), json!(attr.uniqueness.as_str()));
    Value::Object(out)
}

/// A schema resource; `location` is the absolute URL it is served at.
pub fn schema_json(schema: &Schema, location: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": schema.id,
        "name": schema.name,
        "description": schema.description,
        "attributes": schema.attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        "meta": { "resourceType": "Schema", "location": location },
    })
}

/// A resource type resource; `location` is the absolute URL it is served at.
pub fn resource_type_json(resource: &ResourceType, location: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": resource.id,
        "name": resource.name,
        "endpoint": resource.endpoint,
        "description": resource.description,
        "schema": resource.schema.id,
        "schemaExtensions": resource
            .extensions
            .iter()
            .map(|(schema, required)| json!({ "schema": schema.id, "required": required }))
            .collect::<Vec<_>>(),
        "meta": { "resourceType": "ResourceType", "location": location },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GROUP, USER, USER_RESOURCE};

    #[test]
    fn schemas_render_every_characteristic() {
        let user = schema_json(&USER, "https://x/Schemas/u");
        let attrs = user["attributes"].as_array().unwrap();
        let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
        assert_eq!(user_name["required"], true);
        assert_eq!(user_name["caseExact"], false);
        assert_eq!(user_name["uniqueness"], "server");
        let emails = attrs.iter().find(|a| a["name"] == "emails").unwrap();
        assert_eq!(emails["multiValued"], true);
        assert_eq!(emails["type"], "complex");
        assert!(emails.get("caseExact").is_none());
        assert_eq!(emails["subAttributes"].as_array().unwrap().len(), 4);
        let group = schema_json(&GROUP, "https://x/Schemas/g");
        assert_eq!(group["id"], "urn:ietf:params:scim:schemas:core:2.0:Group");
        let rt = resource_type_json(&USER_RESOURCE, "https://x/ResourceTypes/User");
        assert_eq!(rt["schemaExtensions"][0]["required"], false);
        assert_eq!(rt["endpoint"], "/Users");
    }
}
