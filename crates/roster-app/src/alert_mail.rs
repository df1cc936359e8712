//! What the alerts to a site's administrators say (pure): each names the
//! site, the provider and the times, says what happened and what to do,
//! and links to the console under the public URL when roster knows it.
//! Names from the database are put on one line first, so a name with line
//! breaks cannot fake lines of the message.

use jiff::{SignedDuration, Timestamp};

use crate::AlertDays;
use crate::mailer::one_line;

/// A subject and a plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertText {
    pub subject: String,
    pub text: String,
}

/// The site and provider an alert is about, as stored.
#[derive(Debug, Clone, Copy)]
pub struct About<'a> {
    pub site_slug: &'a str,
    pub site_name: &'a str,
    pub provider: &'a str,
}

impl About<'_> {
    fn provider(&self) -> String {
        one_line(self.provider)
    }

    fn site(&self) -> String {
        format!("\"{}\" ({})", one_line(self.site_name), one_line(self.site_slug))
    }

    /// The CLI's `--site ... --provider ...`, quoted for a shell.
    fn cli_selector(&self) -> String {
        format!("--site {} --provider {}", shell_quote(self.site_slug), shell_quote(self.provider))
    }
}

/// `text` as one shell word, in single quotes.
fn shell_quote(text: &str) -> String {
    format!("'{}'", one_line(text).replace('\'', r"'\''"))
}

/// A time as administrators read it, to the minute, in UTC.
fn when(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The console's link, when the public URL is known.
fn console(public_url: Option<&str>) -> String {
    public_url.map(|url| format!("  {}/admin\n", url.trim_end_matches('/'))).unwrap_or_default()
}

const FOOTER: &str = "You receive this because you are an administrator of this site in roster.\n";

/// Whole days left until `expires_at`, rounded up (a credential with six
/// days and a few hours left expires "in 7 days").
pub fn days_left(now: Timestamp, expires_at: Timestamp) -> i64 {
    let left = expires_at.duration_since(now);
    let day = SignedDuration::from_hours(24);
    let whole = left.as_secs() / day.as_secs();
    if left > SignedDuration::from_secs(whole * day.as_secs()) { whole + 1 } else { whole }
}

fn days(count: i64) -> String {
    if count == 1 { "1 day".to_owned() } else { format!("{count} days") }
}

/// The reminder days as a sentence says them: "30, 7 and 1 days",
/// "14 and 3 days", "1 day".
fn reminder_days(reminders: &AlertDays) -> String {
    let days = reminders.days();
    let unit = if days == [1] { "day" } else { "days" };
    let listed = match days.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => {
            let rest: Vec<String> = rest.iter().map(i64::to_string).collect();
            format!("{} and {last}", rest.join(", "))
        }
        None => String::new(),
    };
    format!("{listed} {unit}")
}

/// A SCIM credential expires soon; `reminders` are the days the operator
/// chose for these alerts, so that the mail says when the next comes.
pub fn scim_token_expiry(
    about: About<'_>,
    basic: bool,
    expires_at: Timestamp,
    now: Timestamp,
    public_url: Option<&str>,
    reminders: &AlertDays,
) -> AlertText {
    let provider = about.provider();
    let left = days(days_left(now, expires_at));
    let auth = if basic { "basic" } else { "token" };
    AlertText {
        subject: format!(
            "roster: the SCIM credential of \"{provider}\" on {} expires in {left}",
            about.site()
        ),
        text: format!(
            "The SCIM credential of the identity provider \"{provider}\" on the site {site} \
             expires on {at}, in {left}.\n\n\
             When it expires, \"{provider}\" can no longer create, update or deactivate users \
             and groups in roster: provisioning stops until the identity provider has a new \
             credential.\n\n\
             What to do before then:\n\
             1. Make a new credential for the provider in roster's console, or with the CLI \
             (the old one keeps working for the overlap while you switch):\n\
             {console}  roster provider scim {selector} --auth {auth} --reset --overlap 7d\n\
             2. Enter the new credential in the identity provider's provisioning settings.\n\n\
             Reminders go out {reminders} before a credential expires.\n{FOOTER}",
            site = about.site(),
            at = when(expires_at),
            console = console(public_url),
            selector = about.cli_selector(),
            reminders = reminder_days(reminders),
        ),
    }
}

/// LDAP provisioning switched itself off after repeated failures.
pub fn ldap_switched_off(
    about: About<'_>,
    failures: u32,
    last_failure: Option<&str>,
    at: Timestamp,
    public_url: Option<&str>,
) -> AlertText {
    let provider = about.provider();
    let reason = last_failure.map(one_line).unwrap_or_else(|| "not recorded".to_owned());
    AlertText {
        subject: format!(
            "roster: LDAP provisioning of \"{provider}\" on {} switched itself off",
            about.site()
        ),
        text: format!(
            "LDAP provisioning of the provider \"{provider}\" on the site {site} switched itself \
             off at {at} after {failures} failed syncs in a row.\n\
             The last failure: {reason}\n\n\
             Users, groups and memberships no longer follow the directory until provisioning \
             is switched on again. Sign-in through the provider keeps working.\n\n\
             What to do:\n\
             1. Check the directory settings and that the directory answers:\n\
             \x20 roster provider ldap {selector} --test\n\
             2. Switch LDAP provisioning on again, in roster's console or with the CLI (this \
             forgives the failures):\n\
             {console}  roster provider ldap {selector} --enabled on\n\n{FOOTER}",
            site = about.site(),
            at = when(at),
            console = console(public_url),
            selector = about.cli_selector(),
        ),
    }
}

/// A provider's SAML metadata failed to refresh (the first failure after a
/// success).
pub fn saml_metadata_failing(
    about: About<'_>,
    url: &str,
    error: &str,
    last_good: Option<Timestamp>,
    at: Timestamp,
    public_url: Option<&str>,
) -> AlertText {
    let provider = about.provider();
    let kept = match last_good {
        Some(fetched) => format!(
            "Sign-in keeps working with the last good metadata, fetched {}; but if the \
             identity provider changes its signing certificate meanwhile, sign-ins through it \
             will fail.",
            when(fetched)
        ),
        None => "No fetch of this URL has succeeded yet, so sign-in through this provider \
                 fails until one does."
            .to_owned(),
    };
    AlertText {
        subject: format!(
            "roster: the SAML metadata of \"{provider}\" on {} cannot be refreshed",
            about.site()
        ),
        text: format!(
            "roster could not refresh the SAML metadata of the identity provider \
             \"{provider}\" on the site {site} from {url} at {at}.\n\
             The error: {error}\n\n\
             {kept}\n\n\
             roster keeps trying every 15 minutes; this notice is sent once until a refresh \
             succeeds again.\n\n\
             What to do: check that the URL still serves the identity provider's metadata (it \
             may have moved), and correct the provider's SAML settings in roster's console if \
             it changed:\n\
             {console}To try again at once: roster jobs run saml-metadata\n\n{FOOTER}",
            site = about.site(),
            url = one_line(url),
            error = one_line(error),
            at = when(at),
            console = console(public_url),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    const ABOUT: About<'static> =
        About { site_slug: "acme", site_name: "Acme\r\nBcc: x", provider: "Okta 'prod'" };

    #[test]
    fn reminder_days_read_as_a_sentence() {
        let words = |raw: &str| reminder_days(&AlertDays::parse(raw).unwrap());
        assert_eq!(words("30,7,1"), "30, 7 and 1 days");
        assert_eq!(words("3,14"), "14 and 3 days");
        assert_eq!(words("7"), "7 days");
        assert_eq!(words("1"), "1 day");
    }

    #[test]
    fn days_left_round_up() {
        let now = at("2026-01-01T00:00:00Z");
        assert_eq!(days_left(now, at("2026-01-08T00:00:00Z")), 7);
        assert_eq!(days_left(now, at("2026-01-07T23:00:00Z")), 7);
        assert_eq!(days_left(now, at("2026-01-01T00:00:01Z")), 1);
        assert_eq!(days_left(now, at("2026-01-31T00:00:00Z")), 30);
    }

    #[test]
    fn the_token_alert_names_site_provider_date_and_what_to_do() {
        let now = at("2026-01-01T00:00:00Z");
        let text = scim_token_expiry(
            ABOUT,
            false,
            at("2026-01-08T00:00:00Z"),
            now,
            Some("https://id.example.com/"),
            &AlertDays::standard(),
        );
        assert_eq!(
            text.subject,
            "roster: the SCIM credential of \"Okta 'prod'\" on \"Acme  Bcc: x\" (acme) expires \
             in 7 days"
        );
        assert!(text.text.contains("expires on 2026-01-08 00:00 UTC, in 7 days"), "{}", text.text);
        assert!(text.text.contains("  https://id.example.com/admin\n"), "{}", text.text);
        assert!(
            text.text.contains(
                "roster provider scim --site 'acme' --provider 'Okta '\\''prod'\\''' --auth \
                 token --reset"
            ),
            "{}",
            text.text
        );
        assert!(!text.text.contains("\r\nBcc"));
        assert!(text.text.contains("Reminders go out 30, 7 and 1 days before"), "{}", text.text);
        let custom = AlertDays::parse("3,14").unwrap();
        let without_url =
            scim_token_expiry(ABOUT, true, at("2026-01-02T00:00:00Z"), now, None, &custom);
        assert!(without_url.text.contains("Reminders go out 14 and 3 days before"));
        assert!(without_url.subject.ends_with("expires in 1 day"));
        assert!(!without_url.text.contains("/admin"));
        assert!(without_url.text.contains("--auth basic"));
    }

    #[test]
    fn the_ldap_and_metadata_notices_say_what_failed() {
        let now = at("2026-01-01T10:30:00Z");
        let ldap = ldap_switched_off(ABOUT, 5, Some("cannot connect\nto dc1"), now, None);
        assert!(ldap.subject.contains("LDAP provisioning of \"Okta 'prod'\""));
        assert!(ldap.text.contains("at 2026-01-01 10:30 UTC after 5 failed syncs"));
        assert!(ldap.text.contains("The last failure: cannot connect to dc1\n"));
        assert!(ldap.text.contains("--enabled on"));
        let metadata = saml_metadata_failing(
            ABOUT,
            "https://idp.example.com/metadata",
            "404 Not Found",
            None,
            now,
            Some("https://id.example.com"),
        );
        assert!(metadata.subject.ends_with("cannot be refreshed"));
        assert!(metadata.text.contains("from https://idp.example.com/metadata at 2026-01-01"));
        assert!(metadata.text.contains("The error: 404 Not Found"));
        assert!(metadata.text.contains("No fetch of this URL has succeeded yet"));
    }
}
