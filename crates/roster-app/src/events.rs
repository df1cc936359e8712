//! The history log as its readers see it (SPEC §7): one entry rendered
//! the same way for the admin API's search, the events feed and the
//! webhooks' deliveries, so that a receiver parses one shape.

use jiff::Timestamp;
use roster_store::HistoryRecord;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, ToSchema)]
pub struct Party {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

/// One entry, as the API and the CLI show it.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct HistoryEntryView {
    /// Its number in the site: increasing, without gaps, in commit order.
    pub seq: i64,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub interface: String,
    pub actor: Party,
    pub target: Option<Party>,
    pub action: String,
    pub reason: Option<String>,
    /// `[{field, before, after}]`; secrets show `(secret)`.
    pub changes: serde_json::Value,
}

impl From<HistoryRecord> for HistoryEntryView {
    fn from(record: HistoryRecord) -> Self {
        let entry = record.entry;
        let target = entry.target_kind.map(|kind| Party {
            kind,
            id: entry.target_id,
            name: entry.target_name,
        });
        Self {
            seq: record.seq,
            at: entry.at,
            interface: entry.interface,
            actor: Party { kind: entry.actor_kind, id: entry.actor_id, name: entry.actor_name },
            target,
            action: entry.action,
            reason: entry.reason,
            changes: serde_json::from_str(&entry.changes)
                .unwrap_or(serde_json::Value::String(entry.changes)),
        }
    }
}
