//! The SMTP server the mail tests send to: PyPI's `aiosmtpd` (pinned), in a virtual environment under
//! the build's temporary directory, running `tests/support/smtp_sink.py`; every message it accepts is
//! a JSON file the test reads back.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

const PACKAGES: &[&str] = &["aiosmtpd==1.4.6"];

fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("mail-venv");
            let python = venv.join("bin/python");
            let ready = || {
                Command::new(&python)
                    .args(["-c", "import aiosmtpd"])
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if !ready() {
                let made = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(
                    made,
                    "python3 -m venv failed: the mail tests need Python 3 with venv"
                );
                let installed = Command::new(venv.join("bin/pip"))
                    .args(["install", "--quiet"])
                    .args(PACKAGES)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(installed, "pip could not install {PACKAGES:?}");
                assert!(ready(), "aiosmtpd does not import after installing");
            }
            python
        })
        .clone()
}

/// A running SMTP server; stops when dropped.
pub struct Sink {
    pub addr: SocketAddr,
    out: tempfile::TempDir,
    _child: tokio::process::Child,
}

/// A certificate authority of the test's own and a server certificate it signed for `localhost`,
/// made with Debian's `openssl`.
pub struct TestCerts {
    dir: tempfile::TempDir,
}

impl TestCerts {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir.path())
                .output()
                .expect("openssl (Debian's package) runs");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let key = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        run(&[
            &["req", "-x509"][..],
            &key,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=tapid test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        ]
        .concat());
        run(&[
            &["req"][..],
            &key,
            &[
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ],
        ]
        .concat());
        std::fs::write(
            dir.path().join("server.ext"),
            "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        run(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ]);
        Self { dir }
    }

    /// The CA certificate (PEM) a client must trust.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
}

/// A free port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sink {
    /// Listens on `port`; with `login`, accepts mail only after AUTH with that user and password.
    pub async fn start(port: u16, login: Option<(&str, &str)>) -> Sink {
        Self::start_with(port, login, None).await
    }

    /// As [`Sink::start`], speaking TLS as `tls` says (`starttls` or `implicit`) with `cert`.
    pub async fn start_tls(port: u16, tls: &str, cert: &TestCerts) -> Sink {
        Self::start_with(port, None, Some((tls, cert))).await
    }

    async fn start_with(
        port: u16,
        login: Option<(&str, &str)>,
        tls: Option<(&str, &TestCerts)>,
    ) -> Sink {
        let out = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_sink.py");
        let mut command = tokio::process::Command::new(python());
        command.arg(script).arg(port.to_string()).arg(out.path());
        if let Some((user, password)) = login {
            command.args([user, password]);
        }
        if let Some((mode, certs)) = tls {
            command
                .env("SINK_TLS", mode)
                .env("SINK_CERT", certs.dir.path().join("server.pem"))
                .env("SINK_KEY", certs.dir.path().join("server.key"));
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), lines.next_line()).await;
        assert!(
            matches!(ready, Ok(Ok(Some(ref line))) if line == "ready"),
            "the SMTP sink did not start: {ready:?}"
        );
        Sink {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            out,
            _child: child,
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<_> = std::fs::read_dir(self.out.path())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }

    /// Waits (up to 30 s) for a message whose subject contains `subject`.
    pub async fn wait_for(&self, subject: &str) -> Value {
        for _ in 0..300 {
            if let Some(found) = self.messages().into_iter().find(|m| {
                m["headers"]["Subject"]
                    .as_str()
                    .is_some_and(|s| s.contains(subject))
            }) {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "no message about {subject:?} arrived: {:?}",
            self.messages()
        );
    }
}

/// The content of a message's part of this type.
pub fn part<'a>(message: &'a Value, content_type: &str) -> &'a str {
    message["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == content_type)
        .and_then(|p| p["content"].as_str())
        .unwrap_or_else(|| panic!("no {content_type} part in {message}"))
}
