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
use crate::{Dialect, StoreError};

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

/// A value a SCIM list sorts by, as the database holds it: the first part
/// of a row's [`RowKey`]. Values keep their SQL type, because SQLite
/// orders an integer before any text and a bound value must compare as
/// the stored one does.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// A row's place in the order of a list query: its sort value, then its
/// id, which breaks ties, so that no two rows share a key.
#[derive(Debug, Clone, PartialEq)]
pub struct RowKey {
    pub value: SortValue,
    pub id: String,
}

/// Which rows of a list query's order a page holds.
#[derive(Debug, Clone, PartialEq)]
pub enum PageAt {
    /// Index paging (RFC 7644 §3.4.2.4): the rows after skipping this many.
    Offset(u64),
    /// Keyset paging: the rows after a key, or from the first row when
    /// `None`. The database walks its index from the key, so a page costs
    /// the same wherever it lies.
    After(Option<RowKey>),
    /// Keyset paging backwards: the rows just before a key (the page
    /// before the one the key's row opened), still returned in the query's
    /// order.
    Before(RowKey),
}

/// The ends of a page and whether rows lie beyond it, from which the next
/// and previous keyset pages are found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PageBounds {
    /// The keys of the page's first and last rows; `None` when it is
    /// empty.
    pub first: Option<RowKey>,
    pub last: Option<RowKey>,
    /// Whether more rows follow in the direction the page was read: after
    /// its last row, or before its first row for [`PageAt::Before`].
    pub beyond: bool,
}

/// One page of a list query.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimPage<T> {
    pub items: Vec<T>,
    /// The rows the query matches on every page together.
    pub total: u64,
    pub bounds: PageBounds,
}

/// A compiled SCIM list query: the filter's SQL and binds, the order, and
/// the page. Build it with [`ScimQuery::users`] or [`ScimQuery::groups`]
/// (which report a bad filter or sort key as a SCIM error), then run it.
#[derive(Debug, Clone)]
pub struct ScimQuery {
    /// The filter, without the page's keyset condition: what is counted.
    pub(crate) condition: String,
    /// `AND`ed to the condition to find the page's rows after (or before)
    /// a key.
    pub(crate) keyset: Option<String>,
    pub(crate) binds: Vec<crate::sql::Bind>,
    /// How many of `binds` the condition uses (the first ones): those of a
    /// count.
    pub(crate) filter_binds: usize,
    /// The order rows are read in: the query's own, reversed for
    /// [`PageAt::Before`].
    pub(crate) order_by: String,
    /// The SQL of the value rows sort by, read back into each [`RowKey`].
    pub(crate) sort_value: String,
    pub(crate) reversed: bool,
    pub offset: u64,
    pub limit: u64,
    pub(crate) known_total: Option<u64>,
}

/// The list parameters a query is built from.
#[derive(Debug, Clone)]
pub struct ListParams<'a> {
    pub filter: Option<&'a Filter>,
    pub sort_by: Option<&'a AttrPath>,
    pub descending: bool,
    pub at: PageAt,
    pub limit: u64,
    /// The number of matching rows when the caller has it already (a
    /// cursor carries the count of its walk's first page), so that the
    /// store does not count them again.
    pub known_total: Option<u64>,
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
        let filter_binds = compiler.binds.len();
        let order = compiler.order(params.sort_by, params.descending, params.filter.is_some())?;
        let (keyset, reversed, offset) = match &params.at {
            PageAt::Offset(offset) => (None, false, *offset),
            PageAt::After(None) => (None, false, 0),
            PageAt::After(Some(key)) => (Some(compiler.after(&order, key, false)?), false, 0),
            PageAt::Before(key) => (Some(compiler.after(&order, key, true)?), true, 0),
        };
        Ok(Self {
            condition,
            keyset,
            binds: compiler.binds,
            filter_binds,
            order_by: order.order_by(reversed),
            sort_value: order.value,
            reversed,
            offset,
            limit: params.limit,
            known_total: params.known_total,
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
    ) -> Result<ScimPage<ScimUser>, StoreError>;
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
    ) -> Result<ScimPage<ScimGroup>, StoreError>;
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
