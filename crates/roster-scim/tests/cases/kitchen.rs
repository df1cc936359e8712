//! The resource types the data files name: the real User and Group, and
//! Kitchen, a test-only type with an attribute of every type and
//! characteristic the real schemas lack (integer, decimal, binary, an
//! immutable top-level attribute, a required extension, a required
//! sub-attribute, multi-valued simple attributes), so that the resource
//! and PATCH data can reach every branch of the engine.

use roster_scim::schema::{
    AttrType, Attribute, GROUP, GROUP_RESOURCE, Mutability, ResourceType, Returned, Schema,
    USER_RESOURCE,
};
use serde_json::Value;

const fn attr(name: &'static str) -> Attribute {
    Attribute::string(name, "A test attribute.")
}

pub static KITCHEN: Schema = Schema {
    id: "urn:example:scim:schemas:test:2.0:Kitchen",
    name: "Kitchen",
    description: "Every attribute type and characteristic",
    attributes: &[
        attr("label").required(),
        attr("code").case_exact(),
        attr("flag").of_type(AttrType::Boolean),
        attr("count").of_type(AttrType::Integer),
        attr("ratio").of_type(AttrType::Decimal),
        attr("born").of_type(AttrType::DateTime),
        attr("blob").of_type(AttrType::Binary),
        attr("link").references(&["external"]),
        attr("tags").multi(),
        attr("scores").of_type(AttrType::Integer).multi(),
        attr("stamp").mutability(Mutability::Immutable),
        attr("serial").mutability(Mutability::ReadOnly),
        attr("secret").mutability(Mutability::WriteOnly).returned(Returned::Never),
        attr("pair").complex(&[
            attr("left").required(),
            attr("right").mutability(Mutability::Immutable),
            attr("fixed").mutability(Mutability::ReadOnly),
        ]),
        attr("items").multi().complex(&[
            attr("value"),
            attr("kind"),
            attr("primary").of_type(AttrType::Boolean),
            attr("weight").of_type(AttrType::Integer),
        ]),
    ],
};

pub static EXTRA: Schema = Schema {
    id: "urn:example:scim:schemas:test:2.0:Extra",
    name: "Extra",
    description: "A required extension",
    attributes: &[attr("note").required(), attr("level").of_type(AttrType::Integer)],
};

pub static KITCHEN_RESOURCE: ResourceType = ResourceType {
    id: "Kitchen",
    name: "Kitchen",
    endpoint: "/Kitchens",
    description: "Every attribute type and characteristic",
    schema: &KITCHEN,
    extensions: &[(&EXTRA, true)],
};

/// The resource type a case names in its `type:` field.
pub fn type_named(name: &str) -> &'static ResourceType {
    match name {
        "User" => &USER_RESOURCE,
        "Group" => &GROUP_RESOURCE,
        "Kitchen" => &KITCHEN_RESOURCE,
        other => panic!("unknown resource type {other:?}"),
    }
}

/// The resource type of a resource, from its `schemas`: a resource that
/// lists neither the Group nor the Kitchen schema is taken for a User.
pub fn type_of(resource: &Value) -> &'static ResourceType {
    let listed = |urn: &str| {
        resource["schemas"].as_array().is_some_and(|list| list.iter().any(|s| s == urn))
    };
    if listed(GROUP.id) {
        &GROUP_RESOURCE
    } else if listed(KITCHEN.id) {
        &KITCHEN_RESOURCE
    } else {
        &USER_RESOURCE
    }
}
