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

use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const SIGNATURE_HEADER: &str = "roster-signature";

/// The HMAC-SHA256 of `message` under `key`, in lower-case hex.
fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    // HMAC takes a key of any length (RFC 2104 §2): one longer than the
    // hash's block is hashed first, and the key is zero-padded to a block.
    // Done here so that the MAC is built from a full block, which cannot
    // fail, rather than through a constructor that checks a length.
    let mut block = Key::<Hmac<Sha256>>::default();
    if key.len() > block.len() {
        let digest = Sha256::digest(key);
        block[..digest.len()].copy_from_slice(&digest);
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&block);
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
        // Test case 6: a key longer than the block, hashed first.
        assert_eq!(
            hmac_hex(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        // Test case 1: a short key, zero-padded.
        assert_eq!(
            hmac_hex(&[0x0b; 20], b"Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
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
