//! The one integration-test binary (STYLE rule 6). Tests cross real
//! boundaries: HTTP on 127.0.0.1, a real SQLite file, a real PostgreSQL
//! server (started by `scripts/test.sh`), and the real `roster` binary.

// Integration-test helpers are plain functions, not `#[test]`s, so clippy's
// allow-in-tests settings do not reach them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

mod admin_groups;
mod admin_keys;
mod admin_provider_ldap;
mod admin_providers;
mod admin_sites;
mod admin_users;
mod browser;
mod browser_console;
mod browser_sign_in;
mod cli;
mod cli_coverage;
mod cli_ldap;
mod cli_manage;
mod cli_saml;
mod cli_sync;
mod console;
mod console_ldap;
mod console_operator;
mod durability;
mod health;
mod history;
mod history_sources;
mod isolation;
mod jobs;
mod ldap_bench;
mod ldap_sync;
mod ldap_sync_options;
mod ldap_sync_schedule;
mod lifecycle;
mod mail_alerts;
mod mail_notices;
mod metadata_server;
mod metrics;
mod openapi;
mod password_signin;
mod principals;
mod saml_access;
mod saml_fixture;
mod saml_fixture_attacks;
mod saml_handoff;
mod saml_hostile;
mod saml_idp;
mod saml_jit;
mod saml_jit_defaults;
mod saml_logout;
mod saml_metadata;
mod saml_metadata_limits;
mod saml_presets;
mod saml_sessions;
mod saml_signin;
mod saml_trust;
mod saml_two_factor;
mod scale_out;
mod scim2_tester;
mod scim_bulk;
mod scim_concurrency;
mod scim_credentials;
mod scim_dialects;
mod scim_discovery;
mod scim_fidelity;
mod scim_filters;
mod scim_folding;
mod scim_groups;
mod scim_hardening;
mod scim_keyset;
mod scim_logs;
mod scim_managed;
mod scim_managed_members;
mod scim_policy;
mod scim_replay;
mod scim_stream;
mod scim_stream_gen;
mod scim_stream_values;
mod scim_users;
mod serve;
mod setup_guide;
mod setup_links;
mod smtp;
mod sp_keys;
mod store;
mod store_sign_in;
mod tidy;
mod tidy_modules;
mod two_factor;
mod user_search;
mod webhook_receiver;
mod webhooks;
