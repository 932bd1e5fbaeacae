//! Soak: sign-ins, token grants, refreshes and pass issuance run concurrently for a bounded time against
//! one instance and against two, then the audit chain must verify and the counts add up — every
//! successful grant recorded, every pass spent at most once. `TAPID_SOAK_SECONDS` runs longer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tapid::audit::{self, Verdict};
use tapid::db::audit::AuditFilter;

use crate::helpers::{TestApp, spawn_app};

#[derive(Default)]
struct Counts {
    grants: AtomicU64,
    passes: AtomicU64,
    pass_sign_ins: AtomicU64,
}

/// Sign-ins per worker: every request here comes from one address, and tapid allows one address 60
/// credential submissions a minute — the soak stays under that rather than testing the throttle.
const SIGN_INS_PER_WORKER: u32 = 12;

fn seconds() -> u64 {
    std::env::var("TAPID_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

async fn recorded(app: &TestApp, action: &str) -> u64 {
    let filter = AuditFilter {
        action: Some(action.into()),
        limit: 10_000_000,
        ..AuditFilter::default()
    };
    tapid::db::audit::list(app.db.pool(), &filter)
        .await
        .unwrap()
        .len() as u64
}

async fn soak(two_instances: bool) {
    let a = Arc::new(spawn_app().await);
    let b = if two_instances {
        Arc::new(a.second_instance().await)
    } else {
        a.clone()
    };
    let web = a.web_client("rp").await;
    let service = a.service_client("svc", "openid").await;
    let passes_before = recorded(&a, "tap.issued").await;
    let deadline = Instant::now() + Duration::from_secs(seconds());
    let counts = Arc::new(Counts::default());
    let mut workers = Vec::new();

    // Service grants, one stream per instance.
    for instance in [a.clone(), b.clone()] {
        let (service, counts) = (service.clone(), counts.clone());
        workers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                instance.client_credentials_token(&service).await;
                counts.grants.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // People: sign in on one instance, redeem on the other, refresh on the first.
    for worker in 0..2 {
        let (a, b, web, counts) = (a.clone(), b.clone(), web.clone(), counts.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < deadline && n < SIGN_INS_PER_WORKER {
                n += 1;
                let name = format!("person-{worker}-{n}");
                let secret = a.arrange_user_with_totp(&name).await;
                let (first, second) = if n % 2 == 0 { (&a, &b) } else { (&b, &a) };
                let browser = first.new_browser();
                let authorized = browser.authorize_with_totp(&web, &name, &secret, &[]).await;
                let redeemed = second
                    .redeem(&web, &authorized.code, Some(&authorized.verifier))
                    .await;
                assert_eq!(redeemed.status(), 200);
                counts.grants.fetch_add(1, Ordering::SeqCst);
                let tokens: Value = redeemed.json().await.unwrap();
                let refresh = tokens["refresh_token"].as_str().unwrap();
                let refreshed = first.refresh(&web, refresh, None).await;
                assert_eq!(refreshed.status(), 200);
                counts.grants.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // Passes: issue one-time passes and race two sign-ins for each, one per instance.
    {
        let (a, b, counts) = (a.clone(), b.clone(), counts.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < deadline && n < SIGN_INS_PER_WORKER {
                n += 1;
                let name = format!("newcomer-{n}");
                let passcode = a.arrange_pass(&name, true).await;
                counts.passes.fetch_add(1, Ordering::SeqCst);
                let (on_a, on_b) = (a.new_browser(), b.new_browser());
                let (first, second) = tokio::join!(
                    on_a.submit_tap_from("/login", &name, &passcode),
                    on_b.submit_tap_from("/login", &name, &passcode),
                );
                let admitted = [first, second]
                    .iter()
                    .filter(|r| {
                        r.headers()
                            .get("location")
                            .and_then(|l| l.to_str().ok())
                            .is_some_and(|l| l.starts_with("/security-info/setup"))
                    })
                    .count() as u64;
                assert_eq!(admitted, 1, "a one-time pass admits exactly one sign-in");
                counts.pass_sign_ins.fetch_add(admitted, Ordering::SeqCst);
            }
        }));
    }
    for worker in workers {
        worker.await.expect("a soak worker failed");
    }

    let grants = counts.grants.load(Ordering::SeqCst);
    eprintln!(
        "soak ({} instance(s), {}s): {grants} grants, {} passes",
        if two_instances { 2 } else { 1 },
        seconds(),
        counts.passes.load(Ordering::SeqCst)
    );
    assert!(grants > 0);
    assert_eq!(
        recorded(&a, "token.issued").await,
        grants,
        "every successful grant is recorded once"
    );
    assert_eq!(
        recorded(&a, "tap.used").await,
        counts.pass_sign_ins.load(Ordering::SeqCst),
        "every pass sign-in is recorded, none twice"
    );
    assert_eq!(
        recorded(&a, "tap.issued").await - passes_before,
        counts.passes.load(Ordering::SeqCst)
    );
    assert!(matches!(
        audit::verify(&a.db).await.unwrap(),
        Verdict::Intact { .. }
    ));
}

#[tokio::test]
async fn soak_against_one_instance_adds_up_and_the_chain_verifies() {
    soak(false).await;
}

#[tokio::test]
async fn soak_against_two_instances_adds_up_and_the_chain_verifies() {
    soak(true).await;
}
