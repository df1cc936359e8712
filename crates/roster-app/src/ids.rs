//! Identifiers that requests name, before they reach the store.

/// An identifier taken from a request, or `None` when it cannot be one of
/// ours (identifiers are short printable strings; a NUL byte would even make
/// PostgreSQL fail). Callers answer "not found" or "invalid".
pub(crate) fn opaque_id(raw: &str) -> Option<&str> {
    (!raw.is_empty() && raw.len() <= 100 && !raw.chars().any(char::is_control)).then_some(raw)
}
