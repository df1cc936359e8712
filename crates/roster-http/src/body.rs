//! Reading request bodies with a size limit, for the admin API's and the
//! SCIM API's extractors.
//!
//! A body over the limit is still read to its end (up to [`DRAIN_LIMIT`])
//! and thrown away before the 413 is answered: a client that is still
//! sending would otherwise see its connection reset instead of the answer.

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;

/// The largest body of a request, unless an endpoint says otherwise
/// (SCIM `/Bulk` advertises its own `maxPayloadSize`).
pub(crate) const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// How much of a too-large body is drained; beyond it the connection is
/// dropped.
const DRAIN_LIMIT: usize = 32 * 1024 * 1024;

/// Why a body could not be had.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge,
    Unreadable(String),
}

/// The body, if it is at most `limit` bytes.
pub(crate) async fn read_limited(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| BodyError::Unreadable(err.to_string()))?;
        let Ok(data) = frame.into_data() else { continue };
        seen = seen.saturating_add(data.len());
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > limit {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(kept))
}
