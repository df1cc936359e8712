//! How a delivery is signed, so that a receiver can tell it came from
//! roster, unchanged and recently:
//!
//! `Roster-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the HMAC
//! keyed with the webhook's secret over `<t>.<body>` (the timestamp, a
//! dot, and the body's bytes exactly as sent). A receiver recomputes it,
//! compares in constant time and refuses a `t` more than five minutes
//! away from its clock, which bounds replays. During a secret's rotation
//! the header carries one `v1=` per secret in use, so a receiver that
//! still holds the old secret keeps accepting.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SIGNATURE_HEADER: &str = "roster-signature";

/// The HMAC-SHA256 of `message` under `key`, in lower-case hex.
fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length (a long one is hashed first), so
    // there is no error to handle: `Mac::new_from_slice` would return one
    // only for fixed-length MACs.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of every length")
    };
    mac.update(message);
    mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The header value for `body` sent at `timestamp` (Unix seconds), signed
/// with each of `secrets`.
pub fn signature_header(secrets: &[&str], timestamp: i64, body: &str) -> String {
    let signed = format!("{timestamp}.{body}");
    let mut header = format!("t={timestamp}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&hmac_hex(secret.as_bytes(), signed.as_bytes()));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mac_is_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_header_signs_timestamp_and_body() {
        let header = signature_header(&["whsec_one"], 1_764_900_000, r#"{"events":[]}"#);
        let expected = hmac_hex(b"whsec_one", br#"1764900000.{"events":[]}"#);
        assert_eq!(header, format!("t=1764900000,v1={expected}"));
        // Another body, time or secret gives another signature.
        assert_ne!(header, signature_header(&["whsec_one"], 1_764_900_000, r#"{"events":[1]}"#));
        assert_ne!(header, signature_header(&["whsec_one"], 1_764_900_001, r#"{"events":[]}"#));
        assert_ne!(header, signature_header(&["whsec_two"], 1_764_900_000, r#"{"events":[]}"#));
    }

    #[test]
    fn a_rotation_signs_with_both_secrets() {
        let header = signature_header(&["new", "old"], 7, "{}");
        let parts: Vec<&str> = header.split(',').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1], format!("v1={}", hmac_hex(b"new", b"7.{}")));
        assert_eq!(parts[2], format!("v1={}", hmac_hex(b"old", b"7.{}")));
    }
}
