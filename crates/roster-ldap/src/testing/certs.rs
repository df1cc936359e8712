//! A throwaway certificate authority and the server certificate it signs
//! for `127.0.0.1` and `localhost`, made with the `openssl` command: EC
//! P-256 keys, ten years, the extensions rustls's verifier requires (a CA
//! with `keyCertSign`, a server leaf with `serverAuth` and the names in
//! subjectAltName).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::tools::{program, run};

const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name = name
prompt = no

[name]
CN = roster test

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// The files slapd is given, and the CA as PEM text for the client.
pub struct Pki {
    pub ca_pem: String,
    pub ca_file: PathBuf,
    pub certificate_file: PathBuf,
    pub key_file: PathBuf,
}

/// A CA and a server certificate in `dir` (also the webhook tests' HTTPS
/// receiver's).
pub fn server_pki(dir: &Path) -> Pki {
    let config = dir.join("openssl.cnf");
    fs::write(&config, OPENSSL_CONFIG).expect("writing openssl.cnf");
    let ca_file = certificate_authority(dir, &config, "ca", "roster test CA");
    let key_file = dir.join("server.key");
    let request = dir.join("server.csr");
    let certificate_file = dir.join("server.pem");
    let mut command = openssl(&config);
    command.args(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]);
    command
        .args(["-nodes", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key_file)
        .arg("-out")
        .arg(&request);
    run(command, None, "openssl req (server)");
    let mut command = openssl(&config);
    command
        .args(["x509", "-req", "-days", "3650", "-extensions", "server", "-extfile"])
        .arg(&config);
    command.arg("-in").arg(&request).arg("-CA").arg(&ca_file).arg("-CAkey").arg(dir.join("ca.key"));
    command
        .arg("-CAcreateserial")
        .arg("-CAserial")
        .arg(dir.join("ca.srl"))
        .arg("-out")
        .arg(&certificate_file);
    run(command, None, "openssl x509 (signing the server certificate)");
    Pki {
        ca_pem: fs::read_to_string(&ca_file).expect("reading the CA certificate"),
        ca_file,
        certificate_file,
        key_file,
    }
}

/// The PEM certificate of a new CA that signed nothing of any fixture's:
/// trusting only it must make TLS to a fixture fail.
pub fn unrelated_ca_pem() -> String {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("openssl.cnf");
    fs::write(&config, OPENSSL_CONFIG).expect("writing openssl.cnf");
    let file = certificate_authority(dir.path(), &config, "unrelated", "roster unrelated CA");
    fs::read_to_string(file).expect("reading the CA certificate")
}

/// `DIR/NAME.key` and the self-signed `DIR/NAME.pem`, for `CN=common_name`.
fn certificate_authority(dir: &Path, config: &Path, name: &str, common_name: &str) -> PathBuf {
    let certificate = dir.join(format!("{name}.pem"));
    let mut command = openssl(config);
    command.args(["req", "-x509", "-extensions", "ca", "-days", "3650", "-newkey", "ec"]);
    command.args([
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        &format!("/CN={common_name}"),
    ]);
    command.arg("-keyout").arg(dir.join(format!("{name}.key"))).arg("-out").arg(&certificate);
    run(command, None, "openssl req (CA)");
    certificate
}

fn openssl(config: &Path) -> Command {
    let mut command = Command::new(program("openssl"));
    // The fixture's own configuration, not the system's, so that the
    // extensions are exactly these wherever the tests run.
    command.env("OPENSSL_CONF", config);
    command
}
