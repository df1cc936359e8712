//! Users written before migration 0007, completed when the store opens.
//!
//! The comparison form of a user's SCIM view (`users.scim_match`) folds
//! case in Rust, which no SQL migration can do alike on both databases, so
//! rows from before it are completed here, in batches, one transaction
//! each, until none is left (a later start finds none and reads one empty
//! page). A user a SCIM client had written then kept its attributes in
//! columns, `users.scim_extra` and `user_emails`; those are joined into the
//! resource it now keeps (`users.scim_resource`), exactly as the client
//! read them back, so that nothing it sent is lost. Any other user gets
//! the comparison form of the view derived from its columns. Every user
//! gets its folded e-mail (`users.email_key`). Instances of one PostgreSQL
//! database that start together share the work (`SKIP LOCKED`), and the
//! work is idempotent.

use roster_domain::{DisplayText, ProvisioningMethod, User};
use roster_scim::schema::ENTERPRISE_USER;
use serde_json::{Map, Value};
use sqlx::{AnyPool, AssertSqlSafe};

use super::row::Cols;
use super::scim_users::stored_resource;
use super::users::{email_key, user_from};
use super::{Dialect, Store, Tx};
use crate::scim_view::{derived_attributes, match_form};
use crate::{StoreError, Transaction};

/// Users completed per transaction.
const BATCH: i64 = 500;

/// Completes every user without a comparison form; returns how many.
pub(super) async fn complete(dialect: Dialect, writer: &AnyPool) -> Result<u64, StoreError> {
    let store = Store::new(dialect, writer.clone(), writer.clone());
    let mut total = 0;
    loop {
        let mut tx = store.write().await?;
        let done = tx.complete_batch().await?;
        tx.commit().await?;
        if done == 0 {
            break;
        }
        total += done;
    }
    if total > 0 {
        tracing::info!(users = total, "completed the SCIM views of users stored before 0007");
    }
    Ok(total)
}

/// One e-mail row as migration 0002 stored it.
struct LegacyEmail {
    value: String,
    kind: Option<String>,
    primary: bool,
}

impl Tx {
    async fn complete_batch(&mut self) -> Result<u64, StoreError> {
        // Instances of one PostgreSQL database starting together take
        // different rows: one that rewrote a user's e-mail rows while
        // another did would collide on their keys. SQLite has one writer.
        let lock = match self.dialect {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "SELECT {}, scim_extra, scim_resource FROM users WHERE scim_match IS NULL \
             LIMIT {BATCH}{lock}",
            user_columns!()
        );
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.conn()).await?;
        for row in &rows {
            let user = user_from(row)?;
            let extra = Cols(row).text("scim_extra")?;
            let mut resource = stored_resource(row, &user.id)?;
            let emails = self.legacy_emails(&user).await?;
            let written_by_scim = user.provisioned_by.method == ProvisioningMethod::Scim
                || extra.trim() != "{}"
                || !emails.is_empty();
            if resource.is_none() && written_by_scim {
                resource = Some(legacy_resource(&user, &extra, &emails)?);
            }
            let view = match &resource {
                Some(resource) => resource.clone(),
                None => derived_attributes(&user),
            };
            sqlx::query(
                "UPDATE users SET scim_resource = $3, scim_match = $4, email_key = $5 \
                 WHERE site_id = $1 AND id = $2",
            )
            .bind(user.site_id.as_str())
            .bind(user.id.as_str())
            .bind(resource.map(|r| Value::Object(r).to_string()))
            .bind(match_form(&view))
            .bind(email_key(&user))
            .execute(self.conn())
            .await?;
            // The rows again, with the folded types 0007 added.
            self.write_emails(&user.site_id, &user.id, &view).await?;
        }
        Ok(rows.len() as u64)
    }

    async fn legacy_emails(&mut self, user: &User) -> Result<Vec<LegacyEmail>, StoreError> {
        let rows = sqlx::query(
            "SELECT value, kind, is_primary FROM user_emails WHERE site_id = $1 AND user_id = $2 \
             ORDER BY position",
        )
        .bind(user.site_id.as_str())
        .bind(user.id.as_str())
        .fetch_all(self.conn())
        .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok(LegacyEmail {
                    value: c.text("value")?,
                    kind: c.opt_text("kind")?,
                    primary: c.flag("is_primary")?,
                })
            })
            .collect()
    }
}

/// The resource a SCIM client read back before 0007: the columns, the
/// e-mail rows and the extras of `scim_extra` (whose `name` and enterprise
/// objects hold the parts without a column).
fn legacy_resource(
    user: &User,
    extra: &str,
    emails: &[LegacyEmail],
) -> Result<Map<String, Value>, StoreError> {
    let corrupt = |detail: String| {
        StoreError::Corrupt(format!("the SCIM attributes of user {}: {detail}", user.id))
    };
    let mut out = match serde_json::from_str::<Value>(extra) {
        Ok(Value::Object(map)) => map,
        Ok(other) => return Err(corrupt(format!("a JSON object was expected, not {other}"))),
        Err(err) => return Err(corrupt(err.to_string())),
    };
    let mut object = |key: &str| match out.remove(key) {
        None => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(other) => Err(corrupt(format!("{key} is {other}, not an object"))),
    };
    let mut name = object("name")?;
    let mut enterprise = object(ENTERPRISE_USER.id)?;
    let text = |t: &Option<DisplayText>| t.as_ref().map(|t| Value::from(t.as_str()));
    for (key, value) in [
        ("formatted", &user.full_name),
        ("givenName", &user.first_name),
        ("familyName", &user.last_name),
    ] {
        if let Some(value) = text(value) {
            name.insert(key.to_owned(), value);
        }
    }
    if let Some(company) = text(&user.company) {
        enterprise.insert("organization".to_owned(), company);
    }
    for (key, value) in derived_attributes(user) {
        if !matches!(key.as_str(), "name") && key != ENTERPRISE_USER.id {
            out.insert(key, value);
        }
    }
    if !name.is_empty() {
        out.insert("name".into(), Value::Object(name));
    }
    if !enterprise.is_empty() {
        out.insert(ENTERPRISE_USER.id.into(), Value::Object(enterprise));
    }
    if !emails.is_empty() {
        let items = emails
            .iter()
            .map(|email| {
                let mut item = Map::new();
                item.insert("value".into(), email.value.as_str().into());
                if let Some(kind) = &email.kind {
                    item.insert("type".into(), kind.as_str().into());
                }
                if email.primary {
                    item.insert("primary".into(), true.into());
                }
                Value::Object(item)
            })
            .collect();
        out.insert("emails".into(), Value::Array(items));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;
    use roster_domain::{SiteId, TimeZoneName, UserId, Username};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_legacy_user_keeps_what_its_client_read_back() {
        let mut user = User::new(
            UserId::from_raw("u1"),
            SiteId::from_raw("s1"),
            Username::parse("bjensen").unwrap(),
            Timestamp::UNIX_EPOCH,
        );
        user.full_name = Some(DisplayText::parse("Barbara Jensen").unwrap());
        user.company = Some(DisplayText::parse("Universal").unwrap());
        user.external_id = Some("00u1".into());
        user.time_zone = Some(TimeZoneName::parse("America/Los_Angeles").unwrap());
        let extra = json!({
            "title": "Tour Guide",
            "name": { "middleName": "Jane" },
            ENTERPRISE_USER.id: { "department": "Tours" }
        })
        .to_string();
        let emails =
            [LegacyEmail { value: "b@x.example".into(), kind: Some("work".into()), primary: true }];
        let resource = legacy_resource(&user, &extra, &emails).unwrap();
        assert_eq!(
            Value::Object(resource),
            json!({
                "userName": "bjensen",
                "externalId": "00u1",
                "name": { "formatted": "Barbara Jensen", "middleName": "Jane" },
                "timezone": "America/Los_Angeles",
                "active": true,
                "title": "Tour Guide",
                "emails": [{ "value": "b@x.example", "type": "work", "primary": true }],
                ENTERPRISE_USER.id: { "department": "Tours", "organization": "Universal" }
            })
        );
        for corrupt in ["[]", "nope", r#"{"name": 3}"#] {
            assert!(matches!(
                legacy_resource(&user, corrupt, &[]),
                Err(StoreError::Corrupt(detail)) if detail.contains("u1")
            ));
        }
    }
}
