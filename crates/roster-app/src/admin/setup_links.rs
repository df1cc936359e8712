//! Set-up links: a site's administrator (or an operator) hands the
//! customer's IT administrator a time-limited, revocable link to configure
//! one SSO provider (its SAML trust, its SCIM credential) without access
//! to the rest of the console.
//!
//! The link's secret is generated here, shown once (in the answer that
//! creates the link, inside its URL) and stored only as a hash. Opening
//! the link gives a [`SetupGrant`], a principal that sees nothing but its
//! provider (see `crate::access`); the HTTP layer checks the link again on
//! every request, so a revocation, an expiry or the provider's deletion
//! takes effect at once. An unknown, expired or revoked secret, or one
//! whose provider is gone, is one indistinguishable "not found".

use jiff::{SignedDuration, Timestamp};
use roster_domain::history::Action;
use roster_domain::{LinkLifetime, Provider, ProviderName, Secret, SetupLink, SiteSlug};
use roster_store::{ProviderRepo, SetupLinkRepo, StoreError, Transaction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::field;
use super::input::{duration, opaque_id, text};
use super::lookup::{changeable_site, visible_site};
use super::{Admin, AdminError, AdminTx};
use crate::{Principal, SetupGrant, secrets};

/// The prefix of a link's secret, so that one found in a log or a mail is
/// recognised for what it is.
const SECRET_PREFIX: &str = "roster_setup_";

/// The path under the public URL that opens a link.
pub const SETUP_PATH: &str = "/setup";

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupLinkInput {
    /// The id of the provider the link sets up.
    pub provider: String,
    /// How long the link works: `90m`, `24h`, `7d` (the default), from 1h
    /// to 30d.
    pub expires_in: Option<String>,
    /// Whom or what the link is for, shown in lists.
    pub description: Option<String>,
}

/// A link as administrators see it: never its secret.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct SetupLinkView {
    pub id: String,
    pub provider_id: String,
    pub description: Option<String>,
    /// Who made it: `operator`, `site_key` or `user:<id>`.
    pub created_by: String,
    /// `usable`, `expired` or `revoked`.
    #[schema(examples("usable"))]
    pub state: &'static str,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
    /// When someone last opened it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_opened_at: Option<Timestamp>,
}

impl SetupLinkView {
    fn of(link: SetupLink, now: Timestamp) -> Self {
        Self {
            state: link.state(now).as_str(),
            id: link.id,
            provider_id: link.provider_id.as_str().to_owned(),
            description: link.description,
            created_by: link.created_by,
            created_at: link.created_at,
            expires_at: link.expires_at,
            revoked_at: link.revoked_at,
            last_opened_at: link.last_opened_at,
        }
    }
}

/// A new link with its secret and URL, shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedSetupLink {
    #[serde(flatten)]
    pub link: SetupLinkView,
    #[serde(serialize_with = "Secret::serialize_exposed")]
    #[schema(value_type = String)]
    pub secret: Secret,
    /// What to hand over: `{public URL}/setup/{secret}` (a path only when
    /// roster runs without `--public-url`).
    #[serde(serialize_with = "Secret::serialize_exposed")]
    #[schema(value_type = String)]
    pub url: Secret,
}

/// An opened link: the principal it grants and what the set-up pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedSetupLink {
    pub grant: SetupGrant,
    /// The site's slug, for the admin use cases the grant calls.
    pub site: SiteSlug,
    pub provider_id: String,
    pub provider_name: ProviderName,
    pub expires_at: Timestamp,
    /// How long the link still works.
    pub remaining: SignedDuration,
}

impl OpenedSetupLink {
    pub fn principal(&self) -> Principal {
        Principal::SetupLink(self.grant.clone())
    }
}

/// The one answer for a link that cannot be used, whatever the reason.
fn unusable() -> AdminError {
    AdminError::NotFound { what: "set-up link" }
}

fn link_id(raw: &str) -> Result<&str, AdminError> {
    opaque_id(raw).ok_or(AdminError::NotFound { what: "set-up link" })
}

/// `created_by`: the actor as the history log names it.
fn creator(who: &Principal) -> String {
    match who {
        Principal::Operator => "operator".to_owned(),
        Principal::SiteKey(_) => "site_key".to_owned(),
        Principal::Person(person) => format!("user:{}", person.user.as_str()),
        // A link cannot make links (it sees no site); named anyway.
        Principal::SetupLink(grant) => format!("setup_link:{}", grant.link),
    }
}

impl Admin<'_> {
    /// A new link for one provider of the site, valid from now for the
    /// lifetime asked (a week by default).
    pub async fn create_setup_link(
        &self,
        who: &Principal,
        site: &str,
        input: SetupLinkInput,
    ) -> Result<CreatedSetupLink, AdminError> {
        let lifetime = match input.expires_in.as_deref() {
            None => LinkLifetime::standard(),
            Some(raw) => {
                let asked = duration("expires_in", raw, roster_domain::MAX_LINK_LIFETIME)?;
                field("expires_in", LinkLifetime::new(asked))?
            }
        };
        let description =
            text("description", input.description.as_deref())?.map(|text| text.as_str().to_owned());
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let provider = super::lookup::load::<Provider, _>(&mut tx, &site, &input.provider).await?;
        let now = self.now();
        let secret = secrets::generate(SECRET_PREFIX);
        let link = SetupLink {
            id: uuid::Uuid::new_v4().to_string(),
            site_id: site.id.clone(),
            provider_id: provider.id.clone(),
            secret_hash: secrets::hash(&secret),
            description,
            created_by: creator(who),
            created_at: now,
            expires_at: now + lifetime.get(),
            revoked_at: None,
            last_opened_at: None,
        };
        tx.insert_setup_link(&link).await?;
        let mut history = self.recorder(who, &site.id);
        history.setup_link(Action::Created, &link.id, &provider.name);
        history.write(&mut tx).await?;
        tx.commit().await?;
        let base = self.ctx.config.public_url.as_deref().unwrap_or("").trim_end_matches('/');
        let url = Secret::new(format!("{base}{SETUP_PATH}/{secret}"));
        Ok(CreatedSetupLink {
            link: SetupLinkView::of(link, now),
            secret: Secret::new(secret),
            url,
        })
    }

    /// A site's links, newest first, with their state; never a secret.
    pub async fn list_setup_links(
        &self,
        who: &Principal,
        site: &str,
    ) -> Result<Vec<SetupLinkView>, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let now = self.now();
        Ok(tx.setup_links(&site.id).await?.into_iter().map(|l| SetupLinkView::of(l, now)).collect())
    }

    /// Revokes a link at once; revoking it again changes nothing.
    pub async fn revoke_setup_link(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<(), AdminError> {
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let link = tx.setup_link(&site.id, link_id(id)?).await?.ok_or_else(unusable)?;
        if link.revoked_at.is_none() {
            tx.revoke_setup_link(&site.id, &link.id, self.now()).await?;
            let provider = tx.provider_by_id(&site.id, &link.provider_id).await?;
            if let Some(provider) = provider {
                let mut history = self.recorder(who, &site.id);
                history.setup_link(Action::Revoked, &link.id, &provider.name);
                history.write(&mut tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Exchanges a link's secret for its grant, recording in the history
    /// log (and on the link) that it was opened.
    pub async fn open_setup_link(&self, secret: &str) -> Result<OpenedSetupLink, AdminError> {
        let mut tx = self.write().await?;
        let (link, opened) = usable_link(&mut tx, secret, self.now()).await?;
        let now = self.now();
        tx.touch_setup_link(&link.site_id, &link.id, now).await?;
        let who = opened.principal();
        let mut history = self.recorder(&who, &link.site_id);
        history.setup_link(Action::Opened, &link.id, &opened.provider_name);
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(opened)
    }

    /// The grant of an opened link, checked again: for every request of a
    /// set-up session, so that a revocation or an expiry ends it at once.
    pub async fn check_setup_link(&self, secret: &str) -> Result<OpenedSetupLink, AdminError> {
        let mut tx = self.read().await?;
        Ok(usable_link(&mut tx, secret, self.now()).await?.1)
    }
}

/// The link `secret` opens, if it can be used at `now` and its provider
/// still exists.
async fn usable_link<T: AdminTx>(
    tx: &mut T,
    secret: &str,
    now: Timestamp,
) -> Result<(SetupLink, OpenedSetupLink), AdminError> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Err(unusable());
    }
    let link = tx.setup_link_by_hash(&secrets::hash(secret)).await?.ok_or_else(unusable)?;
    if !link.is_usable(now) {
        return Err(unusable());
    }
    let (site, provider) = site_and_provider(tx, &link).await?.ok_or_else(unusable)?;
    let opened = OpenedSetupLink {
        grant: SetupGrant {
            site: link.site_id.clone(),
            provider: link.provider_id.clone(),
            link: link.id.clone(),
        },
        site,
        provider_id: provider.id.as_str().to_owned(),
        provider_name: provider.name,
        expires_at: link.expires_at,
        remaining: link.remaining(now),
    };
    Ok((link, opened))
}

async fn site_and_provider<T: AdminTx>(
    tx: &mut T,
    link: &SetupLink,
) -> Result<Option<(SiteSlug, Provider)>, StoreError> {
    let Some(site) = tx.site_by_id(&link.site_id).await? else { return Ok(None) };
    let provider = tx.provider_by_id(&link.site_id, &link.provider_id).await?;
    Ok(provider.map(|provider| (site.slug, provider)))
}
