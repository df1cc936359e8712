//! The filter, PATCH-path and attribute-path parsers, run over the data
//! files in `tests/data/filter/` (STYLE rule 7: protocol tests are data).
//!
//! A data file is a list of cases. A case is a line `> INPUT` (everything
//! after `> ` is the input, trailing white space included; a lone `>` is the
//! empty input) followed by the expected output lines and ended by a blank
//! line. Lines starting with `#` between cases are comments. The file name
//! picks the parser: `patch*` files hold PATCH paths, `attr_path*` files
//! lone attribute paths (`sortBy`), all others filters.
//!
//! The expected output of an accepted input is its tree as an S-expression
//! (`ast:`) and its canonical text (`canonical:`); of a rejected input, a
//! caret under the reported position and the error's `Display`.
//!
//! `UPDATE_EXPECT=1 cargo test -p roster-scim --test filter` rewrites the
//! expected outputs from what the parsers do now; review the diff.

// Integration-test helpers are plain functions, not `#[test]`s, so clippy's
// allow-in-tests settings do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Display;
use std::path::{Path, PathBuf};

use roster_scim::{
    AttrPath, Filter, FilterError, MAX_FILTER_CHARS, MAX_FILTER_DEPTH, PatchPath, parse_attr_path,
    parse_filter, parse_patch_path,
};

/// Which parser a data file exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Filter,
    Patch,
    AttrPath,
}

/// One input for [`check`].
#[derive(Debug)]
struct Input<'a> {
    grammar: Grammar,
    text: &'a str,
}

/// One case of a data file: the input and where its expected lines are.
#[derive(Debug)]
struct Case {
    input: String,
    /// The 1-based line number of the `>` line.
    line: usize,
    /// The expected lines, as line indices `start..end` of the file.
    expect: std::ops::Range<usize>,
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/filter")
}

/// Every data file with the grammar it exercises, in name order.
fn data_files() -> Vec<(PathBuf, Grammar)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let grammar = if name.starts_with("patch") {
                Grammar::Patch
            } else if name.starts_with("attr_path") {
                Grammar::AttrPath
            } else {
                Grammar::Filter
            };
            (path, grammar)
        })
        .collect()
}

/// The cases of a data file, or why the file is malformed.
fn parse_cases(lines: &[&str]) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(input) = line.strip_prefix('>') {
            let input = input.strip_prefix(' ').unwrap_or(input);
            let start = i + 1;
            let mut end = start;
            while end < lines.len() && !lines[end].is_empty() {
                end += 1;
            }
            cases.push(Case { input: input.to_string(), line: i + 1, expect: start..end });
            i = end;
        } else if line.is_empty() || line.starts_with('#') {
            i += 1;
        } else {
            return Err(format!("line {}: neither a case, a comment nor blank: {line:?}", i + 1));
        }
    }
    Ok(cases)
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
fn actual(input: &Input<'_>) -> String {
    match input.grammar {
        Grammar::Filter => render(input.text, parse_filter(input.text), sexpr),
        Grammar::Patch => render(input.text, parse_patch_path(input.text), patch_sexpr),
        Grammar::AttrPath => render(input.text, parse_attr_path(input.text), path),
    }
}

/// Checks one case: the parser's output for `input` is `expect`.
fn check(input: &Input<'_>, expect: &str) -> Result<(), String> {
    let actual = actual(input);
    if actual == expect {
        return Ok(());
    }
    Err(format!("> {}\nexpected:\n{expect}\nactual:\n{actual}", input.text))
}

#[test]
fn data_files_match_the_parsers() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let files = data_files();
    assert!(files.len() >= 3, "expected the data files in {}", data_dir().display());
    let mut failures = Vec::new();
    let mut total = 0;
    for (file, grammar) in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let cases = parse_cases(&lines).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!cases.is_empty(), "{name} has no cases");
        total += cases.len();
        let mut rewritten: Vec<String> = Vec::new();
        let mut next = 0;
        for case in &cases {
            let input = Input { grammar, text: &case.input };
            let expect = lines[case.expect.clone()].join("\n");
            if let Err(failure) = check(&input, &expect) {
                failures.push(format!("{name}:{}:\n{failure}", case.line));
            }
            rewritten.extend(lines[next..case.expect.start].iter().map(|l| l.to_string()));
            rewritten.extend(actual(&input).lines().map(str::to_string));
            next = case.expect.end;
        }
        rewritten.extend(lines[next..].iter().map(|l| l.to_string()));
        if update {
            std::fs::write(&file, rewritten.join("\n") + "\n").unwrap();
        }
    }
    eprintln!("{total} data cases");
    if update {
        return;
    }
    assert!(
        failures.is_empty(),
        "{} of {total} cases differ (UPDATE_EXPECT=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Every input of every data file, with its grammar.
fn all_inputs() -> Vec<(Grammar, String)> {
    let mut inputs = Vec::new();
    for (file, grammar) in data_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for case in parse_cases(&lines).unwrap() {
            inputs.push((grammar, case.input));
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
    // A long flat chain is not nesting: it is parsed by a loop.
    let chain = vec!["a pr"; 1000].join(" and ");
    assert!(parse_filter(&chain).is_ok());
}
