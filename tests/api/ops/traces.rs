//! OpenTelemetry traces from a real `tapid serve`: with `traces.otlp_endpoint` set, a request joins
//! the caller's W3C trace, is exported over OTLP/HTTP as protobuf (decoded here with the
//! OpenTelemetry protocol's own message types) and its log line names the trace.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use prost::Message;
use serde_json::Value;

use super::process;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// An OTLP/HTTP collector: keeps every `/v1/traces` body it is sent.
async fn collector() -> (String, Arc<Mutex<Vec<Bytes>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let kept = received.clone();
    let app = Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().push(body);
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn text(value: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> Option<&str> {
    match value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s),
        _ => None,
    }
}

#[tokio::test]
async fn a_request_joins_the_callers_trace_and_is_exported_over_otlp_at_shutdown() {
    let (endpoint, received) = collector().await;
    let dir = tempfile::tempdir().unwrap();
    let env = [("TAPID_TRACES__OTLP_ENDPOINT", endpoint.as_str())];
    let mut server = process::start(dir.path(), process::free_addr(), &env).await;

    let response = server
        .client
        .get(server.url("/healthz"))
        .header("traceparent", format!("00-{TRACE_ID}-{PARENT_ID}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();

    // The log line leads to the trace.
    let mut line = None;
    for _ in 0..50 {
        line = server.output().into_iter().find_map(|l| {
            let json: Value = serde_json::from_str(&l).ok()?;
            (json["message"] == "request" && json["request_id"] == request_id.as_str())
                .then_some(json)
        });
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = line.expect("the request was logged");
    assert_eq!(line["trace_id"], TRACE_ID, "{line}");

    // A graceful stop exports what is buffered.
    let pid = server.child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let exited = tokio::time::timeout(Duration::from_secs(30), server.child.wait()).await;
    assert!(exited.expect("tapid stops on SIGTERM").unwrap().success());

    let bodies = received.lock().unwrap().clone();
    assert!(!bodies.is_empty(), "the collector was sent spans");
    let mut found = false;
    for body in bodies {
        let export = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
        for resource in export.resource_spans {
            let service = resource
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|a| a.key == "service.name")
                .and_then(|a| text(&a.value))
                .map(str::to_owned);
            for span in resource.scope_spans.iter().flat_map(|s| &s.spans) {
                if hex::encode(&span.trace_id) != TRACE_ID {
                    continue;
                }
                assert_eq!(
                    hex::encode(&span.parent_span_id),
                    PARENT_ID,
                    "a child of the caller"
                );
                assert_eq!(span.name, "GET /healthz");
                let attribute = |key: &str| {
                    span.attributes
                        .iter()
                        .find(|a| a.key == key)
                        .and_then(|a| text(&a.value))
                        .map(str::to_owned)
                };
                assert_eq!(
                    attribute("request_id").as_deref(),
                    Some(request_id.as_str())
                );
                assert_eq!(attribute("url.path").as_deref(), Some("/healthz"));
                assert_eq!(service.as_deref(), Some("tapid"));
                found = true;
            }
        }
    }
    assert!(
        found,
        "the request's span was exported in the caller's trace"
    );
}
