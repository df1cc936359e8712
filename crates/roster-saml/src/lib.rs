//! The SAML 2.0 service provider of roster, as pure functions over text
//! (a leaf crate: no roster crate, no I/O, no clock: `now` comes in).
//!
//! - `input`: the gate before any XML parser: size caps, base64 and
//!   DEFLATE decoding with caps, UTF-8, and no DOCTYPE, ever.
//! - `signature` ([`IdpKeys`]): XML signatures verified by bergshamra with
//!   an SP's policy on top: trusted certificates only, every signature
//!   valid, one enveloped reference to the Response or its one Assertion,
//!   an algorithm allow-list.
//! - `response` ([`validate_post`], [`Expected`], [`Assertion`]): every
//!   check an SP owes a response, reading only the signed assertion
//!   (`assertion` reads its conditions, subject and attributes).
//! - `decrypt` ([`DecryptionKey`]): one `EncryptedAssertion` into the text
//!   of its assertion: RSA-OAEP and AES-GCM or AES-CBC on the one node,
//!   every failure one error with no detail.
//! - `metadata` ([`parse_idp_metadata`], [`IdpMetadata`]): an IdP's
//!   entity id, signing certificates, endpoints and caching.
//! - `request` ([`AuthnRequest`], [`SpMetadata`]): what the SP sends: an
//!   AuthnRequest over the HTTP-Redirect binding (`redirect`, signed or
//!   not), and its own metadata.
//! - `logout` ([`LogoutRequest`], [`receive_redirect`]): single logout
//!   over the HTTP-Redirect binding, both ways, the IdP's query signature
//!   verified before its XML is read.
//! - `sp_key` ([`generate_sp_key`], [`RequestSigner`]): the SP's key pairs
//!   and self-signed certificates, and the signature of what it sends.
//!
//! Invariant: nothing here reads data from a part of a document that no
//! verified signature covers.

mod assertion;
mod decrypt;
mod error;
pub mod input;
mod logout;
mod metadata;
mod redirect;
mod request;
mod response;
mod signature;
mod sp_key;
mod xml;

pub use decrypt::DecryptionKey;
pub use error::SamlError;
pub use logout::{
    IdpLogoutRequest, LOGOUT_MAX_AGE, LogoutExpected, LogoutRequest, LogoutResponse,
    ReceivedRedirect, RedirectKind, claimed_issuer, read_logout_request, receive_redirect,
};
pub use metadata::{IdpMetadata, parse_idp_metadata};
pub use request::{AuthnRequest, NAME_ID_EMAIL, NAME_ID_UNSPECIFIED, SpMetadata};
pub use response::{
    Assertion, CLOCK_SKEW, Claimed, Expected, claimed, validate_post, validate_xml,
};
/// The operating system's random numbers, for [`generate_sp_key`].
pub use rsa::rand_core::OsRng;
pub use signature::IdpKeys;
pub use sp_key::{GeneratedKey, RequestSigner, SP_KEY_BITS, generate_sp_key};
