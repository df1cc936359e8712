//! The TLS client configuration for LDAPS and StartTLS: rustls with the
//! aws-lc-rs provider (the one the rest of roster uses), trusting the
//! operating system's roots and the CA certificates of the settings. The
//! server's name (or IP address) must match its certificate; there is no
//! setting that turns verification off.

use std::sync::{Arc, LazyLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

use crate::LdapError;

/// The system's roots, read once per process: reading `/etc/ssl/certs`
/// for every sync would cost more than the sync's own TLS handshake. An
/// unreadable store leaves only the configured CAs, which is what an
/// internal directory with its own CA needs anyway.
static SYSTEM_ROOTS: LazyLock<Vec<CertificateDer<'static>>> =
    LazyLock::new(|| rustls_native_certs::load_native_certs().certs);

/// A client configuration trusting the system's roots and every
/// certificate in `ca_certificates_pem`.
pub(crate) fn client_config(
    ca_certificates_pem: Option<&str>,
) -> Result<Arc<ClientConfig>, LdapError> {
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(SYSTEM_ROOTS.iter().cloned());
    if let Some(pem) = ca_certificates_pem.filter(|pem| !pem.trim().is_empty()) {
        for certificate in extra_roots(pem)? {
            roots.add(certificate).map_err(|e| {
                LdapError::Settings(format!("a CA certificate cannot be a trust anchor: {e}"))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LdapError::Settings(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The certificates of a PEM text; at least one, and nothing unreadable.
fn extra_roots(pem: &str) -> Result<Vec<CertificateDer<'static>>, LdapError> {
    let certificates = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| LdapError::Settings(format!("the CA certificates are not PEM: {e}")))?;
    if certificates.is_empty() {
        return Err(LdapError::Settings("the CA certificates hold no PEM certificate".into()));
    }
    Ok(certificates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_ca_certificates_are_settings_errors() {
        for pem in [
            "not a certificate",
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        ] {
            match client_config(Some(pem)) {
                Err(LdapError::Settings(message)) => assert!(message.contains("CA"), "{message}"),
                other => panic!("{pem:?} gave {:?}", other.map(|_| ())),
            }
        }
    }

    #[test]
    fn no_ca_certificates_means_the_system_roots() {
        assert!(client_config(None).is_ok());
        assert!(client_config(Some("  \n")).is_ok());
    }
}
