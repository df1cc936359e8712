//! SCIM Users (RFC 7644 §3.3-3.6) as one provider's client sees them: only
//! the users it manages (SPEC §3), created as SSO users of that provider,
//! with its provisioning options applied (SPEC §4): defaults at creation,
//! company and time zone fallbacks, and de-provisioning on `active: false`
//! and `DELETE`.
//!
//! Every attribute a client sets is kept and read back (issue 16 §2);
//! `profile` decides what the application makes of them, and
//! `password_sync` what becomes of a synced `password`.

use roster_domain::policy::{
    Deactivation, ProvisioningState, Removal, evaluate_user, member_change_applies, on_deactivated,
    on_removed, provisioned_defaults, source_attributes,
};
use roster_domain::{
    AuthMethod, ProvisionedBy, ProvisioningMethod, ProvisioningOptions, Secret, User, UserId,
    Username,
};
use roster_scim::schema::USER_RESOURCE;
use roster_scim::{ListQuery, RequestKind, ScimError, Verdict, normalize, project};
use roster_store::{PolicyRepo, ScimQuery, ScimUser, ScimUserRepo, Transaction, UserRepo};
use serde_json::Value;

use super::call::{ListPage, ScimAnswer, ScimCall};
use super::error::taken_meanwhile;
use super::mapping::{shown_active, user_resource};
use super::password_sync::{Hashed, stored_hash};
use super::profile::{UserFields, user_fields_for};
use super::{Scim, ScimFailure, ScimTx, dialect};
use crate::InternalError;
use crate::provisioning::is_last_password_admin;

/// A change of an existing user: a PUT's normalized resource or a PATCH.
#[derive(Clone, Copy)]
enum Write<'a> {
    Replace(&'a Value),
    Patch(&'a roster_scim::PatchRequest),
}

/// One run of a write: its answer, or the password it needs hashed first
/// (its transaction dropped, so nothing was written).
enum Attempt {
    Done(ScimAnswer),
    Hash(Secret),
}

/// A write that still needed a hash on its second run: the same request
/// cannot carry another password, so this is the server's fault.
fn rerun_failed() -> ScimFailure {
    InternalError::Worker("a synced password changed between two runs of one request".into()).into()
}

/// `resource` with the `active` of the user as its client sees it when the
/// resource leaves it out: a PUT that does not assert `active` keeps it.
fn keep_active(resource: &mut Value, user: &ScimUser) {
    if let (Some(map), Some(active)) = (resource.as_object_mut(), shown_active(user)) {
        map.entry("active").or_insert(Value::Bool(active));
    }
}

/// The company and time zone fallbacks of the provider, after the source's
/// fields were written.
fn fill_defaults(options: &ProvisioningOptions, user: &mut ScimUser) {
    let (company, time_zone) =
        source_attributes(options, user.user.company.take(), user.user.time_zone.take());
    user.user.company = company;
    user.user.time_zone = time_zone;
}

/// Applies the options to a write that turned an enabled user inactive;
/// `false` when they delete the user (the caller then answers with the
/// resource as the client left it).
fn deactivate(options: &ProvisioningOptions, was_enabled: bool, user: &mut ScimUser) -> bool {
    if !was_enabled || user.user.enabled {
        return true;
    }
    match on_deactivated(options) {
        Deactivation::Ignore => {
            user.user.enabled = true;
            true
        }
        Deactivation::Disable => true,
        Deactivation::Delete => false,
    }
}

fn not_found(id: &str) -> ScimFailure {
    ScimFailure::Refused(super::not_found(&USER_RESOURCE, id))
}

fn taken(username: &Username) -> ScimError {
    ScimError::uniqueness(format!(
        "userName {:?} is already taken in this site (usernames ignore letter case)",
        username.as_str()
    ))
}

/// The user, if this client manages it.
async fn load(
    tx: &mut impl ScimTx,
    call: &ScimCall<'_>,
    id: &str,
) -> Result<ScimUser, ScimFailure> {
    let Some(id) = crate::ids::opaque_id(id) else { return Err(not_found(id)) };
    tx.scim_user(call.scope, &UserId::from_raw(id)).await?.ok_or_else(|| not_found(id))
}

fn answer(call: &ScimCall<'_>, user: &ScimUser, created: bool) -> Result<ScimAnswer, ScimFailure> {
    let projection = call.projection(&USER_RESOURCE)?;
    let body = project(&USER_RESOURCE, &user_resource(user, call.base), &projection);
    Ok(ScimAnswer::Resource { created, body })
}

impl Scim<'_> {
    /// `POST /Users`.
    pub(super) async fn create_user(
        &self,
        call: &ScimCall<'_>,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let fields = user_fields_for(
            call.scope.kind,
            &normalize(&USER_RESOURCE, &dialect::resource(&USER_RESOURCE, body))?,
        )?;
        let projection_ok = call.projection(&USER_RESOURCE)?;
        let now = self.now();
        let options = call.scope.options.clone();
        let provider = call.scope.provider.clone();
        let mut user = User::new(
            UserId::from_raw(uuid::Uuid::new_v4().to_string()),
            call.scope.site.clone(),
            fields.username.clone(),
            now,
        );
        user.auth_method = AuthMethod::Sso(provider.clone());
        user.provisioned_by =
            ProvisionedBy { method: ProvisioningMethod::Scim, provider: Some(provider) };
        let mut stored = ScimUser { user, resource: None, version: 1, groups: Vec::new() };
        // A new user signs in through the provider: a synced password is
        // ignored (README, "Password sync").
        fields.apply(&mut stored, now);
        fill_defaults(&options, &mut stored);
        provisioned_defaults(&options, &mut stored.user);
        // A new user is in no group yet: outside a group whitelist it starts
        // pending, until a group sync puts it in scope.
        stored.user = evaluate_user(&stored.user, &call.scope.provider, &options, &[]);
        let mut history = call.history(now);
        history.user_created(&stored.user);
        let body = project(&USER_RESOURCE, &user_resource(&stored, call.base), &projection_ok);
        // Everything above is decided before the single writer is taken.
        // The unique index on usernames refuses a taken one, so there is
        // nothing to read first.
        let mut tx = self.write().await?;
        tx.insert_scim_user(&stored)
            .await
            .map_err(taken_meanwhile(|| taken(&stored.user.username)))?;
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(ScimAnswer::Resource { created: true, body })
    }

    /// `GET /Users/{id}`.
    pub(super) async fn get_user(
        &self,
        call: &ScimCall<'_>,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        // One statement reads the user with its groups.
        let mut tx = self.read_latest().await?;
        let user = load(&mut tx, call, id).await?;
        if call.check(RequestKind::Read, user.version)? == Verdict::NotModified {
            return Ok(ScimAnswer::NotModified);
        }
        answer(call, &user, false)
    }

    /// `PUT /Users/{id}`: every SCIM attribute replaced; `active` kept when
    /// the client leaves it out.
    pub(super) async fn replace_user(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let normalized = normalize(&USER_RESOURCE, &dialect::resource(&USER_RESOURCE, body))?;
        // Checked before any transaction: a bad body is refused at once.
        user_fields_for(call.scope.kind, &normalized)?;
        call.projection(&USER_RESOURCE)?;
        self.write_with_password(call, id, Write::Replace(&normalized)).await
    }

    /// Runs a PUT or PATCH once, and again with the hash of the password
    /// its first run needed. A second run hashes nothing new: the request,
    /// and so its password, is the same.
    async fn write_with_password(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        write: Write<'_>,
    ) -> Result<ScimAnswer, ScimFailure> {
        let mut hashed = None;
        for _ in 0..2 {
            let attempt = match write {
                Write::Replace(resource) => {
                    self.replace_user_once(call, id, resource, hashed.as_ref()).await?
                }
                Write::Patch(request) => {
                    self.patch_user_once(call, id, request, hashed.as_ref()).await?
                }
            };
            match attempt {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Hash(plain) => hashed = Some(self.hash_synced(plain).await?),
            }
        }
        Err(rerun_failed())
    }

    async fn replace_user_once(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        normalized: &Value,
        hashed: Option<&Hashed>,
    ) -> Result<Attempt, ScimFailure> {
        let now = self.now();
        let mut tx = self.write().await?;
        let user = load(&mut tx, call, id).await?;
        call.check(RequestKind::Write, user.version)?;
        let mut resource = normalized.clone();
        keep_active(&mut resource, &user);
        let fields = user_fields_for(call.scope.kind, &resource)?;
        self.write_user(tx, call, user, fields, now, hashed).await
    }

    /// Writes a PUT's or PATCH's fields and commits, applying the options.
    async fn write_user(
        &self,
        mut tx: impl ScimTx,
        call: &ScimCall<'_>,
        mut user: ScimUser,
        fields: UserFields,
        now: jiff::Timestamp,
        hashed: Option<&Hashed>,
    ) -> Result<Attempt, ScimFailure> {
        let password_hash = match stored_hash(&user, &fields, hashed) {
            Ok(hash) => hash,
            Err(plain) => return Ok(Attempt::Hash(plain)),
        };
        let options = call.scope.options.clone();
        let before = user.clone();
        let was_enabled = user.user.enabled;
        let last_admin = is_last_password_admin(&mut tx, &user.user).await?;
        fields.apply(&mut user, now);
        if password_hash.is_some() {
            user.user.password_hash = password_hash;
        }
        fill_defaults(&options, &mut user);
        if last_admin && !user.user.enabled {
            // SPEC §3: the identity provider cannot disable the last site
            // admin who signs in with a password.
            tracing::warn!(user = %user.user.id, "kept the last password site admin enabled");
            user.user.enabled = true;
        }
        let mut history = call.history(now);
        if deactivate(&options, was_enabled, &mut user) {
            // The unique index on usernames refuses a new name that another
            // user has.
            user.version = tx
                .update_scim_user(&user, &before)
                .await
                .map_err(taken_meanwhile(|| taken(&user.user.username)))?;
            history.user_changed(&before.user, &user.user);
        } else {
            tx.delete_user(&call.scope.site, &user.user.id).await?;
            history.user_deleted(&before.user);
        }
        history.write(&mut tx).await?;
        tx.commit().await?;
        answer(call, &user, false).map(Attempt::Done)
    }

    /// `PATCH /Users/{id}`: applied atomically; a PATCH that changes nothing
    /// writes nothing.
    pub(super) async fn patch_user(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        let request = dialect::patch(&USER_RESOURCE, body)?;
        call.projection(&USER_RESOURCE)?;
        self.write_with_password(call, id, Write::Patch(&request)).await
    }

    async fn patch_user_once(
        &self,
        call: &ScimCall<'_>,
        id: &str,
        request: &roster_scim::PatchRequest,
        hashed: Option<&Hashed>,
    ) -> Result<Attempt, ScimFailure> {
        let now = self.now();
        let mut tx = self.write().await?;
        let user = load(&mut tx, call, id).await?;
        call.check(RequestKind::Write, user.version)?;
        let current = user_resource(&user, call.base);
        let outcome = dialect::apply_patch(call.scope.kind, &USER_RESOURCE, &current, request)?;
        if !outcome.changed {
            return answer(call, &user, false).map(Attempt::Done);
        }
        let fields = user_fields_for(call.scope.kind, &outcome.resource)?;
        self.write_user(tx, call, user, fields, now, hashed).await
    }

    /// `DELETE /Users/{id}`: de-provisioned as the options say; in every
    /// case the client no longer finds the user (RFC 7644 §3.6).
    pub(super) async fn delete_user(
        &self,
        call: &ScimCall<'_>,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        let now = self.now();
        let mut tx = self.write().await?;
        let mut user = load(&mut tx, call, id).await?;
        call.check(RequestKind::Write, user.version)?;
        let options = call.scope.options.clone();
        let before = user.clone();
        let mut history = call.history(now);
        let removal = if user.user.state == ProvisioningState::Pending {
            // Never provisioned into the application: nothing to keep.
            Removal::Delete
        } else if is_last_password_admin(&mut tx, &user.user).await? {
            // SPEC §3: released, but kept enabled.
            tracing::warn!(user = %user.user.id, "kept the last password site admin enabled");
            Removal::Release
        } else {
            on_removed(&options)
        };
        if removal == Removal::Delete {
            tx.delete_user(&call.scope.site, &user.user.id).await?;
            history.user_deleted(&before.user);
        } else {
            if removal == Removal::DisableAndRelease {
                user.user.enabled = false;
            }
            user.user.state = ProvisioningState::Released;
            user.user.updated_at = now;
            tx.update_scim_user(&user, &before).await?;
            // The identity provider removed the user, and with it the user's
            // memberships of its groups (when the options remove those);
            // either way they leave its view of the groups.
            let remove = member_change_applies(&options, false);
            let left = tx
                .release_from_provider_groups(
                    &call.scope.site,
                    &call.scope.provider,
                    &user.user.id,
                    remove,
                )
                .await?;
            history.user_changed(&before.user, &user.user);
            for (group, name) in &left {
                history.membership(group, name.as_str(), user.user.id.as_str(), false);
            }
        }
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(ScimAnswer::NoContent)
    }

    /// `GET /Users` and `POST /Users/.search`.
    pub(super) async fn list_users(
        &self,
        call: &ScimCall<'_>,
        query: &ListQuery,
    ) -> Result<ScimAnswer, ScimFailure> {
        let key = self.cursor_key().await?;
        let page = ListPage::new(&USER_RESOURCE, query, call.base, &key)?;
        let scim_query = ScimQuery::users(self.dialect(), page.params())?;
        let mut tx = self.read().await?;
        let listed = tx.scim_users(call.scope, &scim_query).await?;
        let resources = listed.items.iter().map(|user| user_resource(user, call.base)).collect();
        Ok(ScimAnswer::List(page.body(resources, listed.total, &listed.bounds)))
    }
}
