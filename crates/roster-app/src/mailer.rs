//! The one way roster sends mail: the [`Mailer`] trait the context holds
//! (STYLE rule 6: tests give a real SMTP listener or a recording fake),
//! and the message it takes. What the alerts say is `alert_mail.rs`; the
//! SMTP implementation is `smtp_mailer.rs`.
//!
//! Invariant: a message's subject is one line. Names that reach it come
//! from the database (site and provider names an identity provider or an
//! administrator chose) and may hold CR or LF; they are flattened here,
//! before any header is built, so no name can start a header of its own.

use std::fmt;

/// A plain-text message to some addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// Addresses as stored; the mailer refuses the message if one is not
    /// an address.
    pub to: Vec<String>,
    subject: String,
    pub text: String,
}

impl OutgoingMail {
    pub fn new(to: Vec<String>, subject: &str, text: String) -> Self {
        Self { to, subject: one_line(subject), text }
    }

    /// The subject, on one line.
    pub fn subject(&self) -> &str {
        &self.subject
    }
}

/// Why a message was not delivered, in words for the alert's record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The message could not be built (an address that is not one).
    #[error("the message is not valid: {0}")]
    Message(String),
    /// The SMTP server could not be reached, or refused the message.
    #[error("the SMTP server did not take the message: {0}")]
    Transport(String),
}

/// Sends mail. The real one is [`crate::SmtpMailer`].
#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    /// Delivers `mail` to the SMTP server: Ok once the server took it.
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

impl fmt::Debug for dyn Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mailer")
    }
}

/// `text` with every control character (CR, LF, tab, ...) made a space
/// and the ends trimmed, for subjects and names inside them.
pub fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

/// Whether `text` is an address a message can go to.
pub fn is_address(text: &str) -> bool {
    text.parse::<lettre::Address>().is_ok()
}

/// A mailer that keeps what it is given, for unit tests.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct RecordingMailer {
    pub(crate) sent: std::sync::Mutex<Vec<OutgoingMail>>,
}

#[cfg(test)]
#[async_trait::async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        self.sent.lock().map_err(|_| MailError::Transport("poisoned".into()))?.push(mail.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_is_one_line_whatever_the_names_hold() {
        let mail = OutgoingMail::new(
            vec![],
            "Token of \"Okta\r\nBcc: evil@example.com\" expires\n",
            "body\r\nstays".into(),
        );
        assert_eq!(mail.subject(), "Token of \"Okta  Bcc: evil@example.com\" expires");
        assert_eq!(mail.text, "body\r\nstays");
        assert_eq!(one_line("\u{0}a\tb\u{7f}"), "a b");
    }
}
