//! A real HTTP server on 127.0.0.1 for the metadata URL tests: it answers
//! each path as the test says (a document, a status, a redirect, a body
//! without a length), and the test changes the answers while it runs.
//! Plain HTTP/1.1 over tokio, one request per connection, so that what goes
//! over the wire is exactly what the test wrote.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the server answers one path.
#[derive(Debug, Clone)]
pub enum Answer {
    /// 200 with this body and its `Content-Length`.
    Document(String),
    /// 200 with this body and no length: the body ends when the
    /// connection closes.
    Unsized(String),
    /// This status with a short text body.
    Status(u16),
    /// 302 to this location.
    Redirect(String),
}

pub struct MetadataServer {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
}

impl MetadataServer {
    pub async fn start() -> MetadataServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("address"));
        let answers: Arc<Mutex<HashMap<String, Answer>>> = Arc::default();
        let shared = answers.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answers = shared.clone();
                tokio::spawn(async move {
                    let Some(path) = read_request_path(&mut stream).await else { return };
                    let answer = answers.lock().unwrap().get(&path).cloned();
                    let _ = stream.write_all(&render(answer)).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        MetadataServer { address, answers }
    }

    /// The URL of `path` (starting with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Answers `path` with `answer` from now on.
    pub fn answer(&self, path: &str, answer: Answer) {
        self.answers.lock().unwrap().insert(path.to_owned(), answer);
    }
}

/// The path of the request line, once the headers have arrived.
async fn read_request_path(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || request.len() > 64 * 1024 {
            return None;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&request);
    text.lines().next()?.split(' ').nth(1).map(str::to_owned)
}

fn render(answer: Option<Answer>) -> Vec<u8> {
    let head = |status: &str, headers: &str| {
        format!("HTTP/1.1 {status}\r\nConnection: close\r\n{headers}\r\n").into_bytes()
    };
    let sized = |status: &str, kind: &str, body: &str| {
        let mut out =
            head(status, &format!("Content-Type: {kind}\r\nContent-Length: {}\r\n", body.len()));
        out.extend_from_slice(body.as_bytes());
        out
    };
    match answer {
        None => sized("404 Not Found", "text/plain", "no such document"),
        Some(Answer::Document(body)) => sized("200 OK", "application/samlmetadata+xml", &body),
        Some(Answer::Unsized(body)) => {
            let mut out = head("200 OK", "Content-Type: application/xml\r\n");
            out.extend_from_slice(body.as_bytes());
            out
        }
        Some(Answer::Status(code)) => sized(&format!("{code} Test"), "text/plain", "test status"),
        Some(Answer::Redirect(location)) => {
            head("302 Found", &format!("Location: {location}\r\nContent-Length: 0\r\n"))
        }
    }
}
