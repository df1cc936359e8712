//! The SAML SP's key pairs, as operators see and rotate them. One SP
//! serves every site, so its keys are the operator's, not a site's.

use jiff::{SignedDuration, Timestamp};
use roster_store::{SpKeyPurpose, SpKeyRecord, SpKeyRepo, Transaction};
use serde::{Deserialize, Serialize};

use super::input::duration;
use super::{Admin, AdminError};
use crate::Principal;
use crate::sp_keys::{self, MAX_OVERLAP, is_published};
use utoipa::ToSchema;

/// A rotation: which keys, and how long the old ones stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpKeyRotation {
    /// `signing`, `encryption` or `both` (the default).
    pub purpose: Option<String>,
    /// How long the old keys stay published (and the old signing key
    /// signs) while identity providers take up the new certificates:
    /// `0`, `90m`, `24h`, `7d` (the default), at most 90 days.
    pub overlap: Option<String>,
}

/// The default overlap: a week to update identity providers that pin the
/// SP's certificate rather than read its metadata.
const DEFAULT_OVERLAP: SignedDuration = SignedDuration::from_hours(7 * 24);

/// An SP key pair as an operator sees it (never its private key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SpKeyView {
    pub id: String,
    pub purpose: &'static str,
    pub generation: i64,
    /// `active` (signs, or decrypts), `next` (a signing key: published,
    /// signs from `activates_at`) or `retired`.
    pub state: &'static str,
    /// SHA-256, as `openssl x509 -noout -sha256 -fingerprint` prints it.
    pub fingerprint_sha256: String,
    pub certificate_pem: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub activates_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retires_at: Option<Timestamp>,
}

impl SpKeyView {
    fn new(record: &SpKeyRecord, now: Timestamp) -> Result<Self, AdminError> {
        let state = if !is_published(record, now) {
            "retired"
        } else if record.purpose == SpKeyPurpose::Signing && record.activates_at > now {
            "next"
        } else {
            "active"
        };
        Ok(Self {
            id: record.id.clone(),
            purpose: record.purpose.as_str(),
            generation: record.generation,
            state,
            fingerprint_sha256: sp_keys::fingerprint(&record.certificate)?,
            certificate_pem: sp_keys::certificate_pem(&record.certificate),
            created_at: record.created_at,
            activates_at: record.activates_at,
            retires_at: record.retires_at,
        })
    }
}

fn purposes(raw: Option<&str>) -> Result<Vec<SpKeyPurpose>, AdminError> {
    match raw.unwrap_or("both") {
        "both" => Ok(SpKeyPurpose::ALL.to_vec()),
        "signing" => Ok(vec![SpKeyPurpose::Signing]),
        "encryption" => Ok(vec![SpKeyPurpose::Encryption]),
        other => Err(AdminError::invalid(
            "purpose",
            format!("{other:?} is not one of signing, encryption, both"),
        )),
    }
}

impl Admin<'_> {
    /// Every SP key pair, newest first, retired ones too.
    pub async fn list_sp_keys(&self, who: &Principal) -> Result<Vec<SpKeyView>, AdminError> {
        who.require_operator()
            .map_err(|denied| AdminError::denied(denied, "see the SAML SP's keys"))?;
        let now = self.now();
        let records = self.read().await?.sp_keys().await?;
        records.iter().rev().map(|record| SpKeyView::new(record, now)).collect()
    }

    /// Creates new key pairs: published at once, the new signing key signs
    /// after the overlap, and the old keys retire when it ends.
    pub async fn rotate_sp_keys(
        &self,
        who: &Principal,
        rotation: SpKeyRotation,
    ) -> Result<Vec<SpKeyView>, AdminError> {
        who.require_operator()
            .map_err(|denied| AdminError::denied(denied, "rotate the SAML SP's keys"))?;
        let purposes = purposes(rotation.purpose.as_deref())?;
        let overlap = match rotation.overlap.as_deref() {
            Some(raw) => duration("overlap", raw, MAX_OVERLAP)?,
            None => DEFAULT_OVERLAP,
        };
        let now = self.now();
        let switch_at = now
            .checked_add(overlap)
            .map_err(|err| AdminError::invalid("overlap", err.to_string()))?;
        let records = self.read().await?.sp_keys().await?;
        // Generated before the write transaction: it takes a while.
        let mut created = Vec::new();
        for purpose in purposes {
            let generation = sp_keys::next_generation(&records, purpose);
            created.push(
                sp_keys::create(purpose, generation, self.common_name(), now, switch_at).await?,
            );
        }
        let mut tx = self.write().await?;
        for record in &created {
            if !tx.insert_sp_key(record).await? {
                return Err(AdminError::Conflict {
                    field: "purpose".into(),
                    message: "another rotation of these keys happened at the same time; list \
                              the keys and retry if needed"
                        .into(),
                });
            }
            tx.retire_sp_keys(record.purpose, record.generation, switch_at).await?;
        }
        tx.commit().await?;
        self.ctx.sp_keys.invalidate();
        created.iter().map(|record| SpKeyView::new(record, now)).collect()
    }

    /// The name in new SP certificates: the public URL's host.
    fn common_name(&self) -> String {
        sp_keys::common_name(self.ctx.config.public_url.as_deref())
    }
}
