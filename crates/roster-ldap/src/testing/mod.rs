//! A real OpenLDAP server for tests: Debian's `slapd` on free ports of
//! 127.0.0.1 (plain with StartTLS, and LDAPS), in its own temporary
//! directory, with its own throwaway CA, stopped and removed on drop.
//! `scripts/install-ldap.sh` installs what it runs; without it the fixture
//! panics with a message naming that script.
//!
//! ```ignore
//! use roster_ldap::testing::Slapd;
//! use roster_ldap::{Connector, LdapConnector, Security};
//!
//! let slapd = Slapd::builder().bulk(1_200, 10, 2).start(); // users loaded before the start
//! let config = slapd.config(Security::StartTls);           // the sync account, the fixture's CA
//! let mut session = LdapConnector.connect(&config).await?;
//! let users = session.users(None).await?;                  // 1,200, past the size limit of 500
//! let dn = slapd.add_user("jdoe", &[("displayName", "Jane Doe")]);
//! slapd.replace(&dn, "mail", &["jane@example.org"]);
//! slapd.add_member(&slapd.group_dn(0), &dn);
//! let renamed = slapd.rename(&dn, "uid=jane");
//! slapd.delete(&renamed);
//! slapd.stop();                                            // killed: unreachable now
//! slapd.restart();                                         // same ports, same data
//! ```
//!
//! What it sets up, and why:
//!
//! - The sync account `cn=roster-sync,BASE` ([`SYNC_PASSWORD`]) may read
//!   everything but gets at most 500 entries per search ([`Slapd::size_limit`])
//!   unless it pages (`size.prtotal=unlimited`): like a real directory, a
//!   client that does not page gets `sizeLimitExceeded`.
//! - Entries loaded before the start ([`SlapdBuilder::bulk`], through
//!   `slapadd`: the start takes about half a second with 10,000 users) carry
//!   `modifyTimestamp`s one second apart from 2020-01-01 00:00:00Z, users
//!   first, then groups: every later change is newer than a watermark
//!   taken after loading, and a read since that watermark (`>=`, see
//!   `watermark.rs`) brings back only the last group besides what changed.
//!   Entries changed while running get the server's clock, in whole
//!   seconds, so several share a mark.
//! - The `memberof` overlay maintains `memberOf` for changes made while the
//!   server runs; `slapadd` does not run overlays, so bulk-loaded users
//!   have no `memberOf` (group `member` values are the source of truth).
//! - [`Flavor::ActiveDirectory`] loads Debian's `msuser.schema` (patched so
//!   that it can be searched; see `conf.rs`) under `dc=corp,dc=example`:
//!   users are `user` objects with `sAMAccountName`, a binary
//!   `objectGUID` ([`Slapd::guid_hex`]), `userAccountControl` and a
//!   `uSNChanged` that the fixture, not the server, advances on every
//!   change it makes ([`Slapd::replace`], [`Slapd::add_member`], ...). It
//!   is OpenLDAP dressed as Active Directory: no ranged retrieval, no
//!   `objectCategory` expansion, no real USN.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A fixture reports a broken setup by panicking with what went wrong:
// that is the test's failure message.

mod certs;
mod conf;
mod ldif;
mod proxy;
mod tools;

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tempfile::TempDir;

pub use certs::{Pki, server_pki, unrelated_ca_pem};
pub use proxy::Tripwire;

use crate::{DirectoryConfig, Security, ServerType};

/// The sync account's password, the same on every fixture (so a primary
/// and a backup fixture accept one configuration). Distinctive, so that a
/// test can check that no error message holds it.
pub const SYNC_PASSWORD: &str = "sync-Pa55word-never-shown";

/// How long a start may take before the fixture gives up.
const START_DEADLINE: Duration = Duration::from_secs(20);

/// Which directory the fixture imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `inetOrgPerson` users and `groupOfNames` groups under
    /// `dc=example,dc=org`.
    OpenLdap,
    /// Active Directory's `user` and `group` objects under
    /// `dc=corp,dc=example` (see the module documentation).
    ActiveDirectory,
}

/// How to set a fixture up; [`Slapd::builder`].
#[derive(Debug, Clone)]
pub struct SlapdBuilder {
    flavor: Flavor,
    users: usize,
    groups: usize,
    groups_per_user: usize,
    ldif: String,
    size_limit: u32,
}

impl SlapdBuilder {
    /// The Active Directory flavour instead of plain OpenLDAP.
    pub fn active_directory(mut self) -> Self {
        self.flavor = Flavor::ActiveDirectory;
        self
    }

    /// Loads `users` users (`user00000`, ...) in `groups` groups
    /// (`group000`, ...), each user in `groups_per_user` of them, before
    /// the server starts; [`Slapd::user_dn`] and [`Slapd::group_dn`] name
    /// them.
    pub fn bulk(mut self, users: usize, groups: usize, groups_per_user: usize) -> Self {
        self.users = users;
        self.groups = groups;
        self.groups_per_user = groups_per_user;
        self
    }

    /// Entries to load before the start as well (LDIF records of whole
    /// entries, with their own `modifyTimestamp` if they need one).
    pub fn ldif(mut self, ldif: &str) -> Self {
        self.ldif.push_str(ldif.trim_end());
        self.ldif.push_str("\n\n");
        self
    }

    /// The sync account's size limit (500 unless set).
    pub fn size_limit(mut self, size_limit: u32) -> Self {
        self.size_limit = size_limit;
        self
    }

    pub fn start(self) -> Slapd {
        Slapd::launch(self)
    }
}

/// A running slapd; killed, and its directory removed, when dropped.
pub struct Slapd {
    flavor: Flavor,
    base_dn: String,
    size_limit: u32,
    plain_port: u16,
    ldaps_port: u16,
    ca_pem: String,
    config_file: PathBuf,
    child: Arc<Mutex<Option<Child>>>,
    next_usn: AtomicU64,
    // Last: removed after the server is killed.
    dir: TempDir,
}

impl Slapd {
    /// Plain OpenLDAP with nothing but the base tree and the sync account.
    pub fn start() -> Slapd {
        Slapd::builder().start()
    }

    pub fn builder() -> SlapdBuilder {
        SlapdBuilder {
            flavor: Flavor::OpenLdap,
            users: 0,
            groups: 0,
            groups_per_user: 0,
            ldif: String::new(),
            size_limit: 500,
        }
    }

    fn launch(builder: SlapdBuilder) -> Slapd {
        let slapd = tools::program("slapd");
        let dir = tempfile::Builder::new()
            .prefix("roster-slapd.")
            .tempdir()
            .expect("a temporary directory");
        let base_dn = match builder.flavor {
            Flavor::OpenLdap => "dc=example,dc=org",
            Flavor::ActiveDirectory => "dc=corp,dc=example",
        }
        .to_owned();
        let sync_dn = format!("cn=roster-sync,{base_dn}");
        let pki = certs::server_pki(dir.path());
        let config_file =
            conf::write(dir.path(), builder.flavor, &base_dn, &sync_dn, builder.size_limit, &pki);
        fs::create_dir(dir.path().join("db")).expect("creating the database directory");

        let (bulk, next_usn) = ldif::bulk(
            builder.flavor,
            &base_dn,
            builder.users,
            builder.groups,
            builder.groups_per_user,
        );
        let seed =
            format!("{}{bulk}{}", ldif::tree(&base_dn, &sync_dn, SYNC_PASSWORD), builder.ldif);
        let seed_file = dir.path().join("seed.ldif");
        fs::write(&seed_file, seed).expect("writing seed.ldif");
        let mut slapadd = Command::new(tools::program("slapadd"));
        // -q: no consistency checks, the fast way to load a fresh database.
        slapadd.arg("-q").arg("-f").arg(&config_file).arg("-l").arg(&seed_file);
        tools::run(slapadd, None, "slapadd (loading the fixture's entries)");

        let mut fixture = Slapd {
            flavor: builder.flavor,
            base_dn,
            size_limit: builder.size_limit,
            plain_port: 0,
            ldaps_port: 0,
            ca_pem: pki.ca_pem,
            config_file,
            child: Arc::new(Mutex::new(None)),
            next_usn: AtomicU64::new(next_usn),
            dir,
        };
        // A free port can be taken by another process before slapd binds
        // it; a start that fails for that is retried on new ports.
        let mut last_failure = String::new();
        for _ in 0..5 {
            (fixture.plain_port, fixture.ldaps_port) = two_free_ports();
            match fixture.spawn(&slapd) {
                Ok(()) => return fixture,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("slapd did not start:\n{last_failure}");
    }

    /// Starts slapd on the fixture's ports and waits until it serves.
    fn spawn(&self, slapd: &Path) -> Result<(), String> {
        let urls =
            format!("ldap://127.0.0.1:{}/ ldaps://127.0.0.1:{}/", self.plain_port, self.ldaps_port);
        let log_file = self.dir.path().join("slapd.log");
        let pid_file = self.dir.path().join("slapd.pid");
        let _ = fs::remove_file(&pid_file);
        let log = fs::File::create(&log_file).expect("creating slapd.log");
        let mut command = Command::new(slapd);
        // -d: stay in the foreground (the fixture holds the process), and
        // log connections and operations (256, "stats") to slapd.log.
        command.arg("-f").arg(&self.config_file).args(["-h", &urls, "-d", "256"]);
        command.stdin(Stdio::null()).stdout(log.try_clone().expect("slapd.log")).stderr(log);
        let child = command.spawn().map_err(|e| format!("cannot run {}: {e}", slapd.display()))?;
        let pid = child.id();
        *self.child.lock().unwrap() = Some(child);

        let deadline = Instant::now() + START_DEADLINE;
        loop {
            let exited = match self.child.lock().unwrap().as_mut() {
                Some(child) => child.try_wait().ok().flatten(),
                None => None,
            };
            if let Some(status) = exited {
                *self.child.lock().unwrap() = None;
                let log = fs::read_to_string(&log_file).unwrap_or_default();
                return Err(format!("slapd exited ({status}):\n{log}"));
            }
            // slapd writes its pid file after it has bound its listeners
            // and opened the database: from then on it answers. Checking
            // the pid also tells our slapd from another on a reused port.
            let ours =
                fs::read_to_string(&pid_file).is_ok_and(|text| text.trim() == pid.to_string());
            if ours && self.answers(self.plain_port) && self.answers(self.ldaps_port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!(
                    "slapd did not answer within {START_DEADLINE:?}:\n{}",
                    fs::read_to_string(&log_file).unwrap_or_default()
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn answers(&self, port: u16) -> bool {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    }

    /// Kills the server (SIGKILL, as a crash or a pulled cable would end
    /// it) and waits for it: from now on connections are refused. The data
    /// stays for [`Slapd::restart`].
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the stopped server again, on the same ports with the same
    /// data. Panics if it is running or a port has been taken meanwhile.
    pub fn restart(&self) {
        assert!(!self.is_running(), "restart: the server is running");
        if let Err(failure) = self.spawn(&tools::program("slapd")) {
            panic!("slapd did not start again:\n{failure}");
        }
    }

    pub fn is_running(&self) -> bool {
        let mut child = self.child.lock().unwrap();
        match child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => true,
            Some(_) => {
                *child = None;
                false
            }
            None => false,
        }
    }

    /// A relay in front of the plain port that kills this server once
    /// `after_bytes` bytes of answers have gone through it (counted over
    /// all its connections): with a search of more than that many bytes,
    /// the server dies mid-search, every run at the same point.
    pub fn tripwire(&self, after_bytes: usize) -> Tripwire {
        Tripwire::start(self.address(), self.child.clone(), after_bytes)
    }

    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    pub fn server_type(&self) -> ServerType {
        match self.flavor {
            Flavor::OpenLdap => ServerType::OpenLdap,
            Flavor::ActiveDirectory => ServerType::ActiveDirectory,
        }
    }

    pub fn base_dn(&self) -> &str {
        &self.base_dn
    }

    /// The sync account.
    pub fn sync_dn(&self) -> String {
        format!("cn=roster-sync,{}", self.base_dn)
    }

    /// How many entries one search without paging gives the sync account.
    pub fn size_limit(&self) -> u32 {
        self.size_limit
    }

    /// `127.0.0.1:port` of the plain (and StartTLS) listener.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.plain_port)
    }

    /// `127.0.0.1:port` of the LDAPS listener.
    pub fn ldaps_address(&self) -> String {
        format!("127.0.0.1:{}", self.ldaps_port)
    }

    /// The PEM certificate of this fixture's own CA, which signed its
    /// server certificate (for `127.0.0.1` and `localhost`).
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Settings that reach this fixture as the sync account with
    /// `security` (the LDAPS port for LDAPS, the plain one otherwise),
    /// trusting its CA, with the flavour's username attribute (`uid` or
    /// `sAMAccountName`), pages of 100 and a 10-second timeout. Tests
    /// change the fields they are about.
    pub fn config(&self, security: Security) -> DirectoryConfig {
        let host = match security {
            Security::Ldaps => self.ldaps_address(),
            Security::StartTls | Security::Plain => self.address(),
        };
        DirectoryConfig {
            host,
            backup_host: None,
            port: None,
            security,
            ca_certificates_pem: match security {
                Security::Plain => None,
                Security::Ldaps | Security::StartTls => Some(self.ca_pem.clone()),
            },
            server_type: self.server_type(),
            bind_dn: self.sync_dn(),
            bind_password: SYNC_PASSWORD.to_owned(),
            base_dn: self.base_dn.clone(),
            username_attribute: match self.flavor {
                Flavor::OpenLdap => "uid",
                Flavor::ActiveDirectory => "sAMAccountName",
            }
            .to_owned(),
            user_filter: None,
            group_filter: None,
            page_size: 100,
            timeout: Duration::from_secs(10),
        }
    }

    /// The username of bulk user `index` (`user00042`).
    pub fn username(&self, index: usize) -> String {
        ldif::username(index)
    }

    /// The DN of bulk user `index`.
    pub fn user_dn(&self, index: usize) -> String {
        ldif::user_dn(self.flavor, &self.base_dn, &ldif::username(index))
    }

    /// The DN of the user the fixture made with `username` (in bulk or by
    /// [`Slapd::add_user`]).
    pub fn dn_of_user(&self, username: &str) -> String {
        ldif::user_dn(self.flavor, &self.base_dn, username)
    }

    /// The DN of bulk group `index` (`cn=group007,ou=groups,BASE`).
    pub fn group_dn(&self, index: usize) -> String {
        ldif::group_dn(&self.base_dn, &ldif::group_name(index))
    }

    /// The stable id the connector reports for an Active Directory flavour
    /// user or group the fixture made: the hex of its derived objectGUID.
    /// (`username`, or `group NAME` for a group.)
    pub fn guid_hex(&self, name: &str) -> String {
        ldif::guid(name).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The `uSNChanged` the next change will carry (Active Directory
    /// flavour); every change the fixture makes takes one.
    pub fn next_usn(&self) -> u64 {
        self.next_usn.fetch_add(1, Ordering::SeqCst)
    }

    /// Adds a user under `ou=people` with the flavour's required
    /// attributes, `cn`, `sn`, `givenName`, `mail` (`NAME@example.org`)
    /// and `extra` (`("userAccountControl", "514")` makes a disabled Active
    /// Directory account); returns its DN.
    pub fn add_user(&self, username: &str, extra: &[(&str, &str)]) -> String {
        let usn = self.usn_for_change();
        let entry = ldif::user(self.flavor, &self.base_dn, username, usn, extra);
        self.apply(&entry);
        self.dn_of_user(username)
    }

    /// Adds a group under `ou=groups` with these members; returns its DN.
    pub fn add_group(&self, name: &str, member_dns: &[String]) -> String {
        let usn = self.usn_for_change();
        self.apply(&ldif::group(self.flavor, &self.base_dn, name, usn, member_dns));
        ldif::group_dn(&self.base_dn, name)
    }

    /// Replaces the values of `attribute` (none: removes it).
    pub fn replace(&self, dn: &str, attribute: &str, values: &[&str]) {
        let mut change = format!("dn: {dn}\nchangetype: modify\nreplace: {attribute}\n");
        for value in values {
            change.push_str(&format!("{attribute}: {value}\n"));
        }
        change.push_str("-\n");
        self.apply(&self.with_usn(change));
    }

    pub fn add_member(&self, group_dn: &str, member_dn: &str) {
        let change =
            format!("dn: {group_dn}\nchangetype: modify\nadd: member\nmember: {member_dn}\n-\n");
        self.apply(&self.with_usn(change));
    }

    pub fn remove_member(&self, group_dn: &str, member_dn: &str) {
        let change =
            format!("dn: {group_dn}\nchangetype: modify\ndelete: member\nmember: {member_dn}\n-\n");
        self.apply(&self.with_usn(change));
    }

    /// Renames `dn` to `new_rdn` under the same parent (the old RDN value
    /// is removed, as directories do on a rename); returns the new DN.
    pub fn rename(&self, dn: &str, new_rdn: &str) -> String {
        self.apply(&format!("dn: {dn}\nchangetype: modrdn\nnewrdn: {new_rdn}\ndeleteoldrdn: 1\n"));
        let parent = dn.split_once(',').map_or("", |(_, parent)| parent);
        let new_dn = format!("{new_rdn},{parent}");
        if self.flavor == Flavor::ActiveDirectory {
            // A domain controller gives a renamed entry a new uSNChanged.
            self.apply(&self.with_usn(format!("dn: {new_dn}\nchangetype: modify\n")));
        }
        new_dn
    }

    pub fn delete(&self, dn: &str) {
        self.apply(&format!("dn: {dn}\nchangetype: delete\n"));
    }

    /// Applies LDIF change records as the root DN (`ldapmodify -a`: records
    /// without a `changetype` are added).
    pub fn apply(&self, ldif: &str) {
        let mut command = Command::new(tools::program("ldapmodify"));
        command.args(["-x", "-a", "-H", &format!("ldap://{}", self.address())]);
        command.args(["-D", &format!("cn=admin,{}", self.base_dn), "-w", conf::ADMIN_PASSWORD]);
        tools::run(command, Some(ldif), "ldapmodify");
    }

    /// The fixture's log (connections and operations), for a failing
    /// test's message.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default()
    }

    fn usn_for_change(&self) -> Option<u64> {
        (self.flavor == Flavor::ActiveDirectory).then(|| self.next_usn())
    }

    /// A modify record with a new `uSNChanged` for the Active Directory
    /// flavour, since a real domain controller would give it one.
    fn with_usn(&self, change: String) -> String {
        if self.flavor != Flavor::ActiveDirectory {
            return change;
        }
        format!("{change}replace: uSNChanged\nuSNChanged: {}\n-\n", self.next_usn())
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Two ports that nothing listens on now, found by binding port 0 (both
/// held until both are known, so they differ).
fn two_free_ports() -> (u16, u16) {
    let first = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let second = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = |listener: &TcpListener| listener.local_addr().expect("a bound port").port();
    (port(&first), port(&second))
}
