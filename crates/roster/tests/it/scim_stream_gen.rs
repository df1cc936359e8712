//! The request generator of `scim_stream.rs`: a small seeded PRNG and the
//! requests SCIM clients send. About two in three requests are what a
//! well-behaved client sends (so that resources exist and later requests
//! reach them); the others are hostile: odd values (NUL, huge, control
//! characters), broken or mis-typed bodies, unknown attributes, token soup
//! in filters, bad ids, wrong methods, missing credentials, oversized
//! bodies. Everything depends on the seed and on the ids the server handed
//! out before, which the stream reports ([`Generator::saw`]). The values,
//! filters and PATCH operations are in `scim_stream_values.rs`.

use serde_json::{Map, Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/// One HTTP request; `path` is relative to `/api/scim`.
#[derive(Debug, Clone)]
pub struct Request {
    /// What the generator meant to send, for messages and the summary.
    pub label: &'static str,
    pub method: String,
    pub path: String,
    /// The bearer token, or none (the header may be in `headers`).
    pub token: Option<String>,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    fn new(label: &'static str, method: &str, path: String) -> Self {
        Self {
            label,
            method: method.to_owned(),
            path,
            token: None,
            content_type: None,
            headers: Vec::new(),
            body: None,
        }
    }

    /// Method, path, headers and the start of the body.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}", self.method, self.path);
        if let Some(content_type) = &self.content_type {
            text.push_str(&format!(" [content-type: {content_type}]"));
        }
        for (name, value) in &self.headers {
            text.push_str(&format!(" [{name}: {value}]"));
        }
        if let Some(body) = &self.body {
            let shown: String = String::from_utf8_lossy(body).chars().take(600).collect();
            text.push_str(&format!(" ({} bytes) {shown}", body.len()));
        }
        text
    }
}

/// xorshift64*: small, fast and deterministic.
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn number(&mut self) -> i64 {
        self.next() as i64
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A resource the server returned: its id, version and the provider that
/// saw it (a provider sees only the resources it manages).
pub struct Known {
    id: String,
    version: Option<String>,
    owner: usize,
}

/// The generator: the PRNG, the providers' tokens and what exists.
pub struct Generator {
    pub(crate) rng: Rng,
    tokens: [String; 2],
    /// The provider (index in `tokens`) the request being made is sent as.
    client: usize,
    /// The resources that exist, per resource type.
    pub(crate) users: Vec<Known>,
    pub(crate) groups: Vec<Known>,
    counter: u64,
    /// Whether the request being made is a hostile one.
    pub(crate) hostile: bool,
}

impl Generator {
    pub fn new(seed: u64, tokens: [String; 2]) -> Self {
        Self {
            rng: Rng(seed | 1),
            tokens,
            client: 0,
            users: Vec::new(),
            groups: Vec::new(),
            counter: 0,
            hostile: false,
        }
    }

    /// Records a resource the server returned to the provider of `token`.
    pub fn saw(&mut self, token: &str, kind: &str, id: &str, version: Option<&str>) {
        let Some(owner) = self.tokens.iter().position(|known| known == token) else { return };
        let list = match kind {
            "User" => &mut self.users,
            "Group" => &mut self.groups,
            _ => return,
        };
        let version = version.map(str::to_owned);
        match list.iter_mut().find(|known| known.id == id) {
            Some(known) => known.version = version,
            None => list.push(Known { id: id.to_owned(), version, owner }),
        }
    }

    /// Forgets the resource a successful DELETE of `path` removed.
    pub fn forget(&mut self, path: &str) {
        let id = path.rsplit('/').next().unwrap_or_default();
        self.users.retain(|known| known.id != id);
        self.groups.retain(|known| known.id != id);
    }

    /// An id of `known`: in a well-behaved request one the provider
    /// sending it manages.
    fn known_id(&mut self, groups: bool) -> Option<String> {
        let list = if groups { &self.groups } else { &self.users };
        let mine: Vec<&Known> =
            list.iter().filter(|k| self.hostile || k.owner == self.client).collect();
        (!mine.is_empty()).then(|| self.rng.pick(&mine).id.clone())
    }

    pub fn service_provider_config(&self) -> Request {
        let mut request = Request::new("discovery", "GET", "/ServiceProviderConfig".into());
        request.token = Some(self.tokens[0].clone());
        request
    }

    /// The next requests to send at once: usually one; sometimes a few
    /// different ones, or the same one three times (a race).
    pub fn batch(&mut self) -> Vec<Request> {
        let roll = self.rng.below(100);
        if roll < 85 {
            vec![self.request()]
        } else if roll < 94 {
            let n = 2 + self.rng.below(3);
            (0..n).map(|_| self.request()).collect()
        } else {
            let request = self.request();
            vec![request.clone(), request.clone(), request]
        }
    }

    fn request(&mut self) -> Request {
        self.hostile = self.rng.chance(35);
        self.client = self.rng.below(2) as usize;
        let mut request = match self.rng.below(100) {
            0..16 => self.create_user(),
            16..24 => self.create_group(),
            24..32 => self.get_one(),
            32..44 => self.list(),
            44..50 => self.search(),
            50..57 => self.replace(),
            57..74 => self.patch(),
            74..78 => self.delete(),
            78..84 => self.bulk(),
            84..87 => self.discovery(),
            87..93 => self.odd_endpoint(),
            93..97 => self.bad_auth(),
            _ => self.big(),
        };
        if request.token.is_none() && request.label != "bad auth" {
            request.token = Some(self.tokens[self.client].clone());
        }
        if self.rng.chance(10) {
            let (name, value) = self.precondition();
            request.headers.push((name.to_owned(), value));
        }
        if self.hostile && self.rng.chance(15) {
            let accept =
                *self.rng.pick(&["text/html", "application/xml", "*/*", "application/json"]);
            request.headers.push(("accept".into(), accept.into()));
        }
        request
    }

    pub(crate) fn unique(&mut self) -> u64 {
        self.counter += 1;
        self.counter
    }

    /// A user id: mostly one that exists, else a bad one.
    pub(crate) fn user_id(&mut self) -> String {
        match self.known_id(false) {
            Some(id) if self.rng.chance(if self.hostile { 60 } else { 97 }) => id,
            _ => self.bad_id(),
        }
    }

    pub(crate) fn group_id(&mut self) -> String {
        match self.known_id(true) {
            Some(id) if self.rng.chance(if self.hostile { 60 } else { 97 }) => id,
            _ => self.bad_id(),
        }
    }

    /// An id no resource has, as it appears in a URL path.
    fn bad_id(&mut self) -> String {
        let n = self.unique();
        match self.rng.below(9) {
            0 => format!("{n:032x}"),
            1 => "%00".into(),
            2 => "%FF%FE".into(),
            3 => "a%2Fb".into(),
            4 => "%C3%A4%F0%9F%98%80".into(),
            5 => "a".repeat(5_000),
            6 => "..".into(),
            7 => "%20".into(),
            _ => format!("bulkId:{n}"),
        }
    }

    /// An id for a JSON body (a member, a manager).
    pub(crate) fn member_id(&mut self) -> String {
        let groups = self.rng.chance(20);
        match self.known_id(groups) {
            Some(id) if self.rng.chance(if self.hostile { 70 } else { 99 }) => id,
            _ => self.text(),
        }
    }

    fn user_body(&mut self) -> Value {
        let mut user = json!({
            "schemas": [USER],
            "userName": self.name(),
            "name": { "givenName": self.text(), "familyName": self.text() },
            "emails": [{ "value": self.name(), "type": "work", "primary": true }],
        });
        let object = user.as_object_mut().expect("an object");
        if self.rng.chance(70) {
            object.insert("active".into(), json!(self.rng.chance(80)));
        }
        if self.rng.chance(30) {
            object.insert("externalId".into(), json!(self.text()));
        }
        if self.rng.chance(20) {
            object.insert("displayName".into(), json!(self.text()));
            object.insert("title".into(), json!(self.text()));
            object.insert("name".into(), json!({ "formatted": self.text() }));
        }
        if self.rng.chance(20) {
            let manager = json!({ "value": self.member_id() });
            object.insert(
                ENTERPRISE.into(),
                json!({ "employeeNumber": self.text(), "department": self.text(), "manager": manager }),
            );
            object.insert("schemas".into(), json!([USER, ENTERPRISE]));
        }
        if self.rng.chance(10) {
            object.insert("password".into(), json!(self.text()));
        }
        if self.rng.chance(10) {
            object.insert("phoneNumbers".into(), json!([{ "value": self.text(), "type": "work" }]));
            object
                .insert("addresses".into(), json!([{ "locality": self.text(), "primary": true }]));
        }
        if self.hostile && self.rng.chance(10) {
            let many = 500 + self.rng.below(2_500);
            let emails: Vec<Value> = (0..many)
                .map(|i| json!({ "value": format!("e{i}@example.com"), "type": format!("t{i}") }))
                .collect();
            object.insert("emails".into(), Value::Array(emails));
        }
        self.mutate(object, &["userName", "name", "emails", "active", "schemas", "groups", "id"]);
        user
    }

    fn group_body(&mut self) -> Value {
        let mut members = Vec::new();
        for _ in 0..self.rng.below(5) {
            let id = self.member_id();
            members.push(match self.rng.below(5) {
                0 => json!(id),
                1 => json!({ "value": id, "type": "User", "$ref": format!("../Users/{id}") }),
                _ => json!({ "value": id }),
            });
        }
        if self.hostile && self.rng.chance(8) {
            let id = self.member_id();
            members.extend((0..1_500).map(|_| json!({ "value": id })));
        }
        let mut group =
            json!({ "schemas": [GROUP], "displayName": self.name(), "members": members });
        let object = group.as_object_mut().expect("an object");
        if self.rng.chance(20) {
            object.insert("externalId".into(), json!(self.text()));
        }
        self.mutate(object, &["displayName", "members", "schemas", "meta"]);
        group
    }

    /// In a hostile request, sometimes replaces or drops one of `keys`, or
    /// adds an unknown one.
    pub(crate) fn mutate(&mut self, object: &mut Map<String, Value>, keys: &[&str]) {
        if !self.hostile {
            return;
        }
        if self.rng.chance(30) {
            let key = *self.rng.pick(keys);
            let value = self.value(0);
            object.insert(key.to_owned(), value);
        }
        if self.rng.chance(10) {
            let key = *self.rng.pick(keys);
            object.remove(key);
        }
        if self.rng.chance(10) {
            let key = *self.rng.pick(&["x-unknown", "urn:example:ext:1.0:thing", "\u{0}", ""]);
            let value = self.value(0);
            object.insert(key.to_owned(), value);
        }
    }

    /// A JSON body, as sent with its content type: well formed as
    /// `application/scim+json` or `application/json`, or in a hostile
    /// request sometimes under another media type, or broken.
    fn body(&mut self, request: &mut Request, value: &Value) {
        let mut bytes = value.to_string().into_bytes();
        let content_type = if !self.hostile || self.rng.chance(50) {
            *self.rng.pick(&["application/scim+json", "application/scim+json", "application/json"])
        } else {
            *self.rng.pick(&[
                "application/scim+json; charset=utf-8",
                "APPLICATION/SCIM+JSON",
                "text/plain",
                "application/x-www-form-urlencoded",
                "",
                "multipart/form-data; boundary=x",
            ])
        };
        request.content_type = (!content_type.is_empty()).then(|| content_type.to_owned());
        if self.hostile && self.rng.chance(25) {
            bytes = match self.rng.below(8) {
                0 => bytes[..bytes.len() / 2].to_vec(),
                1 => {
                    let at = self.rng.below(bytes.len() as u64) as usize;
                    bytes.insert(at, 0xFF);
                    bytes
                }
                2 => Vec::new(),
                3 => b"null".to_vec(),
                4 => b"[]".to_vec(),
                5 => br#"{"schemas": ["\ud800"], "userName": "\udfff"}"#.to_vec(),
                6 => "[".repeat(20_000).into_bytes(),
                _ => {
                    bytes.extend_from_slice(b" trailing");
                    bytes
                }
            };
        }
        request.body = Some(bytes);
    }

    fn create_user(&mut self) -> Request {
        let mut request = Request::new("create user", "POST", "/Users".into());
        let body = self.user_body();
        self.body(&mut request, &body);
        request
    }

    fn create_group(&mut self) -> Request {
        let mut request = Request::new("create group", "POST", "/Groups".into());
        let body = self.group_body();
        self.body(&mut request, &body);
        request
    }

    /// `Users` or `Groups` and an id of that kind.
    fn target(&mut self) -> (&'static str, String) {
        if self.rng.chance(60) { ("Users", self.user_id()) } else { ("Groups", self.group_id()) }
    }

    fn get_one(&mut self) -> Request {
        let (endpoint, id) = self.target();
        let mut query = Vec::new();
        if self.rng.chance(30) {
            query.push(("attributes", self.attribute_list(endpoint)));
        }
        if self.rng.chance(20) {
            query.push(("excludedAttributes", self.attribute_list(endpoint)));
        }
        Request::new("get", "GET", format!("/{endpoint}/{id}{}", encode(&query)))
    }

    fn list(&mut self) -> Request {
        let endpoint = *self.rng.pick(&["Users", "Groups"]);
        let mut query = Vec::new();
        if self.rng.chance(80) {
            query.push(("filter", self.filter(endpoint)));
        }
        // Each list holds the well-behaved values first, then the hostile ones.
        let hostile = self.hostile;
        let take = |n: usize, all: usize| if hostile { all } else { n };
        if self.rng.chance(25) {
            query.push(("sortBy", self.attribute(endpoint)));
            let orders = ["ascending", "descending", "DESCENDING", "up"];
            query.push(("sortOrder", (*self.rng.pick(&orders[..take(3, 4)])).into()));
        }
        if self.rng.chance(25) {
            let index = ["1", "2", "3", "0", "-5", "99999999999999999999", "x"];
            query.push(("startIndex", (*self.rng.pick(&index[..take(3, 7)])).into()));
        } else if self.rng.chance(10) {
            let cursor = ["", "x", "eyJvIjo5OTk5OTk5OTk5OTk5OTk5OTl9", "AAAA"];
            query.push(("cursor", (*self.rng.pick(&cursor[..take(1, 4)])).into()));
        }
        if self.rng.chance(25) {
            let count = ["0", "2", "10", "100000", "-1", "1.5", "x"];
            query.push(("count", (*self.rng.pick(&count[..take(4, 7)])).into()));
        }
        if self.rng.chance(15) {
            query.push(("attributes", self.attribute_list(endpoint)));
        }
        let mut path = format!("/{endpoint}{}", encode(&query));
        if self.hostile && self.rng.chance(10) {
            path.push_str(if query.is_empty() { "?filter=%zz&count=%" } else { "&filter=%zz" });
        }
        Request::new("list", "GET", path)
    }

    fn search(&mut self) -> Request {
        let path = *self.rng.pick(&["/Users/.search", "/Groups/.search", "/.search"]);
        let endpoint = if path.starts_with("/Groups") { "Groups" } else { "Users" };
        let mut request = Request::new("search", "POST", path.into());
        let mut body = json!({ "schemas": [SEARCH], "filter": self.filter(endpoint) });
        let object = body.as_object_mut().expect("an object");
        if self.rng.chance(30) {
            object.insert("startIndex".into(), json!(1 + self.rng.below(3)));
            object.insert("count".into(), json!(self.rng.below(2_000)));
        }
        if self.rng.chance(30) {
            object.insert("attributes".into(), json!([self.attribute(endpoint)]));
            object.insert("sortBy".into(), json!(self.attribute(endpoint)));
        }
        self.mutate(object, &["schemas", "filter", "excludedAttributes", "sortOrder", "count"]);
        self.body(&mut request, &body);
        request
    }

    fn replace(&mut self) -> Request {
        let (endpoint, id) = self.target();
        let mut request = Request::new("put", "PUT", format!("/{endpoint}/{id}"));
        let body = if endpoint == "Users" { self.user_body() } else { self.group_body() };
        self.body(&mut request, &body);
        request
    }

    fn patch(&mut self) -> Request {
        let (endpoint, id) = self.target();
        let mut request = Request::new("patch", "PATCH", format!("/{endpoint}/{id}"));
        let operations: Vec<Value> =
            (0..1 + self.rng.below(3)).map(|_| self.operation(endpoint)).collect();
        let mut body = json!({ "schemas": [PATCH_OP], "Operations": operations });
        let object = body.as_object_mut().expect("an object");
        self.mutate(object, &["schemas", "Operations"]);
        self.body(&mut request, &body);
        request
    }

    fn delete(&mut self) -> Request {
        let (endpoint, id) = self.target();
        Request::new("delete", "DELETE", format!("/{endpoint}/{id}"))
    }

    fn bulk(&mut self) -> Request {
        let mut request = Request::new("bulk", "POST", "/Bulk".into());
        let n = if self.hostile && self.rng.chance(5) { 1_001 } else { 1 + self.rng.below(5) };
        let mut operations = Vec::new();
        for i in 0..n {
            let methods = ["POST", "POST", "PUT", "PATCH", "DELETE", "GET", "post"];
            let method = *self.rng.pick(&methods[..if self.hostile { 7 } else { 5 }]);
            let (endpoint, id) = self.target();
            let path = match self.rng.below(if self.hostile { 5 } else { 3 }) {
                _ if method == "POST" => format!("/{endpoint}"),
                0 => format!("/{endpoint}/bulkId:b{}", self.rng.below(3)),
                1 | 2 => format!("/{endpoint}/{id}"),
                3 => format!("/{endpoint}"),
                _ => self.text(),
            };
            let mut operation =
                json!({ "method": method, "path": path, "bulkId": format!("b{i}") });
            let data = match method {
                "PATCH" => {
                    json!({ "schemas": [PATCH_OP], "Operations": [self.operation(endpoint)] })
                }
                _ if endpoint == "Users" => self.user_body(),
                _ => {
                    let mut group = self.group_body();
                    if self.rng.chance(50) {
                        group["members"] = json!([{ "value": "bulkId:b0" }]);
                    }
                    group
                }
            };
            if method != "DELETE" && method != "GET" {
                operation["data"] = data;
            }
            if self.hostile && self.rng.chance(10) {
                operation["version"] = json!(self.text());
            }
            operations.push(operation);
        }
        let mut body = json!({ "schemas": [BULK], "Operations": operations });
        let object = body.as_object_mut().expect("an object");
        if self.rng.chance(50) {
            let fail = if self.hostile { self.value(2) } else { json!(1 + self.rng.below(3)) };
            object.insert("failOnErrors".into(), fail);
        }
        self.mutate(object, &["schemas", "Operations", "failOnErrors"]);
        self.body(&mut request, &body);
        request
    }

    fn discovery(&mut self) -> Request {
        let paths = [
            "/ServiceProviderConfig",
            "/ResourceTypes",
            "/ResourceTypes/User",
            "/ResourceTypes/Nope",
            "/Schemas",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            "/Schemas/%00",
            "/Schemas?filter=id%20eq%20%22x%22",
        ];
        Request::new("discovery", "GET", (*self.rng.pick(&paths)).to_owned())
    }

    /// A method or endpoint roster does not serve.
    fn odd_endpoint(&mut self) -> Request {
        let (method, path) = match self.rng.below(10) {
            0 => ("DELETE", "/Users".to_owned()),
            1 => ("PUT", "/Groups".to_owned()),
            2 => ("GET", "/Bulk".to_owned()),
            3 => ("POST", format!("/Users/{}", self.user_id())),
            4 => ("GET", format!("/Users/{}/extra", self.user_id())),
            5 => ("GET", "/Me".to_owned()),
            6 => ("PATCH", "/ServiceProviderConfig".to_owned()),
            7 => ("OPTIONS", "/Users".to_owned()),
            8 => ("FOO", "/Groups".to_owned()),
            _ => ("GET", "/Users/.search".to_owned()),
        };
        let mut request = Request::new("odd endpoint", method, path);
        if self.rng.chance(50) {
            let body = self.user_body();
            self.body(&mut request, &body);
        }
        request
    }

    /// A request without a working credential.
    fn bad_auth(&mut self) -> Request {
        let mut request = Request::new("bad auth", "GET", "/Users".into());
        let header = match self.rng.below(6) {
            0 => None,
            1 => Some("Bearer roster_scim_0000".to_owned()),
            2 => Some("Basic !!!".to_owned()),
            3 => Some("Basic dXNlcjo=".to_owned()),
            4 => Some(format!("Bearer {}", "t".repeat(10_000))),
            _ => Some("Negotiate abc".to_owned()),
        };
        if let Some(header) = header {
            request.headers.push(("authorization".into(), header));
        }
        request
    }

    /// A body over or near the size limits.
    fn big(&mut self) -> Request {
        let mut request = Request::new("big", "POST", "/Users".into());
        let size = if self.rng.chance(50) { 3 * 1024 * 1024 } else { 1_500 * 1024 };
        let body = json!({ "schemas": [USER], "userName": self.name(), "title": "d".repeat(size) });
        self.body(&mut request, &body);
        request
    }

    fn precondition(&mut self) -> (&'static str, String) {
        let name = *self.rng.pick(&["if-match", "if-none-match"]);
        let known = if self.rng.chance(50) { &self.users } else { &self.groups };
        let version = match known.is_empty() {
            false if self.rng.chance(60) => self.rng.pick(known).version.clone(),
            _ => None,
        };
        let value = version.unwrap_or_else(|| {
            (*self.rng.pick(&["*", "W/\"bogus\"", "\"\"", "garbage", "W/\"1\", *"])).to_owned()
        });
        (name, value)
    }
}

/// `?a=b&c=d`, percent-encoded, or nothing.
fn encode(query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return String::new();
    }
    format!("?{}", serde_urlencoded::to_string(query).expect("a query"))
}
