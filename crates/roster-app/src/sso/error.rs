//! How a sign-in is refused. The person signing in sees the reason on a
//! page; none reveals whether another site or user exists.

use roster_saml::SamlError;
use roster_store::StoreError;

use super::SecondFactorView;
use crate::InternalError;

#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// Sign-in is not set up (no public URL, a provider whose trust is not
    /// configured or whose metadata was not fetched yet).
    #[error("sign-in is not available: {0}")]
    Unavailable(String),
    /// No such provider, or one that does not sign in with SAML.
    #[error("{what} not found")]
    NotFound { what: &'static str },
    /// The identity provider's message was refused.
    #[error("the identity provider's response was refused: {0}")]
    Refused(#[from] SamlError),
    /// The response was valid but names no one who may sign in.
    #[error("{0}")]
    UserRefused(SignInRefusal),
    /// A response posted to the shared ACS that answers no request roster
    /// sent: only a provider's own ACS URL accepts IdP-initiated sign-ins.
    #[error(
        "this response answers no sign-in roster started; sign-ins started at the identity \
         provider go to the provider's own ACS URL (/saml/consume/<provider id>)"
    )]
    Unsolicited,
    /// A password sign-in failed; the same words for every reason.
    #[error("wrong username or password")]
    WrongPassword,
    /// Too many wrong passwords for the username lately.
    #[error("too many failed attempts; try again in a few minutes")]
    Throttled,
    /// A wrong second-factor code: the page asks again.
    #[error("that code is not right; enter the current code from your authenticator app")]
    WrongCode(Box<SecondFactorView>),
    /// A sign-in waiting for its second factor ended: it expired, too
    /// many wrong codes were entered, or it completed already.
    #[error("this sign-in has ended; sign in again")]
    SignInEnded,
    /// No session, or one that expired or was revoked.
    #[error("not signed in")]
    Unauthenticated,
    /// The server failed; details are logged, not shown.
    #[error("internal error")]
    Internal(#[source] InternalError),
}

/// Why a valid assertion signs no one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInRefusal {
    #[error("this sign-in response was already used")]
    Replayed,
    #[error("the account is disabled")]
    Disabled,
    #[error("the account signs in another way than through this identity provider")]
    OtherMethod,
    #[error("the account is not provisioned to this application")]
    NotProvisioned,
    #[error("the identity provider's NameID is not a valid username")]
    BadNameId,
    #[error("more than one account has this e-mail address")]
    AmbiguousEmail,
}

impl From<StoreError> for SsoError {
    fn from(err: StoreError) -> Self {
        Self::Internal(InternalError::Store(err))
    }
}

impl From<InternalError> for SsoError {
    fn from(err: InternalError) -> Self {
        Self::Internal(err)
    }
}
