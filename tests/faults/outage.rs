use crate::cluster::Cluster;
use crate::process::{Tapid, eventually};

#[tokio::test]
#[ignore = "needs PostgreSQL server binaries and root; .ci/run runs it"]
async fn a_database_outage_fails_readiness_and_requests_with_503_then_service_resumes_by_itself() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let tapid = Tapid::start(&cluster.url(), dir.path()).await;
    let (id, secret) = tapid.service_client("svc").await;
    assert_eq!(
        tapid
            .client_credentials(&id, &secret)
            .await
            .unwrap()
            .status(),
        200
    );

    cluster.down();

    assert_eq!(
        tapid.get("/healthz").await.unwrap().status(),
        200,
        "the process is alive"
    );
    assert!(
        eventually(10, || async {
            tapid.get("/readyz").await.is_ok_and(|r| r.status() == 503)
        })
        .await,
        "readyz must fail while the database is down"
    );
    let during = tapid.client_credentials(&id, &secret).await.unwrap();
    assert_eq!(during.status(), 503);
    let body: serde_json::Value = during.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");

    cluster.up();

    assert!(
        eventually(20, || async {
            tapid.get("/readyz").await.is_ok_and(|r| r.status() == 200)
        })
        .await,
        "readyz must recover when the database returns"
    );
    assert!(
        eventually(10, || async {
            tapid
                .client_credentials(&id, &secret)
                .await
                .is_ok_and(|r| r.status() == 200)
        })
        .await,
        "grants must work again without a restart"
    );
}
