//! The filter, PATCH-path and attribute-path parsers, run over
//! `tests/data/filter/`.
//!
//! A case's input is its `>` line, trailing white space included. The file
//! name picks the parser: `patch*` files hold PATCH paths, `attr_path*`
//! files lone attribute paths (`sortBy`), all others filters. An accepted
//! input prints its tree as an S-expression (`ast:`, a schema URN in
//! angle brackets) and its canonical text (`canonical:`); a rejected one
//! prints a caret under the reported position and the error's `Display`.

use std::fmt::Display;

use roster_scim::{
    AttrPath, Filter, FilterError, MAX_FILTER_CHARS, MAX_FILTER_DEPTH, MAX_FILTER_OPERATORS,
    PatchPath, parse_attr_path, parse_filter, parse_patch_path,
};

use crate::runner::{DataFile, Files, Layout};

const FILES: Files = Files { dir: "filter", prefix: "", layout: Layout::Input };

/// Which parser a data file exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Filter,
    Patch,
    AttrPath,
}

fn grammar(file: &DataFile) -> Grammar {
    if file.name.starts_with("patch") {
        Grammar::Patch
    } else if file.name.starts_with("attr_path") {
        Grammar::AttrPath
    } else {
        Grammar::Filter
    }
}

/// A path as `name.sub`, with its schema URN in angle brackets in front, so
/// that the split at the last `:` shows.
fn path(p: &AttrPath) -> String {
    let urn = p.urn.as_ref().map(|u| format!("<{u}>")).unwrap_or_default();
    let sub = p.sub.as_ref().map(|s| format!(".{s}")).unwrap_or_default();
    format!("{urn}{}{sub}", p.name)
}

/// A filter as an S-expression, so that grouping shows.
fn sexpr(f: &Filter) -> String {
    match f {
        Filter::Compare { path: p, op, value } => format!("({op} {} {value})", path(p)),
        Filter::Present(p) => format!("(pr {})", path(p)),
        Filter::And(a, b) => format!("(and {} {})", sexpr(a), sexpr(b)),
        Filter::Or(a, b) => format!("(or {} {})", sexpr(a), sexpr(b)),
        Filter::Not(a) => format!("(not {})", sexpr(a)),
        Filter::ValuePath { attr, filter } => format!("(where {} {})", path(attr), sexpr(filter)),
    }
}

fn patch_sexpr(p: &PatchPath) -> String {
    match p {
        PatchPath::Attr(attr) => format!("(attr {})", path(attr)),
        PatchPath::Value { attr, filter, sub } => {
            let sub = sub.as_ref().map(|s| format!(".{s}")).unwrap_or_default();
            format!("(where {} {}){sub}", path(attr), sexpr(filter))
        }
    }
}

/// The expected-output form of a parse result.
fn render<T: Display>(
    input: &str,
    result: Result<T, FilterError>,
    ast: impl Fn(&T) -> String,
) -> String {
    match result {
        Ok(tree) => format!("ast: {}\ncanonical: {tree}", ast(&tree)),
        Err(error) => {
            let indent: String = input
                .chars()
                .take(error.position)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            format!("  {indent}^\nerror: {error}")
        }
    }
}

/// What the parser makes of `input`, in the data files' form.
fn actual(grammar: Grammar, input: &str) -> String {
    match grammar {
        Grammar::Filter => render(input, parse_filter(input), sexpr),
        Grammar::Patch => render(input, parse_patch_path(input), patch_sexpr),
        Grammar::AttrPath => render(input, parse_attr_path(input), path),
    }
}

#[test]
fn data_files_match_the_parsers() {
    let total = FILES.run(|file, case| Ok(actual(grammar(file), &case.text())));
    assert!(total >= 615, "only {total} filter and path cases");
}

/// Every input of every data file, with its grammar.
fn all_inputs() -> Vec<(Grammar, String)> {
    let mut inputs = Vec::new();
    for file in FILES.load() {
        for case in &file.cases {
            inputs.push((grammar(&file), case.text()));
        }
    }
    inputs
}

/// Property: the canonical text of every accepted input parses back to the
/// same tree, and is a fixed point.
#[test]
fn canonical_text_parses_to_the_same_tree() {
    fn round_trip<T: Display + PartialEq + std::fmt::Debug>(
        input: &str,
        parse: impl Fn(&str) -> Result<T, FilterError>,
    ) -> bool {
        let Ok(tree) = parse(input) else { return false };
        let text = tree.to_string();
        let again = parse(&text).unwrap_or_else(|e| panic!("{input:?} -> {text:?}: {e}"));
        assert_eq!(again, tree, "{input:?} -> {text:?}");
        assert_eq!(again.to_string(), text, "{input:?}");
        true
    }
    let mut accepted = 0;
    for (grammar, input) in all_inputs() {
        let ok = match grammar {
            Grammar::Filter => round_trip(&input, parse_filter),
            Grammar::Patch => round_trip(&input, parse_patch_path),
            Grammar::AttrPath => round_trip(&input, parse_attr_path),
        };
        accepted += usize::from(ok);
    }
    assert!(accepted >= 200, "only {accepted} accepted inputs in the data files");
}

/// Property: every error points inside the input or just past its end.
#[test]
fn errors_point_into_the_input() {
    for (grammar, input) in all_inputs() {
        let error = match grammar {
            Grammar::Filter => parse_filter(&input).err(),
            Grammar::Patch => parse_patch_path(&input).err(),
            Grammar::AttrPath => parse_attr_path(&input).err(),
        };
        if let Some(error) = error {
            assert!(error.position <= input.chars().count(), "{input:?}: {error}");
            assert!(!error.message.is_empty(), "{input:?}");
        }
    }
}

#[test]
fn line_breaks_and_tabs_separate_tokens() {
    let filter = parse_filter("title pr\nand\r\n\tnot (\nuserName eq \"x\"\n)").unwrap();
    assert_eq!(filter.to_string(), "title pr and not (userName eq \"x\")");
    let path = parse_patch_path("\temails[type eq \"work\"\n].value\r\n").unwrap();
    assert_eq!(path.to_string(), "emails[type eq \"work\"].value");
}

/// A filter of exactly `len` characters: `userName eq "aaa..."`.
fn filter_of_length(len: usize) -> String {
    format!("userName eq \"{}\"", "a".repeat(len - 14))
}

#[test]
fn filters_up_to_the_length_limit_are_accepted() {
    let longest = filter_of_length(MAX_FILTER_CHARS);
    assert_eq!(longest.chars().count(), MAX_FILTER_CHARS);
    assert!(parse_filter(&longest).is_ok());
    let error = parse_filter(&filter_of_length(MAX_FILTER_CHARS + 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "at character 10000: the filter is longer than 10000 characters, the limit this server \
         sets against abuse"
    );
    let path = format!("members[value eq \"{}\"]", "é".repeat(MAX_FILTER_CHARS));
    let error = parse_patch_path(&path).unwrap_err();
    assert_eq!(error.position, MAX_FILTER_CHARS);
    assert!(error.message.starts_with("the path is longer than 10000 characters"));
}

#[test]
fn nesting_up_to_the_depth_limit_is_accepted() {
    let nested = |depth: usize| format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
    assert_eq!(parse_filter(&nested(MAX_FILTER_DEPTH)).unwrap().to_string(), "a pr");
    let error = parse_filter(&nested(MAX_FILTER_DEPTH + 1)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "at character 64: the filter nests parentheses and brackets deeper than 64 levels, the \
         limit this server sets against abuse"
    );
    let nots = |depth: usize| format!("{}a pr{}", "not (".repeat(depth), ")".repeat(depth));
    assert!(parse_filter(&nots(MAX_FILTER_DEPTH)).is_ok());
    let error = parse_filter(&nots(MAX_FILTER_DEPTH + 1)).unwrap_err();
    assert_eq!(error.position, 5 * MAX_FILTER_DEPTH + 4);
}

/// Issue 16: a chain of a thousand operators is a tree a thousand levels
/// deep, which overflowed a server worker's stack in the recursive stages
/// after the parser.
#[test]
fn operators_up_to_the_limit_are_accepted() {
    let chain = |op: &str, terms: usize| vec!["a pr"; terms].join(&format!(" {op} "));
    for op in ["and", "or"] {
        assert!(parse_filter(&chain(op, MAX_FILTER_OPERATORS + 1)).is_ok(), "{op}");
        let error = parse_filter(&chain(op, MAX_FILTER_OPERATORS + 2)).unwrap_err();
        // At the operator past the limit: after its terms, their operators
        // and the space before it.
        let at = (MAX_FILTER_OPERATORS + 1) * 4 + MAX_FILTER_OPERATORS * (op.len() + 2) + 1;
        assert_eq!(error.position, at);
        assert!(error.message.contains("more than 200"), "{error}");
    }
    // Counted over the whole filter, at any nesting, in value filters too.
    let mixed = |n| format!("({}) or emails[{}]", chain("and", 150), chain("or", n));
    assert!(parse_filter(&mixed(51)).is_ok());
    assert!(parse_filter(&mixed(52)).is_err());
    let path = format!(
        "emails[{}].value",
        chain("or", MAX_FILTER_OPERATORS + 2).replace("a pr", "type pr")
    );
    assert!(parse_patch_path(&path).is_err());
}
