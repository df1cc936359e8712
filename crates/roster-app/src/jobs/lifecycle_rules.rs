//! The lifecycle-rules job: applies each site's user lifecycle rules
//! (disable or delete users who have not signed in for N days). A page of
//! users per short write transaction, each change in the history log as
//! the rule's. The last site administrator who signs in with a password
//! is never disabled or deleted by a rule (SPEC §3); a SCIM-provisioned
//! user a rule disabled comes back when its identity provider sends
//! `active: true`, as any disabled user does.

use jiff::Timestamp;
use roster_domain::history::Interface;
use roster_domain::{LifecycleRule, RuleAction, UserId};
use roster_store::{LifecycleRepo, SiteRepo, Transaction, UserRepo};
use serde::Serialize;

use super::{JobError, Jobs};
use crate::Context;
use crate::history::{Actor, History};

/// Users read per page and changed per transaction.
const PAGE: u32 = 200;

/// What one run did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LifecycleReport {
    pub rules: usize,
    pub disabled: u64,
    pub deleted: u64,
    /// Users a rule covered but that stayed: the site's last password
    /// administrator.
    pub kept_last_admin: u64,
}

pub async fn run_once(ctx: &Context, now: Timestamp) -> Result<LifecycleReport, JobError> {
    Jobs::new(ctx).apply_lifecycle_rules(now).await
}

impl Jobs<'_> {
    async fn apply_lifecycle_rules(&self, now: Timestamp) -> Result<LifecycleReport, JobError> {
        let rules = self.read().await?.all_lifecycle_rules().await?;
        let mut report = LifecycleReport { rules: rules.len(), ..LifecycleReport::default() };
        for rule in &rules {
            self.apply_rule(rule, now, &mut report).await?;
        }
        Ok(report)
    }

    async fn apply_rule(
        &self,
        rule: &LifecycleRule,
        now: Timestamp,
        report: &mut LifecycleReport,
    ) -> Result<(), JobError> {
        let before = rule.inactive_before(now);
        let mut after: Option<UserId> = None;
        loop {
            let mut tx = self.write().await?;
            let page = tx.inactive_users(&rule.site_id, before, after.as_ref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            let full = page.len() == PAGE as usize;
            let actor = Actor::Rule { id: rule.id.clone() };
            let mut history = History::new(&rule.site_id, Interface::LifecycleRule, actor, now);
            for user in page.into_iter().filter(|user| rule.covers(user, now)) {
                if user.is_password_site_admin() {
                    tx.lock_site(&rule.site_id).await?;
                    if tx.count_password_site_admins(&rule.site_id, &user.id).await? == 0 {
                        report.kept_last_admin += 1;
                        continue;
                    }
                }
                match rule.action {
                    RuleAction::Disable => {
                        let mut disabled = user.clone();
                        disabled.enabled = false;
                        disabled.updated_at = now;
                        tx.update_user(&disabled).await?;
                        history.user_changed(&user, &disabled);
                        report.disabled += 1;
                    }
                    RuleAction::Delete => {
                        tx.delete_user(&rule.site_id, &user.id).await?;
                        history.user_deleted(&user);
                        report.deleted += 1;
                    }
                }
            }
            history.write(&mut tx).await?;
            tx.commit().await?;
            if !full {
                break;
            }
        }
        Ok(())
    }
}
