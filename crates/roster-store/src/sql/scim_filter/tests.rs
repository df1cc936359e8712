//! Unit tests of the SCIM filter compiler: the SQL it writes.
use roster_scim::parse_filter;

use super::*;
use crate::scim_api::{RowKey, SortValue};

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
    let order_by = |compiler: &mut Compiler, path: Option<&str>, descending, filtered| {
        let path = path.map(|p| roster_scim::parse_attr_path(p).unwrap());
        compiler.order(path.as_ref(), descending, filtered).map(|order| order.order_by(false))
    };
    // A column that is never NULL needs no NULL term, so its index serves.
    assert_eq!(
        order_by(&mut compiler, Some("userName"), false, false).unwrap(),
        "u.username_key ASC, u.id ASC"
    );
    assert_eq!(
        order_by(&mut compiler, Some("displayName"), true, false).unwrap(),
        r#"(json_extract(u.scim_match, '$."displayName"')) IS NULL DESC, json_extract(u.scim_match, '$."displayName"') DESC, u.id DESC"#
    );
    assert_eq!(order_by(&mut compiler, None, true, false).unwrap(), "u.created_at DESC, u.id DESC");
    assert_eq!(
        order_by(&mut compiler, None, false, true).unwrap(),
        "(u.created_at + 0) ASC, u.id ASC"
    );
    assert_eq!(
        order_by(&mut compiler, Some("nope"), false, false).unwrap_err().scim_type,
        Some(roster_scim::ScimType::InvalidValue)
    );
    // PostgreSQL sorts text in code point order, as SQLite does; integers
    // (a multi-valued attribute's `primary` too) take no collation.
    let mut compiler = Compiler::new(Dialect::Postgres, Resource::User, 1);
    assert_eq!(
        order_by(&mut compiler, Some("userName"), false, false).unwrap(),
        "u.username_key COLLATE \"C\" ASC, u.id ASC"
    );
    let primary = order_by(&mut compiler, Some("emails.primary"), false, false).unwrap();
    assert!(!primary.contains("COLLATE"), "{primary}");
    assert!(primary.starts_with("((SELECT el.is_primary FROM user_emails el"), "{primary}");
}

/// The keyset condition of every case: ascending and descending, read
/// forwards and backwards, after a value and after an unassigned one, for
/// an order with and without unassigned values.
#[test]
fn keyset_conditions_follow_the_order() {
    let key = |value: SortValue| RowKey { value, id: "u7".into() };
    let text = || key(SortValue::Text("m".into()));
    let cases: [(&str, bool, RowKey, bool, &str); 8] = [
        ("displayName", false, text(), false, "((v) IS NULL OR (v, u.id) > ($3, $4))"),
        ("displayName", false, text(), true, "((v) IS NOT NULL AND (v, u.id) < ($3, $4))"),
        ("displayName", true, text(), false, "((v) IS NOT NULL AND (v, u.id) < ($3, $4))"),
        ("displayName", true, text(), true, "((v) IS NULL OR (v, u.id) > ($3, $4))"),
        ("displayName", false, key(SortValue::Null), false, "((v) IS NULL AND u.id > $3)"),
        ("displayName", false, key(SortValue::Null), true, "((v) IS NOT NULL OR u.id < $3)"),
        ("displayName", true, key(SortValue::Null), false, "((v) IS NOT NULL OR u.id < $3)"),
        ("userName", true, text(), false, "((v, u.id) < ($3, $4))"),
    ];
    for (sort_by, descending, key, reversed, wanted) in cases {
        let mut compiler = Compiler::new(Dialect::Sqlite, Resource::User, 3);
        let path = roster_scim::parse_attr_path(sort_by).unwrap();
        let order = compiler.order(Some(&path), descending, false).unwrap();
        let sql = compiler.after(&order, &key, reversed).unwrap().replace(&order.value, "v");
        assert_eq!(sql, wanted, "{sort_by} descending={descending} reversed={reversed} {key:?}");
        let mut binds = Vec::new();
        if let SortValue::Text(value) = &key.value {
            binds.push(Bind::Text(value.clone()));
        }
        binds.push(Bind::Text("u7".into()));
        assert_eq!(compiler.binds, binds);
    }
    // Without sortBy: the creation time, an integer, never unassigned.
    let mut compiler = Compiler::new(Dialect::Postgres, Resource::Group, 3);
    let order = compiler.order(None, false, false).unwrap();
    let created = key(SortValue::Int(5));
    assert_eq!(
        compiler.after(&order, &created, false).unwrap(),
        "((g.created_at, g.id) > ($3, $4))"
    );
    assert_eq!(compiler.binds, [Bind::Int(5), Bind::Text("u7".into())]);
}

/// A key of another type than the order's (which only a cursor built by
/// hand could hold) is refused on both databases alike, though SQLite
/// could compare it; a key of the order's type on each is taken.
#[test]
fn keys_of_another_type_are_refused_on_both_databases() {
    let user_name = roster_scim::parse_attr_path("userName").unwrap();
    let json_flag = roster_scim::parse_attr_path("phoneNumbers.primary").unwrap();
    let cases = [
        (Some(&user_name), SortValue::Int(5)),
        (Some(&user_name), SortValue::Real(0.5)),
        (None, SortValue::Text("2024".into())),
        (None, SortValue::Real(2024.0)),
    ];
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        for (sort_by, value) in &cases {
            let key = RowKey { value: value.clone(), id: "u7".into() };
            let mut compiler = Compiler::new(dialect, Resource::User, 3);
            let order = compiler.order(*sort_by, false, false).unwrap();
            let err = compiler.after(&order, &key, false).unwrap_err();
            assert_eq!(
                err.scim_type,
                Some(roster_scim::ScimType::InvalidCursor),
                "{dialect:?} {key:?}"
            );
        }
        // A JSON-held boolean is text on PostgreSQL and an integer on SQLite.
        let flag = match dialect {
            Dialect::Postgres => SortValue::Text("true".into()),
            Dialect::Sqlite => SortValue::Int(1),
        };
        for (sort_by, value) in [
            (Some(&json_flag), flag),
            (Some(&user_name), SortValue::Text("a".into())),
            (None, SortValue::Int(5)),
        ] {
            let key = RowKey { value, id: "u7".into() };
            let mut compiler = Compiler::new(dialect, Resource::User, 3);
            let order = compiler.order(sort_by, false, false).unwrap();
            assert!(compiler.after(&order, &key, false).is_ok(), "{dialect:?} {key:?}");
        }
    }
    let mut compiler = Compiler::new(Dialect::Postgres, Resource::User, 3);
    let order = compiler.order(Some(&user_name), false, false).unwrap();
    let unassigned = RowKey { value: SortValue::Null, id: "u7".into() };
    assert!(compiler.after(&order, &unassigned, false).is_ok());
}
