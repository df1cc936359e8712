//! The real [`MetadataClient`]: reqwest over rustls (certificates checked
//! against the operating system's roots), held to the rules of
//! `fetch_rules`. Names are resolved by [`CheckedResolver`], which hands
//! the connector only addresses that passed the check, so a name that
//! resolves to a private address is refused at every hop, redirects
//! included, and no second resolution can swap the address in between
//! (DNS rebinding). An address written in the URL never reaches a
//! resolver, so `fetch_rules::check_target` checks it, again at every hop.
//! No proxy is used: a proxy would resolve the name itself, unchecked.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{Url, redirect};
use roster_domain::HttpUrl;

use crate::MetadataClient;
use crate::fetch_rules::{check_address, check_redirect, check_target};

/// The largest document accepted; metadata of one IdP is a few KiB, and
/// `roster-saml` refuses larger documents anyway.
pub const MAX_METADATA_BYTES: usize = 2 * 1024 * 1024;

/// Why a metadata URL could not be fetched, in words an administrator can
/// act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataFetchError {
    #[error("not a URL roster can fetch: {0}")]
    BadUrl(String),
    #[error("only http and https URLs are fetched, not {0}:")]
    Scheme(String),
    #[error("cannot resolve the host {host}: {detail}")]
    Dns { host: String, detail: String },
    #[error(
        "{host} is the {class} address {address}, which roster does not fetch from unless \
         the operator allows private addresses (--saml-metadata-allow-private)"
    )]
    Blocked { host: String, address: std::net::IpAddr, class: &'static str },
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("no complete answer within {0} seconds")]
    Timeout(u64),
    #[error("the server answered HTTP {0}")]
    Status(u16),
    #[error("the document is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("redirect refused: {0}")]
    Redirect(String),
    #[error("the answer is not UTF-8 text")]
    NotText,
    #[error("the request failed: {0}")]
    Request(String),
}

/// The operator's settings for fetching metadata.
#[derive(Debug, Clone, Copy)]
pub struct MetadataClientConfig {
    /// Fetch from loopback, private, link-local and other non-public
    /// addresses too (an IdP inside the operator's network; tests).
    pub allow_private: bool,
}

/// How long a fetch may take. The defaults are roster's; tests shorten
/// them so that a server that never answers fails a save in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetadataTimeouts {
    /// How long connecting may take.
    pub connect: Duration,
    /// How long a whole fetch may take, redirects and body included.
    pub total: Duration,
}

impl Default for MetadataTimeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), total: Duration::from_secs(15) }
    }
}

/// Fetches metadata over HTTP(S) under the rules of `fetch_rules`.
pub struct HttpMetadataClient {
    client: reqwest::Client,
    allow_private: bool,
    timeouts: MetadataTimeouts,
}

impl HttpMetadataClient {
    pub fn new(config: MetadataClientConfig) -> Result<Self, MetadataFetchError> {
        Self::with_timeouts(config, MetadataTimeouts::default())
    }

    /// A client with other timeouts than roster's (tests).
    pub fn with_timeouts(
        config: MetadataClientConfig,
        timeouts: MetadataTimeouts,
    ) -> Result<Self, MetadataFetchError> {
        let allow_private = config.allow_private;
        let policy = redirect::Policy::custom(move |attempt| {
            let followed = attempt.previous().len().saturating_sub(1);
            let checked = match attempt.previous().last() {
                Some(from) => check_redirect(from, attempt.url(), followed, allow_private),
                None => check_target(attempt.url(), allow_private),
            };
            match checked {
                Ok(()) => attempt.follow(),
                Err(refusal) => attempt.error(refusal),
            }
        });
        let client = reqwest::Client::builder()
            .tls_backend_rustls()
            .dns_resolver(Arc::new(CheckedResolver::new(allow_private)))
            .no_proxy()
            .redirect(policy)
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION"), " (SAML metadata)"))
            .build()
            .map_err(|err| MetadataFetchError::Request(format!("client set-up: {err}")))?;
        Ok(Self { client, allow_private, timeouts })
    }

    async fn get(&self, url: Url) -> Result<String, MetadataFetchError> {
        check_target(&url, self.allow_private)?;
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/samlmetadata+xml, application/xml, text/xml")
            .send()
            .await
            .map_err(|err| self.request_error(err))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(unfollowed_redirect(&response, self.allow_private));
        }
        if !status.is_success() {
            return Err(MetadataFetchError::Status(status.as_u16()));
        }
        let too_large = MetadataFetchError::TooLarge { limit: MAX_METADATA_BYTES };
        if response.content_length().is_some_and(|length| length > MAX_METADATA_BYTES as u64) {
            return Err(too_large);
        }
        // Read in chunks, so that a server that lies about (or omits) the
        // length is cut off at the cap rather than filling memory.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| self.request_error(err))? {
            if body.len() + chunk.len() > MAX_METADATA_BYTES {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        String::from_utf8(body).map_err(|_| MetadataFetchError::NotText)
    }
}

#[async_trait::async_trait]
impl MetadataClient for HttpMetadataClient {
    async fn fetch(&self, url: &HttpUrl) -> Result<String, MetadataFetchError> {
        let url = Url::parse(url.as_str())
            .map_err(|err| MetadataFetchError::BadUrl(format!("{}: {err}", url.as_str())))?;
        self.get(url).await
    }
}

/// Why a redirect reached us instead of being followed: reqwest returns,
/// without asking the policy, a redirect it cannot follow (to `file:`,
/// `ftp:`, or without a usable `Location`).
fn unfollowed_redirect(response: &reqwest::Response, allow_private: bool) -> MetadataFetchError {
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let to = response.url().join(location);
    match to.map(|to| check_redirect(response.url(), &to, 0, allow_private)) {
        Ok(Err(refusal)) => refusal,
        Ok(Ok(())) | Err(_) => MetadataFetchError::Redirect(format!(
            "HTTP {} to {location:?} was not followed",
            response.status().as_u16()
        )),
    }
}

impl HttpMetadataClient {
    /// Our own refusal when it is in the error's chain (the resolver's or
    /// the redirect policy's), else the failure as reqwest classifies it.
    fn request_error(&self, err: reqwest::Error) -> MetadataFetchError {
        request_error(err, self.timeouts.total)
    }
}

fn request_error(err: reqwest::Error, total: Duration) -> MetadataFetchError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut innermost = err.to_string();
    while let Some(current) = source {
        if let Some(ours) = current.downcast_ref::<MetadataFetchError>() {
            return ours.clone();
        }
        innermost = current.to_string();
        source = current.source();
    }
    if err.is_timeout() {
        MetadataFetchError::Timeout(total.as_secs())
    } else if err.is_connect() {
        MetadataFetchError::Connect(innermost)
    } else {
        MetadataFetchError::Request(innermost)
    }
}

/// Resolves names with the system resolver and keeps only the addresses
/// the rules allow; the connector connects to nothing else.
pub(crate) struct CheckedResolver {
    allow_private: bool,
}

impl CheckedResolver {
    pub(crate) fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let dns = |detail: String| MetadataFetchError::Dns { host: host.clone(), detail };
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|err| dns(err.to_string()))?
                .collect();
            let mut refusal = None;
            let mut allowed = Vec::new();
            for address in found {
                match check_address(&host, address.ip(), allow_private) {
                    Ok(()) => allowed.push(address),
                    Err(err) => refusal = refusal.or(Some(err)),
                }
            }
            if allowed.is_empty() {
                let err = refusal.unwrap_or_else(|| dns("no address".into()));
                return Err(Box::new(err) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}
