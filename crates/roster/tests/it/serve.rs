//! `roster serve` as a real process: it creates its SQLite data directory,
//! logs `roster is listening` with the bound address on standard error,
//! answers health checks and unknown paths with JSON, tags responses with a
//! request id, keeps its data across restarts and exits with status 0 on
//! SIGTERM.
//!
//! [`Server`] starts the binary on `127.0.0.1:0` and learns the port from
//! that log line (no fixed ports); `cli.rs` uses it too.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use roster_store::StoreConfig;
use serde_json::{Value, json};

use crate::cli::{roster, run_json, run_ok};
use crate::helpers::{self, Backend, TestDatabase};

/// Generous: the tests run in parallel on small machines.
const START_DEADLINE: Duration = Duration::from_secs(60);
const STOP_DEADLINE: Duration = Duration::from_secs(30);
const LISTENING: &str = "roster is listening";

/// A running `roster serve` process; killed on drop if still running.
pub(crate) struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) address: String,
    /// The log line that announced the address, without colours.
    pub(crate) listening_line: String,
    /// Standard error after that line, read by a thread until it closes.
    log: Receiver<String>,
}

/// How a server ended.
pub(crate) struct Stopped {
    pub(crate) status: ExitStatus,
    /// What it logged after the listening line.
    pub(crate) log: Vec<String>,
}

impl Stopped {
    pub(crate) fn success(&self) -> bool {
        self.status.success()
    }
}

impl Server {
    /// `roster <database args> serve --listen 127.0.0.1:0 <serve args>`.
    pub(crate) fn start(database_args: &[String], serve_args: &[&str]) -> Self {
        let mut args: Vec<&str> = database_args.iter().map(String::as_str).collect();
        args.extend(["serve", "--listen", "127.0.0.1:0"]);
        args.extend_from_slice(serve_args);
        Self::spawn(roster(&args))
    }

    /// Starts `command` and waits for the line that gives the address.
    pub(crate) fn spawn(mut command: Command) -> Self {
        command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("start roster serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, log) = mpsc::channel();
        std::thread::spawn(move || {
            // Reads to the end even when nobody listens any more, so that the
            // server never blocks on a full pipe.
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sender.send(strip_ansi(&line)).ok();
            }
        });
        let deadline = Instant::now() + START_DEADLINE;
        let mut seen = Vec::new();
        loop {
            match log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(LISTENING) => {
                    let Some(address) = bound_address(&line) else {
                        child.kill().ok();
                        panic!("no 127.0.0.1:PORT in the listening line: {line:?}");
                    };
                    return Self {
                        child,
                        address: format!("http://{address}"),
                        listening_line: line,
                        log,
                    };
                }
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    child.kill().ok();
                    panic!(
                        "roster serve did not log {LISTENING:?} within {START_DEADLINE:?}: {seen:#?}"
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = child.wait();
                    panic!("roster serve ended ({status:?}) before listening: {seen:#?}");
                }
            }
        }
    }

    /// Waits for the next log line that contains `needle` (lines before it
    /// are passed over) and returns it without colours.
    pub(crate) fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + START_DEADLINE;
        let mut seen = Vec::new();
        loop {
            match self.log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) if line.contains(needle) => return line,
                Ok(line) => seen.push(line),
                Err(err) => panic!("no log line with {needle:?} ({err:?}): {seen:#?}"),
            }
        }
    }

    /// Sends SIGTERM and waits for the process to exit and close its log.
    pub(crate) fn stop(mut self) -> Stopped {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(kill.success(), "kill -TERM {pid}: {kill}");
        let deadline = Instant::now() + STOP_DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "roster serve did not exit within {STOP_DEADLINE:?} of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut log = Vec::new();
        loop {
            match self.log.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => log.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the server's stderr stayed open after exit: {log:#?}")
                }
            }
        }
        Stopped { status, log }
    }

    /// Sends SIGKILL: the process ends at once, mid-request, as in a crash.
    pub(crate) fn kill(mut self) -> ExitStatus {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}

/// Removes terminal colour sequences (`ESC [ ... letter`) from a log line.
fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(char::is_ascii_alphabetic);
        } else {
            plain.push(c);
        }
    }
    plain
}

/// The `127.0.0.1:PORT` in a log line, with a port other than 0.
pub(crate) fn bound_address(line: &str) -> Option<String> {
    let start = line.find("127.0.0.1:")? + "127.0.0.1:".len();
    let port: String = line[start..].chars().take_while(char::is_ascii_digit).collect();
    let port: u16 = port.parse().ok().filter(|port| *port != 0)?;
    Some(format!("127.0.0.1:{port}"))
}

/// Database arguments for a server that must create its own storage: on
/// SQLite a data directory two levels below one that exists, and the file
/// it will hold; on PostgreSQL the fresh database as it is.
fn new_location(db: &TestDatabase) -> (Vec<String>, Option<PathBuf>) {
    match &db.config {
        StoreConfig::Sqlite { path } => {
            let dir = path.parent().expect("a data directory").join("not-yet").join("data");
            assert!(!dir.exists());
            (vec!["--data-dir".into(), dir.display().to_string()], Some(dir.join("roster.db")))
        }
        StoreConfig::Postgres { .. } => (db.cli_args.clone(), None),
    }
}

async fn get(client: &reqwest::Client, url: String, key: Option<&str>) -> helpers::Reply {
    let mut request = client.get(url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    helpers::reply(request.send().await.expect("request")).await
}

async fn serves_health_checks_and_stops_on_sigterm(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let (args, sqlite_file) = new_location(&db);
    let server = Server::start(&args, &[]);
    assert!(server.listening_line.contains("address=127.0.0.1:"), "{}", server.listening_line);
    if let Some(file) = &sqlite_file {
        assert!(file.is_file(), "{} was not created", file.display());
    }
    let client = reqwest::Client::new();

    let health = get(&client, format!("{}/healthz", server.address), None).await;
    assert_eq!(health.status, StatusCode::OK, "{health:?}");
    assert_eq!(health.body, json!({ "status": "ok" }));
    let ready = get(&client, format!("{}/readyz", server.address), None).await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");

    let missing = get(&client, format!("{}/no/such/page", server.address), None).await;
    helpers::assert_error(&missing, StatusCode::NOT_FOUND, "not_found", None);
    let generated =
        missing.headers.get("x-request-id").expect("a request id").to_str().expect("ASCII");
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");

    let response = client
        .get(format!("{}/healthz", server.address))
        .header("x-request-id", "it-serve-42")
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.headers().get("x-request-id").map(|v| v.as_bytes()),
        Some(&b"it-serve-42"[..])
    );

    let stopped = server.stop();
    assert_eq!(stopped.status.code(), Some(0), "{:#?}", stopped.log);
    assert!(stopped.log.iter().any(|line| line.contains("roster stopped")), "{:#?}", stopped.log);
}

async fn restarts_on_the_same_database(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let client = reqwest::Client::new();

    let first = Server::start(&db.cli_args, &[]);
    // The CLI writes while the server runs.
    let operator = run_json(&db, &["admin-key", "create", "--operator"]);
    let operator = operator["secret"].as_str().expect("secret").to_owned();
    let sites = get(&client, format!("{}/api/admin/sites", first.address), Some(&operator)).await;
    assert_eq!((sites.status, &sites.body["total"]), (StatusCode::OK, &json!(0)), "{sites:?}");
    let stopped = first.stop();
    assert!(stopped.success(), "{:#?}", stopped.log);

    run_ok(&db, &["site", "create", "--slug", "acme"]);
    let site_key = run_ok(&db, &["admin-key", "create", "--site", "acme"]).trim().to_owned();

    // The second start runs the migrations again over the existing schema.
    let second = Server::start(&db.cli_args, &["--log-format", "json"]);
    let line: Value = serde_json::from_str(&second.listening_line)
        .unwrap_or_else(|err| panic!("not a JSON log line ({err}): {}", second.listening_line));
    assert_eq!(line["fields"]["message"], LISTENING, "{line}");
    assert_eq!(
        format!("http://{}", line["fields"]["address"].as_str().unwrap_or("-")),
        second.address
    );

    let acme =
        get(&client, format!("{}/api/admin/sites/acme", second.address), Some(&site_key)).await;
    assert_eq!(acme.status, StatusCode::OK, "{acme:?}");
    assert_eq!(acme.body["slug"], "acme");
    let sites = get(&client, format!("{}/api/admin/sites", second.address), Some(&operator)).await;
    assert_eq!((sites.status, &sites.body["total"]), (StatusCode::OK, &json!(1)), "{sites:?}");
    let stopped = second.stop();
    assert!(stopped.success(), "{:#?}", stopped.log);
}

/// The environment variable that stands for each database flag.
fn as_environment(cli_args: &[String]) -> Vec<(&'static str, String)> {
    cli_args
        .chunks(2)
        .map(|pair| match pair {
            [flag, value] if flag == "--data-dir" => ("ROSTER_DATA_DIR", value.clone()),
            [flag, value] if flag == "--database-url" => ("ROSTER_DATABASE_URL", value.clone()),
            other => panic!("unexpected database arguments {other:?}"),
        })
        .collect()
}

async fn configured_through_the_environment(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let environment = as_environment(&db.cli_args);
    run_ok(&db, &["site", "create", "--slug", "acme"]);

    let mut listed = roster(&["site", "list", "--json"]);
    listed.envs(environment.iter().map(|(name, value)| (name, value)));
    let output = listed.output().expect("run the roster binary");
    assert!(output.status.success(), "{output:?}");
    let sites: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(sites["items"][0]["slug"], "acme", "{sites}");

    let mut serve = roster(&["serve"]);
    serve.envs(environment.iter().map(|(name, value)| (name, value)));
    serve.env("ROSTER_LISTEN", "127.0.0.1:0").env("ROSTER_LOG_FORMAT", "json");
    let server = Server::spawn(serve);
    let line: Value = serde_json::from_str(&server.listening_line).expect("a JSON log line");
    assert_eq!(line["fields"]["message"], LISTENING, "{line}");
    let ready = get(&reqwest::Client::new(), format!("{}/readyz", server.address), None).await;
    assert_eq!(ready.status, StatusCode::OK, "{ready:?}");
    let stopped = server.stop();
    assert!(stopped.success(), "{:#?}", stopped.log);
}

async fn serve_help_names_the_environment(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let mut args: Vec<&str> = db.cli_args.iter().map(String::as_str).collect();
    args.extend(["serve", "--help"]);
    let output = roster(&args)
        .env("ROSTER_DATABASE_URL", "postgres://roster:hunter2@db.invalid/roster")
        .output()
        .expect("run the roster binary");
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for variable in ["ROSTER_LISTEN", "ROSTER_DATA_DIR", "ROSTER_DATABASE_URL", "ROSTER_LOG_FORMAT"]
    {
        assert!(help.contains(variable), "{variable} is missing from:\n{help}");
    }
    assert!(!help.contains("hunter2"), "the database URL leaks into --help:\n{help}");
    if let StoreConfig::Sqlite { path } = &db.config {
        assert!(!path.exists(), "--help opened the database");
    }
}

/// Sends `GET path` with the request id `id` on `stream` and reads the
/// answer: its status and JSON body (every body roster sends has a
/// `Content-Length`). Panics, naming `path`, when the connection is closed.
fn exchange(stream: &mut TcpStream, path: &str, id: &str) -> (u16, Value) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: roster\r\nx-request-id: {id}\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("send {path}: {e}"));
    let mut reader = BufReader::new(&*stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap_or_else(|e| panic!("read {path}: {e}"));
    assert!(!line.is_empty(), "GET {path}: the server closed the connection");
    let status = line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let mut length = 0;
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a header line");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().expect("a length");
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("the body");
    (status, serde_json::from_slice(&body).expect("a JSON body"))
}

/// Issue 16 §4: a panic in a handler (a bug; the test-only routes of
/// roster-http's `test-support` feature panic on purpose) is answered with
/// a `500` error body, logged with the request's id, and the kept-alive
/// connection serves the next request, under the admin API's net and
/// under `/api/scim`'s.
async fn a_handler_panic_is_logged_and_the_connection_serves_on(backend: Backend) {
    let db = helpers::fresh_database(backend).await;
    let server = Server::start(&db.cli_args, &[]);
    let address = server.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a read timeout");

    let (status, body) = exchange(&mut stream, "/api/test/panic", "it-panic-api");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], "internal", "{body}");
    assert!(!body.to_string().contains("as asked"), "the panic's text leaks: {body}");
    let (status, body) = exchange(&mut stream, "/healthz", "it-after-api");
    assert_eq!((status, &body), (200, &json!({ "status": "ok" })));

    let (status, body) = exchange(&mut stream, "/api/scim/test/panic", "it-panic-scim");
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["status"], "500", "{body}");
    assert_eq!(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error", "{body}");
    let (status, _) = exchange(&mut stream, "/healthz", "it-after-scim");
    assert_eq!(status, 200);

    let api = server.wait_for_line("a request handler panicked");
    assert!(api.contains("request_id=it-panic-api"), "{api}");
    assert!(api.contains("as asked"), "the log names the panic: {api}");
    let scim = server.wait_for_line("a SCIM request handler panicked");
    assert!(scim.contains("request_id=it-panic-scim"), "{scim}");
    let stopped = server.stop();
    assert_eq!(stopped.status.code(), Some(0), "{:#?}", stopped.log);
}

crate::on_both_databases!(
    a_handler_panic_is_logged_and_the_connection_serves_on,
    serves_health_checks_and_stops_on_sigterm,
    restarts_on_the_same_database,
    configured_through_the_environment,
    serve_help_names_the_environment,
);
