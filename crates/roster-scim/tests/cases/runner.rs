//! The one runner of the data tests: it reads the files of `tests/data/`,
//! runs every case through a subject's code, compares the result with the
//! case's expected lines in [`check`], and with `UPDATE_EXPECT=1` writes
//! the results back as the new expected lines.
//!
//! # The data-file format
//!
//! A data file is a list of cases. Between cases, blank lines are ignored,
//! lines starting with `#` are comments, and a line `@key value` is a
//! directive for the whole file (such as the resource an eval file
//! filters). A case opens with one or more lines starting with `>`. In the
//! [`Layout::Input`] layout each of them, less the `>` and one space after
//! it, is a line of the case's input (a lone `>` is an empty line, and
//! trailing white space counts). In the [`Layout::Fields`] layout, for
//! subjects whose input is several values, the `>` line is only the case's
//! title, and `key: value` lines follow (a key is lower-case letters and
//! `_`; a value goes on over the following lines that do not look like
//! `key:`), ended by a line `--`.
//!
//! The expected output follows, up to a blank line or the end of the file.
//! Each subject module says how its inputs are read and how its output is
//! printed; JSON is printed with sorted keys ([`pretty`], [`compact`]) so
//! that the text does not depend on the map `serde_json` was built with.
//!
//! `UPDATE_EXPECT=1 cargo test -p roster-scim --test cases` replaces every
//! expected output with what the code produces now and leaves everything
//! else as it is; review the diff before committing it. A case whose
//! subject reports a broken invariant fails even then, because no expected
//! output can make it right.

use std::ops::Range;
use std::path::PathBuf;

use serde_json::{Map, Value};

/// How the cases of a set of data files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The `>` lines are the input; the expected output follows them.
    Input,
    /// The `>` line is a title, followed by `key: value` fields and `--`.
    Fields,
}

/// The data files of one subject: the `.txt` files of `tests/data/DIR/`
/// whose names start with `prefix`.
#[derive(Debug, Clone, Copy)]
pub struct Files {
    pub dir: &'static str,
    pub prefix: &'static str,
    pub layout: Layout,
}

/// What a subject makes of one case: the output to compare with the
/// expected lines, or a broken invariant that no expected output excuses.
pub type Actual = Result<String, String>;

/// One case of a data file.
#[derive(Debug)]
pub struct Case {
    /// The `>` lines without their prefix: the input, or in the
    /// [`Layout::Fields`] layout the title.
    pub input: Vec<String>,
    /// The file, as `tests/data/DIR/NAME`, and the 1-based number of the
    /// case's first `>` line, for messages.
    pub file: String,
    pub line: usize,
    pub fields: Vec<(String, String)>,
    /// The expected lines, as line indices of the file.
    pub expect: Range<usize>,
}

impl Case {
    /// Where the case starts, as `FILE:LINE`.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The input lines as one text.
    pub fn text(&self) -> String {
        self.input.join("\n")
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Parses the JSON of a field, naming the case on error.
    pub fn json(&self, text: &str) -> Value {
        serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("{}: invalid JSON ({e}): {text}", self.at()))
    }
}

/// A parsed data file.
#[derive(Debug)]
pub struct DataFile {
    pub name: String,
    pub path: PathBuf,
    pub lines: Vec<String>,
    /// The `@key value` lines, in order.
    pub directives: Vec<(String, String)>,
    pub cases: Vec<Case>,
}

impl DataFile {
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

impl Files {
    /// The folder of the files, which also holds the fixtures they name.
    pub fn folder(&self) -> PathBuf {
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("tests/data")
            .join(self.dir)
    }

    /// The JSON fixture `name` next to the data files.
    pub fn fixture(&self, name: &str) -> Value {
        let path = self.folder().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every data file, in name order, parsed.
    pub fn load(&self) -> Vec<DataFile> {
        let dir = self.folder();
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| {
                let name = path.file_name().unwrap().to_string_lossy();
                name.starts_with(self.prefix) && name.ends_with(".txt")
            })
            .collect();
        paths.sort();
        assert!(!paths.is_empty(), "no {}*.txt data files in {}", self.prefix, dir.display());
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let lines: Vec<String> = text.lines().map(str::to_string).collect();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let origin = format!("tests/data/{}/{name}", self.dir);
                let (directives, cases) =
                    parse(&origin, &lines, self.layout).unwrap_or_else(|e| panic!("{e}"));
                assert!(!cases.is_empty(), "{origin} has no cases");
                DataFile { name, path, lines, directives, cases }
            })
            .collect()
    }

    /// Runs every case through `actual` and [`check`]s the result, then
    /// fails listing every case that differs, or with `UPDATE_EXPECT=1`
    /// rewrites the expected outputs instead. Returns the number of cases.
    pub fn run(&self, actual: impl Fn(&DataFile, &Case) -> Actual) -> usize {
        // Only `1` rewrites: `UPDATE_EXPECT=0` or an empty value left in an
        // environment must not turn a failing run into a passing one.
        let update = std::env::var("UPDATE_EXPECT").is_ok_and(|value| value == "1");
        // Each failure with whether rewriting the expected output fixes it.
        let mut failures: Vec<(bool, String)> = Vec::new();
        let mut total = 0;
        for file in self.load() {
            total += file.cases.len();
            let mut rewritten: Vec<String> = Vec::new();
            let mut next = 0;
            for case in &file.cases {
                let expected = &file.lines[case.expect.clone()];
                let actual = actual(&file, case);
                if let Err(failure) = check(case, &actual, &expected.join("\n")) {
                    failures.push((actual.is_ok(), failure));
                }
                rewritten.extend(file.lines[next..case.expect.start].iter().cloned());
                match &actual {
                    Ok(text) => rewritten.extend(text.lines().map(str::to_string)),
                    Err(_) => rewritten.extend(expected.iter().cloned()),
                }
                next = case.expect.end;
            }
            rewritten.extend(file.lines[next..].iter().cloned());
            if update && rewritten != file.lines {
                // Written aside and renamed, so that a test reading the same
                // files in parallel never sees a half-written one.
                let temporary = file.path.with_extension("txt.new");
                std::fs::write(&temporary, rewritten.join("\n") + "\n").unwrap();
                std::fs::rename(&temporary, &file.path).unwrap();
            }
        }
        let files = format!("tests/data/{}/{}*.txt", self.dir, self.prefix);
        eprintln!("{total} data cases in {files}");
        failures.retain(|(fixable, _)| !(update && *fixable));
        assert!(
            failures.is_empty(),
            "{} of {total} cases in {files} fail (UPDATE_EXPECT=1 rewrites the expected outputs \
             that differ; review the diff):\n\n{}",
            failures.len(),
            failures.into_iter().map(|(_, failure)| failure).collect::<Vec<_>>().join("\n\n")
        );
        total
    }
}

/// Checks one case: what the code made of its input is its expected
/// output. The message names the case, shows its input and points at the
/// first expected line that differs, so that a long output need not be
/// compared by eye.
fn check(case: &Case, actual: &Actual, expect: &str) -> Result<(), String> {
    let input: Vec<String> = case
        .input
        .iter()
        .map(|line| if line.is_empty() { ">".to_string() } else { format!("> {line}") })
        .collect();
    let head = format!("{}:\n{}", case.at(), input.join("\n"));
    let actual = match actual {
        Ok(actual) if actual == expect => return Ok(()),
        Ok(actual) => actual,
        Err(broken) => return Err(format!("{head}\ninvariant broken: {broken}")),
    };
    let same = expect.lines().zip(actual.lines()).take_while(|(e, a)| e == a).count();
    let differs = format!("{}:{}", case.file, case.expect.start + same + 1);
    Err(format!("{head}\nfirst difference at {differs}\nexpected:\n{expect}\nactual:\n{actual}"))
}

/// A `key: value` line: a lower-case key of letters and `_`.
fn field_start(line: &str) -> Option<(String, String)> {
    let (key, value) = line.split_once(':')?;
    let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    is_key.then(|| (key.to_string(), value.trim_start().to_string()))
}

type Parsed = (Vec<(String, String)>, Vec<Case>);

/// The directives and cases of the lines of the file `origin`, or where
/// the file breaks the format.
fn parse(origin: &str, lines: &[String], layout: Layout) -> Result<Parsed, String> {
    let error = |index: usize, message: &str| Err(format!("{origin}:{}: {message}", index + 1));
    let mut directives = Vec::new();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].as_str();
        if line.starts_with('>') {
            let opening = i;
            let mut input = Vec::new();
            while let Some(text) = lines.get(i).and_then(|line| line.strip_prefix('>')) {
                input.push(text.strip_prefix(' ').unwrap_or(text).to_string());
                i += 1;
            }
            let mut fields: Vec<(String, String)> = Vec::new();
            if layout == Layout::Fields {
                while i < lines.len() && lines[i] != "--" {
                    let field = lines[i].as_str();
                    if field.is_empty() {
                        return error(i, "blank line before \"--\"");
                    }
                    match (field_start(field), fields.last_mut()) {
                        (Some(start), _) => fields.push(start),
                        (None, Some((_, value))) => {
                            value.push('\n');
                            value.push_str(field);
                        }
                        (None, None) => return error(i, "expected \"key: value\""),
                    }
                    i += 1;
                }
                if i == lines.len() {
                    return error(opening, "the case has no \"--\" line");
                }
                i += 1;
            }
            let start = i;
            while i < lines.len() && !lines[i].is_empty() {
                i += 1;
            }
            cases.push(Case {
                input,
                file: origin.to_string(),
                line: opening + 1,
                fields,
                expect: start..i,
            });
        } else if let Some(directive) = line.strip_prefix('@') {
            let (key, value) = directive.split_once(' ').unwrap_or((directive, ""));
            directives.push((key.to_string(), value.to_string()));
            i += 1;
        } else if line.is_empty() || line.starts_with('#') {
            i += 1;
        } else {
            return error(i, &format!("neither a case, a comment nor blank: {line:?}"));
        }
    }
    Ok((directives, cases))
}

/// `value` with object keys in sorted order, whatever map `serde_json`
/// was built with.
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for key in keys {
                out.insert(key.clone(), sorted(&object[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// Pretty JSON with sorted keys.
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(&sorted(value)).unwrap()
}

/// One-line JSON with sorted keys.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(&sorted(value)).unwrap()
}
