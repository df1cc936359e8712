//! `POST /.search` at the root (RFC 7644 §3.4.3): one search over Users and
//! Groups. The query applies to each resource type it is valid for; the
//! results are Users first, then Groups, paged as one list.

use roster_scim::schema::{GROUP_RESOURCE, USER_RESOURCE};
use roster_scim::{ListQuery, ScimError, list_response, project};
use roster_store::{ScimGroupRepo, ScimQuery, ScimUserRepo};
use serde_json::Value;

use super::call::{ScimCall, limits, page_of, window};
use super::mapping::{group_resource, user_resource};
use super::{Scim, ScimFailure};

impl Scim<'_> {
    pub async fn search_all(
        &self,
        call: &ScimCall<'_>,
        body: &Value,
    ) -> Result<Value, ScimFailure> {
        let limits = limits()?;
        let users = ListQuery::from_search_body(&USER_RESOURCE, body, &limits);
        let groups = ListQuery::from_search_body(&GROUP_RESOURCE, body, &limits);
        let (users, groups) = match (users, groups) {
            (Err(err), Err(_)) => return Err(err.into()),
            (users, groups) => (users.ok(), groups.ok()),
        };
        let reference = users
            .as_ref()
            .or(groups.as_ref())
            .ok_or_else(|| ScimError::invalid_syntax("unusable search"))?;
        let (offset, count) = page_of(reference)?;
        let dialect = self.dialect();
        let mut tx = self.read().await?;
        let mut resources = Vec::new();
        let mut total = 0;
        if let Some(query) = &users {
            let params = window(query, call.base, offset, count);
            let listed = tx.scim_users(call.scope, &ScimQuery::users(dialect, params)?).await?;
            total += listed.total;
            for user in &listed.items {
                let resource = user_resource(user, call.base);
                resources.push(project(&USER_RESOURCE, &resource, query.projection()));
            }
        }
        if let Some(query) = &groups {
            let users_total = total;
            let remaining = count.saturating_sub(resources.len() as u64);
            let params = window(query, call.base, offset.saturating_sub(users_total), remaining);
            let listed = tx.scim_groups(call.scope, &ScimQuery::groups(dialect, params)?).await?;
            total += listed.total;
            resources.extend(listed.items.iter().map(|g| {
                project(&GROUP_RESOURCE, &group_resource(g, None, call.base), query.projection())
            }));
        }
        Ok(list_response(resources, total, Some(offset.saturating_add(1)), None, None))
    }
}
