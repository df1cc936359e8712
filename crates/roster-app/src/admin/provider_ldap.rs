//! The LDAP provisioning settings of a provider as administrators give
//! them (SPEC §6): checked and applied onto the stored settings, the bind
//! password kept unless replaced, ports and usernames defaulted by the
//! server type.

use jiff::SignedDuration;
use roster_domain::{LdapSecurity, LdapServerType, LdapSettings, Secret, UsernameAttribute};
use serde::Deserialize;
use utoipa::ToSchema;

use super::AdminError;
use super::error::field;
use super::input::{no_nul, not_null, nullable};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LdapInput {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub host: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub backup_host: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub server_type: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub port: Option<u16>,
    /// `ldaps`, `starttls` or `plain`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub security: Option<String>,
    /// The earlier switch: `true` is `ldaps`, `false` is `plain`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub secure: Option<bool>,
    /// PEM certificates of the CA that issued the directory's certificate.
    #[serde(default, deserialize_with = "nullable")]
    pub ca_certificate: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub username_attribute: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub user_filter: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub group_filter: Option<Option<String>>,
    /// Between scheduled syncs: `15m` to `7d`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub interval: Option<String>,
    /// Consecutive failed syncs before provisioning switches off (1-100).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub failure_threshold: Option<u32>,
    #[serde(default, deserialize_with = "nullable")]
    pub bind_username: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Password)]
    pub bind_password: Option<Option<Secret>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(nullable = false)]
    pub base_dn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub domain: Option<Option<String>>,
}

fn host(name: &str, raw: &str) -> Result<String, AdminError> {
    if raw.is_empty() || raw.len() > 253 || raw.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(AdminError::invalid(name, "must be a host name or IP address without spaces"));
    }
    Ok(raw.to_owned())
}

fn optional_text(name: &str, raw: Option<&str>) -> Result<Option<String>, AdminError> {
    match raw {
        Some(value) if value.trim().is_empty() || value.chars().any(char::is_control) => {
            Err(AdminError::invalid(
                name,
                "must not be blank or contain control characters (send null to clear it)",
            ))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// The security an input asks for: `security`, or the earlier `secure`
/// switch; both at once must agree.
fn security_of(input: &LdapInput) -> Result<Option<LdapSecurity>, AdminError> {
    let named = input
        .security
        .as_deref()
        .map(|raw| field("ldap.security", LdapSecurity::parse(raw)))
        .transpose()?;
    let switched =
        input.secure.map(|secure| if secure { LdapSecurity::Ldaps } else { LdapSecurity::Plain });
    match (named, switched) {
        (Some(named), Some(switched)) if named != switched => Err(AdminError::invalid(
            "ldap.secure",
            "contradicts ldap.security; send ldap.security alone",
        )),
        (named, switched) => Ok(named.or(switched)),
    }
}

/// The longest LDAP filter or CA certificate accepted.
const MAX_FILTER_BYTES: usize = 4096;
const MAX_CA_BYTES: usize = 64 * 1024;

/// An LDAP filter as an administrator writes it: parenthesized, balanced,
/// printable. The directory parses it fully at the next sync or test.
fn ldap_filter(name: &str, raw: Option<&str>) -> Result<Option<String>, AdminError> {
    let Some(raw) = raw.map(str::trim) else { return Ok(None) };
    let mut depth = 0i32;
    let balanced = raw.chars().all(|c| {
        depth += match c {
            '(' => 1,
            ')' => -1,
            _ => 0,
        };
        depth >= 0
    }) && depth == 0;
    if raw.len() > MAX_FILTER_BYTES
        || !raw.starts_with('(')
        || !raw.ends_with(')')
        || !balanced
        || raw.chars().any(char::is_control)
    {
        return Err(AdminError::invalid(
            name,
            "must be an LDAP filter such as (memberOf=cn=staff,ou=groups,dc=example,dc=com), \
             at most 4096 characters",
        ));
    }
    Ok(Some(raw.to_owned()))
}

fn ca_certificate(raw: Option<&str>) -> Result<Option<String>, AdminError> {
    let Some(raw) = raw else { return Ok(None) };
    if raw.len() > MAX_CA_BYTES
        || !raw.contains("-----BEGIN CERTIFICATE-----")
        || !raw.contains("-----END CERTIFICATE-----")
    {
        return Err(AdminError::invalid(
            "ldap.ca_certificate",
            "must be one or more PEM certificates (-----BEGIN CERTIFICATE-----), at most 64 KiB",
        ));
    }
    Ok(Some(raw.to_owned()))
}

/// Applies an LDAP input on top of the current settings (or on a fresh set
/// when there are none, in which case `host` and `base_dn` are required).
pub(super) fn apply_ldap(
    current: Option<LdapSettings>,
    input: &LdapInput,
) -> Result<LdapSettings, AdminError> {
    let asked = security_of(input)?;
    let security = asked.or(current.as_ref().map(|l| l.security)).unwrap_or(LdapSecurity::Ldaps);
    let mut ldap = match current {
        Some(ldap) => ldap,
        None => {
            let server_type = input
                .server_type
                .as_deref()
                .map(|raw| field("ldap.server_type", LdapServerType::parse(raw)))
                .transpose()?
                .unwrap_or(LdapServerType::ActiveDirectory);
            LdapSettings {
                enabled: true,
                host: host(
                    "ldap.host",
                    input
                        .host
                        .as_deref()
                        .ok_or_else(|| AdminError::invalid("ldap.host", "is required"))?,
                )?,
                backup_host: None,
                server_type,
                port: security.default_port(),
                security,
                ca_certificate: None,
                username_attribute: UsernameAttribute::default_for(server_type),
                bind_username: None,
                bind_password: None,
                // Checked below with the other fields.
                base_dn: input
                    .base_dn
                    .clone()
                    .ok_or_else(|| AdminError::invalid("ldap.base_dn", "is required"))?,
                user_filter: None,
                group_filter: None,
                domain: None,
                interval_minutes: LdapSettings::DEFAULT_INTERVAL_MINUTES,
                failure_threshold: LdapSettings::DEFAULT_FAILURE_THRESHOLD,
                consecutive_failures: 0,
                disabled_reason: None,
            }
        }
    };
    if let Some(enabled) = input.enabled {
        ldap.enabled = enabled;
        // Switched on again by an administrator: the failures that
        // switched it off are forgiven.
        if enabled {
            ldap.consecutive_failures = 0;
            ldap.disabled_reason = None;
        }
    }
    if let Some(raw) = &input.host {
        ldap.host = host("ldap.host", raw)?;
    }
    if let Some(raw) = &input.backup_host {
        ldap.backup_host = raw.as_deref().map(|raw| host("ldap.backup_host", raw)).transpose()?;
    }
    if let Some(raw) = &input.server_type {
        let server_type = field("ldap.server_type", LdapServerType::parse(raw))?;
        // The username attribute follows the server type while it is the
        // other type's default and none is given.
        if input.username_attribute.is_none()
            && ldap.username_attribute == UsernameAttribute::default_for(ldap.server_type)
        {
            ldap.username_attribute = UsernameAttribute::default_for(server_type);
        }
        ldap.server_type = server_type;
    }
    // The port follows the security while it is the other mode's default
    // (636 for LDAPS, 389 otherwise) and no port is given.
    if input.port.is_none() && ldap.port == ldap.security.default_port() {
        ldap.port = security.default_port();
    }
    ldap.security = security;
    if let Some(port) = input.port {
        if port == 0 {
            return Err(AdminError::invalid("ldap.port", "must be between 1 and 65535"));
        }
        ldap.port = port;
    }
    if let Some(raw) = &input.ca_certificate {
        ldap.ca_certificate = ca_certificate(raw.as_deref())?;
    }
    if let Some(raw) = &input.user_filter {
        ldap.user_filter = ldap_filter("ldap.user_filter", raw.as_deref())?;
    }
    if let Some(raw) = &input.group_filter {
        ldap.group_filter = ldap_filter("ldap.group_filter", raw.as_deref())?;
    }
    if let Some(raw) = &input.interval {
        let interval =
            super::input::duration("ldap.interval", raw, SignedDuration::from_hours(168))?;
        if interval < SignedDuration::from_mins(15) {
            return Err(AdminError::invalid("ldap.interval", "must be at least 15m"));
        }
        ldap.interval_minutes = u32::try_from(interval.as_mins())
            .map_err(|_| AdminError::invalid("ldap.interval", "is too long"))?;
    }
    if let Some(threshold) = input.failure_threshold {
        if !(1..=100).contains(&threshold) {
            return Err(AdminError::invalid("ldap.failure_threshold", "must be 1 to 100"));
        }
        ldap.failure_threshold = threshold;
    }
    if let Some(raw) = &input.username_attribute {
        ldap.username_attribute = field("ldap.username_attribute", UsernameAttribute::parse(raw))?;
    }
    if let Some(raw) = &input.bind_username {
        ldap.bind_username = optional_text("ldap.bind_username", raw.as_deref())?;
    }
    if let Some(raw) = &input.bind_password {
        if raw.as_ref().is_some_and(|password| password.expose().is_empty()) {
            return Err(AdminError::invalid(
                "ldap.bind_password",
                "must not be empty (send null to clear it)",
            ));
        }
        if let Some(password) = raw {
            no_nul("ldap.bind_password", password.expose())?;
        }
        ldap.bind_password = raw.clone();
    }
    if let Some(raw) = &input.base_dn {
        if raw.trim().is_empty() || raw.chars().any(char::is_control) {
            return Err(AdminError::invalid(
                "ldap.base_dn",
                "must not be empty or contain control characters",
            ));
        }
        ldap.base_dn = raw.clone();
    }
    if let Some(raw) = &input.domain {
        ldap.domain = optional_text("ldap.domain", raw.as_deref())?;
    }
    Ok(ldap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldap_needs_host_and_base_dn_and_picks_the_port() {
        let err = apply_ldap(None, &LdapInput::default()).unwrap_err();
        assert!(
            matches!(err, AdminError::Invalid { ref field, .. } if field == "ldap.host"),
            "{err:?}"
        );
        let input = LdapInput {
            host: Some("dc1.corp".into()),
            base_dn: Some("DC=corp".into()),
            ..LdapInput::default()
        };
        let ldap = apply_ldap(None, &input).unwrap();
        assert_eq!((ldap.port, ldap.security), (636, LdapSecurity::Ldaps));
        assert_eq!(ldap.username_attribute, UsernameAttribute::SamAccountName);
        let plain = LdapInput { secure: Some(false), ..input.clone() };
        assert_eq!(apply_ldap(None, &plain).unwrap().port, 389);
        let secured = apply_ldap(
            Some(apply_ldap(None, &plain).unwrap()),
            &LdapInput { secure: Some(true), ..LdapInput::default() },
        )
        .unwrap();
        assert_eq!((secured.port, secured.security), (636, LdapSecurity::Ldaps));
        let starttls = LdapInput { security: Some("starttls".into()), ..LdapInput::default() };
        let upgraded = apply_ldap(Some(secured), &starttls).unwrap();
        assert_eq!((upgraded.port, upgraded.security), (389, LdapSecurity::StartTls));
        let contradiction =
            LdapInput { security: Some("ldaps".into()), secure: Some(false), ..input.clone() };
        assert!(apply_ldap(None, &contradiction).is_err());
        let openldap = LdapInput { server_type: Some("openldap".into()), ..input.clone() };
        let created = apply_ldap(None, &openldap).unwrap();
        assert_eq!(created.username_attribute, UsernameAttribute::Uid, "OpenLDAP's default");
        let custom = LdapInput { port: Some(3268), ..plain.clone() };
        let kept = apply_ldap(
            Some(apply_ldap(None, &custom).unwrap()),
            &LdapInput { secure: Some(true), ..LdapInput::default() },
        )
        .unwrap();
        assert_eq!(kept.port, 3268);
    }

    #[test]
    fn filters_intervals_and_thresholds_are_checked() {
        assert!(ldap_filter("f", Some("(memberOf=cn=a,dc=x)")).unwrap().is_some());
        assert!(ldap_filter("f", Some(" (&(a=b)(c=d)) ")).is_ok());
        for bad in ["a=b", "(a=b", "(a=b))(", ")(", "(a=\u{7})"] {
            assert!(ldap_filter("f", Some(bad)).is_err(), "{bad}");
        }
        let base = LdapInput {
            host: Some("dc1.corp".into()),
            base_dn: Some("DC=corp".into()),
            ..LdapInput::default()
        };
        let with = |interval: &str| LdapInput { interval: Some(interval.into()), ..base.clone() };
        assert_eq!(apply_ldap(None, &with("2h")).unwrap().interval_minutes, 120);
        for bad in ["5m", "8d", "soon", "0"] {
            assert!(apply_ldap(None, &with(bad)).is_err(), "{bad}");
        }
        let threshold = |n: u32| LdapInput { failure_threshold: Some(n), ..base.clone() };
        assert!(apply_ldap(None, &threshold(0)).is_err());
        assert!(apply_ldap(None, &threshold(101)).is_err());
        assert_eq!(apply_ldap(None, &threshold(3)).unwrap().failure_threshold, 3);
        let ca = LdapInput { ca_certificate: Some(Some("not a certificate".into())), ..base };
        assert!(apply_ldap(None, &ca).is_err());
    }
}
