//! Operators' console sessions. Signing in to the console with an operator
//! key opens a session whose random secret the console's cookie carries,
//! so the cookie is never the key: one read from a browser or a proxy's
//! log is good for eight hours at most, and not after a sign-out, while
//! the key stays the operator's. A session counts only while the key that
//! opened it is an operator key that is not revoked, so revoking the key
//! ends its sessions at once.

use jiff::SignedDuration;
use roster_domain::Secret;
use roster_store::{AdminKeyRepo, OperatorSessionRecord, OperatorSessionRepo, Transaction};

use super::{Admin, AdminError};
use crate::{Principal, secrets};

/// How long a console session lasts (and its cookie's Max-Age).
pub const OPERATOR_SESSION_LIFETIME: SignedDuration = SignedDuration::from_hours(8);

/// What every session secret starts with.
const SECRET_PREFIX: &str = "roster_console_";
/// The longest session secret worth hashing.
const MAX_SECRET_BYTES: usize = 256;

/// Whether `secret` could be a session secret at all: anything else is
/// refused without a look-up.
fn plausible(secret: &str) -> bool {
    secret.starts_with(SECRET_PREFIX) && secret.len() <= MAX_SECRET_BYTES
}

impl Admin<'_> {
    /// Opens a console session for the operator key `key`: its secret,
    /// for the cookie. A site key or a wrong key is `Unauthorized`.
    pub async fn open_operator_console(&self, key: &str) -> Result<Secret, AdminError> {
        if self.authenticate_admin(key).await? != Principal::Operator {
            return Err(AdminError::Unauthorized);
        }
        let now = self.now();
        let expires_at = now
            .checked_add(OPERATOR_SESSION_LIFETIME)
            .map_err(|err| crate::InternalError::Settings(err.to_string()))?;
        let secret = secrets::generate(SECRET_PREFIX);
        let mut tx = self.write().await?;
        let record =
            tx.admin_key_by_hash(&secrets::hash(key)).await?.ok_or(AdminError::Unauthorized)?;
        tx.insert_operator_session(&OperatorSessionRecord {
            secret_hash: secrets::hash(&secret),
            key_id: record.id,
            created_at: now,
            expires_at,
            revoked_at: None,
        })
        .await?;
        tx.commit().await?;
        Ok(Secret::new(secret))
    }

    /// Whether `secret` names a console session of an operator now: open,
    /// not past its end, and opened by an operator key still in force. The
    /// key's last use is its session's, as for a request with the key.
    pub async fn operator_console(&self, secret: &str) -> Result<(), AdminError> {
        if !plausible(secret) {
            return Err(AdminError::Unauthorized);
        }
        let now = self.now();
        let key = {
            let mut tx = self.read().await?;
            let session = tx
                .operator_session_by_hash(&secrets::hash(secret))
                .await?
                .filter(|session| session.revoked_at.is_none() && session.expires_at > now)
                .ok_or(AdminError::Unauthorized)?;
            tx.admin_key_by_id(None, &session.key_id)
                .await?
                .filter(|key| key.site_id.is_none() && key.revoked_at.is_none())
                .ok_or(AdminError::Unauthorized)?
        };
        self.record_use(&key).await
    }

    /// Ends the console session `secret`, if it is an open one. Looked up
    /// first, so that a sign-out with a made-up cookie writes nothing.
    pub async fn close_operator_console(&self, secret: &str) -> Result<(), AdminError> {
        if !plausible(secret) {
            return Ok(());
        }
        let hash = secrets::hash(secret);
        let open = self.read().await?.operator_session_by_hash(&hash).await?;
        if open.is_none_or(|session| session.revoked_at.is_some()) {
            return Ok(());
        }
        let mut tx = self.write().await?;
        tx.revoke_operator_session(&hash, self.now()).await?;
        tx.commit().await?;
        Ok(())
    }
}
