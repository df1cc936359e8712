//! Unit tests of the SCIM filter compiler: the SQL it writes.
use roster_scim::parse_filter;

use super::*;

fn sql(dialect: Dialect, resource: Resource, filter: &str) -> Result<(String, Vec<Bind>), String> {
    let filter = parse_filter(filter).map_err(|e| e.to_string())?;
    let mut compiler = Compiler::new(dialect, resource, 3);
    let text = compiler.filter(&filter).map_err(|e| e.detail)?;
    Ok((text, compiler.binds))
}

#[test]
fn indexed_equality_binds_a_lower_cased_key() {
    let (text, binds) = sql(Dialect::Sqlite, Resource::User, r#"userName eq "BJensen""#).unwrap();
    assert_eq!(text, "(u.username_key IS NOT NULL AND u.username_key = $3)");
    assert_eq!(binds, [Bind::Text("bjensen".into())]);
    let (text, _) = sql(Dialect::Postgres, Resource::Group, r#"displayName eq "Admins""#).unwrap();
    assert_eq!(text, "(g.name_key IS NOT NULL AND g.name_key = $3)");
}

#[test]
fn case_insensitive_values_are_folded_in_rust_and_compared_exactly() {
    let (text, binds) =
        sql(Dialect::Sqlite, Resource::User, r#"displayName co "ÄRGER 50%_off\\""#).unwrap();
    assert_eq!(
        text,
        r#"(json_extract(u.scim_match, '$."displayName"') IS NOT NULL AND instr(json_extract(u.scim_match, '$."displayName"'), $3) > 0)"#
    );
    assert_eq!(binds, [Bind::Text("ärger 50%_off\\".into())]);
    let (text, binds) =
        sql(Dialect::Postgres, Resource::User, r#"name.givenName sw "Ödön""#).unwrap();
    assert!(
        text.contains(
            "left((u.scim_match::jsonb #>> '{\"name\",\"givenName\"}'), length($3)) = $3"
        ),
        "{text}"
    );
    assert_eq!(binds, [Bind::Text("ödön".into())]);
    let (text, binds) = sql(Dialect::Sqlite, Resource::User, r#"emails.type eq "WÖRK""#).unwrap();
    assert!(text.contains("el.kind_key = $3"), "{text}");
    assert_eq!(binds, [Bind::Text("wörk".into())]);
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        for filter in [r#"title eq "X""#, r#"userName sw "X""#, r#"members.display co "x""#] {
            let resource =
                if filter.starts_with("members") { Resource::Group } else { Resource::User };
            let (text, _) = sql(dialect, resource, filter).unwrap();
            assert!(!text.contains("LOWER") && !text.contains("LIKE"), "{filter}: {text}");
        }
    }
}

#[test]
fn case_exact_substrings_avoid_like() {
    let (text, _) = sql(Dialect::Sqlite, Resource::User, r#"externalId sw "AB""#).unwrap();
    assert!(text.contains("substr(u.external_id, 1, length($3)) = $3"), "{text}");
    let (text, _) = sql(Dialect::Postgres, Resource::User, r#"externalId co "AB""#).unwrap();
    assert!(text.contains("strpos(u.external_id, $3) > 0"), "{text}");
}

#[test]
fn placeholders_count_from_the_start() {
    let (text, binds) = sql(
        Dialect::Postgres,
        Resource::User,
        r#"userName eq "a" or (emails[type eq "work" and value co "@x.com"] and not (active eq false))"#,
    )
    .unwrap();
    for n in 3..6 {
        assert!(text.contains(&format!("${n}")), "{text}");
    }
    assert!(!text.contains("$6"), "{text}");
    assert_eq!(binds.len(), 3);
    assert!(
        text.contains("u.id IN (SELECT el.user_id FROM user_emails el WHERE el.site_id = $1"),
        "{text}"
    );
}

#[test]
fn json_attributes_per_dialect() {
    let (text, _) = sql(Dialect::Sqlite, Resource::User, r#"title eq "CEO""#).unwrap();
    assert!(text.contains(r#"json_extract(u.scim_match, '$."title"')"#), "{text}");
    let (text, _) = sql(
        Dialect::Postgres,
        Resource::User,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "R&D""#,
    )
    .unwrap();
    assert!(
        text.contains(r#"(u.scim_match::jsonb #>> '{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User","department"}')"#),
        "{text}"
    );
    let (text, _) =
        sql(Dialect::Postgres, Resource::User, r#"phoneNumbers[type eq "work"]"#).unwrap();
    assert!(text.contains("jsonb_array_elements"), "{text}");
}

#[test]
fn members_search_users_and_groups() {
    let (text, binds) =
        sql(Dialect::Sqlite, Resource::Group, r#"members[value eq "2819c223"]"#).unwrap();
    assert!(text.contains("group_members el") && text.contains("group_member_groups el"), "{text}");
    assert_eq!(binds.len(), 2);
}

#[test]
fn bad_filters_say_why() {
    let cases = [
        (r#"password eq "x""#, "password cannot be used in a filter"),
        (r#"name eq "x""#, "name is complex"),
        (r#"active eq "true""#, "boolean"),
        (r#"meta.created gt "yesterday""#, "RFC 3339"),
        (r#"active gt true"#, "only eq and ne"),
        (r#"nope eq "x""#, "unknown attribute"),
        (r#"userName lt null"#, "only eq and ne compare with null"),
        (r#"displayName[value eq "x"]"#, "multi-valued"),
    ];
    for (filter, wanted) in cases {
        let err = sql(Dialect::Sqlite, Resource::User, filter).unwrap_err();
        assert!(err.contains(wanted), "{filter}: {err}");
    }
    let err = sql(Dialect::Sqlite, Resource::Group, r#"title eq "x""#).unwrap_err();
    assert!(err.contains("unknown attribute"), "{err}");
}

#[test]
fn sort_keys() {
    let mut compiler = Compiler::new(Dialect::Sqlite, Resource::User, 1);
    let path = roster_scim::parse_attr_path("userName").unwrap();
    let order = compiler.order_by(Some(&path), false, false).unwrap();
    assert_eq!(order, "(u.username_key) IS NULL ASC, u.username_key ASC, u.id ASC");
    assert_eq!(compiler.order_by(None, true, false).unwrap(), "u.created_at DESC, u.id DESC");
    assert_eq!(compiler.order_by(None, false, true).unwrap(), "(u.created_at + 0) ASC, u.id ASC");
    let bad = roster_scim::parse_attr_path("nope").unwrap();
    assert_eq!(
        compiler.order_by(Some(&bad), false, false).unwrap_err().scim_type,
        Some(roster_scim::ScimType::InvalidValue)
    );
}
