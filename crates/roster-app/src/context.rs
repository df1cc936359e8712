//! What every area shares: the store, the clock and the configuration.
//!
//! The outside services of later areas join here, each behind a small
//! trait so that tests give real local peers: an HTTP client for SAML
//! metadata (`sso`), a directory connector (`sync`) and a mailer (`jobs`).
//! An area reaches them only through the context, never as globals.

use std::sync::Arc;

use roster_store::Store;

use crate::Clock;
use crate::sp_keys::SpKeyCache;

/// The application's settings, from the command line and the environment
/// (per-site settings live in the database).
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The URL clients reach roster at, for the absolute URLs of SCIM
    /// resources (`meta.location`, `$ref`). Without it, they are built from
    /// the request's `Host`.
    pub public_url: Option<String>,
}

/// The dependencies of every use case.
pub struct Context {
    pub(crate) store: Arc<Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) config: AppConfig,
    /// The SAML SP's parsed key pairs, reused for a minute.
    pub(crate) sp_keys: SpKeyCache,
}

impl Context {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>, config: AppConfig) -> Self {
        Self { store, clock, config, sp_keys: SpKeyCache::default() }
    }
}
