//! The page asking for a second-factor code, and, for a user without an
//! authenticator, how to set one up: the QR code, the secret to type in
//! instead, and the `otpauth://` link for an app on the same device.

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use roster_app::sso::SecondFactorView;

use crate::error::escape_html;

/// The page for `view`; `problem` says what was wrong with the last code,
/// and `carried` is markup of roster's own (hidden fields) the form posts
/// on. The form carries a fresh anti-forgery token that the page also
/// sets as the sign-in form's cookie, so that a code form posted from
/// another site (with a pending sign-in of the attacker's own) signs no
/// one in (login CSRF).
pub(super) fn code_page(
    view: &SecondFactorView,
    problem: Option<&str>,
    carried: &'static str,
    secure: bool,
) -> Response {
    let token = roster_app::secrets::generate("");
    let escape = escape_html;
    let setup = match &view.enrolment {
        Some(enrolment) => format!(
            "<section><h2>Set up your authenticator app</h2>\
             <p>{name} asks for a code from an authenticator app at every sign-in. Scan this \
             code with the app (for example Google Authenticator, Microsoft Authenticator, \
             1Password or FreeOTP), or enter the key by hand.</p>\
             <figure>{qr}</figure>\
             <p>Key: <code>{secret}</code> (time-based, 6 digits)</p>\
             <p><a href=\"{uri}\">Open in an authenticator app on this device</a></p></section>",
            name = escape(&view.site_name),
            // Rendered by the qrcode crate from the URI: no input reaches it
            // as markup.
            qr = enrolment.qr_svg,
            secret = escape(&grouped(&enrolment.secret)),
            uri = escape(&enrolment.uri),
        ),
        None => String::new(),
    };
    let problem = problem
        .map(|problem| format!("<p class=\"problem\" role=\"alert\">{}</p>", escape(problem)))
        .unwrap_or_default();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Two-factor sign-in to {name} · roster</title></head>\
         <body><main><h1>Two-factor sign-in to {name}</h1>{setup}{problem}\
         <form method=\"post\" action=\"/login/{site}/code\">\
         <input type=\"hidden\" name=\"pending\" value=\"{pending}\">{carried}\
         <input type=\"hidden\" name=\"form\" value=\"{token}\">\
         <label>Code for {username} <input name=\"code\" inputmode=\"numeric\" \
         autocomplete=\"one-time-code\" pattern=\"[0-9 ]*\" maxlength=\"8\" required autofocus></label>\
         <button type=\"submit\">Verify</button></form></main></body></html>\n",
        name = escape(&view.site_name),
        site = escape(&view.site),
        pending = escape(view.pending.expose()),
        username = escape(&view.username),
    );
    let status = if problem.is_empty() { StatusCode::OK } else { StatusCode::FORBIDDEN };
    let mut response = (status, Html(page)).into_response();
    // The site was found, so its slug is a valid cookie path.
    if let Ok(value) =
        HeaderValue::from_str(&super::cookie::sign_in_form(&token, &view.site, secure))
    {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    super::private(&mut response);
    response
}

/// A base32 key in groups of four, as people type it.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_shown_in_groups_of_four() {
        assert_eq!(grouped("GEZDGNBVGY3TQOJQ"), "GEZD GNBV GY3T QOJQ");
        assert_eq!(grouped("ABCDE"), "ABCD E");
    }
}
