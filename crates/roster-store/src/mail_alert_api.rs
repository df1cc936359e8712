//! What the mail alerts need from storage (SPEC §6, §8): the SCIM
//! credentials about to expire, each site's administrators with an
//! e-mail, and the record of every alert, which is also its claim: an
//! alert is sent by the one instance that claimed it, and once delivered
//! never again.

use async_trait::async_trait;
use jiff::Timestamp;
use roster_domain::{ProviderId, ScimAuth, SiteId};

use crate::StoreError;

/// A provider's SCIM secret that expires at `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringCredential {
    pub site_id: SiteId,
    pub site_slug: String,
    pub site_name: String,
    pub provider_id: ProviderId,
    pub provider_name: String,
    /// Token or Basic (never off).
    pub auth: ScimAuth,
    /// The hash of the current secret: a reset makes another credential,
    /// with alerts of its own.
    pub secret_hash: String,
    pub expires_at: Timestamp,
}

/// An enabled site administrator with an e-mail, as stored (not checked
/// as an address: the mailer does that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRecipient {
    pub username: String,
    pub email: String,
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertStatus {
    /// Claimed by an instance that is sending it.
    Sending,
    Sent,
    /// The last try failed; the next run tries again.
    Failed,
    /// The site had no enabled administrator with an e-mail.
    NoRecipient,
    /// Mail is not configured.
    MailOff,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::NoRecipient => "no_recipient",
            Self::MailOff => "mail_off",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "sending" => Some(Self::Sending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            "no_recipient" => Some(Self::NoRecipient),
            "mail_off" => Some(Self::MailOff),
            _ => None,
        }
    }
}

/// One alert, as a claim asks for it and as it is recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub site_id: SiteId,
    /// What the alert is about, unique in the site (such as a credential
    /// and a threshold).
    pub key: String,
    /// `scim_token_expiry`, `ldap_switched_off`, `saml_metadata_failing`.
    pub kind: String,
    pub provider_id: Option<ProviderId>,
    pub status: AlertStatus,
    pub attempts: u32,
    /// The addresses it went (or would go) to, comma-separated.
    pub recipients: String,
    pub subject: String,
    pub body: String,
    pub error: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A claim: who claims, when, and until when the claim holds (an instance
/// killed while sending blocks the alert no longer than that).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertClaim<'a> {
    pub owner: &'a str,
    pub now: Timestamp,
    pub until: Timestamp,
}

#[async_trait]
pub trait MailAlertRepo {
    /// The current SCIM secrets of every site that expire after `now` and
    /// no later than `until`, soonest first, at most `limit`. Not scoped to
    /// a site: the alert job serves every site.
    async fn scim_credentials_expiring(
        &mut self,
        now: Timestamp,
        until: Timestamp,
        limit: u64,
    ) -> Result<Vec<ExpiringCredential>, StoreError>;

    /// The site's enabled users with the site admin role and an e-mail.
    async fn site_admin_recipients(
        &mut self,
        site: &SiteId,
    ) -> Result<Vec<AdminRecipient>, StoreError>;

    /// Claims `alert` (its status is ignored: a claim is `sending`): true
    /// when it was absent, or its last try failed, or its sender's claim
    /// ran out. One statement, so that of several instances one wins.
    async fn claim_mail_alert(
        &mut self,
        alert: &AlertRecord,
        claim: AlertClaim<'_>,
    ) -> Result<bool, StoreError>;

    /// Records how a claimed alert ended, if `owner` still holds it.
    async fn finish_mail_alert(
        &mut self,
        site: &SiteId,
        key: &str,
        owner: &str,
        outcome: AlertStatus,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The alerts of `kind`, of every site, whose last try failed, oldest
    /// first, at most `limit`: to be sent again with what they recorded.
    async fn failed_mail_alerts(
        &mut self,
        kind: &str,
        limit: u64,
    ) -> Result<Vec<AlertRecord>, StoreError>;

    /// The site's alerts, newest first, at most `limit`.
    async fn mail_alerts(
        &mut self,
        site: &SiteId,
        limit: u64,
    ) -> Result<Vec<AlertRecord>, StoreError>;
}
