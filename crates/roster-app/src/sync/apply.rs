//! Applies what the directory says to the store, in the caller's one
//! transaction (all or nothing): users created, updated, disabled or
//! de-provisioned, groups created, renamed, scoped or removed, and
//! memberships, all through `roster_domain::policy` as SCIM does.
//!
//! The managed model holds: an entry is matched to a local record only
//! by its link (the directory's stable id), never by name, so a local
//! user or group of the same name is reported as a collision, not taken
//! over; and only members this provider linked are added or removed.

use std::collections::{HashMap, HashSet};

use jiff::Timestamp;
use roster_domain::history::Interface;
use roster_domain::policy::{
    Deactivation, ProvisioningState, Removal, evaluate_group_admin, evaluate_user, group_in_scope,
    member_change_applies, on_deactivated, on_removed, provisioned_defaults, source_attributes,
};
use roster_domain::{
    AuthMethod, Group, GroupId, GroupName, Membership, Provider, ProvisionedBy, ProvisioningMethod,
    User, UserId,
};
use roster_ldap::{DirectoryGroup, DirectoryUser, Watermark};
use roster_store::{LdapLink, LinkKind, MemberGrant};

use super::report::SyncReport;
use super::source::{SourceGroup, SourceUser, dn_key, source_group, source_user};
use super::{SyncError, SyncTx};
use crate::history::{Actor, History};

/// What one sync read from the directory.
pub(crate) struct DirectoryRead {
    pub users: Vec<DirectoryUser>,
    pub groups: Vec<DirectoryGroup>,
    /// Every entry (a full sync) or only those changed since the marks.
    pub full: bool,
}

impl DirectoryRead {
    /// The highest change marks seen, for the next incremental sync.
    pub(crate) fn watermarks(&self) -> (Option<Watermark>, Option<Watermark>) {
        let users = self.users.iter().filter_map(|user| user.changed.clone()).max();
        let groups = self.groups.iter().filter_map(|group| group.changed.clone()).max();
        (users, groups)
    }
}

/// The state the sync works on: the provider's links and linked users,
/// read once in a few statements, the writes held back to be made in
/// bulk, and who was counted, so that each user counts once. A sync of
/// thousands of entries then makes tens of statements, not one or more
/// per entry.
struct Work<'p> {
    provider: &'p Provider,
    now: Timestamp,
    user_links: HashMap<String, LdapLink>,
    group_links: HashMap<String, LdapLink>,
    /// The linked users as stored, by id.
    linked_users: HashMap<UserId, User>,
    /// Who holds each username the directory names (by `Username::key`),
    /// kept up to date as the sync creates, renames and deletes.
    holders: HashMap<String, UserId>,
    /// The ids of the linked users once the users are applied, for the
    /// groups' memberships.
    users_linked: HashSet<UserId>,
    /// Users to create, inserted in bulk after the users are read.
    new_users: Vec<User>,
    /// Links to write, in bulk at the end.
    new_links: HashMap<(LinkKind, String), LdapLink>,
    /// What the sync changed, written with its changes.
    history: History,
    /// Linked users by the DN group members name them by.
    users_by_dn: HashMap<String, UserId>,
    /// The groups the provider manages, by id.
    groups: HashMap<GroupId, Group>,
    /// Users whose groups changed: their roles are evaluated again.
    touched: HashSet<UserId>,
    counted: HashSet<UserId>,
}

pub(crate) async fn apply(
    tx: &mut impl SyncTx,
    provider: &Provider,
    read: &DirectoryRead,
    now: Timestamp,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let site = &provider.site_id;
    let mut work = Work {
        provider,
        now,
        user_links: HashMap::new(),
        group_links: HashMap::new(),
        users_by_dn: HashMap::new(),
        groups: HashMap::new(),
        touched: HashSet::new(),
        counted: HashSet::new(),
        linked_users: HashMap::new(),
        holders: HashMap::new(),
        new_users: Vec::new(),
        new_links: HashMap::new(),
        users_linked: HashSet::new(),
        history: History::new(
            site,
            Interface::Ldap,
            Actor::Provider { id: provider.id.clone(), name: Some(provider.name.clone()) },
            now,
        ),
    };
    for link in tx.ldap_links(site, &provider.id).await? {
        match link.kind {
            LinkKind::User => {
                work.users_by_dn.insert(dn_key(&link.dn), UserId::from_raw(link.local_id.clone()));
                work.user_links.insert(link.stable_id.clone(), link);
            }
            LinkKind::Group => {
                work.group_links.insert(link.stable_id.clone(), link);
            }
        }
    }
    for group in tx.managed_groups(site, &provider.id).await? {
        work.groups.insert(group.id.clone(), group);
    }
    // A full sync needs every linked user (those not seen are removed); an
    // incremental one only those of the entries read.
    let linked: Vec<UserId> = if read.full {
        work.user_links.values().map(|link| UserId::from_raw(link.local_id.clone())).collect()
    } else {
        read.users
            .iter()
            .filter_map(|entry| work.user_links.get(&entry.stable_id))
            .map(|link| UserId::from_raw(link.local_id.clone()))
            .collect()
    };
    for user in tx.users_in_any_state(site, &linked).await? {
        work.linked_users.insert(user.id.clone(), user);
    }
    let domain = provider.ldap.as_ref().and_then(|ldap| ldap.domain.clone());
    let mut sources = Vec::with_capacity(read.users.len());
    for entry in &read.users {
        match source_user(entry, domain.as_deref()) {
            Ok(source) => sources.push(source),
            Err(problem) => report.entry_error(&entry.dn, problem),
        }
    }
    let usernames: Vec<_> = sources.iter().map(|source| source.username.clone()).collect();
    work.holders = tx.holders_of_usernames(site, &usernames).await?.into_iter().collect();
    let mut seen_users = HashSet::new();
    for source in &sources {
        seen_users.insert(source.stable_id.clone());
        sync_user(tx, &mut work, source, report).await?;
    }
    insert_new_users(tx, &mut work).await?;
    work.users_linked =
        work.user_links.values().map(|link| UserId::from_raw(link.local_id.clone())).collect();
    let mut seen_groups = HashSet::new();
    for entry in &read.groups {
        match source_group(entry) {
            Ok(source) => {
                seen_groups.insert(source.stable_id.clone());
                sync_group(tx, &mut work, &source, report).await?;
            }
            Err(problem) => report.entry_error(&entry.dn, problem),
        }
    }
    // Only a full read shows what the directory no longer has.
    if read.full {
        remove_unseen_users(tx, &mut work, &seen_users, report).await?;
        remove_unseen_groups(tx, &mut work, &seen_groups, report).await?;
    }
    evaluate_roles(tx, &mut work, read.full, report).await?;
    let links: Vec<LdapLink> = work.new_links.into_values().collect();
    tx.put_ldap_links(site, &provider.id, &links).await?;
    work.history.write(tx).await?;
    report.users_unchanged = u32::try_from(seen_users.len())
        .unwrap_or(u32::MAX)
        .saturating_sub(report.users_created + report.users_updated);
    Ok(())
}

/// Why an entry whose name another record holds is skipped. Checked
/// before writing: on PostgreSQL a failed statement would end the whole
/// transaction.
const TAKEN: &str = "the name is taken by a user or group this provider does not manage (an \
                     LDAP sync never takes one over)";

fn with_profile(mut user: User, source: &SourceUser, work: &Work<'_>) -> User {
    let options = &work.provider.options;
    user.username = source.username.clone();
    user.email = source.email.clone();
    user.first_name = source.first_name.clone();
    user.last_name = source.last_name.clone();
    user.display_name = source.display_name.clone();
    user.full_name = source.full_name.clone();
    let (company, time_zone) = source_attributes(options, None, None);
    user.company = company;
    user.time_zone = time_zone;
    // Disabled in the directory: disabled here when de-provisioning is on,
    // and enabled again when the directory enables it.
    if on_deactivated(options) == Deactivation::Disable {
        user.enabled = !source.disabled;
    }
    user
}

async fn sync_user(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    source: &SourceUser,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let site = &work.provider.site_id;
    let existing = work
        .user_links
        .get(&source.stable_id)
        .and_then(|link| work.linked_users.get(&UserId::from_raw(link.local_id.clone())))
        .cloned();
    let deleting =
        source.disabled && on_deactivated(&work.provider.options) == Deactivation::Delete;
    let Some(user) = existing else {
        if !deleting {
            create_user(work, source, report);
        }
        return Ok(());
    };
    if deleting {
        tx.delete_user(site, &user.id).await?;
        work.history.user_deleted(&user);
        work.release_username(&user);
        forget(tx, work, LinkKind::User, &source.stable_id).await?;
        report.users_deprovisioned += 1;
        return Ok(());
    }
    let mut next = with_profile(user.clone(), source, work);
    // Back in the directory after a removal released it: managed again.
    if next.state == ProvisioningState::Released {
        next.state = ProvisioningState::Active;
        next.enabled = !source.disabled;
        work.touched.insert(next.id.clone());
    }
    if next.username != user.username {
        if work.holder_other_than(&next.username, &user.id) {
            report.entry_error(&source.dn, TAKEN);
            return Ok(());
        }
        work.release_username(&user);
        work.holders.insert(next.username.key().to_owned(), next.id.clone());
    }
    if next != user {
        next.updated_at = work.now;
        tx.update_user(&next).await?;
        work.history.user_changed(&user, &next);
        report.users_updated += 1;
        work.counted.insert(next.id.clone());
        work.linked_users.insert(next.id.clone(), next.clone());
    }
    relink(work, LinkKind::User, source.stable_id.clone(), next.id.as_str(), &source.dn);
    Ok(())
}

/// Prepares a new user, inserted with the others by `insert_new_users`.
fn create_user(work: &mut Work<'_>, source: &SourceUser, report: &mut SyncReport) {
    let provider = work.provider;
    let site = &provider.site_id;
    if work.holders.contains_key(source.username.key()) {
        report.entry_error(&source.dn, TAKEN);
        return;
    }
    let id = UserId::from_raw(uuid::Uuid::new_v4().to_string());
    let mut user = User::new(id.clone(), site.clone(), source.username.clone(), work.now);
    user.auth_method = AuthMethod::Sso(provider.id.clone());
    user.provisioned_by =
        ProvisionedBy { method: ProvisioningMethod::Ldap, provider: Some(provider.id.clone()) };
    let mut user = with_profile(user, source, work);
    provisioned_defaults(&provider.options, &mut user);
    // In no group yet: the groups below put it in scope.
    let user = evaluate_user(&user, &provider.id, &provider.options, &[]);
    work.holders.insert(user.username.key().to_owned(), id.clone());
    work.history.user_created(&user);
    work.new_users.push(user);
    report.users_created += 1;
    work.counted.insert(id.clone());
    work.touched.insert(id.clone());
    relink(work, LinkKind::User, source.stable_id.clone(), id.as_str(), &source.dn);
}

impl Work<'_> {
    /// Whether a user other than `me` holds the username.
    fn holder_other_than(&self, username: &roster_domain::Username, me: &UserId) -> bool {
        self.holders.get(username.key()).is_some_and(|holder| holder != me)
    }

    /// The user's username is free again (deleted or renamed).
    fn release_username(&mut self, user: &User) {
        if self.holders.get(user.username.key()) == Some(&user.id) {
            self.holders.remove(user.username.key());
        }
    }
}

/// Inserts the users the directory added, then puts them in the
/// provider's default groups, each in a few statements.
async fn insert_new_users(tx: &mut impl SyncTx, work: &mut Work<'_>) -> Result<(), SyncError> {
    if work.new_users.is_empty() {
        return Ok(());
    }
    let users = std::mem::take(&mut work.new_users);
    tx.insert_users(&users).await?;
    let site = &work.provider.site_id;
    let memberships: Vec<Membership> =
        users.iter().map(|user| Membership { user_id: user.id.clone(), is_admin: false }).collect();
    for name in &work.provider.options.default_groups {
        if let Some(group) = tx.group_by_name(site, name).await? {
            tx.put_members(site, &group.id, &memberships, work.now).await?;
        }
    }
    for user in users {
        work.linked_users.insert(user.id.clone(), user);
    }
    Ok(())
}

/// Records the entry's link, written with the others at the end.
fn relink(work: &mut Work<'_>, kind: LinkKind, stable_id: String, local: &str, dn: &str) {
    let link = LdapLink { kind, stable_id, local_id: local.to_owned(), dn: dn.to_owned() };
    let links = match kind {
        LinkKind::User => &mut work.user_links,
        LinkKind::Group => &mut work.group_links,
    };
    if links.get(&link.stable_id) != Some(&link) {
        work.new_links.insert((kind, link.stable_id.clone()), link.clone());
    }
    if kind == LinkKind::User {
        work.users_by_dn.insert(dn_key(dn), UserId::from_raw(link.local_id.clone()));
    }
    links.insert(link.stable_id.clone(), link);
}

/// Drops the link of a user or group that is gone.
async fn forget(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    kind: LinkKind,
    stable_id: &str,
) -> Result<(), SyncError> {
    let site = &work.provider.site_id;
    tx.delete_ldap_link(site, &work.provider.id, kind, stable_id).await?;
    work.new_links.remove(&(kind, stable_id.to_owned()));
    let links = match kind {
        LinkKind::User => &mut work.user_links,
        LinkKind::Group => &mut work.group_links,
    };
    if let Some(link) = links.remove(stable_id)
        && kind == LinkKind::User
    {
        work.users_by_dn.remove(&dn_key(&link.dn));
    }
    Ok(())
}

async fn sync_group(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    source: &SourceGroup,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let provider = work.provider;
    let site = &provider.site_id;
    let state = if group_in_scope(&provider.options, &source.name) {
        ProvisioningState::Active
    } else {
        ProvisioningState::Pending
    };
    let existing = match work.group_links.get(&source.stable_id) {
        Some(link) => work.groups.get(&GroupId::from_raw(link.local_id.clone())).cloned(),
        None => None,
    };
    let group = match existing {
        Some(group) => {
            let mut next = group.clone();
            next.name = source.name.clone();
            if next.name != group.name
                && tx
                    .group_by_name(site, &next.name)
                    .await?
                    .is_some_and(|other| other.id != group.id)
            {
                report.entry_error(&source.dn, TAKEN);
                return Ok(());
            }
            if next != group {
                next.updated_at = work.now;
                tx.update_group(&next).await?;
            }
            if group.state != state {
                tx.set_group_state(site, &group.id, state).await?;
            }
            work.history.group_changed(&group, &Group { state, ..next.clone() });
            if next != group || group.state != state {
                report.groups_updated += 1;
            }
            next
        }
        None => {
            if tx.group_by_name(site, &source.name).await?.is_some() {
                report.entry_error(&source.dn, TAKEN);
                return Ok(());
            }
            let group = Group {
                id: GroupId::from_raw(uuid::Uuid::new_v4().to_string()),
                site_id: site.clone(),
                name: source.name.clone(),
                managed_by: Some(provider.id.clone()),
                created_at: work.now,
                updated_at: work.now,
                state,
            };
            tx.insert_group(&group).await?;
            work.history.group_created(&group);
            report.groups_created += 1;
            group
        }
    };
    relink(work, LinkKind::Group, source.stable_id.clone(), group.id.as_str(), &source.dn);
    sync_members(tx, work, &group.id, &source.name, &source.member_keys, report).await
}

/// The group's members among the users this provider linked become the
/// directory's; other members (local users an administrator added) stay.
async fn sync_members(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    group: &GroupId,
    name: &GroupName,
    member_keys: &[String],
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let options = &work.provider.options;
    let site = &work.provider.site_id;
    let wanted: HashSet<UserId> =
        member_keys.iter().filter_map(|key| work.users_by_dn.get(key).cloned()).collect();
    let grants = tx.member_grants(site, group).await?;
    let current: HashSet<UserId> = grants
        .iter()
        .map(|grant| grant.user.clone())
        .filter(|user| work.users_linked.contains(user))
        .collect();
    let mut removed = HashSet::new();
    if member_change_applies(options, false) {
        let mut removing: Vec<&UserId> = current.difference(&wanted).collect();
        removing.sort();
        for user in removing {
            if tx.remove_member(site, group, user).await? {
                report.memberships_removed += 1;
                work.history.membership(group, name.as_str(), user.as_str(), false);
                work.touched.insert(user.clone());
                removed.insert(user.clone());
            }
        }
    }
    // The members who stay: the group-admin mapping is evaluated again (the
    // group may have been renamed into or out of `group_admin_groups`),
    // taking back only what the mapping granted, as SCIM does.
    for grant in grants.into_iter().filter(|grant| !removed.contains(&grant.user)) {
        let (is_admin, granted) =
            evaluate_group_admin(options, name, grant.is_admin, grant.granted);
        if (is_admin, granted) != (grant.is_admin, grant.granted) {
            tx.set_member_grant(site, group, &MemberGrant { is_admin, granted, ..grant }).await?;
        }
    }
    if member_change_applies(options, true) {
        let mut adding: Vec<&UserId> = wanted.difference(&current).collect();
        adding.sort();
        let (is_admin, granted) = evaluate_group_admin(options, name, false, false);
        let memberships: Vec<Membership> =
            adding.iter().map(|user| Membership { user_id: (*user).clone(), is_admin }).collect();
        tx.put_members(site, group, &memberships, work.now).await?;
        for user in adding {
            // Recorded as the mapping's grant, so that leaving the mapping
            // takes it back (an admin flag set by hand would stay).
            if granted {
                let grant = MemberGrant { user: user.clone(), is_admin, granted };
                tx.set_member_grant(site, group, &grant).await?;
            }
            report.memberships_added += 1;
            work.history.membership(group, name.as_str(), user.as_str(), true);
            work.touched.insert(user.clone());
        }
    }
    Ok(())
}

async fn remove_unseen_users(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    seen: &HashSet<String>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let provider = work.provider;
    let site = &provider.site_id;
    let mut gone: Vec<LdapLink> =
        work.user_links.values().filter(|link| !seen.contains(&link.stable_id)).cloned().collect();
    gone.sort_by(|a, b| a.dn.cmp(&b.dn));
    for link in gone {
        let id = UserId::from_raw(link.local_id.clone());
        let Some(mut user) = work.linked_users.get(&id).cloned() else {
            forget(tx, work, LinkKind::User, &link.stable_id).await?;
            continue;
        };
        if user.state == ProvisioningState::Released {
            continue;
        }
        let removal = if user.state == ProvisioningState::Pending {
            // Never provisioned into the application: nothing to keep.
            Removal::Delete
        } else {
            on_removed(&provider.options)
        };
        if removal == Removal::Delete {
            tx.delete_user(site, &id).await?;
            work.history.user_deleted(&user);
            work.release_username(&user);
            forget(tx, work, LinkKind::User, &link.stable_id).await?;
        } else {
            let before = user.clone();
            if removal == Removal::DisableAndRelease {
                user.enabled = false;
            }
            user.state = ProvisioningState::Released;
            user.updated_at = work.now;
            tx.update_user(&user).await?;
            work.history.user_changed(&before, &user);
            let remove = member_change_applies(&provider.options, false);
            for (group, name) in
                tx.release_from_provider_groups(site, &provider.id, &id, remove).await?
            {
                work.history.membership(&group, name.as_str(), id.as_str(), false);
            }
        }
        report.users_deprovisioned += 1;
    }
    Ok(())
}

async fn remove_unseen_groups(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    seen: &HashSet<String>,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let provider = work.provider;
    let site = &provider.site_id;
    let gone: Vec<LdapLink> =
        work.group_links.values().filter(|link| !seen.contains(&link.stable_id)).cloned().collect();
    for link in gone {
        let id = GroupId::from_raw(link.local_id.clone());
        // Its members' roles may have come from it.
        for grant in tx.member_grants(site, &id).await? {
            work.touched.insert(grant.user);
        }
        if tx.delete_group(site, &id).await? {
            report.groups_removed += 1;
            let name = work.groups.get(&id).map(|group| group.name.as_str().to_owned());
            work.history.group_deleted(&id, name.as_deref().unwrap_or_default());
        }
        forget(tx, work, LinkKind::Group, &link.stable_id).await?;
    }
    Ok(())
}

/// Scope and role mappings from each user's groups of this provider: of
/// every linked user after a full sync, of those whose groups changed
/// after an incremental one.
async fn evaluate_roles(
    tx: &mut impl SyncTx,
    work: &mut Work<'_>,
    full: bool,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let provider = work.provider;
    let site = &provider.site_id;
    let mut ids: Vec<UserId> = if full {
        work.user_links.values().map(|link| UserId::from_raw(link.local_id.clone())).collect()
    } else {
        work.touched.iter().cloned().collect()
    };
    ids.sort();
    for chunk in ids.chunks(500) {
        let mut groups: HashMap<UserId, Vec<GroupName>> = HashMap::new();
        for (user, group) in tx.idp_groups_of(site, &provider.id, chunk).await? {
            groups.entry(user).or_default().push(group);
        }
        for user in tx.users_in_any_state(site, chunk).await? {
            let names = groups.get(&user.id).map(Vec::as_slice).unwrap_or_default();
            let mut next = evaluate_user(&user, &provider.id, &provider.options, names);
            if next != user {
                next.updated_at = work.now;
                tx.update_user(&next).await?;
                work.history.user_changed(&user, &next);
                if work.counted.insert(next.id.clone()) {
                    report.users_updated += 1;
                }
            }
        }
    }
    Ok(())
}
