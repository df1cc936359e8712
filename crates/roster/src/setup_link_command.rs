//! `roster setup-link`: links that let a customer's IT administrator set
//! up one SSO provider of a site (its SAML trust, its SCIM credential)
//! without access to the rest of the console.

use clap::Subcommand;
use roster_app::App;
use roster_app::admin::SetupLinkInput;

use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum SetupLinkCommand {
    /// Make a link for one provider and print its URL (shown only this once).
    /// Whoever opens it can set the provider's SAML trust and SCIM credential,
    /// and nothing else, until it expires or is revoked.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The name of the provider the link sets up.
        #[arg(long)]
        provider: String,
        /// How long the link works: 90m, 24h, 7d ... from 1h to 30d.
        #[arg(long, default_value = "7d")]
        expires_in: String,
        /// Whom or what the link is for, shown in lists.
        #[arg(long)]
        description: Option<String>,
        /// The URL clients reach roster at, which the printed link starts with.
        #[arg(long, env = "ROSTER_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// List a site's set-up links and their state (never their secrets).
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
    /// Revoke a link at once; a set-up session opened with it ends too.
    Revoke {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The link's id.
        #[arg(long)]
        id: String,
    },
}

impl SetupLinkCommand {
    /// The public URL the command needs to print a link.
    pub fn public_url(&self) -> Option<String> {
        match self {
            Self::Create { public_url, .. } => public_url.clone(),
            Self::List { .. } | Self::Revoke { .. } => None,
        }
    }
}

pub async fn run(app: &App, command: &SetupLinkCommand, json: bool) -> anyhow::Result<()> {
    let admin = app.admin();
    match command {
        SetupLinkCommand::Create { site, provider, expires_in, description, public_url: _ } => {
            let provider = admin.find_provider(&OPERATOR, site, provider).await?.id;
            let input = SetupLinkInput {
                provider,
                expires_in: Some(expires_in.clone()),
                description: description.clone(),
            };
            output::one(&admin.create_setup_link(&OPERATOR, site, input).await?, json)
        }
        SetupLinkCommand::List { site } => {
            let links = admin.list_setup_links(&OPERATOR, site).await?;
            let total = links.len();
            output::list(
                &serde_json::json!({ "items": links, "total": total }),
                &["id", "provider_id", "state", "expires_at", "last_opened_at", "description"],
                json,
            )
        }
        SetupLinkCommand::Revoke { site, id } => {
            admin.revoke_setup_link(&OPERATOR, site, id).await?;
            output::done("revoked", &format!("Set-up link {id} revoked."), json)
        }
    }
}
