//! Lenient parsing of the SCIM endpoint path (issue 16 §1): clients write
//! `/users`, `/Users/` or `/GROUPS/{id}/`; each has one meaning, the
//! endpoint RFC 7644 §3.2 names, so the path is rewritten into it before
//! routing (the same reading `/Bulk` gives each operation's `path`).
//! Resource ids keep their case; other paths are left alone and meet the
//! SCIM `404`.

use axum::http::Request;
use axum::http::uri::{PathAndQuery, Uri};

/// Where the SCIM service is mounted.
const BASE: &str = "/api/scim/";

/// `path` in canonical form ([`roster_scim::canonical_endpoint`]), or `None` when it
/// is already canonical or not a SCIM path.
fn canonical(path: &str) -> Option<String> {
    if path == BASE {
        // The service root with a trailing slash, so that it meets the SCIM
        // 404 (naming the endpoints) rather than the admin API's.
        return Some(BASE.trim_end_matches('/').to_owned());
    }
    let out = format!("{BASE}{}", roster_scim::canonical_endpoint(path.strip_prefix(BASE)?)?);
    (out != path).then_some(out)
}

/// Rewrites a request's SCIM endpoint path into its canonical form.
pub(crate) fn canonical_endpoint<B>(mut request: Request<B>) -> Request<B> {
    let Some(path) = canonical(request.uri().path()) else { return request };
    let with_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = with_query.parse::<PathAndQuery>() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The endpoint's spellings are roster-scim's table; here, the mount.
    #[test]
    fn endpoints_in_any_case_and_with_a_trailing_slash() {
        for (path, want) in [
            ("/api/scim/GROUPS/AbC-1/", Some("/api/scim/Groups/AbC-1")),
            ("/api/scim/", Some("/api/scim")),
            ("/api/scim", None),
            ("/api/scim/Users", None),
            ("/api/scim/Users/x", None),
            ("/api/scim/nothing", None),
            ("/api/admin/users", None),
        ] {
            assert_eq!(canonical(path).as_deref(), want, "{path}");
        }
    }
}
