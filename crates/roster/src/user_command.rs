//! `roster user`: a site's users, their passwords and second factors.
//! Users are named by username, providers by name; the use cases take
//! ids, looked up first.

use anyhow::Context;
use clap::{Args, Subcommand};
use roster_app::App;
use roster_app::admin::{PasswordInput, UserInput, UserPatch, UserSearch};

use crate::cli::{PageArgs, Switch};
use crate::commands::page;
use crate::output;

const OPERATOR: roster_app::Principal = roster_app::Principal::Operator;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create(UserCreateArgs),
    /// List the users of a site, or those the search flags find.
    List {
        /// The site's slug.
        #[arg(long)]
        site: String,
        #[command(flatten)]
        search: UserSearchArgs,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Show a user by username.
    Show {
        /// The site's slug.
        #[arg(long)]
        site: String,
        /// The user's username, in any letter case.
        // `--username` was this flag's name before; scripts keep working.
        #[arg(long, alias = "username")]
        user: String,
    },
    /// Change a user; what is not given stays as it is, and "" clears a text.
    Update(Box<UserUpdateArgs>),
    /// Delete a user.
    Delete {
        #[command(flatten)]
        of: UserOf,
    },
    /// Set the password of a user who signs in with one.
    Password {
        #[command(flatten)]
        of: UserOf,
        /// A file holding the password, or - for standard input (never given on the
        /// command line, where other users of the machine could read it).
        #[arg(long)]
        password_file: std::path::PathBuf,
    },
    /// Show whether a user signs in with a second factor and has an authenticator
    /// app set up; --reset removes it, so that the next sign-in sets up a new one.
    #[command(name = "two-factor")]
    TwoFactor {
        #[command(flatten)]
        of: UserOf,
        /// Remove the user's authenticator (lost or replaced phone).
        #[arg(long)]
        reset: bool,
    },
}

/// Which user of which site a command is about.
#[derive(Debug, Args)]
pub struct UserOf {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The user's username, in any letter case.
    #[arg(long)]
    pub user: String,
}

impl UserOf {
    /// The user's id, as the use cases take it.
    async fn id(&self, app: &App) -> anyhow::Result<String> {
        Ok(app.admin().find_user(&OPERATOR, &self.site, &self.user).await?.id)
    }
}

/// `roster user update`.
#[derive(Debug, Args)]
pub struct UserUpdateArgs {
    #[command(flatten)]
    pub of: UserOf,
    /// A new username, unique in the site regardless of letter case.
    #[arg(long)]
    pub username: Option<String>,
    /// The e-mail address ("" removes it).
    #[arg(long)]
    pub email: Option<String>,
    /// The full name ("" removes it).
    #[arg(long)]
    pub full_name: Option<String>,
    /// The first name ("" removes it).
    #[arg(long)]
    pub first_name: Option<String>,
    /// The last name ("" removes it).
    #[arg(long)]
    pub last_name: Option<String>,
    /// The name shown for the user ("" removes it).
    #[arg(long)]
    pub display_name: Option<String>,
    /// The company ("" removes it).
    #[arg(long)]
    pub company: Option<String>,
    /// IANA time zone, for example Europe/Paris ("" removes it).
    #[arg(long)]
    pub time_zone: Option<String>,
    /// The identifier an identity provider knows the user by ("" removes it).
    #[arg(long)]
    pub external_id: Option<String>,
    /// Enable (on) or disable (off) the user.
    #[arg(long, value_enum)]
    pub enabled: Option<Switch>,
    /// Sign in with a password instead of through an SSO provider.
    #[arg(long, conflicts_with = "sso_provider")]
    pub password_sign_in: bool,
    /// Sign in through this SSO provider (its name) instead of a password.
    #[arg(long)]
    pub sso_provider: Option<String>,
    /// Make the user an administrator of the site (on) or not (off).
    #[arg(long, value_enum)]
    pub site_admin: Option<Switch>,
    /// Make the user a read-only administrator of the site (on) or not (off).
    #[arg(long, value_enum)]
    pub readonly_site_admin: Option<Switch>,
    /// Second factor for the user's password sign-ins: site_policy, always or never.
    #[arg(long)]
    pub two_factor: Option<String>,
    /// WebDAV access for the application (on or off).
    #[arg(long, value_enum)]
    pub webdav: Option<Switch>,
    /// FTP access for the application (on or off).
    #[arg(long, value_enum)]
    pub ftp: Option<Switch>,
    /// SFTP access for the application (on or off).
    #[arg(long, value_enum)]
    pub sftp: Option<Switch>,
}

/// The filters of `user list`; each given narrows the list.
#[derive(Debug, Args)]
pub struct UserSearchArgs {
    /// Text found, in any letter case, in the username, e-mail or a name.
    #[arg(long)]
    pub search: Option<String>,
    /// Users who sign in through this provider (by name) or were provisioned by it.
    #[arg(long)]
    pub provider: Option<String>,
    /// How users were provisioned: manual, scim, jit or ldap.
    #[arg(long)]
    pub source: Option<String>,
    /// enabled, disabled or released.
    #[arg(long)]
    pub state: Option<String>,
    /// Users with this role: site_admin or readonly_site_admin.
    #[arg(long)]
    pub admin: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserCreateArgs {
    /// The site's slug.
    #[arg(long)]
    pub site: String,
    /// The new user's username, unique in the site regardless of letter case.
    #[arg(long)]
    pub username: String,
    /// The user's e-mail address.
    #[arg(long)]
    pub email: Option<String>,
    /// The user's full name.
    #[arg(long)]
    pub full_name: Option<String>,
    /// The user's first name.
    #[arg(long)]
    pub first_name: Option<String>,
    /// The user's last name.
    #[arg(long)]
    pub last_name: Option<String>,
    /// The user's company.
    #[arg(long)]
    pub company: Option<String>,
    /// IANA time zone, for example Europe/Paris.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Make the user an administrator of the site.
    #[arg(long)]
    pub site_admin: bool,
    /// Make the user a read-only administrator of the site.
    #[arg(long)]
    pub readonly_site_admin: bool,
    /// Create the user disabled.
    #[arg(long)]
    pub disabled: bool,
    /// Sign in through this SSO provider (its name) instead of a password.
    #[arg(long)]
    pub sso_provider: Option<String>,
}

pub async fn run(app: &App, command: &UserCommand, json: bool) -> anyhow::Result<()> {
    match command {
        UserCommand::Create(args) => {
            let input = user_input(app, args).await?;
            output::one(&app.admin().create_user(&OPERATOR, &args.site, input).await?, json)
        }
        UserCommand::List { site, search, page: args } => output::list(
            &app.admin()
                .search_users(&OPERATOR, site, &user_search(app, site, search, args).await?)
                .await?,
            &["id", "username", "email", "enabled", "auth_method"],
            json,
        ),
        UserCommand::Show { site, user } => {
            output::one(&app.admin().find_user(&OPERATOR, site, user).await?, json)
        }
        UserCommand::Update(args) => {
            let (id, site) = (args.of.id(app).await?, &args.of.site);
            let patch = user_patch(app, args).await?;
            output::one(&app.admin().update_user(&OPERATOR, site, &id, patch).await?, json)
        }
        UserCommand::Delete { of } => {
            app.admin().delete_user(&OPERATOR, &of.site, &of.id(app).await?).await?;
            output::done("deleted", &format!("User {} deleted.", of.user), json)
        }
        UserCommand::Password { of, password_file } => {
            let id = of.id(app).await?;
            let password = read_password(password_file)?;
            let input = PasswordInput { password: roster_domain::Secret::new(password) };
            output::one(&app.admin().set_password(&OPERATOR, &of.site, &id, input).await?, json)
        }
        UserCommand::TwoFactor { of, reset } => {
            let (id, site) = (of.id(app).await?, &of.site);
            let view = if *reset {
                app.admin().reset_two_factor(&OPERATOR, site, &id).await?
            } else {
                app.admin().two_factor(&OPERATOR, site, &id).await?
            };
            output::one(&view, json)
        }
    }
}

/// The CLI names a provider as everywhere else, by name; the search takes
/// its id.
async fn user_search(
    app: &App,
    site: &str,
    args: &UserSearchArgs,
    page_args: &PageArgs,
) -> anyhow::Result<UserSearch> {
    let provider = match &args.provider {
        Some(name) => Some(app.admin().find_provider(&OPERATOR, site, name).await?.id),
        None => None,
    };
    Ok(UserSearch {
        q: args.search.clone(),
        provider,
        source: args.source.clone(),
        state: args.state.clone(),
        admin: args.admin.clone(),
        ..page(page_args).into()
    })
}

async fn user_input(app: &App, args: &UserCreateArgs) -> anyhow::Result<UserInput> {
    let sso_provider_id = match &args.sso_provider {
        Some(name) => Some(app.admin().find_provider(&OPERATOR, &args.site, name).await?.id),
        None => None,
    };
    Ok(UserInput {
        username: args.username.clone(),
        email: args.email.clone(),
        full_name: args.full_name.clone(),
        first_name: args.first_name.clone(),
        last_name: args.last_name.clone(),
        company: args.company.clone(),
        time_zone: args.time_zone.clone(),
        enabled: Some(!args.disabled),
        auth_method: Some(if sso_provider_id.is_some() { "sso" } else { "password" }.to_owned()),
        sso_provider_id,
        site_admin: Some(args.site_admin),
        readonly_site_admin: Some(args.readonly_site_admin),
        ..UserInput::default()
    })
}

/// The admin API's change for `roster user update`; refuses an empty one,
/// which would be a mistake rather than a wish to change nothing.
async fn user_patch(app: &App, args: &UserUpdateArgs) -> anyhow::Result<UserPatch> {
    let on = |switch: &Option<Switch>| switch.map(|switch| switch == Switch::On);
    let (auth_method, sso_provider_id) = match &args.sso_provider {
        Some(name) => {
            let id = app.admin().find_provider(&OPERATOR, &args.of.site, name).await?.id;
            (Some("sso".to_owned()), Some(id))
        }
        None if args.password_sign_in => (Some("password".to_owned()), None),
        None => (None, None),
    };
    let patch = UserPatch {
        username: args.username.clone(),
        full_name: output::clearable(&args.full_name),
        first_name: output::clearable(&args.first_name),
        last_name: output::clearable(&args.last_name),
        display_name: output::clearable(&args.display_name),
        email: output::clearable(&args.email),
        company: output::clearable(&args.company),
        time_zone: output::clearable(&args.time_zone),
        enabled: on(&args.enabled),
        auth_method,
        sso_provider_id,
        site_admin: on(&args.site_admin),
        readonly_site_admin: on(&args.readonly_site_admin),
        two_factor: args.two_factor.clone(),
        webdav: on(&args.webdav),
        ftp: on(&args.ftp),
        sftp: on(&args.sftp),
        external_id: output::clearable(&args.external_id),
    };
    let given = [
        patch.username.is_some(),
        patch.full_name.is_some(),
        patch.first_name.is_some(),
        patch.last_name.is_some(),
        patch.display_name.is_some(),
        patch.email.is_some(),
        patch.company.is_some(),
        patch.time_zone.is_some(),
        patch.enabled.is_some(),
        patch.auth_method.is_some(),
        patch.site_admin.is_some(),
        patch.readonly_site_admin.is_some(),
        patch.two_factor.is_some(),
        patch.webdav.is_some(),
        patch.ftp.is_some(),
        patch.sftp.is_some(),
        patch.external_id.is_some(),
    ];
    if !given.contains(&true) {
        anyhow::bail!("nothing to change: give at least one flag besides --site and --user");
    }
    Ok(patch)
}

/// A password from a file or standard input; a trailing newline is the
/// file's (or the terminal's), not the password's.
fn read_password(path: &std::path::Path) -> anyhow::Result<String> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}
