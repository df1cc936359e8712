//! Entries into the records of the contract, per server type: which
//! attribute is the stable id, the change mark, the disabled flag, the
//! members. An entry that lacks its stable id, or holds a value its
//! syntax forbids, fails the read: a sync must never act on a guess (a
//! disabled account read as enabled, a user without identity).

use crate::ad::{Range, account_disabled, guid_hex, parse_range};
use crate::dn::without_optional_uid;
use crate::entry::Entry;
use crate::plan::Plan;
use crate::watermark::mark;
use crate::{DirectoryGroup, DirectoryUser, LdapError, ServerType, Watermark};

/// A group as one search returned it, and the range request for the rest
/// of its members when Active Directory sent only a slice.
pub(crate) struct GroupRead {
    pub(crate) group: DirectoryGroup,
    pub(crate) more_members: Option<String>,
}

pub(crate) fn user(entry: &Entry, plan: &Plan) -> Result<DirectoryUser, LdapError> {
    let text = |name: &str| entry.text(name).map(non_empty).map_err(LdapError::Search);
    let (display_name, disabled) = match plan.server_type {
        ServerType::ActiveDirectory => {
            let disabled = match text("userAccountControl")? {
                Some(flags) => account_disabled(&flags)
                    .map_err(|why| LdapError::Search(format!("{}: {why}", entry.dn)))?,
                None => false,
            };
            (text("displayName")?.or(text("cn")?), disabled)
        }
        ServerType::OpenLdap => (text("displayName")?, false),
    };
    Ok(DirectoryUser {
        stable_id: stable_id(entry, plan.server_type)?,
        dn: entry.dn.clone(),
        username: text(&plan.username_attribute)?,
        email: text("mail")?,
        first_name: text("givenName")?,
        last_name: text("sn")?,
        display_name,
        disabled,
        changed: changed(entry, plan.server_type)?,
    })
}

pub(crate) fn group(entry: &Entry, plan: &Plan) -> Result<GroupRead, LdapError> {
    let name = entry
        .text("cn")
        .map_err(LdapError::Search)?
        .and_then(non_empty)
        .ok_or_else(|| LdapError::Search(format!("{}: a group without cn", entry.dn)))?;
    let (member_dns, more_members) = members(entry)?;
    let group = DirectoryGroup {
        stable_id: stable_id(entry, plan.server_type)?,
        dn: entry.dn.clone(),
        name,
        member_dns,
        changed: changed(entry, plan.server_type)?,
    };
    Ok(GroupRead { group, more_members })
}

/// The member DNs an entry holds (`member`, `uniqueMember` without its
/// optional UID, or a `member;range=...` slice), and the request for the
/// next slice. Empty values (the placeholder some tools put in a
/// `groupOfNames`, which must have a member) are dropped.
pub(crate) fn members(entry: &Entry) -> Result<(Vec<String>, Option<String>), LdapError> {
    let mut member_dns = Vec::new();
    let mut next = None;
    for (description, _) in &entry.attributes {
        let texts = || entry.texts(description).map_err(LdapError::Search);
        if description.eq_ignore_ascii_case("member") {
            member_dns.extend(texts()?);
        } else if description.eq_ignore_ascii_case("uniqueMember") {
            member_dns.extend(texts()?.iter().map(|v| without_optional_uid(v).to_owned()));
        } else if let Some(range) = parse_range(description, "member") {
            member_dns.extend(texts()?);
            next = next_slice(range);
        }
    }
    member_dns.retain(|dn| !dn.trim().is_empty());
    Ok((member_dns, next))
}

/// The ranged description of the member slice an entry holds, if any.
pub(crate) fn member_range(entry: &Entry) -> Option<Range> {
    entry.attributes.iter().find_map(|(description, _)| parse_range(description, "member"))
}

fn next_slice(range: Range) -> Option<String> {
    range.next_request("member")
}

fn stable_id(entry: &Entry, server_type: ServerType) -> Result<String, LdapError> {
    let id = match server_type {
        ServerType::ActiveDirectory => entry.values("objectGUID").first().and_then(|v| guid_hex(v)),
        ServerType::OpenLdap => entry
            .text("entryUUID")
            .map_err(LdapError::Search)?
            .and_then(non_empty)
            .map(|uuid| uuid.to_ascii_lowercase()),
    };
    id.ok_or_else(|| {
        let attribute = match server_type {
            ServerType::ActiveDirectory => "a 16-byte objectGUID",
            ServerType::OpenLdap => "an entryUUID",
        };
        LdapError::Search(format!("{}: no {attribute} (is the server type right?)", entry.dn))
    })
}

fn changed(entry: &Entry, server_type: ServerType) -> Result<Option<Watermark>, LdapError> {
    let attribute = match server_type {
        ServerType::ActiveDirectory => "uSNChanged",
        ServerType::OpenLdap => "modifyTimestamp",
    };
    entry
        .text(attribute)
        .map_err(LdapError::Search)?
        .map(|raw| mark(server_type, raw.trim()))
        .transpose()
        .map_err(|why| LdapError::Search(format!("{}: {attribute} {why}", entry.dn)))
}

fn non_empty(value: impl Into<Option<String>>) -> Option<String> {
    value.into().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::config;

    fn entry(dn: &str, attributes: &[(&str, &[&[u8]])]) -> Entry {
        Entry {
            dn: dn.into(),
            attributes: attributes
                .iter()
                .map(|(name, values)| {
                    ((*name).to_owned(), values.iter().map(|v| v.to_vec()).collect())
                })
                .collect(),
        }
    }

    fn plan(server_type: ServerType, username_attribute: &str) -> Plan {
        let mut config = config();
        config.server_type = server_type;
        config.username_attribute = username_attribute.into();
        Plan::new(&config).unwrap()
    }

    const GUID: &[u8] = &[
        0xdd, 0x5e, 0x18, 0x7e, 0xb6, 0xe1, 0xa1, 0x40, 0x96, 0x12, 0xac, 0xd6, 0xa6, 0x84, 0x61,
        0x6d,
    ];

    #[test]
    fn active_directory_users() {
        let plan = plan(ServerType::ActiveDirectory, "sAMAccountName");
        let jane = entry(
            "CN=Jane Doe,OU=Staff,DC=corp,DC=example",
            &[
                ("objectGUID", &[GUID]),
                ("sAMAccountName", &[b"jdoe"]),
                ("mail", &[b"jane@corp.example"]),
                ("givenName", &[b"Jane"]),
                ("sn", &[b"Doe"]),
                ("cn", &[b"Jane Doe"]),
                ("userAccountControl", &[b"514"]),
                ("uSNChanged", &[b"12345"]),
            ],
        );
        let user = user(&jane, &plan).unwrap();
        assert_eq!(
            user,
            DirectoryUser {
                stable_id: "dd5e187eb6e1a1409612acd6a684616d".into(),
                dn: "CN=Jane Doe,OU=Staff,DC=corp,DC=example".into(),
                username: Some("jdoe".into()),
                email: Some("jane@corp.example".into()),
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                display_name: Some("Jane Doe".into()),
                disabled: true,
                changed: Some(Watermark("00000000000000012345".into())),
            }
        );
        let displayed = entry(
            "CN=x",
            &[("objectGUID", &[GUID]), ("displayName", &[b"Shown"]), ("cn", &[b"x"])],
        );
        let user = super::user(&displayed, &plan).unwrap();
        assert_eq!(user.display_name.as_deref(), Some("Shown"));
        assert_eq!((user.username, user.disabled, user.changed), (None, false, None));
    }

    #[test]
    fn openldap_users() {
        let plan = plan(ServerType::OpenLdap, "uid");
        let john = entry(
            "uid=john,ou=people,dc=example,dc=org",
            &[
                ("uid", &[b"john"]),
                ("cn", &[b"John Smith"]),
                ("entryUUID", &[b"CF6EE61C-84D0-1041-961B-67A385157B30"]),
                ("modifyTimestamp", &[b"20240305101112Z"]),
                ("userAccountControl", &[b"514"]),
            ],
        );
        let user = user(&john, &plan).unwrap();
        assert_eq!(user.stable_id, "cf6ee61c-84d0-1041-961b-67a385157b30");
        assert_eq!(user.username.as_deref(), Some("john"));
        // No cn fallback, and no disabled flag, outside Active Directory.
        assert_eq!(user.display_name, None);
        assert!(!user.disabled);
        assert_eq!(user.changed, Some(Watermark("20240305101112Z".into())));
    }

    #[test]
    fn entries_that_cannot_be_records_fail_the_read() {
        let ad = plan(ServerType::ActiveDirectory, "sAMAccountName");
        let openldap = plan(ServerType::OpenLdap, "uid");
        let failures = [
            user(&entry("cn=no-guid", &[("cn", &[b"x"])]), &ad),
            user(&entry("cn=short-guid", &[("objectGUID", &[&[1, 2, 3]])]), &ad),
            user(
                &entry("cn=uac", &[("objectGUID", &[GUID]), ("userAccountControl", &[b"yes"])]),
                &ad,
            ),
            user(&entry("cn=usn", &[("objectGUID", &[GUID]), ("uSNChanged", &[b"-5"])]), &ad),
            user(&entry("uid=no-uuid", &[("uid", &[b"x"])]), &openldap),
            user(&entry("uid=bad-utf8", &[("entryUUID", &[b"u"]), ("uid", &[&[0xff]])]), &openldap),
            user(
                &entry(
                    "uid=bad-time",
                    &[("entryUUID", &[b"u"]), ("modifyTimestamp", &[b"yesterday"])],
                ),
                &openldap,
            ),
        ];
        for failure in failures {
            match failure {
                Err(LdapError::Search(message)) => assert!(message.contains('='), "{message}"),
                other => panic!("{other:?}"),
            }
        }
        assert!(group(&entry("cn=x", &[("entryUUID", &[b"u"])]), &openldap).is_err());
    }

    #[test]
    fn groups_and_their_members() {
        let openldap = plan(ServerType::OpenLdap, "uid");
        let staff = entry(
            "cn=staff,ou=groups,dc=example,dc=org",
            &[
                ("cn", &[b"staff"]),
                ("entryUUID", &[b"u-1"]),
                ("member", &[b"uid=a,dc=x", b""]),
                ("uniqueMember", &[b"uid=b,dc=x#'0101'B", b"uid=c,dc=x"]),
            ],
        );
        let read = group(&staff, &openldap).unwrap();
        assert_eq!(read.group.name, "staff");
        assert_eq!(read.group.member_dns, ["uid=a,dc=x", "uid=b,dc=x", "uid=c,dc=x"]);
        assert_eq!(read.more_members, None);

        let ad = plan(ServerType::ActiveDirectory, "sAMAccountName");
        let big = entry(
            "CN=All,DC=corp",
            &[
                ("cn", &[b"All"]),
                ("objectGUID", &[GUID]),
                ("member;range=0-1", &[b"CN=a", b"CN=b"]),
                ("member", &[]),
            ],
        );
        let read = group(&big, &ad).unwrap();
        assert_eq!(read.group.member_dns, ["CN=a", "CN=b"]);
        assert_eq!(read.more_members.as_deref(), Some("member;range=2-*"));
        assert_eq!(member_range(&big), Some(Range { low: 0, high: Some(1) }));
        let last = entry("CN=All,DC=corp", &[("member;range=2-*", &[b"CN=c"])]);
        assert_eq!(members(&last).unwrap(), (vec!["CN=c".to_owned()], None));
    }
}
