//! What SCIM needs from storage beyond the admin repositories: users and
//! groups with the data only SCIM keeps (the attributes a client set,
//! versions, nested members), queried by compiled SCIM filters, and
//! membership changes written as deltas.

use std::borrow::Cow;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{
    Group, GroupId, GroupName, ProviderId, ProviderKind, ProvisioningOptions, SiteId, User, UserId,
    Username,
};
use roster_scim::{AttrPath, Filter, ScimError};
use serde_json::{Map, Value};

use crate::scim_view::derived_attributes;
use crate::sql::{Compiler, Resource};
use crate::{Dialect, Listed, StoreError};

/// The SCIM client asking: an SSO provider of one site. It sees that site
/// and, in it, only the users and groups it manages (SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimScope {
    pub site: SiteId,
    pub provider: ProviderId,
    /// The provider's product, whose known deviations the dialect layer
    /// tolerates.
    pub kind: ProviderKind,
    /// The provider's provisioning options as they were when the request
    /// authenticated: decided before a write begins, so that the single
    /// writer of SQLite does not wait for them to be read.
    pub options: Arc<ProvisioningOptions>,
}

/// A user with what SCIM keeps besides the domain user.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimUser {
    pub user: User,
    /// The attributes a SCIM client set, in `roster-scim`'s canonical form
    /// without `id`, `meta`, `schemas`, `groups` and `password`: what the
    /// client reads back, whatever the application made of them (issue 16
    /// §2). `None` for a user no SCIM client has written.
    pub resource: Option<Map<String, Value>>,
    /// The ETag counter.
    pub version: i64,
    /// The groups the user is a direct member of (read-only in SCIM).
    pub groups: Vec<(GroupId, GroupName)>,
}

impl ScimUser {
    /// The user's SCIM attributes: those a client set, else those derived
    /// from its columns ([`derived_attributes`]).
    pub fn attributes(&self) -> Cow<'_, Map<String, Value>> {
        match &self.resource {
            Some(resource) => Cow::Borrowed(resource),
            None => Cow::Owned(derived_attributes(&self.user)),
        }
    }
}

/// A group with what SCIM keeps besides the domain group.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimGroup {
    pub group: Group,
    pub external_id: Option<String>,
    pub version: i64,
}

/// A member of a group: a user or a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Member {
    User(UserId),
    Group(GroupId),
}

/// A member with the name to display for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedMember {
    pub member: Member,
    pub display: String,
}

/// A compiled SCIM list query: the filter's SQL and binds, the order, and
/// the page. Build it with [`ScimQuery::users`] or [`ScimQuery::groups`]
/// (which report a bad filter or sort key as a SCIM error), then run it.
#[derive(Debug, Clone)]
pub struct ScimQuery {
    pub(crate) condition: String,
    pub(crate) binds: Vec<crate::sql::Bind>,
    pub(crate) order_by: String,
    pub offset: u64,
    pub limit: u64,
}

/// The list parameters a query is built from.
#[derive(Debug, Clone, Copy)]
pub struct ListParams<'a> {
    pub filter: Option<&'a Filter>,
    pub sort_by: Option<&'a AttrPath>,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
    /// The base URL the client sees, so that `$ref` and `meta.location`
    /// can be filtered.
    pub base_url: Option<&'a str>,
}

/// The placeholders `$1` (site) and `$2` (provider) belong to the scope;
/// filters number theirs from 3.
const FIRST_FILTER_PLACEHOLDER: usize = 3;

impl ScimQuery {
    fn build(
        dialect: Dialect,
        resource: Resource,
        params: ListParams<'_>,
    ) -> Result<Self, ScimError> {
        let base = params.base_url.map(str::to_owned);
        let mut compiler = Compiler::with_base(dialect, resource, FIRST_FILTER_PLACEHOLDER, base);
        let condition = match params.filter {
            Some(filter) => compiler.filter(filter)?,
            None => "1 = 1".to_owned(),
        };
        let order_by =
            compiler.order_by(params.sort_by, params.descending, params.filter.is_some())?;
        Ok(Self {
            condition,
            binds: compiler.binds,
            order_by,
            offset: params.offset,
            limit: params.limit,
        })
    }

    pub fn users(dialect: Dialect, params: ListParams<'_>) -> Result<Self, ScimError> {
        Self::build(dialect, Resource::User, params)
    }

    pub fn groups(dialect: Dialect, params: ListParams<'_>) -> Result<Self, ScimError> {
        Self::build(dialect, Resource::Group, params)
    }
}

#[async_trait]
pub trait ScimUserRepo {
    /// A user the scope manages.
    async fn scim_user(
        &mut self,
        scope: &ScimScope,
        id: &UserId,
    ) -> Result<Option<ScimUser>, StoreError>;
    /// A user of the site by username, managed or not (for uniqueness).
    async fn scim_user_by_username(
        &mut self,
        site: &SiteId,
        username: &Username,
    ) -> Result<Option<UserId>, StoreError>;
    async fn scim_users(
        &mut self,
        scope: &ScimScope,
        query: &ScimQuery,
    ) -> Result<Listed<ScimUser>, StoreError>;
    /// Inserts the user row (with its SCIM attributes and their comparison
    /// form) and its e-mail rows.
    async fn insert_scim_user(&mut self, user: &ScimUser) -> Result<(), StoreError>;
    /// Rewrites the user row and its SCIM attributes, and its e-mail rows
    /// when they differ from `before`'s (the user as it was read in this
    /// transaction); returns the new version.
    async fn update_scim_user(
        &mut self,
        user: &ScimUser,
        before: &ScimUser,
    ) -> Result<i64, StoreError>;
}

#[async_trait]
pub trait ScimGroupRepo {
    async fn scim_group(
        &mut self,
        scope: &ScimScope,
        id: &GroupId,
    ) -> Result<Option<ScimGroup>, StoreError>;
    async fn scim_groups(
        &mut self,
        scope: &ScimScope,
        query: &ScimQuery,
    ) -> Result<Listed<ScimGroup>, StoreError>;
    async fn insert_scim_group(&mut self, group: &ScimGroup) -> Result<(), StoreError>;
    /// Rewrites the group row; returns the new version.
    async fn update_scim_group(&mut self, group: &ScimGroup) -> Result<i64, StoreError>;
    /// Every member of a group, users first, each in name order.
    async fn group_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
    ) -> Result<Vec<NamedMember>, StoreError>;
    /// The members of a group that the scope manages, in the order of
    /// [`Self::group_members`]: what its SCIM client sees, changes and
    /// removes (SPEC §3, issue 16). Other members (local users an
    /// administrator added, other providers' users) are neither shown nor
    /// touched.
    async fn managed_members(
        &mut self,
        scope: &ScimScope,
        group: &GroupId,
    ) -> Result<Vec<NamedMember>, StoreError>;
    /// Which of `candidates` the scope manages (users and groups): the
    /// members a SCIM client may name.
    async fn existing_members(
        &mut self,
        scope: &ScimScope,
        candidates: &[Member],
    ) -> Result<Vec<Member>, StoreError>;
    /// Adds members, ignoring those already in: single-row inserts, so
    /// concurrent changes of one group lose nothing.
    async fn add_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        members: &[Member],
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Removes members, ignoring those not in.
    async fn remove_members(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        members: &[Member],
    ) -> Result<(), StoreError>;
    /// Removes every member.
    async fn clear_members(&mut self, site: &SiteId, group: &GroupId) -> Result<(), StoreError>;
    /// Marks a group changed (new version and time) after member deltas;
    /// returns the new version.
    async fn touch_scim_group(
        &mut self,
        site: &SiteId,
        group: &GroupId,
        now: Timestamp,
    ) -> Result<i64, StoreError>;
}
