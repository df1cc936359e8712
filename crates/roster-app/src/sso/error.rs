//! How a sign-in is refused. The person signing in sees the reason on a
//! page; none reveals whether another site or user exists.

use roster_saml::SamlError;
use roster_store::StoreError;

use super::{SecondFactorView, SignInStep};
use crate::InternalError;
use crate::metrics::{self, SignInOutcome};

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
    /// A response that answers a request roster does not have (any more):
    /// at the shared ACS, found before validation; at a provider's ACS,
    /// once its signature verified.
    #[error(
        "this response answers no sign-in roster has under way; it may have expired: sign in again"
    )]
    Unsolicited,
    /// A sign-in the IdP started, posted to the shared ACS, whose Issuer
    /// no provider that accepts IdP-initiated sign-ins trusts (in the site
    /// the relay state names).
    #[error(
        "no identity provider set up to accept sign-ins it starts trusts the issuer of this \
         response; set the provider's Default Relay State to the site, or send sign-ins to \
         the provider's own ACS URL (/saml/consume/<provider id>)"
    )]
    UnknownIssuer,
    /// A sign-in the IdP started, posted to the shared ACS without naming a
    /// site, whose Issuer several providers trust: guessing would sign the
    /// person in to the wrong site.
    #[error(
        "more than one identity provider trusts the issuer of this response; set the \
         provider's Default Relay State to the site, or send sign-ins to the provider's own \
         ACS URL (/saml/consume/<provider id>)"
    )]
    AmbiguousIssuer,
    /// A LogoutRequest at the shared logout URL whose Issuer is not the
    /// entity id of exactly one provider's metadata.
    #[error(
        "no single identity provider trusted by its metadata has the issuer of this logout \
         request; give the identity provider the provider's own logout URL \
         (/saml/logout/<provider id>)"
    )]
    UnknownLogoutIssuer,
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
    /// Signed in, but not as an administrator of the site whose console
    /// was asked for.
    #[error(
        "this account is not an administrator of this site; a site administrator can grant \
         the role"
    )]
    NotAdministrator,
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
    /// Created just now by this sign-in, as a member of a password group.
    #[error(
        "the account was created to sign in with a password, not through this identity \
         provider: an administrator of the site sets its password"
    )]
    PasswordLogin,
    #[error("the account is not provisioned to this application")]
    NotProvisioned,
    #[error("the identity provider's NameID is not a valid username")]
    BadNameId,
    #[error("more than one account has this e-mail address")]
    AmbiguousEmail,
}

impl SsoError {
    /// How `/metrics` counts a sign-in step that ended in this error:
    /// refused with a reason class, or the server's failure.
    pub(crate) fn metric(&self) -> SignInOutcome {
        SignInOutcome::Refused(match self {
            Self::Unavailable(_) => "unavailable",
            Self::NotFound { .. } => "not_found",
            Self::Refused(_) => "invalid_response",
            Self::UserRefused(refusal) => match refusal {
                SignInRefusal::Replayed => "replayed",
                SignInRefusal::Disabled => "disabled",
                // The account signs in another way: with a password.
                SignInRefusal::OtherMethod | SignInRefusal::PasswordLogin => "other_method",
                SignInRefusal::NotProvisioned => "not_provisioned",
                SignInRefusal::BadNameId => "bad_name_id",
                SignInRefusal::AmbiguousEmail => "ambiguous_email",
            },
            Self::Unsolicited => "unsolicited",
            Self::UnknownIssuer => "unknown_issuer",
            Self::AmbiguousIssuer => "ambiguous_issuer",
            Self::UnknownLogoutIssuer => "unknown_issuer",
            Self::WrongPassword => "bad_credentials",
            Self::Throttled => "throttled",
            Self::WrongCode(_) => "wrong_code",
            Self::SignInEnded => "sign_in_ended",
            Self::Unauthenticated => "unauthenticated",
            Self::NotAdministrator => "not_administrator",
            Self::Internal(_) => return SignInOutcome::Error,
        })
    }
}

/// How `/metrics` counts a first factor that passed.
pub(crate) fn step_metric(step: &SignInStep) -> SignInOutcome {
    match step {
        SignInStep::SignedIn(_) => SignInOutcome::SignedIn,
        SignInStep::SecondFactor(_) => SignInOutcome::CodeRequired,
    }
}

/// Counts a sign-in step of `method` for `/metrics` (`passed` says how a
/// success counts) and hands its result on.
pub(crate) fn counted<T>(
    method: &'static str,
    result: Result<T, SsoError>,
    passed: impl FnOnce(&T) -> SignInOutcome,
) -> Result<T, SsoError> {
    let outcome = match &result {
        Ok(done) => passed(done),
        Err(err) => err.metric(),
    };
    metrics::sign_in(method, outcome);
    result
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
