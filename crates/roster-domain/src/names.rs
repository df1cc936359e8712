//! Validated names: site slugs, usernames, e-mail addresses, group and
//! provider names, and free text such as a full name.
//!
//! Usernames and group names compare case-insensitively but keep the case
//! they were given (STYLE: never lose the case an identity provider sent).

use std::fmt;

use crate::InvalidValue;

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

fn check_length(s: &str, max: usize) -> Result<(), InvalidValue> {
    let count = s.chars().count();
    if count > max {
        return Err(InvalidValue::new(format!(
            "must be at most {max} characters long (got {count})"
        )));
    }
    Ok(())
}

/// Rejects the empty string, surrounding white space and control characters.
fn check_name(s: &str, max: usize) -> Result<(), InvalidValue> {
    if s.trim().is_empty() {
        return Err(InvalidValue::new("must not be empty"));
    }
    if s.trim() != s {
        return Err(InvalidValue::new("must not start or end with white space"));
    }
    if has_control(s) {
        return Err(InvalidValue::new("must not contain control characters"));
    }
    check_length(s, max)
}

/// The unique, URL-safe name of a site: its subdomain or path prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteSlug(String);

impl SiteSlug {
    pub const MAX_LEN: usize = 63;

    /// Lower-case letters, digits and inner hyphens, like a DNS label, so
    /// that the slug works as a subdomain.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::new("must not be empty"));
        }
        check_length(raw, Self::MAX_LEN)?;
        if !raw.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(InvalidValue::new(
                "may contain only lower-case letters a-z, digits and '-'",
            ));
        }
        if raw.starts_with('-') || raw.ends_with('-') {
            return Err(InvalidValue::new("must not start or end with '-'"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteSlug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A name that is unique in its site regardless of letter case.
macro_rules! case_insensitive_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            given: String,
            key: String,
        }

        impl $name {
            pub const MAX_LEN: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
                check_name(raw, Self::MAX_LEN)?;
                Ok(Self { given: raw.to_owned(), key: raw.to_lowercase() })
            }

            /// The name exactly as it was given.
            pub fn as_str(&self) -> &str {
                &self.given
            }

            /// The form that uniqueness and look-ups compare.
            pub fn key(&self) -> &str {
                &self.key
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.key == other.key
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.key.hash(state)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.given)
            }
        }
    };
}

case_insensitive_name!(
    /// A user's login name: unique in its site, compared case-insensitively.
    /// Identity providers send e-mail addresses, UPNs and `DOMAIN\user`
    /// forms, so any printable text without surrounding white space is
    /// accepted.
    Username,
    255
);

case_insensitive_name!(
    /// A group's name: unique in its site, compared case-insensitively so
    /// that group patterns (which match case-insensitively) are unambiguous.
    GroupName,
    255
);

/// The display name of an SSO provider, shown on the sign-in button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderName(String);

impl ProviderName {
    pub const MAX_LEN: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        check_name(raw, Self::MAX_LEN)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address. Deliberately permissive (identity providers hold
/// addresses no regular expression agrees on) but always `local@domain`
/// without white space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        check_length(raw, Self::MAX_LEN)?;
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(InvalidValue::new("must not contain white space or control characters"));
        }
        let Some((local, domain)) = raw.rsplit_once('@') else {
            return Err(InvalidValue::new("must look like name@example.com"));
        };
        if local.is_empty() || domain.is_empty() || domain.starts_with('.') || domain.ends_with('.')
        {
            return Err(InvalidValue::new("must look like name@example.com"));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text such as a full name or a company: anything printable, at most
/// a few hundred characters, and never only white space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayText(String);

impl DisplayText {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.trim().is_empty() {
            return Err(InvalidValue::new("must not be empty (send null to clear it)"));
        }
        if has_control(raw) {
            return Err(InvalidValue::new("must not contain control characters"));
        }
        check_length(raw, Self::MAX_LEN)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name of a SAML attribute an identity provider sends: a short name
/// (`email`, `User.FirstName`) or a URI (Entra ID's claim URIs, `urn:oid:`
/// names), compared without letter case. No white space: no IdP's
/// attribute names have any, and a stray space would never match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeName(String);

impl AttributeName {
    pub const MAX_LEN: usize = 1024;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::new("must not be empty (send null for the presets)"));
        }
        if raw.chars().any(char::is_whitespace) || has_control(raw) {
            return Err(InvalidValue::new("must not contain white space or control characters"));
        }
        check_length(raw, Self::MAX_LEN)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names() {
        for ok in ["email", "User.FirstName", "urn:oid:2.5.4.42", "http://schemas.xmlsoap.org/x"] {
            assert_eq!(AttributeName::parse(ok).unwrap().as_str(), ok);
        }
        for bad in ["", " ", "first name", "email\n", "a\0", &"a".repeat(1025)] {
            assert!(AttributeName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn slugs() {
        for ok in ["acme", "a", "acme-corp", "x1", "0-0"] {
            assert!(SiteSlug::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Acme", "-acme", "acme-", "ac me", "acmé", "a_b", &"a".repeat(64)] {
            assert!(SiteSlug::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn usernames_keep_case_and_compare_without_it() {
        let a = Username::parse("Alice@Example.com").unwrap();
        let b = Username::parse("alice@example.COM").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "Alice@Example.com");
        assert_eq!(a.key(), "alice@example.com");
        assert_eq!(Username::parse("ÉMILE").unwrap().key(), "émile");
    }

    #[test]
    fn usernames_rejected() {
        for bad in ["", " ", " alice", "alice ", "al\nice", "a\u{0}"] {
            let err = Username::parse(bad).unwrap_err();
            assert!(!err.0.is_empty(), "{bad:?}");
        }
        assert!(Username::parse(&"x".repeat(256)).is_err());
        assert!(Username::parse(&"x".repeat(255)).is_ok());
        assert!(Username::parse("CORP\\alice").is_ok());
    }

    #[test]
    fn emails() {
        for ok in ["a@b", "first.last+tag@example.co.uk", "x@localhost"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "@b", "a@", "a b@c", "a@.b", "a@b."] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_text() {
        assert!(DisplayText::parse("Ada Lovelace").is_ok());
        assert!(DisplayText::parse("  ").is_err());
        assert!(DisplayText::parse("a\tb").is_err());
    }
}
