//! Attribute paths: splitting one word token into `[URN ":"] name ["."
//! sub]` (RFC 7644 §3.10, names from RFC 7643 §2.1).
//!
//! A schema URN contains colons and dots itself
//! (`urn:ietf:params:scim:schemas:core:2.0:User`), so the URN is everything
//! up to the last `:`, and the attribute part after it holds at most one
//! `.`. Only the structure is checked here; whether a URN or name exists is
//! for the schema layer to say.

use super::{AttrPath, FilterError};

/// The attribute path spelled by `word`, whose first character is at
/// `start` in the input.
pub(crate) fn split(word: &str, start: usize) -> Result<AttrPath, FilterError> {
    // Words hold only ASCII characters, so byte offsets are character offsets.
    let (urn, rest, rest_start) = match word.rfind(':') {
        Some(i) => {
            let urn = word.get(..i).unwrap_or_default();
            check_urn(urn, word, start)?;
            (Some(urn.to_string()), word.get(i + 1..).unwrap_or_default(), start + i + 1)
        }
        None => (None, word, start),
    };
    let (name, sub) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    if name.is_empty() {
        let message = match &urn {
            Some(urn) => format!("missing attribute name after the schema URN \"{urn}:\""),
            None => "missing attribute name before \".\"".to_string(),
        };
        return Err(FilterError::new(rest_start, message));
    }
    check_name(name, rest_start, "attribute")?;
    let sub = match sub {
        None => None,
        Some(sub) => {
            let sub_start = rest_start + name.len() + 1;
            if let Some(j) = sub.find('.') {
                return Err(FilterError::new(
                    sub_start + j,
                    format!(
                        "attribute path \"{rest}\" has more than one \".\"; SCIM attributes have \
                         at most one level of sub-attributes"
                    ),
                ));
            }
            if sub.is_empty() {
                return Err(FilterError::new(
                    sub_start,
                    format!("missing sub-attribute name after \"{name}.\""),
                ));
            }
            check_name(sub, sub_start, "sub-attribute")?;
            Some(sub.to_string())
        }
    };
    Ok(AttrPath { urn, name: name.to_string(), sub })
}

/// Checks a name that is not empty: RFC 7643 §2.1 `ATTRNAME = ALPHA
/// *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, or `$ref`, the
/// reference sub-attribute of RFC 7643 §2.3.7 that `members[$ref eq ...]`
/// and `manager.$ref` use.
pub(crate) fn check_name(name: &str, start: usize, what: &str) -> Result<(), FilterError> {
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    let mut chars = name.char_indices();
    if !chars.next().is_some_and(|(_, c)| c.is_ascii_alphabetic()) {
        let why = if name.starts_with('$') {
            "the only name starting with \"$\" is \"$ref\""
        } else {
            "a name starts with a letter"
        };
        return Err(FilterError::new(start, format!("invalid {what} name \"{name}\": {why}")));
    }
    for (i, c) in chars {
        if !(c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(FilterError::new(
                start + i,
                format!(
                    "invalid character \"{c}\" in {what} name \"{name}\"; names hold letters, \
                     digits, \"-\" and \"_\""
                ),
            ));
        }
    }
    Ok(())
}

/// Checks the URN part of `word`: it starts with `urn:` and its
/// colon-separated segments are non-empty runs of letters, digits, `.`, `-`
/// and `_`, the characters of the URNs SCIM schemas use.
fn check_urn(urn: &str, word: &str, start: usize) -> Result<(), FilterError> {
    let scheme = urn.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("urn:"));
    if !scheme {
        return Err(FilterError::new(
            start,
            format!(
                "invalid attribute path \"{word}\": the part before the last \":\" must be a \
                 schema URN starting with \"urn:\""
            ),
        ));
    }
    let mut offset = 0;
    for segment in urn.split(':') {
        if segment.is_empty() {
            return Err(FilterError::new(
                start + offset,
                format!("empty segment in the schema URN \"{urn}\""),
            ));
        }
        if let Some((i, c)) = segment.char_indices().find(|(_, c)| *c == '$') {
            return Err(FilterError::new(
                start + offset + i,
                format!("invalid character \"{c}\" in the schema URN \"{urn}\""),
            ));
        }
        offset += segment.len() + 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_string),
            name: name.to_string(),
            sub: sub.map(str::to_string),
        }
    }

    #[test]
    fn the_urn_ends_at_the_last_colon() {
        let user = "urn:ietf:params:scim:schemas:core:2.0:User";
        assert_eq!(
            split(&format!("{user}:name.givenName"), 0),
            Ok(path(Some(user), "name", Some("givenName")))
        );
        assert_eq!(split("members.$ref", 0), Ok(path(None, "members", Some("$ref"))));
        assert_eq!(split("urn:x:y", 0), Ok(path(Some("urn:x"), "y", None)));
    }

    #[test]
    fn errors_point_inside_the_word() {
        let error = |word| split(word, 10).unwrap_err().to_string();
        assert_eq!(
            error("a.b.c"),
            "at character 13: attribute path \"a.b.c\" has more than one \".\"; SCIM attributes \
             have at most one level of sub-attributes"
        );
        assert_eq!(error("a."), "at character 12: missing sub-attribute name after \"a.\"");
        assert_eq!(
            error("urn:a::b"),
            "at character 16: empty segment in the schema URN \"urn:a:\""
        );
        assert_eq!(
            error("name.1x"),
            "at character 15: invalid sub-attribute name \"1x\": a name starts with a letter"
        );
        assert_eq!(
            error("a$b"),
            "at character 11: invalid character \"$\" in attribute name \"a$b\"; names hold \
             letters, digits, \"-\" and \"_\""
        );
    }
}
