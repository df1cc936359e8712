//! What the provisioning policy (`roster_domain::policy`) needs to read and
//! write beyond the application's views: users and groups in every state,
//! the identity-provider groups of users, and group-admin grants.

use async_trait::async_trait;
use roster_domain::policy::ProvisioningState;
use roster_domain::{Group, GroupId, GroupName, ProviderId, SiteId, User, UserId};

use crate::StoreError;

/// A member of a group with its group-admin flag and whether the
/// provider's mapping granted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberGrant {
    pub user: UserId,
    pub is_admin: bool,
    pub granted: bool,
}

#[async_trait]
pub trait PolicyRepo {
    /// The users among `ids`, in any provisioning state.
    async fn users_in_any_state(
        &mut self,
        site: &SiteId,
        ids: &[UserId],
    ) -> Result<Vec<User>, StoreError>;

    /// For each of `users`, the names of the groups `provider` manages (in
    /// any state) that list the user as a direct member.
    async fn idp_groups_of(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        users: &[UserId],
    ) -> Result<Vec<(UserId, GroupName)>, StoreError>;

    /// The users `provider` manages (provisioned or associated, not
    /// released).
    async fn managed_user_ids(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<UserId>, StoreError>;

    /// The groups `provider` manages, in any state.
    async fn managed_groups(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Vec<Group>, StoreError>;

    /// A released `user` leaves the SCIM view of the groups `provider`
    /// manages: their versions change, and with `remove` the memberships
    /// are deleted too. Returns the groups whose membership it deleted, by
    /// name, for the history.
    async fn release_from_provider_groups(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        user: &UserId,
        remove: bool,
    ) -> Result<Vec<(GroupId, GroupName)>, StoreError>;

    async fn set_group_state(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        state: ProvisioningState,
    ) -> Result<(), StoreError>;

    /// The user members of a group with their admin flags.
    async fn member_grants(
        &mut self,
        site: &SiteId,
        group: &GroupId,
    ) -> Result<Vec<MemberGrant>, StoreError>;

    async fn set_member_grant(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        grant: &MemberGrant,
    ) -> Result<(), StoreError>;
}
