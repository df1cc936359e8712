//! How commands print: JSON with `--json`, otherwise short text for people.

use serde::Serialize;
use serde_json::Value;

/// Prints one object: pretty JSON, or one `field: value` line per field.
pub fn one<T: Serialize>(value: &T, json: bool) -> anyhow::Result<()> {
    let value = serde_json::to_value(value)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    if let Value::Object(fields) = value {
        for (name, value) in fields {
            println!("{name}: {}", scalar(&value));
        }
    }
    Ok(())
}

/// Prints a list page: JSON, or one line per item with the given columns
/// and a closing count.
pub fn list<T: Serialize>(page: &T, columns: &[&str], json: bool) -> anyhow::Result<()> {
    let value = serde_json::to_value(page)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(());
    }
    let items = value.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    for item in &items {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| scalar(item.get(*column).unwrap_or(&Value::Null)))
            .collect();
        println!("{}", cells.join("\t"));
    }
    let total = value.get("total").and_then(Value::as_u64).unwrap_or(0);
    eprintln!("({} shown of {total})", items.len());
    Ok(())
}

/// Prints a table for people: a header and aligned columns, the last one
/// left ragged.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|header| header.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(
                |(i, (cell, width))| {
                    if i == last { (*cell).to_owned() } else { format!("{cell:<width$}") }
                },
            )
            .collect();
        println!("{}", padded.join("  "));
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// Reports a change that returns nothing: `{"<what>": true}` with
/// `--json`, so that a script reads JSON from every command, else the
/// sentence on standard error.
pub fn done(what: &str, sentence: &str, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::json!({ what: true }));
    } else {
        eprintln!("{sentence}");
    }
    Ok(())
}

/// A flag whose empty value clears the field: absent, cleared, or set.
pub fn clearable(value: &Option<String>) -> Option<Option<String>> {
    value.as_ref().map(|value| if value.is_empty() { None } else { Some(value.clone()) })
}

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
