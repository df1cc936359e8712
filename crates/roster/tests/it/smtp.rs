//! A real SMTP server for the mail tests (STYLE rule 6): Debian's aiosmtpd
//! (installed by `scripts/install-smtp.sh`) run by `tests/smtp/server.py`
//! on a free port of 127.0.0.1. Every message it accepts is a JSON file in
//! the server's folder: the envelope, and the message parsed by Python's
//! `email` package (headers unfolded and decoded, the body decoded), so
//! the tests check what a mail client would show, parsed by code that is
//! not lettre's. The server writes the file before it answers 250, so a
//! delivered message is there when the send returns.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use roster_app::{SmtpConfig, SmtpMailer, SmtpSecurity};
use serde::Deserialize;
use tempfile::TempDir;

/// The sender the tests' mailers use.
pub const FROM: &str = "roster <roster@roster.test>";

/// Debian's Python, which the python3-aiosmtpd package is for (another
/// python3 may come first on PATH).
const PYTHON: &str = "/usr/bin/python3";

/// How long the server may take to start listening.
const START_DEADLINE: Duration = Duration::from_secs(20);

/// One message as the server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivered {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// Every header, unfolded and decoded, in order.
    pub headers: Vec<(String, String)>,
    /// The text body, decoded.
    pub body: String,
    /// The message as it came over the wire.
    pub data: String,
}

impl Delivered {
    /// The values of the headers named `name` (any letter case).
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// The one `Subject`.
    pub fn subject(&self) -> &str {
        let subjects = self.header("Subject");
        assert_eq!(subjects.len(), 1, "one Subject in {self:#?}");
        subjects[0]
    }
}

pub struct SmtpServer {
    folder: TempDir,
    pub port: u16,
    login: Option<(String, String)>,
    /// Plain, STARTTLS (required) or TLS from the first byte; with TLS the
    /// server's certificate is for 127.0.0.1, from a CA of its own.
    security: SmtpSecurity,
    child: Option<Child>,
}

impl SmtpServer {
    /// A server on a free port that takes any message.
    pub fn start() -> SmtpServer {
        Self::launch(None, SmtpSecurity::Plain)
    }

    /// A server that takes messages only after this login.
    pub fn start_with_login(user: &str, password: &str) -> SmtpServer {
        Self::launch(Some((user.to_owned(), password.to_owned())), SmtpSecurity::Plain)
    }

    /// A server that speaks STARTTLS (and refuses mail without it) or TLS;
    /// [`SmtpServer::ca_pem`] is the CA of its certificate.
    pub fn start_secured(security: SmtpSecurity) -> SmtpServer {
        Self::launch(None, security)
    }

    fn launch(login: Option<(String, String)>, security: SmtpSecurity) -> SmtpServer {
        let folder = tempfile::tempdir().expect("mail folder");
        let mut server = SmtpServer { folder, port: 0, login, security, child: None };
        server.run(0);
        server
    }

    fn script() -> PathBuf {
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/smtp/server.py")
    }

    /// Starts the server process on `port` (0: a free one) and waits for
    /// it to say it listens.
    fn run(&mut self, port: u16) {
        let mut command = Command::new(PYTHON);
        command
            .arg(Self::script())
            .arg(self.folder.path())
            .args(["--port", &port.to_string()])
            .args([
                "--security",
                match self.security {
                    SmtpSecurity::StartTls => "starttls",
                    SmtpSecurity::Tls => "tls",
                    SmtpSecurity::Plain => "plain",
                },
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some((user, password)) = &self.login {
            command.args(["--login", &format!("{user}:{password}")]);
        }
        let mut child = command.spawn().unwrap_or_else(|err| {
            panic!("cannot start {PYTHON} (run scripts/install-smtp.sh): {err}")
        });
        let stdout = child.stdout.take().expect("stdout");
        let (said, heard) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = said.send(line);
        });
        let line = heard.recv_timeout(START_DEADLINE).unwrap_or_else(|_| {
            let _ = child.kill();
            panic!("the SMTP server did not start listening (run scripts/install-smtp.sh)")
        });
        self.port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP server said {line:?}, not its port"));
        self.child = Some(child);
    }

    /// Stops the server: sends fail until [`SmtpServer::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on its port, keeping what it received.
    pub fn restart(&mut self) {
        self.stop();
        let port = self.port;
        self.run(port);
        assert_eq!(self.port, port);
    }

    /// The CA that issued a secured server's certificate (PEM).
    pub fn ca_pem(&self) -> Vec<u8> {
        std::fs::read(self.folder.path().join("tls/ca.pem")).expect("the server's CA")
    }

    /// The mailer settings that reach this server, with its security (the
    /// CA is not trusted: set `ca_pem` for that).
    pub fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            security: self.security,
            credentials: self
                .login
                .as_ref()
                .map(|(user, password)| (user.clone(), roster_domain::Secret::new(password))),
            from: FROM.into(),
            ca_pem: None,
        }
    }

    pub fn mailer(&self) -> Arc<SmtpMailer> {
        Arc::new(SmtpMailer::new(self.config()).expect("SMTP settings"))
    }

    /// Every message received so far, in the order received.
    pub fn messages(&self) -> Vec<Delivered> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .expect("mail folder")
            .map(|entry| entry.expect("entry").path())
            .filter(|path| {
                path.extension().is_some_and(|ext| ext == "json")
                    && !path.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.'))
            })
            .collect();
        // Names are "PID-NNNN": by start of the server run, then by number.
        files.sort_by_key(|path| {
            (std::fs::metadata(path).and_then(|m| m.modified()).ok(), path.clone())
        });
        files
            .iter()
            .map(|path| serde_json::from_slice(&std::fs::read(path).expect("read")).expect("JSON"))
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
