//! [`SmtpMailer`]: the [`Mailer`] over SMTP, with lettre. One connection
//! per message (a few alerts a day need no pool), TLS by rustls on
//! aws-lc-rs with the operating system's roots and any configured CA,
//! STARTTLS required (never opportunistic) unless plain was chosen.
//!
//! Header injection: lettre's builder encodes header values and refuses
//! addresses that are not addresses; the subject is also one line before
//! it gets here (`mailer.rs`), and a test checks what goes on the wire.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use roster_domain::Secret;

use crate::mailer::{MailError, Mailer, OutgoingMail, one_line};

/// How long one SMTP command may wait for its answer.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one whole message may take. lettre's async transport does not
/// time out every read (a server that never answers AUTH kept a send
/// waiting forever in a test), so the whole conversation has a deadline.
const SEND_DEADLINE: Duration = Duration::from_secs(60);

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption (port 25); only when chosen.
    Plain,
}

impl SmtpSecurity {
    /// The port this security is usually served on.
    pub fn default_port(self) -> u16 {
        match self {
            Self::StartTls => 587,
            Self::Tls => 465,
            Self::Plain => 25,
        }
    }
}

/// The SMTP settings, checked by [`SmtpMailer::new`].
#[derive(Debug)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Username and password, when the server wants a login.
    pub credentials: Option<(String, Secret)>,
    /// The sender, such as `roster <roster@example.com>`.
    pub from: String,
    /// PEM certificates of a CA trusted besides the system's.
    pub ca_pem: Option<Vec<u8>>,
}

/// Why the SMTP settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error("the sender {0:?} is not an e-mail address (such as roster@example.com)")]
    From(String),
    #[error("the CA file holds no usable PEM certificate: {0}")]
    Ca(String),
    #[error("TLS cannot be set up: {0}")]
    Tls(String),
}

/// Sends each message over a new SMTP connection.
pub struct SmtpMailer {
    from: Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn new(config: SmtpConfig) -> Result<Self, SmtpConfigError> {
        let from: Mailbox =
            config.from.parse().map_err(|_| SmtpConfigError::From(config.from.clone()))?;
        let tls = |host: &str| -> Result<TlsParameters, SmtpConfigError> {
            let mut builder = TlsParameters::builder(host.to_owned());
            if let Some(pem) = &config.ca_pem {
                let ca = Certificate::from_pem(pem)
                    .map_err(|err| SmtpConfigError::Ca(err.to_string()))?;
                builder = builder.add_root_certificate(ca);
            }
            builder.build_rustls().map_err(|err| SmtpConfigError::Tls(err.to_string()))
        };
        let tls = match config.security {
            SmtpSecurity::StartTls => Tls::Required(tls(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(&config.host)?),
            SmtpSecurity::Plain => Tls::None,
        };
        // "Dangerous" only in that the builder sets no TLS itself: it is
        // set just below, from the chosen security.
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some((username, password)) = &config.credentials {
            builder = builder
                .credentials(Credentials::new(username.clone(), password.expose().to_owned()));
        }
        Ok(Self { from, transport: builder.build() })
    }
}

/// The message as it goes out: text/plain UTF-8, a date and a message id.
fn message(from: &Mailbox, mail: &OutgoingMail) -> Result<Message, MailError> {
    // A Message-ID in the sender's domain: lettre adds the Date but not
    // this, which mail servers and spam filters expect (RFC 5322 §3.6.4).
    let id = format!("<{}@{}>", uuid::Uuid::new_v4().simple(), from.email.domain());
    let mut builder = Message::builder()
        .from(from.clone())
        .message_id(Some(id))
        .subject(one_line(mail.subject()))
        .header(ContentType::TEXT_PLAIN);
    if mail.to.is_empty() {
        return Err(MailError::Message("no recipient".into()));
    }
    for to in &mail.to {
        let address: Address = to
            .parse()
            .map_err(|err| MailError::Message(format!("{to:?} is not an address: {err}")))?;
        builder = builder.to(Mailbox::new(None, address));
    }
    builder.body(mail.text.clone()).map_err(|err| MailError::Message(err.to_string()))
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = message(&self.from, mail)?;
        match tokio::time::timeout(SEND_DEADLINE, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(MailError::Transport(err.to_string())),
            Err(_) => Err(MailError::Transport(format!(
                "no answer within {} seconds",
                SEND_DEADLINE.as_secs()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(subject: &str, to: &[&str]) -> Result<String, MailError> {
        let from: Mailbox = "roster <roster@example.com>".parse().unwrap();
        let mail = OutgoingMail::new(
            to.iter().map(|to| (*to).to_owned()).collect(),
            subject,
            "Line one.\r\nBcc: not-a-header@example.com\r\n".into(),
        );
        message(&from, &mail).map(|message| String::from_utf8(message.formatted()).unwrap())
    }

    fn headers(wire: &str) -> Vec<&str> {
        let head = wire.split("\r\n\r\n").next().unwrap();
        head.split("\r\n").filter(|line| !line.starts_with([' ', '\t'])).collect()
    }

    #[test]
    fn names_with_line_breaks_never_become_headers() {
        let wire = wire(
            "SCIM token of \"Okta\r\nBcc: evil@example.com\r\n\r\nhi\" expires",
            &["admin@example.com"],
        )
        .unwrap();
        let headers = headers(&wire);
        assert!(!headers.iter().any(|line| line.to_ascii_lowercase().starts_with("bcc")), "{wire}");
        let subjects: Vec<_> = headers.iter().filter(|line| line.starts_with("Subject:")).collect();
        assert_eq!(subjects.len(), 1, "{wire}");
        assert!(headers.contains(&"To: admin@example.com"), "{wire}");
        let ids: Vec<_> = headers.iter().filter(|line| line.starts_with("Message-ID: <")).collect();
        assert!(ids.len() == 1 && ids[0].ends_with("@example.com>"), "{wire}");
        assert_eq!(headers.iter().filter(|line| line.starts_with("Date: ")).count(), 1, "{wire}");
        assert!(headers.iter().any(|line| line.starts_with("Content-Type: text/plain")), "{wire}");
    }

    #[test]
    fn a_recipient_that_is_not_an_address_refuses_the_message() {
        for bad in ["admin@example.com\r\nBcc: evil@example.com", "no-at-sign", "a@b@c"] {
            let err = wire("s", &["ok@example.com", bad]).unwrap_err();
            assert!(matches!(err, MailError::Message(_)), "{bad:?}: {err:?}");
        }
        assert!(matches!(wire("s", &[]), Err(MailError::Message(_))));
    }

    #[test]
    fn the_sender_must_be_an_address() {
        let config = |from: &str| SmtpConfig {
            host: "127.0.0.1".into(),
            port: 25,
            security: SmtpSecurity::Plain,
            credentials: None,
            from: from.into(),
            ca_pem: None,
        };
        assert!(SmtpMailer::new(config("roster <roster@example.com>")).is_ok());
        assert!(matches!(SmtpMailer::new(config("roster")), Err(SmtpConfigError::From(_))));
        assert!(matches!(
            SmtpMailer::new(config("a@example.com\r\nBcc: b@example.com")),
            Err(SmtpConfigError::From(_))
        ));
    }
}
