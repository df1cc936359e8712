//! Group patterns: the comma-separated lists with `*` wildcards that the
//! provisioning options of SPEC §4 use ("IT,Support", "Domain *").
//!
//! A pattern matches a whole group name, case-insensitively; `*` stands for
//! any run of characters, including none. There is no other special
//! character, so a group named "a?b" is matched literally.

use std::fmt;

use crate::InvalidValue;

/// One pattern of a list, such as `Admins` or `Domain *`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPattern {
    given: String,
    lowered: Vec<char>,
}

impl GroupPattern {
    pub const MAX_LEN: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidValue::new("a group pattern must not be empty"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(InvalidValue::new("a group pattern must not contain control characters"));
        }
        if trimmed.chars().count() > Self::MAX_LEN {
            return Err(InvalidValue::new(format!(
                "a group pattern must be at most {} characters long",
                Self::MAX_LEN
            )));
        }
        Ok(Self { given: trimmed.to_owned(), lowered: trimmed.to_lowercase().chars().collect() })
    }

    pub fn as_str(&self) -> &str {
        &self.given
    }

    /// Whether the whole of `group_name` matches, ignoring letter case.
    pub fn matches(&self, group_name: &str) -> bool {
        let name: Vec<char> = group_name.to_lowercase().chars().collect();
        wildcard_match(&self.lowered, &name)
    }
}

/// Greedy matching with backtracking to the last `*`: linear in practice and
/// never exponential, whatever the pattern.
fn wildcard_match(pattern: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && pattern[p] == '*' {
            last_star = Some((p, n));
            p += 1;
        } else if p < pattern.len() && pattern[p] == name[n] {
            p += 1;
            n += 1;
        } else if let Some((star_p, star_n)) = last_star {
            p = star_p + 1;
            n = star_n + 1;
            last_star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// A comma-separated list of patterns; the empty list matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupPatternList(Vec<GroupPattern>);

impl GroupPatternList {
    /// Parses `"IT, Support,Domain *"`. White space around each entry is
    /// ignored; an empty or blank string is the empty list; an empty entry
    /// between commas is an error because it is almost always a typo.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.trim().is_empty() {
            return Ok(Self(Vec::new()));
        }
        raw.split(',')
            .enumerate()
            .map(|(index, entry)| {
                GroupPattern::parse(entry).map_err(|err| {
                    InvalidValue::new(format!("entry {} of the list: {}", index + 1, err.0))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn patterns(&self) -> &[GroupPattern] {
        &self.0
    }

    /// Whether any pattern matches `group_name`.
    pub fn matches(&self, group_name: &str) -> bool {
        self.0.iter().any(|pattern| pattern.matches(group_name))
    }
}

impl fmt::Display for GroupPatternList {
    /// The canonical stored form: entries joined by `,`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for pattern in &self.0 {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            f.write_str(pattern.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("IT", "IT", true),
            ("IT", "it", true),
            ("it", "IT", true),
            ("IT", "ITS", false),
            ("IT", "xIT", false),
            ("IT*", "IT Support", true),
            ("IT*", "IT", true),
            ("*admins", "Domain Admins", true),
            ("*admins", "Domain Admins 2", false),
            ("Domain *", "domain users", true),
            ("Domain *", "Domainusers", false),
            ("*", "", true),
            ("*", "anything", true),
            ("a*b*c", "aXbYc", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("a*b*c", "aXbYcZ", false),
            ("**", "x", true),
            ("a?b", "a?b", true),
            ("a?b", "axb", false),
            ("Ärzte", "ärzte", true),
            ("*aaa*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false),
        ];
        for (pattern, name, want) in cases {
            let got = GroupPattern::parse(pattern).unwrap().matches(name);
            assert_eq!(got, *want, "{pattern:?} against {name:?}");
        }
    }

    #[test]
    fn lists() {
        let list = GroupPatternList::parse(" IT , Support,Domain *").unwrap();
        assert_eq!(list.to_string(), "IT,Support,Domain *");
        assert!(list.matches("support"));
        assert!(list.matches("Domain Admins"));
        assert!(!list.matches("Sales"));
        assert!(GroupPatternList::parse("").unwrap().is_empty());
        assert!(GroupPatternList::parse("   ").unwrap().is_empty());
        assert!(!GroupPatternList::parse("").unwrap().matches("IT"));
    }

    #[test]
    fn bad_lists_say_which_entry() {
        let err = GroupPatternList::parse("IT,,Support").unwrap_err();
        assert_eq!(err.0, "entry 2 of the list: a group pattern must not be empty");
        let err = GroupPatternList::parse("IT,a\u{7}b").unwrap_err();
        assert!(err.0.starts_with("entry 2"), "{}", err.0);
    }
}
