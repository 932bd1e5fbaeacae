//! `tapid audit tail [--follow]`: the newest events, then (with `--follow`) each new one as it commits, for
//! a SIEM or a terminal. Events are read in chain order, so none is skipped or repeated.

use std::io::Write;
use std::time::Duration;

use super::Context;
use super::audit::EventView;
use crate::db;
use crate::error::AppError;

/// How often `--follow` looks for new events.
const POLL: Duration = Duration::from_millis(500);

pub async fn run(ctx: &Context, lines: i64, follow: bool) -> anyhow::Result<()> {
    let mut newest = db::audit::list(
        ctx.db.pool(),
        &db::audit::AuditFilter {
            limit: lines.clamp(0, 10_000),
            ..Default::default()
        },
    )
    .await
    .map_err(AppError::from)?;
    newest.reverse();
    let mut after = match newest.last() {
        Some(row) => row.seq,
        None => {
            db::audit::read_head(ctx.db.pool())
                .await
                .map_err(AppError::from)?
                .0
        }
    };
    if lines > 0 && !print(ctx, newest)? {
        return Ok(());
    }
    if !follow {
        return Ok(());
    }
    loop {
        let page = tokio::select! {
            page = db::audit::chain_page(ctx.db.pool(), after, 1000) => page.map_err(AppError::from)?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match page.last() {
            Some(last) => after = last.seq,
            None => {
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {},
                    _ = tokio::signal::ctrl_c() => return Ok(()),
                }
                continue;
            }
        }
        if !print(ctx, page)? {
            return Ok(());
        }
    }
}

/// Prints events, flushing after each; false once the reader has gone (a closed pipe ends the tail).
fn print(ctx: &Context, rows: Vec<db::audit::AuditRow>) -> anyhow::Result<bool> {
    let mut out = std::io::stdout().lock();
    for row in rows {
        let event = EventView::from(row);
        let written = if ctx.json {
            serde_json::to_writer(&mut out, &event)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        } else {
            writeln!(out, "{}", super::audit::line(&event))
        };
        match written.and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}
