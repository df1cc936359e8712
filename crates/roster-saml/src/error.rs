//! Why a SAML message was refused. Each variant names what was wrong in
//! words an administrator can act on; none carries attacker-chosen text
//! longer than the caps of `input.rs`.

/// A refused SAML message or metadata document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlError {
    #[error("the message is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the message is not valid base64")]
    NotBase64,
    #[error("the message is not UTF-8 text")]
    NotText,
    #[error("the message is not compressed with DEFLATE")]
    NotDeflated,
    #[error("document type declarations are refused")]
    Doctype,
    #[error("the XML is malformed: {0}")]
    Malformed(String),
    #[error("expected a {expected} element, found {found}")]
    UnexpectedRoot { expected: &'static str, found: String },
    #[error("the element {0} is missing")]
    Missing(&'static str),
    #[error("two elements share the ID {0:?}")]
    DuplicateId(String),
    #[error("a response must hold exactly one assertion (plain or encrypted), this one holds {0}")]
    AssertionCount(usize),
    #[error("the identity provider answered with status {0}")]
    Status(String),
    #[error(
        "the assertion is encrypted, but this service provider has no decryption key configured"
    )]
    NoDecryptionKey,
    /// Every failure to decrypt (no key fits, OAEP, padding, GCM tag, key
    /// size, UTF-8) and, while the ciphertext is unauthenticated, every
    /// failure up to the decrypted assertion's signature: one fixed text
    /// with no detail, so that the error is no padding or OAEP oracle.
    #[error(
        "the encrypted assertion cannot be decrypted and verified with this service provider's keys"
    )]
    Undecryptable,
    #[error("the service provider's decryption key cannot be used: {0}")]
    DecryptionKey(&'static str),
    #[error("the encryption algorithm {0} is not allowed")]
    EncryptionAlgorithm(String),
    #[error("the encrypted assertion is refused: {0}")]
    EncryptedShape(&'static str),
    #[error(
        "encrypted {0} elements are not supported; ask the identity provider to encrypt the whole assertion instead"
    )]
    EncryptedElement(&'static str),
    #[error(
        "the XML's namespaces are invalid: {0} (an encrypted assertion must declare every prefix it uses itself)"
    )]
    Namespace(String),
    #[error("the identity provider has no signing certificate configured")]
    NoSigningCertificate,
    #[error("a configured certificate cannot be used: {0}")]
    BadCertificate(String),
    #[error("the response is not signed")]
    Unsigned,
    #[error("a signature does not verify: {0}")]
    BadSignature(String),
    #[error("the signature algorithm {0} is not allowed")]
    Algorithm(String),
    #[error("no verified signature covers the assertion")]
    AssertionNotSigned,
    #[error("{what} is {found:?}, expected {expected:?}")]
    Mismatch { what: &'static str, found: String, expected: String },
    #[error("{0} is required and absent")]
    Required(&'static str),
    #[error("the assertion is not valid before {0}")]
    NotYetValid(String),
    #[error("the assertion expired at {0}")]
    Expired(String),
    #[error("{what} is not a valid time: {value:?}")]
    BadTime { what: &'static str, value: String },
    #[error("the response answers request {0:?}, which is not outstanding")]
    UnknownRequest(String),
    #[error("unsolicited responses (IdP-initiated sign-in) are not allowed for this provider")]
    Unsolicited,
    #[error("the NameID must be plain text")]
    NameIdNotText,
    #[error("the SP's key could not be generated: {0}")]
    KeyGeneration(String),
    #[error("the metadata is unusable: {0}")]
    Metadata(String),
}
