//! The two resource endpoints, `/Users` and `/Groups`, and their use cases
//! chosen by resource: one entry point per SCIM operation for the HTTP
//! routes and for `/Bulk`.

use roster_scim::ListQuery;
use roster_scim::schema::{GROUP_RESOURCE, ResourceType, USER_RESOURCE};
use serde_json::Value;

use super::call::{ScimAnswer, ScimCall, limits};
use super::{Scim, ScimFailure, ScimScope, dialect};

/// A resource endpoint of the SCIM service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimResource {
    User,
    Group,
}

impl ScimResource {
    /// The endpoint's resource type (RFC 7643 §6).
    pub fn resource_type(self) -> &'static ResourceType {
        match self {
            Self::User => &USER_RESOURCE,
            Self::Group => &GROUP_RESOURCE,
        }
    }

    /// The resource whose endpoint is `segment` (`Users`, `Groups`).
    pub fn from_endpoint(segment: &str) -> Option<Self> {
        match segment {
            "Users" => Some(Self::User),
            "Groups" => Some(Self::Group),
            _ => None,
        }
    }
}

impl Scim<'_> {
    /// Parses the query parameters of `GET /Users` or `GET /Groups`, after
    /// the lenient parsing every provider gets (so `_scope` does not
    /// matter today; it stays for dialects that may).
    pub fn list_query(
        &self,
        _scope: &ScimScope,
        resource: ScimResource,
        params: &[(String, String)],
    ) -> Result<ListQuery, ScimFailure> {
        let rt = resource.resource_type();
        Ok(ListQuery::from_params(rt, &dialect::params(rt, params), &limits()?)?)
    }

    /// Parses the body of `POST /Users/.search` or `POST /Groups/.search`,
    /// after the lenient parsing every provider gets.
    pub fn search_query(
        &self,
        _scope: &ScimScope,
        resource: ScimResource,
        body: &Value,
    ) -> Result<ListQuery, ScimFailure> {
        let rt = resource.resource_type();
        Ok(ListQuery::from_search_body(rt, &dialect::search(rt, body), &limits()?)?)
    }

    /// `GET /Users`, `GET /Groups` and their `.search`.
    pub async fn list(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        query: &ListQuery,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.list_users(call, query).await,
            ScimResource::Group => self.list_groups(call, query).await,
        }
    }

    /// `POST /Users`, `POST /Groups`.
    pub async fn create(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.create_user(call, body).await,
            ScimResource::Group => self.create_group(call, body).await,
        }
    }

    /// `GET /Users/{id}`, `GET /Groups/{id}`.
    pub async fn get(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.get_user(call, id).await,
            ScimResource::Group => self.get_group(call, id).await,
        }
    }

    /// `PUT /Users/{id}`, `PUT /Groups/{id}`.
    pub async fn replace(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.replace_user(call, id, body).await,
            ScimResource::Group => self.replace_group(call, id, body).await,
        }
    }

    /// `PATCH /Users/{id}`, `PATCH /Groups/{id}`.
    pub async fn patch(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        id: &str,
        body: &Value,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.patch_user(call, id, body).await,
            ScimResource::Group => self.patch_group(call, id, body).await,
        }
    }

    /// `DELETE /Users/{id}`, `DELETE /Groups/{id}`.
    pub async fn delete(
        &self,
        call: &ScimCall<'_>,
        resource: ScimResource,
        id: &str,
    ) -> Result<ScimAnswer, ScimFailure> {
        match resource {
            ScimResource::User => self.delete_user(call, id).await,
            ScimResource::Group => self.delete_group(call, id).await,
        }
    }
}
