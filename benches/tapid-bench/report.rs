//! The results: a table for the terminal, the targets next to the numbers, and JSON.

use serde_json::{Value, json};
use tapid::oidc::keys::SigningAlg;

use crate::load::Measured;
use crate::signing::{fraction_of_limit, limit_per_core};

/// Fewer operations than this say nothing about a rate per core.
const MIN_OPS_FOR_RATIO: u64 = 100;

/// One scenario's result, or why it did not run.
pub struct Outcome {
    pub name: &'static str,
    /// What one operation is.
    pub unit: &'static str,
    pub result: Result<Measured, String>,
    /// The tokens each operation signs (for the comparison with the signing limit).
    pub tokens: Vec<SigningAlg>,
    /// The signing rates measured right after this scenario, under the same conditions on the machine;
    /// the run's first measurement when absent.
    pub measured_rates: Option<Rates>,
}

/// Signatures per second on one core, per algorithm.
#[derive(Clone, Default)]
pub struct Rates(pub Vec<(SigningAlg, f64)>);

impl Rates {
    pub fn of(&self, alg: SigningAlg) -> f64 {
        self.0
            .iter()
            .find(|(a, _)| *a == alg)
            .map(|(_, r)| *r)
            .unwrap_or(f64::NAN)
    }
}

impl Outcome {
    fn limit(&self, rates: &Rates) -> Option<f64> {
        let rates = self.measured_rates.as_ref().unwrap_or(rates);
        (!self.tokens.is_empty()).then(|| limit_per_core(&self.tokens, |a| rates.of(a)))
    }

    fn fraction(&self, rates: &Rates) -> Option<f64> {
        let m = self
            .result
            .as_ref()
            .ok()
            .filter(|m| m.ops >= MIN_OPS_FOR_RATIO)?;
        Some(fraction_of_limit(
            m.throughput(),
            m.cores_used(),
            self.limit(rates)?,
        ))
    }
}

fn mb(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.1}", k as f64 / 1024.0))
        .unwrap_or_else(|| "?".into())
}

fn tokens_label(tokens: &[SigningAlg]) -> String {
    tokens
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join("+")
}

pub fn table(outcomes: &[Outcome], rates: &Rates) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<13} {:>4} {:>10} {:>8} {:>8} {:>9} {:>6} {:>6} {:>6} {:>6} {:>8} {:>7}\n",
        "scenario",
        "conc",
        "ops/s",
        "p50 ms",
        "p99 ms",
        "CPU s/1k",
        "tapid",
        "gen",
        "db",
        "other",
        "peak MB",
        "errors"
    ));
    for o in outcomes {
        let m = match &o.result {
            Ok(m) => m,
            Err(why) => {
                out.push_str(&format!("{:<13} skipped: {why}\n", o.name));
                continue;
            }
        };
        let (p50, p99, cpu) = if m.ops == 0 {
            ("-".to_string(), "-".to_string(), "-".to_string())
        } else {
            (
                format!("{:.2}", m.percentile_ms(50.0)),
                format!("{:.2}", m.percentile_ms(99.0)),
                format!("{:.3}", m.cpu_per_1k()),
            )
        };
        out.push_str(&format!(
            "{:<13} {:>4} {:>10.1} {:>8} {:>8} {:>9} {:>6.2} {:>6.2} {:>6} {:>6.2} {:>8} {:>7}\n",
            o.name,
            m.concurrency,
            m.throughput(),
            p50,
            p99,
            cpu,
            m.cores_used(),
            m.bench_cpu_s / m.wall_s,
            m.db_cpu_s
                .map(|d| format!("{:.2}", d / m.wall_s))
                .unwrap_or_else(|| "-".into()),
            m.others_cpu_s / m.wall_s,
            mb(m.peak_rss_kb),
            m.error_count(),
        ));
    }
    let mut notes = String::new();
    for o in outcomes {
        if let Ok(m) = &o.result {
            for (error, n) in &m.errors {
                notes.push_str(&format!("  {}: {n} × {error}\n", o.name));
            }
            if let Some(note) = &m.note {
                notes.push_str(&format!("  {}: {note}\n", o.name));
            }
        }
    }
    if !notes.is_empty() {
        out.push_str("errors and notes:\n");
        out.push_str(&notes);
    }
    let signed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| {
            o.result.as_ref().is_ok_and(|m| m.ops >= MIN_OPS_FOR_RATIO) && !o.tokens.is_empty()
        })
        .collect();
    if !signed.is_empty() {
        out.push_str(&format!(
            "\n{:<13} {:>13} {:>14} {:>16} {:>9}\n",
            "vs signing", "signs per op", "limit/core", "ops/s per core", "fraction"
        ));
        for o in signed {
            let m = o.result.as_ref().expect("ok");
            out.push_str(&format!(
                "{:<13} {:>13} {:>14.0} {:>16.1} {:>8.1}%\n",
                o.name,
                tokens_label(&o.tokens),
                o.limit(rates).unwrap_or(f64::NAN),
                m.throughput() / m.cores_used(),
                o.fraction(rates).unwrap_or(f64::NAN) * 100.0,
            ));
        }
    }
    out
}

/// A target of the performance issues (8, then 16) and how the run compares.
pub struct Target {
    pub what: String,
    pub goal: String,
    pub measured: Option<String>,
    pub met: Option<bool>,
    pub gap: String,
}

fn at_least(what: &str, goal: f64, unit: &str, measured: Option<f64>) -> Target {
    let fmt = |v: f64| {
        if unit == "%" {
            format!("{:.1}%", v * 100.0)
        } else {
            format!("{v:.0} {unit}")
        }
    };
    Target {
        what: what.into(),
        goal: format!("≥ {}", fmt(goal)),
        measured: measured.map(fmt),
        met: measured.map(|m| m >= goal),
        gap: match measured {
            Some(m) if m >= goal => "met".into(),
            Some(m) => format!("missed by {:.0}% of the target", (1.0 - m / goal) * 100.0),
            None => "not measured".into(),
        },
    }
}

fn under_mb(what: &str, goal_mb: f64, measured_kb: Option<u64>) -> Target {
    let measured = measured_kb.map(|k| k as f64 / 1024.0);
    Target {
        what: what.into(),
        goal: format!("< {goal_mb:.0} MB"),
        measured: measured.map(|m| format!("{m:.1} MB")),
        met: measured.map(|m| m < goal_mb),
        gap: match measured {
            Some(m) if m < goal_mb => "met".into(),
            Some(m) => format!("over by {:.1} MB", m - goal_mb),
            None => "not measured".into(),
        },
    }
}

pub fn targets(
    outcomes: &[Outcome],
    rates: &Rates,
    idle_rss_kb: Option<u64>,
    sqlite: bool,
    peer: Option<(&str, &[Outcome])>,
) -> Vec<Target> {
    let find = |name: &str| outcomes.iter().find(|o| o.name == name);
    let throughput = |name: &str| {
        find(name)
            .and_then(|o| o.result.as_ref().ok())
            .map(Measured::throughput)
    };
    let mut list = Vec::new();
    if let Some((name, peer)) = peer {
        let mut ratio = at_least(
            &format!("client_credentials RS256 vs {name}, same run"),
            2.0,
            "×",
            peer_ratio(outcomes, peer, "cc-rs256"),
        );
        ratio.goal = "≥ 2.00×".into();
        ratio.measured = peer_ratio(outcomes, peer, "cc-rs256").map(|r| format!("{r:.2}×"));
        list.push(ratio);
    }
    list.extend([
        at_least(
            "client_credentials RS256 vs signing limit per core used",
            0.85,
            "%",
            find("cc-rs256").and_then(|o| o.fraction(rates)),
        ),
        at_least(
            "client_credentials ES256",
            10_000.0,
            "grants/s",
            throughput("cc-es256"),
        ),
        at_least("code redemption", 1_500.0, "codes/s", throughput("code")),
        at_least(
            "refresh rotation",
            1_500.0,
            "rotations/s",
            throughput("refresh"),
        ),
        at_least("discovery", 30_000.0, "requests/s", throughput("discovery")),
        at_least("JWKS", 30_000.0, "requests/s", throughput("jwks")),
    ]);
    if sqlite {
        list.push(at_least(
            "complete TOTP sign-ins (SQLite)",
            500.0,
            "sign-ins/s",
            throughput("totp-signin"),
        ));
    }
    list.push(under_mb("idle RSS", 20.0, idle_rss_kb));
    let peak = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .filter_map(|m| m.peak_rss_kb)
        .max();
    let worst = outcomes
        .iter()
        .filter(|o| {
            o.result
                .as_ref()
                .is_ok_and(|m| m.peak_rss_kb.is_some() && m.peak_rss_kb == peak)
        })
        .map(|o| o.name)
        .next()
        .unwrap_or("-");
    list.push(under_mb(
        &format!("peak RSS (highest: {worst})"),
        80.0,
        peak,
    ));
    list
}

pub fn targets_table(targets: &[Target]) -> String {
    let mut out = format!(
        "{:<58} {:>20} {:>18}  {}\n",
        "target (issue 16)", "goal", "measured", "result"
    );
    for t in targets {
        out.push_str(&format!(
            "{:<58} {:>20} {:>18}  {}\n",
            t.what,
            t.goal,
            t.measured.as_deref().unwrap_or("-"),
            t.gap
        ));
    }
    out
}

pub fn json(outcomes: &[Outcome], rates: &Rates, targets: &[Target]) -> (Value, Value, Value) {
    let scenarios: Vec<Value> = outcomes
        .iter()
        .map(|o| match &o.result {
            Ok(m) => json!({
                "name": o.name,
                "unit": o.unit,
                "status": "ok",
                "concurrency": m.concurrency,
                "window_s": m.wall_s,
                "ops": m.ops,
                "http_requests": m.requests,
                "throughput_per_s": m.throughput(),
                "latency_ms": { "p50": m.percentile_ms(50.0), "p99": m.percentile_ms(99.0) },
                "tapid_cpu_s": m.tapid_cpu_s,
                "cpu_s_per_1000": m.cpu_per_1k(),
                "cores_used": m.cores_used(),
                "load_generator_cpu_s": m.bench_cpu_s,
                "postgres_cpu_s": m.db_cpu_s,
                "other_processes_cpu_s": m.others_cpu_s,
                "late_ok": m.late_ok,
                "peak_rss_kb": m.peak_rss_kb,
                "errors": m.errors,
                "note": m.note,
                "tokens_signed_per_op": o.tokens.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
                "signing_per_cpu_second_after": o.measured_rates.as_ref().map(|r| {
                    r.0.iter()
                        .map(|(a, v)| (a.as_str().to_string(), json!(v)))
                        .collect::<serde_json::Map<String, Value>>()
                }),
                "signing_limit_per_core": o.limit(rates),
                "fraction_of_limit_per_core_used": o.fraction(rates),
            }),
            Err(why) => {
                json!({ "name": o.name, "unit": o.unit, "status": "skipped", "reason": why })
            }
        })
        .collect();
    let signing: serde_json::Map<String, Value> = rates
        .0
        .iter()
        .map(|(a, r)| (a.as_str().to_string(), json!(r)))
        .collect();
    let targets: Vec<Value> = targets
        .iter()
        .map(|t| json!({ "target": t.what, "goal": t.goal, "measured": t.measured, "met": t.met, "result": t.gap }))
        .collect();
    (json!(scenarios), json!(signing), json!(targets))
}

/// tapid and the peer side by side, scenario by scenario, with the ratios (tapid / peer): of the
/// throughput, and of the throughput per core each server used.
pub fn peer_table(
    tapid: &[Outcome],
    peer: &[Outcome],
    peer_label: &str,
    tapid_idle_kb: Option<u64>,
    peer_idle_kb: Option<u64>,
) -> String {
    let mut out = format!(
        "tapid vs {peer_label}, the same load generator, each scenario run on tapid and then on the peer\n"
    );
    out.push_str(&format!(
        "{:<11} {:>10} {:>10} {:>7} {:>6} {:>6} {:>9} {:>9} {:>7} {:>7} {:>7} {:>7} {:>7}\n",
        "scenario",
        "tapid/s",
        "peer/s",
        "ratio",
        "cores",
        "peer",
        "tapid/c",
        "peer/c",
        "ratio/c",
        "p99 ms",
        "peer",
        "MB",
        "peer"
    ));
    for p in peer {
        let Some(t) = tapid.iter().find(|t| t.name == p.name) else {
            continue;
        };
        let (Ok(tm), Ok(pm)) = (&t.result, &p.result) else {
            let why = t.result.as_ref().err().or(p.result.as_ref().err());
            out.push_str(&format!(
                "{:<11} skipped: {}\n",
                p.name,
                why.map(String::as_str).unwrap_or("?")
            ));
            continue;
        };
        let per_core = |m: &Measured| m.throughput() / m.cores_used();
        out.push_str(&format!(
            "{:<11} {:>10.1} {:>10.1} {:>6.2}× {:>6.2} {:>6.2} {:>9.1} {:>9.1} {:>6.2}× {:>7.2} {:>7.2} {:>7} {:>7}\n",
            p.name,
            tm.throughput(),
            pm.throughput(),
            tm.throughput() / pm.throughput(),
            tm.cores_used(),
            pm.cores_used(),
            per_core(tm),
            per_core(pm),
            per_core(tm) / per_core(pm),
            tm.percentile_ms(99.0),
            pm.percentile_ms(99.0),
            mb(tm.peak_rss_kb),
            mb(pm.peak_rss_kb),
        ));
        for (error, n) in &pm.errors {
            out.push_str(&format!("  {} (peer): {n} × {error}\n", p.name));
        }
    }
    out.push_str(&format!(
        "idle RSS: tapid {} MB, peer {} MB · ratio = tapid ÷ peer; /c = per core the server used\n",
        mb(tapid_idle_kb),
        mb(peer_idle_kb)
    ));
    out
}

/// tapid's `client_credentials` RS256 grants per second over the peer's, in the same run.
pub fn peer_ratio(tapid: &[Outcome], peer: &[Outcome], scenario: &str) -> Option<f64> {
    let rate = |list: &[Outcome]| {
        list.iter()
            .find(|o| o.name == scenario)
            .and_then(|o| o.result.as_ref().ok())
            .filter(|m| m.ops >= MIN_OPS_FOR_RATIO)
            .map(Measured::throughput)
    };
    Some(rate(tapid)? / rate(peer)?)
}
