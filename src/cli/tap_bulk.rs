//! `tapid tap issue-bulk --file new-hires.csv [--dry-run]`: a batch of passes from a CSV file (the
//! columns are described in `tap::bulk::csv`), all issued or none.

use std::path::Path;

use super::Context;
use super::output;
use crate::tap::Authority;
use crate::tap::bulk::{self, BulkReport};

pub async fn run(ctx: &Context, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let rows = bulk::csv::parse(&text)?;
    let report = bulk::issue_bulk(&ctx.db, &Authority::Operator, rows, dry_run, None).await?;
    if ctx.json {
        output::json(&report);
    } else {
        print(&report);
    }
    if report.refused > 0 {
        anyhow::bail!(
            "{} of {} rows refused: nothing was issued",
            report.refused,
            report.rows.len()
        );
    }
    Ok(())
}

fn print(report: &BulkReport) {
    for row in &report.rows {
        let when = match (row.start, row.end) {
            (Some(start), Some(end)) => {
                format!("{} to {}", output::time(start), output::time(end))
            }
            _ => String::new(),
        };
        match (&row.error, &row.passcode) {
            (Some(error), _) => {
                println!("line {:>4}  {:<20} refused: {error}", row.row, row.username)
            }
            (None, Some(code)) => println!(
                "line {:>4}  {:<20} {}  {when}{}",
                row.row,
                row.username,
                code.grouped(),
                zone(row.time_zone.as_deref())
            ),
            (None, None) => println!(
                "line {:>4}  {:<20} ok  {when}{}{}",
                row.row,
                row.username,
                zone(row.time_zone.as_deref()),
                if row.replaces {
                    " (replaces a pass)"
                } else {
                    ""
                }
            ),
        }
    }
    if report.applied {
        println!(
            "issued {} passes (batch {}); the passcodes are shown once: hand each over in person",
            report.rows.len(),
            report.batch_id.as_deref().unwrap_or("-")
        );
    } else if report.dry_run && report.refused == 0 {
        println!(
            "preview: {} passes would be issued; nothing was changed",
            report.rows.len()
        );
    }
}

fn zone(zone: Option<&str>) -> String {
    zone.map(|z| format!(" ({z})")).unwrap_or_default()
}
