//! The SCIM request log's recorder (SPEC §7): the HTTP layer hands it each
//! finished exchange, and a background task redacts and writes them.
//!
//! Recording must not slow the SCIM path, so a request never waits for
//! the log: [`ScimLog::record`] puts the exchange on a bounded in-memory
//! queue and returns. One writer task gathers what arrives within
//! [`LINGER`] of a batch's first entry (and whatever queued up while the
//! previous batch was written, up to [`BATCH`] entries), redacts it, and
//! writes it in one transaction of multi-row INSERTs, so SQLite's single
//! writer sees one short transaction per batch rather than one per
//! request. A request's own transaction never writes
//! the log.
//!
//! The trade-off: when the queue is full (20,000 exchanges, or 64 MiB of
//! bodies) an exchange is dropped and counted (with a warning) rather than
//! making requests wait, and a crash loses what was still queued, a few
//! milliseconds' worth. The log is
//! diagnostics, not the history of changes. A graceful shutdown calls
//! [`ScimLog::flush`], which returns once everything queued before it is
//! written.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jiff::Timestamp;
use roster_domain::{ProviderId, ScimRefusal, SiteId};
use roster_store::{
    NewScimLog, ScimLogBodies, ScimLogEntry, ScimLogRepo, Store, StoreError, Transaction,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::Clock;
use crate::redact::{CapturedBody, redact_path, stored_body, stored_request};

/// Exchanges waiting to be written; beyond this they are dropped.
const QUEUE: usize = 20_000;

/// Body bytes waiting to be written; beyond this exchanges are dropped,
/// so that a flood of large bodies cannot take the server's memory.
const QUEUED_BYTES: usize = 64 * 1024 * 1024;

/// The most entries one transaction writes.
const BATCH: usize = 1_000;

/// How long a batch waits for more entries after its first.
const LINGER: Duration = Duration::from_millis(10);

/// A SCIM request and its answer as the HTTP layer saw them, not yet
/// redacted.
#[derive(Debug)]
pub struct ScimExchange {
    /// When the request arrived.
    pub at: Timestamp,
    /// The site and provider the credential named, if it named one.
    pub site: Option<SiteId>,
    pub provider: Option<ProviderId>,
    /// Why authentication was refused, if it was.
    pub refusal: Option<ScimRefusal>,
    pub method: String,
    /// The path and query string.
    pub path: String,
    pub status: u16,
    pub duration: Duration,
    pub request_id: String,
    /// Only [`crate::redact::KEPT_HEADERS`]; the rest are never passed in.
    pub request_headers: Vec<(String, String)>,
    pub request: CapturedBody,
    pub response: CapturedBody,
}

enum Command {
    Record(Box<ScimExchange>),
    Flush(oneshot::Sender<()>),
}

/// The recorder; the context holds one.
pub struct ScimLog {
    store: Arc<Store>,
    clock: Arc<dyn Clock>,
    enabled: bool,
    /// Started by the first exchange, inside the runtime that serves it.
    queue: OnceLock<mpsc::Sender<Command>>,
    counters: Arc<Counters>,
}

/// What the recorder and its writer task both keep count of.
#[derive(Default)]
struct Counters {
    dropped: AtomicU64,
    queued_bytes: AtomicUsize,
}

impl Counters {
    fn drop_entries(&self, count: u64) {
        let before = self.dropped.fetch_add(count, Ordering::Relaxed);
        // The first drop and then one line per thousand, so that a flood
        // does not flood the server log too.
        if before == 0 || (before / 1000) != (before + count) / 1000 {
            tracing::warn!(dropped = before + count, "SCIM log entries were dropped");
        }
    }

    /// Reserves room for `bytes` more queued bytes, if there is room.
    fn reserve(&self, bytes: usize) -> bool {
        let before = self.queued_bytes.fetch_add(bytes, Ordering::Relaxed);
        if before.saturating_add(bytes) > QUEUED_BYTES {
            self.release(bytes);
            return false;
        }
        true
    }

    fn release(&self, bytes: usize) {
        self.queued_bytes.fetch_sub(bytes, Ordering::Relaxed);
    }
}

impl ScimExchange {
    /// The body bytes it holds.
    fn size(&self) -> usize {
        self.request.bytes.len().saturating_add(self.response.bytes.len())
    }
}

impl ScimLog {
    pub(crate) fn new(store: Arc<Store>, clock: Arc<dyn Clock>, enabled: bool) -> Self {
        Self { store, clock, enabled, queue: OnceLock::new(), counters: Arc::default() }
    }

    /// Whether exchanges are recorded (`--scim-log`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The application clock's now, for the time of an exchange.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Exchanges dropped so far because the queue was full or a write
    /// failed.
    pub fn dropped(&self) -> u64 {
        self.counters.dropped.load(Ordering::Relaxed)
    }

    /// Queues an exchange for writing; never waits.
    pub fn record(&self, exchange: ScimExchange) {
        if !self.enabled {
            return;
        }
        let Some(queue) = self.queue() else { return };
        let size = exchange.size();
        if !self.counters.reserve(size) {
            self.counters.drop_entries(1);
            return;
        }
        match queue.try_send(Command::Record(Box::new(exchange))) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_) | mpsc::error::TrySendError::Closed(_)) => {
                self.counters.release(size);
                self.counters.drop_entries(1);
            }
        }
    }

    /// Returns once every exchange recorded before the call is written
    /// (or given up on).
    pub async fn flush(&self) {
        let Some(queue) = self.queue.get() else { return };
        let (done, written) = oneshot::channel();
        if queue.send(Command::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    fn queue(&self) -> Option<&mpsc::Sender<Command>> {
        if let Some(queue) = self.queue.get() {
            return Some(queue);
        }
        // Outside a runtime there is nobody to write; the CLI never serves
        // SCIM, so this is a safeguard, not a path.
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        Some(self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            runtime.spawn(write_loop(self.store.clone(), receiver, self.counters.clone()));
            sender
        }))
    }
}

/// The writer: takes what has queued up, writes it, answers flushes.
async fn write_loop(
    store: Arc<Store>,
    mut queue: mpsc::Receiver<Command>,
    counters: Arc<Counters>,
) {
    let mut batch: Vec<ScimExchange> = Vec::new();
    let mut flushed: Vec<oneshot::Sender<()>> = Vec::new();
    while let Some(first) = queue.recv().await {
        // A batch gathers for a few milliseconds after its first entry,
        // so that even one client's sequential requests share a write;
        // a flush ends the wait.
        let deadline = tokio::time::Instant::now() + LINGER;
        let mut next = Some(first);
        while let Some(command) = next.take() {
            match command {
                Command::Record(exchange) => batch.push(*exchange),
                Command::Flush(done) => flushed.push(done),
            }
            if batch.len() >= BATCH || !flushed.is_empty() {
                break;
            }
            next = tokio::time::timeout_at(deadline, queue.recv()).await.ok().flatten();
        }
        if !batch.is_empty() {
            let size: usize = batch.iter().map(ScimExchange::size).sum();
            let logs: Vec<NewScimLog> = batch.drain(..).map(stored).collect();
            // The raw bodies are gone; the redacted ones are capped.
            counters.release(size);
            if let Err(err) = write(&store, &logs).await {
                tracing::error!(error = %err, entries = logs.len(), "SCIM log entries could not be written");
                counters.drop_entries(logs.len() as u64);
            }
        }
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn write(store: &Store, logs: &[NewScimLog]) -> Result<(), StoreError> {
    let mut tx = store.write().await?;
    tx.insert_scim_logs(logs).await?;
    tx.commit().await
}

/// An exchange as the log stores it: redacted, with its SCIM error type.
fn stored(exchange: ScimExchange) -> NewScimLog {
    let scim_type = (exchange.status >= 400)
        .then(|| serde_json::from_slice::<Value>(&exchange.response.bytes).ok())
        .flatten()
        .and_then(|body| body.get("scimType").and_then(Value::as_str).map(str::to_owned));
    NewScimLog {
        entry: ScimLogEntry {
            id: uuid::Uuid::new_v4().to_string(),
            site_id: exchange.site,
            provider_id: exchange.provider,
            at: exchange.at,
            method: exchange.method,
            path: redact_path(&exchange.path),
            status: exchange.status,
            duration_us: i64::try_from(exchange.duration.as_micros()).unwrap_or(i64::MAX),
            request_id: exchange.request_id,
            scim_type,
            refusal: exchange.refusal.map(|reason| reason.as_str().to_owned()),
        },
        bodies: ScimLogBodies {
            request: stored_request(&exchange.request_headers, &exchange.request),
            response: stored_body(&exchange.response),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_is_bounded_by_bytes_too() {
        let counters = Counters::default();
        assert!(counters.reserve(QUEUED_BYTES - 10));
        assert!(!counters.reserve(11), "past the bound");
        assert!(counters.reserve(10));
        counters.release(QUEUED_BYTES);
        assert_eq!(counters.queued_bytes.load(Ordering::Relaxed), 0);
        counters.drop_entries(3);
        assert_eq!(counters.dropped.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn the_stored_entry_is_redacted_and_names_its_scim_error() {
        let exchange = ScimExchange {
            at: Timestamp::UNIX_EPOCH,
            site: None,
            provider: None,
            refusal: Some(ScimRefusal::Unknown),
            method: "POST".into(),
            path: "/api/scim/Users?token=abc".into(),
            status: 409,
            duration: Duration::from_micros(1500),
            request_id: "r1".into(),
            request_headers: vec![("authorization".into(), "Bearer abc".into())],
            request: CapturedBody::whole(br#"{"password":"abc"}"#.to_vec()),
            response: CapturedBody::whole(br#"{"scimType":"uniqueness","status":"409"}"#.to_vec()),
        };
        let stored = stored(exchange);
        assert_eq!(stored.entry.scim_type.as_deref(), Some("uniqueness"));
        assert_eq!(stored.entry.refusal.as_deref(), Some("unknown"));
        assert_eq!(stored.entry.duration_us, 1500);
        for text in [&stored.entry.path, &stored.bodies.request, &stored.bodies.response] {
            assert!(!text.contains("abc"), "{text}");
        }
    }
}
