//! Writing the history log (SPEC §7) from every area: a use case collects
//! what it changed in a [`History`] and writes it as the last step before
//! its commit, in the same transaction, so a rolled-back change leaves no
//! entry and a committed one always has its entries. The pure part (which
//! fields changed, which action that is) is `roster_domain::history`.

use jiff::Timestamp;
use roster_domain::history::{
    self, Action, FieldChange, Interface, group_created, user_change_actions, user_created,
};
use roster_domain::{
    Group, GroupId, Provider, ProviderId, ProviderName, SiteId, User, UserId, Username,
};
use roster_store::{HistoryRepo, NewHistory, StoreError};
use serde_json::json;

use crate::Principal;

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    /// An operator: an operator admin key, or the CLI on the server.
    Operator,
    /// A site's admin key.
    SiteKey,
    /// A signed-in person (an administrator, or the person signing in).
    User { id: UserId, name: Option<Username> },
    /// An identity provider: its SCIM client, its SAML assertions, its
    /// directory.
    Provider { id: ProviderId, name: Option<ProviderName> },
    /// Someone not signed in (a refused password sign-in).
    Anonymous,
    /// A user lifecycle rule, by id.
    Rule { id: String },
    /// Someone who opened a set-up link, by the link's id.
    SetupLink { id: String },
}

impl Actor {
    pub(crate) fn of(who: &Principal) -> Self {
        match who {
            Principal::Operator => Self::Operator,
            Principal::SiteKey(_) => Self::SiteKey,
            Principal::Person(person) => Self::User { id: person.user.clone(), name: None },
            Principal::SetupLink(grant) => Self::SetupLink { id: grant.link.clone() },
        }
    }

    fn parts(&self) -> (&'static str, Option<String>, Option<String>) {
        match self {
            Self::Operator => ("operator", None, None),
            Self::SiteKey => ("site_key", None, None),
            Self::User { id, name } => (
                "user",
                Some(id.as_str().to_owned()),
                name.as_ref().map(|name| name.as_str().to_owned()),
            ),
            Self::Provider { id, name } => (
                "provider",
                Some(id.as_str().to_owned()),
                name.as_ref().map(|name| name.as_str().to_owned()),
            ),
            Self::Anonymous => ("anonymous", None, None),
            Self::Rule { id } => ("lifecycle_rule", Some(id.clone()), None),
            Self::SetupLink { id } => ("setup_link", Some(id.clone()), None),
        }
    }
}

/// What an entry is about.
struct Target {
    kind: &'static str,
    id: Option<String>,
    name: Option<String>,
}

impl Target {
    fn user(user: &User) -> Self {
        Self {
            kind: "user",
            id: Some(user.id.as_str().to_owned()),
            name: Some(user.username.as_str().to_owned()),
        }
    }

    fn group(id: &GroupId, name: &str) -> Self {
        Self { kind: "group", id: Some(id.as_str().to_owned()), name: Some(name.to_owned()) }
    }
}

/// The entries of one transaction, for one site.
pub(crate) struct History {
    site: SiteId,
    interface: Interface,
    actor: Actor,
    at: Timestamp,
    entries: Vec<NewHistory>,
}

fn changes_json(changes: &[FieldChange]) -> String {
    let items: Vec<serde_json::Value> = changes
        .iter()
        .map(|change| json!({ "field": change.field, "before": change.before, "after": change.after }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

impl History {
    pub(crate) fn new(site: &SiteId, interface: Interface, actor: Actor, at: Timestamp) -> Self {
        Self { site: site.clone(), interface, actor, at, entries: Vec::new() }
    }

    fn push(
        &mut self,
        action: Action,
        target: Option<Target>,
        reason: Option<String>,
        changes: &[FieldChange],
    ) {
        let (actor_kind, actor_id, actor_name) = self.actor.parts();
        let (target_kind, target_id, target_name) = match target {
            Some(target) => (Some(target.kind.to_owned()), target.id, target.name),
            None => (None, None, None),
        };
        self.entries.push(NewHistory {
            at: self.at,
            interface: self.interface.as_str().to_owned(),
            actor_kind: actor_kind.to_owned(),
            actor_id,
            actor_name,
            target_kind,
            target_id,
            target_name,
            action: action.as_str().to_owned(),
            reason,
            changes: changes_json(changes),
        });
    }

    pub(crate) fn user_created(&mut self, user: &User) {
        self.push(Action::Created, Some(Target::user(user)), None, &user_created(user));
    }

    /// Nothing when nothing the history shows changed.
    pub(crate) fn user_changed(&mut self, before: &User, after: &User) {
        for (action, changes) in user_change_actions(before, after) {
            self.push(action, Some(Target::user(after)), None, &changes);
        }
    }

    pub(crate) fn user_deleted(&mut self, user: &User) {
        self.push(Action::Deleted, Some(Target::user(user)), None, &[]);
    }

    pub(crate) fn group_created(&mut self, group: &Group) {
        let target = Target::group(&group.id, group.name.as_str());
        self.push(Action::Created, Some(target), None, &group_created(group));
    }

    pub(crate) fn group_changed(&mut self, before: &Group, after: &Group) {
        let changes = history::group_changes(before, after);
        if !changes.is_empty() {
            let target = Target::group(&after.id, after.name.as_str());
            self.push(Action::Updated, Some(target), None, &changes);
        }
    }

    pub(crate) fn group_deleted(&mut self, id: &GroupId, name: &str) {
        self.push(Action::Deleted, Some(Target::group(id, name)), None, &[]);
    }

    /// A member joined or left a group; the member is named in the change.
    pub(crate) fn membership(
        &mut self,
        group: &GroupId,
        group_name: &str,
        member: &str,
        added: bool,
    ) {
        let (action, before, after) = if added {
            (Action::MemberAdded, None, Some(member.to_owned()))
        } else {
            (Action::MemberRemoved, Some(member.to_owned()), None)
        };
        let change = FieldChange { field: "member", before, after };
        self.push(action, Some(Target::group(group, group_name)), None, &[change]);
    }

    pub(crate) fn signed_in(&mut self, user: &User) {
        self.push(Action::SignedIn, Some(Target::user(user)), None, &[]);
    }

    /// A refused sign-in, of a known user or of a name nobody has.
    pub(crate) fn sign_in_refused(&mut self, user: Option<&User>, name: &str, reason: &str) {
        let target = match user {
            Some(user) => Target::user(user),
            None => Target { kind: "user", id: None, name: Some(name.to_owned()) },
        };
        self.push(Action::SignInRefused, Some(target), Some(reason.to_owned()), &[]);
    }

    /// A credential made or reset: a SCIM credential of a provider, a
    /// user's password or second factor. `what` says which.
    pub(crate) fn credential(
        &mut self,
        action: Action,
        kind: &'static str,
        id: &str,
        name: &str,
        what: &str,
    ) {
        let target = Target { kind, id: Some(id.to_owned()), name: Some(name.to_owned()) };
        let change =
            FieldChange { field: "credential", before: None, after: Some(what.to_owned()) };
        self.push(action, Some(target), None, &[change]);
    }

    /// A provider's SAML trust was set; the change names the methods
    /// before and after (the trust itself is in the provider's record).
    pub(crate) fn saml_trust_set(&mut self, provider: &Provider, before: &str) {
        let target = Target {
            kind: "provider",
            id: Some(provider.id.as_str().to_owned()),
            name: Some(provider.name.as_str().to_owned()),
        };
        let change = FieldChange {
            field: "saml_trust",
            before: Some(before.to_owned()),
            after: Some(provider.saml.mode().to_owned()),
        };
        self.push(Action::Updated, Some(target), None, &[change]);
    }

    /// A set-up link made, opened or revoked.
    pub(crate) fn setup_link(&mut self, action: Action, id: &str, provider: &ProviderName) {
        let target = Target {
            kind: "setup_link",
            id: Some(id.to_owned()),
            name: Some(provider.as_str().to_owned()),
        };
        self.push(action, Some(target), None, &[]);
    }

    /// When the changes happen.
    pub(crate) fn at(&self) -> Timestamp {
        self.at
    }

    /// Appends the entries: the last statement before the commit.
    pub(crate) async fn write(self, tx: &mut (impl HistoryRepo + Send)) -> Result<(), StoreError> {
        tx.append_history(&self.site, &self.entries).await
    }
}
