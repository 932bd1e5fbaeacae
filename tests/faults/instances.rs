//! Two `tapid serve` processes on one PostgreSQL database behave as one provider. (The same properties
//! are tested in depth with in-process instances in `tests/api/instances.rs`; these prove them across
//! real processes.)

use crate::cluster::Cluster;
use crate::process::Tapid;

async fn two_processes(cluster: &Cluster, dir: &std::path::Path) -> (Tapid, Tapid) {
    let a = Tapid::start(&cluster.url(), dir).await;
    let b = Tapid::start_as(&cluster.url(), dir, Some(a.port)).await;
    (a, b)
}

async fn kids(tapid: &Tapid) -> Vec<String> {
    let jwks: serde_json::Value = tapid.get("/jwks").await.unwrap().json().await.unwrap();
    let mut kids: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    kids.sort();
    kids
}

#[tokio::test]
#[ignore = "needs PostgreSQL server binaries and root; .ci/run runs it"]
async fn two_processes_agree_on_keys_and_both_publish_a_rotation_within_a_second() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_processes(&cluster, dir.path()).await;
    assert_eq!(kids(&a).await, kids(&b).await);
    let before = kids(&a).await;

    a.cli(&["keys", "rotate"]).await;
    // Each instance reads the set again once the copy it served is older than `FRESH`.
    tokio::time::sleep(tapid::oidc::jwks::FRESH).await;

    let (on_a, on_b) = (kids(&a).await, kids(&b).await);
    assert_eq!(on_a, on_b);
    assert!(
        on_a.len() > before.len(),
        "new keys are published beside the old ones"
    );
    let (id, secret) = a.service_client("svc").await;
    let token: serde_json::Value = a
        .client_credentials(&id, &secret)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let introspected: serde_json::Value = b
        .client
        .post(b.url("/introspect"))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", token["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(introspected["active"], true, "a token from A is valid at B");
}

#[tokio::test]
#[ignore = "needs PostgreSQL server binaries and root; .ci/run runs it"]
async fn a_one_time_pass_is_spent_once_across_two_processes() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_processes(&cluster, dir.path()).await;
    a.cli(&["user", "add", "bob"]).await;
    let issued = a.cli(&["tap", "issue", "bob", "--one-time"]).await;
    let passcode = issued["passcode"]
        .as_str()
        .expect("the passcode")
        .to_string();

    let attempts = tokio::join!(
        a.sign_in_with_pass("bob", &passcode),
        b.sign_in_with_pass("bob", &passcode),
        a.sign_in_with_pass("bob", &passcode),
        b.sign_in_with_pass("bob", &passcode),
    );

    let admitted = [attempts.0, attempts.1, attempts.2, attempts.3]
        .iter()
        .filter(|a| **a == Some(true))
        .count();
    assert_eq!(admitted, 1, "exactly one sign-in across both processes");
}
