//! One bound connection and the reads of a sync over it.

use async_trait::async_trait;
use ldap3::Ldap;

use crate::entry::Entry;
use crate::filter::all_of;
use crate::paging::{Query, paged_search, read_entry};
use crate::plan::Plan;
use crate::read::{group, member_range, members, user};
use crate::watermark::since_clause;
use crate::{DirectoryGroup, DirectoryUser, LdapError, Session, Watermark};

/// Active Directory sends at most MaxValRange values (1,500 by default)
/// per slice; this bounds the slices of one group, so that a server that
/// never says `*` cannot keep a sync reading forever (a million members).
const MAX_MEMBER_SLICES: usize = 1_000;

/// What a search reads.
#[derive(Clone, Copy)]
enum Objects {
    Users,
    Groups,
}

pub(crate) struct LdapSession {
    ldap: Ldap,
    served_by: String,
    plan: Plan,
}

impl LdapSession {
    pub(crate) fn new(ldap: Ldap, served_by: String, plan: Plan) -> Self {
        LdapSession { ldap, served_by, plan }
    }

    /// Every entry under the base DN that is one of `objects` (and changed
    /// since the mark, when one is given; the mark is checked before it
    /// goes into the filter), with the attributes its records need.
    async fn search(
        &mut self,
        objects: Objects,
        since: Option<&Watermark>,
    ) -> Result<Vec<Entry>, LdapError> {
        let plan = &self.plan;
        let (filter, attributes) = match objects {
            Objects::Users => (&plan.user_filter, &plan.user_attributes),
            Objects::Groups => (&plan.group_filter, &plan.group_attributes),
        };
        let filter = match since {
            None => filter.clone(),
            Some(mark) => {
                let clause = since_clause(plan.server_type, mark).map_err(|why| {
                    LdapError::Search(format!("the watermark cannot be used: {why}"))
                })?;
                all_of(&[filter, &clause])
            }
        };
        let query = Query { base: &plan.base_dn, filter: &filter, attributes };
        paged_search(&mut self.ldap, &query, plan.page_size, plan.timeout).await
    }

    /// The member slices after the first, read one base search at a time
    /// until the slice that ends in `*`.
    async fn rest_of_members(
        &mut self,
        group: &mut DirectoryGroup,
        mut request: String,
    ) -> Result<(), LdapError> {
        for _ in 0..MAX_MEMBER_SLICES {
            let attributes = [request];
            let entry = read_entry(&mut self.ldap, &group.dn, &attributes, self.plan.timeout)
                .await?
                .ok_or_else(|| {
                    LdapError::Search(format!("{}: the group went away while read", group.dn))
                })?;
            let (slice, next) = members(&entry)?;
            if member_range(&entry).is_none() {
                return Err(LdapError::Search(format!(
                    "{}: the directory did not answer {}",
                    group.dn, attributes[0]
                )));
            }
            group.member_dns.extend(slice);
            match next {
                Some(next) => request = next,
                None => return Ok(()),
            }
        }
        Err(LdapError::Search(format!("{}: more than {MAX_MEMBER_SLICES} member slices", group.dn)))
    }
}

#[async_trait]
impl Session for LdapSession {
    fn served_by(&self) -> &str {
        &self.served_by
    }

    async fn users(&mut self, since: Option<&Watermark>) -> Result<Vec<DirectoryUser>, LdapError> {
        let entries = self.search(Objects::Users, since).await?;
        entries.iter().map(|entry| user(entry, &self.plan)).collect()
    }

    async fn groups(
        &mut self,
        since: Option<&Watermark>,
    ) -> Result<Vec<DirectoryGroup>, LdapError> {
        let entries = self.search(Objects::Groups, since).await?;
        let mut groups = Vec::with_capacity(entries.len());
        for entry in &entries {
            let read = group(entry, &self.plan)?;
            let mut group = read.group;
            if let Some(request) = read.more_members {
                self.rest_of_members(&mut group, request).await?;
            }
            groups.push(group);
        }
        Ok(groups)
    }

    async fn close(mut self: Box<Self>) -> Result<(), LdapError> {
        self.ldap
            .unbind()
            .await
            .map_err(|e| LdapError::Search(format!("unbinding from {}: {e}", self.served_by)))
    }
}
