//! What every SCIM use case shares: the request's context, the answer
//! shapes, the server's limits, and list paging with cursors.

use base64::Engine;
use roster_domain::history::Interface;
use roster_scim::schema::ResourceType;
use roster_scim::{
    Limits, ListQuery, Paging, Projection, RequestKind, ScimError, ScimType, ServerLimits, Verdict,
    evaluate_preconditions, list_response, project,
};
use roster_store::{ListParams, ScimScope};
use serde_json::Value;

use super::mapping::BaseUrl;
use crate::InternalError;
use crate::history::{Actor, History};

/// The context of one SCIM request: who asks, where its resources live,
/// the query parameters and the precondition headers.
#[derive(Debug, Clone, Copy)]
pub struct ScimCall<'a> {
    pub scope: &'a ScimScope,
    pub base: &'a BaseUrl,
    pub params: &'a [(String, String)],
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

impl ScimCall<'_> {
    /// The history of this call's changes: the provider's SCIM client,
    /// through SCIM.
    pub(crate) fn history(&self, at: jiff::Timestamp) -> History {
        let actor = Actor::Provider { id: self.scope.provider.clone(), name: None };
        History::new(&self.scope.site, Interface::Scim, actor, at)
    }
}

/// A successful SCIM answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ScimAnswer {
    /// A resource with 200 or 201; its `meta.version` is the ETag.
    Resource { created: bool, body: Value },
    /// A list or search result.
    List(Value),
    /// 204.
    NoContent,
    /// 304: `If-None-Match` matched.
    NotModified,
}

impl ScimAnswer {
    /// The answer's HTTP status code, as an entry of a bulk response
    /// reports it (RFC 7644 §3.7.3).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Resource { created: true, .. } => 201,
            Self::Resource { created: false, .. } | Self::List(_) => 200,
            Self::NoContent => 204,
            Self::NotModified => 304,
        }
    }
}

/// The limits this server enforces (and advertises).
pub fn limits() -> Result<Limits, InternalError> {
    let server = ServerLimits::ROSTER;
    Limits::new(server.default_page_size, server.max_page_size)
        .map_err(|err| InternalError::Settings(format!("page size limits: {err:?}")))
}

impl ScimCall<'_> {
    /// Applies `If-Match` / `If-None-Match` to a resource's version.
    pub(crate) fn check(&self, kind: RequestKind, version: i64) -> Result<Verdict, ScimError> {
        evaluate_preconditions(kind, self.if_match, self.if_none_match, Some(version))
    }

    /// The `attributes` / `excludedAttributes` of a single-resource request.
    pub(crate) fn projection(&self, rt: &ResourceType) -> Result<Projection, ScimError> {
        Projection::from_params(rt, self.params)
    }
}

/// The page a list query asks for: offset and size.
pub(crate) fn page_of(query: &ListQuery) -> Result<(u64, u64), ScimError> {
    let offset = match query.paging() {
        Paging::Index { start_index } => start_index.saturating_sub(1),
        Paging::Cursor { cursor: None } => 0,
        Paging::Cursor { cursor: Some(cursor) } => decode_cursor(cursor)?,
    };
    Ok((offset, query.count()))
}

/// The store's list parameters for a parsed list query.
pub(crate) fn list_params<'a>(
    query: &'a ListQuery,
    base: &'a BaseUrl,
) -> Result<ListParams<'a>, ScimError> {
    let (offset, limit) = page_of(query)?;
    Ok(window(query, base, offset, limit))
}

/// The store's list parameters for a query's filter and sort over the
/// rows `offset..offset + limit`.
pub(crate) fn window<'a>(
    query: &'a ListQuery,
    base: &'a BaseUrl,
    offset: u64,
    limit: u64,
) -> ListParams<'a> {
    ListParams {
        filter: query.filter_ast(),
        sort_by: query.sort().map(|sort| sort.path()),
        descending: query.descending(),
        offset,
        limit,
        base_url: Some(&base.0),
    }
}

/// Cursors (RFC 9865) are opaque to clients; here they hold the position
/// of the next page in the same query.
fn encode_cursor(offset: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("roster:{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<u64, ScimError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix("roster:").and_then(|n| n.parse().ok()))
        // Every cursor issued points inside a result, whose rows the store
        // counts in an `i64`: anything beyond is forged, and would overflow
        // the paging arithmetic.
        .filter(|offset| i64::try_from(*offset).is_ok())
        .ok_or_else(|| {
            ScimError::bad_request(
                ScimType::InvalidCursor,
                "the cursor is not one this server issued; start again without a cursor value",
            )
        })
}

/// The ListResponse of a page: resources projected, and either
/// `startIndex` or the cursors of the neighbouring pages.
pub(crate) fn list_body(
    rt: &ResourceType,
    query: &ListQuery,
    resources: Vec<Value>,
    total: u64,
) -> Result<Value, ScimError> {
    let (offset, count) = page_of(query)?;
    let resources = resources.iter().map(|r| project(rt, r, query.projection())).collect();
    Ok(match query.paging() {
        Paging::Index { .. } => {
            list_response(resources, total, Some(offset.saturating_add(1)), None, None)
        }
        Paging::Cursor { .. } => {
            let after = offset.saturating_add(count);
            let next = (after < total && count > 0).then(|| encode_cursor(after));
            let previous = (offset > 0).then(|| encode_cursor(offset.saturating_sub(count.max(1))));
            list_response(resources, total, None, next, previous)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_forgeries() {
        assert_eq!(decode_cursor(&encode_cursor(300)).unwrap(), 300);
        assert_eq!(decode_cursor(&encode_cursor(i64::MAX as u64)).unwrap(), i64::MAX as u64);
        let huge = encode_cursor(u64::MAX);
        for bad in ["", "x", "cm9zdGVyOng", "!!", huge.as_str()] {
            let err = decode_cursor(bad).unwrap_err();
            assert_eq!(err.scim_type, Some(ScimType::InvalidCursor), "{bad}");
        }
        assert_eq!(limits().unwrap().max_page_size(), 1000);
    }
}
