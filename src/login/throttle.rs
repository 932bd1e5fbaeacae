//! Throttling of credential submissions, kept in the database so that every instance counts the same:
//! a fixed window of submissions per client address and per account, and a short lock after repeated
//! wrong authenticator-app codes. Accounts are keyed by the username as typed (lower case), so a name
//! that does not exist is throttled exactly like one that does.

use crate::db::throttle::ThrottleRow;
use crate::db::{self, Db};
use crate::error::AppError;

/// Submissions per client address per window.
const PER_ADDRESS: i64 = 60;
const ADDRESS_WINDOW: i64 = 60;
/// Submissions per account per window.
const PER_ACCOUNT: i64 = 20;
const ACCOUNT_WINDOW: i64 = 300;
/// Wrong codes before the account's code sign-in locks, and for how long.
pub const CODE_FAILURES: i64 = 5;
const CODE_FAILURE_WINDOW: i64 = 900;
const CODE_LOCK: i64 = 300;

fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_lowercase())
}

fn code_key(username: &str) -> String {
    format!("otp:{}", username.trim().to_lowercase())
}

/// Counts one credential submission; `TooManyRequests` past either limit. Without a username (a
/// discoverable passkey), only the address is counted.
pub async fn admit(db: &Db, address: Option<&str>, username: Option<&str>) -> Result<(), AppError> {
    let now = db::ts(db::now());
    if let Some(address) = address {
        let key = format!("addr:{address}");
        count(db, &key, PER_ADDRESS, ADDRESS_WINDOW, now).await?;
    }
    match username {
        Some(name) => count(db, &account_key(name), PER_ACCOUNT, ACCOUNT_WINDOW, now).await,
        None => Ok(()),
    }
}

async fn count(db: &Db, key: &str, limit: i64, window: i64, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let mut row = db::throttle::find(&mut tx, key)
        .await?
        .unwrap_or_else(|| fresh(key, now));
    if row.window_start + window <= now {
        row.window_start = now;
        row.attempts = 0;
    }
    row.attempts += 1;
    db::throttle::upsert(&mut tx, &row).await?;
    // Now and then, forget counters nobody needs any more.
    if now % 16 == 0 {
        db::throttle::delete_stale(&mut tx, now - CODE_FAILURE_WINDOW.max(window), now).await?;
    }
    tx.commit().await?;
    if row.attempts > limit {
        return Err(AppError::TooManyRequests(
            (row.window_start + window - now).max(1) as u64,
        ));
    }
    Ok(())
}

fn fresh(key: &str, now: i64) -> ThrottleRow {
    ThrottleRow {
        key: key.into(),
        window_start: now,
        attempts: 0,
        locked_until: 0,
    }
}

/// Seconds until code sign-in for this account unlocks, if it is locked.
pub async fn code_locked(db: &Db, username: &str) -> Result<Option<u64>, AppError> {
    let now = db::ts(db::now());
    let mut tx = db.begin().await?;
    let row = db::throttle::find(&mut tx, &code_key(username)).await?;
    tx.commit().await?;
    Ok(row
        .filter(|r| r.locked_until > now)
        .map(|r| (r.locked_until - now) as u64))
}

/// Records a wrong code; true when this failure locked the account's code sign-in.
pub async fn code_failed(db: &Db, username: &str) -> Result<bool, AppError> {
    let now = db::ts(db::now());
    let key = code_key(username);
    let mut tx = db.begin().await?;
    let mut row = db::throttle::find(&mut tx, &key)
        .await?
        .unwrap_or_else(|| fresh(&key, now));
    if row.window_start + CODE_FAILURE_WINDOW <= now {
        row.window_start = now;
        row.attempts = 0;
    }
    row.attempts += 1;
    let locked = row.attempts >= CODE_FAILURES;
    if locked {
        row.locked_until = now + CODE_LOCK;
        row.attempts = 0;
        row.window_start = now;
    }
    db::throttle::upsert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(locked)
}

/// A right code clears the count of wrong ones.
pub async fn code_succeeded(db: &Db, username: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    db::throttle::delete(&mut tx, &code_key(username)).await?;
    tx.commit().await?;
    Ok(())
}
