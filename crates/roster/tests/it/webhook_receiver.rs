//! A real HTTP receiver on 127.0.0.1 for the webhook tests: it keeps every
//! request it gets (headers and body) and answers with the statuses the
//! test queues (200 once the queue is empty). HTTP/1.1 over tokio, one
//! request per connection; plain, or over TLS with a certificate of the
//! test's own CA ([`Receiver::start_tls`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// The `seq` of every event delivered.
    pub fn seqs(&self) -> Vec<i64> {
        self.json()["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|event| event["seq"].as_i64().expect("seq"))
            .collect()
    }

    /// Whether `Roster-Signature` carries a valid `v1` for `secret`, checked
    /// as a receiver would: HMAC-SHA256 over `t.body`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let header = &self.headers["roster-signature"];
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            match part.split_once('=') {
                Some(("t", value)) => timestamp = Some(value.to_owned()),
                Some(("v1", value)) => signatures.push(value.to_owned()),
                _ => return false,
            }
        }
        let Some(timestamp) = timestamp else { return false };
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{timestamp}.{}", self.body).as_bytes());
        let expected: String =
            mac.finalize().into_bytes().iter().map(|byte| format!("{byte:02x}")).collect();
        signatures.contains(&expected)
    }

    /// How many `v1` signatures the header carries.
    pub fn signature_count(&self) -> usize {
        self.headers["roster-signature"].matches("v1=").count()
    }
}

pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        Self::listen(None).await
    }

    /// An `https://127.0.0.1:PORT/hook` receiver presenting the PEM
    /// certificate (for 127.0.0.1) and key.
    pub async fn start_tls(certificate_pem: &[u8], key_pem: &[u8]) -> Receiver {
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(certificate_pem)
            .collect::<Result<_, _>>()
            .expect("the certificate");
        let key = PrivateKeyDer::from_pem_slice(key_pem).expect("the key");
        let provider = tokio_rustls::rustls::crypto::aws_lc_rs::default_provider();
        let config = ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the server certificate");
        Self::listen(Some(TlsAcceptor::from(Arc::new(config)))).await
    }

    async fn listen(tls: Option<TlsAcceptor>) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}/hook", listener.local_addr().expect("address"));
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let statuses: Arc<Mutex<VecDeque<u16>>> = Arc::default();
        let (kept, queued) = (received.clone(), statuses.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (kept, queued, tls) = (kept.clone(), queued.clone(), tls.clone());
                tokio::spawn(async move {
                    match tls {
                        // A client that does not trust the certificate
                        // ends the handshake: nothing is received.
                        Some(tls) => {
                            if let Ok(stream) = tls.accept(stream).await {
                                answer(stream, &kept, &queued).await;
                            }
                        }
                        None => answer(stream, &kept, &queued).await,
                    }
                });
            }
        });
        Receiver { url, received, statuses }
    }

    /// The next requests get these statuses, in order.
    pub fn answer(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    /// Answers every request with `status` until told otherwise.
    pub fn always(&self, status: u16) {
        let mut queued = self.statuses.lock().unwrap();
        queued.clear();
        queued.extend(std::iter::repeat_n(status, 1_000));
    }

    /// Back to 200 for every request.
    pub fn recover(&self) {
        self.statuses.lock().unwrap().clear();
    }

    /// Everything received so far, and forgets it.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.received.lock().unwrap())
    }
}

/// Reads one request, keeps it, and answers with the next queued status.
async fn answer(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    kept: &Mutex<Vec<Received>>,
    queued: &Mutex<VecDeque<u16>>,
) {
    let Some(request) = read_request(&mut stream).await else { return };
    kept.lock().unwrap().push(request);
    let status = queued.lock().unwrap().pop_front().unwrap_or(200);
    let answer = format!("HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut (impl AsyncRead + Unpin)) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length")?.parse().ok()?;
    while buffer.len() < head_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let body = String::from_utf8(buffer[head_end..head_end + length].to_vec()).ok()?;
    Some(Received { headers, body })
}
