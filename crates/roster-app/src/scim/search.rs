//! `POST /.search` at the root (RFC 7644 §3.4.3): one search over Users and
//! Groups. The query applies to each resource type it is valid for; the
//! results are Users first, then Groups, paged as one list.

use roster_scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use roster_scim::{ListQuery, ScimError, list_response, project};
use roster_store::{ListParams, ScimQuery};
use serde_json::Value;

use super::call::{ScimCall, limits, page_of};
use super::internal;
use super::mapping::{group_resource, user_resource};
use crate::App;

impl App {
    pub async fn scim_search_all(
        &self,
        call: &ScimCall<'_>,
        body: &Value,
    ) -> Result<Value, ScimError> {
        let limits = limits()?;
        let users = ListQuery::from_search_body(&USER_RESOURCE, body, &limits);
        let groups = ListQuery::from_search_body(&GROUP_RESOURCE, body, &limits);
        let (users, groups) = match (users, groups) {
            (Err(err), Err(_)) => return Err(err),
            (users, groups) => (users.ok(), groups.ok()),
        };
        let reference = users
            .as_ref()
            .or(groups.as_ref())
            .ok_or_else(|| ScimError::invalid_syntax("unusable search"))?;
        let (offset, count) = page_of(reference)?;
        let dialect = self.store.dialect();
        let mut tx = self.store.read().await.map_err(internal)?;
        let mut resources = Vec::new();
        let mut total = 0;
        if let Some(query) = &users {
            let params = ListParams {
                filter: query.filter_ast(),
                sort_by: query.sort().map(|s| s.path()),
                descending: query.descending(),
                offset,
                limit: count,
                base_url: Some(&call.base.0),
            };
            let listed = tx
                .scim_users(call.scope, &ScimQuery::users(dialect, params)?)
                .await
                .map_err(internal)?;
            total += listed.total;
            resources.extend(listed.items.iter().map(|u| {
                project(&USER_RESOURCE, &user_resource(u, call.base), query.projection())
            }));
        }
        if let Some(query) = &groups {
            let users_total = total;
            let remaining = count.saturating_sub(resources.len() as u64);
            let params = ListParams {
                filter: query.filter_ast(),
                sort_by: query.sort().map(|s| s.path()),
                descending: query.descending(),
                offset: offset.saturating_sub(users_total),
                limit: remaining,
                base_url: Some(&call.base.0),
            };
            let listed = tx
                .scim_groups(call.scope, &ScimQuery::groups(dialect, params)?)
                .await
                .map_err(internal)?;
            total += listed.total;
            resources.extend(listed.items.iter().map(|g| {
                project(&GROUP_RESOURCE, &group_resource(g, None, call.base), query.projection())
            }));
        }
        Ok(list_response(resources, total, Some(offset + 1), None, None))
    }
}
