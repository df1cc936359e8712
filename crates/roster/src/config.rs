//! Turns the parsed command line into the explicit configuration the
//! program runs with (STYLE rule 9: no globals, no `Default`).

use anyhow::bail;
use roster_domain::Secret;
use roster_store::StoreConfig;
use secrecy::ExposeSecret;

use crate::cli::DatabaseArgs;

/// The SQLite file inside the data directory.
const SQLITE_FILE: &str = "roster.db";

/// Where the data lives: PostgreSQL when a URL is given, else SQLite.
pub fn store_config(args: &DatabaseArgs, max_connections: u32) -> anyhow::Result<StoreConfig> {
    match &args.database_url {
        Some(url) => {
            let url = url.expose_secret();
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                bail!(
                    "--database-url must be a postgres:// URL; for SQLite, leave it unset and use --data-dir"
                );
            }
            Ok(StoreConfig::Postgres { url: Secret::new(url), max_connections })
        }
        None => Ok(StoreConfig::Sqlite { path: args.data_dir.join(SQLITE_FILE) }),
    }
}
