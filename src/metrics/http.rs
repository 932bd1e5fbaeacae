//! Every HTTP request counted and timed by route template (never by path: paths carry ids).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::{Metrics, RequestLabels, RouteLabels};

/// Inner layer (a route layer, so routing has run): hands the matched route template outwards in the
/// response's extensions.
pub async fn route_template(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Outer layer: counts and times the request under the template the inner layer found.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let method = method_label(request.method());
    let started = Instant::now();
    let response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_string();
    let status = response.status();
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.into(),
            route: route.clone(),
            status: status_class(status).into(),
        })
        .inc();
    metrics
        .request_seconds
        .get_or_create(&RouteLabels {
            method: method.into(),
            route,
        })
        .observe(seconds);
    if status == StatusCode::TOO_MANY_REQUESTS {
        metrics.throttled.inc();
    }
    response
}

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

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}
