//! Groups and memberships.

use jiff::Timestamp;

use crate::policy::ProvisioningState;
use crate::{GroupId, GroupName, ProviderId, SiteId, UserId};

/// A group of one site. `managed_by` names the SSO provider whose
/// provisioning created it; `None` is a local group that only
/// administrators manage.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub id: GroupId,
    pub site_id: SiteId,
    pub name: GroupName,
    pub managed_by: Option<ProviderId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Pending when the provider's group filters leave it out (SPEC §4).
    pub state: ProvisioningState,
}

/// A user's membership of a group, and whether the user administers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub user_id: UserId,
    pub is_admin: bool,
}
