//! Storage for roster: small repository traits and their SQL implementation
//! for SQLite and PostgreSQL.
//!
//! Invariants:
//! - This is the only crate with SQL. Everything above it sees the traits in
//!   capability traits (`SiteRepo`, `UserRepo`, ..., implemented by
//!   [`Tx`]) and the domain types of `roster-domain`.
//! - Every table that holds site data carries the site in its primary key,
//!   and every query on it names the site: isolation lives here, not only in
//!   the handlers.
//! - One use case is one [`Transaction`], rolled back if it is dropped
//!   without [`Transaction::commit`].
//!   `Store::read_latest` (no `BEGIN`, each statement sees the latest
//!   commit) is for use cases that read with one statement.
//! - SQLite runs in WAL mode with a busy timeout and a single writer
//!   connection, so concurrent requests queue instead of failing with
//!   "database is locked".
//! - Columns are TEXT or integers only, so one code path (sqlx's `Any`
//!   driver) reads and writes both dialects; the migrations are kept per
//!   dialect and a test checks that both produce the same tables and
//!   columns.

mod api;
mod error;
mod history_api;
mod job_api;
mod ldap_sync_api;
mod lifecycle_api;
mod mail_alert_api;
mod metadata_api;
mod operator_session_api;
mod policy_api;
mod scim_api;
mod scim_log_api;
mod scim_view;
mod second_factor_api;
mod setup_link_api;
mod sp_key_api;
mod sql;
mod sso_api;
mod ticket_api;
mod webhook_api;

pub use api::{
    AdminKeyRecord, AdminKeyRepo, AdminRole, GroupRepo, Listed, MemberRecord, Page, ProviderRepo,
    SiteRepo, Transaction, UserFilter, UserRepo, UserState,
};
pub use error::StoreError;
pub use history_api::{HistoryFilter, HistoryRecord, HistoryRepo, NewHistory};
pub use job_api::{Claim, JobRecord, JobRepo, JobRunRecord, Purged};
pub use ldap_sync_api::{LdapLink, LdapSyncRepo, LdapSyncRun, LdapSyncState, LinkKind};
pub use lifecycle_api::LifecycleRepo;
pub use mail_alert_api::{
    AdminRecipient, AlertClaim, AlertRecord, AlertStatus, ExpiringCredential, MailAlertRepo,
};
pub use metadata_api::{DueMetadata, IdpMetadataRecord, IdpMetadataRepo};
pub use operator_session_api::{OperatorSessionRecord, OperatorSessionRepo};
pub use policy_api::{MemberGrant, PolicyRepo};
pub use scim_api::{
    ListParams, Member, NamedMember, PageAt, PageBounds, RowKey, ScimGroup, ScimGroupRepo,
    ScimPage, ScimQuery, ScimScope, ScimUser, ScimUserRepo, SortValue,
};
pub use scim_log_api::{
    NewScimLog, ScimLogBodies, ScimLogCursor, ScimLogEntry, ScimLogFilter, ScimLogRepo, ScimLogRow,
    StatusFilter,
};
pub use scim_view::derived_attributes;
pub use second_factor_api::{PendingSignIn, SecondFactorRepo, TotpRecord};
pub use setup_link_api::SetupLinkRepo;
pub use sp_key_api::{SpKeyPurpose, SpKeyRecord, SpKeyRepo};
pub use sql::{Dialect, Store, StoreConfig, Tx, connect};
pub use sso_api::{SamlRequestRecord, SessionRecord, SsoRepo};
pub use ticket_api::TicketRepo;
pub use webhook_api::WebhookRepo;
