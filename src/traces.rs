//! OpenTelemetry traces, off unless `traces.otlp_endpoint` is set: every request is a span (the
//! request log's `request` span, carrying its request id), exported in batches over OTLP/HTTP; a
//! W3C `traceparent` on the request makes it a child of the caller's trace, and the webhook and
//! Logout Token deliveries send theirs on.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::config::TraceSettings;

/// The running exporter; [`Traces::shutdown`] sends what is still buffered.
pub struct Traces(SdkTracerProvider);

/// The layer that turns spans into OpenTelemetry spans, and the exporter behind it; `None` when
/// traces are off.
pub fn layer<S>(settings: &TraceSettings) -> anyhow::Result<Option<(impl Layer<S>, Traces)>>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    let Some(endpoint) = &settings.otlp_endpoint else {
        return Ok(None);
    };
    let url = endpoint.traces_url();
    // The blocking HTTP client must not be built on a runtime's thread (it owns a runtime itself).
    let exporter = std::thread::spawn(move || {
        SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .build()
    })
    .join()
    .map_err(|_| anyhow::anyhow!("traces: the OTLP exporter could not be built"))?
    .map_err(|e| anyhow::anyhow!("traces: the OTLP exporter could not be built: {e}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(settings.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer("tapid");
    let layer = tracing_opentelemetry::layer().with_tracer(tracer);
    Ok(Some((layer, Traces(provider))))
}

impl Traces {
    /// Exports what is buffered and stops (blocks: call it off the runtime's threads).
    pub fn shutdown(self) {
        if let Err(e) = self.0.shutdown() {
            tracing::warn!(error = %e, "traces: the last spans could not be exported");
        }
    }
}

/// Makes `span` a child of the trace named by the request's `traceparent`, if it names one.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    if headers.contains_key("traceparent") {
        let parent = TraceContextPropagator::new().extract(&Read(headers));
        let _ = span.set_parent(parent);
    }
}

/// Names `span` by what it turned out to be (a request's route is known only once it was routed):
/// the name a span began with cannot be recorded over once its trace context exists.
pub fn rename(span: &tracing::Span, name: String) {
    span.context().span().update_name(name);
}

/// The trace id of `span`, when it is part of an exported trace.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let context = span.context();
    let span_context = context.span().span_context().clone();
    span_context
        .is_valid()
        .then(|| span_context.trace_id().to_string())
}

/// `traceparent` (and `tracestate`) for an outgoing request made inside the current span; empty when
/// traces are off.
pub fn outgoing_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    let context = tracing::Span::current().context();
    TraceContextPropagator::new().inject_context(&context, &mut Write(&mut headers));
    headers
}

struct Read<'a>(&'a HeaderMap);

impl Extractor for Read<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.to_str().ok()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct Write<'a>(&'a mut HeaderMap);

impl Injector for Write<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    fn with_traces(check: impl FnOnce()) {
        let provider = SdkTracerProvider::builder().build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("test"));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, check);
    }

    #[test]
    fn a_request_span_continues_the_trace_its_traceparent_names() {
        with_traces(|| {
            let mut headers = HeaderMap::new();
            headers.insert(
                "traceparent",
                HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            );
            let span = tracing::info_span!("request");
            continue_trace(&span, &headers);
            assert_eq!(
                trace_id(&span).as_deref(),
                Some("4bf92f3577b34da6a3ce929d0e0e4736")
            );
        });
    }

    #[test]
    fn a_delivery_sends_the_traceparent_of_the_span_it_is_made_in() {
        with_traces(|| {
            let span = tracing::info_span!("delivery");
            let _entered = span.enter();
            let headers = outgoing_headers();
            let sent = headers["traceparent"].to_str().unwrap().to_string();
            let trace = trace_id(&span).expect("the span is traced");
            assert!(sent.starts_with(&format!("00-{trace}-")), "{sent}");
        });
    }

    #[test]
    fn without_traces_nothing_is_sent_and_a_bad_traceparent_is_ignored() {
        let headers = outgoing_headers();
        assert!(headers.is_empty());
        with_traces(|| {
            let mut headers = HeaderMap::new();
            headers.insert("traceparent", HeaderValue::from_static("00-zz-yy-01"));
            let span = tracing::info_span!("request");
            continue_trace(&span, &headers);
            let id = trace_id(&span).unwrap();
            assert_ne!(id, "zz", "a fresh trace");
        });
    }
}
