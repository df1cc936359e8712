//! Admin keys: the bearer credentials of the admin API. A key belongs to one
//! site, or is an operator key for the whole instance. The clear key is
//! returned once, at creation; only its SHA-256 hash is stored.

use roster_domain::{AdminKeyId, Secret};
use roster_store::{AdminKeyRecord, AdminKeyRepo, Transaction};
use serde::Serialize;

use super::input::opaque_id;
use super::lookup::{changeable_site, visible_site};
use super::views::{AdminKeyView, ListView};
use super::{Admin, AdminError, PageRequest};
use crate::{Principal, secrets};
use utoipa::ToSchema;

/// Every admin key starts with this, so that secret scanners recognise it.
const KEY_PREFIX: &str = "roster_ak_";
/// How many characters of the key are kept in clear to recognise it.
const SHOWN_PREFIX_LEN: usize = KEY_PREFIX.len() + 8;
/// `last_used_at` is refreshed at most this often, so that reading through
/// the API does not turn every request into a write.
const TOUCH_INTERVAL_SECONDS: i64 = 60;

/// Whom a new key is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminKeyScope {
    Operator,
    Site(String),
}

/// A freshly created key: the only time its clear value is shown.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAdminKey {
    #[serde(flatten)]
    pub key: AdminKeyView,
    #[serde(serialize_with = "Secret::serialize_exposed")]
    #[schema(value_type = String)]
    pub secret: Secret,
}

fn key_name(name: Option<&str>) -> Result<String, AdminError> {
    let name = name.unwrap_or("admin key");
    if name.trim().is_empty() || name.chars().any(char::is_control) || name.chars().count() > 100 {
        return Err(AdminError::invalid("name", "must be 1 to 100 printable characters"));
    }
    Ok(name.to_owned())
}

impl Admin<'_> {
    pub async fn create_admin_key(
        &self,
        who: &Principal,
        scope: AdminKeyScope,
        name: Option<&str>,
    ) -> Result<CreatedAdminKey, AdminError> {
        let name = key_name(name)?;
        let mut tx = self.write().await?;
        let site_id = match &scope {
            AdminKeyScope::Operator => {
                who.require_operator()
                    .map_err(|denied| AdminError::denied(denied, "create operator keys"))?;
                None
            }
            AdminKeyScope::Site(slug) => Some(changeable_site(&mut tx, who, slug).await?.id),
        };
        let secret = secrets::generate(KEY_PREFIX);
        let record = AdminKeyRecord {
            id: AdminKeyId::from_raw(uuid::Uuid::new_v4().to_string()),
            site_id,
            name,
            secret_hash: secrets::hash(&secret),
            prefix: secret.chars().take(SHOWN_PREFIX_LEN).collect(),
            created_at: self.now(),
            last_used_at: None,
            revoked_at: None,
        };
        tx.insert_admin_key(&record).await?;
        tx.commit().await?;
        Ok(CreatedAdminKey { key: record.into(), secret: Secret::new(secret) })
    }

    /// Keys of one site, or (operators only, with `None`) of the instance.
    pub async fn list_admin_keys(
        &self,
        who: &Principal,
        site: Option<&str>,
        page: PageRequest,
    ) -> Result<ListView<AdminKeyView>, AdminError> {
        let page = page.page()?;
        let mut tx = self.read().await?;
        let site_id = match site {
            Some(slug) => Some(visible_site(&mut tx, who, slug).await?.id),
            None => match who.own_site() {
                // A set-up link is confined to a site it does not see.
                Some(own) if !who.sees(own) => return Err(AdminError::NotFound { what: "site" }),
                own => own.cloned(),
            },
        };
        let listed = tx.list_admin_keys(site_id.as_ref(), page).await?;
        Ok(ListView::from_listed(listed, page, AdminKeyView::from))
    }

    /// Revokes a key at once. A site key may revoke keys of its own site,
    /// itself included.
    pub async fn revoke_admin_key(&self, who: &Principal, id: &str) -> Result<(), AdminError> {
        who.may_change().map_err(|denied| AdminError::denied(denied, "revoke keys"))?;
        let mut tx = self.write().await?;
        // A site key cannot even confirm that another site's key exists.
        let scope = who.own_site();
        let id = opaque_id(id).ok_or(AdminError::NotFound { what: "admin key" })?;
        let key = tx
            .admin_key_by_id(scope, &AdminKeyId::from_raw(id))
            .await?
            .ok_or(AdminError::NotFound { what: "admin key" })?;
        if key.revoked_at.is_none() {
            tx.revoke_admin_key(scope, &key.id, self.now()).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Resolves a bearer key into the principal it stands for.
    pub async fn authenticate_admin(&self, secret: &str) -> Result<Principal, AdminError> {
        if !secret.starts_with(KEY_PREFIX) {
            return Err(AdminError::Unauthorized);
        }
        let hash = secrets::hash(secret);
        let key = {
            let mut tx = self.read().await?;
            tx.admin_key_by_hash(&hash).await?
        };
        let Some(key) = key.filter(|key| key.revoked_at.is_none()) else {
            return Err(AdminError::Unauthorized);
        };
        self.record_use(&key).await?;
        Ok(match key.site_id {
            None => Principal::Operator,
            Some(site) => Principal::SiteKey(site),
        })
    }

    /// Records that `key` is used now, at most once a
    /// [`TOUCH_INTERVAL_SECONDS`].
    pub(super) async fn record_use(&self, key: &AdminKeyRecord) -> Result<(), AdminError> {
        let now = self.now();
        let stale = key
            .last_used_at
            .is_none_or(|used| now.as_second() - used.as_second() >= TOUCH_INTERVAL_SECONDS);
        if stale {
            let mut tx = self.write().await?;
            tx.touch_admin_key(&key.id, now).await?;
            tx.commit().await?;
        }
        Ok(())
    }
}
