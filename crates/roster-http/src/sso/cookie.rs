//! The session cookie: HttpOnly (scripts never read it), SameSite=Lax (no
//! cross-site request carries it, except top-level navigation), Secure
//! when roster is reached over https, and as long-lived as the session.

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

/// The session secret a request's `Cookie` headers carry.
pub(crate) fn session_secret(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == NAME)
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
}
