//! Secrets held in memory: values that must be used in clear (a bind
//! password sent to the directory, a generated credential shown once) but
//! must never reach a log line or a `Debug` dump by accident.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

/// A secret text. Its `Debug` is redacted, its memory is zeroed when
/// dropped, and it is serialised nowhere by itself: a view that must show
/// it once says so with [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The clear text, for the one place that needs it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Serialises the clear text: for the single response that shows a
    /// freshly generated credential (`#[serde(serialize_with = ...)]`).
    pub fn serialize_exposed<S: serde::Serializer>(
        secret: &Secret,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Compared by value, so that an update can tell whether settings that
/// hold a secret changed.
impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Secret {}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug_output() {
        let secret = Secret::new("hunter2-correct-horse");
        assert_eq!(secret.expose(), "hunter2-correct-horse");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let nested = Some(vec![secret.clone()]);
        assert!(!format!("{nested:#?}").contains("hunter2"));
        assert_eq!(secret, Secret::new("hunter2-correct-horse"));
        assert_ne!(secret, Secret::new("other"));
    }

    #[test]
    fn a_secret_reads_from_json_and_is_written_only_when_exposed() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct Shown {
            #[serde(serialize_with = "Secret::serialize_exposed")]
            token: Secret,
        }
        let shown: Shown = serde_json::from_str(r#"{"token": "abc"}"#).unwrap();
        assert_eq!(shown.token.expose(), "abc");
        assert_eq!(serde_json::to_string(&shown).unwrap(), r#"{"token":"abc"}"#);
    }
}
