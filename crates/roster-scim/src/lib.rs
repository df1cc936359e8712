//! The pure SCIM 2.0 engine: RFC 7643 (core schema) and RFC 7644 (protocol)
//! as data in, data out.
//!
//! Nothing here does I/O, reads a clock or spawns a task (STYLE rule 1), so
//! every rule is proven by fast table tests over data files
//! (`tests/cases/`, reading `tests/data/`). The layers above map its typed
//! errors ([`ScimError`] with a closed [`ScimStatus`]) to SCIM error
//! responses (RFC 7644 §3.12).
//!
//! - [`filter`](parse_filter): the `filter` query parameter and PATCH `path`
//!   values parsed into a syntax tree ([`Filter`], [`PatchPath`]) that the
//!   store compiles to SQL.
//! - [`schema`]: the User, enterprise User and Group schemas as static
//!   data, which decide how each attribute is compared, written and
//!   returned, and which `/Schemas` and `/ResourceTypes` are rendered from.
//! - `resource` ([`normalize`]): a client's resource checked against its
//!   schema and put in canonical form.
//! - `eval` ([`CompiledFilter`], [`matches()`]): filters evaluated in memory,
//!   the reference the SQL compilation is tested against.
//! - `patch` ([`PatchRequest`], [`apply`]): atomic PATCH with member deltas.
//! - `query` ([`ListQuery`]): list and search requests from query strings
//!   and `.search` bodies: filter, sort, paging, attributes.
//! - `projection` ([`Projection`], [`project`]): `attributes` and
//!   `excludedAttributes` applied to a resource.
//! - `list` ([`list_response`]): the ListResponse envelope.
//! - `folding` ([`fold`], [`comparison_form`]): case folding in Rust, so
//!   that case-insensitive comparisons agree on every database.
//! - `etag` ([`Preconditions`], [`etag`]): versions as weak ETags and
//!   `If-Match` / `If-None-Match`.
//! - `discovery` ([`ServerLimits`], [`service_provider_config`]): what the
//!   server advertises and enforces.
//! - `error` ([`ScimError`], [`ScimType`], [`ScimStatus`]).
//! - `dialect` ([`Tolerance`], [`Normalized`]): the identity providers'
//!   deviations, each named, rewritten into what the strict engine
//!   accepts.
//! - `endpoint` ([`canonical_endpoint`]): the endpoint a request path
//!   names, in any letter case and with a trailing slash.

mod discovery;
mod error;
mod filter;
pub mod schema;

pub use discovery::{ServerLimits, service_provider_config};
pub use error::{ScimError, ScimStatus, ScimType};

pub use filter::{
    AttrPath, CompValue, CompareOp, Filter, FilterError, MAX_FILTER_CHARS, MAX_FILTER_DEPTH,
    MAX_FILTER_OPERATORS, PatchPath, parse_attr_path, parse_filter, parse_patch_path,
};

mod etag;
mod list;
mod projection;
mod query;

pub use etag::{
    EntityTag, Precondition, Preconditions, RequestKind, Verdict, etag, evaluate_preconditions,
};
pub use list::{LIST_RESPONSE_URN, list_response};
pub use projection::{Projection, ProjectionPath, project};
pub use query::{
    Limits, LimitsError, ListQuery, MAX_START_INDEX, Paging, ResolvedFilter, SEARCH_REQUEST_URN,
    Sort, SortKey, SortOrder, resolve_filter,
};

mod eval;
mod folding;
mod patch;
mod resource;

pub use eval::{CompiledFilter, matches, matches_value};
pub use folding::{comparison_form, fold};
pub use patch::{PATCH_OP_URN, PatchOperation, PatchOutcome, PatchRequest, apply};
pub use resource::normalize;

mod dialect;
mod endpoint;

pub use endpoint::canonical_endpoint;

pub use dialect::{
    Normalized, Tolerance, filter_text, patch_body, replace_as_add, replace_misses_as_adds,
    resource_body,
};
