//! Between SCIM resources (JSON in canonical form, see `roster-scim`) and
//! stored users and groups.
//!
//! User attributes with a place in SPEC §1 go to their columns: `userName`,
//! `name.formatted`/`givenName`/`familyName`, `displayName`, `timezone` (when
//! it is an IANA name), `active`, `externalId`, `emails` (the primary, else
//! the first work, else the first address is the user's e-mail) and the
//! enterprise `organization` (the company). Every other attribute is kept
//! as sent, in `scim_extra`, and returned.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use jiff::Timestamp;
use roster_domain::{DisplayText, Email, GroupId, GroupName, ProviderKind, TimeZoneName, Username};
use roster_scim::ScimError;
use roster_scim::schema::{ENTERPRISE_USER, GROUP, USER};
use roster_store::{Member, NamedMember, ScimGroup, ScimUser, StoredEmail};
use serde_json::{Map, Value, json};

use super::storable;
use crate::InternalError;

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

/// The attributes kept as sent (`scim_extra`): a JSON object this module
/// wrote. Anything else is corruption, reported rather than replaced by an
/// empty object, which would silently drop what the identity provider sent.
fn stored_extras(user: &ScimUser) -> Result<Map<String, Value>, InternalError> {
    let corrupt = |detail: String| InternalError::Corrupt {
        what: "the SCIM attributes of a user",
        detail: format!("user {}: {detail}", user.user.id),
    };
    match serde_json::from_str::<Value>(&user.extra) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(corrupt(format!("a JSON object was expected, not {other}"))),
        Err(err) => Err(corrupt(err.to_string())),
    }
}

/// A complex attribute kept in the extras: absent, or an object as
/// `user_fields` stored it.
fn stored_object(
    user: &ScimUser,
    extras: &mut Map<String, Value>,
    key: &str,
) -> Result<Map<String, Value>, InternalError> {
    match extras.remove(key) {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(InternalError::Corrupt {
            what: "the SCIM attributes of a user",
            detail: format!("user {}: {key} is {other}, not an object", user.user.id),
        }),
    }
}

/// The SCIM representation of a stored user.
pub fn user_resource(user: &ScimUser, base: &BaseUrl) -> Result<Value, InternalError> {
    let u = &user.user;
    let mut out = stored_extras(user)?;
    let mut name = stored_object(user, &mut out, "name")?;
    let text = |t: &Option<DisplayText>| t.as_ref().map(|t| Value::String(t.as_str().to_owned()));
    for (key, value) in
        [("formatted", &u.full_name), ("givenName", &u.first_name), ("familyName", &u.last_name)]
    {
        if let Some(value) = text(value) {
            name.insert(key.to_owned(), value);
        }
    }
    let mut enterprise = stored_object(user, &mut out, ENTERPRISE_USER.id)?;
    if let Some(company) = text(&u.company) {
        enterprise.insert("organization".to_owned(), company);
    }
    out.insert("id".into(), json!(u.id.as_str()));
    if let Some(external) = &u.external_id {
        out.insert("externalId".into(), json!(external));
    }
    out.insert("userName".into(), json!(u.username.as_str()));
    if !name.is_empty() {
        out.insert("name".into(), Value::Object(name));
    }
    if let Some(display) = text(&u.display_name) {
        out.insert("displayName".into(), display);
    }
    if let Some(zone) = &u.time_zone {
        out.insert("timezone".into(), json!(zone.as_str()));
    }
    out.insert("active".into(), json!(u.enabled));
    if !user.emails.is_empty() {
        let emails: Vec<Value> = user
            .emails
            .iter()
            .map(|email| {
                let mut e = Map::new();
                e.insert("value".into(), json!(email.value));
                if let Some(kind) = &email.kind {
                    e.insert("type".into(), json!(kind));
                }
                if email.primary {
                    e.insert("primary".into(), json!(true));
                }
                Value::Object(e)
            })
            .collect();
        out.insert("emails".into(), Value::Array(emails));
    }
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
    if !enterprise.is_empty() {
        schemas.push(json!(ENTERPRISE_USER.id));
        out.insert(ENTERPRISE_USER.id.to_owned(), Value::Object(enterprise));
    }
    out.insert("schemas".into(), Value::Array(schemas));
    out.insert(
        "meta".into(),
        meta("User", u.created_at, u.updated_at, base.user(u.id.as_str()), user.version),
    );
    Ok(Value::Object(out))
}

/// The stored fields a SCIM user resource carries.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub username: Username,
    pub full_name: Option<DisplayText>,
    pub first_name: Option<DisplayText>,
    pub last_name: Option<DisplayText>,
    pub display_name: Option<DisplayText>,
    pub time_zone: Option<TimeZoneName>,
    pub active: Option<bool>,
    pub external_id: Option<String>,
    pub company: Option<DisplayText>,
    pub emails: Vec<StoredEmail>,
    pub extra: String,
}

impl UserFields {
    /// Writes the fields onto a user, and its e-mail onto `email`.
    pub fn apply(self, user: &mut ScimUser, now: Timestamp) {
        let u = &mut user.user;
        u.username = self.username;
        u.full_name = self.full_name;
        u.first_name = self.first_name;
        u.last_name = self.last_name;
        u.display_name = self.display_name;
        u.time_zone = self.time_zone;
        if let Some(active) = self.active {
            u.enabled = active;
        }
        u.external_id = self.external_id;
        u.company = self.company;
        u.email = main_email(&self.emails);
        u.updated_at = now;
        user.emails = self.emails;
        user.extra = self.extra;
    }
}

/// The user's e-mail: the primary address, else the first work address,
/// else the first one.
fn main_email(emails: &[StoredEmail]) -> Option<Email> {
    emails
        .iter()
        .find(|e| e.primary)
        .or_else(|| {
            emails
                .iter()
                .find(|e| e.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("work")))
        })
        .or_else(|| emails.first())
        .and_then(|e| Email::parse(&e.value).ok())
}

fn take_string(map: &mut Map<String, Value>, key: &str) -> Option<String> {
    match map.remove(key) {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text),
        _ => None,
    }
}

fn display_text(path: &str, raw: Option<String>) -> Result<Option<DisplayText>, ScimError> {
    raw.map(|raw| {
        DisplayText::parse(&raw)
            .map_err(|err| ScimError::invalid_value(format!("{path}: {}", err.0)))
    })
    .transpose()
}

/// Splits a normalized User resource into stored fields.
pub fn user_fields(resource: &Value) -> Result<UserFields, ScimError> {
    storable::check(resource)?;
    let mut map = resource.as_object().cloned().unwrap_or_default();
    for key in ["schemas", "id", "meta", "groups", "password"] {
        map.remove(key);
    }
    let username = take_string(&mut map, "userName")
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let username = Username::parse(&username)
        .map_err(|err| ScimError::invalid_value(format!("userName: {}", err.0)))?;
    let mut name = match map.remove("name") {
        Some(Value::Object(name)) => name,
        _ => Map::new(),
    };
    let full_name = display_text("name.formatted", take_string(&mut name, "formatted"))?;
    let first_name = display_text("name.givenName", take_string(&mut name, "givenName"))?;
    let last_name = display_text("name.familyName", take_string(&mut name, "familyName"))?;
    if !name.is_empty() {
        map.insert("name".into(), Value::Object(name));
    }
    let display_name = display_text("displayName", take_string(&mut map, "displayName"))?;
    // A time zone that is not an IANA name is kept as sent, without
    // becoming the user's time zone.
    let time_zone = match map.get("timezone").and_then(Value::as_str).map(TimeZoneName::parse) {
        Some(Ok(zone)) => {
            map.remove("timezone");
            Some(zone)
        }
        _ => None,
    };
    let active = match map.remove("active") {
        Some(Value::Bool(active)) => Some(active),
        _ => None,
    };
    let external_id = storable::external_id(take_string(&mut map, "externalId").as_deref())?;
    let mut enterprise = match map.remove(ENTERPRISE_USER.id) {
        Some(Value::Object(ext)) => ext,
        _ => Map::new(),
    };
    let company = display_text(
        &format!("{}:organization", ENTERPRISE_USER.id),
        take_string(&mut enterprise, "organization"),
    )?;
    if !enterprise.is_empty() {
        map.insert(ENTERPRISE_USER.id.to_owned(), Value::Object(enterprise));
    }
    let emails = match map.remove("emails") {
        Some(Value::Array(items)) => emails(&items)?,
        _ => Vec::new(),
    };
    Ok(UserFields {
        username,
        full_name,
        first_name,
        last_name,
        display_name,
        time_zone,
        active,
        external_id,
        company,
        emails,
        extra: Value::Object(map).to_string(),
    })
}

/// The stored fields of a User resource as a provider of `kind` means them.
///
/// Entra ID (SPEC §2, the seeds' "User Fields Mapping"): the User
/// Principal Name is the username and the mail the e-mail; the full name
/// is the given and family name joined, or the username when both are
/// blank; displayName and the other profile attributes Entra sends
/// (title, phone numbers, addresses, department, manager ...) are ignored,
/// neither stored nor returned. What identifies and controls the user
/// (externalId, active) and the company (`organization`, SPEC §2) stay.
pub fn user_fields_for(kind: ProviderKind, resource: &Value) -> Result<UserFields, ScimError> {
    let fields = user_fields(resource)?;
    Ok(match kind {
        ProviderKind::EntraId => entra_id_fields(fields),
        _ => fields,
    })
}

fn entra_id_fields(fields: UserFields) -> UserFields {
    let joined = [&fields.first_name, &fields.last_name]
        .into_iter()
        .flatten()
        .map(DisplayText::as_str)
        .collect::<Vec<_>>()
        .join(" ");
    let full_name =
        DisplayText::parse(&joined).or_else(|_| DisplayText::parse(fields.username.as_str())).ok();
    UserFields { full_name, display_name: None, time_zone: None, extra: "{}".to_owned(), ..fields }
}

fn emails(items: &[Value]) -> Result<Vec<StoredEmail>, ScimError> {
    let mut out: Vec<StoredEmail> = Vec::with_capacity(items.len());
    // Where each address (ASCII case folded) is in `out`: a lookup, so that
    // thousands of addresses cost linear time.
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(value) = item.get("value").and_then(Value::as_str).filter(|v| !v.is_empty())
        else {
            continue;
        };
        if Email::parse(value).is_err() {
            return Err(ScimError::invalid_value(format!(
                "emails[{index}].value: {value:?} is not an e-mail address"
            )));
        }
        let email = StoredEmail {
            value: value.to_owned(),
            kind: item.get("type").and_then(Value::as_str).map(str::to_owned),
            primary: item.get("primary").and_then(Value::as_bool).unwrap_or(false),
        };
        // The same address twice is kept once (the first, or the primary).
        match seen.entry(email.value.to_ascii_lowercase()) {
            Entry::Occupied(at) => out[*at.get()].primary |= email.primary,
            Entry::Vacant(slot) => {
                slot.insert(out.len());
                out.push(email);
            }
        }
    }
    Ok(out)
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
    use roster_domain::{ProviderId, SiteId, User, UserId};

    use super::*;

    fn stored(extra: &str) -> ScimUser {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("bjensen").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.provisioned_by.provider = Some(ProviderId::from_raw("p1"));
        ScimUser {
            user,
            emails: Vec::new(),
            extra: extra.to_owned(),
            version: 3,
            groups: Vec::new(),
        }
    }

    #[test]
    fn corrupt_stored_attributes_are_an_internal_error_not_an_empty_object() {
        let base = BaseUrl("https://r.example/api/scim".into());
        for corrupt in ["not json", "[1, 2]", "\"text\"", ""] {
            let err = user_resource(&stored(corrupt), &base).unwrap_err();
            assert!(
                matches!(err, InternalError::Corrupt { ref detail, .. } if detail.contains("u1")),
                "{corrupt:?}: {err}"
            );
        }
        for corrupt in [
            r#"{"name": "x"}"#,
            r#"{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": []}"#,
        ] {
            let err = user_resource(&stored(corrupt), &base).unwrap_err();
            assert!(matches!(err, InternalError::Corrupt { .. }), "{corrupt}: {err}");
        }
        assert!(user_resource(&stored(r#"{"title": "Guide"}"#), &base).is_ok());
    }

    #[test]
    fn a_resource_round_trips_through_columns_and_extras() {
        let resource = json!({
            "schemas": [USER.id, ENTERPRISE_USER.id],
            "userName": "bjensen@example.com",
            "externalId": "00u1",
            "name": { "formatted": "Ms. Barbara J Jensen III", "givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane" },
            "displayName": "Babs",
            "title": "Tour Guide",
            "timezone": "America/Los_Angeles",
            "active": false,
            "emails": [
                { "value": "bjensen@home.example", "type": "home" },
                { "value": "bjensen@example.com", "type": "work", "primary": true }
            ],
            "phoneNumbers": [{ "value": "555-555-8377", "type": "work" }],
            ENTERPRISE_USER.id: { "organization": "Universal Studios", "department": "Tour Operations" }
        });
        let fields = user_fields(&resource).unwrap();
        assert_eq!(fields.username.as_str(), "bjensen@example.com");
        assert_eq!(fields.company.as_ref().unwrap().as_str(), "Universal Studios");
        assert_eq!(fields.active, Some(false));
        let mut user = stored("{}");
        fields.apply(&mut user, Timestamp::UNIX_EPOCH);
        assert_eq!(user.user.email.as_ref().unwrap().as_str(), "bjensen@example.com");
        assert!(!user.user.enabled);
        let back = user_resource(&user, &BaseUrl("https://r.example/api/scim".into())).unwrap();
        for key in [
            "userName",
            "externalId",
            "name",
            "displayName",
            "title",
            "timezone",
            "active",
            "emails",
            "phoneNumbers",
            ENTERPRISE_USER.id,
        ] {
            assert_eq!(back[key], resource[key], "{key}");
        }
        assert_eq!(back["schemas"], json!([USER.id, ENTERPRISE_USER.id]));
        assert_eq!(back["meta"]["version"], "W/\"3\"");
        assert_eq!(back["meta"]["location"], "https://r.example/api/scim/Users/u1");
    }

    #[test]
    fn odd_values_are_kept_or_refused_clearly() {
        let fields = user_fields(&json!({ "userName": "x", "timezone": "Pacific Standard Time", "name": { "givenName": "" } })).unwrap();
        assert_eq!(fields.time_zone, None);
        assert_eq!(fields.first_name, None);
        assert!(fields.extra.contains("Pacific Standard Time"));
        let err = user_fields(&json!({ "userName": "x", "emails": [{ "value": "not-mail" }] }))
            .unwrap_err();
        assert_eq!(err.status, roster_scim::ScimStatus::BadRequest);
        assert!(err.detail.contains("emails[0].value"), "{}", err.detail);
        assert!(user_fields(&json!({ "userName": " x" })).is_err());
        assert!(user_fields(&json!({})).is_err());
    }

    #[test]
    fn entra_id_keeps_the_mapped_attributes_only() {
        let resource = json!({
            "userName": "Test_User_1@contoso.com",
            "externalId": "e1",
            "active": false,
            "displayName": "Someone Else",
            "title": "Engineer",
            "timezone": "Europe/Paris",
            "name": { "givenName": "Test", "familyName": "User", "formatted": "Mr. Test User" },
            "emails": [{ "value": "test@contoso.com", "type": "work", "primary": true }],
            ENTERPRISE_USER.id: { "organization": "Contoso", "department": "Sales" }
        });
        let fields = user_fields_for(ProviderKind::EntraId, &resource).unwrap();
        assert_eq!(fields.full_name.as_ref().unwrap().as_str(), "Test User");
        assert_eq!(fields.display_name, None);
        assert_eq!(fields.time_zone, None);
        assert_eq!(fields.extra, "{}");
        assert_eq!(fields.company.as_ref().unwrap().as_str(), "Contoso");
        assert_eq!(fields.external_id.as_deref(), Some("e1"));
        assert_eq!(fields.active, Some(false));
        assert_eq!(fields.emails.len(), 1);
        // Other providers keep everything.
        let okta = user_fields_for(ProviderKind::Okta, &resource).unwrap();
        assert_eq!(okta.full_name.as_ref().unwrap().as_str(), "Mr. Test User");
        assert!(okta.extra.contains("Engineer"), "{}", okta.extra);

        let only_given = user_fields_for(
            ProviderKind::EntraId,
            &json!({ "userName": "a@contoso.com", "name": { "givenName": "Ann" } }),
        )
        .unwrap();
        assert_eq!(only_given.full_name.unwrap().as_str(), "Ann");
        let blank = user_fields_for(
            ProviderKind::EntraId,
            &json!({ "userName": "b@contoso.com", "name": { "givenName": " ", "familyName": "" } }),
        )
        .unwrap();
        assert_eq!(blank.full_name.unwrap().as_str(), "b@contoso.com");
    }

    #[test]
    fn the_main_email_is_primary_then_work_then_first() {
        let email = |value: &str, kind: Option<&str>, primary| StoredEmail {
            value: value.into(),
            kind: kind.map(Into::into),
            primary,
        };
        assert_eq!(
            main_email(&[email("a@x", Some("home"), false), email("b@x", Some("work"), false)])
                .unwrap()
                .as_str(),
            "b@x"
        );
        assert_eq!(
            main_email(&[email("a@x", Some("home"), false), email("c@x", None, true)])
                .unwrap()
                .as_str(),
            "c@x"
        );
        assert_eq!(main_email(&[email("a@x", Some("home"), false)]).unwrap().as_str(), "a@x");
        assert_eq!(main_email(&[]), None);
    }
}
