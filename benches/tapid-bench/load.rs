//! The load driver: N workers, each doing one operation after another on its own connection, a warm-up
//! that is not counted, then a measured window; and what tapid's process spent meanwhile.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::tapid::{cpu_seconds, reset_peak_rss, status_kb};

/// One worker of a scenario. `op` does one operation (a request, a grant, a whole sign-in) and returns
/// how many HTTP requests it made, or a short error (the same text for the same kind of failure, so
/// that they add up).
pub trait Worker {
    fn op(&mut self) -> impl Future<Output = Result<u32, String>>;
}

#[derive(Clone, Copy)]
pub struct Window {
    pub warmup: Duration,
    pub duration: Duration,
}

/// Whose CPU and memory to watch.
#[derive(Clone, Copy)]
pub struct Watch {
    pub pid: u32,
    pub ticks: f64,
    /// Also count the CPU of the local PostgreSQL server's processes.
    pub postgres: bool,
}

/// What one scenario measured.
#[derive(Debug, Default)]
pub struct Measured {
    pub concurrency: usize,
    /// Operations that completed successfully inside the window.
    pub ops: u64,
    pub requests: u64,
    /// Latencies of those operations, microseconds, sorted.
    pub latencies_us: Vec<u64>,
    pub errors: BTreeMap<String, u64>,
    pub wall_s: f64,
    pub tapid_cpu_s: f64,
    pub bench_cpu_s: f64,
    /// CPU the rest of the machine used meanwhile (other processes: a noisy neighbour shows here).
    pub others_cpu_s: f64,
    /// CPU of the local PostgreSQL server (its processes), when the run uses PostgreSQL.
    pub db_cpu_s: Option<f64>,
    /// Operations that began in the window and succeeded only after it (not in `ops`).
    pub late_ok: u64,
    pub peak_rss_kb: Option<u64>,
    /// The window ended early (e.g. a pool of prepared codes ran out).
    pub note: Option<String>,
}

impl Measured {
    pub fn throughput(&self) -> f64 {
        self.ops as f64 / self.wall_s
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn cpu_per_1k(&self) -> f64 {
        self.tapid_cpu_s / self.ops as f64 * 1000.0
    }

    pub fn cores_used(&self) -> f64 {
        self.tapid_cpu_s / self.wall_s
    }

    pub fn percentile_ms(&self, p: f64) -> f64 {
        percentile(&self.latencies_us, p) as f64 / 1000.0
    }
}

/// The `p`-th percentile (0–100) of sorted values, nearest-rank; 0 for none.
pub fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Clock {
    start: Instant,
    end: Instant,
}

#[derive(Default)]
struct Tally {
    ops: u64,
    requests: u64,
    latencies_us: Vec<u64>,
    errors: BTreeMap<String, u64>,
    /// Operations that began in the window and succeeded only after it (not counted in `ops`).
    late_ok: u64,
    /// Why and when the worker stopped before the end, if it did.
    stopped: Option<(String, Instant)>,
}

/// An error a worker cannot go on after (its pool is empty): it stops, and the scenario says why.
pub const EXHAUSTED: &str = "exhausted: ";

/// CPU seconds so far: tapid's, the load generator's, and the whole machine's busy time.
#[derive(Clone, Copy)]
struct Sample {
    at: Instant,
    tapid: f64,
    own: f64,
    machine: f64,
    db: f64,
}

fn sample(pid: &str, watch: Watch) -> Sample {
    Sample {
        at: Instant::now(),
        tapid: cpu_seconds(pid, watch.ticks),
        own: cpu_seconds("self", watch.ticks),
        machine: machine_busy_seconds(watch.ticks),
        db: if watch.postgres {
            postgres_cpu_seconds(watch.ticks)
        } else {
            0.0
        },
    }
}

/// CPU time of every process named `postgres` (the server and its backends). A backend that exits
/// during the window takes its time with it, so this can only undercount.
fn postgres_cpu_seconds(ticks: f64) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return f64::NAN;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| stat.contains(" (postgres) "))
        .map(|stat| {
            let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let tick = |i: usize| {
                fields
                    .get(i)
                    .and_then(|v| v.parse::<f64>().ok())
                    .unwrap_or(0.0)
            };
            (tick(11) + tick(12)) / ticks
        })
        .sum()
}

/// Busy CPU time of the whole machine (all but idle and iowait), from the first line of `/proc/stat`.
fn machine_busy_seconds(ticks: f64) -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else {
        return f64::NAN;
    };
    let fields: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let busy: f64 = fields.iter().take(8).sum::<f64>()
        - fields.get(3).unwrap_or(&0.0)
        - fields.get(4).unwrap_or(&0.0);
    busy / ticks
}

/// Runs the workers (on the current thread's `LocalSet`) for the warm-up and the window.
pub async fn drive<W: Worker + 'static>(workers: Vec<W>, window: Window, watch: Watch) -> Measured {
    let concurrency = workers.len();
    let began = Instant::now();
    let clock = Rc::new(Clock {
        start: began + window.warmup,
        end: began + window.warmup + window.duration,
    });
    reset_peak_rss(watch.pid);
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|worker| tokio::task::spawn_local(run(worker, clock.clone())))
        .collect();

    // CPU every 100 ms, so that a window cut short (a pool ran out) is measured over what it lasted.
    let pid = watch.pid.to_string();
    tokio::time::sleep_until(clock.start.into()).await;
    let mut samples = vec![sample(&pid, watch)];
    while Instant::now() < clock.end {
        let next = (Instant::now() + Duration::from_millis(100)).min(clock.end);
        tokio::time::sleep_until(next.into()).await;
        samples.push(sample(&pid, watch));
    }
    let peak_rss_kb = status_kb(watch.pid, "VmHWM");

    let mut measured = Measured {
        concurrency,
        peak_rss_kb,
        ..Measured::default()
    };
    let mut stopped_at: Option<Instant> = None;
    for task in tasks {
        let tally = task.await.expect("worker task");
        measured.ops += tally.ops;
        measured.requests += tally.requests;
        measured.late_ok += tally.late_ok;
        measured.latencies_us.extend(tally.latencies_us);
        for (error, n) in tally.errors {
            *measured.errors.entry(error).or_default() += n;
        }
        if let Some((why, at)) = tally.stopped {
            measured.note.get_or_insert(why);
            stopped_at = Some(stopped_at.map_or(at, |s| s.max(at)));
        }
    }
    let first = samples[0];
    let mut last = *samples.last().expect("samples");
    // A pool that ran out inside the window: the rates are over the time it lasted.
    if let Some(at) = stopped_at.filter(|at| *at < last.at) {
        last = *samples.iter().find(|s| s.at >= at).unwrap_or(&last);
        let lasted = format!(
            " (ran out {:.1} s into the window)",
            (last.at - first.at).as_secs_f64()
        );
        if let Some(note) = measured.note.as_mut() {
            note.push_str(&lasted);
        }
    }
    measured.wall_s = (last.at - first.at).as_secs_f64();
    measured.tapid_cpu_s = last.tapid - first.tapid;
    measured.bench_cpu_s = last.own - first.own;
    // Backends that exit take their CPU time with them: never below zero.
    let db = watch.postgres.then_some((last.db - first.db).max(0.0));
    measured.db_cpu_s = db;
    measured.others_cpu_s = (last.machine - first.machine)
        - measured.tapid_cpu_s
        - measured.bench_cpu_s
        - db.unwrap_or(0.0);
    if measured.ops == 0 && measured.late_ok > 0 {
        let late = format!(
            "{} operations in flight at the end succeeded after the window",
            measured.late_ok
        );
        measured.note = Some(match measured.note.take() {
            Some(note) => format!("{note}; {late}"),
            None => late,
        });
    }
    measured.latencies_us.sort_unstable();
    measured
}

async fn run<W: Worker>(mut worker: W, clock: Rc<Clock>) -> Tally {
    let mut tally = Tally::default();
    loop {
        let began = Instant::now();
        if began >= clock.end {
            break;
        }
        let result = worker.op().await;
        let done = Instant::now();
        let counted = done >= clock.start && done < clock.end;
        match result {
            Err(e) if e.starts_with(EXHAUSTED) => {
                tally.stopped = Some((e.trim_start_matches(EXHAUSTED).to_string(), done));
                break;
            }
            Ok(requests) if counted => {
                tally.ops += 1;
                tally.requests += u64::from(requests);
                tally
                    .latencies_us
                    .push((done - began).as_micros().min(u128::from(u64::MAX)) as u64);
            }
            Err(e) if counted => *tally.errors.entry(e).or_default() += 1,
            // Still running when the window closed: not in the rate, but never hidden.
            Ok(_) if done >= clock.end => tally.late_ok += 1,
            Err(e) if done >= clock.end => {
                *tally
                    .errors
                    .entry(format!("{e} (finished after the window)"))
                    .or_default() += 1
            }
            _ => {}
        }
    }
    tally
}

pub fn self_check() {
    let values: Vec<u64> = (1..=100).collect();
    assert_eq!(percentile(&values, 50.0), 50);
    assert_eq!(percentile(&values, 99.0), 99);
    assert_eq!(percentile(&values, 100.0), 100);
    assert_eq!(percentile(&values, 0.0), 1);
    assert_eq!(percentile(&[7], 99.0), 7);
    assert_eq!(percentile(&[], 50.0), 0);
    assert_eq!(percentile(&[1, 2, 3], 50.0), 2);
}
