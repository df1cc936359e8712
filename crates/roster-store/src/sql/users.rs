//! Users.

use async_trait::async_trait;
use roster_domain::policy::{GrantState, ProvisioningState};
use roster_domain::{
    AuthMethod, DisplayText, Email, Permissions, ProviderId, ProvisionedBy, ProvisioningMethod,
    Roles, SiteId, TimeZoneName, TwoFactor, User, UserId, Username,
};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

use super::Tx;
use super::row::{Cols, flag, micros, opt_micros, write_error};
use super::scim_users::placeholders;
use super::user_search::search_key;
use crate::scim_view::{derived_attributes, match_form};
use crate::{Listed, Page, StoreError, UserFilter, UserRepo};

/// The columns `insert_user` writes: the user's and three derived ones.
const INSERT_COLUMNS: usize = 31;
/// Users per multi-row insert.
const USERS_PER_STATEMENT: usize = super::BULK_PARAMETERS / INSERT_COLUMNS;
/// Usernames per `IN (...)` look-up.
const KEYS_PER_STATEMENT: usize = super::BULK_PARAMETERS;

/// Whether `user` may no longer sign in: disabled, or not (or no longer)
/// provisioned.
pub(super) fn barred(user: &User) -> bool {
    !user.enabled || user.state != ProvisioningState::Active
}

impl Tx {
    /// Ends the open sessions of a user who may no longer sign in, at the
    /// time of the change. Reading a session checks the user as well, but
    /// that alone would revive a session (one stolen, say) the moment an
    /// administrator enables the account again; ended here, it stays ended.
    pub(super) async fn end_sessions(&mut self, user: &User) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE site_id = $1 AND user_id = $2 AND revoked_at IS NULL",
        )
        .bind(user.site_id.as_str())
        .bind(user.id.as_str())
        .bind(micros(user.updated_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }
}

pub(super) fn bind_user<'q>(
    query: Query<'q, Any, AnyArguments>,
    user: &User,
) -> Query<'q, Any, AnyArguments> {
    let text = |value: &Option<DisplayText>| value.as_ref().map(|v| v.as_str().to_owned());
    let auth_provider = match &user.auth_method {
        AuthMethod::Password => None,
        AuthMethod::Sso(provider) => Some(provider.as_str().to_owned()),
    };
    query
        .bind(user.site_id.as_str().to_owned())
        .bind(user.id.as_str().to_owned())
        .bind(user.username.as_str().to_owned())
        .bind(user.username.key().to_owned())
        .bind(text(&user.full_name))
        .bind(text(&user.first_name))
        .bind(text(&user.last_name))
        .bind(text(&user.display_name))
        .bind(user.email.as_ref().map(|e| e.as_str().to_owned()))
        .bind(text(&user.company))
        .bind(user.time_zone.as_ref().map(|tz| tz.as_str().to_owned()))
        .bind(flag(user.enabled))
        .bind(auth_provider)
        .bind(flag(user.roles.site_admin))
        .bind(flag(user.roles.readonly_site_admin))
        .bind(user.two_factor.as_str())
        .bind(flag(user.permissions.webdav))
        .bind(flag(user.permissions.ftp))
        .bind(flag(user.permissions.sftp))
        .bind(user.external_id.clone())
        .bind(user.provisioned_by.method.as_str())
        .bind(user.provisioned_by.provider.as_ref().map(|p| p.as_str().to_owned()))
        .bind(micros(user.created_at))
        .bind(micros(user.updated_at))
        .bind(opt_micros(user.last_login_at))
        .bind(user.state.as_str())
        .bind(user.grants.to_stored())
        .bind(user.password_hash.clone())
}

/// The user's e-mail as sign-in matches it: folded in Rust, so that both
/// databases agree (`users.email_key`).
pub(super) fn email_key(user: &User) -> Option<String> {
    user.email.as_ref().map(|email| roster_scim::fold(email.as_str()))
}

pub(super) fn user_from(row: &AnyRow) -> Result<User, StoreError> {
    let c = Cols(row);
    let text = |col: &str| c.opt_parsed(col, DisplayText::parse);
    Ok(User {
        site_id: SiteId::from_raw(c.text("site_id")?),
        id: UserId::from_raw(c.text("id")?),
        username: c.parsed("username", Username::parse)?,
        full_name: text("full_name")?,
        first_name: text("first_name")?,
        last_name: text("last_name")?,
        display_name: text("display_name")?,
        email: c.opt_parsed("email", Email::parse)?,
        company: text("company")?,
        time_zone: c.opt_parsed("time_zone", TimeZoneName::parse)?,
        enabled: c.flag("enabled")?,
        auth_method: match c.opt_text("auth_provider_id")? {
            None => AuthMethod::Password,
            Some(provider) => AuthMethod::Sso(ProviderId::from_raw(provider)),
        },
        roles: Roles {
            site_admin: c.flag("site_admin")?,
            readonly_site_admin: c.flag("readonly_site_admin")?,
        },
        two_factor: c.parsed("two_factor", TwoFactor::parse)?,
        permissions: Permissions {
            webdav: c.flag("webdav")?,
            ftp: c.flag("ftp")?,
            sftp: c.flag("sftp")?,
        },
        external_id: c.opt_text("external_id")?,
        provisioned_by: ProvisionedBy {
            method: c.parsed("provisioned_by", ProvisioningMethod::parse)?,
            provider: c.opt_text("provisioned_by_provider_id")?.map(ProviderId::from_raw),
        },
        created_at: c.time("created_at")?,
        updated_at: c.time("updated_at")?,
        last_login_at: c.opt_time("last_login_at")?,
        state: c.parsed("provisioning_state", ProvisioningState::parse)?,
        grants: GrantState::from_stored(&c.text("provider_grants")?),
        password_hash: c.opt_text("password_hash")?,
    })
}

#[async_trait]
impl UserRepo for Tx {
    async fn insert_user(&mut self, user: &User) -> Result<(), StoreError> {
        let query = sqlx::query(concat!(
            "INSERT INTO users (",
            user_columns!(),
            ", scim_match, email_key, search_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, \
             $27, $28, $29, $30, $31)"
        ));
        // No SCIM client wrote this user: its SCIM view is derived from
        // its columns, and filters compare that.
        bind_user(query, user)
            .bind(match_form(&derived_attributes(user)))
            .bind(email_key(user))
            .bind(search_key(user))
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "username"))?;
        Ok(())
    }

    async fn insert_users(&mut self, users: &[User]) -> Result<(), StoreError> {
        for chunk in users.chunks(USERS_PER_STATEMENT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|row| format!("({})", placeholders(1 + row * INSERT_COLUMNS, INSERT_COLUMNS)))
                .collect();
            let sql = format!(
                "INSERT INTO users ({}, scim_match, email_key, search_key) VALUES {}",
                user_columns!(),
                rows.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for user in chunk {
                query = bind_user(query, user)
                    .bind(match_form(&derived_attributes(user)))
                    .bind(email_key(user))
                    .bind(search_key(user));
            }
            query.execute(self.conn()).await.map_err(|err| write_error(err, "username"))?;
        }
        Ok(())
    }

    async fn user_by_id(&mut self, site: &SiteId, id: &UserId) -> Result<Option<User>, StoreError> {
        self.one_in_site(
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE site_id = $1 AND id = $2 AND provisioning_state <> 'pending'"
            ),
            site,
            id.as_str(),
            user_from,
        )
        .await
    }

    async fn user_by_username(
        &mut self,
        site: &SiteId,
        username: &Username,
    ) -> Result<Option<User>, StoreError> {
        self.one_in_site(
            concat!(
                "SELECT ",
                user_columns!(),
                " FROM users WHERE site_id = $1 AND username_key = $2"
            ),
            site,
            username.key(),
            user_from,
        )
        .await
    }

    async fn holders_of_usernames(
        &mut self,
        site: &SiteId,
        usernames: &[Username],
    ) -> Result<Vec<(String, UserId)>, StoreError> {
        let mut holders = Vec::new();
        for chunk in usernames.chunks(KEYS_PER_STATEMENT) {
            let sql = format!(
                "SELECT username_key, id FROM users WHERE site_id = $1 AND username_key IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(site.as_str());
            for username in chunk {
                query = query.bind(username.key());
            }
            for row in query.fetch_all(self.conn()).await? {
                let c = Cols(&row);
                holders.push((c.text("username_key")?, UserId::from_raw(c.text("id")?)));
            }
        }
        Ok(holders)
    }

    async fn search_users(
        &mut self,
        site: &SiteId,
        filter: &UserFilter,
        page: Page,
    ) -> Result<Listed<User>, StoreError> {
        self.user_search_page(site, filter, page).await
    }

    async fn update_user(&mut self, user: &User) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "UPDATE users SET username = $3, username_key = $4, full_name = $5, \
             first_name = $6, last_name = $7, display_name = $8, email = $9, company = $10, \
             time_zone = $11, enabled = $12, auth_provider_id = $13, site_admin = $14, \
             readonly_site_admin = $15, two_factor = $16, webdav = $17, ftp = $18, sftp = $19, \
             external_id = $20, provisioned_by = $21, provisioned_by_provider_id = $22, \
             created_at = $23, updated_at = $24, last_login_at = $25, provisioning_state = $26, \
             provider_grants = $27, password_hash = $28, version = version + 1, \
             scim_match = CASE WHEN scim_resource IS NULL THEN $29 ELSE scim_match END, \
             email_key = $30, search_key = $31 WHERE site_id = $1 AND id = $2",
        );
        // A user a SCIM client wrote keeps the view the client set; one
        // derived from the columns follows them.
        let done = bind_user(query, user)
            .bind(match_form(&derived_attributes(user)))
            .bind(email_key(user))
            .bind(search_key(user))
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "username"))?;
        if done.rows_affected() == 1 && barred(user) {
            self.end_sessions(user).await?;
        }
        Ok(done.rows_affected() == 1)
    }

    async fn delete_user(&mut self, site: &SiteId, id: &UserId) -> Result<bool, StoreError> {
        // The user's groups change: new ETags (RFC 7644 §3.14).
        sqlx::query(
            "UPDATE groups SET version = version + 1 WHERE site_id = $1 AND id IN \
             (SELECT group_id FROM group_members WHERE site_id = $1 AND user_id = $2)",
        )
        .bind(site.as_str())
        .bind(id.as_str())
        .execute(self.conn())
        .await?;
        sqlx::query("DELETE FROM group_members WHERE site_id = $1 AND user_id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        let done = sqlx::query("DELETE FROM users WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id.as_str())
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn count_password_site_admins(
        &mut self,
        site: &SiteId,
        except: &UserId,
    ) -> Result<u64, StoreError> {
        self.count_in_site(
            "SELECT COUNT(*) FROM users WHERE site_id = $1 AND id <> $2 AND enabled = 1 \
             AND site_admin = 1 AND auth_provider_id IS NULL \
             AND provisioning_state <> 'pending'",
            site,
            except.as_str(),
        )
        .await
    }

    async fn count_users_signing_in_with(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<u64, StoreError> {
        self.count_in_site(
            "SELECT COUNT(*) FROM users WHERE site_id = $1 AND auth_provider_id = $2",
            site,
            provider.as_str(),
        )
        .await
    }

    async fn forget_provisioning_provider(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET provisioned_by_provider_id = NULL \
             WHERE site_id = $1 AND provisioned_by_provider_id = $2",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
