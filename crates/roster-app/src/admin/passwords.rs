//! An administrator sets the password of a user who signs in with one
//! (local users, and members of a provider's password groups, SPEC §4).

use roster_domain::history::Action;
use roster_domain::{AuthMethod, InvalidValue, Secret, UserId};
use roster_store::{Transaction, UserRepo};
use serde::Deserialize;

use super::error::field;
use super::lookup::changeable_site;
use super::views::UserView;
use super::{Admin, AdminError};
use crate::passwords::PasswordError;
use crate::{InternalError, Principal};
use utoipa::ToSchema;

/// The shortest and longest password accepted, in characters.
const MIN_CHARS: usize = 12;
const MAX_CHARS: usize = 1024;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    #[schema(value_type = String, format = Password)]
    pub password: Secret,
}

impl PasswordInput {
    /// Whether the password meets the rules, before anything is done with
    /// it: a form that creates a user and sets its password checks first,
    /// so that a refused password does not leave a user behind.
    pub fn check(&self) -> Result<(), AdminError> {
        field("password", check(self.password.expose()))
    }
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

impl Admin<'_> {
    /// Sets the password of a user who signs in with one. Allowed while
    /// manual user changes are locked: it manages a credential, not who
    /// the user is, and password-group members need it to sign in.
    pub async fn set_password(
        &self,
        who: &Principal,
        site: &str,
        id: &str,
        input: PasswordInput,
    ) -> Result<UserView, AdminError> {
        field("password", check(input.password.expose()))?;
        // Hashed before the transaction opens: Argon2 is slow, and the
        // writer must not wait for it.
        let hash = self.ctx.passwords.hash(input.password).await.map_err(|err| match err {
            PasswordError::Hash(err) => {
                AdminError::invalid("password", format!("cannot be hashed: {err}"))
            }
            PasswordError::Worker(detail) => AdminError::Internal(InternalError::Worker(detail)),
        })?;
        let mut tx = self.write().await?;
        let site = changeable_site(&mut tx, who, site).await?;
        let id = super::input::opaque_id(id).ok_or(AdminError::NotFound { what: "user" })?;
        let mut user = tx
            .user_by_id(&site.id, &UserId::from_raw(id))
            .await?
            .ok_or(AdminError::NotFound { what: "user" })?;
        if user.auth_method != AuthMethod::Password {
            return Err(AdminError::Conflict {
                field: "auth_method".into(),
                message: "this user signs in through an SSO provider; set its auth_method to \
                          password (or add it to a password group) before setting a password"
                    .into(),
            });
        }
        let action = if user.password_hash.is_some() {
            Action::CredentialReset
        } else {
            Action::CredentialCreated
        };
        user.password_hash = Some(hash);
        user.updated_at = self.now();
        tx.update_user(&user).await?;
        let mut history = self.recorder(who, &site.id);
        history.credential(action, "user", user.id.as_str(), user.username.as_str(), "password");
        history.write(&mut tx).await?;
        tx.commit().await?;
        Ok(user.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_checked() {
        assert!(check("short").is_err());
        assert!(check(&"x".repeat(1025)).is_err());
        assert!(check("twelve chars").is_ok());
        assert!(check("twelve\0chars").is_err());
    }
}
