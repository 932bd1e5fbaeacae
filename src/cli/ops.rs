//! Commands for operators: checking the configuration and backing up the database.

use std::path::PathBuf;

use clap::Args;

use crate::config::Config;

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Load and check the configuration, print it with secrets redacted, and exit (0 when valid).
    #[arg(long)]
    pub check_config: bool,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write (SQLite only; refused if it exists).
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

/// `tapid serve --check-config`: reaching this means the configuration loaded.
pub fn check_config(config: &Config, unknown_env: &[String], json: bool) -> anyhow::Result<()> {
    if json {
        let report = serde_json::json!({
            "ok": true,
            "config": config.redacted(),
            "ignored_environment": unknown_env,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", config.redacted_toml());
        warn_unknown_env(unknown_env);
        eprintln!("configuration OK");
    }
    Ok(())
}

/// `tapid backup --to FILE`.
pub async fn backup(config: &Config, args: BackupArgs, json: bool) -> anyhow::Result<()> {
    let pages = crate::db::backup::sqlite_to_file(config.database_url.expose(), &args.to).await?;
    let to = args.to.display().to_string();
    if json {
        println!(
            "{}",
            serde_json::json!({ "ok": true, "file": to, "pages": pages })
        );
    } else {
        let key = match &config.key {
            Some(_) => "the key in TAPID_KEY".to_string(),
            None => format!("the key file {}", config.key_file_path().display()),
        };
        println!(
            "backed up {pages} pages to {to}. Keep {key} too, apart from the backup: \
             without it the sealed secrets in the copy cannot be read."
        );
    }
    Ok(())
}

/// Reports environment names that are neither settings nor service links: once, by name, on stderr.
pub fn warn_unknown_env(unknown_env: &[String]) {
    if !unknown_env.is_empty() {
        eprintln!(
            "warning: ignoring environment variables that are not tapid settings: {}",
            unknown_env.join(", ")
        );
    }
}
