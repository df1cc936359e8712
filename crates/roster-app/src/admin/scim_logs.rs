//! A site's SCIM request log as administrators read it (SPEC §7): a search
//! by provider, status or status class, method, path and time range,
//! newest first, paged by an opaque cursor; and one entry with its
//! redacted bodies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use roster_domain::{Provider, ProviderId, ProviderName, Site};
use roster_store::{ScimLogCursor, ScimLogFilter, ScimLogRepo, ScimLogRow, StatusFilter};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::input::opaque_id;
use super::lookup::{SiteRecord, visible_site};
use super::{Admin, AdminError, AdminTx, PageRequest};
use crate::Principal;
use utoipa::{IntoParams, ToSchema};

/// Where the SCIM service is mounted: a path filter may leave it out.
const SCIM_BASE: &str = "/api/scim";

/// The query of a search; every value is text, checked here so that a bad
/// one gets a message that names it.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ScimLogQuery {
    /// A provider's name or id.
    pub provider: Option<String>,
    /// A status (`409`) or a class (`4xx`).
    pub status: Option<String>,
    pub method: Option<String>,
    /// The start of the path (`/Users`, or `/api/scim/Users`).
    pub path: Option<String>,
    /// RFC 3339 times: from `since` (inclusive) until `until` (exclusive).
    pub since: Option<String>,
    pub until: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// One entry of the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScimLogView {
    pub id: String,
    /// The site's slug.
    pub site: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub provider_id: Option<String>,
    /// The provider's current name (none once it was deleted).
    pub provider: Option<String>,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub duration_ms: f64,
    pub request_id: String,
    pub scim_type: Option<String>,
    /// Why authentication was refused: `no_credential`, `unknown`,
    /// `wrong_scheme`, `wrong_username`, `expired`, `revoked`,
    /// `switched_off`. The client was only told `401`.
    pub refusal: Option<String>,
}

impl ScimLogView {
    fn of(row: ScimLogRow, site: &Site) -> Self {
        let entry = row.entry;
        Self {
            id: entry.id,
            site: site.slug.as_str().to_owned(),
            at: entry.at,
            provider_id: entry.provider_id.map(|id| id.as_str().to_owned()),
            provider: row.provider_name,
            method: entry.method,
            path: entry.path,
            status: entry.status,
            // Microseconds as milliseconds with three decimals.
            duration_ms: entry.duration_us as f64 / 1000.0,
            request_id: entry.request_id,
            scim_type: entry.scim_type,
            refusal: entry.refusal,
        }
    }
}

/// A page of the list, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScimLogPage {
    pub items: Vec<ScimLogView>,
    /// Pass as `cursor` for the next (older) page; none at the end.
    pub next_cursor: Option<String>,
}

/// One entry with what the log kept of the request and the response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScimLogDetail {
    #[serde(flatten)]
    pub entry: ScimLogView,
    /// `{"headers": {...}, "bytes": n, "body": ..., "truncated": b}`
    pub request: Value,
    /// `{"bytes": n, "body": ..., "truncated": b}`
    pub response: Value,
}

fn status(raw: &str) -> Result<StatusFilter, AdminError> {
    let invalid = || {
        AdminError::invalid(
            "status",
            format!("{raw:?} is neither a status from 100 to 599 (409) nor a class (4xx)"),
        )
    };
    let raw = raw.trim();
    if let Some(class) = raw.strip_suffix("xx").or_else(|| raw.strip_suffix("XX")) {
        // One digit, no sign.
        return match class.parse::<u16>() {
            Ok(digit @ 1..=5) if class.len() == 1 => Ok(StatusFilter::Class(digit)),
            _ => Err(invalid()),
        };
    }
    match raw.parse::<u16>() {
        Ok(status @ 100..=599) if raw.len() == 3 => Ok(StatusFilter::Exact(status)),
        _ => Err(invalid()),
    }
}

fn method(raw: &str) -> Result<String, AdminError> {
    let upper = raw.trim().to_ascii_uppercase();
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
    if METHODS.contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(AdminError::invalid("method", format!("{raw:?} is not one of {}", METHODS.join(", "))))
    }
}

fn path_prefix(raw: &str) -> Result<String, AdminError> {
    if !raw.starts_with('/') || raw.len() > 1000 || raw.chars().any(char::is_control) {
        return Err(AdminError::invalid(
            "path",
            "must start with / (such as /Users or /api/scim/Groups), without control \
             characters, at most 1000 characters",
        ));
    }
    if raw.starts_with(SCIM_BASE) { Ok(raw.to_owned()) } else { Ok(format!("{SCIM_BASE}{raw}")) }
}

fn time(name: &str, raw: &str) -> Result<Timestamp, AdminError> {
    raw.trim().parse::<Timestamp>().map_err(|_| {
        AdminError::invalid(
            name,
            format!("{raw:?} is not an RFC 3339 time such as 2026-12-05T12:00:00Z"),
        )
    })
}

fn limit(raw: Option<&str>) -> Result<u64, AdminError> {
    let Some(raw) = raw else { return Ok(PageRequest::DEFAULT_LIMIT) };
    match raw.trim().parse::<u64>() {
        Ok(limit @ 1..=PageRequest::MAX_LIMIT) => Ok(limit),
        _ => Err(AdminError::invalid(
            "limit",
            format!("must be between 1 and {} (got {raw:?})", PageRequest::MAX_LIMIT),
        )),
    }
}

/// The cursor is the last entry's time and id, in base64url so that
/// clients treat it as opaque.
fn encode_cursor(cursor: &ScimLogCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", cursor.at.as_microsecond(), cursor.id))
}

fn decode_cursor(raw: &str) -> Result<ScimLogCursor, AdminError> {
    let invalid = || AdminError::invalid("cursor", "is not a cursor this server gave out");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once(':').ok_or_else(invalid)?;
    let at = at.parse::<i64>().ok().and_then(|at| Timestamp::from_microsecond(at).ok());
    let id = opaque_id(id).ok_or_else(invalid)?;
    Ok(ScimLogCursor { at: at.ok_or_else(invalid)?, id: id.to_owned() })
}

impl Admin<'_> {
    /// A page of the site's SCIM request log, newest first.
    pub async fn scim_logs(
        &self,
        who: &Principal,
        site: &str,
        query: ScimLogQuery,
    ) -> Result<ScimLogPage, AdminError> {
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let mut filter = ScimLogFilter {
            provider: None,
            status: query.status.as_deref().map(status).transpose()?,
            method: query.method.as_deref().map(method).transpose()?,
            path_prefix: query.path.as_deref().map(path_prefix).transpose()?,
            since: query.since.as_deref().map(|raw| time("since", raw)).transpose()?,
            until: query.until.as_deref().map(|raw| time("until", raw)).transpose()?,
            after: query.cursor.as_deref().map(decode_cursor).transpose()?,
            limit: 0,
        };
        if let (Some(since), Some(until)) = (filter.since, filter.until)
            && since >= until
        {
            return Err(AdminError::invalid("until", "must be later than since"));
        }
        if let Some(provider) = &query.provider {
            filter.provider = Some(provider_named(&mut tx, &site.id, provider).await?);
        }
        let limit = limit(query.limit.as_deref())?;
        // One more than asked says whether there is a next page.
        filter.limit = limit + 1;
        let mut rows = tx.search_scim_logs(&site.id, &filter).await?;
        let more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = more.then(|| rows.last()).flatten().map(|row| {
            encode_cursor(&ScimLogCursor { at: row.entry.at, id: row.entry.id.clone() })
        });
        let items = rows.into_iter().map(|row| ScimLogView::of(row, &site)).collect();
        Ok(ScimLogPage { items, next_cursor })
    }

    /// One entry of the site's SCIM request log with its bodies.
    pub async fn scim_log(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
    ) -> Result<ScimLogDetail, AdminError> {
        let not_found = || AdminError::NotFound { what: "SCIM log entry" };
        let mut tx = self.read().await?;
        let site = visible_site(&mut tx, who, site).await?;
        let id = opaque_id(id).ok_or_else(not_found)?;
        let (row, bodies) = tx.scim_log(&site.id, id).await?.ok_or_else(not_found)?;
        // The recorder wrote these documents; one that does not parse is
        // corrupt and shown as the text it is rather than hidden.
        let document = |text: String| serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(ScimLogDetail {
            entry: ScimLogView::of(row, &site),
            request: document(bodies.request),
            response: document(bodies.response),
        })
    }
}

/// The provider a filter names, by name or by id.
async fn provider_named<T: AdminTx>(
    tx: &mut T,
    site: &roster_domain::SiteId,
    raw: &str,
) -> Result<ProviderId, AdminError> {
    if let Ok(name) = ProviderName::parse(raw)
        && let Some(provider) = Provider::by_name(tx, site, &name).await?
    {
        return Ok(provider.id);
    }
    if let Some(id) = opaque_id(raw)
        && let Some(provider) = Provider::by_id(tx, site, id).await?
    {
        return Ok(provider.id);
    }
    Err(AdminError::invalid("provider", format!("this site has no provider named {raw:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_classes() {
        assert_eq!(status("409").ok(), Some(StatusFilter::Exact(409)));
        assert_eq!(status("4xx").ok(), Some(StatusFilter::Class(4)));
        assert_eq!(status("5XX").ok(), Some(StatusFilter::Class(5)));
        for bad in ["", "4", "40", "4000", "600", "099", "6xx", "0xx", "xx", "4x", "+409", "04xx"] {
            assert!(status(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = ScimLogCursor {
            at: Timestamp::from_microsecond(1_700_000_000_123_456).unwrap(),
            id: "a-b".into(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&cursor)).ok(), Some(cursor));
        for bad in
            ["", "!!", "bm9jb2xvbg", &URL_SAFE_NO_PAD.encode("x:y"), &URL_SAFE_NO_PAD.encode("1:")]
        {
            assert!(decode_cursor(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_methods_and_limits() {
        assert_eq!(path_prefix("/Users").ok().as_deref(), Some("/api/scim/Users"));
        assert_eq!(path_prefix("/api/scim/Groups").ok().as_deref(), Some("/api/scim/Groups"));
        assert!(path_prefix("Users").is_err());
        assert_eq!(method("patch").ok().as_deref(), Some("PATCH"));
        assert!(method("BREW").is_err());
        assert_eq!(limit(None).ok(), Some(50));
        assert!(
            limit(Some("0")).is_err() && limit(Some("501")).is_err() && limit(Some("x")).is_err()
        );
    }
}
