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
//!   AuthnRequest over the HTTP-Redirect binding, and its own metadata.
//!
//! Invariant: nothing here reads data from a part of a document that no
//! verified signature covers.

mod assertion;
mod decrypt;
mod error;
pub mod input;
mod metadata;
mod request;
mod response;
mod signature;
mod xml;

pub use decrypt::DecryptionKey;
pub use error::SamlError;
pub use metadata::{IdpMetadata, parse_idp_metadata};
pub use request::{AuthnRequest, NAME_ID_EMAIL, NAME_ID_UNSPECIFIED, SpMetadata};
pub use response::{Assertion, CLOCK_SKEW, Expected, claimed_request, validate_post, validate_xml};
pub use signature::IdpKeys;
