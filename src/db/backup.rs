//! An online copy of an SQLite database through SQLite's backup API: a consistent snapshot taken page by
//! page while tapid keeps serving (WAL mode lets readers and the copy proceed beside writers).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use libsqlite3_sys as ffi;
use sqlx::ConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "tapid backup copies SQLite databases; for PostgreSQL use pg_dump \
         (for example: pg_dump --format=custom --file=tapid.dump \"$DATABASE_URL\")"
    )]
    Postgres,
    #[error("database_url must start with sqlite:// or postgres://")]
    UnsupportedScheme,
    #[error("there is no database at {0}")]
    NoDatabase(String),
    #[error("{0} already exists; back up to a new file")]
    Exists(String),
    #[error("cannot open {0}: {1}")]
    Open(String, String),
    #[error("the backup failed: {0}")]
    Sqlite(String),
}

/// Copies the database at `url` to the new file `to`; returns the number of pages copied.
pub async fn sqlite_to_file(url: &str, to: &Path) -> Result<i64, BackupError> {
    let source_path = sqlite_path(url)?;
    if !Path::new(&source_path).exists() {
        return Err(BackupError::NoDatabase(source_path));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.display().to_string()));
    }
    let open_error = |path: &str, e: sqlx::Error| BackupError::Open(path.into(), e.to_string());
    let mut source = SqliteConnectOptions::from_str(&format!("sqlite://{source_path}"))
        .map_err(|e| open_error(&source_path, e))?
        .read_only(true)
        .busy_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|e| open_error(&source_path, e))?;
    let target_name = to.display().to_string();
    let mut target = SqliteConnectOptions::new()
        .filename(to)
        .create_if_missing(true)
        .connect()
        .await
        .map_err(|e| open_error(&target_name, e))?;
    let pages = copy(&mut source, &mut target).await;
    drop(source);
    drop(target);
    if pages.is_err() {
        let _ = std::fs::remove_file(to);
    }
    pages
}

async fn copy(
    source: &mut SqliteConnection,
    target: &mut SqliteConnection,
) -> Result<i64, BackupError> {
    let mut source = source
        .lock_handle()
        .await
        .map_err(|e| BackupError::Sqlite(e.to_string()))?;
    let mut target = target
        .lock_handle()
        .await
        .map_err(|e| BackupError::Sqlite(e.to_string()))?;
    let (src, dst) = (
        source.as_raw_handle().as_ptr(),
        target.as_raw_handle().as_ptr(),
    );
    let main = c"main";
    // SAFETY: both handles are open connections held locked (no other use) for the whole copy; the backup
    // object is finished before they are released.
    unsafe {
        let backup = ffi::sqlite3_backup_init(dst, main.as_ptr(), src, main.as_ptr());
        if backup.is_null() {
            return Err(BackupError::Sqlite(message(dst)));
        }
        let mut rc;
        loop {
            rc = ffi::sqlite3_backup_step(backup, 256);
            match rc {
                ffi::SQLITE_OK => continue,
                // A writer holds the lock for a moment: wait and go on from where the copy stood.
                ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => break,
            }
        }
        let pages = i64::from(ffi::sqlite3_backup_pagecount(backup));
        let finished = ffi::sqlite3_backup_finish(backup);
        if rc != ffi::SQLITE_DONE || finished != ffi::SQLITE_OK {
            return Err(BackupError::Sqlite(message(dst)));
        }
        Ok(pages)
    }
}

/// SQLite's message for the last failure on `db`.
///
/// # Safety
/// `db` must be an open connection.
unsafe fn message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: sqlite3_errmsg returns a NUL-terminated string owned by the connection.
    unsafe { std::ffi::CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}

/// The file an SQLite URL names.
fn sqlite_path(url: &str) -> Result<String, BackupError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(BackupError::Postgres);
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .ok_or(BackupError::UnsupportedScheme)?;
    Ok(rest.split('?').next().unwrap_or_default().to_string())
}
