//! tapid as a child process: its configuration in a temp dir, `tapid serve` with its log in a file,
//! `tapid …` admin commands against the same configuration, and what /proc says about it.

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::{Conn, request};

/// The release binary Cargo built for this bench.
pub const BINARY: &str = env!("CARGO_BIN_EXE_tapid");

pub struct Tapid {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    pub addr: SocketAddr,
    /// `localhost:PORT`, the Host every request carries (the issuer's host).
    pub host: String,
    child: Option<Child>,
}

/// The configuration file of the run. `extra` is appended TOML (tables last).
pub fn write_config(dir: &Path, port: u16, database_url: &str, extra: &str) -> PathBuf {
    let path = dir.join("tapid.toml");
    let text = format!(
        "listen = \"127.0.0.1:{port}\"\n\
         issuer = \"http://localhost:{port}\"\n\
         database_url = \"{database_url}\"\n\
         key_file = \"{}\"\n\
         {extra}",
        dir.join("tapid.key").display()
    );
    fs::write(&path, text).expect("write the configuration");
    path
}

/// A port that is free now (the kernel picks it; tapid binds it a moment later).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

impl Tapid {
    /// Starts `tapid serve` and waits until `/readyz` answers 200.
    pub async fn start(dir: &Path, config: &Path, port: u16) -> Result<Self, String> {
        let log = dir.join("tapid.log");
        let out = fs::File::create(&log).map_err(|e| format!("create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(BINARY)
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env_remove("RUST_LOG")
            .env_remove("TAPID_CONFIG")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {BINARY}: {e}"))?;
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let mut tapid = Self {
            dir: dir.to_path_buf(),
            config: config.to_path_buf(),
            log,
            addr,
            host: format!("localhost:{port}"),
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let ready = request("GET", "/readyz", &tapid.host, &[], b"");
        loop {
            if let Some(status) = tapid
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                return Err(format!(
                    "tapid exited ({status}) before it was ready; its log: {}",
                    tapid.log.display()
                ));
            }
            if let Ok(mut conn) = Conn::connect(addr, None).await {
                if conn.send(&ready).await.is_ok_and(|r| r.status == 200) {
                    return Ok(tapid);
                }
            }
            if Instant::now() > deadline {
                tapid.stop();
                return Err("tapid did not become ready within 60 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or_default()
    }

    /// Runs `tapid ARGS… --config FILE --json` and returns its JSON output, or the error line.
    pub fn cli(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let output = Command::new(BINARY)
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .arg("--json")
            .env_remove("TAPID_CONFIG")
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("cannot run tapid: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(stderr.lines().next().unwrap_or("failed").trim().to_string());
        }
        serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("`tapid {}` printed no JSON: {e}", args.join(" ")))
    }

    /// SIGTERM (graceful), then SIGKILL after five seconds.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Tapid {
    fn drop(&mut self) {
        self.stop();
    }
}

/// CPU time (user + system) of a process, in seconds, from `/proc/PID/stat`.
pub fn cpu_seconds(pid: &str, ticks_per_second: f64) -> f64 {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name comes field 3 (state): utime and stime, fields 14 and 15, are at 11 and 12.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => (u + s) / ticks_per_second,
        _ => f64::NAN,
    }
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux in practice).
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// A `/proc/PID/status` field in kB (`VmRSS`, `VmHWM`).
pub fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS.
pub fn reset_peak_rss(pid: u32) -> bool {
    fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}
