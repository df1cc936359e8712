//! The fetch state of providers' SAML metadata URLs.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{HttpUrl, ProviderId, SiteId};
use sqlx::any::AnyRow;

use super::Tx;
use super::row::{Cols, micros, opt_micros};
use crate::{DueMetadata, IdpMetadataRecord, IdpMetadataRepo, StoreError};

fn record_from(row: &AnyRow) -> Result<IdpMetadataRecord, StoreError> {
    let c = Cols(row);
    Ok(IdpMetadataRecord {
        site_id: SiteId::from_raw(c.text("site_id")?),
        provider_id: ProviderId::from_raw(c.text("provider_id")?),
        url: c.parsed("url", HttpUrl::parse)?,
        xml: c.opt_text("metadata_xml")?,
        fetched_at: c.opt_time("fetched_at")?,
        refresh_due_at: c.time("refresh_due_at")?,
        error: c.opt_text("error")?,
        error_at: c.opt_time("error_at")?,
    })
}

fn due_from(row: &AnyRow) -> Result<DueMetadata, StoreError> {
    let c = Cols(row);
    Ok(DueMetadata {
        site_id: SiteId::from_raw(c.text("site_id")?),
        site_slug: c.text("slug")?,
        provider_id: ProviderId::from_raw(c.text("id")?),
        provider_name: c.text("name")?,
        url: c.parsed("saml_metadata_url", HttpUrl::parse)?,
    })
}

#[async_trait]
impl IdpMetadataRepo for Tx {
    async fn idp_metadata(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<Option<IdpMetadataRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT site_id, provider_id, url, metadata_xml, fetched_at, refresh_due_at, error, \
             error_at FROM saml_idp_metadata WHERE site_id = $1 AND provider_id = $2",
        )
        .bind(site.as_str())
        .bind(provider.as_str())
        .fetch_optional(self.conn())
        .await?;
        row.as_ref().map(record_from).transpose()
    }

    async fn put_idp_metadata(&mut self, record: &IdpMetadataRecord) -> Result<(), StoreError> {
        // A new document or URL changes what the provider's sign-ins trust:
        // caches of it are out of date. A refresh that brought back the
        // same document, or only recorded a failure, changes nothing they
        // keep, and leaves every cache (all providers') in place.
        let stored = self.idp_metadata(&record.site_id, &record.provider_id).await?;
        if stored.is_none_or(|stored| stored.url != record.url || stored.xml != record.xml) {
            self.changes_providers();
        }
        sqlx::query(
            "INSERT INTO saml_idp_metadata (site_id, provider_id, url, metadata_xml, fetched_at, \
             refresh_due_at, error, error_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (site_id, provider_id) DO UPDATE SET url = excluded.url, \
             metadata_xml = excluded.metadata_xml, fetched_at = excluded.fetched_at, \
             refresh_due_at = excluded.refresh_due_at, error = excluded.error, \
             error_at = excluded.error_at",
        )
        .bind(record.site_id.as_str())
        .bind(record.provider_id.as_str())
        .bind(record.url.as_str())
        .bind(record.xml.clone())
        .bind(opt_micros(record.fetched_at))
        .bind(micros(record.refresh_due_at))
        .bind(record.error.clone())
        .bind(opt_micros(record.error_at))
        .execute(self.conn())
        .await?;
        Ok(())
    }

    async fn delete_idp_metadata(
        &mut self,
        site: &SiteId,
        provider: &ProviderId,
    ) -> Result<bool, StoreError> {
        self.changes_providers();
        let done =
            sqlx::query("DELETE FROM saml_idp_metadata WHERE site_id = $1 AND provider_id = $2")
                .bind(site.as_str())
                .bind(provider.as_str())
                .execute(self.conn())
                .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn idp_metadata_due(
        &mut self,
        now: Timestamp,
        limit: u64,
    ) -> Result<Vec<DueMetadata>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.site_id, s.slug, p.id, p.name, p.saml_metadata_url \
             FROM providers p JOIN sites s ON s.id = p.site_id \
             LEFT JOIN saml_idp_metadata m ON m.site_id = p.site_id AND m.provider_id = p.id \
             WHERE p.saml_trust = 'metadata_url' AND (m.provider_id IS NULL \
             OR m.url <> p.saml_metadata_url OR m.refresh_due_at <= $1) \
             ORDER BY COALESCE(m.refresh_due_at, 0), p.site_id, p.id LIMIT $2",
        )
        .bind(micros(now))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(self.conn())
        .await?;
        rows.iter().map(due_from).collect()
    }
}
