//! The session cookie: HttpOnly (scripts never read it), SameSite=Lax (no
//! cross-site request carries it, except top-level navigation), Secure
//! when roster is reached over https, and as long-lived as the session.
//!
//! And the sign-in form's cookie, against login CSRF (another site posting
//! its own credentials into the form so that the victim works in the
//! attacker's account): the page puts a random token in the form and in a
//! SameSite=Strict cookie, which no cross-site post carries; a password
//! sign-in must send both, equal.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub(crate) const NAME: &str = "roster_session";

/// Seconds a session cookie lives: the session's own lifetime.
const MAX_AGE: u64 = 8 * 3600;

pub(crate) fn session(secret: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{NAME}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={MAX_AGE}{secure}")
}

pub(crate) fn cleared() -> String {
    format!("{NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
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

/// The session secret a request's `Cookie` headers carry.
pub(crate) fn session_secret(headers: &HeaderMap) -> Option<&str> {
    named(headers, NAME)
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
        assert_eq!(session_secret(&headers), Some("abc123"));
        let mut other = HeaderMap::new();
        other.append(COOKIE, HeaderValue::from_static("roster_session_old=x; roster_session="));
        assert_eq!(session_secret(&other), None);
        assert!(session("s", true).contains("; Secure"));
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
