//! Passwords set for users who sign in with one (local users, and members
//! of a provider's password groups, SPEC §4). Stored as Argon2id PHC
//! strings; the clear password is never stored or shown.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::Rng;
use roster_domain::{AuthMethod, UserId};
use serde::Deserialize;

use crate::access::visible_site;
use crate::error::field;
use crate::views::UserView;
use roster_domain::InvalidValue;

use crate::{App, AppError, Principal};

/// The shortest and longest password accepted, in characters.
const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 1024;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub password: String,
}

fn check(password: &str) -> Result<(), InvalidValue> {
    let chars = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&chars) {
        return Err(InvalidValue::new(format!(
            "a password must be {MIN_CHARS} to {MAX_CHARS} characters long"
        )));
    }
    if password.contains('\0') {
        return Err(InvalidValue::new("a password must not contain NUL characters"));
    }
    Ok(())
}

/// The Argon2id PHC string of `password` with a fresh random salt. It
/// fails only for inputs far beyond [`MAX_CHARS`].
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt)?.to_string())
}

/// Whether `password` matches a stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

impl App {
    /// Sets the password of a user who signs in with one. Allowed while
    /// manual user changes are locked: it manages a credential, not who
    /// the user is, and password-group members need it to sign in.
    pub async fn set_password(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        input: PasswordInput,
    ) -> Result<UserView, AppError> {
        field("password", check(&input.password))?;
        let hash = hash_password(&input.password)
            .map_err(|err| AppError::invalid("password", format!("cannot be hashed: {err}")))?;
        let mut tx = self.store.write().await?;
        let site = visible_site(&mut *tx, who, site).await?;
        let id = crate::input::opaque_id(id).ok_or(AppError::NotFound { what: "user" })?;
        let mut user = tx
            .user_by_id(&site.id, &UserId::from_raw(id))
            .await?
            .ok_or(AppError::NotFound { what: "user" })?;
        if user.auth_method != AuthMethod::Password {
            return Err(AppError::Conflict {
                field: "auth_method".into(),
                message: "this user signs in through an SSO provider; set its auth_method to \
                          password (or add it to a password group) before setting a password"
                    .into(),
            });
        }
        user.password_hash = Some(hash);
        user.updated_at = self.clock.now();
        tx.update_user(&user).await?;
        tx.commit().await?;
        Ok(user.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_verify_and_are_checked() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap(), "salted");
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(1025)).is_err());
        assert!(check("twelve chars").is_ok());
        assert!(check("twelve\0chars").is_err());
    }
}
