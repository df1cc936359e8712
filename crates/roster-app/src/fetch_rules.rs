//! Where the metadata client may go, as pure rules: which schemes, which
//! redirects, and which addresses. Site administrators choose metadata
//! URLs, so without these rules roster would fetch, for anyone who can
//! configure a provider, what only roster's own network can reach: the
//! cloud's metadata service at 169.254.169.254, a database on localhost,
//! an intranet. An operator may allow private addresses (an IdP on the
//! intranet); nothing allows other schemes or a downgrade to http.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;

use crate::metadata_client::MetadataFetchError;

/// The most redirects a fetch follows.
pub(crate) const MAX_REDIRECTS: usize = 3;

/// Why an address is not a public one, or `None` when it is.
pub(crate) fn address_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => v4_class(ip),
        IpAddr::V6(ip) => v6_class(ip),
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.169.254 is the cloud providers' instance metadata.
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() || a >= 240 {
        Some("reserved")
    } else if (a == 192 && b == 0 && c == 0) || (a == 198 && (18..20).contains(&b)) {
        // 192.0.0.0/24: protocol assignments; 198.18.0.0/15: benchmarking.
        Some("reserved")
    } else if ip.is_documentation() {
        Some("documentation")
    } else {
        None
    }
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    // An IPv4 address inside IPv6 (mapped ::ffff:a.b.c.d, NAT64
    // 64:ff9b::/96, 6to4 2002::/16) reaches that IPv4 address: judged as it.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_class(v4);
    }
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return v4_class(embedded_v4(segments[6], segments[7]));
    }
    // SIIT's IPv4-translated ::ffff:0:a.b.c.d (RFC 6052 / 7915) reaches
    // the IPv4 address too, where a translator runs.
    if segments[..6] == [0, 0, 0, 0, 0xffff, 0] {
        return v4_class(embedded_v4(segments[6], segments[7]));
    }
    // 64:ff9b:1::/48 is NAT64 for a local network (RFC 8215): not public.
    if segments[..3] == [0x64, 0xff9b, 1] {
        return Some("local NAT64");
    }
    if segments[0] == 0x2002 {
        return v4_class(embedded_v4(segments[1], segments[2]));
    }
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if segments[0] & 0xfe00 == 0xfc00 {
        Some("unique-local")
    } else if segments[0] & 0xffc0 == 0xfe80 || segments[0] & 0xffc0 == 0xfec0 {
        // fec0::/10, the deprecated site-local block, is private too.
        Some("link-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if segments[0] == 0x2001 && segments[1] == 0xdb8 {
        Some("documentation")
    } else if segments[..6] == [0; 6] {
        // The deprecated IPv4-compatible form ::a.b.c.d.
        Some("reserved")
    } else {
        None
    }
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

/// Refuses an address that is not public, unless the operator allows
/// private addresses.
pub(crate) fn check_address(
    host: &str,
    ip: IpAddr,
    allow_private: bool,
) -> Result<(), MetadataFetchError> {
    match address_class(ip) {
        Some(class) if !allow_private => {
            Err(MetadataFetchError::Blocked { host: host.to_owned(), address: ip, class })
        }
        _ => Ok(()),
    }
}

/// Whether the client may fetch `url`: http or https, with a host, and
/// when the host is an address (no name to resolve, so the resolver never
/// sees it), an allowed one.
pub(crate) fn check_target(url: &Url, allow_private: bool) -> Result<(), MetadataFetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(MetadataFetchError::Scheme(url.scheme().to_owned()));
    }
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or_else(|| MetadataFetchError::BadUrl("the URL has no host".into()))?;
    // The URL parser writes every IPv4 form (`2130706433`, `0x7f.1`) as
    // dotted decimals and IPv6 in brackets.
    match host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
        Ok(ip) => check_address(host, ip, allow_private),
        Err(_) => Ok(()),
    }
}

/// Whether a redirect from `from` to `to` is followed, `followed` being
/// the redirects already followed: to http or https only, never from https
/// down to http, at most [`MAX_REDIRECTS`], and to an allowed target.
pub(crate) fn check_redirect(
    from: &Url,
    to: &Url,
    followed: usize,
    allow_private: bool,
) -> Result<(), MetadataFetchError> {
    if followed >= MAX_REDIRECTS {
        return Err(MetadataFetchError::Redirect(format!("more than {MAX_REDIRECTS} redirects")));
    }
    match (from.scheme(), to.scheme()) {
        ("http" | "https", "https") | ("http", "http") => {}
        ("https", "http") => {
            return Err(MetadataFetchError::Redirect(format!(
                "from https down to http ({})",
                to.as_str()
            )));
        }
        (_, other) => {
            return Err(MetadataFetchError::Redirect(format!(
                "to the {other}: scheme; only http and https are followed"
            )));
        }
    }
    check_target(to, allow_private)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(raw: &str) -> Option<&'static str> {
        address_class(raw.parse().unwrap())
    }

    #[test]
    fn addresses_that_are_not_public() {
        let cases = [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared (carrier-grade NAT)"),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "reserved"),
            ("240.0.0.1", "reserved"),
            ("198.18.0.1", "reserved"),
            ("192.0.2.1", "documentation"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fc00::1", "unique-local"),
            ("fd12:3456::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("fec0::1", "link-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:169.254.169.254", "link-local"),
            ("64:ff9b::10.0.0.1", "private"),
            ("::ffff:0:127.0.0.1", "loopback"),
            ("64:ff9b:1::8.8.8.8", "local NAT64"),
            ("2002:7f00:1::", "loopback"),
            ("::10.0.0.1", "reserved"),
        ];
        for (address, want) in cases {
            assert_eq!(class(address), Some(want), "{address}");
        }
    }

    #[test]
    fn public_addresses() {
        for address in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "169.255.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ] {
            assert_eq!(class(address), None, "{address}");
        }
    }

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    #[test]
    fn targets() {
        assert!(check_target(&url("https://idp.example.com/md"), false).is_ok());
        assert!(check_target(&url("http://8.8.8.8/md"), false).is_ok());
        for (raw, allowed_when_private) in [
            ("http://127.0.0.1:8080/md", true),
            ("http://[::1]/md", true),
            ("http://169.254.169.254/latest/meta-data/", true),
            // The URL parser reads these as 127.0.0.1 too.
            ("http://2130706433/md", true),
            ("http://0x7f.1/md", true),
            ("ftp://idp.example.com/md", false),
            ("file:///etc/passwd", false),
        ] {
            let target = url(raw);
            assert!(check_target(&target, false).is_err(), "{raw}");
            assert_eq!(check_target(&target, true).is_ok(), allowed_when_private, "{raw}");
        }
        assert!(matches!(
            check_target(&url("http://10.0.0.1/md"), false),
            Err(MetadataFetchError::Blocked { class: "private", .. })
        ));
    }

    #[test]
    fn redirects() {
        let http = url("http://idp.example.com/md");
        let https = url("https://idp.example.com/md");
        assert!(check_redirect(&http, &https, 0, false).is_ok(), "an upgrade");
        assert!(check_redirect(&http, &http, 0, false).is_ok());
        assert!(check_redirect(&https, &https, 2, false).is_ok());
        assert!(check_redirect(&https, &https, 3, false).is_err(), "a fourth redirect");
        let refused = |from: &Url, to: &str| check_redirect(from, &url(to), 0, true).is_err();
        assert!(refused(&https, "http://idp.example.com/md"), "a downgrade");
        assert!(refused(&http, "file:///etc/passwd"));
        assert!(refused(&http, "ftp://idp.example.com/md"));
        assert!(refused(&https, "data:text/plain,x"));
        assert!(check_redirect(&https, &url("https://127.0.0.1/md"), 0, false).is_err());
        assert!(check_redirect(&https, &url("https://127.0.0.1/md"), 0, true).is_ok());
    }
}
