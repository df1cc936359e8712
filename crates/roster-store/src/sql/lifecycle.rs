//! User lifecycle rules and the inactive users they act on.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{LifecycleRule, ProviderId, RuleAction, RuleAuthMethod, SiteId, User, UserId};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros};
use super::users::user_from;
use crate::{LifecycleRepo, StoreError};

const RULE_COLUMNS: &str =
    "site_id, id, action, inactive_days, provider_id, auth_method, created_at";

fn rule_from(row: &AnyRow) -> Result<LifecycleRule, StoreError> {
    let c = Cols(row);
    let action = c.text("action")?;
    let days = c.int("inactive_days")?;
    let method = c.opt_text("auth_method")?;
    Ok(LifecycleRule {
        id: c.text("id")?,
        site_id: SiteId::from_raw(c.text("site_id")?),
        action: RuleAction::parse(&action)
            .ok_or_else(|| StoreError::Corrupt(format!("lifecycle_rules.action = {action:?}")))?,
        inactive_days: u32::try_from(days)
            .map_err(|_| StoreError::Corrupt(format!("lifecycle_rules.inactive_days = {days}")))?,
        provider: c.opt_text("provider_id")?.map(ProviderId::from_raw),
        auth_method: match method {
            None => None,
            Some(raw) => Some(RuleAuthMethod::parse(&raw).ok_or_else(|| {
                StoreError::Corrupt(format!("lifecycle_rules.auth_method = {raw:?}"))
            })?),
        },
        created_at: c.time("created_at")?,
    })
}

#[async_trait]
impl LifecycleRepo for Tx {
    async fn insert_lifecycle_rule(&mut self, rule: &LifecycleRule) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO lifecycle_rules ({RULE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(rule.site_id.as_str())
            .bind(rule.id.as_str())
            .bind(rule.action.as_str())
            .bind(i64::from(rule.inactive_days))
            .bind(rule.provider.as_ref().map(|p| p.as_str().to_owned()))
            .bind(rule.auth_method.map(|m| m.as_str()))
            .bind(micros(rule.created_at))
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn lifecycle_rules(&mut self, site: &SiteId) -> Result<Vec<LifecycleRule>, StoreError> {
        let sql = format!(
            "SELECT {RULE_COLUMNS} FROM lifecycle_rules WHERE site_id = $1 ORDER BY created_at, id"
        );
        let rows =
            sqlx::query(AssertSqlSafe(sql)).bind(site.as_str()).fetch_all(self.conn()).await?;
        rows.iter().map(rule_from).collect()
    }

    async fn all_lifecycle_rules(&mut self) -> Result<Vec<LifecycleRule>, StoreError> {
        let sql =
            format!("SELECT {RULE_COLUMNS} FROM lifecycle_rules ORDER BY site_id, created_at, id");
        let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(self.conn()).await?;
        rows.iter().map(rule_from).collect()
    }

    async fn delete_lifecycle_rule(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM lifecycle_rules WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn inactive_users(
        &mut self,
        site: &SiteId,
        before: Timestamp,
        after: Option<&UserId>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        let sql = format!(
            "SELECT {} FROM users WHERE site_id = $1 AND provisioning_state <> 'pending' \
             AND (last_login_at < $2 OR (last_login_at IS NULL AND created_at < $2)) \
             AND id > $3 ORDER BY id LIMIT $4",
            user_columns!()
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(micros(before))
            .bind(after.map_or("", |id| id.as_str()))
            .bind(i64::from(limit))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(user_from).collect()
    }
}
