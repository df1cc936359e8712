//! [`Tripwire`]: a TCP relay in front of a fixture that kills the server
//! once a given number of bytes has come back through it, so that a test
//! can stop the directory in the middle of a search at the same point on
//! every run, where killing it on a timer would race the search.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Child;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

/// A relay to a fixture's plain port; see [`super::Slapd::tripwire`].
pub struct Tripwire {
    address: String,
    tripped: Arc<AtomicBool>,
    closing: Arc<AtomicBool>,
}

impl Tripwire {
    pub(super) fn start(
        target: String,
        child: Arc<Mutex<Option<Child>>>,
        after_bytes: usize,
    ) -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding the tripwire");
        let address = listener.local_addr().expect("the tripwire's address").to_string();
        let tripped = Arc::new(AtomicBool::new(false));
        let closing = Arc::new(AtomicBool::new(false));
        let relayed = Arc::new(AtomicUsize::new(0));
        let wire = Wire { child, after_bytes, relayed, tripped: tripped.clone() };
        let stop = closing.clone();
        thread::spawn(move || {
            for client in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                // Once tripped it stays cut: a restarted server is not
                // killed again, and clients see their connection close.
                if wire.tripped.load(Ordering::SeqCst) {
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else {
                    // The server is gone: the client sees its connection close.
                    continue;
                };
                wire.relay(client, server);
            }
        });
        Tripwire { address, tripped, closing }
    }

    /// `127.0.0.1:port`, to use as a [`crate::DirectoryConfig`]'s host with
    /// [`crate::Security::Plain`].
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether the server has been killed. From then on the relay closes
    /// every connection it accepts.
    pub fn tripped(&self) -> bool {
        self.tripped.load(Ordering::SeqCst)
    }
}

impl Drop for Tripwire {
    fn drop(&mut self) {
        self.closing.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag and ends.
        let _ = TcpStream::connect(&self.address);
    }
}

#[derive(Clone)]
struct Wire {
    child: Arc<Mutex<Option<Child>>>,
    after_bytes: usize,
    relayed: Arc<AtomicUsize>,
    tripped: Arc<AtomicBool>,
}

impl Wire {
    /// Copies both ways on two threads; the server's side counts.
    fn relay(&self, client: TcpStream, server: TcpStream) {
        let (Ok(mut client_reader), Ok(mut server_writer)) =
            (client.try_clone(), server.try_clone())
        else {
            return;
        };
        thread::spawn(move || {
            let _ = std::io::copy(&mut client_reader, &mut server_writer);
            let _ = server_writer.shutdown(Shutdown::Write);
        });
        let wire = self.clone();
        thread::spawn(move || wire.downstream(server, client));
    }

    fn downstream(&self, mut server: TcpStream, mut client: TcpStream) {
        let mut buffer = [0; 16 * 1024];
        while let Ok(read) = server.read(&mut buffer) {
            if read == 0 || self.tripped.load(Ordering::SeqCst) {
                break;
            }
            let before = self.relayed.fetch_add(read, Ordering::SeqCst);
            let allowed = self.after_bytes.saturating_sub(before).min(read);
            if client.write_all(&buffer[..allowed]).is_err() {
                break;
            }
            if allowed < read || before + read >= self.after_bytes {
                let _ = client.flush();
                self.trip();
                break;
            }
        }
        let _ = client.shutdown(Shutdown::Both);
        let _ = server.shutdown(Shutdown::Both);
    }

    fn trip(&self) {
        if self.tripped.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(mut child) = self.child.lock().expect("the server's lock").take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
