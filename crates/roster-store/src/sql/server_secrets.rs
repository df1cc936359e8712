//! Secrets of the server as a whole (migration 0020): one row per purpose,
//! created by the first instance that asks and then shared by every
//! instance on the database.

use super::Store;
use crate::StoreError;

impl Store {
    /// The secret stored under `name`; when there is none yet, `candidate`
    /// (a fresh random secret the caller made) becomes it. Instances that
    /// ask at once agree: the first insert wins and every one reads it.
    pub async fn server_secret(&self, name: &str, candidate: &str) -> Result<String, StoreError> {
        sqlx::query(
            "INSERT INTO server_secrets (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(candidate)
        .execute(&self.writer)
        .await?;
        let stored: (String,) = sqlx::query_as("SELECT secret FROM server_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&self.writer)
            .await?;
        Ok(stored.0)
    }
}
