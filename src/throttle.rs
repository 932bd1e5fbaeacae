//! Throttling of credential submissions (below the sign-in pages and the protocol, which both use it),
//! kept in the database so that every instance counts the same: a fixed window of submissions per
//! client address and per account and method ([`Budget`]; limits from `throttle.*` in the
//! configuration), and a short lock after repeated wrong authenticator-app codes. Accounts are keyed by the
//! username as typed (lower case), so a name that does not exist is throttled exactly like one that does.

use crate::config::ThrottleLimits;
use crate::db::throttle::ThrottleRow;
use crate::db::{self, Db};
use crate::error::AppError;

/// The window of `throttle.per_address`, seconds.
pub const ADDRESS_WINDOW: i64 = 60;
/// The window of `throttle.per_account`, seconds.
pub const ACCOUNT_WINDOW: i64 = 300;
/// Wrong codes before the account's code sign-in locks, and for how long.
pub const CODE_FAILURES: i64 = 5;
const CODE_FAILURE_WINDOW: i64 = 900;
const CODE_LOCK: i64 = 300;

/// Whose per-account budget a submission spends. Each guessable secret has its own, so junk for one
/// never blocks another; a passkey assertion cannot be guessed and spends none (only the address
/// budget), so no amount of junk for an account throttles its owner's passkey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// A Temporary Access Pass.
    Passcode,
    /// An authenticator-app code.
    Code,
    /// A device's user code typed at `/device` (the device authorization grant), by the signed-in person.
    UserCode,
    Passkey,
}

fn account_key(budget: Budget, username: &str) -> Option<String> {
    let method = match budget {
        Budget::Passcode => "tap",
        Budget::Code => "otp",
        Budget::UserCode => "device",
        Budget::Passkey => return None,
    };
    Some(format!(
        "account:{method}:{}",
        username.trim().to_lowercase()
    ))
}

fn code_key(username: &str) -> String {
    format!("otp:{}", username.trim().to_lowercase())
}

/// Counts one credential submission; `TooManyRequests` past either limit. Without a username (a
/// discoverable passkey), only the address is counted.
pub async fn admit(
    db: &Db,
    limits: &ThrottleLimits,
    address: Option<&str>,
    username: Option<&str>,
    budget: Budget,
) -> Result<(), AppError> {
    let now = db::ts(db::now());
    if let Some(address) = address {
        let key = format!("addr:{address}");
        count(db, &key, limits.per_address.get(), ADDRESS_WINDOW, now).await?;
    }
    match username.and_then(|name| account_key(budget, name)) {
        Some(key) => count(db, &key, limits.per_account.get(), ACCOUNT_WINDOW, now).await,
        None => Ok(()),
    }
}

async fn count(db: &Db, key: &str, limit: u32, window: i64, now: i64) -> Result<(), AppError> {
    let (window_start, attempts) = db::throttle::hit(db.pool(), key, window, now).await?;
    if attempts > i64::from(limit) {
        return Err(AppError::TooManyRequests(
            (window_start + window - now).max(1) as u64,
        ));
    }
    Ok(())
}

/// Where an account's code sign-in stands before a code is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeState {
    /// No wrong code is on record.
    Clear,
    /// Some wrong codes are on record, below the lock.
    Failures,
    /// Locked for this many more seconds.
    Locked(u64),
}

/// Reads the account's wrong-code record (no write: this runs on every code submission).
pub async fn code_state(db: &Db, username: &str) -> Result<CodeState, AppError> {
    let now = db::ts(db::now());
    let row = db::throttle::find(db.pool(), &code_key(username)).await?;
    Ok(match row {
        None => CodeState::Clear,
        Some(r) if r.locked_until > now => CodeState::Locked((r.locked_until - now) as u64),
        Some(_) => CodeState::Failures,
    })
}

/// Records a wrong code; true when this failure locked the account's code sign-in.
pub async fn code_failed(db: &Db, username: &str) -> Result<bool, AppError> {
    let now = db::ts(db::now());
    let key = code_key(username);
    let mut tx = db.begin().await?;
    let mut row = db::throttle::find(&mut *tx, &key)
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

fn fresh(key: &str, now: i64) -> ThrottleRow {
    ThrottleRow {
        key: key.into(),
        window_start: now,
        attempts: 0,
        locked_until: 0,
    }
}

/// A right code clears the count of wrong ones (`before` is what [`code_state`] saw).
pub async fn code_succeeded(db: &Db, username: &str, before: CodeState) -> Result<(), AppError> {
    if before != CodeState::Clear {
        db::throttle::delete(db.pool(), &code_key(username)).await?;
    }
    Ok(())
}

/// Forgets counters whose window and lock are both over (run now and then by the maintenance task).
pub async fn purge(db: &Db) -> Result<u64, AppError> {
    let now = db::ts(db::now());
    let longest = CODE_FAILURE_WINDOW.max(ACCOUNT_WINDOW).max(ADDRESS_WINDOW);
    Ok(db::throttle::delete_stale(db.pool(), now - longest, now).await?)
}
