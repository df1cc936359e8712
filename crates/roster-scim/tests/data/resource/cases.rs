//! The data-file format of `tests/resource.rs` and `tests/patch.rs`, and
//! the loop that runs every case of a directory through a test's
//! `check(input, expect)` (STYLE rule 7: protocol tests are data).
//!
//! A data file is a list of cases; lines starting with `#` between cases
//! are comments, and a line `@key value` before the cases is a directive
//! for the whole file (such as the resource an eval file filters). A case
//! starts with a line `> TITLE`. In files with fields, `key: value` lines
//! follow (a value may continue on the lines after it, which do not look
//! like `key:`), then a line `--`; in files without, the title is the
//! input. The expected output follows, up to a blank line.
//!
//! `UPDATE_EXPECT=1` rewrites every expected output from what the code
//! does now; review the diff.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// One case of a data file.
#[derive(Debug)]
pub struct Case {
    pub title: String,
    /// The 1-based line number of the `>` line.
    pub line: usize,
    pub fields: Vec<(String, String)>,
    /// The expected lines, as line indices of the file.
    pub expect: Range<usize>,
}

impl Case {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// A parsed data file.
#[derive(Debug)]
pub struct DataFile {
    pub dir: PathBuf,
    pub name: String,
    pub directives: Directives,
    pub cases: Vec<Case>,
}

impl DataFile {
    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// A `key: value` line: a lower-case key of letters and `_`.
fn field_start(line: &str) -> Option<(String, String)> {
    let (key, value) = line.split_once(':')?;
    let is_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    is_key.then(|| (key.to_string(), value.trim_start().to_string()))
}

/// `@key value` lines, in order.
type Directives = Vec<(String, String)>;

fn parse(lines: &[&str], with_fields: bool) -> Result<(Directives, Vec<Case>), String> {
    let mut directives = Vec::new();
    let mut cases = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(title) = line.strip_prefix('>') {
            let title = title.strip_prefix(' ').unwrap_or(title).to_string();
            let mut j = i + 1;
            let mut fields: Vec<(String, String)> = Vec::new();
            if with_fields {
                while j < lines.len() && lines[j] != "--" {
                    let field = lines[j];
                    if field.is_empty() {
                        return Err(format!("line {}: blank line before \"--\"", j + 1));
                    }
                    match (field_start(field), fields.last_mut()) {
                        (Some(start), _) => fields.push(start),
                        (None, Some((_, value))) => {
                            value.push('\n');
                            value.push_str(field);
                        }
                        (None, None) => {
                            return Err(format!("line {}: expected \"key: value\"", j + 1));
                        }
                    }
                    j += 1;
                }
                if j == lines.len() {
                    return Err(format!("line {}: the case has no \"--\" line", i + 1));
                }
                j += 1;
            }
            let start = j;
            while j < lines.len() && !lines[j].is_empty() {
                j += 1;
            }
            cases.push(Case { title, line: i + 1, fields, expect: start..j });
            i = j;
        } else if let Some(directive) = line.strip_prefix('@') {
            let (key, value) = directive.split_once(' ').unwrap_or((directive, ""));
            directives.push((key.to_string(), value.to_string()));
            i += 1;
        } else if line.is_empty() || line.starts_with('#') {
            i += 1;
        } else {
            return Err(format!("line {}: neither a case, a comment nor blank: {line:?}", i + 1));
        }
    }
    Ok((directives, cases))
}

/// The `.txt` files of `dir` whose names start with `prefix`, in name
/// order, each with its lines.
pub fn load(dir: &Path, prefix: &str, with_fields: bool) -> Vec<(DataFile, PathBuf, Vec<String>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with(prefix) && name.ends_with(".txt")
        })
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no {prefix}*.txt data files in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let (directives, cases) =
                parse(&borrowed, with_fields).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!cases.is_empty(), "{name} has no cases");
            (DataFile { dir: dir.to_path_buf(), name, directives, cases }, path, lines)
        })
        .collect()
}

/// Runs every case of the `.txt` files of `dir` whose names start with
/// `prefix`: `input` reads a case, `check` compares with the expected
/// lines, and `actual` gives the lines `UPDATE_EXPECT=1` writes. Returns
/// the number of cases.
pub fn run<T>(
    dir: &Path,
    prefix: &str,
    with_fields: bool,
    input: impl Fn(&DataFile, &Case) -> T,
    actual: impl Fn(&T) -> String,
    check: impl Fn(&T, &str) -> Result<(), String>,
) -> usize {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut total = 0;
    for (file, path, lines) in load(dir, prefix, with_fields) {
        total += file.cases.len();
        let mut rewritten: Vec<String> = Vec::new();
        let mut next = 0;
        for case in &file.cases {
            let input = input(&file, case);
            let expect = lines[case.expect.clone()].join("\n");
            if let Err(failure) = check(&input, &expect) {
                failures.push(format!("{}:{}: {}\n{failure}", file.name, case.line, case.title));
            }
            rewritten.extend(lines[next..case.expect.start].iter().cloned());
            rewritten.extend(actual(&input).lines().map(str::to_string));
            next = case.expect.end;
        }
        rewritten.extend(lines[next..].iter().cloned());
        if update {
            // Written aside and renamed, so that a test reading the same
            // files in parallel never sees a half-written one.
            let temporary = path.with_extension("txt.new");
            std::fs::write(&temporary, rewritten.join("\n") + "\n").unwrap();
            std::fs::rename(&temporary, &path).unwrap();
        }
    }
    eprintln!("{total} data cases in {prefix}*.txt");
    if !update {
        assert!(
            failures.is_empty(),
            "{} of {total} cases differ (UPDATE_EXPECT=1 rewrites them):\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
    total
}

/// `value` with object keys in sorted order, whatever map `serde_json`
/// was built with.
fn sorted(value: &Value) -> Value {
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

/// Parses the JSON of a field, naming the case on error.
pub fn json(case: &Case, text: &str) -> Value {
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("line {}: invalid JSON ({e}): {text}", case.line))
}
