//! The SAML service provider's key pairs (SPEC §5): global, not per site,
//! since one SP serves every site.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::Secret;

use crate::StoreError;

/// What an SP key pair is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpKeyPurpose {
    /// Signs what the SP sends (AuthnRequests, logout messages).
    Signing,
    /// Decrypts the assertions IdPs encrypt to the SP.
    Encryption,
}

impl SpKeyPurpose {
    pub const ALL: [Self; 2] = [Self::Signing, Self::Encryption];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signing => "signing",
            Self::Encryption => "encryption",
        }
    }
}

/// One SP key pair and its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpKeyRecord {
    pub id: String,
    pub purpose: SpKeyPurpose,
    /// 1 for a purpose's first key, one more per rotation.
    pub generation: i64,
    /// The private key, PKCS#8 DER in base64.
    pub private_key: Secret,
    /// The self-signed certificate, DER in base64.
    pub certificate: String,
    pub created_at: Timestamp,
    /// From when a signing key signs.
    pub activates_at: Timestamp,
    /// From when the key is neither published nor used.
    pub retires_at: Option<Timestamp>,
}

#[async_trait]
pub trait SpKeyRepo {
    /// Every key, retired ones too, by purpose and generation.
    async fn sp_keys(&mut self) -> Result<Vec<SpKeyRecord>, StoreError>;
    /// Adds a key; `false` when its purpose already has a key of that
    /// generation (another instance made it first).
    async fn insert_sp_key(&mut self, key: &SpKeyRecord) -> Result<bool, StoreError>;
    /// Retires, at `at`, every key of `purpose` older than `generation`
    /// that is not retired by then already.
    async fn retire_sp_keys(
        &mut self,
        purpose: SpKeyPurpose,
        generation: i64,
        at: Timestamp,
    ) -> Result<(), StoreError>;
}
