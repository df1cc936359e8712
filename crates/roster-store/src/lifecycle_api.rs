//! What user lifecycle rules need from storage: the rules, and the users
//! inactive since a time, a page at a time.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{LifecycleRule, SiteId, User, UserId};

use crate::StoreError;

#[async_trait]
pub trait LifecycleRepo {
    async fn insert_lifecycle_rule(&mut self, rule: &LifecycleRule) -> Result<(), StoreError>;
    /// A site's rules, oldest first.
    async fn lifecycle_rules(&mut self, site: &SiteId) -> Result<Vec<LifecycleRule>, StoreError>;
    /// Every site's rules.
    async fn all_lifecycle_rules(&mut self) -> Result<Vec<LifecycleRule>, StoreError>;
    async fn delete_lifecycle_rule(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError>;
    /// Users of the site, in any provisioning state but pending, who last
    /// signed in (or, never having signed in, were created) before
    /// `before`, by id after `after`, at most `limit`.
    async fn inactive_users(
        &mut self,
        site: &SiteId,
        before: Timestamp,
        after: Option<&UserId>,
        limit: u32,
    ) -> Result<Vec<User>, StoreError>;
}
