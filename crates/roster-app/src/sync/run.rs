//! Running one provider's sync: the lease, the directory read, the store
//! changes in one transaction, the record of the run, and the failure
//! count that switches LDAP provisioning off after the provider's
//! threshold (sign-in through the provider keeps working; its site's
//! administrators are mailed).

use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use roster_domain::{
    LdapSecurity, LdapServerType, LdapSettings, Provider, ProviderId, SiteId, SiteSlug,
};
use roster_ldap::{DirectoryConfig, Security, ServerType, Watermark};
use roster_store::{LdapSyncRepo, LdapSyncRun, LdapSyncState, ProviderRepo, SiteRepo, Transaction};
use serde::Serialize;

use super::apply::{DirectoryRead, apply};
use super::report::SyncReport;
use super::{Sync, SyncError, SyncPhase};
use crate::ids::opaque_id;
use crate::{Principal, metrics, notices};
use utoipa::ToSchema;

/// How long one instance may hold a provider's sync before another may
/// take over (an instance killed mid-sync blocks no longer than this). A
/// sync renews it when it starts applying, and applies only if it still
/// held it: a run that outlasts it changes nothing rather than racing the
/// instance that took over.
const LEASE: SignedDuration = SignedDuration::from_mins(15);
/// Incremental syncs cannot see deletions: a full one runs at least this
/// often.
pub(crate) const FULL_EVERY: SignedDuration = SignedDuration::from_hours(24);
/// Entries per page of the directory's paged searches.
const PAGE_SIZE: u32 = 500;
const DIRECTORY_TIMEOUT: Duration = Duration::from_secs(30);
/// The runs the admin API lists.
const RUNS_SHOWN: u32 = 50;

/// A past run as the admin API lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SyncRunView {
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    pub started_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub finished_at: Timestamp,
    pub succeeded: bool,
    /// The run's `SyncReport` as it was recorded; `null` if the stored
    /// text does not read as JSON.
    #[schema(value_type = Option<SyncReport>)]
    pub report: serde_json::Value,
}

/// The connection settings of a provider's directory.
pub(crate) fn directory_config(ldap: &LdapSettings) -> DirectoryConfig {
    DirectoryConfig {
        host: ldap.host.clone(),
        backup_host: ldap.backup_host.clone(),
        port: Some(ldap.port),
        security: match ldap.security {
            LdapSecurity::Ldaps => Security::Ldaps,
            LdapSecurity::StartTls => Security::StartTls,
            LdapSecurity::Plain => Security::Plain,
        },
        ca_certificates_pem: ldap.ca_certificate.clone(),
        server_type: match ldap.server_type {
            LdapServerType::ActiveDirectory => ServerType::ActiveDirectory,
            LdapServerType::OpenLdap => ServerType::OpenLdap,
        },
        bind_dn: ldap.bind_username.clone().unwrap_or_default(),
        bind_password: ldap
            .bind_password
            .as_ref()
            .map(|password| password.expose().to_owned())
            .unwrap_or_default(),
        base_dn: ldap.base_dn.clone(),
        username_attribute: ldap.username_attribute.as_str().to_owned(),
        user_filter: ldap.user_filter.clone(),
        group_filter: ldap.group_filter.clone(),
        page_size: PAGE_SIZE,
        timeout: DIRECTORY_TIMEOUT,
    }
}

impl Sync<'_> {
    /// Runs a sync of the provider named `provider` in the site `site`
    /// now, for an administrator: full when `full` (or when no full sync
    /// ran within a day), else incremental.
    pub async fn run(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
        full: bool,
    ) -> Result<SyncReport, SyncError> {
        let (site, provider) = self.visible_provider(who, site, provider).await?;
        who.may_change().map_err(|_| SyncError::ReadOnly)?;
        self.run_provider(&site, &provider, full).await
    }

    /// The provider's past runs, newest first.
    pub async fn runs(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
    ) -> Result<Vec<SyncRunView>, SyncError> {
        let (site, provider) = self.visible_provider(who, site, provider).await?;
        let runs = self.read().await?.ldap_sync_runs(&site, &provider, RUNS_SHOWN).await?;
        Ok(runs
            .into_iter()
            .map(|run| SyncRunView {
                id: run.id,
                started_at: run.started_at,
                finished_at: run.finished_at,
                succeeded: run.succeeded,
                report: serde_json::from_str(&run.report).unwrap_or(serde_json::Value::Null),
            })
            .collect())
    }

    async fn visible_provider(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
    ) -> Result<(SiteId, ProviderId), SyncError> {
        let site_missing = || SyncError::NotFound { what: "site" };
        let slug = SiteSlug::parse(site).map_err(|_| site_missing())?;
        let mut tx = self.read().await?;
        let site = tx.site_by_slug(&slug).await?.ok_or_else(site_missing)?;
        if !who.sees(&site.id) {
            return Err(site_missing());
        }
        let provider_missing = || SyncError::NotFound { what: "provider" };
        // By id, or by name as the CLI names it.
        let by_id = match opaque_id(provider) {
            Some(id) => tx.provider_by_id(&site.id, &ProviderId::from_raw(id)).await?,
            None => None,
        };
        let found = match by_id {
            Some(found) => found,
            None => {
                let name =
                    roster_domain::ProviderName::parse(provider).map_err(|_| provider_missing())?;
                tx.provider_by_name(&site.id, &name).await?.ok_or_else(provider_missing)?
            }
        };
        Ok((site.id, found.id))
    }

    /// Syncs one provider: refused while another sync of it runs.
    pub(crate) async fn run_provider(
        &self,
        site: &SiteId,
        provider: &ProviderId,
        force_full: bool,
    ) -> Result<SyncReport, SyncError> {
        let now = self.now();
        let owner = uuid::Uuid::new_v4().to_string();
        self.phase(SyncPhase::Starting);
        let (provider, state, last_served_by) = {
            let mut tx = self.write().await?;
            let provider = tx
                .provider_by_id(site, provider)
                .await?
                .ok_or(SyncError::NotFound { what: "provider" })?;
            let ldap = provider.ldap.as_ref().ok_or_else(|| {
                SyncError::NotConfigured("this provider has no LDAP settings".into())
            })?;
            if !ldap.enabled {
                let why = ldap
                    .disabled_reason
                    .as_deref()
                    .map(|reason| format!(" after repeated failures (the last: {reason})"))
                    .unwrap_or_default();
                return Err(SyncError::NotConfigured(format!(
                    "LDAP provisioning of this provider is switched off{why}; switch it on \
                     with ldap.enabled"
                )));
            }
            let until = now.checked_add(LEASE).map_err(internal)?;
            if !tx.take_ldap_lease(site, &provider.id, &owner, now, until).await? {
                return Err(SyncError::Busy);
            }
            let state = tx.ldap_sync_state(site, &provider.id).await?;
            let last_served_by = tx
                .ldap_sync_runs(site, &provider.id, RUNS_SHOWN)
                .await?
                .into_iter()
                .find(|run| run.succeeded)
                .and_then(|run| run.served_by);
            tx.commit().await?;
            (provider, state, last_served_by)
        };
        let full = force_full
            || state.user_watermark.is_none()
            || state
                .last_full_at
                .is_none_or(|at| at.checked_add(FULL_EVERY).is_ok_and(|due| due <= now));
        let started = Instant::now();
        let mut report = SyncReport { full, ..SyncReport::default() };
        let outcome = self
            .sync_once(
                &provider,
                (&state, last_served_by.as_deref()),
                &owner,
                (full, started),
                now,
                &mut report,
            )
            .await;
        match outcome {
            Ok(()) => {
                tracing::info!(site = %site, provider = %provider.id, full, "an LDAP sync succeeded");
                count(&report, started);
            }
            Err(Failed { message, counts }) => {
                tracing::warn!(site = %site, provider = %provider.id, failure = %message, "an LDAP sync failed");
                report.failure = Some(message);
                report.duration_ms = elapsed_ms(started);
                count(&report, started);
                self.record_failure(&provider, &owner, (now, counts), &report).await?;
            }
        }
        Ok(report)
    }

    /// Reads the directory, then applies it and records the run in one
    /// transaction; any failure is returned in words, with nothing changed.
    async fn sync_once(
        &self,
        provider: &Provider,
        (state, last_served_by): (&LdapSyncState, Option<&str>),
        owner: &str,
        (full, started): (bool, Instant),
        now: Timestamp,
        report: &mut SyncReport,
    ) -> Result<(), Failed> {
        let ldap = provider.ldap.as_ref().ok_or("the LDAP settings were removed")?;
        let config = directory_config(ldap);
        // Read everything before any write: a directory that fails
        // mid-search leaves the store as it was.
        self.phase(SyncPhase::Connecting);
        let mut session =
            self.ctx.directory.connect(&config).await.map_err(|err| err.to_string())?;
        let served_by = session.served_by().to_owned();
        // Active Directory counts uSNChanged per domain controller: a mark
        // from one means nothing on another, so a change of host reads all.
        let full = full
            || (ldap.server_type == LdapServerType::ActiveDirectory
                && last_served_by.is_some_and(|last| last != served_by));
        report.full = full;
        report.served_by = Some(served_by);
        let mark = |mark: &Option<String>| {
            if full { None } else { mark.clone().map(Watermark) }
        };
        let (user_mark, group_mark) = (mark(&state.user_watermark), mark(&state.group_watermark));
        self.phase(SyncPhase::ReadingUsers);
        let users = session.users(user_mark.as_ref()).await.map_err(|err| err.to_string())?;
        self.phase(SyncPhase::ReadingGroups { users: users.len() });
        let groups = session.groups(group_mark.as_ref()).await.map_err(|err| err.to_string())?;
        self.phase(SyncPhase::Applying { users: users.len(), groups: groups.len() });
        if let Err(err) = session.close().await {
            tracing::debug!(%err, "closing the directory connection failed");
        }
        let read = DirectoryRead { users, groups, full };

        let store_failed = |err: SyncError| format!("the changes could not be stored: {err}");
        let mut tx = self.write().await.map_err(store_failed)?;
        // The lease is renewed in the transaction that applies: a read that
        // outlasted it applies only if no other instance took the provider
        // over meanwhile (and on PostgreSQL the renewed row stays locked
        // until the commit, so a taker waits for it).
        let renewed = async {
            let at = self.now();
            let until = at.checked_add(LEASE).map_err(internal)?;
            Ok::<_, SyncError>(
                tx.take_ldap_lease(&provider.site_id, &provider.id, owner, at, until).await?,
            )
        };
        if !renewed.await.map_err(store_failed)? {
            return Err(Failed {
                message: "another instance took this provider's sync over after the lease of \
                          this one expired; nothing was changed"
                    .to_owned(),
                // The provider is being synced: not a failure of its directory.
                counts: false,
            });
        }
        apply(&mut tx, provider, &read, now, report).await.map_err(store_failed)?;
        let (seen_users, seen_groups) = read.watermarks();
        let newest = |old: &Option<String>, seen: Option<Watermark>| {
            let old = if full { None } else { old.clone().map(Watermark) };
            old.into_iter().chain(seen).max().map(|mark| mark.0)
        };
        let next = LdapSyncState {
            user_watermark: newest(&state.user_watermark, seen_users),
            group_watermark: newest(&state.group_watermark, seen_groups),
            last_full_at: if full { Some(now) } else { state.last_full_at },
            last_run_at: Some(now),
        };
        let site = &provider.site_id;
        report.duration_ms = elapsed_ms(started);
        let finish = async {
            tx.put_ldap_sync_state(site, &provider.id, &next).await?;
            // Succeeded: earlier failures no longer count.
            if let Some(mut fresh) = tx.provider_by_id(site, &provider.id).await?
                && let Some(ldap) = fresh.ldap.as_mut()
                && ldap.consecutive_failures > 0
            {
                ldap.consecutive_failures = 0;
                tx.update_provider(&fresh).await?;
            }
            tx.insert_ldap_sync_run(&run_record(provider, now, self.now(), true, report)).await?;
            tx.release_ldap_lease(site, &provider.id, owner).await?;
            tx.commit().await
        };
        finish.await.map_err(|err| store_failed(err.into()).into())
    }

    /// Records a failed run: when it `counts`, one more consecutive
    /// failure, and at the provider's threshold LDAP provisioning switches
    /// itself off.
    async fn record_failure(
        &self,
        provider: &Provider,
        owner: &str,
        (now, counts): (Timestamp, bool),
        report: &SyncReport,
    ) -> Result<(), SyncError> {
        let site = &provider.site_id;
        let mut switched_off = None;
        let mut tx = self.write().await?;
        if counts
            && let Some(mut fresh) = tx.provider_by_id(site, &provider.id).await?
            && let Some(ldap) = fresh.ldap.as_mut()
        {
            ldap.consecutive_failures = ldap.consecutive_failures.saturating_add(1);
            if ldap.consecutive_failures >= ldap.failure_threshold {
                switched_off = Some(ldap.consecutive_failures);
                ldap.enabled = false;
                ldap.disabled_reason = report.failure.clone();
                tracing::warn!(site = %site, provider = %provider.id, failures = ldap.consecutive_failures, "LDAP provisioning switched itself off");
            }
            tx.update_provider(&fresh).await?;
        }
        let mut state = tx.ldap_sync_state(site, &provider.id).await?;
        // Not retried at once: the next try waits for the interval.
        state.last_run_at = Some(now);
        tx.put_ldap_sync_state(site, &provider.id, &state).await?;
        tx.insert_ldap_sync_run(&run_record(provider, now, self.now(), false, report)).await?;
        tx.release_ldap_lease(site, &provider.id, owner).await?;
        tx.commit().await?;
        if let Some(failures) = switched_off {
            let subject = notices::Subject {
                site,
                provider: &provider.id,
                provider_name: provider.name.as_str(),
            };
            let reason = report.failure.as_deref();
            notices::ldap_switched_off(self.ctx, subject, failures, reason, now).await;
        }
        Ok(())
    }
}

/// The sync's counts for `/metrics`.
fn count(report: &SyncReport, started: Instant) {
    metrics::ldap_sync(metrics::SyncCounts {
        succeeded: report.failure.is_none(),
        full: report.full,
        took: started.elapsed(),
        users: [report.users_created, report.users_updated, report.users_deprovisioned],
        groups: [report.groups_created, report.groups_updated, report.groups_removed],
        entry_errors: u32::try_from(report.errors.len()).unwrap_or(u32::MAX),
    });
}

/// Why a sync failed, in words for its report, and whether it counts
/// towards the provider's failure threshold.
struct Failed {
    message: String,
    counts: bool,
}

impl From<String> for Failed {
    fn from(message: String) -> Self {
        Self { message, counts: true }
    }
}

impl From<&str> for Failed {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn run_record(
    provider: &Provider,
    started_at: Timestamp,
    finished_at: Timestamp,
    succeeded: bool,
    report: &SyncReport,
) -> LdapSyncRun {
    LdapSyncRun {
        site: provider.site_id.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        provider: provider.id.clone(),
        started_at,
        finished_at,
        full: report.full,
        succeeded,
        served_by: report.served_by.clone(),
        report: serde_json::to_string(report).unwrap_or_else(|_| "{}".to_owned()),
    }
}

fn internal(err: jiff::Error) -> SyncError {
    SyncError::Internal(crate::InternalError::Settings(err.to_string()))
}

/// One provider's outcome in a run of the due syncs.
#[derive(Debug, Clone, Serialize)]
pub struct DueSync {
    pub site: String,
    pub provider: String,
    /// The run's report, or why it did not run (another instance is
    /// syncing the provider).
    pub report: Option<SyncReport>,
    pub skipped: Option<String>,
}

impl Sync<'_> {
    /// The scheduled job: syncs every provider whose interval has passed
    /// (`run_once(ctx, now)` of SPEC §6), one after another.
    pub async fn run_due(&self) -> Result<Vec<DueSync>, SyncError> {
        let due = self.read().await?.due_ldap_providers(self.now()).await?;
        let mut outcomes = Vec::with_capacity(due.len());
        for (site, provider) in due {
            let outcome = match self.run_provider(&site, &provider, false).await {
                Ok(report) => (Some(report), None),
                Err(err @ (SyncError::Busy | SyncError::NotConfigured(_))) => {
                    (None, Some(err.to_string()))
                }
                Err(err) => return Err(err),
            };
            outcomes.push(DueSync {
                site: site.to_string(),
                provider: provider.to_string(),
                report: outcome.0,
                skipped: outcome.1,
            });
        }
        Ok(outcomes)
    }
}

/// What a connection test found.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionTest {
    pub served_by: String,
    /// The users and groups under the base DN that the filters select.
    pub users: usize,
    pub groups: usize,
}

impl Sync<'_> {
    /// Binds to the provider's directory and counts the users and groups
    /// a sync would read; changes nothing. A refusal or an unreachable
    /// directory is `NotConfigured` with the directory's reason.
    pub async fn test_connection(
        &self,
        who: &Principal,
        site: &str,
        provider: &str,
    ) -> Result<ConnectionTest, SyncError> {
        let (site, provider) = self.visible_provider(who, site, provider).await?;
        // A test reads the whole directory with the stored bind password:
        // for those who may change the settings, not for read-only eyes.
        who.may_change().map_err(|_| SyncError::ReadOnly)?;
        let provider = self
            .read()
            .await?
            .provider_by_id(&site, &provider)
            .await?
            .ok_or(SyncError::NotFound { what: "provider" })?;
        let ldap = provider
            .ldap
            .as_ref()
            .ok_or_else(|| SyncError::NotConfigured("this provider has no LDAP settings".into()))?;
        let failed = |err: roster_ldap::LdapError| SyncError::NotConfigured(err.to_string());
        let mut session =
            self.ctx.directory.connect(&directory_config(ldap)).await.map_err(failed)?;
        let served_by = session.served_by().to_owned();
        let users = session.users(None).await.map_err(failed)?.len();
        let groups = session.groups(None).await.map_err(failed)?.len();
        if let Err(err) = session.close().await {
            tracing::debug!(%err, "closing the directory connection failed");
        }
        Ok(ConnectionTest { served_by, users, groups })
    }
}
