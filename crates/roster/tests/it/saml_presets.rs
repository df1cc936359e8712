//! The attribute presets of the identity providers added last, end to end:
//! the real IdP sends the attribute names JumpCloud and Cisco Duo send, and
//! a person unknown to roster is created just in time with the e-mail,
//! names and groups they carry, on both databases. (Okta's and Entra ID's
//! names are `saml_jit.rs`'s; every kind's are unit-tested beside the
//! presets, `roster-app`'s `sso::attributes`.)

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::saml_idp::{ResponseSpec, SamlIdp};
use crate::saml_jit::groups_of;
use crate::saml_signin::{answer, me, post, post_relay, provider, start};

const OPTIONS: &str =
    r#"{ "provision_group_memberships": true, "site_admin_groups": "IT Admins" }"#;

/// Creates the groups people may join.
async fn groups(app: &TestApp, names: &[&str]) {
    for name in names {
        let made = app.post("/api/admin/sites/acme/groups", json!({ "name": name })).await;
        assert_eq!(made.status, StatusCode::CREATED, "{made:?}");
    }
}

/// JumpCloud's custom SAML app, started from the JumpCloud dashboard (its
/// Default Relay State names the site): `email`, `firstname`, `lastname`
/// and the group attribute `memberOf`.
async fn a_jumpcloud_sign_in_creates_the_user_from_its_attributes(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::with_entity_id("https://sso.jumpcloud.example/saml2/roster");
    let options: Value = serde_json::from_str(OPTIONS).unwrap();
    let provider = provider(&app, &idp, "jumpcloud", options).await;
    groups(&app, &["Engineering", "IT Admins"]).await;

    let spec = ResponseSpec {
        sp_entity_id: format!("{}/saml/metadata", app.address),
        acs_url: format!("{}/saml/consume", app.address),
        name_id: "grace@example.com".into(),
        ..ResponseSpec::default()
    }
    .attribute("email", "grace@example.com")
    .attribute("firstname", "Grace")
    .attribute("lastname", "Hopper")
    .attribute("memberOf", "Engineering")
    .attribute("memberOf", "IT Admins")
    .attribute("memberOf", "Not Here");
    let (status, cookie, page) =
        post_relay(&spec.acs_url, &idp.response(&spec), Some("acme")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, me) = me(&app, cookie.as_deref()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["username"], "grace@example.com", "{me}");
    // The provider's display name (the helper names every provider so).
    assert_eq!(me["provider"], "Okta", "{me}");

    let grace = app.user_named("acme", "grace@example.com").await;
    assert_eq!(grace["email"], "grace@example.com", "{grace}");
    assert_eq!(grace["sso_provider_id"], provider.as_str(), "signs in through JumpCloud");
    assert_eq!((&grace["first_name"], &grace["last_name"]), (&json!("Grace"), &json!("Hopper")));
    assert_eq!(grace["site_admin"], true, "IT Admins maps to site admin: {grace}");
    let mut joined = groups_of(&app, grace["id"].as_str().unwrap()).await;
    joined.sort();
    assert_eq!(joined, ["Engineering", "IT Admins"], "an unknown group is joined by nobody");
}

/// Cisco Duo's generic SAML application: the attributes its administrator
/// mapped (`Email`, `FirstName`, `LastName`, `Groups`), or those it passes
/// on from its authentication source (a directory's `mail`, `givenName`,
/// `sn`, `memberOf`; an OpenID source's `given_name`, `family_name`).
async fn a_duo_sign_in_creates_the_user_from_its_attributes(backend: Backend) {
    let app = spawn_app(backend).await;
    let idp = SamlIdp::with_entity_id(
        "https://sso-abc123.sso.duosecurity.example/saml2/sp/ROSTER/metadata",
    );
    let options: Value = serde_json::from_str(OPTIONS).unwrap();
    let provider = provider(&app, &idp, "duo", options).await;
    groups(&app, &["Staff", "IT Admins"]).await;

    let people: [(&str, &[(&str, &str)]); 3] = [
        (
            "ada@example.com",
            &[
                ("Email", "ada@example.com"),
                ("FirstName", "Ada"),
                ("LastName", "Lovelace"),
                ("Groups", "Staff"),
                ("Groups", "IT Admins"),
            ],
        ),
        (
            "alan@example.com",
            &[
                ("mail", "alan@example.com"),
                ("givenName", "Alan"),
                ("sn", "Turing"),
                ("memberOf", "Staff"),
            ],
        ),
        (
            "edsger@example.com",
            &[
                ("email", "edsger@example.com"),
                ("given_name", "Edsger"),
                ("family_name", "Dijkstra"),
            ],
        ),
    ];
    for (name_id, attributes) in people {
        let request = start(&app, &idp, &provider).await;
        let spec =
            attributes.iter().fold(answer(&request, &app, name_id), |spec, (name, value)| {
                spec.attribute(name, value)
            });
        let (status, cookie, page) = post(&spec.acs_url, &idp.response(&spec)).await;
        assert_eq!(status, StatusCode::OK, "{name_id}: {page}");
        assert!(cookie.is_some(), "{name_id}: a session");
    }

    let expected = [
        ("ada@example.com", "Ada", "Lovelace", vec!["IT Admins", "Staff"], true),
        ("alan@example.com", "Alan", "Turing", vec!["Staff"], false),
        ("edsger@example.com", "Edsger", "Dijkstra", vec![], false),
    ];
    for (username, first, last, in_groups, admin) in expected {
        let person = app.user_named("acme", username).await;
        assert_eq!(person["email"], username, "{person}");
        assert_eq!(person["sso_provider_id"], provider.as_str(), "signs in through Duo");
        assert_eq!((&person["first_name"], &person["last_name"]), (&json!(first), &json!(last)));
        assert_eq!(person["site_admin"], admin, "{person}");
        let mut joined = groups_of(&app, person["id"].as_str().unwrap()).await;
        joined.sort();
        assert_eq!(joined, in_groups, "{username}");
    }
}

crate::on_both_databases!(
    a_jumpcloud_sign_in_creates_the_user_from_its_attributes,
    a_duo_sign_in_creates_the_user_from_its_attributes,
);
