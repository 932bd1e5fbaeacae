//! Where a sign-in goes when it is done, and what it must reach: the `/authorize` ↔ sign-in contract
//! (`return_to`, `level`, `login_hint`, `fresh`), parsed once at the edge and carried on every page.

use serde::Deserialize;

use crate::level::Level;

/// The parameters as they arrive, in a query string or hidden form fields.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FlowParams {
    #[serde(default)]
    pub return_to: Option<String>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub login_hint: Option<String>,
}

/// A sign-in in progress: where to go afterwards and the level required.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// A local path (never another site).
    pub return_to: Option<String>,
    pub level: Option<Level>,
}

impl Flow {
    pub fn from_params(params: &FlowParams) -> Self {
        Self {
            return_to: params.return_to.as_deref().and_then(local_path),
            level: params.level.as_deref().and_then(Level::from_acr),
        }
    }

    /// Only a passkey reaches what is asked (step-up).
    pub fn passkey_only(&self) -> bool {
        self.level == Some(Level::PhishingResistant)
    }

    /// Where to go after a full sign-in.
    pub fn destination(&self) -> String {
        self.return_to
            .clone()
            .unwrap_or_else(|| "/security-info".into())
    }

    /// The query string that carries this flow to the next page (empty or starting with `?`).
    pub fn query(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        if let Some(r) = &self.return_to {
            q.append_pair("return_to", r);
        }
        if let Some(l) = self.level {
            q.append_pair("level", l.acr());
        }
        let q = q.finish();
        if q.is_empty() { q } else { format!("?{q}") }
    }

    /// A path on this site with the flow attached.
    pub fn link(&self, path: &str) -> String {
        format!("{path}{}", self.query())
    }

    pub fn return_to_field(&self) -> &str {
        self.return_to.as_deref().unwrap_or_default()
    }

    pub fn level_field(&self) -> &str {
        self.level.map(Level::acr).unwrap_or_default()
    }
}

/// Accepts only a path on this site: starts with `/`, not `//` or `/\` (which browsers read as another
/// host), no control characters.
pub fn local_path(value: &str) -> Option<String> {
    let ok = value.starts_with('/')
        && !value.starts_with("//")
        && !value.starts_with("/\\")
        && value.len() <= 2048
        && !value.chars().any(|c| c.is_control());
    ok.then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_accepted_as_return_to() {
        assert_eq!(
            local_path("/authorize/resume?request=x").as_deref(),
            Some("/authorize/resume?request=x")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "",
            "evil",
            "/a\nb",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_flow_survives_a_round_trip_through_the_query_string() {
        let flow = Flow::from_params(&FlowParams {
            return_to: Some("/authorize/resume?request=a&b=c".into()),
            level: Some("phr".into()),
            login_hint: None,
        });
        let query = flow.query();
        let params: FlowParams = serde_urlencoded_parse(query.trim_start_matches('?'));
        assert_eq!(Flow::from_params(&params), flow);
        assert!(flow.passkey_only());
    }

    fn serde_urlencoded_parse(q: &str) -> FlowParams {
        let mut params = FlowParams::default();
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "return_to" => params.return_to = Some(v.into_owned()),
                "level" => params.level = Some(v.into_owned()),
                _ => {}
            }
        }
        params
    }
}
