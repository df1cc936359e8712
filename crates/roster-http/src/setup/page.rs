//! The set-up session's page: a placeholder that names the provider and
//! how long the link works. The real set-up pages (SAML trust, SCIM
//! credential) replace this function, on the console's templates.

use axum::response::Html;
use roster_app::admin::OpenedSetupLink;

use crate::error::escape_html;

pub(super) fn render(opened: &OpenedSetupLink) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Set up {name} · roster</title></head>\
         <body><main><h1>Set up {name}</h1>\
         <p>This link lets you configure the SSO provider {name}: its SAML trust and its SCIM \
         credential. It works until {expires}.</p></main></body></html>\n",
        name = escape_html(opened.provider_name.as_str()),
        expires = escape_html(&opened.expires_at.to_string()),
    ))
}
