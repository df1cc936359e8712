//! The console's posted forms: read within a size limit, and accepted
//! only with the session's form token (CSRF). A token is compared in
//! constant time; a form without the right one changes nothing.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::page::error_page;
use crate::ApiError;
use crate::body::read_limited;

/// The largest console form accepted: room for uploaded IdP metadata.
const FORM_LIMIT: usize = 1024 * 1024;

#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    form_token: String,
}

/// The form `T` posted with the session's form token `expected`, or the
/// page refusing it.
pub(crate) async fn read<T: DeserializeOwned>(expected: &str, body: Body) -> Result<T, Response> {
    let bytes = read_limited(body, FORM_LIMIT).await.map_err(|_| {
        error_page(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_body",
            "the form is too large",
        ))
    })?;
    let token: Token = serde_urlencoded::from_bytes(&bytes).map_err(|_| malformed())?;
    if !same(token.form_token.as_bytes(), expected.as_bytes()) {
        return Err(error_page(ApiError::new(
            StatusCode::FORBIDDEN,
            "form_expired",
            "this form has expired or was not sent from roster's own page; open the page again",
        )));
    }
    serde_urlencoded::from_bytes(&bytes).map_err(|_| malformed())
}

fn malformed() -> Response {
    error_page(ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        "the form could not be read; open the page again and send it from there",
    ))
}

/// Equality that takes as long for every pair of the same length.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A page's query: what a link or a filter form put there. A query that
/// does not parse is read as no query at all (the page's defaults): it
/// is a link anyone can write, and it only chooses what to show.
pub(crate) fn query<T: DeserializeOwned + Default>(raw: Option<String>) -> T {
    raw.and_then(|raw| serde_urlencoded::from_str(&raw).ok()).unwrap_or_default()
}

/// A filter form's query, with its empty fields as none and the `ignored`
/// names (the page's own, such as `done`) left out; a query that does not
/// parse is shown as a problem over an empty filter.
pub(crate) fn parsed<T: DeserializeOwned + Default>(
    raw: Option<&str>,
    ignored: &[&str],
) -> (T, Option<String>) {
    let cleaned: Vec<(String, String)> = raw
        .map(|raw| serde_urlencoded::from_str::<Vec<(String, String)>>(raw).unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, value)| !value.trim().is_empty() && !ignored.contains(&name.as_str()))
        .collect();
    let encoded = serde_urlencoded::to_string(&cleaned).unwrap_or_default();
    match serde_urlencoded::from_str(&encoded) {
        Ok(query) => (query, None),
        Err(err) => (T::default(), Some(format!("the filter could not be read: {err}"))),
    }
}

/// `query` as a link's query string, with `cursor` in place of its own.
pub(crate) fn with_cursor(raw: Option<&str>, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .map(|raw| serde_urlencoded::from_str::<Vec<(String, String)>>(raw).unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, value)| name != "cursor" && !value.trim().is_empty())
        .collect();
    pairs.push(("cursor".to_owned(), cursor.to_owned()));
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The `?done=` of a page reached after a change (see `page::see_other`).
pub(crate) fn done(raw: Option<String>) -> Option<String> {
    query::<DoneQuery>(raw).done
}

/// A checkbox: present (any value) when ticked, absent when not.
pub(crate) fn ticked(value: &Option<String>) -> bool {
    value.is_some()
}

/// A text field, `None` when left empty.
pub(crate) fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
        assert!(!same(b"", b"a"));
    }

    #[test]
    fn empty_filter_fields_are_left_out() {
        let (query, problem): (roster_app::admin::ScimLogQuery, _) =
            parsed(Some("status=&method=POST&provider=+&done=saved"), &["done"]);
        assert_eq!(problem, None);
        assert_eq!(query.method.as_deref(), Some("POST"));
        assert_eq!((query.status, query.provider), (None, None));
    }

    #[test]
    fn an_unknown_filter_is_a_problem_not_a_failure() {
        let (query, problem): (roster_app::admin::ScimLogQuery, _) =
            parsed(Some("colour=red"), &[]);
        assert!(problem.is_some());
        assert_eq!(query.method, None);
    }

    #[test]
    fn the_next_page_keeps_the_filter_and_replaces_the_cursor() {
        let next = with_cursor(Some("method=POST&cursor=old&status="), "new");
        assert_eq!(next, "method=POST&cursor=new");
    }

    #[test]
    fn empty_fields_are_none() {
        assert_eq!(filled(Some("  ".into())), None);
        assert_eq!(filled(Some(" x ".into())), Some("x".into()));
        assert!(ticked(&Some("on".into())));
        assert!(!ticked(&None));
    }
}
