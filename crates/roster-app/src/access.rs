//! Who is calling, and which sites they may see and change.
//!
//! An operator (an operator admin key, or the CLI, whose user can read the
//! database anyway) manages every site. A site admin key sees exactly one
//! site: any other site answers "not found", so a key cannot even learn
//! which other sites exist. A person signed in to a site's console sees
//! that site only; a read-only site administrator sees everything in it
//! and changes nothing.

use roster_domain::{SiteId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An operator key, or the CLI.
    Operator,
    /// A site admin key.
    SiteKey(SiteId),
    /// A person with a session in a site's console.
    Person(SignedIn),
}

/// A signed-in site administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub site: SiteId,
    pub user: UserId,
    pub role: AdminRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminRole {
    SiteAdmin,
    /// Sees everything in the site and changes nothing.
    ReadOnlySiteAdmin,
}

/// Why a principal may not do something it can see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The action needs an operator (creating or deleting sites, operator
    /// keys); the caller holds a site key.
    SiteKeyNotOperator,
    /// The action needs an operator; the caller is a signed-in person.
    PersonNotOperator,
    /// A read-only site administrator asked for a change.
    ReadOnly,
}

impl Principal {
    /// Whether the principal may see `site` at all.
    pub fn sees(&self, site: &SiteId) -> bool {
        match self {
            Self::Operator => true,
            Self::SiteKey(own) => own == site,
            Self::Person(person) => &person.site == site,
        }
    }

    /// The one site the principal is confined to; `None` for an operator.
    pub fn own_site(&self) -> Option<&SiteId> {
        match self {
            Self::Operator => None,
            Self::SiteKey(own) => Some(own),
            Self::Person(person) => Some(&person.site),
        }
    }

    /// Whether the principal may change what it sees.
    pub fn may_change(&self) -> Result<(), Denied> {
        match self {
            Self::Operator | Self::SiteKey(_) => Ok(()),
            Self::Person(SignedIn { role: AdminRole::SiteAdmin, .. }) => Ok(()),
            Self::Person(SignedIn { role: AdminRole::ReadOnlySiteAdmin, .. }) => {
                Err(Denied::ReadOnly)
            }
        }
    }

    pub fn require_operator(&self) -> Result<(), Denied> {
        match self {
            Self::Operator => Ok(()),
            Self::SiteKey(_) => Err(Denied::SiteKeyNotOperator),
            Self::Person(_) => Err(Denied::PersonNotOperator),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(site: &str, role: AdminRole) -> Principal {
        Principal::Person(SignedIn {
            site: SiteId::from_raw(site),
            user: UserId::from_raw("u1"),
            role,
        })
    }

    #[test]
    fn each_principal_sees_and_changes_what_it_should() {
        let acme = SiteId::from_raw("acme");
        let other = SiteId::from_raw("other");
        let read_only = person("acme", AdminRole::ReadOnlySiteAdmin);
        let admin = person("acme", AdminRole::SiteAdmin);
        let key = Principal::SiteKey(acme.clone());

        assert!(Principal::Operator.sees(&other));
        for principal in [&read_only, &admin, &key] {
            assert!(principal.sees(&acme), "{principal:?}");
            assert!(!principal.sees(&other), "{principal:?}");
            assert_eq!(principal.own_site(), Some(&acme));
        }
        assert_eq!(key.require_operator(), Err(Denied::SiteKeyNotOperator));
        assert_eq!(admin.require_operator(), Err(Denied::PersonNotOperator));
        assert_eq!(read_only.require_operator(), Err(Denied::PersonNotOperator));
        assert_eq!(read_only.may_change(), Err(Denied::ReadOnly));
        assert_eq!(admin.may_change(), Ok(()));
        assert_eq!(key.may_change(), Ok(()));
        assert_eq!(Principal::Operator.require_operator(), Ok(()));
    }
}
