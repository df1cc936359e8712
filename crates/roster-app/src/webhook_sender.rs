//! The outside service webhooks are delivered through: one signed POST.
//! The real [`HttpWebhookSender`] is reqwest over rustls, with the same
//! address rules as the SAML metadata client (`fetch_rules`, names
//! resolved by the metadata client's checked resolver, no proxy), no
//! redirects followed (a receiver that moved is told by the failure, and
//! the signed body never travels somewhere the administrator did not
//! name), and short timeouts so one slow receiver cannot hold the others.
//! It trusts the system's roots and the operator's own CA certificates
//! (`--webhook-ca-file`), if any.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Url, redirect};
use roster_domain::WebhookUrl;

use crate::MetadataFetchError;
use crate::fetch_rules::check_target;
use crate::metadata_client::CheckedResolver;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a receiver may take to answer a delivery.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One delivery's request: the headers besides `content-type`, and the
/// body they sign.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Why a delivery got no answer, in words an administrator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

/// Posts deliveries; returns the receiver's HTTP status.
#[async_trait::async_trait]
pub trait WebhookSender: Send + Sync {
    async fn post(&self, url: &WebhookUrl, request: WebhookRequest) -> Result<u16, SendError>;
}

pub struct HttpWebhookSender {
    client: reqwest::Client,
    allow_private: bool,
}

impl HttpWebhookSender {
    /// `allow_private`: the operator's `--webhook-allow-private`;
    /// `ca_pem`: the certificates of `--webhook-ca-file`, trusted besides
    /// the system's roots (an operator's own CA signing its receivers').
    pub fn new(allow_private: bool, ca_pem: Option<&[u8]>) -> Result<Self, SendError> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_rustls()
            .dns_resolver(Arc::new(CheckedResolver::new(allow_private)))
            .no_proxy()
            .redirect(redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(DELIVERY_TIMEOUT)
            .user_agent(concat!("roster/", env!("CARGO_PKG_VERSION"), " (webhooks)"));
        if let Some(pem) = ca_pem {
            builder = builder.tls_certs_merge(ca_certificates(pem)?);
        }
        let client = builder
            .build()
            .map_err(|err| SendError(format!("client set-up: {}", innermost(&err))))?;
        Ok(Self { client, allow_private })
    }
}

/// The certificates of a PEM bundle: at least one, each well formed.
fn ca_certificates(pem: &[u8]) -> Result<Vec<reqwest::Certificate>, SendError> {
    let certificates = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|err| SendError(format!("a certificate is not valid PEM: {}", innermost(&err))))?;
    if certificates.is_empty() {
        return Err(SendError(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned(),
        ));
    }
    Ok(certificates)
}

/// Checks `--webhook-ca-file`'s certificates as the webhook client will
/// trust them (at start-up, so that a bad file stops roster with its
/// reason rather than failing every delivery); returns how many it holds.
pub fn check_webhook_ca(pem: &[u8]) -> Result<usize, SendError> {
    let count = ca_certificates(pem)?.len();
    HttpWebhookSender::new(false, Some(pem))?;
    Ok(count)
}

/// The last error of a chain: reqwest's own says only "builder error".
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[async_trait::async_trait]
impl WebhookSender for HttpWebhookSender {
    async fn post(&self, url: &WebhookUrl, request: WebhookRequest) -> Result<u16, SendError> {
        let parsed = check_destination(url, self.allow_private)?;
        let mut post = self
            .client
            .post(parsed)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(request.body);
        for (name, value) in request.headers {
            post = post.header(name, value);
        }
        // The answer's body is not read: only the status matters, and a
        // receiver cannot make roster hold a large answer.
        let response = post.send().await.map_err(send_error)?;
        Ok(response.status().as_u16())
    }
}

/// The URL as reqwest reads it, if roster may deliver to it: `https`, or
/// `http` only where the operator allows private destinations (checked
/// again at every delivery, so switching the setting off stops the plain
/// ones already saved), and no address written in the URL that is not
/// public unless allowed. Names are checked when they are resolved.
pub(crate) fn check_destination(url: &WebhookUrl, allow_private: bool) -> Result<Url, SendError> {
    let parsed =
        Url::parse(url.as_str()).map_err(|err| SendError(format!("not a usable URL: {err}")))?;
    if parsed.scheme() != "https" && !allow_private {
        return Err(SendError(
            "plain http:// is delivered only where the operator allows private destinations \
             (--webhook-allow-private)"
                .to_owned(),
        ));
    }
    check_target(&parsed, allow_private).map_err(refusal)?;
    Ok(parsed)
}

/// The address rules' refusal, naming the webhooks' own setting. The
/// address itself is left out, and so is the resolver's detail: the
/// message reaches site administrators, who must not learn the operator's
/// network through it.
fn refusal(err: MetadataFetchError) -> SendError {
    match err {
        MetadataFetchError::Blocked { host, class, .. } => SendError(format!(
            "{host} is a {class} address, which webhooks do not reach unless the operator \
             allows private destinations (--webhook-allow-private)"
        )),
        MetadataFetchError::Dns { host, .. } => {
            SendError(format!("cannot resolve the host {host}"))
        }
        other => SendError(other.to_string()),
    }
}

/// Our own refusal when it is in the chain (the resolver's), else what
/// went wrong as reqwest classifies it.
fn send_error(err: reqwest::Error) -> SendError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    let mut innermost = err.to_string();
    while let Some(current) = source {
        if let Some(ours) = current.downcast_ref::<MetadataFetchError>() {
            return refusal(ours.clone());
        }
        innermost = current.to_string();
        source = current.source();
    }
    if err.is_timeout() {
        SendError(format!("no answer within {} seconds", DELIVERY_TIMEOUT.as_secs()))
    } else if err.is_connect() {
        SendError(format!("cannot connect: {innermost}"))
    } else {
        SendError(format!("the request failed: {innermost}"))
    }
}
