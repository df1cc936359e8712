//! The pure SCIM 2.0 engine: RFC 7643 (core schema) and RFC 7644 (protocol)
//! as data in, data out.
//!
//! Nothing here does I/O, reads a clock or spawns a task (STYLE rule 1), so
//! every rule is proven by fast table tests over data files. The layers
//! above map its typed errors to SCIM error responses (RFC 7644 §3.12).
//!
//! - [`filter`](parse_filter): the `filter` query parameter and PATCH `path`
//!   values parsed into a syntax tree ([`Filter`], [`PatchPath`]) that the
//!   store compiles to SQL.
//! - [`schema`]: the User, enterprise User and Group schemas as static
//!   data, which decide how each attribute is compared, written and
//!   returned, and which `/Schemas` and `/ResourceTypes` are rendered from.

mod discovery;
mod error;
mod filter;
pub mod schema;

pub use discovery::{ServerLimits, service_provider_config};
pub use error::{ScimError, ScimStatus, ScimType};

pub use filter::{
    AttrPath, CompValue, CompareOp, Filter, FilterError, MAX_FILTER_CHARS, MAX_FILTER_DEPTH,
    PatchPath, parse_attr_path, parse_filter, parse_patch_path,
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
mod patch;
mod resource;

pub use eval::{CompiledFilter, matches, matches_value};
pub use patch::{PATCH_OP_URN, PatchOperation, PatchOutcome, PatchRequest, apply};
pub use resource::normalize;

mod dialect;

pub use dialect::{
    Normalized, Tolerance, filter_text, patch_body, replace_as_add, replace_misses_as_adds,
    resource_body,
};
