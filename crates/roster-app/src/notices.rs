//! The notices areas send when something needs an administrator (SPEC
//! §5, §6): LDAP provisioning that switched itself off, and SAML metadata
//! that stopped refreshing. Each is one alert (`alerts.rs`), keyed so that
//! it goes out once per event: once per switch-off, once per failure
//! streak of a metadata URL. Sending never fails the caller's work: a
//! notice that cannot be delivered is logged, and recorded for a retry
//! when it can.

use jiff::Timestamp;
use roster_domain::{HttpUrl, ProviderId, SiteId};
use roster_store::SiteRepo;

use crate::alert_mail::{self, About, AlertText};
use crate::alerts::{self, Alert, AlertKind};
use crate::{Context, InternalError, secrets};

/// The provider a notice is about.
pub(crate) struct Subject<'a> {
    pub site: &'a SiteId,
    pub provider: &'a ProviderId,
    pub provider_name: &'a str,
}

/// LDAP provisioning of a provider switched itself off at `at` after
/// `failures` failed syncs in a row.
pub(crate) async fn ldap_switched_off(
    ctx: &Context,
    subject: Subject<'_>,
    failures: u32,
    last_failure: Option<&str>,
    at: Timestamp,
) {
    // A switch-off happens once, under the sync's lease: its time names it.
    let key = format!("ldap-switched-off:{}:{}", subject.provider.as_str(), at.as_microsecond());
    let text = |about: About<'_>| {
        let public_url = ctx.config.public_url.as_deref();
        alert_mail::ldap_switched_off(about, failures, last_failure, at, public_url)
    };
    send(ctx, &subject, key, AlertKind::LdapSwitchedOff, text, at).await;
}

/// A refresh of a provider's SAML metadata from `url` failed at `at`;
/// `last_good` is when it last succeeded. Called at every failure: the
/// key names the streak (the URL and its last success), so that only the
/// first failure after a success is mailed.
pub(crate) async fn saml_metadata_failing(
    ctx: &Context,
    subject: Subject<'_>,
    url: &HttpUrl,
    error: &str,
    last_good: Option<Timestamp>,
    at: Timestamp,
) {
    let url_hash = secrets::hash(url.as_str());
    let since = last_good.map_or_else(|| "never".to_owned(), |at| at.as_microsecond().to_string());
    let key = format!(
        "saml-metadata-failing:{}:{}:{since}",
        subject.provider.as_str(),
        url_hash.get(..16).unwrap_or(&url_hash)
    );
    let text = |about: About<'_>| {
        let public_url = ctx.config.public_url.as_deref();
        alert_mail::saml_metadata_failing(about, url.as_str(), error, last_good, at, public_url)
    };
    send(ctx, &subject, key, AlertKind::SamlMetadataFailing, text, at).await;
}

async fn send(
    ctx: &Context,
    subject: &Subject<'_>,
    key: String,
    kind: AlertKind,
    text: impl FnOnce(About<'_>) -> AlertText,
    at: Timestamp,
) {
    let sent = async {
        let site = {
            let mut tx = ctx.store.read().await?;
            tx.site_by_id(subject.site).await?
        };
        // A site deleted meanwhile has nobody to tell.
        let Some(site) = site else { return Ok::<_, InternalError>(None) };
        let about = About {
            site_slug: site.slug.as_str(),
            site_name: site.name.as_str(),
            provider: subject.provider_name,
        };
        let alert = Alert {
            site: subject.site.clone(),
            key,
            kind,
            provider: subject.provider.clone(),
            text: text(about),
        };
        alerts::deliver(ctx, &alert, at).await
    };
    match sent.await {
        Ok(Some(delivery)) => {
            tracing::info!(site = %subject.site, provider = %subject.provider, outcome = ?delivery.outcome, subject = %delivery.subject, "a notice to the site's administrators");
        }
        Ok(None) => {}
        Err(err) => {
            tracing::error!(site = %subject.site, provider = %subject.provider, error = %err, "a notice to the site's administrators could not be recorded");
        }
    }
}
