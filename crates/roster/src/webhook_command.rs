//! `roster webhook`: a site's webhooks, their secrets and deliveries.

use clap::Subcommand;
use roster_app::App;
use roster_app::admin::{SecretRotation, WebhookInput, WebhookPatch};

use crate::cli::Switch;
use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add a webhook and print its signing secret (shown only this once). It
    /// receives the history entries recorded from now on.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// Where deliveries are POSTed: an https:// URL (http:// only with
        /// --webhook-allow-private).
        #[arg(long)]
        url: String,
        /// What the webhook is for, shown in lists.
        #[arg(long)]
        description: Option<String>,
    },
    /// List a site's webhooks.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
    /// Show one webhook.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The webhook's id.
        #[arg(long)]
        id: String,
    },
    /// Change a webhook's URL or description, or switch it off or on (on again
    /// after it switched itself off: it resumes where it stopped).
    Update {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The webhook's id.
        #[arg(long)]
        id: String,
        /// The new delivery URL.
        #[arg(long)]
        url: Option<String>,
        /// What the webhook is for, shown in lists.
        #[arg(long)]
        description: Option<String>,
        /// Switch the webhook off or on.
        #[arg(long, value_enum)]
        enabled: Option<Switch>,
    },
    /// Remove a webhook and its delivery records.
    Delete {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The webhook's id.
        #[arg(long)]
        id: String,
    },
    /// Make a new signing secret and print it; the old one keeps signing beside
    /// it for the overlap.
    RotateSecret {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The webhook's id.
        #[arg(long)]
        id: String,
        /// Hours the old secret keeps signing (0 to 168).
        #[arg(long, default_value_t = 24)]
        overlap_hours: u32,
    },
    /// A webhook's delivery attempts and their outcomes, newest first.
    Deliveries {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The webhook's id.
        #[arg(long)]
        id: String,
        /// How many (1 to 200).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub async fn run(app: &App, command: &WebhookCommand, json: bool) -> anyhow::Result<()> {
    let admin = app.admin();
    match command {
        WebhookCommand::Create { site, url, description } => {
            let input =
                WebhookInput { url: url.clone(), description: description.clone(), enabled: None };
            output::one(&admin.create_webhook(&OPERATOR, site, input).await?, json)
        }
        WebhookCommand::List { site } => {
            let webhooks = admin.list_webhooks(&OPERATOR, site).await?;
            let total = webhooks.len();
            output::list(
                &serde_json::json!({ "items": webhooks, "total": total }),
                &["id", "url", "enabled", "delivered_seq", "failures"],
                json,
            )
        }
        WebhookCommand::Show { site, id } => {
            output::one(&admin.get_webhook(&OPERATOR, site, id).await?, json)
        }
        WebhookCommand::Update { site, id, url, description, enabled } => {
            let patch = WebhookPatch {
                url: url.clone(),
                description: description.clone().map(Some),
                enabled: enabled.map(|switch| switch == Switch::On),
            };
            output::one(&admin.update_webhook(&OPERATOR, site, id, patch).await?, json)
        }
        WebhookCommand::Delete { site, id } => {
            admin.delete_webhook(&OPERATOR, site, id).await?;
            output::done("deleted", &format!("Webhook {id} deleted."), json)
        }
        WebhookCommand::RotateSecret { site, id, overlap_hours } => {
            let rotation = SecretRotation { overlap_hours: Some(*overlap_hours) };
            output::one(&admin.rotate_webhook_secret(&OPERATOR, site, id, rotation).await?, json)
        }
        WebhookCommand::Deliveries { site, id, limit } => {
            let items = admin.webhook_deliveries(&OPERATOR, site, id, Some(*limit)).await?;
            let total = items.len();
            output::list(
                &serde_json::json!({ "items": items, "total": total }),
                &["at", "first_seq", "last_seq", "attempt", "status", "outcome", "error"],
                json,
            )
        }
    }
}
