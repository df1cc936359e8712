//! What the application makes of a SCIM User: the user's profile fields
//! (SPEC §1) from the resource a client wrote, per provider kind. The
//! resource itself is kept as written and is what the client reads back
//! (issue 16 §2); this module decides only the columns the application
//! uses.
//!
//! Every kind but Entra ID:
//!
//! - the full name is `name.formatted`, else the given and family names
//!   joined; first and last name are `name.givenName` and
//!   `name.familyName`; the display name is `displayName`;
//! - the time zone is `timezone` when it is an IANA name;
//! - the company is the enterprise extension's `organization`.
//!
//! Entra ID (SPEC §2, the seeds' "User Fields Mapping"): the full name is
//! the given and family names joined, or the username when both are
//! blank; `displayName`, `timezone` and the other profile attributes do
//! not reach the profile (they are still kept and returned).
//!
//! For every kind the username is `userName` (the User Principal Name for
//! Entra ID), the e-mail is the first valid address among the `emails`,
//! preferring the primary one, then the work ones (an address that is not
//! valid is kept in the resource, RFC 7643 §4.1.2 says SHOULD, but never
//! becomes the e-mail), `active` and `externalId` are the user's state and
//! external id, and a `password` is handed to the caller, never stored in
//! the resource.

use jiff::Timestamp;
use roster_domain::{DisplayText, Email, ProviderKind, Secret, TimeZoneName, Username};
use roster_scim::ScimError;
use roster_scim::schema::ENTERPRISE_USER;
use roster_store::ScimUser;
use serde_json::{Map, Value};

use super::storable;

/// The longest password an identity provider may sync, in characters, as
/// for an administrator; its own policy decides the shortest.
const MAX_PASSWORD_CHARS: usize = 1024;

/// The members of a resource that the server owns or never keeps: they
/// are not part of what a client set.
const NOT_KEPT: &[&str] = &["schemas", "id", "meta", "groups", "password"];

/// The application's profile fields of a user.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    pub full_name: Option<DisplayText>,
    pub first_name: Option<DisplayText>,
    pub last_name: Option<DisplayText>,
    pub display_name: Option<DisplayText>,
    pub time_zone: Option<TimeZoneName>,
    pub company: Option<DisplayText>,
    pub email: Option<Email>,
}

/// A User resource as a provider's client wrote it, split into what the
/// application uses and what is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub username: Username,
    pub profile: Profile,
    /// `None`: unassigned, which means enabled.
    pub active: Option<bool>,
    pub external_id: Option<String>,
    /// A password the identity provider synced (Okta's password sync):
    /// it sets the local password of a user who signs in with one, and is
    /// ignored for an SSO user.
    pub password: Option<Secret>,
    /// The attributes to keep and return, without those of [`NOT_KEPT`].
    pub resource: Map<String, Value>,
}

impl UserFields {
    /// Writes the fields onto a user: its profile, state and external id,
    /// and the resource its client reads back. The password is the
    /// caller's.
    pub fn apply(self, user: &mut ScimUser, now: Timestamp) {
        let u = &mut user.user;
        let Profile { full_name, first_name, last_name, display_name, time_zone, company, email } =
            self.profile;
        u.username = self.username;
        u.full_name = full_name;
        u.first_name = first_name;
        u.last_name = last_name;
        u.display_name = display_name;
        u.time_zone = time_zone;
        u.company = company;
        u.email = email;
        // Unassigned (never set, or removed) means enabled (README).
        u.enabled = self.active.unwrap_or(true);
        u.external_id = self.external_id;
        u.updated_at = now;
        user.resource = Some(self.resource);
    }
}

/// A string member, unless blank.
fn text_at<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    map.get(key).and_then(Value::as_str).filter(|text| !text.trim().is_empty())
}

fn object_at<'v>(map: &'v Map<String, Value>, key: &str) -> Option<&'v Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

/// A profile text from `path`; one the profile cannot hold is refused,
/// naming the place.
fn display_text(path: &str, raw: Option<&str>) -> Result<Option<DisplayText>, ScimError> {
    raw.map(|raw| {
        DisplayText::parse(raw)
            .map_err(|err| ScimError::invalid_value(format!("{path}: {}", err.0)))
    })
    .transpose()
}

/// The given and family names joined by a space, when there is one.
fn joined(first: Option<&DisplayText>, last: Option<&DisplayText>) -> Option<DisplayText> {
    let parts: Vec<&str> = [first, last].into_iter().flatten().map(DisplayText::as_str).collect();
    // Two parts within the limit may pass it together: no full name then,
    // rather than a refusal of names each valid.
    DisplayText::parse(&parts.join(" ")).ok()
}

/// The user's e-mail: the first valid address, the primary one first,
/// then the work ones, then the others in order.
pub fn main_email(resource: &Map<String, Value>) -> Option<Email> {
    let items = resource.get("emails").and_then(Value::as_array)?;
    let valid = |item: &&Value| {
        item.get("value").and_then(Value::as_str).and_then(|value| Email::parse(value).ok())
    };
    let primary = |item: &&Value| item.get("primary") == Some(&Value::Bool(true));
    let work = |item: &&Value| {
        item.get("type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("work"))
    };
    let ranked =
        items.iter().filter(primary).chain(items.iter().filter(|i| !primary(i) && work(i)));
    ranked.chain(items.iter()).find_map(|item| valid(&item))
}

/// The password a resource carries, if any.
fn password(resource: &Map<String, Value>) -> Result<Option<Secret>, ScimError> {
    let Some(raw) = resource.get("password").and_then(Value::as_str).filter(|p| !p.is_empty())
    else {
        return Ok(None);
    };
    if raw.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ScimError::invalid_value(format!(
            "password: at most {MAX_PASSWORD_CHARS} characters"
        )));
    }
    Ok(Some(Secret::new(raw)))
}

/// Splits a normalized User resource into stored fields as a provider of
/// `kind` means them.
pub fn user_fields_for(kind: ProviderKind, resource: &Value) -> Result<UserFields, ScimError> {
    storable::check(resource)?;
    let empty = Map::new();
    let map = resource.as_object().unwrap_or(&empty);
    let username =
        text_at(map, "userName").ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let username = Username::parse(username)
        .map_err(|err| ScimError::invalid_value(format!("userName: {}", err.0)))?;
    let active = map.get("active").and_then(Value::as_bool);
    let external_id = storable::external_id(map.get("externalId").and_then(Value::as_str))?;
    let password = password(map)?;
    let profile = match kind {
        ProviderKind::EntraId => entra_id_profile(map, &username)?,
        ProviderKind::Okta
        | ProviderKind::JumpCloud
        | ProviderKind::OneLogin
        | ProviderKind::Duo
        | ProviderKind::Ldap
        | ProviderKind::Saml
        | ProviderKind::Oidc => profile(map)?,
    };
    let resource = map.iter().filter(|(key, _)| !NOT_KEPT.contains(&key.as_str()));
    Ok(UserFields {
        username,
        profile,
        active,
        external_id,
        password,
        resource: resource.map(|(key, value)| (key.clone(), value.clone())).collect(),
    })
}

fn names(
    map: &Map<String, Value>,
) -> Result<(Option<DisplayText>, Option<DisplayText>), ScimError> {
    let name = object_at(map, "name");
    let part = |key: &str| name.and_then(|name| text_at(name, key));
    Ok((
        display_text("name.givenName", part("givenName"))?,
        display_text("name.familyName", part("familyName"))?,
    ))
}

fn company(map: &Map<String, Value>) -> Result<Option<DisplayText>, ScimError> {
    let organization = object_at(map, ENTERPRISE_USER.id).and_then(|e| text_at(e, "organization"));
    display_text(&format!("{}:organization", ENTERPRISE_USER.id), organization)
}

fn profile(map: &Map<String, Value>) -> Result<Profile, ScimError> {
    let (first_name, last_name) = names(map)?;
    let formatted = object_at(map, "name").and_then(|name| text_at(name, "formatted"));
    let full_name = match display_text("name.formatted", formatted)? {
        Some(full) => Some(full),
        None => joined(first_name.as_ref(), last_name.as_ref()),
    };
    Ok(Profile {
        full_name,
        first_name,
        last_name,
        display_name: display_text("displayName", text_at(map, "displayName"))?,
        // A time zone that is not an IANA name stays in the resource only.
        time_zone: text_at(map, "timezone").and_then(|zone| TimeZoneName::parse(zone).ok()),
        company: company(map)?,
        email: main_email(map),
    })
}

fn entra_id_profile(map: &Map<String, Value>, username: &Username) -> Result<Profile, ScimError> {
    let (first_name, last_name) = names(map)?;
    let full_name = joined(first_name.as_ref(), last_name.as_ref())
        .or_else(|| DisplayText::parse(username.as_str()).ok());
    Ok(Profile {
        full_name,
        first_name,
        last_name,
        display_name: None,
        time_zone: None,
        company: company(map)?,
        email: main_email(map),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn full(kind: ProviderKind, resource: Value) -> Option<String> {
        user_fields_for(kind, &resource).unwrap().profile.full_name.map(|n| n.as_str().to_owned())
    }

    #[test]
    fn the_full_name_is_formatted_else_the_parts_joined_for_every_kind() {
        let parts =
            json!({ "userName": "a", "name": { "givenName": "Ada", "familyName": "Lovelace" } });
        for kind in [ProviderKind::Okta, ProviderKind::JumpCloud, ProviderKind::Saml] {
            assert_eq!(full(kind, parts.clone()).as_deref(), Some("Ada Lovelace"), "{kind:?}");
        }
        let formatted =
            json!({ "userName": "a", "name": { "formatted": "Countess Ada", "givenName": "Ada" } });
        assert_eq!(full(ProviderKind::Okta, formatted.clone()).as_deref(), Some("Countess Ada"));
        assert_eq!(full(ProviderKind::Okta, json!({ "userName": "a" })), None);
        // Entra ID: the parts, else the username; name.formatted is not used.
        assert_eq!(full(ProviderKind::EntraId, formatted).as_deref(), Some("Ada"));
        assert_eq!(
            full(
                ProviderKind::EntraId,
                json!({ "userName": "u@contoso.com", "name": { "givenName": " " } })
            )
            .as_deref(),
            Some("u@contoso.com")
        );
        // Parts each valid but too long together: no full name, no refusal.
        let long = "x".repeat(200);
        assert_eq!(
            full(
                ProviderKind::Okta,
                json!({ "userName": "a", "name": { "givenName": long, "familyName": long } })
            ),
            None
        );
    }

    #[test]
    fn entra_id_decides_the_profile_and_keeps_the_resource() {
        let resource = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "ignored",
            "userName": "Test_User_1@contoso.com",
            "externalId": "e1",
            "active": false,
            "displayName": "Someone Else",
            "title": "Engineer",
            "timezone": "Europe/Paris",
            "password": "Secret-1",
            "name": { "givenName": "Test", "familyName": "User", "formatted": "Mr. Test User" },
            "emails": [{ "value": "test@contoso.com", "type": "work", "primary": true }],
            ENTERPRISE_USER.id: { "organization": "Contoso", "department": "Sales" }
        });
        let fields = user_fields_for(ProviderKind::EntraId, &resource).unwrap();
        assert_eq!(fields.profile.full_name.as_ref().unwrap().as_str(), "Test User");
        assert_eq!(fields.profile.display_name, None);
        assert_eq!(fields.profile.time_zone, None);
        assert_eq!(fields.profile.company.as_ref().unwrap().as_str(), "Contoso");
        assert_eq!(fields.profile.email.as_ref().unwrap().as_str(), "test@contoso.com");
        assert_eq!(fields.external_id.as_deref(), Some("e1"));
        assert_eq!(fields.active, Some(false));
        assert_eq!(fields.password.as_ref().map(Secret::expose), Some("Secret-1"));
        let mut kept = resource.as_object().unwrap().clone();
        for key in NOT_KEPT {
            kept.remove(*key);
        }
        assert_eq!(fields.resource, kept, "everything the client set is kept");
        let okta = user_fields_for(ProviderKind::Okta, &resource).unwrap();
        assert_eq!(okta.profile.full_name.as_ref().unwrap().as_str(), "Mr. Test User");
        assert_eq!(okta.profile.display_name.as_ref().unwrap().as_str(), "Someone Else");
        assert_eq!(okta.profile.time_zone.as_ref().unwrap().as_str(), "Europe/Paris");
        assert_eq!(okta.resource, kept);
    }

    #[test]
    fn the_email_is_the_first_valid_address_primary_then_work_first() {
        let email = |emails: Value| {
            main_email(json!({ "emails": emails }).as_object().unwrap())
                .map(|e| e.as_str().to_owned())
        };
        assert_eq!(
            email(json!([{ "value": "a@x", "type": "home" }, { "value": "b@x", "type": "work" }]))
                .as_deref(),
            Some("b@x")
        );
        assert_eq!(
            email(json!([{ "value": "a@x", "type": "home" }, { "value": "c@x", "primary": true }]))
                .as_deref(),
            Some("c@x")
        );
        assert_eq!(
            email(json!([{ "value": "not mail", "primary": true }, { "value": "d@x" }])).as_deref(),
            Some("d@x")
        );
        assert_eq!(email(json!([{ "value": "not mail" }, { "value": "also not" }])), None);
        assert_eq!(email(json!([])), None);
    }

    #[test]
    fn only_what_the_profile_cannot_hold_is_refused() {
        // Invalid addresses, odd time zones and long titles are kept.
        let fields = user_fields_for(
            ProviderKind::Okta,
            &json!({ "userName": "x", "emails": [{ "value": "not-mail" }], "timezone": "Pacific Standard Time", "title": "t".repeat(300) }),
        )
        .unwrap();
        assert_eq!(fields.profile.email, None);
        assert_eq!(fields.profile.time_zone, None);
        assert_eq!(fields.resource["emails"], json!([{ "value": "not-mail" }]));
        for bad in [
            json!({}),
            json!({ "userName": " " }),
            json!({ "userName": " x" }),
            json!({ "userName": "x", "displayName": "a\u{7}b" }),
            json!({ "userName": "x", "password": "p".repeat(1025) }),
        ] {
            let err = user_fields_for(ProviderKind::Okta, &bad).unwrap_err();
            assert_eq!(err.status, roster_scim::ScimStatus::BadRequest, "{bad}");
        }
        // Entra ID's displayName does not reach the profile: not checked.
        assert!(
            user_fields_for(
                ProviderKind::EntraId,
                &json!({ "userName": "x", "displayName": "a\u{7}b" })
            )
            .is_ok()
        );
    }
}
