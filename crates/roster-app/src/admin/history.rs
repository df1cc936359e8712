//! The history log as administrators read it (SPEC §7): a search, newest
//! first, paged by a cursor, and the events feed that the application
//! beside roster reads in order, `after` the last entry it has seen.

use jiff::Timestamp;
use roster_domain::history::{Action, Interface};
use roster_store::{HistoryFilter, HistoryRepo};
use serde::{Deserialize, Serialize};

use super::lookup::visible_site;
use super::{Admin, AdminError};
use crate::Principal;
pub use crate::events::{HistoryEntryView, Party};
use utoipa::{IntoParams, ToSchema};

/// The entries one page holds by default, and at most.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1_000;

/// `?interface=&action=&actor=&target=&since=&until=&cursor=&limit=`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub interface: Option<String>,
    pub action: Option<String>,
    /// A user's or provider's id.
    pub actor: Option<String>,
    /// A user's or group's id.
    pub target: Option<String>,
    /// RFC 3339 times: entries at or after `since`, before `until`.
    pub since: Option<String>,
    pub until: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// `?after=&limit=` of the events feed.
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// The `seq` of the last entry already read; 0 or none from the start.
    pub after: Option<i64>,
    pub limit: Option<u32>,
}

/// A page of the search: `next_cursor` asks for older entries.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryEntryView>,
    pub next_cursor: Option<String>,
}

/// A page of the feed: `next` is the `after` of the following request
/// (the same as asked when nothing new has come).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct EventsPage {
    pub items: Vec<HistoryEntryView>,
    pub next: i64,
}

fn limit(raw: Option<u32>) -> Result<u32, AdminError> {
    match raw.unwrap_or(DEFAULT_LIMIT) {
        limit @ 1..=MAX_LIMIT => Ok(limit),
        other => Err(AdminError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT} (got {other})"),
        )),
    }
}

fn time(field: &'static str, raw: Option<&str>) -> Result<Option<Timestamp>, AdminError> {
    raw.map(|raw| {
        raw.parse::<Timestamp>().map_err(|_| {
            AdminError::invalid(
                field,
                format!("{raw:?} is not an RFC 3339 time such as 2026-12-01T00:00:00Z"),
            )
        })
    })
    .transpose()
}

/// Ids are compared as given; text that no id could be is refused.
fn id(field: &'static str, raw: Option<&str>) -> Result<Option<String>, AdminError> {
    raw.map(|raw| {
        crate::ids::opaque_id(raw)
            .map(str::to_owned)
            .ok_or_else(|| AdminError::invalid(field, format!("{raw:?} is not an id")))
    })
    .transpose()
}

fn filter(query: &HistoryQuery) -> Result<HistoryFilter, AdminError> {
    let interface = query
        .interface
        .as_deref()
        .map(|raw| {
            Interface::parse(raw).map(|i| i.as_str().to_owned()).ok_or_else(|| {
                let names: Vec<&str> = Interface::ALL.iter().map(|i| i.as_str()).collect();
                AdminError::invalid(
                    "interface",
                    format!("{raw:?} is not one of {}", names.join(", ")),
                )
            })
        })
        .transpose()?;
    let action = query
        .action
        .as_deref()
        .map(|raw| {
            Action::parse(raw).map(|a| a.as_str().to_owned()).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                AdminError::invalid("action", format!("{raw:?} is not one of {}", names.join(", ")))
            })
        })
        .transpose()?;
    let before_seq = query
        .cursor
        .as_deref()
        .map(|raw| {
            raw.parse::<i64>()
                .ok()
                .filter(|seq| *seq > 0)
                .ok_or_else(|| AdminError::invalid("cursor", "is not a cursor this API gave"))
        })
        .transpose()?;
    let (since, until) =
        (time("since", query.since.as_deref())?, time("until", query.until.as_deref())?);
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(AdminError::invalid("until", "must come after since"));
    }
    Ok(HistoryFilter {
        interface,
        action,
        actor_id: id("actor", query.actor.as_deref())?,
        target_id: id("target", query.target.as_deref())?,
        since,
        until,
        before_seq,
    })
}

impl Admin<'_> {
    /// The site's history, newest first.
    pub async fn history(
        &self,
        who: &Principal,
        site: &str,
        query: &HistoryQuery,
    ) -> Result<HistoryPage, AdminError> {
        let limit = limit(query.limit)?;
        let filter = filter(query)?;
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let records = tx.search_history(&site.id, &filter, limit).await?;
        let full = records.len() == limit as usize;
        let next_cursor = records.last().filter(|_| full).map(|last| last.seq.to_string());
        Ok(HistoryPage { items: records.into_iter().map(Into::into).collect(), next_cursor })
    }

    /// The site's entries after `after`, oldest first: the events feed.
    pub async fn events(
        &self,
        who: &Principal,
        site: &str,
        query: EventsQuery,
    ) -> Result<EventsPage, AdminError> {
        let limit = limit(query.limit)?;
        let after = query.after.unwrap_or(0);
        if after < 0 {
            return Err(AdminError::invalid("after", "must be 0 or the seq of an entry"));
        }
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let records = tx.history_after(&site.id, after, limit).await?;
        let next = records.last().map_or(after, |last| last.seq);
        Ok(EventsPage { items: records.into_iter().map(Into::into).collect(), next })
    }
}
