//! Filters as Entra ID writes them: unquoted values
//! ([`Tolerance::UnquotedFilterValue`]) and comparisons of a value
//! path's sub-attribute ([`Tolerance::ValuePathFilter`]).
//!
//! Value paths: Microsoft's provisioning tutorial has a server match users
//! by `emails[type eq "work"].value eq "x"`, a PATCH path followed by a
//! comparison, which RFC 7644's filter grammar does not allow after `]`.
//! It has one meaning, `emails[type eq "work" and value eq "x"]`, and is
//! rewritten into it.
//!
//! RFC 7644 §3.4.2.2 writes a string `compValue` as a JSON string; Entra ID
//! has been seen to send `externalId eq 12345` and `userName eq alice@x`.
//! The strict parser refuses the second, and the first parses as a number
//! that [`crate::resolve_filter`] then refuses for a string attribute.
//!
//! A value is quoted only in the one position the grammar gives a value:
//! the token right after a comparison operator that follows an attribute
//! path. It is quoted when the strict engine would refuse it there: a bare
//! word that is not `true`, `false` or `null` (any case) nor a JSON number,
//! or a JSON number compared with an attribute whose type takes a string
//! (string, reference, binary, dateTime). The token ends at white space,
//! a quote, a parenthesis or a bracket, so a value with spaces is not
//! guessed at. The rewrite is kept only if the result parses; otherwise, and
//! for every filter the engine already accepts, the text comes back
//! byte-identical so that errors quote what the client sent.

use serde_json::Value;

use super::{Normalized, Tolerance};
use crate::schema::{AttrType, ResourceType};
use crate::{CompareOp, MAX_FILTER_CHARS, parse_attr_path, parse_filter, resolve_filter};

/// The `filter` query parameter (or SearchRequest member) of a request on
/// resources of type `rt`, with unquoted values quoted (see the module
/// documentation). `applied` is empty, and `value` equals `filter`, unless
/// a value was quoted.
pub fn filter_text(rt: &ResourceType, filter: &str) -> Normalized<String> {
    let accepted =
        |text: &str| parse_filter(text).is_ok_and(|tree| resolve_filter(rt, &tree).is_ok());
    // Limits first: a text the strict parser refuses for its length is
    // passed through, so that hostile input costs one bounded scan, and the
    // error names the limit.
    if filter.chars().nth(MAX_FILTER_CHARS).is_some() || accepted(filter) {
        return Normalized::unchanged(filter.to_owned());
    }
    if let Some(rewritten) = value_path_comparisons(filter) {
        let mut inner = unquoted_values(rt, &rewritten);
        if accepted(&inner.value) {
            inner.applied.insert(0, Tolerance::ValuePathFilter);
            return inner;
        }
    }
    unquoted_values(rt, filter)
}

/// `attr[filter].sub op value` rewritten as `attr[(filter) and sub op
/// value]`, wherever it occurs; `None` when there is none.
///
/// Linear in the length of `filter`: the rewrite is a list of edits at
/// byte offsets of the original (an opening parenthesis after each
/// rewritten `[`, the comparison moved before its `]`), applied in one pass,
/// so that nested or repeated brackets never copy the text again.
fn value_path_comparisons(filter: &str) -> Option<String> {
    let tokens = tokens(filter);
    let text = |t: &Token| &filter[t.start..t.end];
    // (offset, text to insert there, offset to resume copying from).
    let mut edits: Vec<(usize, String, usize)> = Vec::new();
    // The byte offset just after each open `[`.
    let mut opens: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        match (token.kind, text(token)) {
            (Kind::Open, "[") => opens.push(token.end),
            (Kind::Close, "]") => {
                let open_at = opens.pop();
                let sub = tokens
                    .get(i + 1)
                    .filter(|t| t.kind == Kind::Word)
                    .and_then(|t| text(t).strip_prefix('.'))
                    .filter(|sub| !sub.is_empty());
                if let (Some(open_at), Some(sub)) = (open_at, sub) {
                    let (comparison, next) = comparison(filter, &tokens, i + 2)?;
                    let resume = tokens.get(next).map_or(filter.len(), |t| t.start);
                    edits.push((open_at, "(".to_owned(), open_at));
                    edits.push((token.start, format!(") and {sub} {comparison}]"), resume));
                    i = next;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if edits.is_empty() {
        return None;
    }
    // Stable: an insertion after `[` comes before a `]` at the same offset.
    edits.sort_by_key(|(at, _, _)| *at);
    let mut out = String::with_capacity(filter.len() + 16 * edits.len());
    let mut copied = 0;
    for (at, insert, resume) in edits {
        out.push_str(&filter[copied..at]);
        out.push_str(&insert);
        copied = resume;
    }
    out.push_str(&filter[copied..]);
    Some(out)
}

/// The text of ` op value` (or ` pr`) starting at token `at`, without the
/// leading space, and the index of the token after it.
fn comparison<'f>(filter: &'f str, tokens: &[Token], at: usize) -> Option<(&'f str, usize)> {
    let [space, op, rest @ ..] = tokens.get(at..)? else { return None };
    if space.kind != Kind::Space || op.kind != Kind::Word {
        return None;
    }
    let op_text = &filter[op.start..op.end];
    if op_text.eq_ignore_ascii_case("pr") {
        return Some((op_text, at + 2));
    }
    if !CompareOp::ALL.iter().any(|c| c.as_str().eq_ignore_ascii_case(op_text)) {
        return None;
    }
    match rest {
        [space, value, ..]
            if space.kind == Kind::Space && matches!(value.kind, Kind::Str | Kind::Word) =>
        {
            Some((&filter[op.start..value.end], at + 4))
        }
        _ => None,
    }
}

/// [`Tolerance::UnquotedFilterValue`] (see the module documentation).
fn unquoted_values(rt: &ResourceType, filter: &str) -> Normalized<String> {
    let tokens = tokens(filter);
    let mut out = String::with_capacity(filter.len() + 8);
    let mut quoted = false;
    // Indices into `tokens` of the tokens that are not white space.
    let mut solid: Vec<usize> = Vec::new();
    // The attribute of each open `[`, whose sub-attributes the paths
    // inside it name.
    let mut scopes: Vec<Option<&str>> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let text = &filter[token.start..token.end];
        match token.kind {
            Kind::Open if text == "[" => {
                let attr = solid.last().map(|&j| &tokens[j]).filter(|t| t.kind == Kind::Word);
                scopes.push(attr.map(|t| &filter[t.start..t.end]));
            }
            Kind::Close if text == "]" => {
                scopes.pop();
            }
            _ => {}
        }
        let replacement = (token.kind == Kind::Word && i > 0 && tokens[i - 1].kind == Kind::Space)
            .then(|| value_position(filter, &tokens, &solid))
            .flatten()
            .filter(|attr| needs_quotes(rt, scopes.last().copied().flatten(), attr, text));
        match replacement {
            Some(_) => {
                out.push_str(&Value::from(text).to_string());
                quoted = true;
            }
            None => out.push_str(text),
        }
        if token.kind != Kind::Space {
            solid.push(i);
        }
    }
    if quoted && parse_filter(&out).is_ok() {
        Normalized { value: out, applied: vec![Tolerance::UnquotedFilterValue] }
    } else {
        Normalized::unchanged(filter.to_owned())
    }
}

/// When the next token is in value position (`attrPath SP compareOp SP`),
/// the attribute path's text.
fn value_position<'f>(filter: &'f str, tokens: &[Token], solid: &[usize]) -> Option<&'f str> {
    let [.., path, op] = solid else { return None };
    let (path, op) = (&tokens[*path], &tokens[*op]);
    if path.kind != Kind::Word || op.kind != Kind::Word {
        return None;
    }
    let op_text = &filter[op.start..op.end];
    let path_text = &filter[path.start..path.end];
    let keyword = ["and", "or", "not"].iter().any(|k| path_text.eq_ignore_ascii_case(k));
    let compare = CompareOp::ALL.iter().any(|c| c.as_str().eq_ignore_ascii_case(op_text));
    (compare && !keyword).then_some(path_text)
}

/// Whether the bare token `value`, compared with `path` (inside
/// `scope[...]` when given), is refused by the strict engine and reads as
/// a string.
fn needs_quotes(rt: &ResourceType, scope: Option<&str>, path: &str, value: &str) -> bool {
    let literal = ["true", "false", "null"].iter().any(|k| value.eq_ignore_ascii_case(k));
    if literal {
        return false;
    }
    if serde_json::from_str::<serde_json::Number>(value).is_err() {
        return true;
    }
    // A JSON number: refused only where the attribute takes a string.
    let Ok(path) = parse_attr_path(path) else { return false };
    let resolved = match scope.map(parse_attr_path) {
        Some(Ok(outer)) => rt.resolve(outer.urn.as_deref(), &outer.name, Some(&path.name)),
        Some(Err(_)) => return false,
        None => rt.resolve(path.urn.as_deref(), &path.name, path.sub.as_deref()),
    };
    let Ok(resolved) = resolved else { return false };
    let mut attribute = resolved.sub.unwrap_or(resolved.attribute);
    if attribute.kind == AttrType::Complex && attribute.multi_valued {
        // RFC 7644 §3.4.2.2: `emails eq ...` compares `emails.value`.
        match attribute.sub("value") {
            Some(value) => attribute = value,
            None => return false,
        }
    }
    matches!(
        attribute.kind,
        AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    /// A JSON string, from its opening quote to its closing one (or the end).
    Str,
    /// `(` or `[`.
    Open,
    /// `)` or `]`.
    Close,
    /// Anything else up to white space, a quote or a bracket.
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// A coarse split of `filter` into tokens that covers every byte, so that
/// concatenating the tokens gives `filter` back.
fn tokens(filter: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = filter.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let kind = match c {
            c if c.is_whitespace() => {
                while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
                Kind::Space
            }
            '"' => {
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, '\\') => escaped = true,
                        (false, '"') => break,
                        _ => {}
                    }
                }
                Kind::Str
            }
            '(' | '[' => Kind::Open,
            ')' | ']' => Kind::Close,
            _ => {
                while chars
                    .next_if(|(_, c)| {
                        !c.is_whitespace() && !matches!(c, '"' | '(' | ')' | '[' | ']')
                    })
                    .is_some()
                {}
                Kind::Word
            }
        };
        let end = chars.peek().map_or(filter.len(), |(i, _)| *i);
        out.push(Token { kind, start, end });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::USER_RESOURCE;

    #[test]
    fn value_paths_are_rewritten_in_place() {
        let rewritten = value_path_comparisons(
            r#"emails[type eq "work"].value eq "a" or x[]  .y pr and emails[].value pr"#,
        );
        assert_eq!(
            rewritten.as_deref(),
            Some(
                r#"emails[(type eq "work") and value eq "a"] or x[]  .y pr and emails[() and value pr]"#
            )
        );
        assert_eq!(value_path_comparisons(r#"emails[type eq "work"]"#), None);
    }

    /// Issue 16: a 2 MiB search body of nested brackets cost minutes of CPU
    /// when every `]` copied the text after its `[`. The answers are
    /// checked here; `.config/nextest.toml` ends the test (a failure) if it
    /// runs for minutes again.
    #[test]
    fn hostile_filters_cost_linear_time() {
        let huge = format!("{}{}", "emails[".repeat(150_000), "].value eq x ".repeat(150_000));
        assert!(huge.len() > 2 * 1024 * 1024);
        let out = filter_text(&USER_RESOURCE, &huge);
        assert_eq!(out.value, huge);
        assert!(out.applied.is_empty());
        // Just under the length limit: the rewrite itself runs, once.
        let nested = format!("{}{}", "a[".repeat(700), "].b eq x".repeat(700));
        assert!(nested.chars().count() < MAX_FILTER_CHARS);
        let rewritten = value_path_comparisons(&nested).unwrap_or_default();
        assert_eq!(rewritten.matches("and b eq x]").count(), 700);
        // `a` is no attribute of the User: the rewrite is not kept.
        let out = filter_text(&USER_RESOURCE, &nested);
        assert_eq!(out.value, nested);
        assert!(out.applied.is_empty());
    }
}
