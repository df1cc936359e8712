//! SAML sign-in and sessions (SPEC §5): the SP's metadata, the start of an
//! SP-initiated sign-in, the assertion consumer service, signing out
//! (single logout both ways), and `GET /api/me`. Browser routes answer errors as pages; `/api/me` as
//! JSON.

mod code_page;
mod cookie;

pub(crate) use cookie::session_secret;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use roster_app::App;
use roster_app::sso::{IdpLogout, MeView, SignInStep, SignedInView, SsoError};
use roster_domain::Secret;
use serde::Deserialize;

use crate::ApiError;
use crate::body::read_limited;

pub(crate) fn routes() -> Router<App> {
    Router::new()
        .route("/login/{site}", get(sign_in_page).post(password_sign_in))
        .route("/login/{site}/code", post(second_factor))
        .route("/saml/metadata", get(metadata))
        .route("/saml/login/{provider}", get(login))
        .route("/saml/consume", post(consume_shared))
        .route("/saml/consume/{provider}", post(consume))
        .route("/saml/logout", get(shared_idp_logout).post(logout))
        .route("/saml/logout/{provider}", get(idp_logout).post(logout))
        .route("/api/me", get(me))
}

/// Where a person goes once signed in with a password: on to the site's
/// application (the default), or into the console they came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Destination {
    #[default]
    Application,
    Admin,
}

impl Destination {
    /// The hidden form field that carries the destination on.
    fn field(self) -> &'static str {
        match self {
            Self::Application => "",
            Self::Admin => "<input type=\"hidden\" name=\"to\" value=\"admin\">",
        }
    }
}

#[derive(Deserialize)]
struct SignInQuery {
    #[serde(default)]
    to: Option<String>,
}

impl SignInQuery {
    /// An unknown destination is the default one: the query is a link
    /// anyone can write, and it only ever chooses between roster's own
    /// pages.
    fn destination(&self) -> Destination {
        match self.to.as_deref() {
            Some("admin") => Destination::Admin,
            _ => Destination::Application,
        }
    }
}

/// A site's sign-in page: a button per SSO provider, and the password
/// form with its anti-forgery token (see `cookie.rs`).
async fn sign_in_page(
    State(app): State<App>,
    Path(site): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let destination = query
        .and_then(|query| serde_urlencoded::from_str::<SignInQuery>(&query).ok())
        .map(|query| query.destination())
        .unwrap_or_default();
    let page = match app.sso().sign_in_page(&site).await {
        Ok(page) => page,
        Err(err) => return ApiError::from(err).into_page(),
    };
    let escape = crate::error::escape_html;
    let buttons: String = page
        .providers
        .iter()
        .map(|(id, name)| {
            format!(
                "<li><a class=\"button\" href=\"/saml/login/{}\">Sign in with {}</a></li>",
                escape(id),
                escape(name)
            )
        })
        .collect();
    let buttons = if buttons.is_empty() { String::new() } else { format!("<ul>{buttons}</ul>") };
    let token = roster_app::secrets::generate("");
    let body = format!(
        "{buttons}<form method=\"post\" action=\"/login/{site}\">\
         <input type=\"hidden\" name=\"form\" value=\"{token}\">{to}\
         <label>Username <input name=\"username\" autocomplete=\"username\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form>",
        site = escape(&site),
        to = destination.field(),
    );
    let mut response = Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to {name} · roster</title></head>\
         <body><main><h1>Sign in to {name}</h1>{body}</main></body></html>\n",
        name = escape(&page.site_name),
    ))
    .into_response();
    // The site was found, so its slug is a valid cookie path.
    if let Ok(value) = HeaderValue::from_str(&cookie::sign_in_form(&token, &site, secure(&app))) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    private(&mut response);
    response
}

/// Whether roster is reached over https, so that cookies are Secure.
pub(crate) fn secure(app: &App) -> bool {
    app.config().public_url.as_deref().is_some_and(|url| url.starts_with("https://"))
}

/// The sign-in page's password form.
#[derive(Deserialize)]
struct PasswordForm {
    /// The sign-in page's anti-forgery token.
    #[serde(default)]
    form: String,
    username: String,
    password: Secret,
    #[serde(default)]
    to: Destination,
}

/// The largest password form accepted.
const PASSWORD_FORM_LIMIT: usize = 16 * 1024;

async fn password_sign_in(
    State(app): State<App>,
    Path(site): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let form: PasswordForm = match read_form(request, PASSWORD_FORM_LIMIT).await {
        Ok(form) => form,
        Err(problem) => return problem.page("password", "send a username and a password"),
    };
    // Checked before the password: a forged post counts no attempt.
    if !cookie::sign_in_form_matches(&headers, &form.form) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "form_expired",
            "this sign-in form has expired or was not sent from roster's sign-in page; \
             open the sign-in page again",
        )
        .into_page();
    }
    let signed_in = app.sso().sign_in_with_password(&site, &form.username, &form.password).await;
    signed_in_response(&app, signed_in, form.to)
}

/// The second-factor page's form.
#[derive(Deserialize)]
struct CodeForm {
    pending: Secret,
    code: String,
    /// The code page's anti-forgery token.
    #[serde(default)]
    form: String,
    #[serde(default)]
    to: Destination,
}

/// A second-factor code: right, the person is signed in; wrong, the page
/// asks again.
async fn second_factor(
    State(app): State<App>,
    Path(site): Path<String>,
    request: Request,
) -> Response {
    let headers = request.headers().clone();
    let form: CodeForm = match read_form(request, PASSWORD_FORM_LIMIT).await {
        Ok(form) => form,
        Err(problem) => return problem.page("code", "send the code from your authenticator app"),
    };
    // Checked before the code: a forged post (another site's, carrying a
    // pending sign-in of its own) counts no attempt and signs no one in.
    if !cookie::sign_in_form_matches(&headers, &form.form) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "form_expired",
            "this sign-in form has expired or was not sent from roster's sign-in page; \
             sign in again",
        )
        .into_page();
    }
    match app.sso().second_factor(&site, &form.pending, &form.code).await {
        Ok(signed_in) => session_started(&app, &signed_in, form.to),
        Err(SsoError::WrongCode(view)) => code_page::code_page(
            &view,
            Some(&SsoError::WrongCode(view.clone()).to_string()),
            form.to.field(),
            secure(&app),
        ),
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// What is wrong with a posted form.
enum FormProblem {
    TooLarge,
    Malformed,
}

impl FormProblem {
    /// The page saying so; `field` and `hint` say what the form needs.
    fn page(self, field: &str, hint: &str) -> Response {
        match self {
            Self::TooLarge => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_body",
                "the form is too large",
            )
            .into_page(),
            Self::Malformed => ApiError::invalid(field, hint).into_page(),
        }
    }
}

/// A browser's form of at most `limit` bytes.
async fn read_form<T: serde::de::DeserializeOwned>(
    request: Request,
    limit: usize,
) -> Result<T, FormProblem> {
    let body = read_limited(request.into_body(), limit).await.map_err(|_| FormProblem::TooLarge)?;
    serde_urlencoded::from_bytes(&body).map_err(|_| FormProblem::Malformed)
}

/// The SP's metadata, for administrators to give their IdP.
async fn metadata(State(app): State<App>) -> Response {
    match app.sso().metadata().await {
        Ok(xml) => ([(CONTENT_TYPE, "application/samlmetadata+xml")], xml).into_response(),
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// Sends the browser to the provider's IdP with an AuthnRequest.
async fn login(State(app): State<App>, Path(provider): Path<String>) -> Response {
    match app.sso().start(&provider).await {
        Ok(url) => redirect(&url),
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// The HTTP-POST binding's form.
#[derive(Deserialize)]
struct PostedResponse {
    #[serde(rename = "SAMLResponse")]
    saml_response: String,
    /// The site, for a sign-in the IdP started (its Default Relay State).
    #[serde(rename = "RelayState", default)]
    relay_state: Option<String>,
}

/// The largest form accepted at the ACS: roster-saml's cap on the base64
/// response, plus room for the relay state and the form encoding.
const FORM_LIMIT: usize = 768 * 1024;

/// The shared ACS: the response names its provider by the request it
/// answers.
async fn consume_shared(State(app): State<App>, request: Request) -> Response {
    signed_in_page(&app, None, request).await
}

/// A provider's own ACS, which also takes IdP-initiated sign-ins.
async fn consume(
    State(app): State<App>,
    Path(provider): Path<String>,
    request: Request,
) -> Response {
    signed_in_page(&app, Some(&provider), request).await
}

async fn signed_in_page(app: &App, provider: Option<&str>, request: Request) -> Response {
    let form: PostedResponse = match read_form(request, FORM_LIMIT).await {
        Ok(form) => form,
        Err(problem) => {
            return problem.page("SAMLResponse", "post the identity provider's SAMLResponse form");
        }
    };
    signed_in_response(
        app,
        app.sso().consume(provider, &form.saml_response, form.relay_state.as_deref()).await,
        Destination::Application,
    )
}

/// A page saying who signed in, with the session cookie; the page asking
/// for a second factor; or the refusal.
fn signed_in_response(
    app: &App,
    step: Result<SignInStep, SsoError>,
    destination: Destination,
) -> Response {
    match step {
        Ok(SignInStep::SignedIn(signed_in)) => session_started(app, &signed_in, destination),
        Ok(SignInStep::SecondFactor(view)) => {
            code_page::code_page(&view, None, destination.field(), secure(app))
        }
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// The session cookie, and the page, the console or the application the
/// person goes on to.
fn session_started(app: &App, signed_in: &SignedInView, destination: Destination) -> Response {
    let cookie = cookie::session(signed_in.session_secret.expose(), secure(app));
    let site = crate::error::escape_html(&signed_in.site);
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed in · roster</title></head>\
         <body><main><h1>Signed in</h1><p>You are signed in to {site} as {}.</p>\
         <p>Administrators of the site: <a href=\"/admin/{site}\">open the console</a>.</p>\
         </main></body></html>\n",
        crate::error::escape_html(&signed_in.username),
    );
    // With an application URL, the person continues there with the
    // ticket the application redeems, unless they came from the console.
    let mut response = match (&signed_in.continue_to, destination) {
        (_, Destination::Admin) => redirect(&format!("/admin/{}", signed_in.site)),
        (Some(url), Destination::Application) => redirect(url),
        (None, Destination::Application) => Html(page).into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    // The redirect carries a one-time ticket: no cache keeps it and
    // no Referer passes it on.
    private(&mut response);
    response
}

/// Ends the session the cookie names, and sends the browser on to the
/// IdP's logout when the session came from one that has it.
async fn logout(State(app): State<App>, headers: HeaderMap) -> Response {
    let next = match cookie::session_secret(&headers, secure(&app)) {
        Some(secret) => match app.sso().sign_out(secret).await {
            Ok(next) => next,
            Err(err) => return ApiError::from(err).into_page(),
        },
        None => None,
    };
    signed_out(&app, next.as_deref())
}

/// A logout message from a provider's IdP (HTTP-Redirect binding): its
/// LogoutRequest ends the sessions it names and is answered; its
/// LogoutResponse to roster's request just ends here.
async fn idp_logout(
    State(app): State<App>,
    Path(provider): Path<String>,
    request: Request,
) -> Response {
    let query = request.uri().query().unwrap_or_default();
    match app.sso().idp_logout(&provider, query).await {
        Ok(IdpLogout::Answered(url)) => signed_out(&app, Some(&url)),
        Ok(IdpLogout::SignedOut) => signed_out(&app, None),
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// A logout message from an IdP at the shared logout URL, the one the SP
/// metadata lists (HTTP-Redirect binding); a `POST` there is the browser's
/// own sign-out.
async fn shared_idp_logout(State(app): State<App>, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default();
    match app.sso().shared_idp_logout(query).await {
        Ok(IdpLogout::Answered(url)) => signed_out(&app, Some(&url)),
        Ok(IdpLogout::SignedOut) => signed_out(&app, None),
        Err(err) => ApiError::from(err).into_page(),
    }
}

/// The cookie cleared, and the browser sent on to `next` or shown that
/// it is signed out.
fn signed_out(app: &App, next: Option<&str>) -> Response {
    let mut response = match next {
        Some(url) => redirect(url),
        None => Html("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Signed out · roster</title></head><body><main><h1>Signed out</h1></main></body></html>\n").into_response(),
    };
    if let Ok(value) = HeaderValue::from_str(&cookie::cleared(secure(app))) {
        response.headers_mut().insert(SET_COOKIE, value);
    }
    private(&mut response);
    response
}

/// Who the session cookie names.
async fn me(State(app): State<App>, headers: HeaderMap) -> Result<Json<MeView>, ApiError> {
    let secret = cookie::session_secret(&headers, secure(&app)).ok_or(SsoError::Unauthenticated)?;
    Ok(Json(app.sso().me(secret).await?))
}

fn redirect(url: &str) -> Response {
    match HeaderValue::from_str(url) {
        Ok(location) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::SEE_OTHER;
            response.headers_mut().insert(LOCATION, location);
            response
        }
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
        .into_page(),
    }
}

/// Marks a response that must not be cached or leak its URL.
pub(super) fn private(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(axum::http::header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    // Sign-in pages are never framed (clickjacking).
    headers.insert(axum::http::header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        axum::http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
}
