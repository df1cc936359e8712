//! The sign-in area's storage, on a fresh SQLite file and a fresh
//! PostgreSQL database through the store traits: the replay cache of
//! assertion ids, and sessions (the last login they record, their end
//! when the user's sign-in method changes).

use jiff::Timestamp;
use roster_domain::{AuthMethod, DisplayText, Provider, User};
use roster_store::{ProviderRepo, SessionRecord, SiteRepo, SsoRepo, Transaction, UserRepo};

use crate::helpers::Backend;
use crate::store::{at, full_user, open, provider, site};

/// The replay cache: an assertion id is accepted once while it is
/// remembered; once its time is over (and before the clean-up job purged
/// it) the id may be recorded again, for as long as the new record says.
async fn assertions_are_remembered_until_they_expire(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.commit().await.unwrap();
    let record = |id: &'static str, until: Timestamp, now: Timestamp| {
        let (store, site) = (store.clone(), acme.id.clone());
        async move {
            let mut tx = store.write().await.unwrap();
            let recorded = tx.record_assertion(&site, "https://idp", id, until, now).await.unwrap();
            tx.commit().await.unwrap();
            recorded
        }
    };
    assert!(record("_a1", at(100, 0), at(10, 0)).await, "a new id");
    assert!(!record("_a1", at(100, 0), at(20, 0)).await, "the same id again: a replay");
    assert!(!record("_a1", at(500, 0), at(99, 999_999)).await, "still remembered");
    assert!(record("_a2", at(100, 0), at(20, 0)).await, "another id");
    let mut other = store.write().await.unwrap();
    assert!(
        other
            .record_assertion(&acme.id, "https://other-idp", "_a1", at(100, 0), at(20, 0))
            .await
            .unwrap(),
        "ids are an issuer's"
    );
    other.commit().await.unwrap();
    assert!(record("_a1", at(300, 0), at(100, 0)).await, "expired: taken over");
    assert!(!record("_a1", at(300, 0), at(200, 0)).await, "remembered again, until its new end");
    assert!(record("_a1", at(400, 0), at(300, 0)).await);
    // A rolled-back sign-in leaves the id free.
    let mut tx = store.write().await.unwrap();
    assert!(
        tx.record_assertion(&acme.id, "https://idp", "_a3", at(100, 0), at(10, 0)).await.unwrap()
    );
    drop(tx);
    assert!(record("_a3", at(100, 0), at(10, 0)).await);
}

/// Opening a session records the user's last login; a change of the
/// user's sign-in method ends the user's open sessions at the time of the
/// change (a database trigger, whatever path writes the user), and no
/// other change does.
async fn sessions_end_when_the_sign_in_method_changes(backend: Backend) {
    let (store, _db) = open(backend).await;
    let acme = site("acme");
    let okta = provider(&acme);
    let mut ada = full_user(&acme, &okta);
    ada.last_login_at = None;
    let mut tx = store.write().await.unwrap();
    tx.insert_site(&acme).await.unwrap();
    tx.insert_provider(&okta).await.unwrap();
    tx.insert_user(&ada).await.unwrap();
    tx.commit().await.unwrap();
    let session = |hash: &str, provider: Option<&Provider>, second: i64| SessionRecord {
        site: acme.id.clone(),
        secret_hash: hash.to_owned(),
        user: ada.id.clone(),
        provider: provider.map(|p| p.id.clone()),
        session_index: None,
        name_id: None,
        name_id_format: None,
        created_at: at(second, 0),
        expires_at: at(second + 3600, 0),
        revoked_at: None,
    };
    let update = |user: User| {
        let store = store.clone();
        async move {
            let mut tx = store.write().await.unwrap();
            assert!(tx.update_user(&user).await.unwrap());
            tx.commit().await.unwrap();
        }
    };
    let revoked_at = |hash: &'static str| {
        let store = store.clone();
        async move {
            let mut tx = store.read().await.unwrap();
            tx.session_by_hash(hash).await.unwrap().unwrap().revoked_at
        }
    };

    let mut tx = store.write().await.unwrap();
    tx.start_session(&session("through-okta", Some(&okta), 100)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.read().await.unwrap();
    let stored = tx.user_by_id(&acme.id, &ada.id).await.unwrap().unwrap();
    assert_eq!(stored.last_login_at, Some(at(100, 0)), "the session's start is the last login");
    drop(tx);

    ada.full_name = Some(DisplayText::parse("Ada King").unwrap());
    ada.updated_at = at(200, 0);
    update(ada.clone()).await;
    assert_eq!(revoked_at("through-okta").await, None, "another change keeps it");

    ada.auth_method = AuthMethod::Password;
    ada.updated_at = at(300, 0);
    update(ada.clone()).await;
    assert_eq!(revoked_at("through-okta").await, Some(at(300, 0)), "ended by the move");

    let mut tx = store.write().await.unwrap();
    tx.start_session(&session("by-password", None, 400)).await.unwrap();
    tx.commit().await.unwrap();
    ada.updated_at = at(500, 0);
    update(ada.clone()).await;
    assert_eq!(revoked_at("by-password").await, None, "the same method: kept");

    ada.auth_method = AuthMethod::Sso(okta.id.clone());
    ada.updated_at = at(600, 0);
    update(ada.clone()).await;
    assert_eq!(revoked_at("by-password").await, Some(at(600, 0)));
    assert_eq!(revoked_at("through-okta").await, Some(at(300, 0)), "ended once, not revived");
}

crate::on_both_databases!(
    assertions_are_remembered_until_they_expire,
    sessions_end_when_the_sign_in_method_changes,
);
