//! The session cookie: HttpOnly (scripts never read it), SameSite=Lax (no
//! cross-site request carries it, except top-level navigation), Secure
//! and named with the `__Host-` prefix when roster is reached over https,
//! and as long-lived as the session.
//!
//! And the sign-in form's cookie, against login CSRF (another site posting
//! its own credentials into the form so that the victim works in the
//! attacker's account): the page puts a random token in the form and in a
//! SameSite=Strict cookie, which no cross-site post carries; a password
//! sign-in must send both, equal.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub(crate) const NAME: &str = "roster_session";
/// The name over https: browsers take a `__Host-` cookie only from this
/// host, Secure and for every path, so a sibling subdomain can neither
/// plant a session of its choosing nor shadow roster's.
pub(crate) const HOST_NAME: &str = "__Host-roster_session";

/// The session cookie's name, `secure` when roster is reached over https.
fn name(secure: bool) -> &'static str {
    if secure { HOST_NAME } else { NAME }
}

/// Seconds a session cookie lives: the session's own lifetime.
const MAX_AGE: u64 = 8 * 3600;

pub(crate) fn session(secret: &str, secure: bool) -> String {
    let (name, secure) = (name(secure), if secure { "; Secure" } else { "" });
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE}{secure}")
}

pub(crate) fn cleared(secure: bool) -> String {
    let (name, secure) = (name(secure), if secure { "; Secure" } else { "" });
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The sign-in form's cookie, scoped to the site's sign-in page.
const FORM_NAME: &str = "roster_sign_in_form";

/// Seconds a sign-in form stays usable.
const FORM_MAX_AGE: u64 = 3600;

pub(crate) fn sign_in_form(token: &str, site: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{FORM_NAME}={token}; Path=/login/{site}; HttpOnly; SameSite=Strict; \
         Max-Age={FORM_MAX_AGE}{secure}"
    )
}

/// Whether a posted sign-in form carries the token its page set.
pub(crate) fn sign_in_form_matches(headers: &HeaderMap, posted: &str) -> bool {
    match named(headers, FORM_NAME) {
        // Compared as hashes, so the time taken says nothing of the cookie.
        Some(cookie) => {
            let hash = roster_app::secrets::hash;
            !posted.is_empty() && hash(cookie) == hash(posted)
        }
        None => false,
    }
}

/// The session secret a request's `Cookie` headers carry: over https only
/// the `__Host-` cookie counts.
pub(crate) fn session_secret(headers: &HeaderMap, secure: bool) -> Option<&str> {
    named(headers, name(secure))
}

/// The value of the cookie `name` among a request's `Cookie` headers.
fn named<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark; roster_session=abc123"));
        assert_eq!(session_secret(&headers, false), Some("abc123"));
        assert_eq!(session_secret(&headers, true), None, "over https only the __Host- cookie");
        let mut other = HeaderMap::new();
        other.append(COOKIE, HeaderValue::from_static("roster_session_old=x; roster_session="));
        assert_eq!(session_secret(&other, false), None);
        assert!(session("s", true).contains("; Secure"));
        // What browsers require of a `__Host-` cookie: Secure, Path=/, no
        // Domain.
        let host = session("s", true);
        assert!(host.starts_with("__Host-roster_session=s; Path=/;"), "{host}");
        assert!(!host.contains("Domain"), "{host}");
        assert!(
            cleared(true).starts_with("__Host-roster_session=;")
                && cleared(true).contains("Secure")
        );
        let mut over_https = HeaderMap::new();
        over_https.append(
            COOKIE,
            HeaderValue::from_static("roster_session=planted; __Host-roster_session=real"),
        );
        assert_eq!(session_secret(&over_https, true), Some("real"));
        assert!(!session("s", false).contains("Secure"));
        assert!(session("s", false).contains("HttpOnly; SameSite=Lax"));
    }

    #[test]
    fn the_sign_in_form_token_must_match_its_cookie() {
        let form = sign_in_form("t0k3n", "acme", true);
        assert!(form.contains("Path=/login/acme; HttpOnly; SameSite=Strict"), "{form}");
        assert!(form.ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("roster_sign_in_form=t0k3n"));
        assert!(sign_in_form_matches(&headers, "t0k3n"));
        assert!(!sign_in_form_matches(&headers, "other"));
        assert!(!sign_in_form_matches(&headers, ""));
        assert!(!sign_in_form_matches(&HeaderMap::new(), "t0k3n"), "no cookie: a cross-site post");
        let mut empty = HeaderMap::new();
        empty.append(COOKIE, HeaderValue::from_static("roster_sign_in_form="));
        assert!(!sign_in_form_matches(&empty, ""));
    }
}
