//! Posting to the ACS as a browser does (HTTP-POST binding: a form with
//! `SAMLResponse`), timed from sending to the last byte of the answer, and
//! the answer checked: a benchmark of sign-ins must not count refusals.
//!
//! roster answers a sign-in with `200` and a page saying "You are signed in
//! to SITE as USERNAME." and sets its `roster_session` cookie (a site with
//! an application URL would answer `303` to it instead; the benchmark's
//! site has none). A refusal is a `403` page that says why.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, SET_COOKIE};

use crate::client::{encode_query_value, truncate};

/// The session cookie roster sets on a sign-in.
const SESSION_COOKIE: &str = "roster_session=";

/// One sign-in to make: the signed response and whom it names.
pub struct SignIn {
    pub response: String,
    pub username: String,
}

/// An assertion consumer service at a URL.
pub struct Acs {
    http: reqwest::Client,
    url: String,
}

impl Acs {
    pub fn new(url: &str, concurrency: usize, timeout: Duration) -> Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .tcp_nodelay(true)
            .timeout(timeout)
            // A redirect is an answer to check, not to follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .context("building the HTTP client")?;
        Ok(Acs { http, url: url.to_owned() })
    }

    /// Posts one response and checks that it signed its person in;
    /// returns how long the answer took.
    pub async fn sign_in(&self, sign_in: &SignIn) -> Result<Duration> {
        let form = format!("SAMLResponse={}", encode_query_value(&sign_in.response));
        let started = Instant::now();
        let answer = self
            .http
            .post(&self.url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .with_context(|| format!("POST {}: no answer", self.url))?;
        let status = answer.status();
        let cookie = answer
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|value| value.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
        let page = answer.text().await.with_context(|| format!("POST {}: reading", self.url))?;
        let elapsed = started.elapsed();
        check(status, cookie, &page, &sign_in.username).map_err(|what| {
            anyhow!(
                "{what}\n  request:  POST {}\n  response: {status} {}",
                self.url,
                truncate(&page, 1500)
            )
        })?;
        Ok(elapsed)
    }
}

/// What is wrong with an answer to a sign-in of `username`, if anything.
pub fn check(status: StatusCode, cookie: bool, page: &str, username: &str) -> Result<(), String> {
    if status != StatusCode::OK {
        return Err(format!("the sign-in of {username} was not accepted: {status}"));
    }
    if !cookie {
        return Err(format!("the sign-in of {username} set no {SESSION_COOKIE} cookie"));
    }
    if !page.contains(&format!(" as {username}.")) {
        return Err(format!("the page does not say that {username} signed in"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNED_IN: &str = "<p>You are signed in to bench as user1@bench.example.</p>";

    #[test]
    fn a_sign_in_is_a_200_with_a_session_and_the_person() {
        assert_eq!(check(StatusCode::OK, true, SIGNED_IN, "user1@bench.example"), Ok(()));
    }

    #[test]
    fn anything_else_is_wrong() {
        let refused = check(StatusCode::FORBIDDEN, false, "already used", "user1@bench.example");
        assert_eq!(
            refused.unwrap_err(),
            "the sign-in of user1@bench.example was not accepted: 403 Forbidden"
        );
        let redirected = check(StatusCode::SEE_OTHER, true, "", "user1@bench.example");
        assert!(redirected.is_err());
        let no_session = check(StatusCode::OK, false, SIGNED_IN, "user1@bench.example");
        assert!(no_session.unwrap_err().contains("no roster_session= cookie"));
        // user1 is a prefix of user10's name, not the same person.
        let someone_else = check(StatusCode::OK, true, SIGNED_IN, "user10@bench.example");
        assert!(someone_else.unwrap_err().contains("does not say"));
        let other = check(StatusCode::OK, true, SIGNED_IN, "1@bench.example");
        assert!(other.is_err());
    }
}
