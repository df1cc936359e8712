//! Between stored users and groups and the SCIM resources their clients
//! read (JSON in canonical form, see `roster-scim`).
//!
//! A user is the attributes its client set (`ScimUser::resource`, or the
//! view derived from its columns for a user no client has written), with
//! what the server owns put over them: `id`, `meta`, `schemas`, `groups`,
//! and the user's state where the application holds it (`userName` and
//! `externalId` as stored, `active` as the user is; `active` is shown when
//! the client assigned it or when the user is disabled, since unassigned
//! means enabled). What the application makes of the attributes is
//! `profile`'s.

use jiff::Timestamp;
use roster_domain::{GroupId, GroupName};
use roster_scim::ScimError;
use roster_scim::schema::{ENTERPRISE_USER, GROUP, USER};
use roster_store::{Member, NamedMember, ScimGroup, ScimUser};
use serde_json::{Map, Value, json};

use super::storable;

/// Where resources are served, for `meta.location` and `$ref`.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    fn user(&self, id: &str) -> String {
        format!("{}/Users/{id}", self.0)
    }

    fn group(&self, id: &str) -> String {
        format!("{}/Groups/{id}", self.0)
    }
}

fn meta(
    resource_type: &str,
    created: Timestamp,
    modified: Timestamp,
    location: String,
    version: i64,
) -> Value {
    json!({
        "resourceType": resource_type,
        "created": created.to_string(),
        "lastModified": modified.to_string(),
        "location": location,
        "version": roster_scim::etag(version),
    })
}

/// The `active` a client reads: the user's state, shown when the client
/// assigned `active` or when the user is disabled (unassigned means
/// enabled, so an enabled user whose `active` was removed shows none).
pub fn shown_active(user: &ScimUser) -> Option<bool> {
    (user.attributes().contains_key("active") || !user.user.enabled).then_some(user.user.enabled)
}

/// The SCIM representation of a stored user.
pub fn user_resource(user: &ScimUser, base: &BaseUrl) -> Value {
    let u = &user.user;
    let mut out = user.attributes().into_owned();
    out.insert("id".into(), json!(u.id.as_str()));
    out.insert("userName".into(), json!(u.username.as_str()));
    match &u.external_id {
        Some(external) => out.insert("externalId".into(), json!(external)),
        None => out.remove("externalId"),
    };
    match shown_active(user) {
        Some(active) => out.insert("active".into(), json!(active)),
        None => out.remove("active"),
    };
    out.remove("groups");
    if !user.groups.is_empty() {
        let groups: Vec<Value> = user
            .groups
            .iter()
            .map(|(id, name)| {
                json!({
                    "value": id.as_str(),
                    "$ref": base.group(id.as_str()),
                    "display": name.as_str(),
                    "type": "direct",
                })
            })
            .collect();
        out.insert("groups".into(), Value::Array(groups));
    }
    let mut schemas = vec![json!(USER.id)];
    if out.get(ENTERPRISE_USER.id).and_then(Value::as_object).is_some_and(|e| !e.is_empty()) {
        schemas.push(json!(ENTERPRISE_USER.id));
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert(
        "meta".into(),
        meta("User", u.created_at, u.updated_at, base.user(u.id.as_str()), user.version),
    );
    Value::Object(out)
}

/// The SCIM representation of a stored group; `members` is `None` when
/// they were not loaded (excluded from the response).
pub fn group_resource(group: &ScimGroup, members: Option<&[NamedMember]>, base: &BaseUrl) -> Value {
    let g = &group.group;
    let mut out = Map::new();
    out.insert("schemas".into(), json!([GROUP.id]));
    out.insert("id".into(), json!(g.id.as_str()));
    if let Some(external) = &group.external_id {
        out.insert("externalId".into(), json!(external));
    }
    out.insert("displayName".into(), json!(g.name.as_str()));
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        let members: Vec<Value> = members
            .iter()
            .map(|m| match &m.member {
                Member::User(id) => json!({
                    "value": id.as_str(),
                    "$ref": base.user(id.as_str()),
                    "display": m.display,
                    "type": "User",
                }),
                Member::Group(id) => json!({
                    "value": id.as_str(),
                    "$ref": base.group(id.as_str()),
                    "display": m.display,
                    "type": "Group",
                }),
            })
            .collect();
        out.insert("members".into(), Value::Array(members));
    }
    out.insert(
        "meta".into(),
        meta("Group", g.created_at, g.updated_at, base.group(g.id.as_str()), group.version),
    );
    Value::Object(out)
}

/// The name and external id of a normalized Group resource.
pub fn group_fields(resource: &Value) -> Result<(GroupName, Option<String>), ScimError> {
    storable::check(resource)?;
    let name = resource
        .get("displayName")
        .and_then(Value::as_str)
        .ok_or_else(|| ScimError::invalid_value("displayName is required"))?;
    let name = GroupName::parse(name)
        .map_err(|err| ScimError::invalid_value(format!("displayName: {}", err.0)))?;
    let external = storable::external_id(resource.get("externalId").and_then(Value::as_str))?;
    Ok((name, external))
}

/// The members a Group resource lists, as typed references. A member's
/// `type` says whether it is a user or a group; without it, the caller
/// decides by looking the id up (Okta sends no type).
pub fn member_refs(resource: &Value) -> Vec<(String, Option<String>)> {
    resource
        .get("members")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let value = item.get("value").and_then(Value::as_str)?;
                    let kind = item.get("type").and_then(Value::as_str).map(str::to_owned);
                    Some((value.to_owned(), kind))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A member id as a typed member, trusting an explicit `type`.
pub fn typed_member(id: &str, kind: Option<&str>) -> Option<Member> {
    match kind.map(str::to_ascii_lowercase).as_deref() {
        Some("user") => Some(Member::User(roster_domain::UserId::from_raw(id))),
        Some("group") => Some(Member::Group(GroupId::from_raw(id))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use roster_domain::{ProviderId, SiteId, User, UserId, Username};

    use super::*;

    fn stored(resource: Option<Value>, enabled: bool) -> ScimUser {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("bjensen").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.provisioned_by.provider = Some(ProviderId::from_raw("p1"));
        user.enabled = enabled;
        ScimUser {
            user,
            resource: resource.map(|r| r.as_object().unwrap().clone()),
            version: 3,
            groups: vec![(GroupId::from_raw("g1"), GroupName::parse("Staff").unwrap())],
        }
    }

    #[test]
    fn a_user_is_what_its_client_set_with_the_server_attributes_over_it() {
        let base = BaseUrl("https://r.example/api/scim".into());
        let resource = json!({
            "userName": "BJENSEN",
            "externalId": "stale",
            "displayName": "Babs",
            "nickName": "B",
            "name": { "formatted": "Ms. Barbara J Jensen III", "middleName": "Jane" },
            "emails": [{ "value": "not an address", "primary": false }],
            "groups": [{ "value": "forged" }],
            ENTERPRISE_USER.id: { "department": "Tours" }
        });
        let back = user_resource(&stored(Some(resource.clone()), true), &base);
        for key in ["displayName", "nickName", "name", "emails", ENTERPRISE_USER.id] {
            assert_eq!(back[key], resource[key], "{key}");
        }
        assert_eq!(back["userName"], "bjensen", "the username as stored");
        assert!(back.get("externalId").is_none(), "the external id as stored");
        assert!(back.get("active").is_none(), "unassigned: enabled, not shown");
        assert_eq!(back["groups"][0]["display"], "Staff");
        assert_eq!(back["schemas"], json!([USER.id, ENTERPRISE_USER.id]));
        assert_eq!(back["meta"]["version"], "W/\"3\"");
        assert_eq!(back["meta"]["location"], "https://r.example/api/scim/Users/u1");
        // A disabled user shows it, whatever the client assigned.
        let disabled = user_resource(&stored(Some(resource), false), &base);
        assert_eq!(disabled["active"], false);
        let assigned = user_resource(&stored(Some(json!({ "active": false })), true), &base);
        assert_eq!(assigned["active"], true, "the state the options kept");
        // A user no client wrote shows its columns.
        let derived = user_resource(&stored(None, true), &base);
        assert_eq!(derived["userName"], "bjensen");
        assert_eq!(derived["active"], true);
        assert_eq!(derived["schemas"], json!([USER.id]));
    }
}
