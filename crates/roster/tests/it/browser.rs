//! A real browser for the tests of what people see (STYLE rule 6): Debian's
//! chromium, headless, driven over WebDriver through Debian's chromedriver
//! (both installed by `scripts/install-browser.sh`). Each [`Browser`] runs
//! its own chromedriver on a free port of 127.0.0.1 and its own browser
//! with a throwaway profile, so tests share no cookies, cache or storage;
//! dropping it kills both.
//!
//! The helpers wait the way a person does, for what the page shows, each
//! with a deadline: a test never sleeps for a fixed time.
//!
//! With `ROSTER_SCREENSHOTS=DIR` set, [`Browser::screenshot`] writes
//! `DIR/NAME.png` (how the README's screenshots are made); without it,
//! it does nothing, so tests may take screenshots freely.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::cookies::Cookie;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tempfile::TempDir;

/// Debian's paths, which `scripts/install-browser.sh` installs.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver and the browser may take to start, on a busy
/// two-core machine.
const START_DEADLINE: Duration = Duration::from_secs(60);

/// How long a page may take to show what a test waits for.
const WAIT_DEADLINE: Duration = Duration::from_secs(15);

/// How often a wait checks again.
const POLL: Duration = Duration::from_millis(50);

/// The environment variable naming the folder screenshots go to.
const SCREENSHOTS: &str = "ROSTER_SCREENSHOTS";

/// A headless chromium, signed in to nothing, with its own profile.
pub struct Browser {
    client: Client,
    // Dropped after the client, then the profile, so that the folder is
    // removed once the browser writing to it is dead.
    _driver: Driver,
    _profile: TempDir,
}

/// A running chromedriver in a process group of its own, killed with the
/// browser it started when dropped (a failed start included).
struct Driver {
    child: Child,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver's browser and the browser's own
        // processes would outlive chromedriver alone.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless
    /// browser session through it.
    pub async fn start() -> Browser {
        for program in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(program).exists(),
                "{program} is missing: run scripts/install-browser.sh (as root), which installs \
                 Debian's chromium and chromium-driver"
            );
        }
        let deadline = Instant::now() + START_DEADLINE;
        let (driver, port) = start_driver(deadline).await;
        let url = format!("http://127.0.0.1:{port}");
        wait_until_ready(&url, deadline).await;

        let profile = tempfile::tempdir().expect("a folder for the browser's profile");
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(capabilities(profile.path()));
        let client = tokio::time::timeout_at(deadline.into(), builder.connect(&url))
            .await
            .expect("chromedriver opened no browser session in time")
            .unwrap_or_else(|err| panic!("chromedriver could not start {CHROMIUM}: {err}"));
        Browser { client, _driver: driver, _profile: profile }
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|err| panic!("open {url}: {err}"));
    }

    /// The address the browser shows.
    pub async fn current_url(&self) -> String {
        self.client.current_url().await.expect("the current URL").to_string()
    }

    /// The page's HTML as the browser holds it now (the DOM, serialised).
    pub async fn page_source(&self) -> String {
        self.client.source().await.expect("the page's source")
    }

    /// The element `css` selects, once the page has it.
    pub async fn wait_for(&self, css: &str) -> Element {
        let found = self
            .client
            .wait()
            .at_most(WAIT_DEADLINE)
            .every(POLL)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(err) => {
                panic!("no {css:?} within {WAIT_DEADLINE:?} on {}: {err}", self.location().await)
            }
        }
    }

    /// Types `text` into the field `css` selects, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.wait_for(css).await;
        field.clear().await.unwrap_or_else(|err| panic!("clear {css:?}: {err}"));
        field.send_keys(text).await.unwrap_or_else(|err| panic!("type into {css:?}: {err}"));
    }

    /// Clicks the element `css` selects, as a person would (it must be
    /// visible and not covered).
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        element.click().await.unwrap_or_else(|err| panic!("click {css:?}: {err}"));
    }

    /// Clicks the button `css` selects and waits for the page its form
    /// leads to. The new page may have the same address (a form posted to
    /// its own page), so what is awaited is the old document going away:
    /// the old one carries a mark in its `window`, the new one does not.
    /// (Polling an element of the old page instead depends on how the
    /// driver words a vanished node: chromium has answered both "stale
    /// element reference" and an inspector error.) While the browser is
    /// between the two documents a script may fail; that is waited out.
    pub async fn submit(&self, css: &str) {
        const MARK: &str = "window.__rosterOldPage = true; return true;";
        const MARKED: &str = "return window.__rosterOldPage === true;";
        self.client.execute(MARK, vec![]).await.expect("mark the page");
        self.click(css).await;
        let deadline = Instant::now() + WAIT_DEADLINE;
        loop {
            if let Ok(Value::Bool(false)) = self.client.execute(MARKED, vec![]).await {
                break;
            }
            if Instant::now() >= deadline {
                panic!(
                    "submitting {css:?} led to no new page within {WAIT_DEADLINE:?} on {}",
                    self.location().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
        // The next page's elements, once it has loaded.
        self.wait_for("body").await;
    }

    /// The text the element `css` selects shows, as rendered.
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element.text().await.unwrap_or_else(|err| panic!("the text of {css:?}: {err}"))
    }

    /// The cookies the browser would send to the current page, HttpOnly
    /// ones included.
    pub async fn cookies(&self) -> Vec<Cookie<'static>> {
        self.client.get_all_cookies().await.expect("the browser's cookies")
    }

    /// Writes what the browser shows to `$ROSTER_SCREENSHOTS/NAME.png`
    /// when that variable is set; does nothing otherwise.
    pub async fn screenshot(&self, name: &str) {
        let Some(folder) = std::env::var_os(SCREENSHOTS) else {
            return;
        };
        let png = self.client.screenshot().await.expect("a screenshot");
        let folder = PathBuf::from(folder);
        std::fs::create_dir_all(&folder)
            .unwrap_or_else(|err| panic!("create {}: {err}", folder.display()));
        let path = folder.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|err| panic!("write {}: {err}", path.display()));
    }

    /// The current address, for a failure message.
    async fn location(&self) -> String {
        match self.client.current_url().await {
            Ok(url) => url.to_string(),
            Err(err) => format!("(no address: {err})"),
        }
    }
}

/// Starts chromedriver on a port the system picks (`--port=0`, so no other
/// process can take it between choosing and binding) and reads the port
/// from the line it prints once it listens.
async fn start_driver(deadline: Instant) -> (Driver, u16) {
    let mut child = Command::new(CHROMEDRIVER)
        .arg("--port=0")
        // A group of its own, which Driver's drop kills whole.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|err| {
            panic!("cannot start {CHROMEDRIVER} (run scripts/install-browser.sh): {err}")
        });
    let stdout = child.stdout.take().expect("chromedriver's stdout");
    let driver = Driver { child };
    let (said, heard) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut said = Some(said);
        let mut seen = Vec::new();
        // Read to the end, so that chromedriver never writes to a closed pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = listening_port(&line) {
                if let Some(said) = said.take() {
                    let _ = said.send(Ok(port));
                }
            } else if said.is_some() {
                seen.push(line);
            }
        }
        if let Some(said) = said.take() {
            let _ = said.send(Err(seen.join("\n")));
        }
    });
    let port = match tokio::time::timeout_at(deadline.into(), heard).await {
        Ok(Ok(Ok(port))) => port,
        Ok(Ok(Err(said))) => panic!("chromedriver stopped before listening; it said:\n{said}"),
        Ok(Err(_)) => panic!("chromedriver's output reader stopped"),
        Err(_) => panic!("chromedriver did not say it listens within {START_DEADLINE:?}"),
    };
    (driver, port)
}

/// The port in chromedriver's "ChromeDriver was started successfully on
/// port 43147." line.
fn listening_port(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("started successfully on port ")?;
    rest.trim_end_matches('.').trim().parse().ok()
}

/// Polls chromedriver's `/status` until it says it is ready for a session.
async fn wait_until_ready(url: &str, deadline: Instant) {
    let client = reqwest::Client::new();
    let status = format!("{url}/status");
    loop {
        let answer = match client.get(&status).send().await {
            Ok(response) => response.json::<Value>().await.map_err(|err| err.to_string()),
            Err(err) => Err(err.to_string()),
        };
        match &answer {
            Ok(body) if body["value"]["ready"] == json!(true) => return,
            _ if Instant::now() >= deadline => {
                panic!("chromedriver at {url} was not ready within {START_DEADLINE:?}: {answer:?}")
            }
            _ => tokio::time::sleep(POLL).await,
        }
    }
}

/// The session's capabilities: Debian's chromium, headless, in a fresh
/// profile, with nothing of its own reaching the network.
fn capabilities(profile: &Path) -> serde_json::Map<String, Value> {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                // The tests run as root in containers, where chromium's
                // sandbox cannot start.
                "--no-sandbox",
                // No update checks, safe-browsing lists or field trials:
                // the machine reaches no network but the loopback.
                "--disable-background-networking",
                "--disable-gpu",
                // /dev/shm is small in containers; a full one crashes tabs.
                "--disable-dev-shm-usage",
                // The screenshots' size, and a layout wide enough for a
                // desktop console.
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        },
    });
    serde_json::from_value(capabilities).expect("capabilities are a JSON object")
}

#[test]
fn chromedrivers_listening_line_gives_its_port() {
    let line = "ChromeDriver was started successfully on port 43147.";
    assert_eq!(listening_port(line), Some(43147));
    assert_eq!(listening_port("Only local connections are allowed."), None);
}
