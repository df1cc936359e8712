//! Request bodies: reading one with a size limit, for the admin API's, the
//! SCIM API's and the sign-in forms' extractors, and draining what a
//! handler left unread.
//!
//! Whatever of a body its handler did not read (all of it, when the
//! request is refused before its body: no credential, a media type that is
//! not JSON, an unknown endpoint; the rest, past the limit of a 413) is
//! read to its end (up to [`DRAIN_LIMIT`]) and thrown away before the
//! answer goes out ([`drain_unread`], a layer on every route). A client
//! that is still sending would otherwise see its connection reset instead
//! of the answer, or its next request on that kept-alive connection fail.

use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;

/// The largest body of a request, unless an endpoint says otherwise
/// (SCIM `/Bulk` advertises its own `maxPayloadSize`).
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How much of an unread body is drained; beyond it the connection is
/// dropped.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// Why a body could not be had.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge,
    Unreadable(String),
}

/// The body, if it is at most `limit` bytes. Reading stops past the limit;
/// [`drain_unread`] takes care of the rest.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| BodyError::Unreadable(err.to_string()))?;
        let Ok(data) = frame.into_data() else { continue };
        if kept.len().saturating_add(data.len()) > limit {
            return Err(BodyError::TooLarge);
        }
        kept.extend_from_slice(&data);
    }
    Ok(Bytes::from(kept))
}

/// A request body shared between the handler, which reads it through this
/// view, and [`drain_unread`], which reads what is left once the handler
/// is done with it. They never read at the same time.
#[derive(Clone)]
struct Shared(Arc<Mutex<Body>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Body> {
        // A panic while a frame was being read leaves the body as it was.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl HttpBody for Shared {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut *self.lock()).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.lock().is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.lock().size_hint()
    }
}

/// The layer: runs the request, then reads what is left of its body (up to
/// [`DRAIN_LIMIT`] bytes) before the answer goes out.
pub(crate) async fn drain_unread(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let mut shared = Shared(Arc::new(Mutex::new(body)));
    let response = next.run(Request::from_parts(parts, Body::new(shared.clone()))).await;
    let mut seen = 0usize;
    while let Some(Ok(frame)) = shared.frame().await {
        seen = seen.saturating_add(frame.data_ref().map_or(0, Bytes::len));
        if seen > DRAIN_LIMIT {
            break;
        }
    }
    response
}
