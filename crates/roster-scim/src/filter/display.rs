//! The canonical text of a filter, path or value.
//!
//! Invariant: the text parses back to the same tree. Operators and keywords
//! are lower case, strings are JSON strings, single spaces separate tokens,
//! and parentheses appear only where precedence needs them (`and` binds
//! tighter than `or`, both associate to the left), plus after `not`, which
//! the grammar requires.

use std::fmt::{self, Display, Formatter, Write};

use super::{AttrPath, CompValue, CompareOp, Filter, PatchPath};

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::String(s) => write_json_string(f, s),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Or(left, right) => {
                write_operand(f, left, Precedence::Or)?;
                f.write_str(" or ")?;
                write_operand(f, right, Precedence::And)
            }
            Filter::And(left, right) => {
                write_operand(f, left, Precedence::And)?;
                f.write_str(" and ")?;
                write_operand(f, right, Precedence::Atom)
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { attr, filter } => write!(f, "{attr}[{filter}]"),
        }
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            PatchPath::Attr(path) => write!(f, "{path}"),
            PatchPath::Value { attr, filter, sub } => {
                write!(f, "{attr}[{filter}]")?;
                if let Some(sub) = sub {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

/// How tightly an expression binds, loosest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Precedence {
    Or,
    And,
    Atom,
}

fn precedence(filter: &Filter) -> Precedence {
    match filter {
        Filter::Or(..) => Precedence::Or,
        Filter::And(..) => Precedence::And,
        Filter::Compare { .. } | Filter::Present(_) | Filter::Not(_) | Filter::ValuePath { .. } => {
            Precedence::Atom
        }
    }
}

/// Writes `filter` as an operand that must bind at least as tightly as
/// `min`, in parentheses if it does not. Right operands ask for one level
/// more than their operator, which keeps left associativity.
fn write_operand(f: &mut Formatter<'_>, filter: &Filter, min: Precedence) -> fmt::Result {
    if precedence(filter) < min { write!(f, "({filter})") } else { write!(f, "{filter}") }
}

/// Writes `s` as a JSON string (RFC 8259 §7). Beyond what JSON requires, it
/// also escapes the other control characters and the line and paragraph
/// separators, so that the text stays on one line wherever it is shown.
fn write_json_string(out: &mut impl Write, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            '\u{8}' => out.write_str("\\b")?,
            '\u{c}' => out.write_str("\\f")?,
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                write!(out, "\\u{:04x}", u32::from(c))?
            }
            c => out.write_char(c)?,
        }
    }
    out.write_char('"')
}

/// `s` as a JSON string.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_json_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn present(name: &str) -> Box<Filter> {
        let path = AttrPath { urn: None, name: name.to_string(), sub: None };
        Box::new(Filter::Present(path))
    }

    #[test]
    fn parentheses_only_where_precedence_needs_them() {
        let (a, b, c) = (present("a"), present("b"), present("c"));
        let or_ab = Box::new(Filter::Or(a.clone(), b.clone()));
        let and_ab = Box::new(Filter::And(a.clone(), b.clone()));
        let cases = [
            (Filter::Or(or_ab.clone(), c.clone()), "a pr or b pr or c pr"),
            (Filter::Or(c.clone(), or_ab.clone()), "c pr or (a pr or b pr)"),
            (Filter::And(and_ab.clone(), c.clone()), "a pr and b pr and c pr"),
            (Filter::And(c.clone(), and_ab.clone()), "c pr and (a pr and b pr)"),
            (Filter::And(or_ab.clone(), c.clone()), "(a pr or b pr) and c pr"),
            (Filter::Or(and_ab.clone(), c.clone()), "a pr and b pr or c pr"),
            (Filter::Or(c.clone(), and_ab.clone()), "c pr or a pr and b pr"),
            (Filter::Not(and_ab), "not (a pr and b pr)"),
        ];
        for (filter, text) in cases {
            assert_eq!(filter.to_string(), text);
        }
    }

    #[test]
    fn strings_escape_what_json_requires() {
        let s = "\"\\/\u{8}\u{c}\n\r\t\u{1}\u{7f}\u{2028}é😀";
        assert_eq!(json_string(s), r#""\"\\/\b\f\n\r\t\u0001\u007f\u2028é😀""#);
    }
}
