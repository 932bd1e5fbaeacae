//! `traces.*`: OpenTelemetry traces, exported over OTLP/HTTP to a collector. Off unless
//! `traces.otlp_endpoint` is set.

use serde::{Deserialize, Serialize};
use url::Url;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TraceSettings {
    /// The collector's OTLP/HTTP base URL (e.g. `http://otel-collector:4318`); spans go to
    /// `<endpoint>/v1/traces`.
    pub otlp_endpoint: Option<OtlpEndpoint>,
    /// `service.name` of every span.
    pub service_name: String,
}

impl Default for TraceSettings {
    fn default() -> Self {
        Self {
            otlp_endpoint: None,
            service_name: "tapid".into(),
        }
    }
}

/// An `http` or `https` URL with a host; where spans are sent is `<it>/v1/traces`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OtlpEndpoint(Url);

impl TryFrom<String> for OtlpEndpoint {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        let url = Url::parse(&value).map_err(|_| "an absolute http(s) URL".to_string())?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err("an http(s) URL with a host, e.g. http://otel-collector:4318".into());
        }
        Ok(Self(url))
    }
}

impl From<OtlpEndpoint> for String {
    fn from(endpoint: OtlpEndpoint) -> String {
        endpoint.0.into()
    }
}

impl OtlpEndpoint {
    /// Where spans are POSTed.
    pub fn traces_url(&self) -> String {
        format!("{}/v1/traces", self.0.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otlp_endpoint_is_an_http_url_and_spans_go_under_v1_traces() {
        let ok = OtlpEndpoint::try_from("http://collector:4318/".to_string()).unwrap();
        assert_eq!(ok.traces_url(), "http://collector:4318/v1/traces");
        for bad in [
            "collector:4318",
            "ftp://collector/",
            "not a url",
            "file:///tmp/x",
        ] {
            assert!(OtlpEndpoint::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }
}
