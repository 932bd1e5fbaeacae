//! A Python with the packages some tests drive for real: `standardwebhooks` (the reference library of the
//! Standard Webhooks specification) and `prometheus-client` (the Prometheus project's parser). Pinned, in a
//! virtual environment under the build's temporary directory, made once per build directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const PACKAGES: &[&str] = &["standardwebhooks==1.1.0", "prometheus-client==0.26.0"];

/// The virtual environment's interpreter, creating it on first use.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(create).clone()
}

/// A script in `tests/support/`.
pub fn support(script: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script)
}

fn create() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ops-venv");
    let python = venv.join("bin/python");
    let ready = || {
        Command::new(&python)
            .args(["-c", "import standardwebhooks, prometheus_client"])
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
            "python3 -m venv failed: these tests need Python 3 with venv"
        );
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet"])
            .args(PACKAGES)
            .status()
            .is_ok_and(|s| s.success());
        assert!(installed, "pip could not install {PACKAGES:?}");
        assert!(ready(), "the packages do not import after installing");
    }
    python
}
