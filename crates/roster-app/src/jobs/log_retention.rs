//! Log retention (SPEC §7, §8): each site's SCIM request log entries and
//! history entries older than the site's retention periods (90 and 365
//! days unless the site says otherwise) are deleted, and so are SCIM log
//! entries of no site (refused credentials that named none) or of a
//! deleted site once they are older than the default period. The history
//! entries left keep their numbers, so the events feed has no gap after
//! the oldest one kept.
//!
//! Deletion goes in bounded batches, each its own short transaction, so
//! that a large backlog never holds SQLite's single writer for long.

use jiff::{SignedDuration, Timestamp};
use roster_domain::{RetentionDays, Site, SiteId};
use roster_store::{HistoryRepo, Page, ScimLogRepo, SiteRepo, Transaction};
use serde::Serialize;

use super::{JobError, Jobs};
use crate::Context;

/// Entries one statement deletes.
const BATCH: u64 = 5_000;

/// Sites read per page.
const SITES_PER_PAGE: u64 = 500;

/// What one run did.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct LogRetentionReport {
    /// Sites whose logs were looked at.
    pub sites: usize,
    /// SCIM log entries deleted, all sites together.
    pub scim_logs_deleted: u64,
    /// History entries deleted, all sites together.
    pub history_deleted: u64,
    /// Of those, entries of no site or of a deleted site.
    pub unattributed_deleted: u64,
    /// One entry per site that lost entries.
    pub purged: Vec<SitePurge>,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct SitePurge {
    pub site: String,
    /// `scim` or `history`.
    pub log: String,
    pub retention_days: u16,
    /// Entries from before this time were deleted.
    pub cutoff: Timestamp,
    pub deleted: u64,
}

/// Deletes every SCIM log entry that is past its site's retention at `now`.
pub async fn run_once(ctx: &Context, now: Timestamp) -> Result<LogRetentionReport, JobError> {
    Jobs::new(ctx).purge_logs(now).await
}

/// The time before which entries kept `days` are deleted.
fn cutoff(now: Timestamp, days: RetentionDays) -> Timestamp {
    let period = SignedDuration::from_hours(24 * i64::from(days.days()));
    // A clock near the start of time has nothing older to delete.
    now.checked_sub(period).unwrap_or(Timestamp::MIN)
}

impl Jobs<'_> {
    async fn purge_logs(&self, now: Timestamp) -> Result<LogRetentionReport, JobError> {
        let mut report = LogRetentionReport {
            sites: 0,
            scim_logs_deleted: 0,
            history_deleted: 0,
            unattributed_deleted: 0,
            purged: Vec::new(),
        };
        let mut offset = 0;
        loop {
            let sites: Vec<Site> = {
                let mut tx = self.read().await?;
                tx.list_sites(Page { offset, limit: SITES_PER_PAGE }).await?.items
            };
            for site in &sites {
                report.sites += 1;
                for (purge, days) in [
                    (Purge::Site(&site.id), site.scim_log_retention),
                    (Purge::History(&site.id), site.history_retention),
                ] {
                    let before = cutoff(now, days);
                    let deleted = self.purge_in_batches(purge, before).await?;
                    if deleted == 0 {
                        continue;
                    }
                    let log = match purge {
                        Purge::History(_) => {
                            report.history_deleted += deleted;
                            "history"
                        }
                        Purge::Site(_) | Purge::Unattributed => {
                            report.scim_logs_deleted += deleted;
                            "scim"
                        }
                    };
                    report.purged.push(SitePurge {
                        site: site.slug.to_string(),
                        log: log.to_owned(),
                        retention_days: days.days(),
                        cutoff: before,
                        deleted,
                    });
                }
            }
            if (sites.len() as u64) < SITES_PER_PAGE {
                break;
            }
            offset += SITES_PER_PAGE;
        }
        let before = cutoff(now, RetentionDays::SCIM_LOG_DEFAULT);
        let deleted = self.purge_in_batches(Purge::Unattributed, before).await?;
        report.unattributed_deleted = deleted;
        report.scim_logs_deleted += deleted;
        Ok(report)
    }

    /// Deletes what `purge` names from before `before`, a batch per
    /// transaction, until a batch comes back short.
    async fn purge_in_batches(&self, purge: Purge<'_>, before: Timestamp) -> Result<u64, JobError> {
        let mut total = 0;
        loop {
            let mut tx = self.write().await?;
            let deleted = match purge {
                Purge::Site(site) => tx.purge_scim_logs(site, before, BATCH).await?,
                Purge::Unattributed => tx.purge_unattributed_scim_logs(before, BATCH).await?,
                Purge::History(site) => tx.purge_history(site, before, BATCH).await?,
            };
            tx.commit().await?;
            total += deleted;
            if deleted < BATCH {
                return Ok(total);
            }
        }
    }
}

/// Whose entries a purge deletes.
#[derive(Clone, Copy)]
enum Purge<'a> {
    /// A site's SCIM request log.
    Site(&'a SiteId),
    /// A site's history log.
    History(&'a SiteId),
    /// Of no site, or of a site that no longer exists.
    Unattributed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_whole_days_before_now() {
        let now: Timestamp = "2026-12-05T12:00:00Z".parse().unwrap();
        let days = RetentionDays::parse(90).unwrap();
        assert_eq!(cutoff(now, days), "2026-09-06T12:00:00Z".parse::<Timestamp>().unwrap());
        assert_eq!(cutoff(Timestamp::MIN, days), Timestamp::MIN);
    }
}
