//! The SCIM credential lifecycle of SPEC §2 end to end: token and Basic,
//! expiry, reset with and without an overlap, switching off, and the oidc
//! refusal.

use jiff::SignedDuration;
use reqwest::StatusCode;
use roster_app::Clock;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_error, reply, spawn_app};

async fn provider(app: &TestApp, kind: &str) -> String {
    let created =
        app.post("/api/admin/sites/acme/providers", json!({ "kind": kind, "name": kind })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
    format!("/api/admin/sites/acme/providers/{}/scim", created.body["id"].as_str().unwrap())
}

async fn users_status(
    app: &TestApp,
    auth: &dyn Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> StatusCode {
    let request = app.client.get(format!("{}/api/scim/Users", app.address));
    reply(auth(request).send().await.unwrap()).await.status
}

async fn token_lifecycle(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "okta").await;
    let created = app.post(&path, json!({ "auth": "token" })).await;
    assert_eq!(created.status, StatusCode::OK, "{created:?}");
    let first = created.body["token"].as_str().unwrap().to_owned();
    assert!(first.starts_with("roster_scim_"));
    assert_eq!(created.body["provider"]["scim"]["auth"], "token");
    // One year by default.
    let expires: jiff::Timestamp =
        created.body["provider"]["scim"]["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires.as_second() - jiff::Timestamp::now().as_second()) / 86_400;
    assert!((364..=366).contains(&days), "{days}");
    assert!(!app.snapshot().await.contains(&first), "only the hash is stored");
    let bearer = |token: String| move |r: reqwest::RequestBuilder| r.bearer_auth(&token);
    assert_eq!(users_status(&app, &bearer(first.clone())).await, StatusCode::OK);

    // Moving the expiry keeps the token.
    let moved = app.post(&path, json!({ "auth": "token", "expires": "2099-01-01" })).await;
    assert!(moved.body.get("token").is_none());
    assert_eq!(moved.body["provider"]["scim"]["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(users_status(&app, &bearer(first.clone())).await, StatusCode::OK);

    // A reset with an overlap: both work for the window.
    let rotated = app.post(&path, json!({ "auth": "token", "reset": true, "overlap": "1h" })).await;
    let second = rotated.body["token"].as_str().unwrap().to_owned();
    assert_eq!(users_status(&app, &bearer(first.clone())).await, StatusCode::OK);
    assert_eq!(users_status(&app, &bearer(second.clone())).await, StatusCode::OK);
    // A reset without one revokes at once.
    let third = app.post(&path, json!({ "auth": "token", "reset": true })).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(users_status(&app, &bearer(second)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(users_status(&app, &bearer(first)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(users_status(&app, &bearer(third.clone())).await, StatusCode::OK);

    // Switched off, the old credential is refused.
    let off = app.post(&path, json!({ "auth": "off" })).await;
    assert_eq!(off.body["provider"]["scim"]["auth"], "off");
    assert_eq!(users_status(&app, &bearer(third)).await, StatusCode::UNAUTHORIZED);
}

async fn basic_credentials(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "jumpcloud").await;
    let created = app.post(&path, json!({ "auth": "basic" })).await;
    let username = created.body["username"].as_str().unwrap().to_owned();
    let password = created.body["password"].as_str().unwrap().to_owned();
    assert_eq!(created.body["provider"]["scim"]["username"], username.as_str());
    let basic = |u: String, p: String| move |r: reqwest::RequestBuilder| r.basic_auth(&u, Some(&p));
    assert_eq!(
        users_status(&app, &basic(username.clone(), password.clone())).await,
        StatusCode::OK
    );
    assert_eq!(
        users_status(&app, &basic("someone".into(), password.clone())).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        users_status(&app, &basic(username.clone(), "wrong".into())).await,
        StatusCode::UNAUTHORIZED
    );
    let password_as_token = move |r: reqwest::RequestBuilder| r.bearer_auth(&password);
    assert_eq!(users_status(&app, &password_as_token).await, StatusCode::UNAUTHORIZED);
}

async fn bad_credential_requests_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let oidc = provider(&app, "oidc").await;
    let okta = provider(&app, "okta").await;
    let before = app.snapshot().await;
    let refused = app.post(&oidc, json!({ "auth": "token" })).await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "invalid_request", Some("scim.auth"));
    assert!(refused.body["message"].as_str().unwrap().contains("OIDC"), "{refused:?}");
    let cases: [(Value, &str); 6] = [
        (json!({ "auth": "magic" }), "auth"),
        (json!({ "auth": "token", "expires": "2001-01-01" }), "expires"),
        (json!({ "auth": "token", "expires": "soon" }), "expires"),
        (json!({ "auth": "token", "reset": true, "overlap": "90d" }), "overlap"),
        (json!({ "auth": "off", "reset": true }), "auth"),
        (json!({ "auth": "token", "secret": "chosen-by-client" }), "secret"),
    ];
    for (body, field) in cases {
        assert_error(
            &app.post(&okta, body).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some(field),
        );
    }
    assert_eq!(app.snapshot().await, before);
}

/// The server's clock moves past an expiry and an overlap window: the
/// secrets stop working then, not before.
async fn secrets_stop_working_when_their_time_passes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "okta").await;
    let first = app.post(&path, json!({ "auth": "token" })).await.body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = |token: String| move |r: reqwest::RequestBuilder| r.bearer_auth(&token);

    // A reset with a one-hour overlap: the old token works for the hour.
    let second = app
        .post(&path, json!({ "auth": "token", "reset": true, "overlap": "1h" }))
        .await
        .body["token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(SignedDuration::from_mins(59));
    assert_eq!(users_status(&app, &bearer(first.clone())).await, StatusCode::OK);
    app.clock.advance(SignedDuration::from_mins(2));
    assert_eq!(users_status(&app, &bearer(first)).await, StatusCode::UNAUTHORIZED);
    assert_eq!(users_status(&app, &bearer(second.clone())).await, StatusCode::OK);
    let provider_path = path.trim_end_matches("/scim").to_owned();
    let failed_at = |shown: &crate::helpers::Reply| -> jiff::Timestamp {
        shown.body["scim"]["last_failure_at"].as_str().unwrap().parse().unwrap()
    };
    let overlap_failure = failed_at(&app.get(&provider_path).await);

    // The new token expires a year after it was made (by default).
    app.clock.advance(SignedDuration::from_hours(24 * 364));
    assert_eq!(users_status(&app, &bearer(second.clone())).await, StatusCode::OK);
    app.clock.advance(SignedDuration::from_hours(24 * 2));
    assert_eq!(users_status(&app, &bearer(second)).await, StatusCode::UNAUTHORIZED);
    // Its administrators see the failure, a year after the previous one.
    let expiry_failure = failed_at(&app.get(&provider_path).await);
    let days = (expiry_failure.as_second() - overlap_failure.as_second()) / 86_400;
    assert_eq!(days, 366, "{overlap_failure} then {expiry_failure}");
}

/// Issue 16: a Basic reset with an overlap kept the old password but
/// changed the username, so the old credential stopped at once.
async fn a_basic_reset_with_an_overlap_keeps_the_old_credential(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "jumpcloud").await;
    let first = app.post(&path, json!({ "auth": "basic" })).await;
    let username = first.body["username"].as_str().unwrap().to_owned();
    let old = first.body["password"].as_str().unwrap().to_owned();
    let basic = |u: String, p: String| move |r: reqwest::RequestBuilder| r.basic_auth(&u, Some(&p));

    let reset = app.post(&path, json!({ "auth": "basic", "reset": true, "overlap": "1h" })).await;
    assert_eq!(reset.status, StatusCode::OK, "{reset:?}");
    assert_eq!(reset.body["username"], username.as_str(), "a reset keeps the username");
    let new = reset.body["password"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(users_status(&app, &basic(username.clone(), old.clone())).await, StatusCode::OK);
    assert_eq!(users_status(&app, &basic(username.clone(), new.clone())).await, StatusCode::OK);
    app.clock.advance(SignedDuration::from_mins(61));
    assert_eq!(
        users_status(&app, &basic(username.clone(), old)).await,
        StatusCode::UNAUTHORIZED,
        "the overlap is over"
    );
    assert_eq!(users_status(&app, &basic(username.clone(), new.clone())).await, StatusCode::OK);
    // Switching to a token and back makes a new username: nothing of the
    // old mode survives a switch.
    app.post(&path, json!({ "auth": "token" })).await;
    let again = app.post(&path, json!({ "auth": "basic" })).await;
    assert_ne!(again.body["username"], username.as_str(), "{again:?}");
    assert_eq!(users_status(&app, &basic(username, new)).await, StatusCode::UNAUTHORIZED);
}

/// Issue 16: a reset with an overlap revived a token that had already
/// expired; the overlap only ever shortens what is left of a secret.
async fn an_overlap_never_revives_or_extends_a_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "okta").await;
    let bearer = |token: String| move |r: reqwest::RequestBuilder| r.bearer_auth(&token);
    let token = |reply: &crate::helpers::Reply| reply.body["token"].as_str().unwrap().to_owned();
    let expires = app.clock.now().checked_add(SignedDuration::from_hours(48)).unwrap();
    let day = expires.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    let first = token(&app.post(&path, json!({ "auth": "token", "expires": day })).await);
    app.clock.advance(SignedDuration::from_hours(72));
    assert_eq!(users_status(&app, &bearer(first.clone())).await, StatusCode::UNAUTHORIZED);
    let reset = app.post(&path, json!({ "auth": "token", "reset": true, "overlap": "7d" })).await;
    let second = token(&reset);
    assert_eq!(
        users_status(&app, &bearer(first)).await,
        StatusCode::UNAUTHORIZED,
        "an expired token stays expired"
    );
    assert_eq!(users_status(&app, &bearer(second.clone())).await, StatusCode::OK);

    // A token with a day or so left keeps only that, not the 7 days.
    let soon = app.clock.now().checked_add(SignedDuration::from_hours(30)).unwrap();
    let day = soon.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    app.post(&path, json!({ "auth": "token", "expires": day })).await;
    let at = |raw: &str| -> jiff::Timestamp { format!("{raw}T00:00:00Z").parse().unwrap() };
    let left = at(&day).as_second() - app.clock.now().as_second();
    app.post(&path, json!({ "auth": "token", "reset": true, "overlap": "7d" })).await;
    app.clock.advance(SignedDuration::from_secs(left + 1));
    assert_eq!(users_status(&app, &bearer(second)).await, StatusCode::UNAUTHORIZED);
}

/// Issue 16: a multi-byte overlap (`1é`) panicked the reset.
async fn odd_overlaps_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "okta").await;
    app.post(&path, json!({ "auth": "token" })).await;
    let before = app.snapshot().await;
    for overlap in ["1é", "é", "1\u{0}", "２h", "1hh", "9999999999999999999d"] {
        let reply =
            app.post(&path, json!({ "auth": "token", "reset": true, "overlap": overlap })).await;
        assert_error(&reply, StatusCode::BAD_REQUEST, "invalid_request", Some("overlap"));
    }
    assert_eq!(app.snapshot().await, before);
}

/// Another process (a second instance, the CLI) changes a credential
/// behind this one's back: this instance's cache of credentials sees it
/// within seconds; its own changes it sees at once.
async fn another_process_s_reset_is_seen_within_seconds(backend: Backend) {
    let app = spawn_app(backend).await;
    app.site("acme").await;
    let path = provider(&app, "okta").await;
    let created = app.post(&path, json!({ "auth": "token" })).await;
    let token = created.body["token"].as_str().unwrap().to_owned();
    let bearer = |r: reqwest::RequestBuilder| r.bearer_auth(&token);
    assert_eq!(users_status(&app, &bearer).await, StatusCode::OK);

    let elsewhere = roster_store::connect(&app._database.config).await.unwrap();
    let provider_id = created.body["provider"]["id"].as_str().unwrap();
    let mut tx = elsewhere.write().await.unwrap();
    let site = roster_store::SiteRepo::site_by_slug(
        &mut tx,
        &roster_domain::SiteSlug::parse("acme").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let mut provider = roster_store::ProviderRepo::provider_by_id(
        &mut tx,
        &site.id,
        &roster_domain::ProviderId::from_raw(provider_id),
    )
    .await
    .unwrap()
    .unwrap();
    provider.scim.secret_hash = Some(roster_app::secrets::hash("roster_scim_another"));
    roster_store::ProviderRepo::update_provider(&mut tx, &provider).await.unwrap();
    roster_store::Transaction::commit(tx).await.unwrap();
    elsewhere.close().await;

    // Five seconds at most (README, "SCIM credentials").
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    while users_status(&app, &bearer).await == StatusCode::OK {
        assert!(std::time::Instant::now() < deadline, "the old token still works");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(users_status(&app, &bearer).await, StatusCode::UNAUTHORIZED);
    let new = |r: reqwest::RequestBuilder| r.bearer_auth("roster_scim_another");
    assert_eq!(users_status(&app, &new).await, StatusCode::OK);
}

crate::on_both_databases!(
    another_process_s_reset_is_seen_within_seconds,
    a_basic_reset_with_an_overlap_keeps_the_old_credential,
    an_overlap_never_revives_or_extends_a_secret,
    odd_overlaps_are_refused,
    token_lifecycle,
    basic_credentials,
    bad_credential_requests_change_nothing,
    secrets_stop_working_when_their_time_passes,
);
