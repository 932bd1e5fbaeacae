//! The physical limit: how many access tokens one core signs per second with tapid's own keys (loaded
//! from the benchmark's database with its key file), for each algorithm tapid signs with.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Header;
use tapid::AppState;
use tapid::oidc::keys::SigningAlg;
use tapid::oidc::tokens::AccessTokenClaims;

use crate::tapid::{clock_ticks, cpu_seconds};

/// Signs for `time` of this thread's CPU; returns signatures per CPU second of one core. CPU time rather
/// than wall time, so that other work on the machine does not lower the limit tapid is compared with.
pub async fn rate(state: &AppState, alg: SigningAlg, time: Duration) -> Result<f64, String> {
    let key = state
        .oidc
        .keys
        .signing_key(&state.db, &state.sealer, alg)
        .await
        .map_err(|e| format!("cannot load the {alg} key: {e}"))?;
    let mut header = Header::new(alg.jwt());
    header.kid = Some(key.kid.clone());
    header.typ = Some("at+jwt".into());
    let issuer = state.config.issuer.as_str().to_string();
    let ticks = clock_ticks();
    let cpu = || cpu_seconds("thread-self", ticks);
    let (began, cpu0) = (Instant::now(), cpu());
    let mut signed = 0u64;
    // CPU time moves in clock ticks: look at it every 64 signatures, and give up waiting after 10× `time`.
    while signed % 64 != 0 || (cpu() - cpu0 < time.as_secs_f64() && began.elapsed() < time * 10) {
        // The claims of a client_credentials access token, fresh each time as tapid makes them.
        let claims = AccessTokenClaims {
            iss: issuer.clone(),
            sub: "bench-cc".into(),
            aud: issuer.clone(),
            client_id: "bench-cc".into(),
            scope: String::new(),
            jti: uuid::Uuid::new_v4().to_string(),
            iat: 1_800_000_000,
            exp: 1_800_000_600,
            auth_time: None,
            acr: None,
            amr: None,
            sid: None,
        };
        key.sign(&header, &claims)
            .map_err(|e| format!("signing with {alg}: {e}"))?;
        signed += 1;
    }
    Ok(signed as f64 / (cpu() - cpu0))
}

/// The `alg` in a JWT's header.
pub fn jwt_alg(token: &str) -> Option<SigningAlg> {
    let header = token.split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    SigningAlg::parse(value.get("alg")?.as_str()?)
}

/// Operations per second one core could do if signing were all it did: each operation signs every
/// token it returns, so the time per operation is the sum of each signature's time.
pub fn limit_per_core(algs: &[SigningAlg], rate_of: impl Fn(SigningAlg) -> f64) -> f64 {
    let seconds: f64 = algs.iter().map(|a| 1.0 / rate_of(*a)).sum();
    1.0 / seconds
}

/// Throughput as a fraction of that limit, per core tapid used.
pub fn fraction_of_limit(throughput: f64, cores_used: f64, limit_per_core: f64) -> f64 {
    throughput / cores_used / limit_per_core
}

pub fn self_check() {
    let rate = |a| match a {
        SigningAlg::RS256 => 1000.0,
        SigningAlg::ES256 => 4000.0,
        SigningAlg::EdDSA => 2000.0,
    };
    assert_eq!(limit_per_core(&[SigningAlg::RS256], rate), 1000.0);
    assert_eq!(
        limit_per_core(&[SigningAlg::RS256, SigningAlg::RS256], rate),
        500.0
    );
    assert_eq!(
        limit_per_core(&[SigningAlg::ES256, SigningAlg::ES256], rate),
        2000.0
    );
    // 1,700 grants/s on 2 cores against 1,000 per core: 85%.
    assert!((fraction_of_limit(1700.0, 2.0, 1000.0) - 0.85).abs() < 1e-9);
    let token = format!(
        "{}.e30.sig",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"ES256","typ":"at+jwt"}"#)
    );
    assert_eq!(jwt_alg(&token), Some(SigningAlg::ES256));
    assert_eq!(jwt_alg("garbage"), None);
}
