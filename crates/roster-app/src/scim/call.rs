//! What every SCIM use case shares: the request's context, the answer
//! shapes, the server's limits, and list paging: by index, or by keyset
//! cursors (issue 20, see [`cursor`]).

mod cursor;

use roster_domain::history::Interface;
use roster_scim::schema::ResourceType;
use roster_scim::{
    Limits, ListQuery, Paging, Projection, RequestKind, ScimError, ServerLimits, Verdict,
    evaluate_preconditions, list_response, project,
};
use roster_store::{ListParams, PageAt, PageBounds, ScimScope};
use serde_json::Value;

use self::cursor::{Cursor, Resume};
pub(crate) use self::cursor::{CursorKey, SECRET_NAME as CURSOR_SECRET};
use super::mapping::BaseUrl;
use crate::InternalError;
use crate::history::{Actor, History};

/// The context of one SCIM request: who asks, where its resources live,
/// the query parameters and the precondition headers.
#[derive(Debug, Clone, Copy)]
pub struct ScimCall<'a> {
    pub scope: &'a ScimScope,
    pub base: &'a BaseUrl,
    pub params: &'a [(String, String)],
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
}

impl ScimCall<'_> {
    /// The history of this call's changes: the provider's SCIM client,
    /// through SCIM.
    pub(crate) fn history(&self, at: jiff::Timestamp) -> History {
        let actor = Actor::Provider { id: self.scope.provider.clone(), name: None };
        History::new(&self.scope.site, Interface::Scim, actor, at)
    }
}

/// A successful SCIM answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ScimAnswer {
    /// A resource with 200 or 201; its `meta.version` is the ETag.
    Resource { created: bool, body: Value },
    /// A list or search result.
    List(Value),
    /// 204.
    NoContent,
    /// 304: `If-None-Match` matched.
    NotModified,
}

impl ScimAnswer {
    /// The answer's HTTP status code, as an entry of a bulk response
    /// reports it (RFC 7644 §3.7.3).
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Resource { created: true, .. } => 201,
            Self::Resource { created: false, .. } | Self::List(_) => 200,
            Self::NoContent => 204,
            Self::NotModified => 304,
        }
    }
}

/// The limits this server enforces (and advertises).
pub fn limits() -> Result<Limits, InternalError> {
    let server = ServerLimits::ROSTER;
    Limits::new(server.default_page_size, server.max_page_size)
        .map_err(|err| InternalError::Settings(format!("page size limits: {err:?}")))
}

impl ScimCall<'_> {
    /// Applies `If-Match` / `If-None-Match` to a resource's version.
    pub(crate) fn check(&self, kind: RequestKind, version: i64) -> Result<Verdict, ScimError> {
        evaluate_preconditions(kind, self.if_match, self.if_none_match, Some(version))
    }

    /// The `attributes` / `excludedAttributes` of a single-resource request.
    pub(crate) fn projection(&self, rt: &ResourceType) -> Result<Projection, ScimError> {
        Projection::from_params(rt, self.params)
    }
}

/// The page a root search asks for: offset and size. It pages by index
/// only and issues no cursor, so it takes none.
pub(crate) fn page_of(query: &ListQuery) -> Result<(u64, u64), ScimError> {
    let offset = match query.paging() {
        Paging::Index { start_index } => start_index.saturating_sub(1),
        Paging::Cursor { cursor: None } => 0,
        Paging::Cursor { cursor: Some(_) } => return Err(cursor::refused()),
    };
    Ok((offset, query.count()))
}

/// The store's list parameters for a query's filter and sort over the
/// rows `offset..offset + limit`.
pub(crate) fn window<'a>(
    query: &'a ListQuery,
    base: &'a BaseUrl,
    offset: u64,
    limit: u64,
) -> ListParams<'a> {
    ListParams {
        filter: query.filter_ast(),
        sort_by: query.sort().map(|sort| sort.path()),
        descending: query.descending(),
        at: PageAt::Offset(offset),
        limit,
        known_total: None,
        base_url: Some(&base.0),
    }
}

/// How a list request pages.
#[derive(Debug, Clone, PartialEq)]
enum Walk {
    /// By index (RFC 7644 §3.4.2.4): these many rows skipped.
    Index { offset: u64 },
    /// By cursor (RFC 9865): from where the cursor resumes (the first row
    /// without one) and with the total it carries.
    Cursor { resume: Resume, total: Option<u64> },
}

/// The page of a list request (`GET /Users`, `POST /Groups/.search`):
/// what to ask the store for, then the ListResponse of what it found.
pub(crate) struct ListPage<'a> {
    rt: &'a ResourceType,
    query: &'a ListQuery,
    base: &'a BaseUrl,
    /// What cursors are tagged with.
    key: &'a CursorKey,
    walk: Walk,
}

impl<'a> ListPage<'a> {
    /// The page `query` asks for; a cursor that this server did not issue
    /// (tag it with `key`) for this very query is `400 invalidCursor`.
    pub(crate) fn new(
        rt: &'a ResourceType,
        query: &'a ListQuery,
        base: &'a BaseUrl,
        key: &'a CursorKey,
    ) -> Result<Self, ScimError> {
        let walk = match query.paging() {
            Paging::Index { start_index } => Walk::Index { offset: start_index.saturating_sub(1) },
            Paging::Cursor { cursor: None } => {
                Walk::Cursor { resume: Resume::After(None), total: None }
            }
            Paging::Cursor { cursor: Some(text) } => {
                let cursor = cursor::decode(text, &query_of(rt, query), key)?;
                Walk::Cursor { resume: cursor.resume, total: Some(cursor.total) }
            }
        };
        Ok(Self { rt, query, base, key, walk })
    }

    /// The store's list parameters for this page.
    pub(crate) fn params(&self) -> ListParams<'a> {
        let (at, known_total) = match &self.walk {
            Walk::Index { offset } => (PageAt::Offset(*offset), None),
            Walk::Cursor { resume, total } => (resume.clone().into(), *total),
        };
        ListParams { at, known_total, ..window(self.query, self.base, 0, self.query.count()) }
    }

    /// The ListResponse of the page the store found: resources projected,
    /// and either `startIndex` or the cursors of the neighbouring pages.
    ///
    /// RFC 9865 §2: `nextCursor` is absent exactly on the last page, so
    /// the store reads one row more than the page to know; `previousCursor`
    /// (optional there) is given on a page that a cursor led to unless it
    /// is known to be the first. A count of 0 asks for `totalResults` only,
    /// and gets no cursor.
    pub(crate) fn body(&self, resources: Vec<Value>, total: u64, bounds: &PageBounds) -> Value {
        let resources =
            resources.iter().map(|r| project(self.rt, r, self.query.projection())).collect();
        let resume = match &self.walk {
            Walk::Index { offset } => {
                return list_response(resources, total, Some(offset.saturating_add(1)), None, None);
            }
            Walk::Cursor { resume, .. } => resume,
        };
        let (next, previous) = match resume {
            _ if self.query.count() == 0 => (None, None),
            Resume::After(key) => (
                bounds.last.clone().filter(|_| bounds.beyond).map(|last| Resume::After(Some(last))),
                bounds.first.clone().filter(|_| key.is_some()).map(Resume::Before),
            ),
            // Nothing lies before the key of an empty backwards page, so
            // the page after it starts at the first row.
            Resume::Before(_) => (
                Some(Resume::After(bounds.last.clone())),
                bounds.first.clone().filter(|_| bounds.beyond).map(Resume::Before),
            ),
        };
        let query = query_of(self.rt, self.query);
        let text = |resume: Resume| cursor::encode(&Cursor { resume, total }, &query, self.key);
        list_response(resources, total, None, next.map(text), previous.map(text))
    }
}

/// What a cursor is bound to: the resource type, and the filter and sort
/// that order its rows, in canonical text (RFC 9865 §2: the pages of one
/// walk repeat every parameter but `cursor`; `count` and the projection
/// may change, since they move no row).
fn query_of(rt: &ResourceType, query: &ListQuery) -> String {
    let filter = query.filter_ast().map(ToString::to_string).unwrap_or_default();
    let sort = query.sort().map(|sort| sort.path().to_string()).unwrap_or_default();
    format!("{}\n{filter}\n{sort}\n{}", rt.name, query.descending())
}

#[cfg(test)]
mod tests {
    use roster_scim::schema::USER_RESOURCE;
    use roster_store::{RowKey, SortValue};
    use serde_json::json;

    use super::*;

    #[test]
    fn the_server_limits_are_valid() {
        assert_eq!(limits().unwrap().max_page_size(), 1000);
    }

    fn secret() -> CursorKey {
        CursorKey::from_secret("the tests' cursor secret")
    }

    fn key(id: &str) -> RowKey {
        RowKey { value: SortValue::Text(format!("name of {id}")), id: id.into() }
    }

    fn bounds(ids: Option<(&str, &str)>, beyond: bool) -> PageBounds {
        let (first, last) = ids.map(|(first, last)| (key(first), key(last))).unzip();
        PageBounds { first, last, beyond }
    }

    const SORTED: &[(&str, &str)] = &[("sortBy", "userName"), ("filter", "userName sw \"a\"")];

    /// The page a request with `params` and `cursor` gets when the store
    /// finds `bounds`: its `totalResults` and where its next and previous
    /// cursors lead.
    fn cursors(
        params: &[(&str, &str)],
        cursor: Option<&Cursor>,
        bounds: &PageBounds,
    ) -> (Value, Option<Cursor>, Option<Cursor>) {
        let rt = &USER_RESOURCE;
        let mut params: Vec<(String, String)> =
            params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let probe = ListQuery::from_params(rt, &params, &limits().unwrap()).unwrap();
        let query = query_of(rt, &probe);
        let text =
            cursor.map(|cursor| cursor::encode(cursor, &query, &secret())).unwrap_or_default();
        params.push(("cursor".into(), text));
        let list = ListQuery::from_params(rt, &params, &limits().unwrap()).unwrap();
        let base = BaseUrl("https://roster.example/api/scim".into());
        let key = secret();
        let page = ListPage::new(rt, &list, &base, &key).unwrap();
        let total = cursor.map_or(40, |cursor| cursor.total);
        assert_eq!(page.params().known_total, cursor.map(|cursor| cursor.total));
        let body = page.body(Vec::new(), total, bounds);
        let read = |name: &str| {
            body.get(name).map(|text| cursor::decode(text.as_str().unwrap(), &query, &key).unwrap())
        };
        (body["totalResults"].clone(), read("nextCursor"), read("previousCursor"))
    }

    fn at(resume: Resume) -> Cursor {
        Cursor { resume, total: 40 }
    }

    #[test]
    fn a_first_page_leads_on_and_not_back() {
        let (total, next, previous) = cursors(SORTED, None, &bounds(Some(("a", "b")), true));
        assert_eq!(total, 40);
        assert_eq!(next, Some(at(Resume::After(Some(key("b"))))));
        assert_eq!(previous, None);
        // The whole result on one page: no cursor at all.
        let (_, next, previous) = cursors(SORTED, None, &bounds(Some(("a", "b")), false));
        assert_eq!((next, previous), (None, None));
    }

    #[test]
    fn a_later_page_leads_both_ways_and_the_last_only_back() {
        let cursor = at(Resume::After(Some(key("b"))));
        let (_, next, previous) = cursors(SORTED, Some(&cursor), &bounds(Some(("c", "d")), true));
        assert_eq!(next, Some(at(Resume::After(Some(key("d"))))));
        assert_eq!(previous, Some(at(Resume::Before(key("c")))));
        let (_, next, previous) = cursors(SORTED, Some(&cursor), &bounds(Some(("c", "d")), false));
        assert_eq!(next, None);
        assert_eq!(previous, Some(at(Resume::Before(key("c")))));
    }

    #[test]
    fn a_page_read_backwards_leads_on_and_back_while_rows_precede_it() {
        let cursor = at(Resume::Before(key("e")));
        let (_, next, previous) = cursors(SORTED, Some(&cursor), &bounds(Some(("c", "d")), true));
        assert_eq!(next, Some(at(Resume::After(Some(key("d"))))));
        assert_eq!(previous, Some(at(Resume::Before(key("c")))));
        let (_, next, previous) = cursors(SORTED, Some(&cursor), &bounds(Some(("a", "d")), false));
        assert_eq!(next, Some(at(Resume::After(Some(key("d"))))));
        assert_eq!(previous, None);
        // Nothing before the key any more: on from the first row.
        let (_, next, previous) = cursors(SORTED, Some(&cursor), &bounds(None, false));
        assert_eq!(next, Some(at(Resume::After(None))));
        assert_eq!(previous, None);
    }

    #[test]
    fn a_count_of_zero_and_index_paging_give_no_cursor() {
        let zero = [SORTED, &[("count", "0")]].concat();
        let cursor = at(Resume::After(Some(key("b"))));
        let (total, next, previous) = cursors(&zero, Some(&cursor), &bounds(None, true));
        assert_eq!((total, next, previous), (json!(40), None, None));
        let params = [("startIndex".to_owned(), "3".to_owned())];
        let list = ListQuery::from_params(&USER_RESOURCE, &params, &limits().unwrap()).unwrap();
        let base = BaseUrl("https://roster.example/api/scim".into());
        let secret = secret();
        let page = ListPage::new(&USER_RESOURCE, &list, &base, &secret).unwrap();
        assert_eq!(page.params().at, PageAt::Offset(2));
        let body = page.body(Vec::new(), 40, &bounds(Some(("a", "b")), true));
        assert_eq!(body["startIndex"], 3);
        assert!(body.get("nextCursor").is_none() && body.get("previousCursor").is_none());
    }
}
