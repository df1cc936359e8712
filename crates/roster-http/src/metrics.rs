//! `/metrics` (SPEC §7): the process's metrics in the Prometheus text
//! exposition format, for an operator key on the main listener and for
//! anyone on the optional metrics listener (`--metrics-listen`, meant for
//! a scraper on a private network); and the layer that measures every
//! SCIM request.
//!
//! The `metrics` facade has one recorder per process, so [`Metrics`] is
//! installed once (a `OnceLock`) however many applications the process
//! runs; tests run many and assert on differences. Roster renders the text
//! itself: the exporter crate is used without its HTTP listener.
//!
//! The SCIM layer runs on every request, so it keeps the handles of each
//! series it has seen (provider kind, method and status: a few dozen) and
//! after the first request of a series only takes a read lock and adds.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use roster_app::App;
use roster_app::metrics::{HISTOGRAMS, SCIM_REQUEST_DURATION, SCIM_REQUESTS};
use roster_domain::ProviderKind;
use tokio::net::TcpListener;

use crate::ApiError;
use crate::extract::Admin;
use crate::scim_log::AuthNote;

/// The text format's media type (Prometheus exposition format 0.0.4).
const TEXT_FORMAT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A SCIM series: provider kind (`none` when no client authenticated),
/// method and status.
type ScimSeries = (&'static str, &'static str, u16);

/// The process's recorder and the SCIM series' handles.
pub struct Metrics {
    handle: PrometheusHandle,
    scim: RwLock<HashMap<ScimSeries, (Counter, Histogram)>>,
}

static INSTALLED: OnceLock<Metrics> = OnceLock::new();

impl Metrics {
    /// Installs the process's recorder the first time it is called, and
    /// returns it. `roster serve` calls it before it serves anything.
    pub fn install() -> &'static Self {
        INSTALLED.get_or_init(|| {
            let builder = HISTOGRAMS.iter().try_fold(
                PrometheusBuilder::new(),
                |builder, (name, buckets)| {
                    builder.set_buckets_for_metric(Matcher::Full((*name).to_owned()), buckets)
                },
            );
            let builder = builder.unwrap_or_else(|err| {
                // Only empty bucket lists fail, and the catalogue has none.
                tracing::error!(error = %err, "histogram buckets refused; rendering summaries");
                PrometheusBuilder::new()
            });
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(err) = metrics::set_global_recorder(recorder) {
                tracing::error!(error = %err, "another metrics recorder is installed; /metrics stays empty");
            }
            roster_app::metrics::describe();
            Self { handle, scim: RwLock::new(HashMap::new()) }
        })
    }

    /// The installed recorder, if any.
    fn installed() -> Option<&'static Self> {
        INSTALLED.get()
    }

    /// Everything recorded, in the text exposition format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds the histograms' recent samples into their buckets; `serve`
    /// calls it every few seconds so that samples never pile up between
    /// scrapes (a scrape does it too).
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn scim_request(
        &self,
        kind: Option<ProviderKind>,
        method: &'static str,
        status: StatusCode,
        took: Duration,
    ) {
        let series = (kind.map_or("none", ProviderKind::as_str), method, status.as_u16());
        let seconds = took.as_secs_f64();
        {
            let known = self.scim.read().unwrap_or_else(PoisonError::into_inner);
            if let Some((counter, histogram)) = known.get(&series) {
                counter.increment(1);
                histogram.record(seconds);
                return;
            }
        }
        let (kind, method, code) = series;
        let counter = metrics::counter!(
            SCIM_REQUESTS,
            "provider_kind" => kind,
            "method" => method,
            "status" => code.to_string(),
        );
        let histogram = metrics::histogram!(
            SCIM_REQUEST_DURATION,
            "provider_kind" => kind,
            "method" => method,
            "status_class" => status_class(code),
        );
        counter.increment(1);
        histogram.record(seconds);
        self.scim
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(series)
            .or_insert((counter, histogram));
    }
}

/// A closed set of method labels, so that a client cannot make series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

fn status_class(code: u16) -> &'static str {
    match code / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    }
}

/// The layer on `/api/scim`, around the SCIM request log's: counts and
/// times each request by the provider kind the credential extractor
/// noted.
pub(crate) async fn measure_scim(mut request: Request, next: Next) -> Response {
    let Some(metrics) = Metrics::installed() else { return next.run(request).await };
    let started = Instant::now();
    let method = method_label(request.method());
    let note = AuthNote::attach(request.extensions_mut());
    let response = next.run(request).await;
    metrics.scim_request(note.kind(), method, response.status(), started.elapsed());
    response
}

/// `GET /metrics` on the main listener.
pub(crate) fn routes() -> Router<App> {
    Router::new().route("/metrics", get(|_: Operator| async { exposition() }))
}

/// The caller holds an operator key. Anyone else, a site admin key
/// included, gets the same `401`: a site's administrator has no business
/// with every site's counts.
struct Operator;

impl FromRequestParts<App> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send an operator key as `Authorization: Bearer <key>`",
            )
        };
        match Admin::from_request_parts(parts, app).await {
            Ok(Admin(principal)) => match principal.require_operator() {
                Ok(()) => Ok(Self),
                Err(_) => Err(unauthorized()),
            },
            Err(err) if err.status == StatusCode::UNAUTHORIZED => Err(unauthorized()),
            Err(err) => Err(err),
        }
    }
}

fn exposition() -> Response {
    let text = Metrics::install().render();
    ([(CONTENT_TYPE, HeaderValue::from_static(TEXT_FORMAT))], text).into_response()
}

/// Serves `GET /metrics`, without authentication, on `listener` (the
/// `--metrics-listen` address) until `shutdown` completes.
pub async fn serve_metrics(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = Router::new()
        .route("/metrics", get(|| async { exposition() }))
        .fallback(crate::error::not_found)
        .method_not_allowed_fallback(crate::error::method_not_allowed);
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
