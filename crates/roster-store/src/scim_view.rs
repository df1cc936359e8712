//! A user's SCIM view as the store keeps it (migration 0007):
//!
//! - the attributes a SCIM client set (`users.scim_resource`), which the
//!   client reads back whatever the application made of them; or, for a
//!   user no SCIM client has written (an administrator associated it with
//!   a provider), the view derived from its columns ([`derived_attributes`]);
//! - that view in comparison form (`users.scim_match`, [`match_form`]): the
//!   strings of case-insensitive attributes folded in Rust, so that filters
//!   and sort keys compare the same on SQLite and PostgreSQL;
//! - its e-mails as rows (`user_emails`, [`email_rows`]), so that the
//!   identity providers' `emails.value eq` look-ups use an index.
//!
//! No SQL here: the `sql` module writes what these functions compute.

use roster_domain::{DisplayText, User};
use roster_scim::schema::{ENTERPRISE_USER, USER_RESOURCE};
use roster_scim::{comparison_form, fold};
use serde_json::{Map, Value};

/// The SCIM attributes of a user that no SCIM client has written, from its
/// columns: what SPEC §2 maps them from (userName, externalId, the name
/// parts, displayName, timezone, active, the enterprise organization).
pub fn derived_attributes(user: &User) -> Map<String, Value> {
    let text = |t: &Option<DisplayText>| t.as_ref().map(|t| Value::from(t.as_str()));
    let mut out = Map::new();
    out.insert("userName".into(), user.username.as_str().into());
    if let Some(external) = &user.external_id {
        out.insert("externalId".into(), external.as_str().into());
    }
    let name: Map<String, Value> = [
        ("formatted", &user.full_name),
        ("givenName", &user.first_name),
        ("familyName", &user.last_name),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key.to_owned(), text(value)?)))
    .collect();
    if !name.is_empty() {
        out.insert("name".into(), Value::Object(name));
    }
    if let Some(display) = text(&user.display_name) {
        out.insert("displayName".into(), display);
    }
    if let Some(zone) = &user.time_zone {
        out.insert("timezone".into(), zone.as_str().into());
    }
    out.insert("active".into(), user.enabled.into());
    if let Some(company) = text(&user.company) {
        let mut enterprise = Map::new();
        enterprise.insert("organization".into(), company);
        out.insert(ENTERPRISE_USER.id.into(), Value::Object(enterprise));
    }
    out
}

/// The attributes that columns and rows of their own serve in filters
/// (`username_key`, `external_id`, `user_emails`), left out of the
/// comparison form.
const SERVED_ELSEWHERE: &[&str] = &["userName", "externalId", "emails"];

/// The comparison form of a view, as the JSON text of `users.scim_match`.
pub fn match_form(view: &Map<String, Value>) -> String {
    let mut folded = comparison_form(&USER_RESOURCE, view);
    for key in SERVED_ELSEWHERE {
        folded.remove(*key);
    }
    Value::Object(folded).to_string()
}

/// One e-mail of a user as `user_emails` holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailRow {
    pub value: String,
    pub kind: Option<String>,
    pub primary: bool,
}

impl EmailRow {
    /// The value as filters compare it.
    pub fn value_key(&self) -> String {
        fold(&self.value)
    }

    /// The type as filters compare it.
    pub fn kind_key(&self) -> Option<String> {
        self.kind.as_deref().map(fold)
    }
}

/// The e-mails of a view in their order: each value with a string `value`
/// (valid address or not: a filter finds what the client reads back).
pub fn email_rows(view: &Map<String, Value>) -> Vec<EmailRow> {
    let Some(Value::Array(items)) = view.get("emails") else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let value = item.get("value")?.as_str()?;
            Some(EmailRow {
                value: value.to_owned(),
                kind: item.get("type").and_then(Value::as_str).map(str::to_owned),
                primary: item.get("primary") == Some(&Value::Bool(true)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use roster_domain::{SiteId, TimeZoneName, UserId, Username};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_user_without_a_resource_shows_its_columns() {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("Ärger@Example.com").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.first_name = Some(DisplayText::parse("Ödön").unwrap());
        user.company = Some(DisplayText::parse("ACME").unwrap());
        user.time_zone = Some(TimeZoneName::parse("Europe/Paris").unwrap());
        user.enabled = false;
        let view = derived_attributes(&user);
        assert_eq!(
            Value::Object(view.clone()),
            json!({
                "userName": "Ärger@Example.com",
                "name": { "givenName": "Ödön" },
                "timezone": "Europe/Paris",
                "active": false,
                ENTERPRISE_USER.id: { "organization": "ACME" }
            })
        );
        assert_eq!(
            serde_json::from_str::<Value>(&match_form(&view)).unwrap(),
            json!({
                "name": { "givenName": "ödön" },
                "timezone": "europe/paris",
                "active": false,
                ENTERPRISE_USER.id: { "organization": "acme" }
            })
        );
    }

    #[test]
    fn email_rows_keep_every_string_value_in_order() {
        let view = json!({ "emails": [
            { "value": "not an address", "type": "Work" },
            { "value": "B@X.example", "primary": true },
            { "type": "home" },
            { "value": "c@x.example", "primary": false }
        ] });
        let rows = email_rows(view.as_object().unwrap());
        let values: Vec<_> = rows.iter().map(|r| (r.value.as_str(), r.primary)).collect();
        assert_eq!(
            values,
            [("not an address", false), ("B@X.example", true), ("c@x.example", false)]
        );
        assert_eq!(rows[0].kind_key().as_deref(), Some("work"));
        assert_eq!(rows[1].value_key(), "b@x.example");
    }
}
