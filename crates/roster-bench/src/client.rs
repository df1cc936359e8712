//! The SCIM client: one keep-alive `reqwest::Client`, each request timed
//! from sending to the last byte of the answer, and answers checked with
//! errors that name the request and show the response.
//!
//! A server may refuse what a phase sends because it lacks the feature
//! (RFC 7644 §3.12: `501 Not Implemented`, or `400` with `invalidFilter`,
//! `invalidPath` or `noTarget`). Such an answer is an [`Unsupported`] error,
//! which the runner reports as a gap of the server; any other unexpected
//! answer is a wrong answer and aborts the run.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use reqwest::Method;
use serde_json::Value;

/// The server answered that it does not implement what was sent.
#[derive(Debug)]
pub struct Unsupported(pub String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

/// Percent-encodes a query parameter value as identity providers do:
/// everything but RFC 3986 unreserved characters, a space as `%20`.
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Why an answer means "not implemented", if it does.
pub fn unsupported_reason(status: u16, body: Option<&Value>) -> Option<String> {
    let scim_type = body.and_then(|b| b.get("scimType")).and_then(Value::as_str);
    let detail = body.and_then(|b| b.get("detail")).and_then(Value::as_str);
    let said = |what: String| match detail {
        Some(detail) => format!("{what}: {detail}"),
        None => what,
    };
    match (status, scim_type) {
        (501, _) => Some(said("501 Not Implemented".to_string())),
        (400, Some(t @ ("invalidFilter" | "invalidPath" | "noTarget"))) => {
            Some(said(format!("400 {t}")))
        }
        _ => None,
    }
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}... ({} bytes in all)", &text[..cut], text.len()),
        None => text.to_string(),
    }
}

/// A SCIM server at a base URL such as `http://127.0.0.1:8080/api/scim`.
pub struct Scim {
    http: reqwest::Client,
    base: String,
    token: Option<SecretString>,
}

impl Scim {
    pub fn new(
        base_url: &str,
        token: Option<SecretString>,
        concurrency: usize,
        timeout: Duration,
    ) -> Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(concurrency)
            .tcp_nodelay(true)
            .timeout(timeout)
            .build()
            .context("building the HTTP client")?;
        Ok(Scim { http, base: base_url.trim_end_matches('/').to_string(), token })
    }

    /// Sends one request and reads the whole answer. A transport failure
    /// (refused, reset, timed out) is an error; any HTTP status is a reply.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Reply> {
        let request = format!("{method} {path}");
        let body_text = body.map(Value::to_string);
        let mut builder = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("accept", "application/scim+json");
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token.expose_secret());
        }
        if let Some(text) = &body_text {
            builder = builder.header("content-type", "application/scim+json").body(text.clone());
        }
        let started = Instant::now();
        let response = builder.send().await.with_context(|| format!("{request}: no answer"))?;
        let status = response.status().as_u16();
        let raw = response.text().await.with_context(|| format!("{request}: reading the body"))?;
        let elapsed = started.elapsed();
        let json = if raw.trim().is_empty() { None } else { serde_json::from_str(&raw).ok() };
        Ok(Reply { request, request_body: body_text, status, raw, json, elapsed })
    }
}

/// An answer, with what is needed to explain it when it is wrong.
pub struct Reply {
    request: String,
    request_body: Option<String>,
    pub status: u16,
    raw: String,
    json: Option<Value>,
    pub elapsed: Duration,
}

impl Reply {
    /// The server's answer `raw` to a bodiless `request`, for tests.
    #[cfg(test)]
    pub(crate) fn for_test(request: &str, status: u16, raw: &str) -> Reply {
        Reply {
            request: request.into(),
            request_body: None,
            status,
            raw: raw.into(),
            json: serde_json::from_str(raw).ok(),
            elapsed: Duration::ZERO,
        }
    }

    /// An error saying what is wrong, with the request and the response.
    pub fn wrong(&self, what: &str) -> anyhow::Error {
        let sent = match &self.request_body {
            Some(body) => format!("{} {}", self.request, truncate(body, 600)),
            None => self.request.clone(),
        };
        let answer =
            if self.raw.is_empty() { "(no body)".to_string() } else { truncate(&self.raw, 1500) };
        anyhow!("{what}\n  request:  {sent}\n  response: {} {answer}", self.status)
    }

    /// The status is one of `allowed`; a "not implemented" answer is [`Unsupported`].
    pub fn expect_status(&self, allowed: &[u16]) -> Result<()> {
        if allowed.contains(&self.status) {
            return Ok(());
        }
        if let Some(reason) = unsupported_reason(self.status, self.json.as_ref()) {
            return Err(Unsupported(format!("{} answered {reason}", self.request)).into());
        }
        let expected: Vec<String> = allowed.iter().map(u16::to_string).collect();
        Err(self.wrong(&format!("expected status {}, got {}", expected.join(" or "), self.status)))
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<&Value> {
        self.json.as_ref().ok_or_else(|| self.wrong("the body is not JSON"))
    }

    /// The string at a JSON pointer such as `/name/givenName`.
    pub fn str_at(&self, pointer: &str) -> Result<&str> {
        self.json()?
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| self.wrong(&format!("no string at {pointer}")))
    }

    /// The string at `pointer` equals `expected`.
    pub fn expect_str(&self, pointer: &str, expected: &str) -> Result<()> {
        let found = self.str_at(pointer)?;
        if found == expected {
            return Ok(());
        }
        Err(self.wrong(&format!("{pointer} is {found:?}, expected {expected:?}")))
    }

    /// The value at `pointer` equals `expected`.
    pub fn expect_value(&self, pointer: &str, expected: &Value) -> Result<()> {
        match self.json()?.pointer(pointer) {
            Some(found) if found == expected => Ok(()),
            Some(found) => Err(self.wrong(&format!("{pointer} is {found}, expected {expected}"))),
            None => Err(self.wrong(&format!("no {pointer}, expected {expected}"))),
        }
    }

    /// The `value` of each element of the multi-valued attribute `name`
    /// (for example a group's `members`); `None` if the attribute is absent.
    pub fn values_of(&self, name: &str) -> Result<Option<Vec<&str>>> {
        let Some(items) = self.json()?.get(name) else {
            return Ok(None);
        };
        let items = items.as_array().ok_or_else(|| self.wrong(&format!("{name} is not a list")))?;
        items
            .iter()
            .map(|item| {
                item.get("value")
                    .and_then(Value::as_str)
                    .ok_or_else(|| self.wrong(&format!("an element of {name} has no value")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn encodes_filters_as_okta_does() {
        assert_eq!(
            encode_query_value(r#"userName eq "user1@bench.example""#),
            "userName%20eq%20%22user1%40bench.example%22"
        );
        assert_eq!(encode_query_value("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(encode_query_value("é+&="), "%C3%A9%2B%26%3D");
    }

    #[test]
    fn recognises_not_implemented_answers() {
        let body = json!({"status": "400", "scimType": "invalidPath", "detail": "no filters"});
        assert_eq!(unsupported_reason(400, Some(&body)).unwrap(), "400 invalidPath: no filters");
        assert_eq!(unsupported_reason(501, None).unwrap(), "501 Not Implemented");
        assert_eq!(
            unsupported_reason(400, Some(&json!({"scimType": "invalidFilter"}))).unwrap(),
            "400 invalidFilter"
        );
        // A mistake of ours or a broken server is not a missing feature.
        assert_eq!(unsupported_reason(400, Some(&json!({"scimType": "invalidSyntax"}))), None);
        assert_eq!(unsupported_reason(409, Some(&json!({"scimType": "uniqueness"}))), None);
        assert_eq!(unsupported_reason(500, None), None);
        assert_eq!(unsupported_reason(400, None), None);
    }

    fn reply(status: u16, raw: &str) -> Reply {
        Reply {
            request_body: Some(r#"{"Operations":[]}"#.into()),
            ..Reply::for_test("PATCH /Groups/g1", status, raw)
        }
    }

    #[test]
    fn a_wrong_answer_names_request_and_response() {
        let err = reply(500, r#"{"detail":"boom"}"#).expect_status(&[200, 204]).unwrap_err();
        assert!(err.downcast_ref::<Unsupported>().is_none());
        assert_eq!(
            err.to_string(),
            "expected status 200 or 204, got 500\n  request:  PATCH /Groups/g1 \
             {\"Operations\":[]}\n  response: 500 {\"detail\":\"boom\"}"
        );
    }

    #[test]
    fn a_missing_feature_is_unsupported() {
        let err = reply(400, r#"{"scimType":"noTarget"}"#).expect_status(&[204]).unwrap_err();
        assert_eq!(
            err.downcast_ref::<Unsupported>().unwrap().0,
            "PATCH /Groups/g1 answered 400 noTarget"
        );
    }

    #[test]
    fn field_checks() {
        let r =
            reply(200, r#"{"id":"g1","active":false,"members":[{"value":"u1"},{"value":"u2"}]}"#);
        r.expect_str("/id", "g1").unwrap();
        r.expect_value("/active", &json!(false)).unwrap();
        assert_eq!(r.values_of("members").unwrap(), Some(vec!["u1", "u2"]));
        assert_eq!(r.values_of("emails").unwrap(), None);
        let err = r.expect_str("/id", "g2").unwrap_err().to_string();
        assert!(err.starts_with("/id is \"g1\", expected \"g2\"\n"), "{err}");
        let err = r.expect_value("/active", &json!(true)).unwrap_err().to_string();
        assert!(err.starts_with("/active is false, expected true\n"), "{err}");
        assert!(reply(204, "").json().is_err());
    }

    #[test]
    fn long_bodies_are_cut() {
        assert_eq!(truncate("abcdef", 3), "abc... (6 bytes in all)");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
