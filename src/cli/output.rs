//! Printing results as text or JSON.

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Context;

pub fn json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: cannot encode output: {e}"),
    }
}

/// Prints a confirmation: a line of text, or `{"ok": true, "message": …}`.
pub fn done(ctx: &Context, message: &str) {
    if ctx.json {
        json(&serde_json::json!({ "ok": true, "message": message }));
    } else {
        println!("{message}");
    }
}

pub fn time(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

pub fn opt(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}
