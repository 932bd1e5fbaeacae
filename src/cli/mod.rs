//! The command line: clap definitions, each subcommand a thin call into the library.

mod args;
mod audit;
mod audit_tail;
mod client;
mod group;
mod keys;
mod method;
mod ops;
mod output;
mod smtp;
mod tap;
mod tap_bulk;
mod user;
mod webhook;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Db;
use crate::secrets::Sealer;

pub use args::parse_duration;

#[derive(Debug, Parser)]
#[command(
    name = "tapid",
    version,
    about = "An OpenID Connect identity provider with Temporary Access Passes"
)]
pub struct Cli {
    /// Configuration file (TOML).
    #[arg(long, env = "TAPID_CONFIG", global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve HTTP (the default).
    Serve(ops::ServeArgs),
    /// Copy the database to a new file while tapid runs (SQLite; for PostgreSQL use pg_dump).
    Backup(ops::BackupArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Manage groups and memberships.
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// List or remove a user's passkeys and authenticator apps.
    #[command(subcommand)]
    Method(method::MethodCommand),
    /// Read and verify the audit trail.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Manage OpenID Connect clients (relying parties).
    #[command(subcommand)]
    Client(Box<client::ClientCommand>),
    /// Manage token signing keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Issue, show and revoke Temporary Access Passes; show and change their policy.
    #[command(subcommand)]
    Tap(tap::TapCommand),
    /// Seal the SMTP password for `smtp.password`.
    #[command(subcommand)]
    Smtp(smtp::SmtpCommand),
    /// Register, list and remove webhook endpoints (the security team's event stream).
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
}

/// What a command needs: the configuration, the database and how to print.
pub struct Context {
    pub config: Config,
    pub db: Db,
    pub sealer: Sealer,
    pub json: bool,
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: print them whole.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line, like every other failure; `tapid help` has the rest.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!("{}", first.trim());
            return ExitCode::from(2);
        }
    };
    if !matches!(cli.command, None | Some(Command::Serve(_))) {
        end_quietly_on_a_closed_pipe();
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// Rust ignores SIGPIPE, so printing to a pipe whose reader has gone (`tapid user list | head`) is an
/// error, and `println!` panics on it with a backtrace. An administrative command ends quietly
/// instead, as `ls` and `grep` do: the default disposition ends the process at the first write to the
/// closed pipe. `serve` keeps ignoring it (its sockets report their own errors).
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores a signal's default disposition; it runs before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {}", message.lines().next().unwrap_or(message));
    ExitCode::FAILURE
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let (config, unknown_env) = Config::load_reporting(cli.config.as_deref())?;
    let command = cli
        .command
        .unwrap_or(Command::Serve(ops::ServeArgs::default()));
    match command {
        Command::Serve(args) if args.check_config => {
            return ops::check_config(&config, &unknown_env, cli.json);
        }
        Command::Serve(_) => {
            let logging = crate::server::init_logging(&config)?;
            if !unknown_env.is_empty() {
                tracing::warn!(
                    names = unknown_env.join(", "),
                    "ignoring environment variables that are not tapid settings"
                );
            }
            let mut logging = logging;
            let served = crate::server::serve(config, &logging).await;
            if let Some(traces) = logging.traces.take() {
                let _ = tokio::task::spawn_blocking(move || traces.shutdown()).await;
            }
            if logging.dropped() > 0 {
                eprintln!(
                    "tapid: {} log lines were dropped while standard output's reader was behind",
                    logging.dropped()
                );
            }
            return served;
        }
        Command::Backup(args) => return ops::backup(&config, args, cli.json).await,
        _ => ops::warn_unknown_env(&unknown_env),
    }
    let db = Db::open(config.database_url.expose()).await?;
    let sealer = Sealer::from_config(&config)?;
    sealer.check_against(&db).await?;
    let ctx = Context {
        config,
        db,
        sealer,
        json: cli.json,
    };
    let result = match command {
        Command::Serve(_) | Command::Backup(_) => unreachable!("handled above"),
        Command::Migrate => {
            output::done(&ctx, "migrations applied");
            Ok(())
        }
        Command::User(c) => user::run(&ctx, c).await,
        Command::Group(c) => group::run(&ctx, c).await,
        Command::Audit(c) => audit::run(&ctx, c).await,
        Command::Method(c) => method::run(&ctx, c).await,
        Command::Client(c) => client::run(&ctx, *c).await,
        Command::Keys(c) => keys::run(&ctx, c).await,
        Command::Tap(c) => tap::run(&ctx, c).await,
        Command::Webhook(c) => webhook::run(&ctx, c).await,
        Command::Smtp(c) => smtp::run(&ctx, c),
    };
    ctx.db.close().await;
    result
}
