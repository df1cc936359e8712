//! IANA time zone names, checked against the tz database compiled into the
//! binary (so validation is pure and the same on every machine).

use std::fmt;

use crate::InvalidValue;

/// A valid IANA time zone name such as `Europe/Paris` or `UTC`, kept in the
/// case the database spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() {
            return Err(InvalidValue::new("must not be empty (send null to clear it)"));
        }
        match jiff::tz::db().get(raw) {
            Ok(zone) => Ok(Self(zone.iana_name().unwrap_or(raw).to_owned())),
            Err(_) => Err(InvalidValue::new(format!(
                "{raw:?} is not an IANA time zone name (for example Europe/Paris or America/New_York)"
            ))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TimeZoneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_zones() {
        assert_eq!(TimeZoneName::parse("Europe/Paris").unwrap().as_str(), "Europe/Paris");
        assert_eq!(TimeZoneName::parse("UTC").unwrap().as_str(), "UTC");
        assert_eq!(TimeZoneName::parse("america/new_york").unwrap().as_str(), "America/New_York");
        assert!(TimeZoneName::parse("Mars/Olympus").is_err());
        assert!(TimeZoneName::parse("").is_err());
    }
}
