//! `roster site` and `roster admin-key`: sites and the admin API's keys,
//! as an operator (the only principal that creates and deletes sites).

use clap::Subcommand;
use roster_app::App;
use roster_app::admin::{AdminKeyScope, SiteInput, SitePatch};

use crate::cli::{PageArgs, Switch};
use crate::commands::page;
use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum SiteCommand {
    /// Create a site.
    Create {
        /// Unique, URL-safe name: lower-case letters, digits and '-'.
        #[arg(long)]
        slug: String,
        /// Display name (defaults to the slug).
        #[arg(long)]
        name: Option<String>,
        /// Forbid administrators to manage users outside SSO provisioning.
        #[arg(long)]
        no_manual_users: bool,
        /// Forbid administrators to manage groups outside SSO provisioning.
        #[arg(long)]
        no_manual_groups: bool,
    },
    /// List sites.
    List(PageArgs),
    /// Show one site.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
    /// Change a site's settings; what is not given stays as it is.
    Update {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// A new slug (the site's URLs change with it).
        #[arg(long)]
        slug: Option<String>,
        /// A new display name.
        #[arg(long)]
        name: Option<String>,
        /// Let administrators manage users outside SSO provisioning (on) or not (off).
        #[arg(long, value_enum)]
        manual_users: Option<Switch>,
        /// Let administrators manage groups outside SSO provisioning (on) or not (off).
        #[arg(long, value_enum)]
        manual_groups: Option<Switch>,
        /// Second factor for password sign-ins: always or never.
        #[arg(long)]
        two_factor: Option<String>,
        /// Where people go after signing in, with a one-time ticket ("" removes it).
        #[arg(long)]
        application_url: Option<String>,
        /// Days the site's SCIM request log is kept (1 to 3650; 90 at first).
        #[arg(long)]
        scim_log_retention_days: Option<i64>,
        /// Days the site's history log is kept (1 to 3650; 365 at first).
        #[arg(long)]
        history_retention_days: Option<i64>,
    },
    /// Delete a site with all its users, groups, providers, keys and logs.
    Delete {
        /// The site's slug.
        #[arg(long)]
        site: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminKeyCommand {
    /// Create an admin key and print it (it is shown only this once).
    Create {
        /// The slug of the site the key manages.
        #[arg(long, required_unless_present = "operator", conflicts_with = "operator")]
        site: Option<String>,
        /// An operator key, which manages every site.
        #[arg(long)]
        operator: bool,
        /// A label to recognise the key by.
        #[arg(long)]
        name: Option<String>,
    },
    /// List admin keys (of one site with --site).
    List {
        /// Only the keys of this site (its slug).
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Revoke an admin key at once.
    Revoke {
        /// The key's id, as `admin-key list` shows it.
        #[arg(long)]
        id: String,
    },
}

pub async fn site(app: &App, command: &SiteCommand, json: bool) -> anyhow::Result<()> {
    match command {
        SiteCommand::Create { slug, name, no_manual_users, no_manual_groups } => {
            let input = SiteInput {
                slug: slug.clone(),
                name: name.clone(),
                allow_manual_users: Some(!no_manual_users),
                allow_manual_groups: Some(!no_manual_groups),
                two_factor: None,
                application_url: None,
                scim_log_retention_days: None,
                history_retention_days: None,
            };
            output::one(&app.admin().create_site(&OPERATOR, input).await?, json)
        }
        SiteCommand::List(args) => output::list(
            &app.admin().list_sites(&OPERATOR, page(args)).await?,
            &["slug", "name", "id"],
            json,
        ),
        SiteCommand::Show { site } => {
            output::one(&app.admin().get_site(&OPERATOR, site).await?, json)
        }
        SiteCommand::Update {
            site,
            slug,
            name,
            manual_users,
            manual_groups,
            two_factor,
            application_url,
            scim_log_retention_days,
            history_retention_days,
        } => {
            let patch = SitePatch {
                slug: slug.clone(),
                name: name.clone(),
                allow_manual_users: manual_users.map(|switch| switch == Switch::On),
                allow_manual_groups: manual_groups.map(|switch| switch == Switch::On),
                two_factor: two_factor.clone(),
                application_url: output::clearable(application_url),
                scim_log_retention_days: *scim_log_retention_days,
                history_retention_days: *history_retention_days,
            };
            output::one(&app.admin().update_site(&OPERATOR, site, patch).await?, json)
        }
        SiteCommand::Delete { site } => {
            app.admin().delete_site(&OPERATOR, site).await?;
            output::done("deleted", &format!("Site {site} deleted."), json)
        }
    }
}

pub async fn admin_key(app: &App, command: &AdminKeyCommand, json: bool) -> anyhow::Result<()> {
    match command {
        AdminKeyCommand::Create { site, operator: _, name } => {
            let scope = match site {
                Some(slug) => AdminKeyScope::Site(slug.clone()),
                None => AdminKeyScope::Operator,
            };
            let created = app.admin().create_admin_key(&OPERATOR, scope, name.as_deref()).await?;
            if json {
                return output::one(&created, true);
            }
            eprintln!("Admin key {} created. It is shown only now; keep it safe:", created.key.id);
            println!("{}", created.secret.expose());
            Ok(())
        }
        AdminKeyCommand::List { site, page: args } => {
            let keys = app.admin().list_admin_keys(&OPERATOR, site.as_deref(), page(args)).await?;
            output::list(&keys, &["id", "prefix", "name", "site_id", "revoked_at"], json)
        }
        AdminKeyCommand::Revoke { id } => {
            app.admin().revoke_admin_key(&OPERATOR, id).await?;
            output::done("revoked", &format!("Admin key {id} revoked."), json)
        }
    }
}
