//! `spawn_app()` and friends: a server on `127.0.0.1:0` over a fresh
//! database, an HTTP client, direct access to the store, and a macro that
//! runs one test body on SQLite and on PostgreSQL.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use reqwest::{Method, StatusCode};
use roster_app::admin::AdminKeyScope;
use roster_app::{
    App, AppConfig, Clock, Context, HttpMetadataClient, MetadataClientConfig, Principal,
    SystemClock,
};
use roster_store::{ProviderRepo, Store, StoreConfig, Transaction};
use serde_json::Value;
use tempfile::TempDir;

/// The database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` as two tests,
/// `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            }
        )*
    };
}

/// Every provider kind that may use SCIM (README: SAML-based providers and
/// `ldap`; an `oidc` provider is refused). Tests that hold for every kind
/// iterate this list.
pub const SCIM_KINDS: [&str; 7] =
    ["okta", "entra_id", "jumpcloud", "onelogin", "duo", "ldap", "saml"];

/// A fresh, empty database of the given kind and how to reach it.
pub struct TestDatabase {
    pub config: StoreConfig,
    /// For the CLI: `--data-dir DIR` or `--database-url URL`.
    pub cli_args: Vec<String>,
    _dir: TempDir,
    /// Dropped with the test, so that a run of the suite does not fill the
    /// disk with hundreds of finished databases.
    _postgres: Option<PostgresDatabase>,
}

pub async fn fresh_database(backend: Backend) -> TestDatabase {
    let dir = tempfile::tempdir().expect("temporary directory");
    match backend {
        Backend::Sqlite => TestDatabase {
            config: StoreConfig::Sqlite { path: dir.path().join("roster.db") },
            cli_args: vec!["--data-dir".into(), dir.path().display().to_string()],
            _dir: dir,
            _postgres: None,
        },
        Backend::Postgres => {
            let database = postgres_database().await;
            let url = database.url.clone();
            TestDatabase {
                config: StoreConfig::Postgres {
                    url: roster_domain::Secret::new(url.clone()),
                    max_connections: 8,
                },
                cli_args: vec!["--database-url".into(), url],
                _dir: dir,
                _postgres: Some(database),
            }
        }
    }
}

/// A database of its own in the throwaway cluster, dropped when the test
/// is done with it.
pub struct PostgresDatabase {
    pub url: String,
    cluster_url: String,
    name: String,
}

/// Creates a new database in the throwaway cluster.
pub async fn postgres_database() -> PostgresDatabase {
    let cluster_url = std::env::var("ROSTER_TEST_DATABASE_URL").expect(
        "ROSTER_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts \
         a throwaway PostgreSQL cluster (see DEVELOPERS.md)",
    );
    let name = format!("roster_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = connect_to_cluster(&cluster_url).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let (server, _) = cluster_url.rsplit_once('/').expect("a URL with a database name");
    PostgresDatabase { url: format!("{server}/{name}"), cluster_url, name }
}

async fn connect_to_cluster(cluster_url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    <sqlx::AnyConnection as sqlx::Connection>::connect(cluster_url)
        .await
        .expect("connect to the test cluster")
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which must not block on
        // another future, so the statement runs on a thread of its own.
        // FORCE ends the connections the test's pools still hold.
        let cluster_url = self.cluster_url.clone();
        let statement = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let mut conn = connect_to_cluster(&cluster_url).await;
                sqlx::query(sqlx::AssertSqlSafe(statement)).execute(&mut conn).await.map(|_| ())
            })
        })
        .join();
        // A database left behind costs disk, not correctness: say so, and
        // do not turn a passing test into a failure.
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// The server's clock in tests: the system clock moved by an offset the
/// test controls, so that time still passes between requests (as stored
/// timestamps expect) and a test can jump past an expiry or a schedule.
pub struct TestClock {
    offset: Mutex<SignedDuration>,
}

impl TestClock {
    fn new() -> Self {
        Self { offset: Mutex::new(SignedDuration::ZERO) }
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        let mut offset = self.offset.lock().expect("clock lock");
        *offset += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        let offset = *self.offset.lock().expect("clock lock");
        SystemClock.now().checked_add(offset).expect("a representable time")
    }
}

/// A running server and everything a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub app: App,
    pub store: Arc<Store>,
    /// The server's clock, which the test may move.
    pub clock: Arc<TestClock>,
    pub _database: TestDatabase,
    /// An operator admin key.
    pub key: String,
}

/// One response: status and JSON body (`Null` when there is none).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with_mailer(backend, None).await
}

/// [`spawn_app`] with mail on, through `mailer` (`None`: mail off).
pub async fn spawn_app_with_mailer(
    backend: Backend,
    mailer: Option<Arc<dyn roster_app::Mailer>>,
) -> TestApp {
    spawn(backend, mailer, roster_app::MetadataTimeouts::default(), None).await
}

/// [`spawn_app`] whose SAML metadata fetches time out after `timeouts`
/// (roster's own are long for a test to wait out).
pub async fn spawn_app_with_metadata_timeouts(
    backend: Backend,
    timeouts: roster_app::MetadataTimeouts,
) -> TestApp {
    spawn(backend, None, timeouts, None).await
}

/// [`spawn_app`] behind a proxy: `public_url` (say, an https one) is where
/// people reach roster, while the test still talks to its plain address.
pub async fn spawn_app_at(backend: Backend, public_url: &str) -> TestApp {
    spawn(backend, None, roster_app::MetadataTimeouts::default(), Some(public_url.to_owned())).await
}

async fn spawn(
    backend: Backend,
    mailer: Option<Arc<dyn roster_app::Mailer>>,
    timeouts: roster_app::MetadataTimeouts,
    public_url: Option<String>,
) -> TestApp {
    // The process's one metrics recorder, as `roster serve` installs it.
    roster_http::Metrics::install();
    let database = fresh_database(backend).await;
    let store = roster_store::connect(&database.config).await.expect("open the store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let clock = Arc::new(TestClock::new());
    // SAML needs the public URL; it is what SCIM would build from `Host`.
    let settings = AppConfig {
        public_url: Some(public_url.unwrap_or_else(|| address.clone())),
        scim_log: true,
        // The tests' webhook receivers listen on 127.0.0.1.
        webhook_allow_private: true,
        webhook_ca_pem: None,
        token_expiry_alert_days: roster_app::AlertDays::standard(),
    };
    // The tests' IdPs serve their metadata on 127.0.0.1.
    let metadata =
        HttpMetadataClient::with_timeouts(MetadataClientConfig { allow_private: true }, timeouts)
            .expect("metadata client");
    let context = Context::new(store.clone(), clock.clone(), settings, Arc::new(metadata));
    let app = App::new(match mailer {
        Some(mailer) => context.with_mailer(mailer),
        None => context,
    });
    let server = app.clone();
    tokio::spawn(async move {
        roster_http::serve(listener, server, std::future::pending()).await.expect("server");
    });
    let key = app
        .admin()
        .create_admin_key(&Principal::Operator, AdminKeyScope::Operator, Some("tests"))
        .await
        .expect("operator key")
        .secret;
    let key = key.expose().to_owned();
    TestApp { address, client: reqwest::Client::new(), app, store, clock, _database: database, key }
}

impl TestApp {
    /// Sends a request with the operator key.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(&self.key.clone(), method, path, body).await
    }

    /// Sends a request with the given admin key.
    pub async fn call_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let mut request =
            self.client.request(method, format!("{}{path}", self.address)).bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        reply(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Every stored row, to compare before and after a rejected request.
    pub async fn snapshot(&self) -> String {
        self.store.snapshot().await.expect("snapshot")
    }

    /// Creates a site and returns its slug.
    pub async fn site(&self, slug: &str) -> String {
        let reply = self.post("/api/admin/sites", serde_json::json!({ "slug": slug })).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        slug.to_owned()
    }

    /// Creates a user and returns its id.
    pub async fn user(&self, site: &str, body: Value) -> String {
        let reply = self.post(&format!("/api/admin/sites/{site}/users"), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        reply.body["id"].as_str().expect("id").to_owned()
    }

    /// The admin API's view of the user `username` of `site`; panics when
    /// there is none (so a check of one of its fields cannot pass on a
    /// user that was never created).
    pub async fn user_named(&self, site: &str, username: &str) -> Value {
        let users = self.get(&format!("/api/admin/sites/{site}/users?limit=100")).await;
        assert_eq!(users.status, StatusCode::OK, "{users:?}");
        users.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|user| user["username"] == username)
            .unwrap_or_else(|| panic!("no user {username} in {site}: {users:?}"))
            .clone()
    }

    /// Creates a site admin key and returns the key, used once so that its
    /// `last_used_at` bookkeeping is done before a test takes snapshots.
    pub async fn site_key(&self, site: &str) -> String {
        let reply =
            self.post(&format!("/api/admin/sites/{site}/keys"), serde_json::json!({})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{reply:?}");
        let key = reply.body["secret"].as_str().expect("secret").to_owned();
        let used = self.call_as(&key, Method::GET, &format!("/api/admin/sites/{site}"), None).await;
        assert_eq!(used.status, StatusCode::OK, "{used:?}");
        key
    }
}

pub async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Reply { status, headers, body }
}

/// Asserts an error reply: status, error code and (if given) field.
#[track_caller]
pub fn assert_error(reply: &Reply, status: StatusCode, code: &str, field: Option<&str>) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.body["error"], code, "{reply:?}");
    assert!(reply.body["message"].as_str().is_some_and(|m| !m.is_empty()), "{reply:?}");
    if let Some(field) = field {
        assert_eq!(reply.body["field"], field, "{reply:?}");
    }
}

/// A SCIM client of one SSO provider: its bearer token, sent with every
/// request as `application/scim+json`.
pub struct Scim<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub provider_id: String,
}

impl TestApp {
    /// Creates an SSO provider of `kind` in `site` with a SCIM bearer token,
    /// set directly through the store (the credential lifecycle has its own
    /// tests). An `ldap` provider gets settings for a directory that is
    /// never reached.
    pub async fn scim_provider(&self, site: &str, kind: &str, name: &str) -> Scim<'_> {
        let mut body = serde_json::json!({ "kind": kind, "name": name });
        if kind == "ldap" {
            body["ldap"] = serde_json::json!({ "host": "ldap.invalid", "base_dn": "dc=example" });
        }
        let created = self.post(&format!("/api/admin/sites/{site}/providers"), body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:?}");
        let provider_id = created.body["id"].as_str().expect("id").to_owned();
        let token = roster_app::secrets::generate("roster_scim_");
        let site_id = created_site_id(self, site).await;
        let mut tx = self.store.write().await.expect("write");
        let mut provider = tx
            .provider_by_id(
                &roster_domain::SiteId::from_raw(site_id),
                &roster_domain::ProviderId::from_raw(provider_id.clone()),
            )
            .await
            .expect("read")
            .expect("provider");
        provider.scim.auth = roster_domain::ScimAuth::Token;
        provider.scim.secret_hash = Some(roster_app::secrets::hash(&token));
        tx.update_provider(&provider).await.expect("update");
        tx.commit().await.expect("commit");
        Scim { app: self, token, provider_id }
    }
}

async fn created_site_id(app: &TestApp, site: &str) -> String {
    let reply = app.get(&format!("/api/admin/sites/{site}")).await;
    reply.body["id"].as_str().expect("site id").to_owned()
}

impl Scim<'_> {
    /// Sends a SCIM request; `path` is relative to `/api/scim`.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_with(method, path, body, &[]).await
    }

    /// Sends a SCIM request with extra headers.
    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut request = self
            .app
            .client
            .request(method, format!("{}/api/scim{path}", self.app.address))
            .bearer_auth(&self.token);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request =
                request.header("content-type", "application/scim+json").body(body.to_string());
        }
        reply(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }
}

/// Asserts a SCIM error: status, `scimType` (if any) and the error schema.
#[track_caller]
pub fn assert_scim_error(reply: &Reply, status: StatusCode, scim_type: Option<&str>) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(
        reply.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{reply:?}"
    );
    assert_eq!(reply.body["status"], status.as_u16().to_string(), "{reply:?}");
    match scim_type {
        Some(scim_type) => assert_eq!(reply.body["scimType"], scim_type, "{reply:?}"),
        None => assert!(reply.body.get("scimType").is_none(), "{reply:?}"),
    }
    assert!(reply.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{reply:?}");
    assert_eq!(reply.headers["content-type"], "application/scim+json", "{reply:?}");
}

/// A minimal SCIM User resource with `userName` `name`.
pub fn scim_user(name: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": { "givenName": "Given", "familyName": "Family" },
        "active": true
    })
}

/// A SCIM PatchOp request with these `Operations`.
pub fn patch_op(operations: Value) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations
    })
}
