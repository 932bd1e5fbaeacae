//! `tapid audit …`

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;

use super::Context;
use super::args::parse_time_or_ago;
use super::output;
use crate::audit::{self, ChainCheck, Verdict};
use crate::db::{self, audit::AuditFilter, audit::AuditRow};
use crate::directory;
use crate::error::AppError;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List events, newest first.
    List {
        /// Events by or about this user.
        #[arg(long)]
        user: Option<String>,
        /// An action (`tap.issued`), or a family ending with a dot (`tap.`).
        #[arg(long)]
        action: Option<String>,
        /// Events at or after this time: RFC 3339, or a duration such as 2h.
        #[arg(long, value_parser = parse_time_or_ago)]
        since: Option<time::OffsetDateTime>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Print the newest events and, with --follow, each new one as it is recorded (JSON Lines with --json).
    Tail {
        /// How many of the newest events to print first.
        #[arg(long, short = 'n', default_value_t = 10)]
        lines: i64,
        /// Keep running and print events as they are recorded.
        #[arg(long, short = 'f')]
        follow: bool,
    },
    /// Walk the hash chain and report the first broken event.
    Verify {
        /// Check an export (JSON Lines) instead of the database.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write every event, in chain order, as JSON Lines that `verify --file` can check offline.
    Export {
        /// Write here instead of standard output.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

/// An event as scripts see it.
#[derive(Serialize)]
pub struct EventView {
    pub seq: i64,
    pub id: String,
    pub at: String,
    pub actor: ActorView,
    pub action: String,
    pub target: Option<TargetView>,
    pub outcome: String,
    pub severity: String,
    pub address: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Serialize)]
pub struct ActorView {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

#[derive(Serialize)]
pub struct TargetView {
    pub kind: String,
    pub id: Option<String>,
    pub name: Option<String>,
}

impl From<AuditRow> for EventView {
    fn from(row: AuditRow) -> Self {
        Self {
            seq: row.seq,
            id: row.id,
            at: output::time(db::from_ts(row.at)),
            actor: ActorView {
                kind: row.actor_kind,
                id: row.actor_id,
                name: row.actor_name,
            },
            action: row.action,
            target: row.target_kind.map(|kind| TargetView {
                kind,
                id: row.target_id,
                name: row.target_name,
            }),
            outcome: row.outcome,
            severity: row.severity,
            address: row.address,
            details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

pub async fn run(ctx: &Context, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::List {
            user,
            action,
            since,
            limit,
        } => {
            let user_id = match user {
                Some(name) => Some(directory::users::get_by_username(&ctx.db, &name).await?.id),
                None => None,
            };
            let filter = AuditFilter {
                user_id,
                action,
                since: since.map(db::ts),
                limit: limit.clamp(1, 10_000),
                ..AuditFilter::default()
            };
            let rows = db::audit::list(ctx.db.pool(), &filter)
                .await
                .map_err(AppError::from)?;
            let events: Vec<EventView> = rows.into_iter().map(EventView::from).collect();
            if ctx.json {
                output::json(&events);
            } else if events.is_empty() {
                println!("no events");
            } else {
                for e in events {
                    println!("{}", line(&e));
                }
            }
        }
        AuditCommand::Tail { lines, follow } => super::audit_tail::run(ctx, lines, follow).await?,
        AuditCommand::Verify { file } => {
            let verdict = match file {
                Some(path) => verify_file(&path)?,
                None => audit::verify(&ctx.db).await.map_err(AppError::from)?,
            };
            report(ctx, verdict)?;
        }
        AuditCommand::Export { file } => {
            let count = match file {
                Some(path) => {
                    let out = std::fs::File::create(&path)
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    export(ctx, BufWriter::new(out)).await?
                }
                None => export(ctx, BufWriter::new(std::io::stdout().lock())).await?,
            };
            eprintln!("exported {count} events");
        }
    }
    Ok(())
}

/// One event as a line of text.
pub fn line(e: &EventView) -> String {
    format!(
        "{:>6}  {}  {:<22} {:<7} by {}{}  on {}  {}",
        e.seq,
        e.at,
        e.action,
        e.outcome,
        e.actor.kind,
        e.actor
            .name
            .as_ref()
            .map(|n| format!(":{n}"))
            .unwrap_or_default(),
        e.target
            .as_ref()
            .and_then(|t| t.name.as_ref().map(|n| format!("{}:{n}", t.kind)))
            .unwrap_or_else(|| "-".into()),
        e.details
    )
}

fn report(ctx: &Context, verdict: Verdict) -> anyhow::Result<()> {
    match verdict {
        Verdict::Intact { events } => {
            output::done(ctx, &format!("all {events} events verify"));
            Ok(())
        }
        Verdict::Broken { seq, problem } => {
            if ctx.json {
                output::json(&serde_json::json!({ "ok": false, "seq": seq, "problem": problem }));
            }
            anyhow::bail!("audit chain broken at event {seq}: {problem}");
        }
    }
}

/// Streams the chain a page at a time, so memory stays flat however long the trail.
async fn export(ctx: &Context, mut out: impl Write) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut count = 0;
    loop {
        let page = db::audit::chain_page(ctx.db.pool(), after, 1000)
            .await
            .map_err(AppError::from)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            serde_json::to_writer(&mut out, row)?;
            out.write_all(b"\n")?;
            count += 1;
        }
    }
    out.flush()?;
    Ok(count)
}

fn verify_file(path: &Path) -> anyhow::Result<Verdict> {
    let file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut check = ChainCheck::default();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let row: AuditRow = serde_json::from_str(&line).map_err(|e| {
            anyhow::anyhow!(
                "{} line {}: not an audit event ({e})",
                path.display(),
                number + 1
            )
        })?;
        if !check.push(&row) {
            break;
        }
    }
    Ok(check.finish(None))
}
