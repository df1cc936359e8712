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

fn scalar(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
