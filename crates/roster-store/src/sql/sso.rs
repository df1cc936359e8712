//! Sign-in state: outstanding SAML requests, the replay cache, sessions.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, SiteId, User, UserId};
use sqlx::any::AnyRow;

use super::row::{Cols, micros, opt_micros, write_error};
use super::{Dialect, Tx, attempts, json_strings};
use crate::{SamlRequestRecord, SessionRecord, SsoRepo, StoreError};

fn request_from(row: &AnyRow) -> Result<SamlRequestRecord, StoreError> {
    let c = Cols(row);
    Ok(SamlRequestRecord {
        site: SiteId::from_raw(c.text("site_id")?),
        id: c.text("id")?,
        provider: ProviderId::from_raw(c.text("provider_id")?),
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
    })
}

fn session_from(row: &AnyRow) -> Result<SessionRecord, StoreError> {
    let c = Cols(row);
    Ok(SessionRecord {
        site: SiteId::from_raw(c.text("site_id")?),
        secret_hash: c.text("secret_hash")?,
        user: UserId::from_raw(c.text("user_id")?),
        provider: c.opt_text("provider_id")?.map(ProviderId::from_raw),
        session_index: c.opt_text("session_index")?,
        name_id: c.opt_text("saml_name_id")?,
        name_id_format: c.opt_text("saml_name_id_format")?,
        created_at: c.time("created_at")?,
        expires_at: c.time("expires_at")?,
        revoked_at: c.opt_time("revoked_at")?,
    })
}

const REQUEST_COLUMNS: &str = "site_id, id, provider_id, created_at, expires_at";
const SESSION_COLUMNS: &str = "site_id, secret_hash, user_id, provider_id, session_index, \
     saml_name_id, saml_name_id_format, created_at, expires_at, revoked_at";

#[async_trait]
impl SsoRepo for Tx {
    async fn provider_site(&mut self, provider: &ProviderId) -> Result<Option<SiteId>, StoreError> {
        let rows = sqlx::query("SELECT site_id FROM providers WHERE id = $1")
            .bind(provider.as_str())
            .fetch_all(self.conn())
            .await?;
        // Ids are random UUIDs; should two sites ever share one, the id
        // names no provider rather than the wrong one.
        match rows.as_slice() {
            [row] => Ok(Some(SiteId::from_raw(Cols(row).text("site_id")?))),
            _ => Ok(None),
        }
    }

    async fn users_by_email(
        &mut self,
        site: &SiteId,
        email: &str,
    ) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users WHERE site_id = $1 AND email_key = $2 LIMIT 2"
        ))
        .bind(site.as_str())
        // Folded in Rust, as `email_key` was: SQL's lower() differs
        // between the databases beyond ASCII.
        .bind(roster_scim::fold(email))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(super::users::user_from).collect()
    }

    async fn insert_saml_request(&mut self, request: &SamlRequestRecord) -> Result<(), StoreError> {
        // Expired requests go as new ones come, so the table stays small.
        sqlx::query("DELETE FROM saml_requests WHERE expires_at <= $1")
            .bind(micros(request.created_at))
            .execute(self.conn())
            .await?;
        sqlx::query(
            "INSERT INTO saml_requests (site_id, id, provider_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(request.site.as_str())
        .bind(request.id.as_str())
        .bind(request.provider.as_str())
        .bind(micros(request.created_at))
        .bind(micros(request.expires_at))
        .execute(self.conn())
        .await
        .map_err(|err| write_error(err, "SAML request id"))?;
        Ok(())
    }

    async fn outstanding_saml_requests(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        now: Timestamp,
    ) -> Result<Vec<SamlRequestRecord>, StoreError> {
        let sql = format!(
            "SELECT {REQUEST_COLUMNS} FROM saml_requests \
             WHERE site_id = $1 AND provider_id = $2 AND expires_at > $3 ORDER BY created_at"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(provider.as_str())
            .bind(micros(now))
            .fetch_all(self.conn())
            .await?;
        rows.iter().map(request_from).collect()
    }

    async fn saml_request_by_id(
        &mut self,
        id: &str,
    ) -> Result<Option<SamlRequestRecord>, StoreError> {
        let sql = format!("SELECT {REQUEST_COLUMNS} FROM saml_requests WHERE id = $1");
        let row =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(self.conn()).await?;
        row.as_ref().map(request_from).transpose()
    }

    async fn delete_saml_request(&mut self, site: &SiteId, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM saml_requests WHERE site_id = $1 AND id = $2")
            .bind(site.as_str())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn record_assertion(
        &mut self,
        site: &SiteId,
        issuer: &str,
        assertion_id: &str,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        // One statement: a new id is inserted; an expired one, which the
        // clean-up job has not purged yet, is taken over (it could not be
        // replayed any more); a remembered one is a replay, and no row
        // changes.
        let done = sqlx::query(
            "INSERT INTO saml_assertions (site_id, issuer, assertion_id, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (site_id, issuer, assertion_id) \
             DO UPDATE SET expires_at = excluded.expires_at \
             WHERE saml_assertions.expires_at <= $5",
        )
        .bind(site.as_str())
        .bind(issuer)
        .bind(assertion_id)
        .bind(micros(expires_at))
        .bind(micros(now))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn start_session(&mut self, session: &SessionRecord) -> Result<(), StoreError> {
        // Two statements in one call: on PostgreSQL the insert is a CTE
        // (which runs whether or not the update reads it), on SQLite the
        // driver runs a string's statements in turn, each taking the
        // numbered parameters it names.
        let insert = format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        );
        let last_login = "UPDATE users SET last_login_at = $8 WHERE site_id = $1 AND id = $3";
        let sql = match self.dialect {
            Dialect::Sqlite => format!("{insert}; {last_login}"),
            Dialect::Postgres => format!("WITH opened AS ({insert}) {last_login}"),
        };
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(session.site.as_str())
            .bind(session.secret_hash.as_str())
            .bind(session.user.as_str())
            .bind(session.provider.as_ref().map(|p| p.as_str().to_owned()))
            .bind(session.session_index.clone())
            .bind(session.name_id.clone())
            .bind(session.name_id_format.clone())
            .bind(micros(session.created_at))
            .bind(micros(session.expires_at))
            .bind(opt_micros(session.revoked_at))
            .execute(self.conn())
            .await
            .map_err(|err| write_error(err, "session"))?;
        Ok(())
    }

    async fn session_by_hash(
        &mut self,
        secret_hash: &str,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE secret_hash = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(secret_hash)
            .fetch_optional(self.conn())
            .await?;
        row.as_ref().map(session_from).transpose()
    }

    async fn revoke_session(
        &mut self,
        site: &SiteId,
        secret_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $3 \
             WHERE site_id = $1 AND secret_hash = $2 AND revoked_at IS NULL",
        )
        .bind(site.as_str())
        .bind(secret_hash)
        .bind(micros(at))
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_provider_sessions(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        name_id: &str,
        session_indexes: &[String],
        at: Timestamp,
    ) -> Result<u64, StoreError> {
        const ALL: &str = "UPDATE sessions SET revoked_at = $4 WHERE site_id = $1 \
            AND provider_id = $2 AND saml_name_id = $3 AND revoked_at IS NULL";
        const ONE: &str = "UPDATE sessions SET revoked_at = $4 WHERE site_id = $1 \
            AND provider_id = $2 AND saml_name_id = $3 AND revoked_at IS NULL AND session_index = $5";
        if session_indexes.is_empty() {
            let done = sqlx::query(ALL)
                .bind(site.as_str())
                .bind(provider.as_str())
                .bind(name_id)
                .bind(micros(at))
                .execute(self.conn())
                .await?;
            return Ok(done.rows_affected());
        }
        // One statement per index: a request names one or a few.
        let mut ended = 0;
        for index in session_indexes {
            let done = sqlx::query(ONE)
                .bind(site.as_str())
                .bind(provider.as_str())
                .bind(name_id)
                .bind(micros(at))
                .bind(index.as_str())
                .execute(self.conn())
                .await?;
            ended += done.rows_affected();
        }
        Ok(ended)
    }

    async fn provider_groups_by_external_id(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
        external_ids: &[String],
    ) -> Result<Vec<(String, String)>, StoreError> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for every id (a sign-in holds the writer): each an
        // indexed look-up, driven by the ids as the CROSS JOIN orders it.
        let sql = format!(
            "SELECT g.external_id, g.name FROM {} CROSS JOIN groups g \
             WHERE g.site_id = $1 AND g.external_id = j.value \
             AND g.managed_by_provider_id = $2 AND g.provisioning_state = 'active'",
            json_strings(self.dialect, 3)
        );
        let ids = serde_json::to_string(external_ids)
            .map_err(|err| StoreError::Corrupt(format!("group ids as JSON: {err}")))?;
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(site.as_str())
            .bind(provider.as_str())
            .bind(ids)
            .fetch_all(self.conn())
            .await?;
        rows.iter()
            .map(|row| {
                let c = Cols(row);
                Ok((c.text("external_id")?, c.text("name")?))
            })
            .collect()
    }

    async fn count_password_attempt(
        &mut self,
        site: &SiteId,
        username_key: &str,
        now: Timestamp,
        window_expired_at: Timestamp,
    ) -> Result<u32, StoreError> {
        attempts::count(
            self.conn(),
            &attempts::PASSWORDS,
            site,
            username_key,
            now,
            window_expired_at,
        )
        .await
    }

    async fn clear_password_failures(
        &mut self,
        site: &SiteId,
        username_key: &str,
    ) -> Result<(), StoreError> {
        attempts::clear(self.conn(), &attempts::PASSWORDS, site, username_key).await
    }
}
