//! What the SCIM request log records of each request to `/api/scim`
//! (SPEC §7): a layer that notes the time, method, path, whitelisted
//! headers and the request body as the handler reads it, takes the answer
//! as it goes out, and hands the exchange to the application's recorder,
//! which redacts and writes it in the background.
//!
//! Which site and provider a request belongs to is known only once its
//! credential is checked, so the credential extractor leaves a note
//! ([`AuthNote`]) in the request's extensions: the client it found, or why
//! it refused. The client's `401` is the same whatever the note says.
//!
//! The `Authorization` header never reaches the recorder: only
//! [`roster_app::KEPT_HEADERS`] are copied.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use roster_app::scim::{AuthRefusal, ScimFailure, ScimScope};
use roster_app::scim_log::ScimExchange;
use roster_app::{App, CapturedBody, KEPT_HEADERS};
use roster_domain::{ProviderId, ProviderKind, SiteId};

use crate::REQUEST_ID;
use crate::body::BODY_LIMIT;

/// Where the layer's routes are nested.
pub(crate) const MOUNT: &str = "/api/scim";

/// What the credential extractor found out about the request.
#[derive(Debug, Clone)]
pub(crate) enum Identified {
    Client { site: SiteId, provider: ProviderId, kind: ProviderKind },
    Refused(AuthRefusal),
}

/// The extractor's note to this layer, shared through the request's
/// extensions.
#[derive(Clone, Default)]
pub(crate) struct AuthNote(Arc<Mutex<Option<Identified>>>);

impl Identified {
    /// What an authentication's outcome says about the client, if
    /// anything (a server failure says nothing).
    pub(crate) fn of(outcome: &Result<ScimScope, ScimFailure>) -> Option<Self> {
        match outcome {
            Ok(scope) => Some(Self::Client {
                site: scope.site.clone(),
                provider: scope.provider.clone(),
                kind: scope.kind,
            }),
            Err(ScimFailure::Unauthenticated(refusal)) => Some(Self::Refused(refusal.clone())),
            Err(ScimFailure::Refused(_) | ScimFailure::Internal(_)) => None,
        }
    }
}

impl AuthNote {
    /// Notes what authentication found, when the request is being logged
    /// or measured.
    pub(crate) fn leave(parts: &Parts, identified: Identified) {
        if let Some(note) = parts.extensions.get::<Self>() {
            *lock(&note.0) = Some(identified);
        }
    }

    /// The note of the request, put in its extensions (by the metrics
    /// layer, or here) so that the credential extractor finds it.
    pub(crate) fn attach(extensions: &mut axum::http::Extensions) -> Self {
        extensions.get_or_insert_default::<Self>().clone()
    }

    /// The provider kind of the authenticated client, if one authenticated.
    pub(crate) fn kind(&self) -> Option<ProviderKind> {
        match &*lock(&self.0) {
            Some(Identified::Client { kind, .. }) => Some(*kind),
            Some(Identified::Refused(_)) | None => None,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while the lock was held leaves plain data, still usable.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The bytes of a request body that the handler read, up to the limit of
/// any SCIM body, and whether it read them to the end.
#[derive(Default)]
struct Seen {
    bytes: Vec<u8>,
    overflowed: bool,
    ended: bool,
}

/// A request body that copies what the handler reads of it.
struct Tee {
    inner: Body,
    seen: Arc<Mutex<Seen>>,
}

impl HttpBody for Tee {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let mut seen = lock(&self.seen);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    if seen.bytes.len().saturating_add(data.len()) > BODY_LIMIT {
                        seen.overflowed = true;
                    } else {
                        seen.bytes.extend_from_slice(data);
                    }
                }
            }
            Poll::Ready(None) => seen.ended = true,
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        let ended = self.inner.is_end_stream();
        if ended {
            lock(&self.seen).ended = true;
        }
        ended
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The layer on `/api/scim`.
pub(crate) async fn capture(State(app): State<App>, request: Request, next: Next) -> Response {
    let log = app.scim_log();
    if !log.enabled() {
        return next.run(request).await;
    }
    let started = Instant::now();
    let at = log.now();
    let (mut parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    // Inside `nest`, the URI has lost its mount point; the log keeps the
    // path the client sent (in its canonical case).
    let uri = &parts.uri;
    let path =
        format!("{MOUNT}{}", uri.path_and_query().map_or_else(|| uri.path(), |pq| pq.as_str()));
    let request_id = header_text(&parts, REQUEST_ID.as_str()).unwrap_or_default();
    let authorization =
        parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let request_headers = KEPT_HEADERS
        .iter()
        .filter_map(|name| header_text(&parts, name).map(|value| ((*name).to_owned(), value)))
        .collect();
    let note = AuthNote::attach(&mut parts.extensions);
    let seen = Arc::new(Mutex::new(Seen {
        ended: body.size_hint().exact() == Some(0),
        ..Seen::default()
    }));
    let tee = Tee { inner: body, seen: seen.clone() };
    let response = next.run(Request::from_parts(parts, Body::new(tee))).await;
    let duration = started.elapsed();
    let (parts, body) = response.into_parts();
    // SCIM answers are built in memory, so collecting one takes no waiting,
    // only the log's copy; a streamed one would be passed on unrecorded.
    let (body, answer) = if body.size_hint().exact().is_some() {
        match axum::body::to_bytes(body, usize::MAX).await {
            Ok(bytes) => (Body::from(bytes.clone()), bytes.to_vec()),
            Err(err) => {
                tracing::error!(error = %err, "a SCIM answer could not be read for the log");
                (Body::empty(), Vec::new())
            }
        }
    } else {
        (body, Vec::new())
    };
    let request = {
        let mut seen = lock(&seen);
        let complete = seen.ended && !seen.overflowed;
        CapturedBody { bytes: std::mem::take(&mut seen.bytes), complete }
    };
    // Taken: the metrics layer inside this one has read it already.
    let mut identified = lock(&note.0).take();
    if identified.is_none()
        && let Some(header) = authorization
    {
        // The handler never asked who the client is (an unknown endpoint,
        // a method that is not allowed): the log still wants the site.
        // Only such rare answers pay for this look-up.
        identified = Identified::of(&crate::scim::authenticate(&app, Some(&header)).await);
    }
    let (site, provider, refusal) = match identified {
        Some(Identified::Client { site, provider, .. }) => (Some(site), Some(provider), None),
        Some(Identified::Refused(refused)) => match refused.named {
            Some((site, provider)) => (Some(site), Some(provider), Some(refused.reason)),
            None => (None, None, Some(refused.reason)),
        },
        None => (None, None, None),
    };
    log.record(ScimExchange {
        at,
        site,
        provider,
        refusal,
        method,
        path,
        status: parts.status.as_u16(),
        duration,
        request_id,
        request_headers,
        request,
        response: CapturedBody::whole(answer),
    });
    Response::from_parts(parts, body)
}

fn header_text(parts: &Parts, name: &str) -> Option<String> {
    parts.headers.get(name).map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
}
