//! SCIM Groups (RFC 7644 §3.3-3.6): the groups a provider's client created
//! (a local group with the same name is never adopted, SPEC §3), with
//! members that are users or groups it manages. Membership is written as
//! deltas, never by rewriting the member list. The provider's options
//! decide (SPEC §4) whether a group is in scope, whether member additions
//! and removals apply, and which roles follow from the memberships.

use std::collections::{BTreeSet, HashMap};

use roster_domain::policy::member_change_applies;
use roster_domain::{Group, GroupId, ProvisioningOptions, UserId};
use roster_scim::schema::GROUP_RESOURCE;
use roster_scim::{ListQuery, Projection, RequestKind, ScimError, Verdict, normalize, project};
use roster_store::{
    GroupRepo, Member, NamedMember, ScimGroup, ScimGroupRepo, ScimQuery, Transaction,
};
use serde_json::{Value, json};

use super::call::{ListPage, ScimAnswer, ScimCall};
use super::error::taken_meanwhile;
use super::mapping::{group_fields, group_resource, member_refs, typed_member};
use super::{Scim, ScimFailure, ScimTx, dialect};
use crate::history::History;
use crate::provisioning::{follow_group_change, group_state};

/// The users among `members`.
fn user_ids<'a>(members: impl IntoIterator<Item = &'a Member>) -> Vec<UserId> {
    members
        .into_iter()
        .filter_map(|m| match m {
            Member::User(id) => Some(id.clone()),
            Member::Group(_) => None,
        })
        .collect()
}

/// Records members added to or removed from a group.
fn record_members(history: &mut History, group: &Group, members: &[Member], added: bool) {
    for member in members {
        let shown = match member {
            Member::User(id) => id.as_str().to_owned(),
            Member::Group(id) => format!("group:{}", id.as_str()),
        };
        history.membership(&group.id, group.name.as_str(), &shown, added);
    }
}

/// A group as it was and the members a write added and removed.
struct MemberChange<'a> {
    before: &'a Group,
    added: &'a [Member],
    removed: &'a [Member],
    now: jiff::Timestamp,
}

/// The history of a PUT or PATCH of `group`, with what follows from the
/// memberships of the `affected` users under the options.
async fn record_change(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    options: &ProvisioningOptions,
    group: &Group,
    change: MemberChange<'_>,
    affected: &[UserId],
) -> Result<History, ScimFailure> {
    let mut history = call.history(change.now);
    history.group_changed(change.before, group);
    record_members(&mut history, group, change.added, true);
    record_members(&mut history, group, change.removed, false);
    follow_memberships(tx, &mut history, call, options, Some(group), affected).await?;
    Ok(history)
}

/// The membership changes the options let through: additions under
/// "provision group memberships", removals under "de-provision group
/// memberships".
fn allowed(
    options: &ProvisioningOptions,
    added: Vec<Member>,
    removed: Vec<Member>,
) -> (Vec<Member>, Vec<Member>) {
    let added = if member_change_applies(options, true) { added } else { Vec::new() };
    let removed = if member_change_applies(options, false) { removed } else { Vec::new() };
    (added, removed)
}

/// What follows from a group's memberships under the options (see
/// [`follow_group_change`]).
async fn follow_memberships(
    tx: &mut impl ScimTx,
    history: &mut History,
    call: &ScimCall<'_>,
    options: &ProvisioningOptions,
    group: Option<&Group>,
    users: &[UserId],
) -> Result<(), ScimFailure> {
    let (site, provider) = (&call.scope.site, &call.scope.provider);
    Ok(follow_group_change(tx, history, site, provider, options, group, users).await?)
}

fn not_found(id: &str) -> ScimFailure {
    ScimFailure::Refused(super::not_found(&GROUP_RESOURCE, id))
}

async fn load(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    id: &str,
) -> Result<ScimGroup, ScimFailure> {
    let Some(id) = crate::ids::opaque_id(id) else { return Err(not_found(id)) };
    tx.scim_group(call.scope, &GroupId::from_raw(id)).await?.ok_or_else(|| not_found(id))
}

/// Refuses a name another group of the site has, local or not.
async fn ensure_free(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    group: &Group,
) -> Result<(), ScimFailure> {
    match tx.group_by_name(&call.scope.site, &group.name).await? {
        Some(existing) if existing.id != group.id => Err(name_taken(group).into()),
        _ => Ok(()),
    }
}

fn name_taken(group: &Group) -> ScimError {
    ScimError::uniqueness(format!(
        "a group named {:?} already exists in this site (group names ignore letter case)",
        group.name.as_str()
    ))
}

/// Turns `(value, type)` references into members this client manages. A
/// reference without a type is a user if such a user exists, else a group.
async fn resolve(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    refs: &[(String, Option<String>)],
) -> Result<Vec<Member>, ScimFailure> {
    let mut candidates = Vec::with_capacity(refs.len());
    for (id, kind) in refs {
        if crate::ids::opaque_id(id).is_none() {
            return Err(
                ScimError::invalid_value(format!("members: {id:?} is not a member id")).into()
            );
        }
        match typed_member(id, kind.as_deref()) {
            Some(member) => candidates.push(member),
            None if kind.is_some() => {
                return Err(ScimError::invalid_value(format!(
                    "members: the type of {id:?} must be User or Group, not {:?}",
                    kind.as_deref().unwrap_or_default()
                ))
                .into());
            }
            None => {
                candidates.push(Member::User(roster_domain::UserId::from_raw(id.as_str())));
                candidates.push(Member::Group(GroupId::from_raw(id.as_str())));
            }
        }
    }
    let existing: BTreeSet<Member> =
        tx.existing_members(call.scope, &candidates).await?.into_iter().collect();
    let mut members = Vec::with_capacity(refs.len());
    for (id, kind) in refs {
        let user = Member::User(roster_domain::UserId::from_raw(id.as_str()));
        let group = Member::Group(GroupId::from_raw(id.as_str()));
        let found = match typed_member(id, kind.as_deref()) {
            Some(member) => existing.contains(&member).then_some(member),
            None if existing.contains(&user) => Some(user),
            None => existing.contains(&group).then_some(group),
        };
        match found {
            Some(member) if !members.contains(&member) => members.push(member),
            Some(_) => {}
            None => {
                return Err(ScimError::invalid_value(format!(
                    "members: there is no User or Group with id {id:?} that this client manages"
                ))
                .into());
            }
        }
    }
    Ok(members)
}

/// Reads and applies before the writer, then writes; how many times a
/// PATCH tries so before it reads under the writer (a group that changes
/// between its read and its write is read again).
const PATCH_ATTEMPTS: usize = 3;

/// A PATCH applied to the group as read: what the writer needs.
struct PatchPlan {
    group: ScimGroup,
    before: Group,
    members: Vec<NamedMember>,
    outcome: roster_scim::PatchOutcome,
}

/// Reads the group and its members this client manages (a filtered
/// `remove` or a `replace` of `members` reaches only those) and applies
/// the operations. The preconditions are checked now and, through the
/// version, again by the writer.
async fn plan_patch(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    id: &str,
    request: &roster_scim::PatchRequest,
) -> Result<PatchPlan, ScimFailure> {
    let group = load(tx, call, id).await?;
    call.check(RequestKind::Write, group.version)?;
    let members = tx.managed_members(call.scope, &group.group.id).await?;
    let current = group_resource(&group, Some(&members), call.base);
    let outcome = dialect::apply_patch(call.scope.kind, &GROUP_RESOURCE, &current, request)?;
    Ok(PatchPlan { before: group.group.clone(), group, members, outcome })
}

/// A PATCH's answer: 204, or the group when the client asked for
/// attributes.
async fn answer_patch(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    group: &ScimGroup,
) -> Result<ScimAnswer, ScimFailure> {
    let wants_body = call.params.iter().any(|(k, _)| {
        k.eq_ignore_ascii_case("attributes") || k.eq_ignore_ascii_case("excludedAttributes")
    });
    if wants_body { respond(tx, call, group, false).await } else { Ok(ScimAnswer::NoContent) }
}

/// Whether a response would show `members` (so they are worth loading).
fn shows_members(projection: &Projection) -> bool {
    let member = json!({ "value": "x", "$ref": "x", "type": "User", "display": "x" });
    let probe = json!({ "schemas": [GROUP_RESOURCE.schema.id], "id": "x", "displayName": "x", "members": [member] });
    project(&GROUP_RESOURCE, &probe, projection).get("members").is_some()
}

async fn respond(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    group: &ScimGroup,
    created: bool,
) -> Result<ScimAnswer, ScimFailure> {
    let projection = call.projection(&GROUP_RESOURCE)?;
    let members = if shows_members(&projection) {
        Some(tx.managed_members(call.scope, &group.group.id).await?)
    } else {
        None
    };
    let body = project(
        &GROUP_RESOURCE,
        &group_resource(group, members.as_deref(), call.base),
        &projection,
    );
    Ok(ScimAnswer::Resource { created, body })
}

impl Scim<'_> {
    /// `POST /Groups`.
    pub(super) async fn create_group(
        &self,
        call: &ScimCall<'_>,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let resource = normalize(&GROUP_RESOURCE, &dialect::resource(&GROUP_RESOURCE, body))?;
        let (name, external_id) = group_fields(&resource)?;
        call.projection(&GROUP_RESOURCE)?;
        let now = self.now();
        let mut tx = self.write().await?;
        let options = call.scope.options.clone();
        let group = Group {
            id: GroupId::from_raw(uuid::Uuid::new_v4().to_string()),
            site_id: call.scope.site.clone(),
            state: group_state(&options, &name),
            name,
            managed_by: Some(call.scope.provider.clone()),
            created_at: now,
            updated_at: now,
        };
        ensure_free(&mut tx, call, &group).await?;
        let members = resolve(&mut tx, call, &member_refs(&resource)).await?;
        let (members, _) = allowed(&options, members, Vec::new());
        let stored = ScimGroup { group, external_id, version: 1 };
        // A concurrent write may take the name after `ensure_free`.
        tx.insert_scim_group(&stored)
            .await
            .map_err(taken_meanwhile(|| name_taken(&stored.group)))?;
        tx.add_members(&call.scope.site, &stored.group.id, &members, now).await?;
        let mut history = call.history(now);
        history.group_created(&stored.group);
        record_members(&mut history, &stored.group, &members, true);
        follow_memberships(
            &mut tx,
            &mut history,
            call,
            &options,
            Some(&stored.group),
            &user_ids(&members),
        )
        .await?;
        let answer = respond(&mut tx, call, &stored, true).await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// `GET /Groups/{id}`.
    pub(super) async fn get_group(
        &self,
        call: &ScimCall<'_>,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        let mut tx = self.read().await?;
        let group = load(&mut tx, call, id).await?;
        if call.check(RequestKind::Read, group.version)? == Verdict::NotModified {
            return Ok(ScimAnswer::NotModified);
        }
        respond(&mut tx, call, &group, false).await
    }

    /// `PUT /Groups/{id}`: name and members replaced; members change by
    /// the difference only.
    pub(super) async fn replace_group(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let resource = normalize(&GROUP_RESOURCE, &dialect::resource(&GROUP_RESOURCE, body))?;
        let (name, external_id) = group_fields(&resource)?;
        call.projection(&GROUP_RESOURCE)?;
        let now = self.now();
        let mut tx = self.write().await?;
        let mut group = load(&mut tx, call, id).await?;
        call.check(RequestKind::Write, group.version)?;
        let options = call.scope.options.clone();
        let before = group.group.clone();
        let renamed = name != group.group.name;
        group.group.state = group_state(&options, &name);
        group.group.name = name;
        group.group.updated_at = now;
        group.external_id = external_id;
        ensure_free(&mut tx, call, &group.group).await?;
        let wanted: BTreeSet<Member> =
            resolve(&mut tx, call, &member_refs(&resource)).await?.into_iter().collect();
        let site = call.scope.site.clone();
        // Only the members this client manages: the others are not in its
        // view, so a PUT neither shows nor removes them (SPEC §3).
        let current: BTreeSet<Member> = tx
            .managed_members(call.scope, &group.group.id)
            .await?
            .into_iter()
            .map(|m| m.member)
            .collect();
        let (added, removed) = allowed(
            &options,
            wanted.difference(&current).cloned().collect(),
            current.difference(&wanted).cloned().collect(),
        );
        tx.add_members(&site, &group.group.id, &added, now).await?;
        tx.remove_members(&site, &group.group.id, &removed).await?;
        group.version = tx
            .update_scim_group(&group)
            .await
            .map_err(taken_meanwhile(|| name_taken(&group.group)))?;
        // A new name may match other mappings: every member is affected.
        let affected = if renamed {
            user_ids(current.union(&wanted))
        } else {
            user_ids(added.iter().chain(&removed))
        };
        let change = MemberChange { before: &before, added: &added, removed: &removed, now };
        let history =
            record_change(&mut tx, call, &options, &group.group, change, &affected).await?;
        let answer = respond(&mut tx, call, &group, false).await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// `PATCH /Groups/{id}`: answered with 204 unless the client asks for
    /// attributes, so that member changes of large groups stay cheap.
    ///
    /// The operations are applied to the group as a reader sees it, outside
    /// the single writer of SQLite (applying 50 member changes to a group of
    /// 500 takes milliseconds); the writer then only checks that the group
    /// is still at the version read and writes the differences. A group
    /// changed in between is read again; after [`PATCH_ATTEMPTS`] such
    /// races the last attempt reads and writes under the writer.
    pub(super) async fn patch_group(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let request = dialect::patch(&GROUP_RESOURCE, body)?;
        call.projection(&GROUP_RESOURCE)?;
        for _ in 1..PATCH_ATTEMPTS {
            let mut reader = self.read().await?;
            let plan = plan_patch(&mut reader, call, id, &request).await?;
            if !plan.outcome.changed {
                return answer_patch(&mut reader, call, &plan.group).await;
            }
            drop(reader);
            let mut tx = self.write().await?;
            if load(&mut tx, call, id).await?.version != plan.group.version {
                continue;
            }
            return self.write_patch(tx, call, plan).await;
        }
        let mut tx = self.write().await?;
        let plan = plan_patch(&mut tx, call, id, &request).await?;
        if !plan.outcome.changed {
            return answer_patch(&mut tx, call, &plan.group).await;
        }
        self.write_patch(tx, call, plan).await
    }

    /// Writes a planned PATCH whose group is still at the version planned
    /// on, and commits.
    async fn write_patch(
        &self,
        mut tx: impl ScimTx,
        call: &ScimCall<'_>,
        plan: PatchPlan,
    ) -> Result<ScimAnswer, ScimFailure> {
        let now = self.now();
        let options = call.scope.options.clone();
        let site = call.scope.site.clone();
        let PatchPlan { mut group, before, members, outcome } = plan;
        let (name, external_id) = group_fields(&outcome.resource)?;
        let new_name = name.as_str() != group.group.name.as_str();
        let renamed = new_name || external_id != group.external_id;
        group.group.state = group_state(&options, &name);
        group.group.name = name;
        group.external_id = external_id;
        group.group.updated_at = now;
        if renamed {
            ensure_free(&mut tx, call, &group.group).await?;
        }
        let added_refs: Vec<(String, Option<String>)> = outcome
            .members_added
            .iter()
            .filter_map(|m| {
                let value = m.get("value").and_then(Value::as_str)?;
                Some((value.to_owned(), m.get("type").and_then(Value::as_str).map(str::to_owned)))
            })
            .collect();
        // Repeated under the writer: a member may have gone meanwhile.
        let added = resolve(&mut tx, call, &added_refs).await?;
        let by_id: HashMap<&str, &Member> = members
            .iter()
            .map(|m| match &m.member {
                Member::User(id) => (id.as_str(), &m.member),
                Member::Group(id) => (id.as_str(), &m.member),
            })
            .collect();
        let removed: Vec<Member> = outcome
            .members_removed
            .iter()
            .filter_map(|id| by_id.get(id.as_str()).map(|m| (*m).clone()))
            .collect();
        let (added, removed) = allowed(&options, added, removed);
        tx.add_members(&site, &group.group.id, &added, now).await?;
        tx.remove_members(&site, &group.group.id, &removed).await?;
        group.version = if renamed {
            tx.update_scim_group(&group)
                .await
                .map_err(taken_meanwhile(|| name_taken(&group.group)))?
        } else {
            tx.touch_scim_group(&site, &group.group.id, now).await?
        };
        let affected = if new_name {
            user_ids(members.iter().map(|m| &m.member).chain(&added))
        } else {
            user_ids(added.iter().chain(&removed))
        };
        let change = MemberChange { before: &before, added: &added, removed: &removed, now };
        let history =
            record_change(&mut tx, call, &options, &group.group, change, &affected).await?;
        let answer = answer_patch(&mut tx, call, &group).await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(answer)
    }

    /// `DELETE /Groups/{id}`.
    pub(super) async fn delete_group(
        &self,
        call: &ScimCall<'_>,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        let mut tx = self.write().await?;
        let group = load(&mut tx, call, id).await?;
        call.check(RequestKind::Write, group.version)?;
        let members = tx.group_members(&call.scope.site, &group.group.id).await?;
        tx.delete_group(&call.scope.site, &group.group.id).await?;
        let options = call.scope.options.clone();
        let users = user_ids(members.iter().map(|m| &m.member));
        let now = self.now();
        let mut history = call.history(now);
        history.group_deleted(&group.group.id, group.group.name.as_str());
        follow_memberships(&mut tx, &mut history, call, &options, None, &users).await?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(ScimAnswer::NoContent)
    }

    /// `GET /Groups` and `POST /Groups/.search`.
    pub(super) async fn list_groups(
        &self,
        call: &ScimCall<'_>,
        query: &ListQuery,
    ) -> Result<ScimAnswer, ScimFailure> {
        let key = self.cursor_key().await?;
        let page = ListPage::new(&GROUP_RESOURCE, query, call.base, &key)?;
        let scim_query = ScimQuery::groups(self.dialect(), page.params())?;
        let mut tx = self.read().await?;
        let listed = tx.scim_groups(call.scope, &scim_query).await?;
        let with_members = shows_members(query.projection());
        let mut resources = Vec::with_capacity(listed.items.len());
        for group in &listed.items {
            let members = if with_members {
                Some(tx.managed_members(call.scope, &group.group.id).await?)
            } else {
                None
            };
            resources.push(group_resource(group, members.as_deref(), call.base));
        }
        Ok(ScimAnswer::List(page.body(resources, listed.total, &listed.bounds)))
    }
}
