//! The fixture's `slapd.conf` (simpler than `cn=config` for a server that
//! lives for one test) and, for the Active Directory flavour, a copy of
//! Debian's `msuser.schema` that a filter can search.

use std::fs;
use std::path::Path;

use super::Flavor;
use super::certs::Pki;

/// The root DN's password: the fixture's own changes are made as it.
pub(super) const ADMIN_PASSWORD: &str = "fixture-admin-secret";

/// The schema files both flavours include, in dependency order.
const OPENLDAP_SCHEMA: &[&str] = &["core", "cosine", "inetorgperson"];

/// The Active Directory flavour adds nis (msuser.schema's `user` class
/// names its homeDirectory) and the patched msuser.schema.
const AD_SCHEMA: &[&str] = &["core", "cosine", "inetorgperson", "nis"];

/// Writes `slapd.conf` into `dir` and returns its path.
pub(super) fn write(
    dir: &Path,
    flavor: Flavor,
    base_dn: &str,
    sync_dn: &str,
    size_limit: u32,
    pki: &Pki,
) -> std::path::PathBuf {
    let mut includes = String::new();
    let schema = match flavor {
        Flavor::OpenLdap => OPENLDAP_SCHEMA,
        Flavor::ActiveDirectory => AD_SCHEMA,
    };
    for name in schema {
        includes.push_str(&format!("include /etc/ldap/schema/{name}.schema\n"));
    }
    let mut indexes =
        "index objectClass eq\nindex entryUUID eq\nindex uid,cn,member,uniqueMember eq\n"
            .to_owned();
    if flavor == Flavor::ActiveDirectory {
        let ad_schema = dir.join("msuser.schema");
        fs::write(&ad_schema, active_directory_schema()).expect("writing msuser.schema");
        includes.push_str(&format!("include {}\n", ad_schema.display()));
        indexes.push_str("index sAMAccountName,objectCategory eq\n");
    }
    let d = dir.display();
    let text = format!(
        "{includes}\
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {d}/slapd.pid
argsfile {d}/slapd.args
TLSCACertificateFile {ca}
TLSCertificateFile {certificate}
TLSCertificateKeyFile {key}
# What a directory lets an ordinary account read at once.
sizelimit {size_limit}

database mdb
maxsize 1073741824
suffix \"{base_dn}\"
rootdn \"cn=admin,{base_dn}\"
rootpw {ADMIN_PASSWORD}
directory {d}/db
{indexes}\
# The sync account gets {size_limit} entries per search like everyone,
# but any number through paged results (RFC 2696), as with Active
# Directory's MaxPageSize: reading all users needs paging.
limits dn.exact=\"{sync_dn}\" size.soft={size_limit} size.hard={size_limit} size.prtotal=unlimited
overlay memberof
memberof-refint TRUE
access to attrs=userPassword by anonymous auth by * none
access to * by users read by * none
",
        ca = pki.ca_file.display(),
        certificate = pki.certificate_file.display(),
        key = pki.key_file.display(),
    );
    let path = dir.join("slapd.conf");
    fs::write(&path, text).expect("writing slapd.conf");
    path
}

/// Debian's `msuser.schema` (Active Directory's `user` and `group` classes
/// and attributes) with what searching needs and the file leaves out:
/// matching rules (ordering for `uSNChanged>=N`, equality for
/// `userAccountControl` and `sAMAccountName`), `objectCategory` as a
/// string (Active Directory expands `objectCategory=person` to the class's
/// DN server-side; here the entries hold `person` itself), and the
/// `securityPrincipal` auxiliary class that carries `sAMAccountName`.
fn active_directory_schema() -> String {
    let path = "/etc/ldap/schema/msuser.schema";
    let mut schema = fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "reading {path} ({e}): the fixture needs Debian's slapd: run scripts/install-ldap.sh"
        )
    });
    let patches = [
        (
            "uSNChanged",
            "SYNTAX 'MSADlargeInteger'",
            "EQUALITY integerMatch\n\tORDERING integerOrderingMatch\n\tSYNTAX 'MSADlargeInteger'",
        ),
        (
            "userAccountControl",
            "SYNTAX '1.3.6.1.4.1.1466.115.121.1.27'",
            "EQUALITY integerMatch\n\tSYNTAX '1.3.6.1.4.1.1466.115.121.1.27'",
        ),
        (
            "objectCategory",
            "SYNTAX '1.3.6.1.4.1.1466.115.121.1.12'",
            "EQUALITY caseIgnoreMatch\n\tSYNTAX '1.3.6.1.4.1.1466.115.121.1.15'",
        ),
        (
            "sAMAccountName",
            "SYNTAX '1.3.6.1.4.1.1466.115.121.1.15'",
            "EQUALITY caseIgnoreMatch\n\tSYNTAX '1.3.6.1.4.1.1466.115.121.1.15'",
        ),
    ];
    for (name, old, new) in patches {
        let old = format!("NAME '{name}'\n\t{old}");
        assert!(
            schema.contains(&old),
            "{path} changed: no {old:?}; the fixture's patch needs updating"
        );
        schema = schema.replace(&old, &format!("NAME '{name}'\n\t{new}"));
    }
    schema.push_str(
        "\nobjectclass ( 1.2.840.113556.1.5.6 NAME 'securityPrincipal' AUXILIARY\n MAY ( sAMAccountName ) )\n",
    );
    schema
}
