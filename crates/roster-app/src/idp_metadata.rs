//! SAML trust by metadata URL (SPEC §5), what the admin area (a save
//! fetches first) and the refresh job share: fetching a provider's
//! metadata and checking that an SP can use it, when to fetch it again,
//! and the stored state after a success or a failure.
//!
//! Invariants: a failure never replaces the last good document (sign-in
//! keeps working while the IdP's URL is down); a success clears the last
//! failure; the next fetch is due within [`MIN_REFRESH`] to
//! [`MAX_REFRESH`], whatever the document asks.

use jiff::{SignedDuration, Timestamp};
use roster_domain::{HttpUrl, ProviderId, SiteId};
use roster_saml::{IdpMetadata, parse_idp_metadata};
use roster_store::IdpMetadataRecord;

use crate::MetadataClient;
use crate::metadata_client::MetadataFetchError;

/// The soonest a good document is fetched again, whatever its
/// `cacheDuration` says, so a tiny value cannot make roster hammer the IdP.
pub const MIN_REFRESH: SignedDuration = SignedDuration::from_mins(5);
/// The latest: at least daily, so a rotation announced in the metadata is
/// seen within a day even when the document asks for longer caching.
pub const MAX_REFRESH: SignedDuration = SignedDuration::from_hours(24);
/// When a failed fetch is tried again.
pub const RETRY_AFTER_FAILURE: SignedDuration = SignedDuration::from_mins(15);

/// Why a provider's metadata URL gives no usable trust.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataProblem {
    #[error("cannot fetch the metadata: {0}")]
    Fetch(#[from] MetadataFetchError),
    #[error("the document is not usable IdP metadata: {0}")]
    Unusable(String),
}

/// A fetched document that an SP can use, and what it says.
pub(crate) struct GoodMetadata {
    pub xml: String,
    pub metadata: IdpMetadata,
}

/// Fetches `url` and checks the document as a sign-in needs it: an IdP
/// entity with a signing certificate and an HTTP-Redirect sign-in endpoint.
pub(crate) async fn fetch_checked(
    client: &dyn MetadataClient,
    url: &HttpUrl,
) -> Result<GoodMetadata, MetadataProblem> {
    let xml = client.fetch(url).await?;
    let metadata = usable(&xml)?;
    Ok(GoodMetadata { xml, metadata })
}

/// What a document says, when a sign-in can use it.
pub(crate) fn usable(xml: &str) -> Result<IdpMetadata, MetadataProblem> {
    let metadata =
        parse_idp_metadata(xml).map_err(|err| MetadataProblem::Unusable(err.to_string()))?;
    if metadata.sso_redirect_url.is_none() {
        return Err(MetadataProblem::Unusable(
            "the IdP offers no SingleSignOnService with the HTTP-Redirect binding".into(),
        ));
    }
    Ok(metadata)
}

/// When a document fetched at `now` is fetched again: when its
/// `cacheDuration` ends or its `validUntil` comes, whichever is first,
/// kept between [`MIN_REFRESH`] and [`MAX_REFRESH`] from now.
pub fn refresh_due(
    now: Timestamp,
    valid_until: Option<Timestamp>,
    cache_duration: Option<SignedDuration>,
) -> Timestamp {
    let until_valid = valid_until.map(|until| now.duration_until(until));
    let wait = [until_valid, cache_duration, Some(MAX_REFRESH)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(MAX_REFRESH)
        .clamp(MIN_REFRESH, MAX_REFRESH);
    now.saturating_add(wait).unwrap_or(now)
}

/// The state after a good fetch at `now`.
pub(crate) fn fetched(
    site: &SiteId,
    provider: &ProviderId,
    url: &HttpUrl,
    good: GoodMetadata,
    now: Timestamp,
) -> IdpMetadataRecord {
    IdpMetadataRecord {
        site_id: site.clone(),
        provider_id: provider.clone(),
        url: url.clone(),
        refresh_due_at: refresh_due(now, good.metadata.valid_until, good.metadata.cache_duration),
        xml: Some(good.xml),
        fetched_at: Some(now),
        error: None,
        error_at: None,
    }
}

/// The state after a failed fetch at `now`: the last good document of the
/// same URL is kept, and the failure recorded.
pub(crate) fn failed(
    previous: Option<IdpMetadataRecord>,
    site: &SiteId,
    provider: &ProviderId,
    url: &HttpUrl,
    problem: &MetadataProblem,
    now: Timestamp,
) -> IdpMetadataRecord {
    let kept = previous.filter(|record| record.url == *url);
    IdpMetadataRecord {
        site_id: site.clone(),
        provider_id: provider.clone(),
        url: url.clone(),
        xml: kept.as_ref().and_then(|record| record.xml.clone()),
        fetched_at: kept.as_ref().and_then(|record| record.fetched_at),
        refresh_due_at: now.saturating_add(RETRY_AFTER_FAILURE).unwrap_or(now),
        error: Some(problem.to_string()),
        error_at: Some(now),
    }
}

/// The last good document of `url` in `record`, if there is one.
pub(crate) fn good_xml<'r>(
    record: Option<&'r IdpMetadataRecord>,
    url: &HttpUrl,
) -> Option<&'r str> {
    record.filter(|record| record.url == *url).and_then(|record| record.xml.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    const HOUR: i64 = 3600;

    #[test]
    fn refresh_follows_the_document_within_bounds() {
        let now = at(0);
        let hours = |h: i64| SignedDuration::from_hours(h);
        let cases = [
            (None, None, at(24 * HOUR), "nothing said: daily"),
            (None, Some(hours(6)), at(6 * HOUR), "cacheDuration"),
            (Some(at(2 * HOUR)), None, at(2 * HOUR), "validUntil"),
            (Some(at(2 * HOUR)), Some(hours(6)), at(2 * HOUR), "the sooner of the two"),
            (Some(at(9 * HOUR)), Some(hours(3)), at(3 * HOUR), "the sooner of the two"),
            (None, Some(hours(24 * 7)), at(24 * HOUR), "at least daily"),
            (Some(at(30 * 24 * HOUR)), None, at(24 * HOUR), "at least daily"),
            (None, Some(SignedDuration::from_secs(10)), at(300), "never sooner than 5 min"),
            (Some(at(60)), None, at(300), "never sooner than 5 min"),
            (Some(at(-HOUR)), None, at(300), "already expired"),
        ];
        for (valid_until, cache, want, why) in cases {
            assert_eq!(refresh_due(now, valid_until, cache), want, "{why}");
        }
    }

    fn record(url: &str, xml: Option<&str>) -> IdpMetadataRecord {
        IdpMetadataRecord {
            site_id: SiteId::from_raw("s"),
            provider_id: ProviderId::from_raw("p"),
            url: HttpUrl::parse(url).unwrap(),
            xml: xml.map(str::to_owned),
            fetched_at: xml.map(|_| at(-HOUR)),
            refresh_due_at: at(0),
            error: None,
            error_at: None,
        }
    }

    #[test]
    fn a_failure_keeps_the_last_good_document_of_the_same_url() {
        let url = HttpUrl::parse("https://idp.example.com/md").unwrap();
        let (site, provider) = (SiteId::from_raw("s"), ProviderId::from_raw("p"));
        let problem = MetadataProblem::Fetch(MetadataFetchError::Status(500));
        let previous = record(url.as_str(), Some("<md/>"));
        let after = failed(Some(previous), &site, &provider, &url, &problem, at(0));
        assert_eq!(after.xml.as_deref(), Some("<md/>"));
        assert_eq!(after.fetched_at, Some(at(-HOUR)));
        assert_eq!(
            after.error.as_deref(),
            Some("cannot fetch the metadata: the server answered HTTP 500")
        );
        assert_eq!(after.error_at, Some(at(0)));
        assert_eq!(after.refresh_due_at, at(15 * 60));
        assert_eq!(good_xml(Some(&after), &url), Some("<md/>"));

        let other = record("https://old.example.com/md", Some("<old/>"));
        let after = failed(Some(other), &site, &provider, &url, &problem, at(0));
        assert_eq!(after.xml, None, "another URL's document is not kept");
        assert_eq!(
            good_xml(Some(&record("https://old.example.com/md", Some("<old/>"))), &url),
            None
        );
    }
}
