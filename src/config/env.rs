//! Which `TAPID_*` environment variables are configuration. A pod's environment holds more than ours:
//! Kubernetes gives every pod a variable family for each Service in its namespace (service links), and a
//! Service named `tapid` (or `tapid-…`) yields `TAPID_PORT=tcp://…`, `TAPID_SERVICE_HOST` and the like.
//! Those are ignored silently; a name whose first key is one of ours is configuration (and a bad value
//! stops tapid); any other `TAPID_*` name is reported once, by name only, and otherwise ignored.

use std::collections::BTreeSet;

/// Variables with the prefix that belong to tapid but are not configuration keys.
const NOT_CONFIG_KEYS: &[&str] = &["config", "test_database_url"];

/// How the environment's `TAPID_*` names sort out.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Scan {
    /// Configuration keys present, lower case, nested parts joined by `.` (as figment names them).
    pub keys: BTreeSet<String>,
    /// Other `TAPID_*` names, as they appear: reported, never their values.
    pub unknown: Vec<String>,
}

/// Sorts `names` (the whole environment's variable names) given the top-level configuration keys.
pub fn scan<'a>(names: impl Iterator<Item = &'a str>, top_level: &BTreeSet<String>) -> Scan {
    let names: Vec<&str> = names.collect();
    let services: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix("SERVICE_HOST"))
        .collect();
    let mut out = Scan::default();
    for name in names {
        let Some(rest) = strip_prefix_ignore_case(name, "TAPID_") else {
            continue;
        };
        let key = rest.to_ascii_lowercase();
        if NOT_CONFIG_KEYS.contains(&key.as_str()) {
            continue;
        }
        let first = key.split("__").next().unwrap_or_default();
        if top_level.contains(first) {
            out.keys.insert(key.replace("__", "."));
        } else if !is_service_link(name, &services) {
            out.unknown.push(name.to_string());
        }
    }
    out.unknown.sort();
    out
}

fn strip_prefix_ignore_case<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    let head = name.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &name[prefix.len()..])
}

/// The shapes of Kubernetes service-link variables after `TAPID_`, for the Service `tapid` itself or a
/// Service `tapid-NAME` (whose variables start `TAPID_NAME_`): `SERVICE_HOST`, `SERVICE_PORT`,
/// `SERVICE_PORT_<PORT NAME>`, `PORT`, `PORT_<N>_<PROTO>` and that followed by `_PROTO`, `_PORT` or `_ADDR`.
/// Kubernetes always sets `<SERVICE>_SERVICE_HOST` with the others, so a name counts only beside it:
/// `TAPID_LISTEN_PORT` alone is a typing mistake to report, not a Service `tapid-listen`.
fn is_service_link(name: &str, services: &BTreeSet<&str>) -> bool {
    let parts: Vec<&str> = name.split('_').collect();
    // Try each split point: what precedes it names the Service (`TAPID_`, `TAPID_METRICS_`, …).
    (1..parts.len()).any(|start| {
        let prefix_ok = parts[1..start].iter().all(|p| is_name_part(p));
        let service = &name[..parts[..start].iter().map(|p| p.len() + 1).sum::<usize>()];
        prefix_ok && services.contains(service) && is_link_suffix(&parts[start..])
    })
}

fn is_name_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn is_link_suffix(parts: &[&str]) -> bool {
    match parts {
        ["SERVICE", "HOST"] | ["SERVICE", "PORT"] | ["PORT"] => true,
        ["SERVICE", "PORT", name @ ..] => !name.is_empty() && name.iter().all(|p| is_name_part(p)),
        ["PORT", number, proto, tail @ ..] => {
            !number.is_empty()
                && number.bytes().all(|b| b.is_ascii_digit())
                && matches!(*proto, "TCP" | "UDP" | "SCTP")
                && matches!(tail, [] | ["PROTO"] | ["PORT"] | ["ADDR"])
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top() -> BTreeSet<String> {
        ["listen", "issuer", "throttle"]
            .map(String::from)
            .into_iter()
            .collect()
    }

    #[test]
    fn service_links_of_a_service_named_tapid_are_ignored_silently() {
        let names = [
            "TAPID_SERVICE_HOST",
            "TAPID_SERVICE_PORT",
            "TAPID_SERVICE_PORT_HTTP",
            "TAPID_PORT",
            "TAPID_PORT_8080_TCP",
            "TAPID_PORT_8080_TCP_PROTO",
            "TAPID_PORT_8080_TCP_PORT",
            "TAPID_PORT_8080_TCP_ADDR",
            "TAPID_METRICS_SERVICE_HOST",
            "TAPID_METRICS_PORT_9090_TCP_ADDR",
        ];
        // The order of the environment does not matter.
        assert_eq!(scan(names.into_iter().rev(), &top()), Scan::default());
        assert_eq!(scan(names.into_iter(), &top()), Scan::default());
    }

    #[test]
    fn known_keys_are_configuration_and_others_are_reported_by_name() {
        let names = [
            "TAPID_LISTEN",
            "TAPID_THROTTLE__PER_ADDRESS",
            "TAPID_LISTN",
            "TAPID_PORT_HTTP",
            "TAPID_LISTEN_PORT",
            "TAPID_CONFIG",
            "PATH",
        ];
        let out = scan(names.into_iter(), &top());
        assert_eq!(
            out.keys.into_iter().collect::<Vec<_>>(),
            ["listen", "throttle.per_address"]
        );
        // Without a `…_SERVICE_HOST` beside it, a link-shaped name is no service link.
        assert_eq!(
            out.unknown,
            ["TAPID_LISTEN_PORT", "TAPID_LISTN", "TAPID_PORT_HTTP"]
        );
    }
}
