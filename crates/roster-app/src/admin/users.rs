//! Users managed by administrators: creation, edits, deletion, obeying the
//! site's "allow manual ..." setting and the last-password-admin guard
//! (SPEC §3).

use roster_domain::policy::ProvisioningState;
use roster_domain::{
    AuthMethod, ProviderId, Site, TwoFactor, User, UserId, Username,
    ensure_manual_user_changes_allowed, ensure_password_admin_remains,
};
use roster_store::{Transaction, UserRepo};
use serde::Deserialize;

use super::error::field;
use super::input::{email, external_id, not_null, nullable, opaque_id, text, time_zone};
use super::lookup::{changeable_site, load};
use super::views::{ListView, UserView};
use super::{Admin, AdminError, AdminTx, PageRequest};
use crate::Principal;
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    pub username: String,
    pub full_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub time_zone: Option<String>,
    pub enabled: Option<bool>,
    /// `password` (the default) or `sso`, which needs `sso_provider_id`.
    pub auth_method: Option<String>,
    pub sso_provider_id: Option<String>,
    pub site_admin: Option<bool>,
    pub readonly_site_admin: Option<bool>,
    /// `site_policy` (the default), `always` or `never`.
    pub two_factor: Option<String>,
    pub webdav: Option<bool>,
    pub ftp: Option<bool>,
    pub sftp: Option<bool>,
    pub external_id: Option<String>,
}

/// A partial update: absent fields stay as they are; `null` clears a
/// clearable field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub username: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub full_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub display_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub company: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub auth_method: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sso_provider_id: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub site_admin: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub readonly_site_admin: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub two_factor: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub webdav: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub ftp: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub sftp: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub external_id: Option<Option<String>>,
}

/// Resolves `auth_method` and `sso_provider_id` into an [`AuthMethod`],
/// checking that the provider belongs to the site.
async fn auth_method(
    tx: &mut impl AdminTx,
    site: &Site,
    method: &str,
    provider: Option<&str>,
) -> Result<AuthMethod, AdminError> {
    match (method, provider) {
        ("password", None) => Ok(AuthMethod::Password),
        ("password", Some(_)) => {
            Err(AdminError::invalid("sso_provider_id", "is only allowed with auth_method sso"))
        }
        ("sso", None) => {
            Err(AdminError::invalid("sso_provider_id", "is required with auth_method sso"))
        }
        ("sso", Some(id)) => {
            let Some(id) = opaque_id(id) else {
                return Err(AdminError::invalid("sso_provider_id", "is not a provider id"));
            };
            let id = ProviderId::from_raw(id);
            match tx.provider_by_id(&site.id, &id).await? {
                Some(_) => Ok(AuthMethod::Sso(id)),
                None => Err(AdminError::invalid(
                    "sso_provider_id",
                    "no SSO provider with this id exists in the site",
                )),
            }
        }
        (other, _) => Err(AdminError::invalid(
            "auth_method",
            format!("{other:?} is not one of password, sso"),
        )),
    }
}

/// The guard of SPEC §3 for a change from `before` to `after` (`None`:
/// deletion).
async fn keep_a_password_admin(
    tx: &mut impl AdminTx,
    before: &User,
    after: Option<&User>,
) -> Result<(), AdminError> {
    if !before.is_password_site_admin() {
        return Ok(());
    }
    // Two concurrent changes must not each count the other as the admin
    // who remains.
    tx.lock_site(&before.site_id).await?;
    let others = tx.count_password_site_admins(&before.site_id, &before.id).await?;
    Ok(ensure_password_admin_remains(before, after, others)?)
}

fn username_taken(username: &Username) -> AdminError {
    AdminError::Conflict {
        field: "username".to_owned(),
        message: format!(
            "a user named {:?} already exists in this site (usernames ignore letter case)",
            username.as_str()
        ),
    }
}

impl Admin<'_> {
    pub async fn create_user(
        &self,
        who: &Principal,
        site: &str,
        input: UserInput,
    ) -> Result<UserView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_user_changes_allowed(&site)?;
        let username = field("username", Username::parse(&input.username))?;
        let mut user = User::new(
            UserId::from_raw(uuid::Uuid::new_v4().to_string()),
            site.id.clone(),
            username,
            self.now(),
        );
        user.full_name = text("full_name", input.full_name.as_deref())?;
        user.first_name = text("first_name", input.first_name.as_deref())?;
        user.last_name = text("last_name", input.last_name.as_deref())?;
        user.display_name = text("display_name", input.display_name.as_deref())?;
        user.email = email("email", input.email.as_deref())?;
        user.company = text("company", input.company.as_deref())?;
        user.time_zone = time_zone("time_zone", input.time_zone.as_deref())?;
        user.enabled = input.enabled.unwrap_or(true);
        user.auth_method = auth_method(
            &mut tx,
            &site,
            input.auth_method.as_deref().unwrap_or("password"),
            input.sso_provider_id.as_deref(),
        )
        .await?;
        user.roles.site_admin = input.site_admin.unwrap_or(false);
        user.roles.readonly_site_admin = input.readonly_site_admin.unwrap_or(false);
        if let Some(two_factor) = &input.two_factor {
            user.two_factor = field("two_factor", TwoFactor::parse(two_factor))?;
        }
        user.permissions.webdav = input.webdav.unwrap_or(false);
        user.permissions.ftp = input.ftp.unwrap_or(false);
        user.permissions.sftp = input.sftp.unwrap_or(false);
        user.external_id = external_id("external_id", input.external_id.as_deref())?;
        if tx.user_by_username(&site.id, &user.username).await?.is_some() {
            return Err(username_taken(&user.username));
        }
        tx.insert_user(&user).await?;
        let mut history = self.recorder(who, &site.id);
        history.user_created(&user);
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    pub async fn list_users(
        &self,
        who: &Principal,
        site: &str,
        page: PageRequest,
    ) -> Result<ListView<UserView>, AdminError> {
        self.search_users(who, site, &page.into()).await
    }

    pub async fn get_user(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<UserView, AdminError> {
        self.get::<User>(who, site, id).await
    }

    /// Finds a user by username (without regard to letter case), for the
    /// CLI; pending records (outside their provider's filters) are not
    /// shown.
    pub async fn find_user(
        &self,
        who: &Principal,
        site: &str,
        username: &str,
    ) -> Result<UserView, AdminError> {
        self.find::<User>(who, site, username).await
    }

    pub async fn update_user(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        patch: UserPatch,
    ) -> Result<UserView, AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_user_changes_allowed(&site)?;
        let before = load::<User, _>(&mut tx, &site, id).await?;
        let mut user = before.clone();
        if let Some(username) = &patch.username {
            user.username = field("username", Username::parse(username))?;
        }
        if let Some(value) = &patch.full_name {
            user.full_name = text("full_name", value.as_deref())?;
        }
        if let Some(value) = &patch.first_name {
            user.first_name = text("first_name", value.as_deref())?;
        }
        if let Some(value) = &patch.last_name {
            user.last_name = text("last_name", value.as_deref())?;
        }
        if let Some(value) = &patch.display_name {
            user.display_name = text("display_name", value.as_deref())?;
        }
        if let Some(value) = &patch.email {
            user.email = email("email", value.as_deref())?;
        }
        if let Some(value) = &patch.company {
            user.company = text("company", value.as_deref())?;
        }
        if let Some(value) = &patch.time_zone {
            user.time_zone = time_zone("time_zone", value.as_deref())?;
        }
        if let Some(enabled) = patch.enabled {
            user.enabled = enabled;
        }
        if patch.auth_method.is_some() || patch.sso_provider_id.is_some() {
            let method = patch.auth_method.as_deref().unwrap_or("sso");
            user.auth_method =
                auth_method(&mut tx, &site, method, patch.sso_provider_id.as_deref()).await?;
            // SPEC §3: associating a user with a provider hands it to that
            // provider's SCIM, including a user an earlier source released.
            if matches!(user.auth_method, AuthMethod::Sso(_))
                && user.state == ProvisioningState::Released
            {
                user.state = ProvisioningState::Active;
            }
        }
        if let Some(site_admin) = patch.site_admin {
            user.roles.site_admin = site_admin;
        }
        if let Some(readonly) = patch.readonly_site_admin {
            user.roles.readonly_site_admin = readonly;
        }
        if let Some(two_factor) = &patch.two_factor {
            user.two_factor = field("two_factor", TwoFactor::parse(two_factor))?;
        }
        if let Some(webdav) = patch.webdav {
            user.permissions.webdav = webdav;
        }
        if let Some(ftp) = patch.ftp {
            user.permissions.ftp = ftp;
        }
        if let Some(sftp) = patch.sftp {
            user.permissions.sftp = sftp;
        }
        if let Some(value) = &patch.external_id {
            user.external_id = external_id("external_id", value.as_deref())?;
        }
        // Usernames compare without case, so a change of case alone is
        // checked separately.
        if user == before && user.username.as_str() == before.username.as_str() {
            return Ok(before.into());
        }
        keep_a_password_admin(&mut tx, &before, Some(&user)).await?;
        if user.username != before.username
            && tx.user_by_username(&site.id, &user.username).await?.is_some()
        {
            return Err(username_taken(&user.username));
        }
        user.updated_at = self.now();
        tx.update_user(&user).await?;
        let mut history = self.recorder(who, &site.id);
        history.user_changed(&before, &user);
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(user.into())
    }

    pub async fn delete_user(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        ensure_manual_user_changes_allowed(&site)?;
        let user = load::<User, _>(&mut tx, &site, id).await?;
        keep_a_password_admin(&mut tx, &user, None).await?;
        tx.delete_user(&site.id, &user.id).await?;
        let mut history = self.recorder(who, &site.id);
        history.user_deleted(&user);
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
