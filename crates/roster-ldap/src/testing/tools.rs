//! The OpenLDAP and OpenSSL programs the fixture runs, found or reported
//! missing with the command that installs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What to run when a program is missing.
const INSTALL: &str = "scripts/install-ldap.sh";

/// The path of `name` from Debian's slapd, ldap-utils or openssl; panics
/// naming the install script when it is not there.
pub(super) fn program(name: &str) -> PathBuf {
    for dir in ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"] {
        let path = PathBuf::from(dir).join(name);
        if path.is_file() {
            return path;
        }
    }
    panic!(
        "the OpenLDAP test fixture needs `{name}`, which is not installed \
         (Debian's slapd, ldap-utils and openssl): run {INSTALL} as root"
    );
}

/// Runs `command` with `input` on its stdin; its stdout, or a panic with
/// its stderr and `what` when it fails.
pub(super) fn run(mut command: Command, input: Option<&str>, what: &str) -> String {
    command.stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("a piped stdin");
        stdin.write_all(input.as_bytes()).unwrap_or_else(|e| panic!("writing to {command:?}: {e}"));
    }
    let output =
        child.wait_with_output().unwrap_or_else(|e| panic!("waiting for {command:?}: {e}"));
    if !output.status.success() {
        panic!(
            "{what} failed ({}):\n{}{}\n--- input ---\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            input.unwrap_or("")
        );
    }
    String::from_utf8_lossy(&output.stdout).into_owned()
}
