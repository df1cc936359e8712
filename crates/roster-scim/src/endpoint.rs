//! The service's endpoints (RFC 7644 §3.2) as clients write them, a piece
//! of the lenient parsing every provider gets (issue 16 §1): `users`,
//! `Users/` and `GROUPS/{id}/` each have one meaning, the endpoint the RFC
//! names. The HTTP router rewrites a request's path with
//! [`canonical_endpoint`] before routing, and `/Bulk` reads each
//! operation's `path` with it, so that both accept the same spellings.

/// The endpoints' canonical names (RFC 7644 §3.2).
const ENDPOINTS: [&str; 7] =
    ["Users", "Groups", "Bulk", "ServiceProviderConfig", "ResourceTypes", "Schemas", ".search"];

/// `path`, relative to the service root and without a leading `/`, in
/// canonical form: the endpoint in its RFC spelling, a second segment
/// `.search` in lower case, and no trailing `/`. Resource ids and every
/// other segment keep their case. `None` when the first segment names no
/// endpoint.
pub fn canonical_endpoint(path: &str) -> Option<String> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut segments: Vec<&str> = path.split('/').collect();
    let first = segments.first_mut()?;
    *first = ENDPOINTS.iter().find(|e| e.eq_ignore_ascii_case(first))?;
    if let Some(second) = segments.get_mut(1)
        && second.eq_ignore_ascii_case(".search")
    {
        *second = ".search";
    }
    Some(segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_in_any_case_and_with_a_trailing_slash() {
        for (path, want) in [
            ("users", Some("Users")),
            ("Users/", Some("Users")),
            ("Users", Some("Users")),
            ("GROUPS/AbC-1/", Some("Groups/AbC-1")),
            ("users/.SEARCH", Some("Users/.search")),
            ("serviceproviderconfig", Some("ServiceProviderConfig")),
            ("bulk", Some("Bulk")),
            (".Search", Some(".search")),
            ("Users/x/y", Some("Users/x/y")),
            ("Users//", Some("Users/")),
            ("", None),
            ("/Users", None),
            ("nothing", None),
            ("Userss/x", None),
            ("../Users", None),
        ] {
            assert_eq!(canonical_endpoint(path).as_deref(), want, "{path}");
        }
    }
}
