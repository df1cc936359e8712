//! The LDIF the fixture writes: the tree every fixture starts with, the
//! bulk users and groups loaded with `slapadd` before the server starts,
//! and single users and groups added while it runs. One place knows what
//! a user and a group look like in each flavour.

use std::fmt::Write;

use super::Flavor;

/// Entries loaded before the server starts are marked as changed one
/// second apart from 2020-01-01 00:00:00Z (users first, then groups): long
/// past, so that whatever a test changes afterwards is newer, and distinct,
/// so that a read since the newest mark (`>=`) brings back only the one
/// entry at that mark, the last group, rather than everything.
fn loaded_at(second: usize) -> String {
    let (days, rest) = (second / 86_400, second % 86_400);
    assert!(days < 31, "more entries than seconds in January 2020");
    format!("202001{:02}{:02}{:02}{:02}Z", days + 1, rest / 3600, rest % 3600 / 60, rest % 60)
}

/// The first `uSNChanged` of the Active Directory flavour; entries loaded
/// before the start take the following ones, in order.
pub(super) const FIRST_USN: u64 = 1000;

/// The username of bulk user `index`.
pub(super) fn username(index: usize) -> String {
    format!("user{index:05}")
}

/// The name (`cn`) of bulk group `index`.
pub(super) fn group_name(index: usize) -> String {
    format!("group{index:03}")
}

/// The DN of the user named `username`.
pub(super) fn user_dn(flavor: Flavor, base_dn: &str, username: &str) -> String {
    match flavor {
        Flavor::OpenLdap => format!("uid={username},ou=people,{base_dn}"),
        Flavor::ActiveDirectory => format!("cn={username},ou=people,{base_dn}"),
    }
}

pub(super) fn group_dn(base_dn: &str, name: &str) -> String {
    format!("cn={name},ou=groups,{base_dn}")
}

/// The base entry, the two organisational units and the sync account.
pub(super) fn tree(base_dn: &str, sync_dn: &str, sync_password: &str) -> String {
    let dc =
        base_dn.split(',').next().and_then(|rdn| rdn.strip_prefix("dc=")).expect("a dc= base DN");
    format!(
        "dn: {base_dn}\nobjectClass: dcObject\nobjectClass: organization\ndc: {dc}\no: {dc}\n\n\
         dn: ou=people,{base_dn}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{base_dn}\nobjectClass: organizationalUnit\nou: groups\n\n\
         dn: {sync_dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n\
         cn: roster-sync\nuserPassword: {sync_password}\n\n"
    )
}

/// A user entry (no trailing blank line): the flavour's classes and
/// required attributes, a name, a mail address, and `extra` lines.
pub(super) fn user(
    flavor: Flavor,
    base_dn: &str,
    username: &str,
    usn: Option<u64>,
    extra: &[(&str, &str)],
) -> String {
    let dn = user_dn(flavor, base_dn, username);
    let mut ldif = format!("dn: {dn}\n");
    match flavor {
        Flavor::OpenLdap => {
            let _ = write!(ldif, "objectClass: inetOrgPerson\nuid: {username}\n");
        }
        Flavor::ActiveDirectory => {
            let _ = write!(
                ldif,
                "objectClass: user\nobjectClass: securityPrincipal\nsAMAccountName: {username}\n\
                 userPrincipalName: {username}@corp.example\nobjectCategory: person\ninstanceType: 4\n\
                 nTSecurityDescriptor:: AQ==\nobjectGUID:: {}\n",
                base64(&guid(username))
            );
            if let Some(usn) = usn {
                let _ = writeln!(ldif, "uSNChanged: {usn}");
            }
            if !extra.iter().any(|(name, _)| name.eq_ignore_ascii_case("userAccountControl")) {
                ldif.push_str("userAccountControl: 512\n");
            }
        }
    }
    let _ = write!(
        ldif,
        "cn: {username}\nsn: Surname {username}\ngivenName: Given\nmail: {username}@example.org\n"
    );
    for (name, value) in extra {
        let _ = writeln!(ldif, "{name}: {value}");
    }
    ldif
}

/// A group entry with `members` (no trailing blank line). An OpenLDAP
/// `groupOfNames` must have a member: an empty group gets the empty DN,
/// as directory tools do.
pub(super) fn group(
    flavor: Flavor,
    base_dn: &str,
    name: &str,
    usn: Option<u64>,
    members: &[String],
) -> String {
    let mut ldif = format!("dn: {}\ncn: {name}\n", group_dn(base_dn, name));
    match flavor {
        Flavor::OpenLdap => {
            ldif.push_str("objectClass: groupOfNames\n");
            if members.is_empty() {
                ldif.push_str("member:\n");
            }
        }
        Flavor::ActiveDirectory => {
            let _ = write!(
                ldif,
                "objectClass: group\ngroupType: -2147483646\nobjectCategory: group\ninstanceType: 4\n\
                 nTSecurityDescriptor:: AQ==\nobjectGUID:: {}\n",
                base64(&guid(&format!("group {name}")))
            );
            if let Some(usn) = usn {
                let _ = writeln!(ldif, "uSNChanged: {usn}");
            }
        }
    }
    for member in members {
        let _ = writeln!(ldif, "member: {member}");
    }
    ldif
}

/// `users` users in `groups` groups, each user in `groups_per_user` of
/// them (user `i` in groups `i % groups`, `(i + 1) % groups`, ...), with
/// increasing change marks: `modifyTimestamp` from 2020-01-01 (see
/// [`loaded_at`]), and `uSNChanged` from [`FIRST_USN`] for Active
/// Directory. Returns the LDIF and the next unused `uSNChanged`.
pub(super) fn bulk(
    flavor: Flavor,
    base_dn: &str,
    users: usize,
    groups: usize,
    groups_per_user: usize,
) -> (String, u64) {
    let mut usn = FIRST_USN;
    let mut ldif = String::with_capacity(users * 400 + groups * 64);
    let mut members: Vec<Vec<String>> = vec![Vec::new(); groups];
    let mut second = 0;
    for index in 0..users {
        let username = username(index);
        let changed = loaded_at(second);
        second += 1;
        ldif.push_str(&user(
            flavor,
            base_dn,
            &username,
            Some(usn),
            &[("modifyTimestamp", &changed)],
        ));
        ldif.push('\n');
        usn += 1;
        for k in 0..groups_per_user.min(groups) {
            members[(index + k) % groups].push(user_dn(flavor, base_dn, &username));
        }
    }
    for (index, members) in members.iter().enumerate() {
        ldif.push_str(&group(flavor, base_dn, &group_name(index), Some(usn), members));
        let _ = writeln!(ldif, "modifyTimestamp: {}\n", loaded_at(second));
        second += 1;
        usn += 1;
    }
    (ldif, usn)
}

/// A 16-byte `objectGUID` derived from a name, so that a test can compute
/// the stable id it expects.
pub(super) fn guid(name: &str) -> [u8; 16] {
    // FNV-1a, twice with different offsets: stable across runs and
    // platforms, unlike std's hasher.
    let fnv = |offset: u64| {
        name.bytes()
            .fold(offset, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
    };
    let mut bytes = [0; 16];
    bytes[..8].copy_from_slice(&fnv(0xcbf2_9ce4_8422_2325).to_be_bytes());
    bytes[8..].copy_from_slice(&fnv(0x84222325_cbf29ce4).to_be_bytes());
    bytes
}

/// RFC 4648 base64, for LDIF's `attribute:: value` lines.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn loaded_entries_are_a_second_apart() {
        assert_eq!(loaded_at(0), "20200101000000Z");
        assert_eq!(loaded_at(61), "20200101000101Z");
        assert_eq!(loaded_at(86_400 + 3_600), "20200102010000Z");
        assert!(loaded_at(59) < loaded_at(60));
    }

    #[test]
    fn guids_are_stable_and_distinct() {
        assert_eq!(guid("user00001"), guid("user00001"));
        assert_ne!(guid("user00001"), guid("user00002"));
    }
}
