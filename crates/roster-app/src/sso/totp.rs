//! TOTP second factors (RFC 6238) as authenticator apps know them:
//! HMAC-SHA-1, six digits, 30-second steps, one step of skew either way
//! (SHA-1 because several apps accept other algorithms and silently use
//! SHA-1 anyway; HMAC-SHA-1 is not weakened by SHA-1 collisions).
//!
//! Pure: the time comes in as an argument. Which step a code matched is
//! returned, so that the caller can refuse a step already used (RFC 6238
//! §5.2 asks that a code be accepted once).

use jiff::Timestamp;
use rand::Rng;
use totp_rs::{Algorithm, Builder, Secret, Totp};

const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;
const SKEW_STEPS: u16 = 1;
/// 160 bits, as RFC 4226 §4 recommends.
const SECRET_BYTES: usize = 20;

/// A new shared secret, base32 as authenticator apps take it.
pub(crate) fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes.to_vec()).to_base32()
}

fn totp(secret: &str, issuer: &str, account: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    // The otpauth label joins issuer and account with a colon, so neither
    // may hold one.
    let label = |text: &str| text.replace(':', " ");
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(SKEW_STEPS)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_issuer(Some(label(issuer)))
        .with_account_name(label(account))
        .build()
        .ok()
}

/// The time step a code matched at `now`, if it is right: the current
/// step or one either side. Anything but six digits (spaces allowed, as
/// apps show `123 456`) is simply wrong.
pub(crate) fn matched_step(secret: &str, code: &str, now: Timestamp) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != usize::from(DIGITS) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now.as_second()).ok()?;
    totp(secret, "roster", "user")?.check(&code, now)
}

/// What an authenticator app needs to enrol: the secret to type in, the
/// `otpauth://` URI, and that URI as a QR code (inline SVG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// The enrolment of `secret` for `account` at `issuer` (the site's name,
/// which the app shows beside the codes).
pub(crate) fn enrolment(secret: &str, issuer: &str, account: &str) -> Option<Enrolment> {
    let uri = totp(secret, issuer, account)?.to_url().ok()?;
    let qr = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    // Inline in HTML: the XML declaration goes.
    let qr_svg = match svg.find("<svg") {
        Some(start) => svg[start..].to_owned(),
        None => svg,
    };
    Some(Enrolment { secret: secret.to_owned(), uri, qr_svg })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 secret, "12345678901234567890".
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn the_rfc_test_vectors_match_their_step() {
        // Appendix B gives eight digits; six are their last six.
        for (time, code) in [(59, "287082"), (1_111_111_109, "081804"), (1_234_567_890, "005924")] {
            assert_eq!(matched_step(RFC_SECRET, code, at(time)), Some(time as u64 / 30), "{time}");
        }
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let code = "081804"; // step 37037036
        let step_start = 37_037_036 * 30;
        assert_eq!(matched_step(RFC_SECRET, code, at(step_start - 30)), Some(37_037_036));
        assert_eq!(matched_step(RFC_SECRET, code, at(step_start + 59)), Some(37_037_036));
        assert_eq!(matched_step(RFC_SECRET, code, at(step_start - 31)), None);
        assert_eq!(matched_step(RFC_SECRET, code, at(step_start + 60)), None);
    }

    #[test]
    fn malformed_codes_are_wrong_not_errors() {
        let now = at(1_111_111_109);
        assert_eq!(matched_step(RFC_SECRET, "081 804", now), Some(37_037_036));
        for code in ["", "08180", "0818040", "08180a", "０８１８０４", "-81804", "81804 ", "x"]
        {
            assert_eq!(matched_step(RFC_SECRET, code, now), None, "{code:?}");
        }
        assert_eq!(matched_step("not base32!", "081804", now), None);
        assert_eq!(matched_step("", "081804", now), None);
    }

    #[test]
    fn new_secrets_are_160_random_bits_in_base32() {
        let a = new_secret();
        assert_eq!(a.len(), 32, "{a}");
        assert_ne!(a, new_secret());
        assert!(matched_step(&a, "000000", at(1_700_000_000)).is_none_or(|step| step > 0));
    }

    #[test]
    fn the_enrolment_names_the_site_and_user_without_colons() {
        let enrolment = enrolment(RFC_SECRET, "Acme: EU", "ada@example.com").unwrap();
        assert!(enrolment.uri.starts_with("otpauth://totp/"), "{}", enrolment.uri);
        assert!(enrolment.uri.contains(&format!("secret={RFC_SECRET}")), "{}", enrolment.uri);
        assert!(enrolment.uri.contains("issuer=Acme"), "{}", enrolment.uri);
        assert!(enrolment.qr_svg.starts_with("<svg"), "{}", enrolment.qr_svg);
        assert!(enrolment.qr_svg.ends_with("</svg>"));
    }
}
