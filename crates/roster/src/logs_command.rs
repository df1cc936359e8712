//! `roster logs`: a site's history log (searched newest first, or read
//! oldest first as the events feed) and its SCIM request log.

use clap::{Args, Subcommand};
use roster_app::App;
use roster_app::admin::{EventsQuery, HistoryEntryView, HistoryQuery, ScimLogQuery};

use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// The history log: one entry per change and per sign-in, newest first.
    History {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// scim, saml, ldap, admin_api, cli, web or lifecycle_rule.
        #[arg(long)]
        interface: Option<String>,
        /// created, updated, disabled, enabled, deleted, released, member_added,
        /// member_removed, role_granted, role_revoked, signed_in, sign_in_refused,
        /// credential_created, credential_reset, opened or revoked.
        #[arg(long)]
        action: Option<String>,
        /// A user's or provider's id: what it did.
        #[arg(long)]
        actor: Option<String>,
        /// A user's or group's id: what happened to it.
        #[arg(long)]
        target: Option<String>,
        /// Entries at or after this RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        /// Entries before this RFC 3339 time.
        #[arg(long)]
        until: Option<String>,
        /// Older entries: the cursor the previous page printed.
        #[arg(long)]
        cursor: Option<String>,
        /// Entries per page (100 by default, at most 1000).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// The events feed: the history entries after --after, oldest first; the next
    /// page's --after goes to standard error (`--json`: the page with `next`).
    Events {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The seq of the last entry already read (0, the default, from the start).
        #[arg(long)]
        after: Option<i64>,
        /// Entries per page (100 by default, at most 1000).
        #[arg(long)]
        limit: Option<u32>,
    },
    /// A site's SCIM request log, newest first (`--json`: the admin API's page).
    Scim(ScimLogArgs),
}

#[derive(Debug, Args)]
pub struct ScimLogArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// Only this provider's requests (its name or id).
    #[arg(long)]
    pub provider: Option<String>,
    /// Only this status (409) or status class (4xx).
    #[arg(long)]
    pub status: Option<String>,
    /// Only this HTTP method.
    #[arg(long)]
    pub method: Option<String>,
    /// Only paths that start with this (/Users, /Groups/<id>, ...).
    #[arg(long)]
    pub path: Option<String>,
    /// From this RFC 3339 time on (2026-12-05T12:00:00Z).
    #[arg(long)]
    pub since: Option<String>,
    /// Before this RFC 3339 time.
    #[arg(long)]
    pub until: Option<String>,
    /// Show at most this many entries (default 50, at most 500).
    #[arg(long)]
    pub limit: Option<u64>,
    /// Continue after the page that printed this cursor.
    #[arg(long)]
    pub cursor: Option<String>,
    /// Show one entry, with its redacted request and response, instead.
    #[arg(long, conflicts_with_all = ["provider", "status", "method", "path", "since", "until", "limit", "cursor"])]
    pub id: Option<String>,
}

async fn scim_logs(app: &App, args: &ScimLogArgs, json: bool) -> anyhow::Result<()> {
    if let Some(id) = &args.id {
        let entry = app.admin().scim_log(&OPERATOR, &args.site, id).await?;
        // The bodies are documents: the entry prints as JSON either way.
        println!("{}", serde_json::to_string_pretty(&entry)?);
        return Ok(());
    }
    let query = ScimLogQuery {
        provider: args.provider.clone(),
        status: args.status.clone(),
        method: args.method.clone(),
        path: args.path.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        cursor: args.cursor.clone(),
        limit: args.limit.map(|limit| limit.to_string()),
    };
    let page = app.admin().scim_logs(&OPERATOR, &args.site, query).await?;
    if json {
        return output::one(&page, true);
    }
    let rows: Vec<Vec<String>> = page
        .items
        .iter()
        .map(|entry| {
            vec![
                entry.at.to_string(),
                entry.method.clone(),
                entry.status.to_string(),
                format!("{:.1}", entry.duration_ms),
                entry.provider.clone().or_else(|| entry.provider_id.clone()).unwrap_or("-".into()),
                entry.scim_type.clone().or_else(|| entry.refusal.clone()).unwrap_or("-".into()),
                entry.path.clone(),
                entry.id.clone(),
            ]
        })
        .collect();
    output::table(&["TIME", "METHOD", "STATUS", "MS", "PROVIDER", "ERROR", "PATH", "ID"], &rows);
    match &page.next_cursor {
        Some(cursor) => eprintln!("({} shown; older: --cursor {cursor})", rows.len()),
        None => eprintln!("({} shown)", rows.len()),
    }
    Ok(())
}

pub async fn run(app: &App, command: &LogsCommand, json: bool) -> anyhow::Result<()> {
    match command {
        LogsCommand::Scim(args) => scim_logs(app, args, json).await,
        LogsCommand::Events { site, after, limit } => {
            let query = EventsQuery { after: *after, limit: *limit };
            let page = app.admin().events(&OPERATOR, site, query).await?;
            if json {
                return output::one(&page, true);
            }
            page.items.iter().for_each(print_entry);
            eprintln!("next: --after {}", page.next);
            Ok(())
        }
        LogsCommand::History {
            site,
            interface,
            action,
            actor,
            target,
            since,
            until,
            cursor,
            limit,
        } => {
            let query = HistoryQuery {
                interface: interface.clone(),
                action: action.clone(),
                actor: actor.clone(),
                target: target.clone(),
                since: since.clone(),
                until: until.clone(),
                cursor: cursor.clone(),
                limit: *limit,
            };
            let page = app.admin().history(&OPERATOR, site, &query).await?;
            if json {
                return output::one(&page, true);
            }
            page.items.iter().for_each(print_entry);
            if let Some(cursor) = &page.next_cursor {
                eprintln!("more: --cursor {cursor}");
            }
            Ok(())
        }
    }
}

/// One history entry on one line: seq, time, interface, who, action, what,
/// the changed fields and the reason.
fn print_entry(entry: &HistoryEntryView) {
    let actor = entry.actor.name.as_deref().or(entry.actor.id.as_deref());
    let target = entry.target.as_ref().and_then(|t| t.name.as_deref().or(t.id.as_deref()));
    let changed: Vec<String> = entry
        .changes
        .as_array()
        .map(|changes| {
            changes.iter().filter_map(|c| c["field"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default();
    let who = match actor {
        Some(actor) => format!("{}:{actor}", entry.actor.kind),
        None => entry.actor.kind.clone(),
    };
    let reason = entry.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    println!(
        "{}\t{}\t{}\t{who}\t{}\t{}\t{}{reason}",
        entry.seq,
        entry.at,
        entry.interface,
        entry.action,
        target.unwrap_or("-"),
        changed.join(","),
    );
}
