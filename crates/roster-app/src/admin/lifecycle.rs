//! User lifecycle rules as administrators set them: disable or delete
//! the users who have not signed in for a number of days, optionally only
//! those of one provider or one authentication method. The
//! `lifecycle-rules` job applies them.

use jiff::Timestamp;
use roster_domain::{LifecycleRule, MAX_INACTIVE_DAYS, ProviderId, RuleAction, RuleAuthMethod};
use roster_store::{LifecycleRepo, ProviderRepo, Transaction};
use serde::{Deserialize, Serialize};

use super::input::opaque_id;
use super::lookup::{changeable_site, visible_site};
use super::{Admin, AdminError};
use crate::Principal;
use utoipa::ToSchema;

/// The most rules a site may have: each is a scan of its users per run.
const MAX_RULES: usize = 20;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRuleInput {
    /// `disable` or `delete`.
    pub action: String,
    pub inactive_days: u32,
    /// Only users who sign in through this provider (its id).
    pub provider_id: Option<String>,
    /// Only users who sign in this way: `password` or `sso`.
    pub auth_method: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct LifecycleRuleView {
    pub id: String,
    pub action: &'static str,
    pub inactive_days: u32,
    pub provider_id: Option<String>,
    pub auth_method: Option<&'static str>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<LifecycleRule> for LifecycleRuleView {
    fn from(rule: LifecycleRule) -> Self {
        Self {
            id: rule.id,
            action: rule.action.as_str(),
            inactive_days: rule.inactive_days,
            provider_id: rule.provider.map(|p| p.as_str().to_owned()),
            auth_method: rule.auth_method.map(RuleAuthMethod::as_str),
            created_at: rule.created_at,
        }
    }
}

impl Admin<'_> {
    pub async fn create_lifecycle_rule(
        &self,
        who: &Principal,
        site: &str,
        input: LifecycleRuleInput,
    ) -> Result<LifecycleRuleView, AdminError> {
        let action = RuleAction::parse(&input.action).ok_or_else(|| {
            AdminError::invalid(
                "action",
                format!("{:?} is not one of disable, delete", input.action),
            )
        })?;
        if !(1..=MAX_INACTIVE_DAYS).contains(&input.inactive_days) {
            return Err(AdminError::invalid(
                "inactive_days",
                format!("must be between 1 and {MAX_INACTIVE_DAYS} (got {})", input.inactive_days),
            ));
        }
        let auth_method = input
            .auth_method
            .as_deref()
            .map(|raw| {
                RuleAuthMethod::parse(raw).ok_or_else(|| {
                    AdminError::invalid(
                        "auth_method",
                        format!("{raw:?} is not one of password, sso"),
                    )
                })
            })
            .transpose()?;
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let provider = match input.provider_id.as_deref() {
            None => None,
            Some(raw) => {
                let unknown = || {
                    AdminError::invalid(
                        "provider_id",
                        "no SSO provider with this id exists in the site",
                    )
                };
                let id = ProviderId::from_raw(opaque_id(raw).ok_or_else(unknown)?);
                tx.provider_by_id(&site.id, &id).await?.ok_or_else(unknown)?;
                Some(id)
            }
        };
        if provider.is_some() && auth_method == Some(RuleAuthMethod::Password) {
            return Err(AdminError::invalid(
                "auth_method",
                "users of a provider sign in through it, not with a password",
            ));
        }
        if tx.lifecycle_rules(&site.id).await?.len() >= MAX_RULES {
            return Err(AdminError::invalid(
                "action",
                format!("a site has at most {MAX_RULES} lifecycle rules"),
            ));
        }
        let rule = LifecycleRule {
            id: uuid::Uuid::new_v4().to_string(),
            site_id: site.id.clone(),
            action,
            inactive_days: input.inactive_days,
            provider,
            auth_method,
            created_at: self.now(),
        };
        tx.insert_lifecycle_rule(&rule).await?;
        tx.commit().await?;
        Ok(rule.into())
    }

    pub async fn list_lifecycle_rules(
        &self,
        who: &Principal,
        site: &str,
    ) -> Result<Vec<LifecycleRuleView>, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        Ok(tx.lifecycle_rules(&site.id).await?.into_iter().map(Into::into).collect())
    }

    pub async fn delete_lifecycle_rule(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let id = opaque_id(id).ok_or(AdminError::NotFound { what: "lifecycle rule" })?;
        if !tx.delete_lifecycle_rule(&site.id, id).await? {
            return Err(AdminError::NotFound { what: "lifecycle rule" });
        }
        tx.commit().await?;
        Ok(())
    }
}
