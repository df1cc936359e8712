//! A directory host from the settings (`dc1.corp.example`,
//! `dc1.corp.example:3269`, `10.0.0.5`, `[2001:db8::5]:636`) as the host
//! and port to connect to and the URL ldap3 is given. The host is checked
//! to be a host name or an IP address, so that nothing else (a path, a
//! user, a query) can slip into the URL.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use crate::{LdapError, Security};

/// One server to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    host: String,
    port: u16,
}

impl Address {
    /// Reads `text`; its own port wins over `port`, which wins over the
    /// default of `security` (636 for LDAPS, else 389).
    pub(crate) fn parse(
        text: &str,
        port: Option<u16>,
        security: Security,
    ) -> Result<Self, LdapError> {
        let refuse = |why: &str| LdapError::Settings(format!("the host {text:?} {why}"));
        let text = text.trim();
        let default = port.unwrap_or(match security {
            Security::Ldaps => 636,
            Security::StartTls | Security::Plain => 389,
        });
        let (host, own_port) = if let Some(rest) = text.strip_prefix('[') {
            let (inside, after) = rest.split_once(']').ok_or_else(|| refuse("lacks its `]`"))?;
            let ip: Ipv6Addr = inside.parse().map_err(|_| refuse("is not an IPv6 address"))?;
            let own_port = match after {
                "" => None,
                _ => Some(after.strip_prefix(':').ok_or_else(|| refuse("has text after `]`"))?),
            };
            (format!("[{ip}]"), own_port)
        } else if text.parse::<Ipv6Addr>().is_ok() {
            // A bare IPv6 address has colons of its own, so no port.
            (format!("[{text}]"), None)
        } else {
            let (host, own_port) = match text.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            if !is_host_name(host) && host.parse::<IpAddr>().is_err() {
                return Err(refuse("is not a host name or IP address"));
            }
            (host.to_ascii_lowercase(), own_port)
        };
        let port = match own_port {
            None => default,
            Some(digits) => match digits.parse::<u16>() {
                Ok(port) if port != 0 && digits.bytes().all(|b| b.is_ascii_digit()) => port,
                _ => return Err(refuse("has a port that is not 1 to 65535")),
            },
        };
        Ok(Address { host, port })
    }

    /// `ldaps://host:port` for LDAPS, else `ldap://host:port` (StartTLS
    /// is a setting of the connection, not a scheme).
    pub(crate) fn url(&self, security: Security) -> String {
        let scheme = match security {
            Security::Ldaps => "ldaps",
            Security::StartTls | Security::Plain => "ldap",
        };
        format!("{scheme}://{self}")
    }
}

impl fmt::Display for Address {
    /// `host:port`, the form a sync's outcome names the server in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// RFC 1123 host names: dot-separated labels of letters, digits and
/// hyphens (underscores too, which Windows names may hold).
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, port: Option<u16>, security: Security) -> String {
        Address::parse(text, port, security).unwrap().to_string()
    }

    #[test]
    fn ports_come_from_the_host_then_the_setting_then_the_security() {
        assert_eq!(parse("DC1.corp.example", None, Security::Ldaps), "dc1.corp.example:636");
        assert_eq!(parse("dc1.corp.example", None, Security::StartTls), "dc1.corp.example:389");
        assert_eq!(parse("dc1.corp.example", None, Security::Plain), "dc1.corp.example:389");
        assert_eq!(parse("dc1", Some(3269), Security::Ldaps), "dc1:3269");
        assert_eq!(parse("dc1:10636", Some(3269), Security::Ldaps), "dc1:10636");
        assert_eq!(parse(" 10.0.0.5 ", None, Security::Ldaps), "10.0.0.5:636");
        assert_eq!(parse("10.0.0.5:1389", None, Security::Plain), "10.0.0.5:1389");
        assert_eq!(parse("[2001:db8::5]:1636", None, Security::Ldaps), "[2001:db8::5]:1636");
        assert_eq!(parse("[2001:db8::5]", None, Security::Ldaps), "[2001:db8::5]:636");
        assert_eq!(parse("2001:db8::5", Some(1), Security::Plain), "[2001:db8::5]:1");
    }

    #[test]
    fn urls_name_the_scheme_of_the_security() {
        let address = Address::parse("dc1", None, Security::Ldaps).unwrap();
        assert_eq!(address.url(Security::Ldaps), "ldaps://dc1:636");
        assert_eq!(address.url(Security::StartTls), "ldap://dc1:636");
    }

    #[test]
    fn anything_but_a_host_is_refused() {
        for text in [
            "",
            "ldap://dc1",
            "dc1/path",
            "user@dc1",
            "dc1?x",
            "dc1:",
            "dc1:0",
            "dc1:65536",
            "dc1:+5",
            "dc 1",
            "-dc1",
            "dc1..corp",
            "[2001:db8::5",
            "[dc1]:5",
            "[2001:db8::5]x",
        ] {
            match Address::parse(text, None, Security::Ldaps) {
                Err(LdapError::Settings(message)) => assert!(message.contains("host"), "{message}"),
                other => panic!("{text:?} gave {other:?}"),
            }
        }
    }
}
