//! Password sync (issue 16 §2): a `password` an identity provider sends
//! (Okta's "Sync Password") sets the local password of a user who signs in
//! with one, a member of the provider's password groups; for a user who
//! signs in through SSO it is ignored (README, "Password sync"). It is
//! never kept in the resource nor returned (`profile` takes it out).
//!
//! Argon2 is slow, so the hash is made outside the transaction that
//! stores it, off the async workers: a write that finds it needs one gives
//! up its transaction (nothing written), hashes, and runs again with the
//! hash of the same request's password.

use roster_domain::{AuthMethod, Secret};
use roster_scim::ScimError;
use roster_store::ScimUser;

use super::profile::UserFields;
use super::{Scim, ScimFailure};
use crate::InternalError;
use crate::passwords::PasswordError;

/// A synced password and its hash, made before the transaction that
/// stores it.
pub(super) struct Hashed {
    plain: Secret,
    hash: String,
}

/// The password hash a write stores: for a user who signs in with a
/// password, the synced password's, hashed by an earlier run (`Err` with
/// the password to hash when there was none); an SSO user's synced
/// password is ignored.
pub(super) fn stored_hash(
    user: &ScimUser,
    fields: &UserFields,
    hashed: Option<&Hashed>,
) -> Result<Option<String>, Secret> {
    match (&fields.password, &user.user.auth_method) {
        (Some(plain), AuthMethod::Password) => match hashed {
            Some(hashed) if hashed.plain == *plain => Ok(Some(hashed.hash.clone())),
            _ => Err(plain.clone()),
        },
        (Some(_), AuthMethod::Sso(_)) | (None, _) => Ok(None),
    }
}

impl Scim<'_> {
    /// The hash of a synced password, made off the async workers.
    pub(super) async fn hash_synced(&self, plain: Secret) -> Result<Hashed, ScimFailure> {
        let hash = self.ctx.passwords.hash(plain.clone()).await.map_err(|err| match err {
            PasswordError::Hash(err) => {
                ScimFailure::Refused(ScimError::invalid_value(format!("password: {err}")))
            }
            PasswordError::Worker(detail) => ScimFailure::Internal(InternalError::Worker(detail)),
        })?;
        Ok(Hashed { plain, hash })
    }
}
