//! The SQL implementation of the store, shared by SQLite and PostgreSQL
//! through sqlx's `Any` driver. What differs per dialect is here: how
//! connections are opened and which migration tree runs.

/// Every column of `users` that the domain `User` holds, in the order
/// `users::bind_user` binds them.
macro_rules! user_columns {
    () => {
        "site_id, id, username, username_key, full_name, first_name, last_name, display_name, \
         email, company, time_zone, enabled, auth_provider_id, site_admin, readonly_site_admin, \
         two_factor, webdav, ftp, sftp, external_id, provisioned_by, provisioned_by_provider_id, \
         created_at, updated_at, last_login_at, provisioning_state, provider_grants, \
         password_hash"
    };
}

/// Every column of `groups` that the domain `Group` holds.
macro_rules! group_columns {
    () => {
        "site_id, id, name, name_key, managed_by_provider_id, created_at, updated_at, \
         provisioning_state"
    };
}

/// The most parameters a bulk statement binds. Far below both databases'
/// limits on purpose: sqlx's SQLite driver looks each parameter up by its
/// name, and SQLite finds a name by walking the statement's list, so the
/// cost of binding grows with the square of the parameters (3,000 took
/// 0.2 ms a statement, more than the round trip it saves).
pub(crate) const BULK_PARAMETERS: usize = 256;

mod admin_keys;
mod attempts;
mod groups;
mod history;
mod idp_metadata;
mod jobs;
mod ldap_sync;
mod lifecycle;
mod mail_alerts;
mod operator_sessions;
mod policy;
mod providers;
mod row;
mod scim_backfill;
mod scim_filter;
mod scim_groups;
mod scim_logs;
mod scim_users;
mod second_factor;
mod server_secrets;
mod setup_links;
mod sites;
#[cfg(feature = "test-support")]
mod snapshot;
mod sp_keys;
mod sso;
mod tickets;
mod user_search;
mod users;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor};

use roster_domain::{Secret, SiteId};
use sqlx::any::AnyRow;

pub(crate) use scim_filter::{Bind, Compiler, Resource};

use crate::{Listed, Page, StoreError, Transaction};

pub(crate) static SQLITE_MIGRATIONS: sqlx::migrate::Migrator =
    sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// An SQLite file, created (with its directory) if missing.
    Sqlite { path: PathBuf },
    /// A `postgres://` URL, which may hold a password.
    Postgres { url: Secret, max_connections: u32 },
}

/// The values of a JSON array of strings bound as `$n`, as a table `j`
/// with one column `value`: one parameter for any number of ids (binding
/// one per id costs more than the look-up, see [`BULK_PARAMETERS`]).
pub(super) fn json_strings(dialect: Dialect, n: usize) -> String {
    match dialect {
        Dialect::Sqlite => format!("json_each(${n}) AS j"),
        Dialect::Postgres => {
            format!("jsonb_array_elements_text(CAST(${n} AS jsonb)) AS j (value)")
        }
    }
}

/// Readers on SQLite: WAL lets them run beside the one writer, each on a
/// thread of its own, so one per core lets reads use the whole machine;
/// never fewer than two, so a slow list does not hold up every read.
fn sqlite_readers() -> u32 {
    std::thread::available_parallelism()
        .map_or(2, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
        .clamp(2, 64)
}

/// Opens the database, applies pending migrations and completes the rows
/// they leave to Rust (see `scim_backfill` and `user_search`).
pub async fn connect(config: &StoreConfig) -> Result<std::sync::Arc<Store>, StoreError> {
    install_default_drivers();
    let store = match config {
        StoreConfig::Sqlite { path } => {
            if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|err| {
                    StoreError::Database(sqlx::Error::Configuration(
                        format!("cannot create the data directory {}: {err}", dir.display()).into(),
                    ))
                })?;
            }
            let url = format!("sqlite://{}?mode=rwc", encode_path(path)?);
            let writer = sqlite_pool(&url, 1).await?;
            // WAL mode is a property of the file: set it once, through the
            // writer, before any reader opens the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&writer).await?;
            SQLITE_MIGRATIONS.run(&writer).await?;
            scim_backfill::complete(Dialect::Sqlite, &writer).await?;
            user_search::complete(Dialect::Sqlite, &writer).await?;
            let readers = sqlite_pool(&url, sqlite_readers()).await?;
            Store::new(Dialect::Sqlite, readers, writer)
        }
        StoreConfig::Postgres { url, max_connections } => {
            let pool = AnyPoolOptions::new()
                .max_connections(*max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url.expose())
                .await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            scim_backfill::complete(Dialect::Postgres, &pool).await?;
            user_search::complete(Dialect::Postgres, &pool).await?;
            Store::new(Dialect::Postgres, pool.clone(), pool)
        }
    };
    Ok(std::sync::Arc::new(store))
}

/// Percent-encodes a file path for an `sqlite://` URL, so that `%`, `?`,
/// `#` and spaces in a data directory name the file they say.
fn encode_path(path: &std::path::Path) -> Result<String, StoreError> {
    // An absolute path keeps the URL's host empty, whatever the directory
    // is called.
    let path = std::path::absolute(path).map_err(|err| {
        StoreError::Database(sqlx::Error::Configuration(
            format!("cannot resolve the database path {}: {err}", path.display()).into(),
        ))
    })?;
    let text = path.to_str().ok_or_else(|| {
        StoreError::Database(sqlx::Error::Configuration(
            format!("the database path {} is not valid UTF-8", path.display()).into(),
        ))
    })?;
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"/._-~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(out)
}

async fn sqlite_pool(url: &str, max_connections: u32) -> Result<AnyPool, StoreError> {
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(30))
        // The connection is a file in this process, not a socket that can
        // break: the ping before every transaction would only add a round
        // trip to the connection's thread.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            // The busy timeout is how long a writer waits for the lock that
            // another process (such as the CLI) holds before giving up.
            Box::pin(async move {
                conn.execute(
                    "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000;",
                )
                .await?;
                Ok(())
            })
        })
        .connect(url)
        .await?;
    Ok(pool)
}

/// The database: a factory of transactions. On SQLite a pool of readers
/// and a pool of one writer; on PostgreSQL one pool for both.
///
/// One type serves both dialects, so there is no store trait: use cases
/// see a [`Tx`] only through the capability traits they name.
pub struct Store {
    dialect: Dialect,
    readers: AnyPool,
    writer: AnyPool,
    /// Counts the committed changes of sites and providers made through
    /// this store (see [`Store::provider_generation`]).
    provider_generation: Arc<AtomicU64>,
}

/// A transaction of either dialect; it implements every capability trait
/// of the store and rolls back when dropped without
/// [`Transaction::commit`].
pub struct Tx {
    tx: Connection,
    dialect: Dialect,
    /// Bumped when this transaction commits, if it changed a site or a
    /// provider.
    provider_generation: Arc<AtomicU64>,
    changed_providers: bool,
}

/// What a [`Tx`] runs its statements on.
enum Connection {
    /// A transaction: every statement sees the same snapshot.
    Transaction(sqlx::Transaction<'static, Any>),
    /// A connection without a transaction: each statement sees what was
    /// committed when it ran (see [`Store::read_latest`]).
    Autocommit(sqlx::pool::PoolConnection<Any>),
}

impl Tx {
    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match &mut self.tx {
            Connection::Transaction(tx) => tx,
            Connection::Autocommit(conn) => conn,
        }
    }

    /// Notes that this transaction changes a site or a provider, so that
    /// its commit makes what was read of them before out of date.
    fn changes_providers(&mut self) {
        self.changed_providers = true;
    }

    /// One row of a site's table: `sql` binds the site as `$1` and `key` as
    /// `$2`.
    async fn one_in_site<T>(
        &mut self,
        sql: &'static str,
        site: &SiteId,
        key: &str,
        map: fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let row =
            sqlx::query(sql).bind(site.as_str()).bind(key).fetch_optional(self.conn()).await?;
        row.as_ref().map(map).transpose()
    }

    /// `SELECT COUNT(*)` over a site's rows matching `key` (`$1` site, `$2`
    /// key).
    async fn count_in_site(
        &mut self,
        sql: &'static str,
        site: &SiteId,
        key: &str,
    ) -> Result<u64, StoreError> {
        let row = sqlx::query(sql).bind(site.as_str()).bind(key).fetch_one(self.conn()).await?;
        row::count_of(&row)
    }

    /// A page of a site's table: `count_sql` binds the site as `$1`;
    /// `rows_sql` binds it too, then `LIMIT $2 OFFSET $3`.
    async fn page_in_site<T>(
        &mut self,
        count_sql: &'static str,
        rows_sql: &'static str,
        site: &SiteId,
        page: Page,
        map: fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Listed<T>, StoreError> {
        let total = row::count_of(
            &sqlx::query(count_sql).bind(site.as_str()).fetch_one(self.conn()).await?,
        )?;
        let (limit, offset) = row::limit_offset(page);
        let rows = sqlx::query(rows_sql)
            .bind(site.as_str())
            .bind(limit)
            .bind(offset)
            .fetch_all(self.conn())
            .await?;
        let items = rows.iter().map(map).collect::<Result<_, _>>()?;
        Ok(Listed { items, total })
    }
}

impl Store {
    fn new(dialect: Dialect, readers: AnyPool, writer: AnyPool) -> Self {
        Self { dialect, readers, writer, provider_generation: Arc::default() }
    }

    fn tx(&self, tx: Connection) -> Tx {
        Tx {
            tx,
            dialect: self.dialect,
            provider_generation: self.provider_generation.clone(),
            changed_providers: false,
        }
    }

    /// A number that grows whenever a transaction of this store that
    /// changed a site, a provider or a provider's fetched SAML metadata
    /// commits. A cache of what was read of them (such as SCIM credentials
    /// and SAML providers) is current while the number it was
    /// read under is; read the number before reading the data. Changes
    /// made by other processes on the same database do not count here.
    pub fn provider_generation(&self) -> u64 {
        self.provider_generation.load(Ordering::Acquire)
    }

    /// A transaction that only reads.
    pub async fn read(&self) -> Result<Tx, StoreError> {
        Ok(self.tx(Connection::Transaction(self.readers.begin().await?)))
    }

    /// A reader without a transaction: each statement sees the data
    /// committed when it runs, not a snapshot shared with the others. For
    /// a use case that reads with one statement (or whose statements need
    /// not agree), it saves the `BEGIN` and `COMMIT`, which cost as much as
    /// the statement.
    pub async fn read_latest(&self) -> Result<Tx, StoreError> {
        Ok(self.tx(Connection::Autocommit(self.readers.acquire().await?)))
    }

    /// A transaction that may write. On SQLite there is one writer at a
    /// time; others wait for it.
    pub async fn write(&self) -> Result<Tx, StoreError> {
        let tx = match self.dialect {
            // IMMEDIATE takes the write lock at BEGIN, where the busy
            // timeout applies, instead of failing later when a deferred
            // transaction tries to upgrade its lock.
            Dialect::Sqlite => self.writer.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.writer.begin().await?,
        };
        Ok(self.tx(Connection::Transaction(tx)))
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.readers).await?;
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Every row of every table in a canonical text form, for tests that
    /// prove a rejected request changed nothing. Only with the
    /// `test-support` feature, which the test suites enable: it is not part
    /// of what the application may call.
    #[cfg(feature = "test-support")]
    pub async fn snapshot(&self) -> Result<String, StoreError> {
        let mut conn = self.readers.acquire().await?;
        snapshot::dump(&mut conn).await
    }

    /// Every row of the SCIM request log as text (test support only).
    #[cfg(feature = "test-support")]
    pub async fn scim_log_dump(&self) -> Result<String, StoreError> {
        let mut conn = self.readers.acquire().await?;
        snapshot::dump_scim_logs(&mut conn).await
    }

    /// Every row of the history log as text (test support only), for
    /// tests that look for secrets in what it stored.
    #[cfg(feature = "test-support")]
    pub async fn history_dump(&self) -> Result<String, StoreError> {
        let mut conn = self.readers.acquire().await?;
        snapshot::dump_history(&mut conn).await
    }

    /// Closes the connections (at shutdown).
    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

#[async_trait]
impl Transaction for Tx {
    async fn commit(self) -> Result<(), StoreError> {
        match self.tx {
            Connection::Transaction(tx) => tx.commit().await?,
            // Each statement committed as it ran.
            Connection::Autocommit(_) => {}
        }
        if self.changed_providers {
            self.provider_generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }
}
