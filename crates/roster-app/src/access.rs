//! Who is calling, and which sites they may see and change.
//!
//! An operator (an operator admin key, or the CLI, whose user can read the
//! database anyway) manages every site. A site admin key sees exactly one
//! site: any other site answers "not found", so a key cannot even learn
//! which other sites exist. A person signed in to a site's console sees
//! that site only; a read-only site administrator sees everything in it
//! and changes nothing.
//!
//! A set-up link (someone who opened one) is denied by default: it sees
//! no site, so every admin use case answers "not found" for it, except
//! those that check [`Principal::sees_provider`]: reading its one
//! provider, setting that provider's SAML trust and SCIM credential.

use roster_domain::{ProviderId, SiteId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An operator key, or the CLI.
    Operator,
    /// A site admin key.
    SiteKey(SiteId),
    /// A person with a session in a site's console.
    Person(SignedIn),
    /// Someone who opened a set-up link: one provider of one site.
    SetupLink(SetupGrant),
}

/// What an opened set-up link allows: configuring one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupGrant {
    pub site: SiteId,
    pub provider: ProviderId,
    /// The link's id, which the history log names as the actor.
    pub link: String,
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
    /// A set-up link asked for more than setting up its provider.
    SetupLink,
}

impl Principal {
    /// Whether the principal may see `site` at all.
    pub fn sees(&self, site: &SiteId) -> bool {
        match self {
            Self::Operator => true,
            Self::SiteKey(own) => own == site,
            Self::Person(person) => &person.site == site,
            // Denied by default: a link sees only what names its provider.
            Self::SetupLink(_) => false,
        }
    }

    /// Whether the principal may see `provider` of `site`: whoever sees
    /// the site, and a set-up link for that provider.
    pub fn sees_provider(&self, site: &SiteId, provider: &ProviderId) -> bool {
        match self {
            Self::SetupLink(grant) => &grant.site == site && &grant.provider == provider,
            Self::Operator | Self::SiteKey(_) | Self::Person(_) => self.sees(site),
        }
    }

    /// Whether the principal may set up a provider it sees (its SAML
    /// trust, its SCIM credential): whoever may change the site, and a
    /// set-up link.
    pub fn may_set_up_provider(&self) -> Result<(), Denied> {
        match self {
            Self::SetupLink(_) => Ok(()),
            Self::Operator | Self::SiteKey(_) | Self::Person(_) => self.may_change(),
        }
    }

    /// Whether the principal may change a provider beyond setting it up
    /// (its name, sign-in and provisioning options, LDAP settings,
    /// switching SCIM off): not a set-up link.
    pub fn may_reconfigure_provider(&self) -> Result<(), Denied> {
        match self {
            Self::SetupLink(_) => Err(Denied::SetupLink),
            Self::Operator | Self::SiteKey(_) | Self::Person(_) => self.may_change(),
        }
    }

    /// The one site the principal is confined to; `None` for an operator.
    pub fn own_site(&self) -> Option<&SiteId> {
        match self {
            Self::Operator => None,
            Self::SiteKey(own) => Some(own),
            Self::Person(person) => Some(&person.site),
            Self::SetupLink(grant) => Some(&grant.site),
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
            Self::SetupLink(_) => Err(Denied::SetupLink),
        }
    }

    pub fn require_operator(&self) -> Result<(), Denied> {
        match self {
            Self::Operator => Ok(()),
            Self::SiteKey(_) => Err(Denied::SiteKeyNotOperator),
            Self::Person(_) => Err(Denied::PersonNotOperator),
            Self::SetupLink(_) => Err(Denied::SetupLink),
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

    #[test]
    fn a_set_up_link_sees_its_one_provider_and_nothing_else() {
        let acme = SiteId::from_raw("acme");
        let other = SiteId::from_raw("other");
        let okta = ProviderId::from_raw("okta");
        let entra = ProviderId::from_raw("entra");
        let link = Principal::SetupLink(SetupGrant {
            site: acme.clone(),
            provider: okta.clone(),
            link: "l1".into(),
        });

        assert!(!link.sees(&acme), "a link sees no site, its own included");
        assert!(!link.sees(&other));
        assert!(link.sees_provider(&acme, &okta));
        assert!(!link.sees_provider(&acme, &entra));
        assert!(!link.sees_provider(&other, &okta), "the same provider id in another site");
        assert_eq!(link.may_set_up_provider(), Ok(()));
        assert_eq!(link.may_reconfigure_provider(), Err(Denied::SetupLink));
        assert_eq!(link.may_change(), Err(Denied::SetupLink));
        assert_eq!(link.require_operator(), Err(Denied::SetupLink));

        // Everyone else sees providers as it sees their site.
        let read_only = person("acme", AdminRole::ReadOnlySiteAdmin);
        let admin = person("acme", AdminRole::SiteAdmin);
        let key = Principal::SiteKey(acme.clone());
        for principal in [&read_only, &admin, &key, &Principal::Operator] {
            assert!(principal.sees_provider(&acme, &entra), "{principal:?}");
        }
        assert!(!key.sees_provider(&other, &okta));
        assert_eq!(read_only.may_set_up_provider(), Err(Denied::ReadOnly));
        assert_eq!(read_only.may_reconfigure_provider(), Err(Denied::ReadOnly));
        assert_eq!(admin.may_set_up_provider(), Ok(()));
        assert_eq!(key.may_reconfigure_provider(), Ok(()));
    }
}
