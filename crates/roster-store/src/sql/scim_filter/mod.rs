//! SCIM filters and sort keys compiled to SQL (RFC 7644 §3.4.2.2-3), per
//! dialect, with every value bound as a parameter.
//!
//! Each attribute maps to an SQL expression over the resource's row (`u`
//! for users, `g` for groups): a column, a key column that holds a folded
//! value and that an index serves (`userName`, `displayName` of groups,
//! `emails.value`), a JSON value in `users.scim_match` (the user's SCIM
//! view in comparison form), or a correlated `EXISTS` over the rows of a
//! multi-valued attribute (e-mails, members, a user's groups, JSON
//! arrays).
//!
//! Case-insensitive strings are compared folded on both sides, the stored
//! side folded when it was written and the bound value folded here, both
//! with `roster_scim::fold`: SQL's `LOWER()` is never used, since SQLite's
//! folds ASCII letters only and PostgreSQL's follows the collation, and
//! `Ä` must equal `ä` on both (issue 16 §3). `co`/`sw`/`ew` are position
//! functions over those texts, so no `LIKE` pattern is built from input.
//!
//! Comparisons never yield SQL `NULL`, so `not (...)` means what SCIM says:
//! an absent attribute does not equal anything, and is not equal to
//! anything. On a multi-valued attribute, `ne` holds when no value equals.

use roster_scim::schema::{
    AttrType, Attribute, ENTERPRISE_USER, GROUP_RESOURCE, ResourceType, Schema, USER_RESOURCE,
};
use roster_scim::{AttrPath, CompValue, CompareOp, Filter, ScimError};

use super::Dialect;

/// Which table a filter runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource {
    User,
    Group,
}

impl Resource {
    fn resource_type(self) -> &'static ResourceType {
        match self {
            Self::User => &USER_RESOURCE,
            Self::Group => &GROUP_RESOURCE,
        }
    }
}

/// A value to bind to a `$n` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    /// A key's value read back as a float (SQLite's JSON numbers).
    Real(f64),
}

/// One value of a row, as SQL sees it.
#[derive(Debug, Clone)]
enum Scalar {
    /// Text compared exactly (a `caseExact` attribute).
    Text { expr: String },
    /// Text stored folded (`roster_scim::fold`), compared with a folded
    /// value: a case-insensitive attribute.
    Key { expr: String },
    /// A 0/1 integer, or `NULL` when unassigned.
    Flag { expr: String },
    /// A JSON boolean read out of `scim_match`.
    JsonFlag { expr: String },
    /// Microseconds since the epoch (`meta.created`, `meta.lastModified`).
    Time { expr: String },
    /// A value that is the same for every row (`meta.resourceType`), and
    /// whether it compares case-exactly.
    Constant(Option<&'static str>, bool),
}

/// The rows of a multi-valued attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    Emails,
    UserMembers,
    GroupMembers,
    UserGroups,
    /// A JSON array in `scim_match` at this key.
    Json(&'static str),
}

/// What an attribute path designates.
enum Target {
    Scalar(Scalar),
    /// A singular complex attribute (`name`, `manager`, `meta`): only `pr`
    /// applies to it as a whole; `attr[...]` filters its sub-attributes.
    Complex {
        attribute: &'static Attribute,
        present: String,
    },
    Rows {
        rows: Rows,
        attribute: &'static Attribute,
        sub: Option<&'static Attribute>,
    },
}

/// A group `eg` that the scope's provider (`$2`) manages: the only groups
/// its client sees in a user's `groups` or a group's `members` (SPEC §3).
pub(super) const MANAGED_GROUP: &str = "eg.managed_by_provider_id = $2";

/// A user `eu` that the scope's provider (`$2`) manages, as a member.
pub(super) const MANAGED_USER: &str = "(eu.provisioned_by_provider_id = $2 OR \
     eu.auth_provider_id = $2) AND eu.provisioning_state <> 'released'";

/// Compiles filters and sort keys, numbering placeholders from a start.
pub(crate) struct Compiler {
    dialect: Dialect,
    resource: Resource,
    next: usize,
    pub(crate) binds: Vec<Bind>,
    /// The base URL of the SCIM resources, for `$ref` and `meta.location`.
    base: Option<String>,
    base_placeholder: Option<String>,
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::invalid_filter(detail)
}

/// `'...'` SQL literal of a string that comes from the schema definitions
/// (never from a request).
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The operands of a chain of one operator (`a or b or c`, any grouping),
/// left to right, and the operator's SQL word. Found without recursion:
/// the parser builds a chain of n operands n levels deep.
fn chain(filter: &Filter) -> (&'static str, Vec<&Filter>) {
    let and = matches!(filter, Filter::And(..));
    let mut operands = Vec::new();
    let mut pending = vec![filter];
    while let Some(next) = pending.pop() {
        let split = match next {
            Filter::And(l, r) if and => Some((&**l, &**r)),
            Filter::Or(l, r) if !and => Some((&**l, &**r)),
            _ => None,
        };
        match split {
            // Right first onto the stack, so that the left pops first.
            Some((left, right)) => {
                pending.push(right);
                pending.push(left);
            }
            None => operands.push(next),
        }
    }
    (if and { "AND" } else { "OR" }, operands)
}

/// `parts` joined by `word` as a balanced tree of parentheses: a chain of
/// n operands is about log2(n) levels deep in SQL, never n, so that no
/// filter within the length limit passes SQLite's expression depth (1,000)
/// or PostgreSQL's stack depth. `AND` and `OR` are associative, so the
/// grouping changes no result.
fn balanced(word: &str, parts: &[String]) -> String {
    match parts {
        [] => "1 = 1".to_owned(),
        [one] => one.clone(),
        _ => {
            let (left, right) = parts.split_at(parts.len() / 2);
            format!("({} {word} {})", balanced(word, left), balanced(word, right))
        }
    }
}

impl Compiler {
    #[cfg(test)]
    pub(crate) fn new(dialect: Dialect, resource: Resource, first_placeholder: usize) -> Self {
        Self::with_base(dialect, resource, first_placeholder, None)
    }

    /// A compiler that can also compare `$ref` and `meta.location`, which
    /// are URLs under `base`.
    pub(crate) fn with_base(
        dialect: Dialect,
        resource: Resource,
        first_placeholder: usize,
        base: Option<String>,
    ) -> Self {
        Self {
            dialect,
            resource,
            next: first_placeholder,
            binds: Vec::new(),
            base,
            base_placeholder: None,
        }
    }

    /// `base/Kind/id` as SQL, the base URL bound once.
    fn url_of(&mut self, kind: &str, id: &str) -> Result<String, ScimError> {
        let base = match (&self.base_placeholder, &self.base) {
            (Some(placeholder), _) => placeholder.clone(),
            (None, Some(base)) => {
                let placeholder = self.bind(Bind::Text(base.clone()));
                self.base_placeholder = Some(placeholder.clone());
                placeholder
            }
            (None, None) => {
                return Err(invalid("URLs ($ref, meta.location) cannot be filtered here"));
            }
        };
        Ok(format!("({base} || '/{kind}/' || {id})"))
    }

    fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        let placeholder = format!("${}", self.next);
        self.next += 1;
        placeholder
    }

    fn row(&self) -> &'static str {
        match self.resource {
            Resource::User => "u",
            Resource::Group => "g",
        }
    }

    /// The SQL of a JSON value in `source` at `keys` (keys come from the
    /// schema definitions).
    fn json_at(&self, source: &str, keys: &[&str]) -> String {
        match self.dialect {
            Dialect::Sqlite => {
                let path: String = keys.iter().map(|k| format!(".\"{k}\"")).collect();
                format!("json_extract({source}, {})", quoted(&format!("${path}")))
            }
            Dialect::Postgres => {
                let path = keys.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(",");
                format!("({source}::jsonb #>> {})", quoted(&format!("{{{path}}}")))
            }
        }
    }

    /// A JSON-held attribute of the comparison form as a scalar of the
    /// right kind: case-insensitive strings are stored folded.
    fn json_scalar(&self, source: &str, keys: &[&str], attribute: &Attribute) -> Scalar {
        let expr = self.json_at(source, keys);
        match attribute.kind {
            AttrType::Boolean => Scalar::JsonFlag { expr },
            _ if attribute.case_exact => Scalar::Text { expr },
            _ => Scalar::Key { expr },
        }
    }

    /// Resolves a path against the resource type.
    fn target(&mut self, path: &AttrPath) -> Result<Target, ScimError> {
        let rt = self.resource.resource_type();
        let resolved = rt
            .resolve(path.urn.as_deref(), &path.name, path.sub.as_deref())
            .map_err(|err| invalid(format!("unknown attribute in filter: {err}")))?;
        let (schema, attribute, sub) = (resolved.schema, resolved.attribute, resolved.sub);
        if attribute.returned == roster_scim::schema::Returned::Never {
            return Err(invalid(format!("{} cannot be used in a filter", attribute.name)));
        }
        let row = self.row();
        let column =
            |name: &str| Ok(Target::Scalar(Scalar::Text { expr: format!("{row}.{name}") }));
        let sub_name = sub.map(|s| s.name);
        match (attribute.name, sub_name) {
            ("id", None) => column("id"),
            ("externalId", None) => column("external_id"),
            ("meta", Some("created")) => {
                Ok(Target::Scalar(Scalar::Time { expr: format!("{row}.created_at") }))
            }
            ("meta", Some("lastModified")) => {
                Ok(Target::Scalar(Scalar::Time { expr: format!("{row}.updated_at") }))
            }
            // The version as the ETag a client sees: `W/"3"`.
            ("meta", Some("version")) => Ok(Target::Scalar(Scalar::Text {
                expr: format!("('W/\"' || {row}.version || '\"')"),
            })),
            ("meta", Some("resourceType")) => {
                Ok(Target::Scalar(Scalar::Constant(Some(rt.name), true)))
            }
            // Every resource has meta.
            ("meta", None) => Ok(Target::Complex { attribute, present: truth(true) }),
            ("meta", Some("location")) => {
                let kind = match self.resource {
                    Resource::User => "Users",
                    Resource::Group => "Groups",
                };
                let expr = self.url_of(kind, &format!("{row}.id"))?;
                Ok(Target::Scalar(Scalar::Text { expr }))
            }
            ("meta", _) => Err(invalid(format!(
                "meta{} cannot be used in a filter (it depends on the URL the client \
                 uses); use meta.created, meta.lastModified, meta.version or meta.resourceType",
                sub_name.map(|s| format!(".{s}")).unwrap_or_default()
            ))),
            _ => match self.resource {
                Resource::User => self.user_target(schema, attribute, sub),
                Resource::Group => self.group_target(attribute, sub),
            },
        }
    }

    /// A user attribute: the columns that serve the identity providers'
    /// look-ups with an index (`userName`, `emails`, the groups), else the
    /// comparison form of the user's SCIM view (`u.scim_match`), which
    /// holds every attribute the client reads back.
    fn user_target(
        &self,
        schema: &'static Schema,
        attribute: &'static Attribute,
        sub: Option<&'static Attribute>,
    ) -> Result<Target, ScimError> {
        const VIEW: &str = "u.scim_match";
        let keys: Vec<&str> = if schema.id == ENTERPRISE_USER.id {
            vec![schema.id, attribute.name]
        } else {
            vec![attribute.name]
        };
        match (attribute.name, sub.map(|s| s.name)) {
            ("userName", None) if schema.id != ENTERPRISE_USER.id => {
                return Ok(Target::Scalar(Scalar::Key { expr: "u.username_key".into() }));
            }
            // `active` is returned when the client assigned it or when the
            // user is disabled (unassigned means enabled), and then holds
            // the user's state, which the options may have kept.
            ("active", None) => {
                let assigned = self.json_at(VIEW, &keys);
                return Ok(Target::Scalar(Scalar::Flag {
                    expr: format!(
                        "(CASE WHEN {assigned} IS NOT NULL OR u.enabled = 0 THEN u.enabled END)"
                    ),
                }));
            }
            ("emails", _) => return Ok(Target::Rows { rows: Rows::Emails, attribute, sub }),
            ("groups", _) => return Ok(Target::Rows { rows: Rows::UserGroups, attribute, sub }),
            _ => {}
        }
        if attribute.multi_valued {
            let key = match keys.as_slice() {
                [name] => *name,
                _ => return Err(invalid(format!("{} cannot be used in a filter", attribute.name))),
            };
            return Ok(Target::Rows { rows: Rows::Json(key), attribute, sub });
        }
        match sub {
            Some(sub) => {
                let mut path = keys;
                path.push(sub.name);
                Ok(Target::Scalar(self.json_scalar(VIEW, &path, sub)))
            }
            None if attribute.kind == AttrType::Complex => Ok(Target::Complex {
                attribute,
                present: format!("({} IS NOT NULL)", self.json_at(VIEW, &keys)),
            }),
            None => Ok(Target::Scalar(self.json_scalar(VIEW, &keys, attribute))),
        }
    }

    fn group_target(
        &self,
        attribute: &'static Attribute,
        sub: Option<&'static Attribute>,
    ) -> Result<Target, ScimError> {
        match attribute.name {
            "displayName" => Ok(Target::Scalar(Scalar::Key { expr: "g.name_key".into() })),
            // Members are users and groups: two row sets, both searched.
            "members" => Ok(Target::Rows { rows: Rows::UserMembers, attribute, sub }),
            other => Err(invalid(format!("{other} cannot be used in a Group filter"))),
        }
    }

    /// How to test that some row of a multi-valued attribute satisfies
    /// `cond` (the element aliased `el`). Rows held in tables become
    /// `id IN (SELECT ...)` over the site (`$1`), which the indexes on
    /// e-mail values and memberships serve; JSON arrays become a correlated
    /// `EXISTS`.
    fn rows_condition(&self, rows: Rows, cond: &str) -> String {
        match (rows, self.dialect) {
            (Rows::Emails, _) => format!(
                "u.id IN (SELECT el.user_id FROM user_emails el WHERE el.site_id = $1 AND {cond})"
            ),
            (Rows::UserGroups, _) => format!(
                "u.id IN (SELECT el.user_id FROM group_members el JOIN groups eg \
                 ON eg.site_id = el.site_id AND eg.id = el.group_id WHERE el.site_id = $1 \
                 AND {MANAGED_GROUP} AND {cond})"
            ),
            (Rows::UserMembers, _) => format!(
                "g.id IN (SELECT el.group_id FROM group_members el JOIN users eu \
                 ON eu.site_id = el.site_id AND eu.id = el.user_id WHERE el.site_id = $1 \
                 AND {MANAGED_USER} AND {cond})"
            ),
            (Rows::GroupMembers, _) => format!(
                "g.id IN (SELECT el.group_id FROM group_member_groups el JOIN groups eg \
                 ON eg.site_id = el.site_id AND eg.id = el.member_group_id \
                 WHERE el.site_id = $1 AND {MANAGED_GROUP} AND {cond})"
            ),
            (Rows::Json(key), Dialect::Sqlite) => format!(
                "EXISTS (SELECT 1 FROM json_each(u.scim_match, {}) el WHERE {cond})",
                quoted(&format!("$.\"{key}\""))
            ),
            (Rows::Json(key), Dialect::Postgres) => format!(
                "EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(u.scim_match::jsonb -> {}, \
                 '[]'::jsonb)) el WHERE {cond})",
                quoted(key)
            ),
        }
    }

    /// One sub-attribute of an element of `rows`.
    fn element(&mut self, rows: Rows, sub: &'static Attribute) -> Result<Scalar, ScimError> {
        let text = |expr: &str| -> Result<Scalar, ScimError> {
            Ok(Scalar::Text { expr: expr.to_owned() })
        };
        let key =
            |expr: &str| -> Result<Scalar, ScimError> { Ok(Scalar::Key { expr: expr.to_owned() }) };
        match (rows, sub.name) {
            (Rows::Emails, "value") => key("el.value_key"),
            (Rows::Emails, "type") => key("el.kind_key"),
            (Rows::Emails, "primary") => Ok(Scalar::Flag { expr: "el.is_primary".into() }),
            (Rows::Emails, "display") => Ok(Scalar::Constant(None, false)),
            // Ids are generated lower-case, so they are their own fold.
            (Rows::UserGroups, "value") => key("el.group_id"),
            (Rows::UserGroups, "$ref") => text(&self.url_of("Groups", "el.group_id")?),
            (Rows::UserMembers, "$ref") => text(&self.url_of("Users", "el.user_id")?),
            (Rows::GroupMembers, "$ref") => text(&self.url_of("Groups", "el.member_group_id")?),
            (Rows::UserGroups, "display") => key("eg.name_key"),
            (Rows::UserGroups, "type") => Ok(Scalar::Constant(Some("direct"), false)),
            (Rows::UserMembers, "value") => text("el.user_id"),
            (Rows::UserMembers, "display") => key("eu.username_key"),
            (Rows::UserMembers, "type") => Ok(Scalar::Constant(Some("User"), false)),
            (Rows::GroupMembers, "value") => text("el.member_group_id"),
            (Rows::GroupMembers, "display") => key("eg.name_key"),
            (Rows::GroupMembers, "type") => Ok(Scalar::Constant(Some("Group"), false)),
            (Rows::Json(_), name) => {
                let source = match self.dialect {
                    Dialect::Sqlite => "el.value",
                    Dialect::Postgres => "el.value::text",
                };
                Ok(self.json_scalar(source, &[name], sub))
            }
            (_, name) => {
                Err(invalid(format!("{name} of this attribute cannot be used in a filter")))
            }
        }
    }

    /// The SQL condition of a whole filter.
    pub(crate) fn filter(&mut self, filter: &Filter) -> Result<String, ScimError> {
        match filter {
            Filter::And(..) | Filter::Or(..) => {
                let (word, operands) = chain(filter);
                let parts =
                    operands.into_iter().map(|f| self.filter(f)).collect::<Result<Vec<_>, _>>()?;
                Ok(balanced(word, &parts))
            }
            Filter::Not(inner) => Ok(format!("(NOT {})", self.filter(inner)?)),
            Filter::Present(path) => match self.target(path)? {
                Target::Scalar(scalar) => Ok(present(&scalar)),
                Target::Complex { present, .. } => Ok(present),
                Target::Rows { rows, sub, .. } => self.exists(rows, |compiler, rows| match sub {
                    None => Ok("1 = 1".to_owned()),
                    Some(sub) => Ok(present(&compiler.element(rows, sub)?)),
                }),
            },
            Filter::Compare { path, op, value } => match self.target(path)? {
                Target::Scalar(scalar) => self.compare(&scalar, *op, value, path),
                Target::Complex { present, attribute } => match (op, value) {
                    // RFC 7643 §2.5: unassigned is null.
                    (CompareOp::Eq, CompValue::Null) => Ok(format!("(NOT {present})")),
                    (CompareOp::Ne, CompValue::Null) => Ok(present),
                    _ => Err(complex(attribute)),
                },
                // An attribute with no value (or no value with the
                // sub-attribute) is null; one with any is not.
                Target::Rows { .. } if *value == CompValue::Null => {
                    let present = self.filter(&Filter::Present(path.clone()))?;
                    match op {
                        CompareOp::Eq => Ok(format!("(NOT {present})")),
                        CompareOp::Ne => Ok(present),
                        _ => Err(invalid(format!(
                            "{path} {op} null: only eq and ne compare with null"
                        ))),
                    }
                }
                Target::Rows { rows, attribute, sub } => {
                    let sub = match sub {
                        Some(sub) => sub,
                        // RFC 7644 §3.4.2.2: a multi-valued complex attribute
                        // without a sub-attribute compares its `value`.
                        None => attribute.sub("value").ok_or_else(|| complex(attribute))?,
                    };
                    let positive = if *op == CompareOp::Ne { CompareOp::Eq } else { *op };
                    let any = self.exists(rows, |compiler, rows| {
                        let scalar = compiler.element(rows, sub)?;
                        compiler.compare(&scalar, positive, value, path)
                    })?;
                    Ok(if *op == CompareOp::Ne { format!("(NOT {any})") } else { any })
                }
            },
            Filter::ValuePath { attr, filter } => match self.target(attr)? {
                Target::Rows { rows, attribute, sub: None } => self
                    .exists(rows, |compiler, rows| {
                        compiler.element_filter(rows, attribute, filter)
                    }),
                // `name[givenName eq "x"]` is `name.givenName eq "x"`.
                Target::Complex { .. } => self.filter(&qualified(filter, attr)?),
                _ => Err(invalid(format!(
                    "{attr}[...] needs a multi-valued attribute such as emails or members"
                ))),
            },
        }
    }

    /// Some row of a multi-valued attribute satisfies the condition; members
    /// of a group are searched among users and among groups.
    fn exists(
        &mut self,
        rows: Rows,
        mut condition: impl FnMut(&mut Self, Rows) -> Result<String, ScimError>,
    ) -> Result<String, ScimError> {
        let mut one = |compiler: &mut Self, rows: Rows| -> Result<String, ScimError> {
            let cond = condition(compiler, rows)?;
            Ok(compiler.rows_condition(rows, &cond))
        };
        match rows {
            Rows::UserMembers => {
                let users = one(self, Rows::UserMembers)?;
                let groups = one(self, Rows::GroupMembers)?;
                Ok(format!("({users} OR {groups})"))
            }
            other => one(self, other),
        }
    }

    /// A filter inside `attr[...]`, whose paths name sub-attributes.
    fn element_filter(
        &mut self,
        rows: Rows,
        attribute: &'static Attribute,
        filter: &Filter,
    ) -> Result<String, ScimError> {
        let sub_of = |path: &AttrPath| -> Result<&'static Attribute, ScimError> {
            if path.urn.is_some() || path.sub.is_some() {
                return Err(invalid(format!(
                    "inside {}[...], name a sub-attribute such as value or type, not {path}",
                    attribute.name
                )));
            }
            attribute.sub(&path.name).ok_or_else(|| {
                invalid(format!("{} has no sub-attribute {:?}", attribute.name, path.name))
            })
        };
        match filter {
            Filter::And(..) | Filter::Or(..) => {
                let (word, operands) = chain(filter);
                let parts = operands
                    .into_iter()
                    .map(|f| self.element_filter(rows, attribute, f))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(balanced(word, &parts))
            }
            Filter::Not(inner) => {
                Ok(format!("(NOT {})", self.element_filter(rows, attribute, inner)?))
            }
            Filter::Present(path) => Ok(present(&self.element(rows, sub_of(path)?)?)),
            Filter::Compare { path, op, value } => {
                let scalar = self.element(rows, sub_of(path)?)?;
                self.compare(&scalar, *op, value, path)
            }
            Filter::ValuePath { .. } => Err(invalid("value filters cannot be nested")),
        }
    }

    /// `scalar op value`, never `NULL`.
    fn compare(
        &mut self,
        scalar: &Scalar,
        op: CompareOp,
        value: &CompValue,
        path: &AttrPath,
    ) -> Result<String, ScimError> {
        if *value == CompValue::Null {
            return match (scalar, op) {
                (Scalar::Constant(constant, _), CompareOp::Eq) => Ok(truth(constant.is_none())),
                (Scalar::Constant(constant, _), CompareOp::Ne) => Ok(truth(constant.is_some())),
                (_, CompareOp::Eq) => Ok(format!("NOT {}", present(scalar))),
                (_, CompareOp::Ne) => Ok(present(scalar)),
                _ => Err(invalid(format!("{path} {op} null: only eq and ne compare with null"))),
            };
        }
        let string = || match value {
            CompValue::String(text) => Ok(text.clone()),
            other => Err(invalid(format!(
                "{path} is a string; compare it with a quoted value, not {other}"
            ))),
        };
        match scalar {
            Scalar::Constant(constant, case_exact) => {
                let text = string()?;
                Ok(truth(constant.is_some_and(|c| constant_matches(c, op, &text, *case_exact))))
            }
            Scalar::Text { expr } => {
                let text = string()?;
                self.compare_text(expr, op, text)
            }
            Scalar::Key { expr } => {
                let text = roster_scim::fold(&string()?);
                self.compare_text(expr, op, text)
            }
            Scalar::Flag { expr } | Scalar::JsonFlag { expr } => {
                let CompValue::Bool(wanted) = value else {
                    return Err(invalid(format!(
                        "{path} is a boolean; compare it with true or false"
                    )));
                };
                let literal = match (scalar, self.dialect) {
                    (Scalar::JsonFlag { .. }, Dialect::Postgres) => {
                        if *wanted {
                            "'true'"
                        } else {
                            "'false'"
                        }
                    }
                    _ => {
                        if *wanted {
                            "1"
                        } else {
                            "0"
                        }
                    }
                };
                // RFC 7643 §2.4: a `primary` that is not given is false.
                let expr = match (scalar, self.dialect) {
                    (Scalar::JsonFlag { .. }, Dialect::Postgres) => {
                        format!("COALESCE({expr}, 'false')")
                    }
                    (Scalar::JsonFlag { .. }, Dialect::Sqlite) => format!("COALESCE({expr}, 0)"),
                    _ => expr.clone(),
                };
                match op {
                    CompareOp::Eq => Ok(format!("({expr} IS NOT NULL AND {expr} = {literal})")),
                    CompareOp::Ne => Ok(format!("({expr} IS NULL OR {expr} <> {literal})")),
                    _ => Err(invalid(format!("{path} is a boolean: only eq and ne apply"))),
                }
            }
            Scalar::Time { expr } => {
                let text = string()?;
                let time: jiff::Timestamp = text.parse().map_err(|_| {
                    invalid(format!("{path} is a dateTime; {text:?} is not an RFC 3339 date-time"))
                })?;
                let operator = ordering_operator(op)
                    .ok_or_else(|| invalid(format!("{path} is a dateTime: {op} does not apply")))?;
                let placeholder = self.bind(Bind::Int(time.as_microsecond()));
                Ok(format!("({expr} IS NOT NULL AND {expr} {operator} {placeholder})"))
            }
        }
    }

    /// `expr op text`, exactly: a case-insensitive attribute's stored
    /// value and `text` are both folded already.
    fn compare_text(
        &mut self,
        expr: &str,
        op: CompareOp,
        text: String,
    ) -> Result<String, ScimError> {
        let guard = |cond: String| format!("({expr} IS NOT NULL AND {cond})");
        if let Some(operator) = ordering_operator(op) {
            let placeholder = self.bind(Bind::Text(text));
            // gt/ge/lt/le order strings by code point, as SQLite does and as
            // the in-memory evaluator does, whatever collation the
            // PostgreSQL database was created with.
            let collate = match (op, self.dialect) {
                (CompareOp::Eq | CompareOp::Ne, _) | (_, Dialect::Sqlite) => "",
                (_, Dialect::Postgres) => " COLLATE \"C\"",
            };
            return Ok(match op {
                CompareOp::Ne => format!("({expr} IS NULL OR {expr} <> {placeholder})"),
                _ => guard(format!("{expr}{collate} {operator} {placeholder}")),
            });
        }
        if text.is_empty() {
            // Every string contains, starts and ends with "".
            return Ok(format!("({expr} IS NOT NULL)"));
        }
        let p = self.bind(Bind::Text(text));
        let cond = match (op, self.dialect) {
            (CompareOp::Co, Dialect::Sqlite) => format!("instr({expr}, {p}) > 0"),
            (CompareOp::Co, Dialect::Postgres) => format!("strpos({expr}, {p}) > 0"),
            (CompareOp::Sw, Dialect::Sqlite) => format!("substr({expr}, 1, length({p})) = {p}"),
            (CompareOp::Sw, Dialect::Postgres) => format!("left({expr}, length({p})) = {p}"),
            (_, Dialect::Sqlite) => format!("substr({expr}, -length({p})) = {p}"),
            (_, Dialect::Postgres) => format!("right({expr}, length({p})) = {p}"),
        };
        Ok(guard(cond))
    }
}

fn complex(attribute: &Attribute) -> ScimError {
    invalid(format!(
        "{0} is complex: compare one of its sub-attributes, such as {0}.{1}",
        attribute.name,
        attribute.sub_attributes.first().map_or("value", |s| s.name)
    ))
}

fn truth(value: bool) -> String {
    if value { "(1 = 1)".to_owned() } else { "(1 = 0)".to_owned() }
}

/// `pr`: assigned and, for text, not empty.
fn present(scalar: &Scalar) -> String {
    match scalar {
        Scalar::Text { expr } | Scalar::Key { expr } => {
            format!("({expr} IS NOT NULL AND {expr} <> '')")
        }
        Scalar::Flag { expr } | Scalar::Time { expr } => format!("({expr} IS NOT NULL)"),
        // RFC 7643 §2.4: an unspecified `primary` is false, so assigned.
        Scalar::JsonFlag { .. } => truth(true),
        Scalar::Constant(constant, _) => truth(constant.is_some()),
    }
}

fn ordering_operator(op: CompareOp) -> Option<&'static str> {
    match op {
        CompareOp::Eq => Some("="),
        CompareOp::Ne => Some("<>"),
        CompareOp::Gt => Some(">"),
        CompareOp::Ge => Some(">="),
        CompareOp::Lt => Some("<"),
        CompareOp::Le => Some("<="),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => None,
    }
}

/// A comparison with a constant, as its attribute's `caseExact` says.
fn constant_matches(constant: &str, op: CompareOp, text: &str, case_exact: bool) -> bool {
    let (c, t) = if case_exact {
        (constant.to_owned(), text.to_owned())
    } else {
        (constant.to_lowercase(), text.to_lowercase())
    };
    match op {
        CompareOp::Eq => c == t,
        CompareOp::Ne => c != t,
        CompareOp::Co => c.contains(&t),
        CompareOp::Sw => c.starts_with(&t),
        CompareOp::Ew => c.ends_with(&t),
        CompareOp::Gt => c > t,
        CompareOp::Ge => c >= t,
        CompareOp::Lt => c < t,
        CompareOp::Le => c <= t,
    }
}

mod keyset;
mod sort;
#[cfg(test)]
mod tests;

/// A filter inside `attr[...]` of a singular complex attribute, with its
/// paths made sub-attributes of `attr` (`name[givenName eq "x"]`).
fn qualified(filter: &Filter, attr: &AttrPath) -> Result<Filter, ScimError> {
    let path = |inner: &AttrPath| {
        if inner.urn.is_some() || inner.sub.is_some() {
            return Err(invalid(format!(
                "inside {attr}[...], name a sub-attribute of {attr}, not {inner}"
            )));
        }
        Ok(AttrPath {
            urn: attr.urn.clone(),
            name: attr.name.clone(),
            sub: Some(inner.name.clone()),
        })
    };
    Ok(match filter {
        Filter::Compare { path: inner, op, value } => {
            Filter::Compare { path: path(inner)?, op: *op, value: value.clone() }
        }
        Filter::Present(inner) => Filter::Present(path(inner)?),
        Filter::And(l, r) => {
            Filter::And(Box::new(qualified(l, attr)?), Box::new(qualified(r, attr)?))
        }
        Filter::Or(l, r) => {
            Filter::Or(Box::new(qualified(l, attr)?), Box::new(qualified(r, attr)?))
        }
        Filter::Not(inner) => Filter::Not(Box::new(qualified(inner, attr)?)),
        Filter::ValuePath { .. } => return Err(invalid("value filters cannot be nested")),
    })
}
