//! What the SCIM request log keeps of a request or response (SPEC §7):
//! a few whitelisted headers and the body with its secrets redacted,
//! capped in size. Pure, so that hostile input is table-tested.
//!
//! Invariants:
//! - The `Authorization` header is never kept: only [`KEPT_HEADERS`] are.
//! - In a JSON body, the value of every member whose name mentions a
//!   secret (`password`, `token`, `secret`, ..., in any letter case, at any
//!   depth, PATCH operations' `value` and bulk operations' `data`
//!   included) is replaced, and so is the `value` of a PATCH operation
//!   whose `path` names one. Strings that carry a credential (`Bearer ...`,
//!   roster's own token and key prefixes) are replaced wherever they are.
//! - A body that is not JSON (or was not read whole) is kept as text with
//!   `name=value` and `name: value` secrets masked; bytes that are not
//!   UTF-8 become U+FFFD.
//! - Redaction happens before truncation, so a cut never exposes what the
//!   redaction would have hidden; what is stored is at most
//!   [`STORED_BODY_LIMIT`] bytes of body, and says when it was cut.

use serde_json::{Map, Value};

/// The most bytes of one body the log stores.
pub const STORED_BODY_LIMIT: usize = 64 * 1024;

/// The request headers the log keeps; every other header is dropped.
pub const KEPT_HEADERS: [&str; 5] =
    ["content-type", "content-length", "user-agent", "if-match", "if-none-match"];

/// What replaces a secret.
const REDACTED: &str = "[redacted]";

/// Words that make a member name (or a PATCH path) a secret's, compared
/// with the name lower-cased and stripped of everything but letters and
/// digits (`Pass_Word`, `client-secret`, `accessToken`).
const SECRET_WORDS: [&str; 8] =
    ["password", "passwd", "pwd", "secret", "token", "authorization", "apikey", "privatekey"];

/// Prefixes of strings that are credentials whatever member holds them:
/// HTTP authorization values and roster's own SCIM tokens and admin keys.
const CREDENTIAL_PREFIXES: [&str; 4] = ["bearer ", "basic ", "roster_scim_", "roster_ak_"];

/// A body as the HTTP layer read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedBody {
    /// The bytes read, up to the capture limit.
    pub bytes: Vec<u8>,
    /// Whether `bytes` is the whole body (not cut by the capture limit).
    pub complete: bool,
}

impl CapturedBody {
    pub fn whole(bytes: Vec<u8>) -> Self {
        Self { bytes, complete: true }
    }
}

fn names_secret(name: &str) -> bool {
    let folded: String =
        name.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
    SECRET_WORDS.iter().any(|word| folded.contains(word))
}

fn is_credential(text: &str) -> bool {
    let start: String = text.trim_start().chars().take(16).collect::<String>().to_lowercase();
    CREDENTIAL_PREFIXES.iter().any(|prefix| start.starts_with(prefix))
        || text.contains("roster_scim_")
        || text.contains("roster_ak_")
}

/// Replaces every secret in a JSON value, in place.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(members) => redact_object(members),
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(text) if is_credential(text) => *value = Value::from(REDACTED),
        Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn redact_object(members: &mut Map<String, Value>) {
    // RFC 7644 §3.5.2: `{"op": "replace", "path": "password", "value": ...}`
    // names the attribute in `path`, so its `value` is the secret.
    let path_names_secret = members.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("path") && value.as_str().is_some_and(names_secret)
    });
    for (name, value) in members.iter_mut() {
        if names_secret(name) || (path_names_secret && name.eq_ignore_ascii_case("value")) {
            *value = Value::from(REDACTED);
        } else {
            redact_json(value);
        }
    }
}

/// Masks `name=value`, `name: value` and `name eq value` secrets in text
/// that is not JSON (or JSON cut short): the value after a secret's name
/// and a separator, up to a delimiter or its closing quote.
pub fn redact_text(text: &str) -> String {
    // ASCII lower-casing keeps every byte offset, so positions found in
    // `lower` are positions in `text`.
    let lower = text.to_ascii_lowercase().into_bytes();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let Some(word) = SECRET_WORDS
            .iter()
            .find(|word| lower.get(at..).is_some_and(|rest| rest.starts_with(word.as_bytes())))
        else {
            at += 1;
            continue;
        };
        let Some((start, end)) = secret_value(bytes, at + word.len()) else {
            at += word.len();
            continue;
        };
        // `start` and `end` sit next to ASCII bytes or at the ends, so they
        // are character boundaries.
        out.push_str(text.get(copied..start).unwrap_or_default());
        out.push_str(REDACTED);
        copied = end;
        at = end.max(at + 1);
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out
}

/// Where the value of a secret whose name ends before `from` lies: after
/// the rest of the name, closing quotes, blanks and one separator (`:`,
/// `=` or a filter operator), up to a delimiter or the closing quote.
fn secret_value(bytes: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut i = from;
    let skip = |i: &mut usize, pred: &dyn Fn(u8) -> bool| {
        while bytes.get(*i).copied().is_some_and(pred) {
            *i += 1;
        }
    };
    skip(&mut i, &|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    skip(&mut i, &|b| b == b'"' || b == b'\'' || b.is_ascii_whitespace());
    match bytes.get(i) {
        Some(b':' | b'=') => i += 1,
        _ => {
            // A SCIM filter: `password eq "x"`.
            let operator = bytes.get(i..i + 3)?;
            let known = ["eq ", "ne ", "co ", "sw ", "ew ", "gt ", "ge ", "lt ", "le "];
            if !known.iter().any(|op| operator.eq_ignore_ascii_case(op.as_bytes())) {
                return None;
            }
            i += 3;
        }
    }
    skip(&mut i, &|b| b.is_ascii_whitespace());
    let start = i;
    match bytes.get(i) {
        Some(&quote @ (b'"' | b'\'')) => {
            i += 1;
            while let Some(&b) = bytes.get(i) {
                if b == b'\\' {
                    i += 2;
                    continue;
                }
                if b == quote {
                    return Some((start, (i + 1).min(bytes.len())));
                }
                i += 1;
            }
            Some((start, bytes.len()))
        }
        _ => {
            skip(&mut i, &|b| !(b"&,;}]\r\n\t ".contains(&b)));
            (i > start).then_some((start, i))
        }
    }
}

/// A path with its query string, its secrets masked. A query is
/// percent-encoded (`filter=password%20eq%20%22x%22`), so it is checked in
/// decoded form; when that finds a secret, the decoded, masked form is
/// what is kept, else the path as sent.
pub fn redact_path(path: &str) -> String {
    let decoded = percent_decoded(path);
    let masked = redact_text(&decoded);
    if masked == decoded { path.to_owned() } else { masked }
}

/// `%XX` escapes and `+` (a space in a query) decoded; what is not a
/// valid escape stays as it is.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (b, hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether redaction could change anything in `bytes`: a secret's word or
/// a credential's prefix appears in any letter case, or a `\u` escape
/// could spell one.
fn may_hold_secret(bytes: &[u8]) -> bool {
    const PREFIXES: [&str; 3] = ["bearer", "basic", "roster_"];
    if bytes.windows(2).any(|pair| pair == b"\\u") {
        return true;
    }
    let markers = || SECRET_WORDS.iter().chain(PREFIXES.iter()).map(|marker| marker.as_bytes());
    bytes.iter().enumerate().any(|(at, byte)| {
        let first = byte.to_ascii_lowercase();
        markers().any(|marker| {
            marker.first() == Some(&first)
                && bytes
                    .get(at..at + marker.len())
                    .is_some_and(|word| word.eq_ignore_ascii_case(marker))
        })
    })
}

/// `text` cut to at most `limit` bytes at a character boundary, and
/// whether it was cut.
fn truncate(text: String, limit: usize) -> (String, bool) {
    if text.len() <= limit {
        return (text, false);
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text.get(..end).unwrap_or_default().to_owned(), true)
}

/// The stored form of a body, as JSON text:
/// `{"bytes": n, "body": ..., "truncated": b}` where `body` is the
/// redacted JSON, or redacted text, or null when there was none.
pub fn stored_body(body: &CapturedBody) -> String {
    document(None, body)
}

/// The stored request, as JSON text: the kept headers (already filtered by
/// the HTTP layer, filtered again here) and the body.
pub fn stored_request(headers: &[(String, String)], body: &CapturedBody) -> String {
    let kept: Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| KEPT_HEADERS.iter().any(|kept| name.eq_ignore_ascii_case(kept)))
        .map(|(name, value)| (name.to_ascii_lowercase(), Value::from(redact_text(value))))
        .collect();
    document(Some(Value::Object(kept)), body)
}

/// The document, written as text: a redacted JSON body is serialized once
/// (to learn its size) and that text goes in as it is, since this runs for
/// every SCIM request.
fn document(headers: Option<Value>, body: &CapturedBody) -> String {
    let size = body.bytes.len();
    let (kept, truncated) = kept_body(body);
    let headers = headers.map(|headers| format!("\"headers\":{headers},")).unwrap_or_default();
    format!("{{{headers}\"bytes\":{size},\"body\":{kept},\"truncated\":{truncated}}}")
}

/// The body as the JSON text to store, and whether it was cut.
fn kept_body(body: &CapturedBody) -> (String, bool) {
    if body.bytes.is_empty() {
        return ("null".to_owned(), !body.complete);
    }
    // Most bodies name no secret at all: one that holds none of the words
    // redaction looks for is kept as sent (valid JSON within the limit) or
    // cut as text, without building and rewriting it (list pages and
    // group reads are large and common).
    let clean = !may_hold_secret(&body.bytes);
    if clean
        && body.complete
        && body.bytes.len() <= STORED_BODY_LIMIT
        && serde_json::from_slice::<serde::de::IgnoredAny>(&body.bytes).is_ok()
        && let Ok(text) = std::str::from_utf8(&body.bytes)
    {
        return (text.to_owned(), false);
    }
    if !clean
        && body.complete
        && let Ok(mut value) = serde_json::from_slice::<Value>(&body.bytes)
    {
        redact_json(&mut value);
        let text = value.to_string();
        if text.len() <= STORED_BODY_LIMIT {
            return (text, false);
        }
        let (text, _) = truncate(text, STORED_BODY_LIMIT);
        return (Value::String(text).to_string(), true);
    }
    let text = String::from_utf8_lossy(&body.bytes);
    let text = if clean { text.into_owned() } else { redact_text(&text) };
    let (text, cut) = truncate(text, STORED_BODY_LIMIT);
    (Value::String(text).to_string(), cut || !body.complete)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redacted(mut value: Value) -> Value {
        redact_json(&mut value);
        value
    }

    /// The stored document of a body, parsed back.
    fn stored_doc(body: CapturedBody) -> Value {
        serde_json::from_str(&stored_body(&body)).unwrap()
    }

    #[test]
    fn password_members_at_any_depth_and_in_any_case() {
        let body = json!({
            "userName": "ann",
            "password": "p1",
            "PassWord": "p2",
            "urn:ietf:params:scim:schemas:extension:x:2.0:User": {"PASSWORD": "p3"},
            "nested": [{"deeper": {"old_Password": ["p4"]}}],
            "clientSecret": "p5",
            "access-token": {"value": "p6"},
        });
        let text = redacted(body).to_string();
        for secret in ["p1", "p2", "p3", "p4", "p5", "p6"] {
            assert!(!text.contains(&format!("\"{secret}\"")), "{secret} in {text}");
        }
        assert!(text.contains("\"ann\""));
    }

    #[test]
    fn patch_operations_with_a_password_path_or_value() {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": "password", "value": "x1"},
                {"OP": "Replace", "PATH": "urn:ietf:params:scim:schemas:core:2.0:User:Password", "Value": "x2"},
                {"op": "replace", "value": {"password": "x3", "active": true}},
                {"op": "add", "path": "emails", "value": [{"value": "a@b.c"}]},
            ]
        });
        let out = redacted(body);
        let text = out.to_string();
        for secret in ["x1", "x2", "x3"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        // Other operations keep their values.
        assert_eq!(out.pointer("/Operations/3/value/0/value"), Some(&json!("a@b.c")));
        assert_eq!(out.pointer("/Operations/2/value/active"), Some(&json!(true)));
    }

    #[test]
    fn bulk_operations_data() {
        let body = json!({"Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "1", "data": {"userName": "u", "password": "b1"}},
            {"method": "PATCH", "path": "/Users/1", "data": {"Operations": [{"op": "replace", "path": "password", "value": "b2"}]}},
        ]});
        let text = redacted(body).to_string();
        assert!(!text.contains("b1") && !text.contains("b2"), "{text}");
    }

    #[test]
    fn credentials_in_any_member() {
        let body =
            json!({"note": "Bearer abc", "x": ["roster_scim_123"], "y": "basic Zm9v", "z": "ok"});
        let text = redacted(body).to_string();
        for secret in ["abc", "roster_scim_123", "Zm9v"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("\"ok\""));
    }

    #[test]
    fn text_bodies_lose_their_secrets() {
        for (input, secret) in [
            ("userName=a&password=s3cr3t&x=1", "s3cr3t"),
            ("{\"password\": \"s3cr3t\", broken", "s3cr3t"),
            ("{'Password':'s 3'}", "s 3"),
            ("token: abc.def", "abc.def"),
            ("filter=password eq \"s3cr3t\"", "s3cr3t"),
            ("password=\"un\\\"closed", "un\\\"closed"),
            ("client_secret=zz", "zz"),
        ] {
            let out = redact_text(input);
            assert!(!out.contains(secret), "{input:?} gave {out:?}");
            assert!(out.contains(REDACTED), "{input:?} gave {out:?}");
        }
        // Mentions that carry no value stay.
        assert_eq!(redact_text("forgot my password"), "forgot my password");
        assert_eq!(redact_text("password"), "password");
        assert_eq!(redact_text("é password=x é"), "é password=[redacted] é");
    }

    #[test]
    fn bodies_without_secrets_are_kept_as_sent_and_escapes_do_not_hide_one() {
        let plain = br#"{ "userName": "ann", "emails": [{"value": "a@b.c"}] }"#;
        assert!(!may_hold_secret(plain));
        assert_eq!(stored_doc(CapturedBody::whole(plain.to_vec()))["body"]["userName"], "ann");
        assert!(stored_body(&CapturedBody::whole(plain.to_vec())).contains(r#"{ "userName""#));
        for hostile in [
            &br#"{"pass\u0077ord": "e1"}"#[..],
            br#"{"PASSWORD": "e2"}"#,
            br#"{"x": "Bearer e3"}"#,
            br#"{"x": "roster_scim_e4"}"#,
        ] {
            assert!(may_hold_secret(hostile));
            let kept = stored_body(&CapturedBody::whole(hostile.to_vec()));
            assert!(!kept.contains("e1") && !kept.contains("e2"), "{kept}");
            assert!(!kept.contains("e3") && !kept.contains("e4"), "{kept}");
        }
        // Not JSON: the text path, whatever it holds.
        assert_eq!(stored_doc(CapturedBody::whole(b"{oops".to_vec()))["body"], "{oops");
    }

    #[test]
    fn paths_and_queries() {
        assert_eq!(redact_path("/api/scim/Users?startIndex=1"), "/api/scim/Users?startIndex=1");
        assert_eq!(
            redact_path("/api/scim/Users?filter=userName%20eq%20%22a%22"),
            "/api/scim/Users?filter=userName%20eq%20%22a%22"
        );
        for (path, secret) in [
            ("/api/scim/Users?filter=password%20eq%20%22s3cr3t%22", "s3cr3t"),
            ("/api/scim/Users?filter=password+eq+%22s3cr3t%22", "s3cr3t"),
            ("/api/scim/Users?access_token=s3cr3t&x=1", "s3cr3t"),
            ("/api/scim/Users?x=%FF&token%3Ds3cr3t", "s3cr3t"),
        ] {
            let out = redact_path(path);
            assert!(!out.contains(secret) && out.contains(REDACTED), "{path} gave {out}");
        }
    }

    #[test]
    fn bodies_that_are_not_json_or_not_utf8_or_too_large() {
        let stored = stored_doc(CapturedBody::whole(b"\xff\xfepassword=x\x00".to_vec()));
        let text = stored["body"].as_str().unwrap();
        assert!(text.starts_with('\u{fffd}') && !text.contains("=x"), "{text:?}");
        assert_eq!(stored["truncated"], json!(false));

        let big = "a".repeat(STORED_BODY_LIMIT + 10);
        let stored = stored_doc(CapturedBody::whole(big.clone().into_bytes()));
        assert_eq!(stored["body"].as_str().unwrap().len(), STORED_BODY_LIMIT);
        assert_eq!(stored["truncated"], json!(true));
        assert_eq!(stored["bytes"], json!(big.len()));

        // JSON too large to keep whole is redacted before it is cut.
        let doc = json!({"a": "é".repeat(STORED_BODY_LIMIT), "password": "late"});
        let stored = stored_doc(CapturedBody::whole(doc.to_string().into_bytes()));
        assert_eq!(stored["truncated"], json!(true));
        assert!(!stored.to_string().contains("late"));

        // A body cut by the capture limit is never parsed as JSON.
        let cut = CapturedBody { bytes: b"{\"password\":\"abc".to_vec(), complete: false };
        let stored = stored_doc(cut);
        assert!(!stored.to_string().contains("abc"), "{stored}");
        assert_eq!(stored["truncated"], json!(true));

        assert_eq!(stored_doc(CapturedBody::whole(Vec::new()))["body"], Value::Null);
        let kept = stored_doc(CapturedBody::whole(br#"{"a":[1,"b"]}"#.to_vec()));
        assert_eq!(kept, json!({"bytes": 13, "body": {"a": [1, "b"]}, "truncated": false}));
    }

    #[test]
    fn only_kept_headers_are_stored() {
        let headers = vec![
            ("Authorization".to_owned(), "Bearer abc".to_owned()),
            ("Content-Type".to_owned(), "application/scim+json".to_owned()),
            ("cookie".to_owned(), "s=1".to_owned()),
            ("User-Agent".to_owned(), "Okta SCIM".to_owned()),
        ];
        let stored: Value =
            serde_json::from_str(&stored_request(&headers, &CapturedBody::whole(Vec::new())))
                .unwrap();
        assert_eq!(
            stored["headers"],
            json!({"content-type": "application/scim+json", "user-agent": "Okta SCIM"})
        );
    }
}
