//! A canonical text dump of every table, for tests that prove a rejected
//! request left the data exactly as it was.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Column, Row};

use crate::StoreError;

/// Tables and the order that makes their dump deterministic. `scim_logs`
/// is not among them: the request log is diagnostics that every request,
/// refused or not, adds to in the background, not data a request changes.
/// Nor is `server_secrets`: the first list request that pages by cursor
/// creates the cursor secret, whatever else it does.
const TABLES: [(&str, &str); 22] = [
    ("sites", "SELECT * FROM sites ORDER BY id"),
    ("providers", "SELECT * FROM providers ORDER BY site_id, id"),
    ("users", "SELECT * FROM users ORDER BY site_id, id"),
    ("groups", "SELECT * FROM groups ORDER BY site_id, id"),
    ("group_members", "SELECT * FROM group_members ORDER BY site_id, group_id, user_id"),
    ("admin_keys", "SELECT * FROM admin_keys ORDER BY id"),
    ("saml_requests", "SELECT * FROM saml_requests ORDER BY site_id, id"),
    ("saml_assertions", "SELECT * FROM saml_assertions ORDER BY site_id, issuer, assertion_id"),
    ("sessions", "SELECT * FROM sessions ORDER BY site_id, secret_hash"),
    ("password_failures", "SELECT * FROM password_failures ORDER BY site_id, username_key"),
    ("handoff_tickets", "SELECT * FROM handoff_tickets ORDER BY site_id, ticket_hash"),
    ("saml_idp_metadata", "SELECT * FROM saml_idp_metadata ORDER BY site_id, provider_id"),
    ("ldap_links", "SELECT * FROM ldap_links ORDER BY site_id, provider_id, kind, stable_id"),
    ("ldap_sync_state", "SELECT * FROM ldap_sync_state ORDER BY site_id, provider_id"),
    ("ldap_sync_runs", "SELECT * FROM ldap_sync_runs ORDER BY site_id, id"),
    ("user_totp", "SELECT * FROM user_totp ORDER BY site_id, user_id"),
    ("pending_sign_ins", "SELECT * FROM pending_sign_ins ORDER BY site_id, secret_hash"),
    ("second_factor_failures", "SELECT * FROM second_factor_failures ORDER BY site_id, user_id"),
    ("mail_alerts", "SELECT * FROM mail_alerts ORDER BY site_id, alert_key"),
    ("webhooks", "SELECT * FROM webhooks ORDER BY site_id, id"),
    ("webhook_deliveries", "SELECT * FROM webhook_deliveries ORDER BY webhook_id, id"),
    ("setup_links", "SELECT * FROM setup_links ORDER BY site_id, id"),
];

pub(crate) async fn dump(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let mut out = String::new();
    for (table, sql) in TABLES {
        out.push_str(table);
        out.push('\n');
        for row in sqlx::query(sql).fetch_all(&mut *conn).await? {
            out.push_str(&render(&row));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Every row of the SCIM request log, every column, for tests that look
/// for secrets in what it stored.
pub(crate) async fn dump_scim_logs(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let mut out = String::new();
    for row in sqlx::query("SELECT * FROM scim_logs ORDER BY at, id").fetch_all(&mut *conn).await? {
        out.push_str(&render(&row));
        out.push('\n');
    }
    Ok(out)
}

/// Every row of the history log, every column, for the same tests.
pub(crate) async fn dump_history(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let mut out = String::new();
    let rows = sqlx::query("SELECT * FROM history ORDER BY site_id, seq").fetch_all(&mut *conn);
    for row in rows.await? {
        out.push_str(&render(&row));
        out.push('\n');
    }
    Ok(out)
}

/// Bookkeeping that authentication updates even for requests that are then
/// refused; not data a request changes.
const BOOKKEEPING: [&str; 3] = ["last_used_at", "scim_last_success_at", "scim_last_failure_at"];

fn render(row: &AnyRow) -> String {
    row.columns()
        .iter()
        .filter(|col| !BOOKKEEPING.contains(&col.name()))
        .map(|col| {
            let i = col.ordinal();
            let value = match row.try_get::<Option<i64>, _>(i) {
                Ok(Some(n)) => n.to_string(),
                Ok(None) => "NULL".to_owned(),
                Err(_) => match row.try_get::<Option<String>, _>(i) {
                    Ok(Some(s)) => format!("{s:?}"),
                    Ok(None) => "NULL".to_owned(),
                    Err(err) => format!("<{err}>"),
                },
            };
            format!("{}={}", col.name(), value)
        })
        .collect::<Vec<_>>()
        .join(" ")
}
