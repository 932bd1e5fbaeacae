//! The environment rules: a pod's `TAPID_*` variables that are not ours do not stop tapid; ours with a
//! bad value do.

use crate::helpers::run_cli;
use crate::ops::process;

/// Exactly what Kubernetes puts into every pod of the namespace for a Service named `tapid` with one
/// TCP port 8080 (named `http`) and cluster IP 10.96.0.12 (service links are on by default).
const KUBERNETES_SERVICE_TAPID: &[(&str, &str)] = &[
    ("TAPID_SERVICE_HOST", "10.96.0.12"),
    ("TAPID_SERVICE_PORT", "8080"),
    ("TAPID_SERVICE_PORT_HTTP", "8080"),
    ("TAPID_PORT", "tcp://10.96.0.12:8080"),
    ("TAPID_PORT_8080_TCP", "tcp://10.96.0.12:8080"),
    ("TAPID_PORT_8080_TCP_PROTO", "tcp"),
    ("TAPID_PORT_8080_TCP_PORT", "8080"),
    ("TAPID_PORT_8080_TCP_ADDR", "10.96.0.12"),
];

#[tokio::test]
async fn tapid_serves_beside_the_service_links_of_a_kubernetes_service_named_tapid() {
    let dir = tempfile::tempdir().unwrap();
    let addr = process::free_addr();

    let mut server = process::start(dir.path(), addr, KUBERNETES_SERVICE_TAPID).await;

    let health = server
        .client
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let output = server.output().join("\n");
    assert!(
        !output.contains("WARN"),
        "service links are not reported: {output}"
    );
    assert!(!output.contains("not tapid settings"), "{output}");
}

#[tokio::test]
async fn the_service_links_pass_the_configuration_check_silently() {
    let out = run_cli(&["serve", "--check-config"], KUBERNETES_SERVICE_TAPID).await;

    assert!(out.success, "{}", out.stderr);
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

#[tokio::test]
async fn an_unknown_tapid_variable_is_reported_once_by_name_without_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let addr = process::free_addr();
    let env = [("TAPID_LISTN", "s3cr3t-looking-value")];

    let mut server = process::start(dir.path(), addr, &env).await;

    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let output = server.output();
    let warnings: Vec<&String> = output
        .iter()
        .filter(|l| l.contains("not tapid settings"))
        .collect();
    assert_eq!(warnings.len(), 1, "{output:?}");
    assert!(warnings[0].contains("TAPID_LISTN"), "{}", warnings[0]);
    assert!(
        !output.iter().any(|l| l.contains("s3cr3t-looking-value")),
        "values are never printed: {output:?}"
    );
}

#[tokio::test]
async fn an_unknown_tapid_variable_does_not_stop_a_command() {
    let out = run_cli(&["migrate"], &[("TAPID_LISTN", "127.0.0.1:1")]).await;

    assert!(out.success, "{}", out.stderr);
    assert!(out.stderr.contains("TAPID_LISTN"), "{}", out.stderr);
    assert!(!out.stderr.contains("127.0.0.1:1"), "{}", out.stderr);
}

#[tokio::test]
async fn a_known_key_with_a_bad_value_still_stops_tapid_beside_the_service_links() {
    let mut env = KUBERNETES_SERVICE_TAPID.to_vec();
    env.push(("TAPID_LISTEN", "tcp://10.96.0.12:8080"));

    let out = run_cli(&["serve", "--check-config"], &env).await;

    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("`listen`"), "{}", out.stderr);
}

#[tokio::test]
async fn a_misspelt_nested_key_is_refused_naming_it() {
    let out = run_cli(&["migrate"], &[("TAPID_THROTTLE__PER_ADRESS", "5")]).await;

    assert!(!out.success);
    assert!(out.stderr.contains("throttle.per_adress"), "{}", out.stderr);
}
