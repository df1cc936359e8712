//! Groups and memberships managed by administrators, obeying the site's
//! "allow manual ... groups" setting (SPEC §3).

use roster_domain::{
    Group, GroupId, GroupName, Membership, UserId, ensure_manual_group_changes_allowed,
};
use roster_store::{GroupRepo, Page, Transaction, UserRepo};
use serde::Deserialize;

use super::error::field;
use super::input::{not_null, opaque_id};
use super::lookup::{changeable_site, load, visible_site};
use super::views::{GroupView, ListView, MemberView};
use super::{Admin, AdminError, AdminTx, PageRequest};
use crate::Principal;
use crate::provisioning::follow_admin_group_change;
use utoipa::ToSchema;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub user_id: String,
    /// Whether the member administers the group; `false` by default.
    pub is_admin: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub is_admin: bool,
}

/// Every user member of a group, whatever its state.
async fn member_ids(tx: &mut impl AdminTx, group: &Group) -> Result<Vec<UserId>, AdminError> {
    Ok(tx.member_grants(&group.site_id, &group.id).await?.into_iter().map(|m| m.user).collect())
}

/// Refuses to rename or delete a group that a provider names in its
/// `default_groups`, so that option never points at a missing group.
async fn ensure_not_a_default_group(
    tx: &mut impl AdminTx,
    group: &Group,
) -> Result<(), AdminError> {
    let providers = tx.list_providers(&group.site_id, Page { offset: 0, limit: 1_000 }).await?;
    if let Some(provider) = providers
        .items
        .iter()
        .find(|provider| provider.options.default_groups.contains(&group.name))
    {
        return Err(AdminError::Conflict {
            field: "group".to_owned(),
            message: format!(
                "the provider {:?} adds users to this group at first login (default_groups); \
                 change that option first",
                provider.name.as_str()
            ),
        });
    }
    Ok(())
}

fn name_taken(name: &GroupName) -> AdminError {
    AdminError::Conflict {
        field: "name".to_owned(),
        message: format!(
            "a group named {:?} already exists in this site (group names ignore letter case)",
            name.as_str()
        ),
    }
}

impl Admin<'_> {
    pub async fn create_group(
        &self,
        who: &Principal,
        site: &str,
        input: GroupInput,
    ) -> Result<GroupView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let name = field("name", GroupName::parse(&input.name))?;
        if tx.group_by_name(&site.id, &name).await?.is_some() {
            return Err(name_taken(&name));
        }
        let now = self.now();
        let group = Group {
            id: GroupId::from_raw(uuid::Uuid::new_v4().to_string()),
            site_id: site.id.clone(),
            name,
            managed_by: None,
            created_at: now,
            updated_at: now,
            state: roster_domain::policy::ProvisioningState::Active,
        };
        tx.insert_group(&group).await?;
        let mut history = self.recorder(who, &site.id);
        history.group_created(&group);
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(group.into())
    }

    pub async fn list_groups(
        &self,
        who: &Principal,
        site: &str,
        page: PageRequest,
    ) -> Result<ListView<GroupView>, AdminError> {
        self.list::<Group>(who, site, page).await
    }

    pub async fn get_group(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<GroupView, AdminError> {
        self.get::<Group>(who, site, id).await
    }

    /// Finds a group by name (without regard to letter case), for the
    /// CLI; pending records (outside their provider's filters) are not
    /// shown.
    pub async fn find_group(
        &self,
        who: &Principal,
        site: &str,
        name: &str,
    ) -> Result<GroupView, AdminError> {
        self.find::<Group>(who, site, name).await
    }

    pub async fn update_group(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        patch: GroupPatch,
    ) -> Result<GroupView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let mut group = load::<Group, _>(&mut tx, &site, id).await?;
        let before = group.clone();
        let mut history = self.recorder(who, &site.id);
        if let Some(name) = &patch.name {
            let name = field("name", GroupName::parse(name))?;
            if name.as_str() == group.name.as_str() {
                return Ok(group.into());
            }
            if name != group.name && tx.group_by_name(&site.id, &name).await?.is_some() {
                return Err(name_taken(&name));
            }
            ensure_not_a_default_group(&mut tx, &group).await?;
            group.name = name;
            group.updated_at = self.now();
            tx.update_group(&group).await?;
            history.group_changed(&before, &group);
            let members = member_ids(&mut tx, &group).await?;
            follow_admin_group_change(
                &mut tx,
                &mut history,
                &site.id,
                group.managed_by.as_ref(),
                Some(&group),
                &members,
            )
            .await?;
            history.write(&mut tx).await?;
            tx.commit().await?;
        }
        Ok(group.into())
    }

    pub async fn delete_group(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let group = load::<Group, _>(&mut tx, &site, id).await?;
        ensure_not_a_default_group(&mut tx, &group).await?;
        let members = member_ids(&mut tx, &group).await?;
        tx.delete_group(&site.id, &group.id).await?;
        let mut history = self.recorder(who, &site.id);
        history.group_deleted(&group.id, group.name.as_str());
        follow_admin_group_change(
            &mut tx,
            &mut history,
            &site.id,
            group.managed_by.as_ref(),
            None,
            &members,
        )
        .await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_members(
        &self,
        who: &Principal,
        site: &str,
        group: &str,
        page: PageRequest,
    ) -> Result<ListView<MemberView>, AdminError> {
        let page = page.page()?;
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let group = load::<Group, _>(&mut tx, &site, group).await?;
        let listed = tx.list_members(&site.id, &group.id, page).await?;
        Ok(ListView::from_listed(listed, page, MemberView::from))
    }

    /// Adds a user to a group; adding a member again updates `is_admin`.
    pub async fn add_member(
        &self,
        who: &Principal,
        site: &str,
        group: &str,
        input: MemberInput,
    ) -> Result<MemberView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let group = load::<Group, _>(&mut tx, &site, group).await?;
        let unknown = || AdminError::invalid("user_id", "no user with this id exists in the site");
        let user_id = opaque_id(&input.user_id).ok_or_else(unknown)?;
        let user =
            tx.user_by_id(&site.id, &UserId::from_raw(user_id)).await?.ok_or_else(unknown)?;
        let membership =
            Membership { user_id: user.id.clone(), is_admin: input.is_admin.unwrap_or(false) };
        let now = self.now();
        let was_member = tx.membership(&site.id, &group.id, &user.id).await?;
        tx.put_member(&site.id, &group.id, &membership, now).await?;
        let mut history = self.recorder(who, &site.id);
        if was_member.is_none() {
            history.membership(&group.id, group.name.as_str(), user.id.as_str(), true);
        }
        let affected = [user.id.clone()];
        follow_admin_group_change(
            &mut tx,
            &mut history,
            &site.id,
            group.managed_by.as_ref(),
            Some(&group),
            &affected,
        )
        .await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(MemberView {
            user_id: user.id.to_string(),
            username: user.username.as_str().to_owned(),
            is_admin: membership.is_admin,
        })
    }

    pub async fn update_member(
        &self,
        who: &Principal,
        site: &str,
        group: &str,
        user: &str,
        patch: MemberPatch,
    ) -> Result<MemberView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let group = load::<Group, _>(&mut tx, &site, group).await?;
        let user_id =
            UserId::from_raw(opaque_id(user).ok_or(AdminError::NotFound { what: "member" })?);
        if tx.membership(&site.id, &group.id, &user_id).await?.is_none() {
            return Err(AdminError::NotFound { what: "member" });
        }
        let user = tx
            .user_by_id(&site.id, &user_id)
            .await?
            .ok_or(AdminError::NotFound { what: "member" })?;
        let membership = Membership { user_id, is_admin: patch.is_admin };
        tx.put_member(&site.id, &group.id, &membership, self.now()).await?;
        tx.commit().await?;
        Ok(MemberView {
            user_id: user.id.to_string(),
            username: user.username.as_str().to_owned(),
            is_admin: membership.is_admin,
        })
    }

    pub async fn remove_member(
        &self,
        who: &Principal,
        site: &str,
        group: &str,
        user: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_group_changes_allowed(&site)?;
        let group = load::<Group, _>(&mut tx, &site, group).await?;
        let user = opaque_id(user).ok_or(AdminError::NotFound { what: "member" })?;
        let user = UserId::from_raw(user);
        if !tx.remove_member(&site.id, &group.id, &user).await? {
            return Err(AdminError::NotFound { what: "member" });
        }
        let mut history = self.recorder(who, &site.id);
        history.membership(&group.id, group.name.as_str(), user.as_str(), false);
        follow_admin_group_change(
            &mut tx,
            &mut history,
            &site.id,
            group.managed_by.as_ref(),
            Some(&group),
            &[user],
        )
        .await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
