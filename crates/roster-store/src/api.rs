//! The storage interface: a small capability trait per entity, all
//! implemented by the one transaction type [`crate::Tx`]. Every method that
//! touches site data takes the site.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{
    AdminKeyId, Group, GroupId, GroupName, Membership, Provider, ProviderId, ProviderName,
    ProvisioningMethod, Site, SiteId, SiteSlug, User, UserId, Username,
};

use crate::StoreError;

/// A window into a list ordered by creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: u64,
    pub limit: u64,
}

/// One page of a list and the size of the whole list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Which of a site's users an administrator's search keeps: those that
/// match every field given. The default keeps them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Text found, in any letter case, in the username, the e-mail or one
    /// of the names. Taken literally: `%` and `_` are characters like any
    /// other. Callers refuse control characters, which separate the fields
    /// in the searched column.
    pub text: Option<String>,
    /// Users who sign in through this provider or were provisioned by it.
    pub provider: Option<ProviderId>,
    /// How the users were provisioned.
    pub source: Option<ProvisioningMethod>,
    pub state: Option<UserState>,
    pub role: Option<AdminRole>,
}

/// A state a user search asks for. `Enabled` and `Disabled` read the
/// user's switch, `Released` its provisioning state, so a released user
/// that stayed enabled is both `Enabled` and `Released`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserState {
    Enabled,
    Disabled,
    Released,
}

/// An administrative role a user search asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRole {
    SiteAdmin,
    ReadonlySiteAdmin,
}

/// A member of a group, with the username for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub membership: Membership,
    pub username: Username,
}

/// A stored admin key. `site_id` is `None` for an operator key, which may
/// manage every site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminKeyRecord {
    pub id: AdminKeyId,
    pub site_id: Option<SiteId>,
    pub name: String,
    pub secret_hash: String,
    /// The first characters of the key, to recognise it in lists.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// One use case's unit of work. Dropped without `commit`, it rolls back.
///
/// The store's one transaction type, [`crate::Tx`], implements this and
/// every capability trait below; a use case names only the capabilities it
/// uses (as an `impl` bound or an opaque `impl ...` type), so a new feature
/// adds a capability trait instead of widening one.
#[async_trait]
pub trait Transaction: Send {
    async fn commit(self) -> Result<(), StoreError>;
}

#[async_trait]
pub trait SiteRepo {
    async fn insert_site(&mut self, site: &Site) -> Result<(), StoreError>;
    async fn site_by_id(&mut self, id: &SiteId) -> Result<Option<Site>, StoreError>;
    async fn site_by_slug(&mut self, slug: &SiteSlug) -> Result<Option<Site>, StoreError>;
    async fn list_sites(&mut self, page: Page) -> Result<Listed<Site>, StoreError>;
    /// Returns whether the site existed.
    async fn update_site(&mut self, site: &Site) -> Result<bool, StoreError>;
    /// Deletes the site and everything that belongs to it.
    async fn delete_site(&mut self, id: &SiteId) -> Result<bool, StoreError>;
    /// Serialises this transaction with every other that locks the same
    /// site, for checks that read before they write (such as "is another
    /// site admin left?"). SQLite already has a single writer; on
    /// PostgreSQL this locks the site's row until the transaction ends.
    async fn lock_site(&mut self, id: &SiteId) -> Result<(), StoreError>;
}

#[async_trait]
pub trait UserRepo {
    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError>;
    /// Inserts many users, several rows per statement (an LDAP sync's
    /// first run creates thousands in one transaction).
    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError>;
    async fn user_by_id(&mut self, site: &SiteId, id: &UserId) -> Result<Option<User>, StoreError>;
    async fn user_by_username(
        &mut self,
        site: &SiteId,
        username: &Username,
    ) -> Result<Option<User>, StoreError>;
    /// Which of `usernames` are taken in the site: each taken name's key
    /// (`Username::key`) with the id of the user who holds it.
    async fn holders_of_usernames(
        &mut self,
        site: &SiteId,
        usernames: &[Username],
    ) -> Result<Vec<(String, UserId)>, StoreError>;
    /// The site's users that `filter` keeps, ordered by creation, and how
    /// many there are; pending users (outside their provider's filters)
    /// are never listed.
    async fn search_users(
        &mut self,
        site: &SiteId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listed<User>, StoreError>;
    async fn update_user(&mut self, user: &User) -> Result<bool, StoreError>;
    async fn delete_user(&mut self, site: &SiteId, id: &UserId) -> Result<bool, StoreError>;
    /// Enabled site admins on password authentication, other than `except`.
    async fn count_password_site_admins(
        &mut self,
        site: &SiteId,
        except: &UserId,
    ) -> Result<u64, StoreError>;
    /// Users who sign in through `provider`.
    async fn count_users_signing_in_with(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<u64, StoreError>;
    /// Forgets which provider provisioned users, keeping the method, before
    /// that provider is deleted.
    async fn forget_provisioning_provider(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<(), StoreError>;
}

#[async_trait]
pub trait GroupRepo {
    async fn insert_group(&mut self, group: &Group) -> Result<(), StoreError>;
    async fn group_by_id(
        &mut self,
        site: &SiteId,
        id: &GroupId,
    ) -> Result<Option<Group>, StoreError>;
    async fn group_by_name(
        &mut self,
        site: &SiteId,
        name: &GroupName,
    ) -> Result<Option<Group>, StoreError>;
    async fn list_groups(&mut self, site: &SiteId, page: Page)
    -> Result<Listed<Group>, StoreError>;
    async fn update_group(&mut self, group: &Group) -> Result<bool, StoreError>;
    async fn delete_group(&mut self, site: &SiteId, id: &GroupId) -> Result<bool, StoreError>;
    /// Groups whose provisioning `provider` manages.
    async fn count_groups_managed_by(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<u64, StoreError>;
    async fn list_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        page: Page,
    ) -> Result<Listed<MemberRecord>, StoreError>;
    /// Adds the user to the group, or updates its admin flag: one row
    /// written, never the whole member list.
    async fn put_member(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        membership: &Membership,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Adds users to the group, or updates their admin flags: a few
    /// hundred rows per statement, and one change of the group's version.
    async fn put_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        memberships: &[Membership],
        now: Timestamp,
    ) -> Result<(), StoreError>;
    async fn remove_member(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        user: &UserId,
    ) -> Result<bool, StoreError>;
    async fn membership(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        user: &UserId,
    ) -> Result<Option<Membership>, StoreError>;
}

#[async_trait]
pub trait ProviderRepo {
    async fn insert_provider(&mut self, provider: &Provider) -> Result<(), StoreError>;
    async fn provider_by_id(
        &mut self,
        site: &SiteId,
        id: &ProviderId,
    ) -> Result<Option<Provider>, StoreError>;
    async fn provider_by_name(
        &mut self,
        site: &SiteId,
        name: &ProviderName,
    ) -> Result<Option<Provider>, StoreError>;
    async fn list_providers(
        &mut self,
        site: &SiteId,
        page: Page,
    ) -> Result<Listed<Provider>, StoreError>;
    async fn update_provider(&mut self, provider: &Provider) -> Result<bool, StoreError>;
    /// The provider whose current or previous SCIM secret has this hash.
    /// Deliberately not scoped to a site: the SCIM credential is what
    /// identifies the provider, and so the site (SPEC §2).
    async fn provider_by_scim_secret(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<Provider>, StoreError>;
    /// Records a successful or failed SCIM authentication of a provider.
    async fn record_scim_authentication(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        succeeded: bool,
        at: Timestamp,
    ) -> Result<(), StoreError>;
    async fn delete_provider(&mut self, site: &SiteId, id: &ProviderId)
    -> Result<bool, StoreError>;
}

#[async_trait]
pub trait AdminKeyRepo {
    async fn insert_admin_key(&mut self, key: &AdminKeyRecord) -> Result<(), StoreError>;
    /// A key by id; with `Some(site)`, only if it belongs to that site.
    async fn admin_key_by_id(
        &mut self,
        site: Option<&SiteId>,
        id: &AdminKeyId,
    ) -> Result<Option<AdminKeyRecord>, StoreError>;
    async fn admin_key_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<AdminKeyRecord>, StoreError>;
    /// Keys of one site, or with `None` every key of the instance.
    async fn list_admin_keys(
        &mut self,
        site: Option<&SiteId>,
        page: Page,
    ) -> Result<Listed<AdminKeyRecord>, StoreError>;
    /// Revokes a key; with `Some(site)`, only if it belongs to that site.
    async fn revoke_admin_key(
        &mut self,
        site: Option<&SiteId>,
        id: &AdminKeyId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    async fn touch_admin_key(&mut self, id: &AdminKeyId, now: Timestamp) -> Result<(), StoreError>;
}
