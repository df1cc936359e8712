//! Applies the provisioning policy (`roster_domain::policy`) to stored users
//! and groups: after a source changes memberships, and after an
//! administrator changes a provider's options. Only users the provider
//! provisioned are evaluated: a user an administrator merely associated
//! with it keeps the scope and roles the administrator gave.

use std::collections::HashMap;

use roster_domain::policy::{
    ProvisioningState, depends_on_memberships, evaluate_group_admin, evaluate_user, group_in_scope,
};
use roster_domain::{Group, GroupName, ProviderId, ProvisioningOptions, SiteId, User, UserId};
use roster_store::{PolicyRepo, ProviderRepo, SiteRepo, StoreError, UserRepo};

use crate::history::History;

/// The store capabilities the policy needs: every area that provisions
/// (admin, SCIM, and later sign-in and sync) has them.
pub(crate) trait ProvisioningTx:
    SiteRepo + UserRepo + ProviderRepo + PolicyRepo + Send
{
}

impl<T> ProvisioningTx for T where T: SiteRepo + UserRepo + ProviderRepo + PolicyRepo + Send {}

/// The options of a provider, read in the caller's transaction.
pub(crate) async fn options_of(
    tx: &mut impl ProvisioningTx,
    site: &SiteId,
    provider: &ProviderId,
) -> Result<ProvisioningOptions, StoreError> {
    Ok(tx
        .provider_by_id(site, provider)
        .await?
        .map(|p| p.options)
        .unwrap_or_else(ProvisioningOptions::defaults))
}

/// The state a group of the provider should be in under its options.
pub(crate) fn group_state(options: &ProvisioningOptions, name: &GroupName) -> ProvisioningState {
    if group_in_scope(options, name) {
        ProvisioningState::Active
    } else {
        ProvisioningState::Pending
    }
}

/// Re-evaluates scope and role mappings of `ids` after their
/// identity-provider groups may have changed. Cheap when no option looks
/// at memberships: then nothing can change.
pub(crate) async fn reevaluate_users(
    tx: &mut impl ProvisioningTx,
    history: &mut History,
    site: &SiteId,
    provider: &ProviderId,
    options: &ProvisioningOptions,
    ids: &[UserId],
    force: bool,
) -> Result<(), StoreError> {
    let now = history.at();
    if ids.is_empty() || !(force || depends_on_memberships(options)) {
        return Ok(());
    }
    let mut groups: HashMap<UserId, Vec<GroupName>> = HashMap::new();
    for (user, group) in tx.idp_groups_of(site, provider, ids).await? {
        groups.entry(user).or_default().push(group);
    }
    for user in tx.users_in_any_state(site, ids).await? {
        if user.provisioned_by.provider.as_ref() != Some(provider) {
            continue;
        }
        let idp_groups = groups.get(&user.id).map(Vec::as_slice).unwrap_or_default();
        let mut evaluated = evaluate_user(&user, provider, options, idp_groups);
        let loses_password_admin = user.is_password_site_admin()
            && user.state != ProvisioningState::Pending
            && (!evaluated.is_password_site_admin()
                || evaluated.state == ProvisioningState::Pending);
        if loses_password_admin && is_last_password_admin(tx, &user).await? {
            // SPEC §3: an identity provider's change never takes away the
            // last site admin who signs in with a password; the mapping
            // applies once another one exists.
            tracing::warn!(user = %user.id, "kept the last password site admin despite the provider's mapping");
            evaluated.auth_method = user.auth_method.clone();
            evaluated.roles.site_admin = user.roles.site_admin;
            evaluated.grants = user.grants;
            evaluated.state = user.state;
        }
        if evaluated != user {
            evaluated.updated_at = now;
            tx.update_user(&evaluated).await?;
            history.user_changed(&user, &evaluated);
        }
    }
    Ok(())
}

/// Whether `user` is the site's only enabled, visible site admin who signs
/// in with a password (SPEC §3). Takes the site's lock first so that two
/// concurrent changes cannot each count on the other (as the admin API's
/// guard does).
pub(crate) async fn is_last_password_admin(
    tx: &mut impl ProvisioningTx,
    user: &User,
) -> Result<bool, StoreError> {
    if !user.is_password_site_admin() || user.state == ProvisioningState::Pending {
        return Ok(false);
    }
    tx.lock_site(&user.site_id).await?;
    Ok(tx.count_password_site_admins(&user.site_id, &user.id).await? == 0)
}

/// Re-evaluates the group-admin flags of a provider's group.
pub(crate) async fn reevaluate_group_admins(
    tx: &mut impl ProvisioningTx,
    site: &SiteId,
    options: &ProvisioningOptions,
    group: &Group,
    force: bool,
) -> Result<(), StoreError> {
    if !force && options.group_admin_groups.is_empty() {
        return Ok(());
    }
    for grant in tx.member_grants(site, &group.id).await? {
        let (is_admin, granted) =
            evaluate_group_admin(options, &group.name, grant.is_admin, grant.granted);
        if (is_admin, granted) != (grant.is_admin, grant.granted) {
            let changed = roster_store::MemberGrant { is_admin, granted, ..grant };
            tx.set_member_grant(site, &group.id, &changed).await?;
        }
    }
    Ok(())
}

/// After a group of `provider` changed (renamed, members added or removed,
/// deleted), from its identity provider or an administrator: the group's
/// scope and its members' group-admin flags, and the scope and roles of
/// `users` (the members affected) follow. `group` is `None` once deleted.
pub(crate) async fn follow_group_change(
    tx: &mut impl ProvisioningTx,
    history: &mut History,
    site: &SiteId,
    provider: &ProviderId,
    options: &ProvisioningOptions,
    group: Option<&Group>,
    users: &[UserId],
) -> Result<(), StoreError> {
    if let Some(group) = group {
        let state = group_state(options, &group.name);
        if state != group.state {
            tx.set_group_state(site, &group.id, state).await?;
            history.group_changed(group, &Group { state, ..group.clone() });
        }
        reevaluate_group_admins(tx, site, options, group, false).await?;
    }
    reevaluate_users(tx, history, site, provider, options, users, false).await
}

/// [`follow_group_change`] for an administrator's change, which may touch
/// a local group (then nothing follows).
pub(crate) async fn follow_admin_group_change(
    tx: &mut impl ProvisioningTx,
    history: &mut History,
    site: &SiteId,
    managed_by: Option<&ProviderId>,
    group: Option<&Group>,
    users: &[UserId],
) -> Result<(), StoreError> {
    let Some(provider) = managed_by else { return Ok(()) };
    let options = options_of(tx, site, provider).await?;
    follow_group_change(tx, history, site, provider, &options, group, users).await
}

/// Everything a provider provisioned, after its options changed: group
/// scopes, group admins, users' scopes and roles, in both directions.
pub(crate) async fn reconcile_provider(
    tx: &mut impl ProvisioningTx,
    history: &mut History,
    site: &SiteId,
    provider: &ProviderId,
    options: &ProvisioningOptions,
) -> Result<(), StoreError> {
    for group in tx.managed_groups(site, provider).await? {
        let state = group_state(options, &group.name);
        if state != group.state {
            tx.set_group_state(site, &group.id, state).await?;
            history.group_changed(&group, &Group { state, ..group.clone() });
        }
        reevaluate_group_admins(tx, site, options, &group, true).await?;
    }
    let ids = tx.managed_user_ids(site, provider).await?;
    reevaluate_users(tx, history, site, provider, options, &ids, true).await
}
