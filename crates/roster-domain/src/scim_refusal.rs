//! Why a SCIM credential does not authenticate (SPEC §2, §7). The client
//! always gets the same `401`; the reason is for the provider's
//! administrators, in the SCIM request log.

use jiff::Timestamp;

use crate::{PresentedCredential, Provider, ScimAuth, ScimSettings};

/// The reason a SCIM request was refused authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimRefusal {
    /// No `Authorization` header, or one that is not Bearer or Basic.
    NoCredential,
    /// A secret that is no provider's.
    Unknown,
    /// A bearer token sent to a Basic provider, or the other way round.
    WrongScheme,
    /// A Basic password of this provider with another username.
    WrongUsername,
    /// The provider's current secret, past its expiry.
    Expired,
    /// A secret a reset replaced, past its overlap window.
    Revoked,
    /// The provider's SCIM is switched off (or its kind has none).
    SwitchedOff,
}

impl ScimRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoCredential => "no_credential",
            Self::Unknown => "unknown",
            Self::WrongScheme => "wrong_scheme",
            Self::WrongUsername => "wrong_username",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::SwitchedOff => "switched_off",
        }
    }
}

impl ScimSettings {
    /// Why `credential` does not authenticate at `now`, or `None` when it
    /// does: the current secret until it expires, or the previous one until
    /// its overlap window ends, and only in the provider's chosen mode.
    pub fn refusal(
        &self,
        credential: PresentedCredential<'_>,
        now: Timestamp,
    ) -> Option<ScimRefusal> {
        let secret_hash = match (self.auth, credential) {
            (ScimAuth::Off, _) => return Some(ScimRefusal::SwitchedOff),
            (ScimAuth::Token, PresentedCredential::Bearer { secret_hash }) => secret_hash,
            (ScimAuth::Basic, PresentedCredential::Basic { username, secret_hash }) => {
                if self.username.as_deref() != Some(username) {
                    return Some(ScimRefusal::WrongUsername);
                }
                secret_hash
            }
            (ScimAuth::Token, PresentedCredential::Basic { .. })
            | (ScimAuth::Basic, PresentedCredential::Bearer { .. }) => {
                return Some(ScimRefusal::WrongScheme);
            }
        };
        if self.secret_hash.as_deref() == Some(secret_hash) {
            return self
                .expires_at
                .is_some_and(|expiry| now >= expiry)
                .then_some(ScimRefusal::Expired);
        }
        if self.previous_secret_hash.as_deref() == Some(secret_hash) {
            let valid = self.previous_valid_until.is_some_and(|until| now < until);
            return (!valid).then_some(ScimRefusal::Revoked);
        }
        Some(ScimRefusal::Unknown)
    }
}

impl Provider {
    /// Why `credential`, which named this provider, does not authenticate
    /// its SCIM client at `now`.
    pub fn scim_refusal(
        &self,
        credential: PresentedCredential<'_>,
        now: Timestamp,
    ) -> Option<ScimRefusal> {
        if !self.kind.supports_scim() {
            return Some(ScimRefusal::SwitchedOff);
        }
        self.scim.refusal(credential, now)
    }
}

#[cfg(test)]
mod tests {
    use jiff::ToSpan;

    use super::*;

    fn token(now: Timestamp) -> ScimSettings {
        ScimSettings {
            auth: ScimAuth::Token,
            secret_hash: Some("new".into()),
            expires_at: Some(now + 10.seconds()),
            previous_secret_hash: Some("old".into()),
            previous_valid_until: Some(now + 5.seconds()),
            ..ScimSettings::off()
        }
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let bearer = |secret_hash| PresentedCredential::Bearer { secret_hash };
        let basic = |username, secret_hash| PresentedCredential::Basic { username, secret_hash };
        let settings = token(now);
        assert_eq!(settings.refusal(bearer("new"), now), None);
        assert_eq!(settings.refusal(bearer("old"), now), None);
        assert_eq!(settings.refusal(bearer("other"), now), Some(ScimRefusal::Unknown));
        assert_eq!(settings.refusal(basic("u", "new"), now), Some(ScimRefusal::WrongScheme));
        let later = now + 6.seconds();
        assert_eq!(settings.refusal(bearer("old"), later), Some(ScimRefusal::Revoked));
        assert_eq!(settings.refusal(bearer("new"), later), None);
        let expired = now + 10.seconds();
        assert_eq!(settings.refusal(bearer("new"), expired), Some(ScimRefusal::Expired));
        let off = ScimSettings { auth: ScimAuth::Off, ..settings.clone() };
        assert_eq!(off.refusal(bearer("new"), now), Some(ScimRefusal::SwitchedOff));
        let basic_settings = ScimSettings {
            auth: ScimAuth::Basic,
            username: Some("scim-1".into()),
            expires_at: None,
            ..settings
        };
        assert_eq!(basic_settings.refusal(basic("scim-1", "new"), expired), None);
        assert_eq!(
            basic_settings.refusal(basic("scim-2", "new"), now),
            Some(ScimRefusal::WrongUsername)
        );
        assert_eq!(basic_settings.refusal(bearer("new"), now), Some(ScimRefusal::WrongScheme));
    }
}
