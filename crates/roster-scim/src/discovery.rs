//! `/ServiceProviderConfig` (RFC 7643 §5, RFC 9865 §5): what this server
//! supports, with the limits it enforces.

use serde_json::{Value, json};

/// The limits roster enforces and advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Largest `count` of a list page.
    pub max_page_size: u64,
    /// `count` when the client gives none.
    pub default_page_size: u64,
    /// Operations in one `/Bulk` request.
    pub bulk_max_operations: usize,
    /// Bytes of one `/Bulk` request (and of any request body).
    pub bulk_max_payload_size: usize,
    /// Seconds a pagination cursor stays valid.
    pub cursor_timeout_seconds: u64,
}

impl ServerLimits {
    /// The limits roster runs with.
    pub const ROSTER: ServerLimits = ServerLimits {
        max_page_size: 1000,
        default_page_size: 100,
        bulk_max_operations: 1000,
        bulk_max_payload_size: 1_048_576,
        cursor_timeout_seconds: 3600,
    };
}

/// The ServiceProviderConfig resource; `location` is its absolute URL.
pub fn service_provider_config(
    limits: &ServerLimits,
    documentation: &str,
    location: &str,
) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": documentation,
        "patch": { "supported": true },
        "bulk": {
            "supported": true,
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.bulk_max_payload_size,
        },
        "filter": { "supported": true, "maxResults": limits.max_page_size },
        "changePassword": { "supported": false },
        "sort": { "supported": true },
        "etag": { "supported": true },
        "pagination": {
            "cursor": true,
            "index": true,
            "defaultPaginationMethod": "index",
            "defaultPageSize": limits.default_page_size,
            "maxPageSize": limits.max_page_size,
            "cursorTimeout": limits.cursor_timeout_seconds,
        },
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The SCIM token generated for the SSO provider, as `Authorization: Bearer <token>`.",
                "primary": true,
            },
            {
                "type": "httpbasic",
                "name": "HTTP Basic",
                "description": "The SCIM username and password generated for the SSO provider.",
            },
        ],
        "meta": { "resourceType": "ServiceProviderConfig", "location": location },
    })
}
