//! `roster group`: a site's groups and their members. Groups are named by
//! name and members by username; the use cases take ids, looked up first.

use clap::{Args, Subcommand};
use roster_app::App;
use roster_app::admin::{GroupInput, GroupPatch, MemberInput, MemberPatch};

use crate::cli::{PageArgs, Switch};
use crate::commands::page;
use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a local group.
    Create {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The new group's name, unique in the site regardless of letter case.
        #[arg(long)]
        name: String,
    },
    /// List the groups of a site.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a group by name.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The group's name, in any letter case.
        // `--name` was this flag's name before; scripts keep working.
        #[arg(long, alias = "name")]
        group: String,
    },
    /// Rename a group.
    Update {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The group's name, in any letter case.
        #[arg(long)]
        group: String,
        /// The new name, unique in the site regardless of letter case.
        #[arg(long)]
        name: String,
    },
    /// Delete a group; its members stay users of the site.
    Delete {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The group's name, in any letter case.
        #[arg(long)]
        group: String,
    },
    /// List, add, change and remove a group's members.
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// List a group's members.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The group's name, in any letter case.
        #[arg(long)]
        group: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Add a user to a group (adding a member again sets --admin).
    Add {
        #[command(flatten)]
        of: Membership,
        /// Whether the member administers the group (off by default).
        #[arg(long, value_enum, default_value_t = Switch::Off)]
        admin: Switch,
    },
    /// Change whether a member administers the group.
    Update {
        #[command(flatten)]
        of: Membership,
        /// Whether the member administers the group: on or off.
        #[arg(long, value_enum)]
        admin: Switch,
    },
    /// Remove a user from a group.
    Remove {
        #[command(flatten)]
        of: Membership,
    },
}

/// Which user in which group a member command is about.
#[derive(Debug, Args)]
pub struct Membership {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The group's name, in any letter case.
    #[arg(long)]
    pub group: String,
    /// The user's username, in any letter case.
    #[arg(long)]
    pub user: String,
}

impl Membership {
    /// The group's and the user's ids, as the use cases take them.
    async fn ids(&self, app: &App) -> anyhow::Result<(String, String)> {
        let group = app.admin().find_group(&OPERATOR, &self.site, &self.group).await?.id;
        let user = app.admin().find_user(&OPERATOR, &self.site, &self.user).await?.id;
        Ok((group, user))
    }
}

pub async fn run(app: &App, command: &GroupCommand, json: bool) -> anyhow::Result<()> {
    match command {
        GroupCommand::Create { site, name } => {
            let input = GroupInput { name: name.clone() };
            output::one(&app.admin().create_group(&OPERATOR, site, input).await?, json)
        }
        GroupCommand::List { site, page: args } => output::list(
            &app.admin().list_groups(&OPERATOR, site, page(args)).await?,
            &["id", "name", "managed_by_provider_id"],
            json,
        ),
        GroupCommand::Show { site, group } => {
            output::one(&app.admin().find_group(&OPERATOR, site, group).await?, json)
        }
        GroupCommand::Update { site, group, name } => {
            let id = app.admin().find_group(&OPERATOR, site, group).await?.id;
            let patch = GroupPatch { name: Some(name.clone()) };
            output::one(&app.admin().update_group(&OPERATOR, site, &id, patch).await?, json)
        }
        GroupCommand::Delete { site, group } => {
            let id = app.admin().find_group(&OPERATOR, site, group).await?.id;
            app.admin().delete_group(&OPERATOR, site, &id).await?;
            output::done("deleted", &format!("Group {group} deleted."), json)
        }
        GroupCommand::Member(command) => member(app, command, json).await,
    }
}

async fn member(app: &App, command: &MemberCommand, json: bool) -> anyhow::Result<()> {
    let admin = app.admin();
    match command {
        MemberCommand::List { site, group, page: args } => {
            let id = admin.find_group(&OPERATOR, site, group).await?.id;
            output::list(
                &admin.list_members(&OPERATOR, site, &id, page(args)).await?,
                &["user_id", "username", "is_admin"],
                json,
            )
        }
        MemberCommand::Add { of, admin: is_admin } => {
            let (group, user_id) = of.ids(app).await?;
            let input = MemberInput { user_id, is_admin: Some(*is_admin == Switch::On) };
            output::one(&admin.add_member(&OPERATOR, &of.site, &group, input).await?, json)
        }
        MemberCommand::Update { of, admin: is_admin } => {
            let (group, user) = of.ids(app).await?;
            let patch = MemberPatch { is_admin: *is_admin == Switch::On };
            output::one(
                &admin.update_member(&OPERATOR, &of.site, &group, &user, patch).await?,
                json,
            )
        }
        MemberCommand::Remove { of } => {
            let (group, user) = of.ids(app).await?;
            admin.remove_member(&OPERATOR, &of.site, &group, &user).await?;
            output::done("removed", &format!("{} removed from {}.", of.user, of.group), json)
        }
    }
}
