//! The SAML service provider's key pairs, shared by the sign-in area
//! (which signs and decrypts with them, and creates the first ones) and
//! the admin area (which lists and rotates them).
//!
//! A key's life: created with a generation one above its purpose's last;
//! published in the SP's metadata from then on; a signing key signs from
//! `activates_at` (a rotation sets it after an overlap, so that IdPs which
//! pin the certificate can take up the new one before it is used); retired
//! at `retires_at` (the old keys of a rotation, when the overlap ends).
//! Encryption keys decrypt as soon as they are published, old and new
//! alike, since an IdP encrypts to whichever certificate it has.
//!
//! Parsing a private key costs more than a request should pay, so the
//! parsed keys are cached for a minute, and never past the next activation
//! or retirement; a rotation on this instance empties the cache, other
//! instances see it within the minute.

use std::sync::{Arc, Mutex};

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use roster_domain::Secret;
use roster_saml::{DecryptionKey, OsRng, RequestSigner, generate_sp_key};
use roster_store::{SpKeyPurpose, SpKeyRecord};
use sha2::{Digest, Sha256};

use crate::InternalError;

/// How long a generated certificate is valid. IdPs pin the certificate
/// rather than check its dates, and a rotation replaces it.
const CERTIFICATE_YEARS: u16 = 10;

/// How long parsed keys are reused before the store is read again.
const CACHE_TTL: SignedDuration = SignedDuration::from_secs(60);

/// The longest overlap a rotation may ask for.
pub(crate) const MAX_OVERLAP: SignedDuration = SignedDuration::from_hours(90 * 24);

/// The keys as sign-in uses them now.
#[derive(Debug, Default)]
pub(crate) struct SpKeys {
    /// The key that signs now.
    pub signer: Option<RequestSigner>,
    /// Certificates (DER) published for signing.
    pub signing_certificates: Vec<Vec<u8>>,
    /// Certificates (DER) published for encryption.
    pub encryption_certificates: Vec<Vec<u8>>,
    /// The private keys of the published encryption keys.
    pub decryption_keys: Vec<DecryptionKey>,
    /// The next time a key activates or retires: what is above changes
    /// then.
    pub changes_at: Option<Timestamp>,
}

/// Whether a key is published (and usable) at `now`.
pub(crate) fn is_published(key: &SpKeyRecord, now: Timestamp) -> bool {
    key.retires_at.is_none_or(|retires| retires > now)
}

impl SpKeys {
    pub(crate) fn from_records(
        records: &[SpKeyRecord],
        now: Timestamp,
    ) -> Result<Self, InternalError> {
        let changes_at = records
            .iter()
            .flat_map(|record| [Some(record.activates_at), record.retires_at])
            .flatten()
            .filter(|at| *at > now)
            .min();
        let mut keys = Self { changes_at, ..Self::default() };
        let mut newest_active: Option<&SpKeyRecord> = None;
        // Newest first, so that metadata lists the newest certificate first.
        for record in records.iter().rev().filter(|record| is_published(record, now)) {
            let certificate = decode(&record.certificate, "sp_keys.certificate")?;
            match record.purpose {
                SpKeyPurpose::Signing => {
                    keys.signing_certificates.push(certificate);
                    if record.activates_at <= now
                        && newest_active.is_none_or(|best| best.generation < record.generation)
                    {
                        newest_active = Some(record);
                    }
                }
                SpKeyPurpose::Encryption => {
                    keys.encryption_certificates.push(certificate);
                    let der = decode(record.private_key.expose(), "sp_keys.private_key")?;
                    keys.decryption_keys.push(DecryptionKey::from_pkcs8_der(&der).map_err(
                        |err| InternalError::Corrupt {
                            what: "sp_keys.private_key",
                            detail: format!("key {}: {err}", record.id),
                        },
                    )?);
                }
            }
        }
        if let Some(record) = newest_active {
            let der = decode(record.private_key.expose(), "sp_keys.private_key")?;
            keys.signer = Some(RequestSigner::from_pkcs8_der(&der).map_err(|err| {
                InternalError::Corrupt {
                    what: "sp_keys.private_key",
                    detail: format!("key {}: {err}", record.id),
                }
            })?);
        }
        Ok(keys)
    }
}

/// The purposes that have no published key at `now`: the keys to create.
pub(crate) fn missing(records: &[SpKeyRecord], now: Timestamp) -> Vec<SpKeyPurpose> {
    SpKeyPurpose::ALL
        .into_iter()
        .filter(|purpose| {
            !records.iter().any(|record| record.purpose == *purpose && is_published(record, now))
        })
        .collect()
}

/// The generation a new key of `purpose` gets.
pub(crate) fn next_generation(records: &[SpKeyRecord], purpose: SpKeyPurpose) -> i64 {
    records
        .iter()
        .filter(|record| record.purpose == purpose)
        .map(|record| record.generation)
        .max()
        .unwrap_or(0)
        + 1
}

/// Creates a key pair off the async workers (RSA key generation takes a
/// while).
pub(crate) async fn create(
    purpose: SpKeyPurpose,
    generation: i64,
    common_name: String,
    now: Timestamp,
    activates_at: Timestamp,
) -> Result<SpKeyRecord, InternalError> {
    let generated = tokio::task::spawn_blocking(move || {
        generate_sp_key(&mut OsRng, &common_name, now, CERTIFICATE_YEARS)
    })
    .await
    .map_err(|err| InternalError::Settings(format!("generating a key: {err}")))?
    .map_err(|err| InternalError::Settings(err.to_string()))?;
    let base64 = &base64::engine::general_purpose::STANDARD;
    Ok(SpKeyRecord {
        id: uuid::Uuid::new_v4().to_string(),
        purpose,
        generation,
        private_key: Secret::new(base64.encode(&generated.private_key_pkcs8)),
        certificate: base64.encode(&generated.certificate),
        created_at: now,
        activates_at,
        retires_at: None,
    })
}

/// The name in new certificates: the host of the public URL.
pub(crate) fn common_name(public_url: Option<&str>) -> String {
    let url = public_url.unwrap_or("roster");
    let host = url.split_once("://").map_or(url, |(_, rest)| rest);
    match host.split(['/', ':']).next() {
        Some(host) if !host.is_empty() => host.to_owned(),
        _ => "roster".to_owned(),
    }
}

/// The SHA-256 fingerprint of a certificate (base64 DER), as `openssl x509
/// -noout -sha256 -fingerprint` prints it.
pub(crate) fn fingerprint(certificate_base64: &str) -> Result<String, InternalError> {
    let der = decode(certificate_base64, "sp_keys.certificate")?;
    let hex: Vec<String> = Sha256::digest(der).iter().map(|byte| format!("{byte:02X}")).collect();
    Ok(hex.join(":"))
}

/// A certificate (base64 DER) as PEM, what administrators paste into an
/// IdP.
pub(crate) fn certificate_pem(certificate_base64: &str) -> String {
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    let bytes = certificate_base64.as_bytes();
    for line in bytes.chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn decode(text: &str, what: &'static str) -> Result<Vec<u8>, InternalError> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|err| InternalError::Corrupt { what, detail: err.to_string() })
}

/// The parsed keys of the last minute, by the application's clock.
#[derive(Default)]
pub(crate) struct SpKeyCache {
    loaded: Mutex<Option<(Timestamp, Arc<SpKeys>)>>,
}

impl SpKeyCache {
    pub(crate) fn get(&self, now: Timestamp) -> Option<Arc<SpKeys>> {
        let loaded = self.loaded.lock().ok()?;
        let (at, keys) = loaded.as_ref()?;
        let fresh = *at <= now
            && at.checked_add(CACHE_TTL).is_ok_and(|until| now < until)
            && keys.changes_at.is_none_or(|change| now < change);
        fresh.then(|| keys.clone())
    }

    pub(crate) fn put(&self, keys: Arc<SpKeys>, now: Timestamp) {
        if let Ok(mut loaded) = self.loaded.lock() {
            *loaded = Some((now, keys));
        }
    }

    pub(crate) fn invalidate(&self) {
        if let Ok(mut loaded) = self.loaded.lock() {
            *loaded = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    async fn key(purpose: SpKeyPurpose, generation: i64, activates: &str) -> SpKeyRecord {
        create(purpose, generation, "sp".into(), at("2026-01-01T00:00:00Z"), at(activates))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_newest_active_key_signs_and_every_published_key_is_listed() {
        let mut old = key(SpKeyPurpose::Signing, 1, "2026-01-01T00:00:00Z").await;
        let new = key(SpKeyPurpose::Signing, 2, "2026-02-01T00:00:00Z").await;
        old.retires_at = Some(at("2026-02-01T00:00:00Z"));
        let records = vec![old.clone(), new.clone()];

        // During the overlap: both published, the old one signs.
        let during = SpKeys::from_records(&records, at("2026-01-15T00:00:00Z")).unwrap();
        assert_eq!(during.signing_certificates.len(), 2);
        let old_signer = SpKeys::from_records(&records[..1], at("2026-01-15T00:00:00Z")).unwrap();
        assert_eq!(format!("{:?}", during.signer), format!("{:?}", old_signer.signer));
        assert_eq!(
            during.signing_certificates[0],
            base64::engine::general_purpose::STANDARD.decode(&new.certificate).unwrap(),
            "the newest certificate comes first"
        );
        // After it: only the new one, and it signs.
        assert_eq!(during.changes_at, Some(at("2026-02-01T00:00:00Z")));
        let after = SpKeys::from_records(&records, at("2026-02-01T00:00:00Z")).unwrap();
        assert_eq!(after.changes_at, None);
        assert_eq!(after.signing_certificates.len(), 1);
        assert!(after.signer.is_some());
        assert!(missing(&records, at("2026-02-01T00:00:00Z")).contains(&SpKeyPurpose::Encryption));
        assert!(!missing(&records, at("2026-02-01T00:00:00Z")).contains(&SpKeyPurpose::Signing));
        assert_eq!(next_generation(&records, SpKeyPurpose::Signing), 3);
        assert_eq!(next_generation(&records, SpKeyPurpose::Encryption), 1);
    }

    #[tokio::test]
    async fn encryption_keys_decrypt_from_creation_until_retired() {
        let mut old = key(SpKeyPurpose::Encryption, 1, "2026-01-01T00:00:00Z").await;
        let new = key(SpKeyPurpose::Encryption, 2, "2026-03-01T00:00:00Z").await;
        old.retires_at = Some(at("2026-03-01T00:00:00Z"));
        let records = vec![old, new];
        let during = SpKeys::from_records(&records, at("2026-02-01T00:00:00Z")).unwrap();
        assert_eq!(during.decryption_keys.len(), 2);
        assert_eq!(during.encryption_certificates.len(), 2);
        assert!(during.signer.is_none());
        let after = SpKeys::from_records(&records, at("2026-03-01T00:00:00Z")).unwrap();
        assert_eq!(after.decryption_keys.len(), 1);
    }

    #[test]
    fn corrupt_keys_are_reported_not_skipped() {
        let record = SpKeyRecord {
            id: "k".into(),
            purpose: SpKeyPurpose::Signing,
            generation: 1,
            private_key: Secret::new("bm90IGEga2V5"),
            certificate: "!!".into(),
            created_at: at("2026-01-01T00:00:00Z"),
            activates_at: at("2026-01-01T00:00:00Z"),
            retires_at: None,
        };
        let now = at("2026-01-02T00:00:00Z");
        let err = SpKeys::from_records(std::slice::from_ref(&record), now).unwrap_err();
        assert!(
            matches!(err, InternalError::Corrupt { what: "sp_keys.certificate", .. }),
            "{err:?}"
        );
        let record = SpKeyRecord { certificate: "AAAA".into(), ..record };
        let err = SpKeys::from_records(&[record], now).unwrap_err();
        assert!(
            matches!(err, InternalError::Corrupt { what: "sp_keys.private_key", ref detail } if detail.contains("key k")),
            "{err:?}"
        );
    }

    #[test]
    fn the_cache_keeps_keys_a_minute_and_never_past_a_change() {
        let cache = SpKeyCache::default();
        let loaded = at("2026-01-01T00:00:00Z");
        assert!(cache.get(loaded).is_none());
        let keys = SpKeys { changes_at: Some(at("2026-01-01T00:00:30Z")), ..SpKeys::default() };
        cache.put(Arc::new(keys), loaded);
        assert!(cache.get(at("2026-01-01T00:00:29Z")).is_some());
        assert!(cache.get(at("2026-01-01T00:00:30Z")).is_none(), "a key changed state");
        assert!(cache.get(at("2025-12-31T23:59:59Z")).is_none(), "the clock went back");
        cache.put(Arc::new(SpKeys::default()), loaded);
        assert!(cache.get(at("2026-01-01T00:00:59Z")).is_some());
        assert!(cache.get(at("2026-01-01T00:01:00Z")).is_none(), "a minute passed");
        cache.invalidate();
        assert!(cache.get(loaded).is_none());
    }

    #[test]
    fn certificates_are_named_after_the_public_host() {
        assert_eq!(common_name(Some("https://sso.example.com:8443/x")), "sso.example.com");
        assert_eq!(common_name(Some("http://127.0.0.1:3000")), "127.0.0.1");
        assert_eq!(common_name(None), "roster");
        assert_eq!(common_name(Some("https:///")), "roster");
    }

    #[test]
    fn fingerprints_read_like_openssl() {
        let fingerprint = fingerprint("AAAA").unwrap();
        assert_eq!(fingerprint.len(), 32 * 3 - 1);
        assert!(
            fingerprint
                .chars()
                .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        let pem = certificate_pem(&"A".repeat(100));
        assert_eq!(pem.lines().count(), 4);
        assert_eq!(pem.lines().nth(1).unwrap().len(), 64);
    }
}
