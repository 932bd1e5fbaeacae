//! The only place that knows SQL. Both backends are reached through sqlx's `Any` driver with portable SQL;
//! the few dialect differences (connection setup, migrations, locking) are confined to this module.
//!
//! Times are stored as Unix seconds (`BIGINT`) and identifiers as text, so one statement serves both backends.

pub mod audit;
pub mod backup;
pub mod clients;
pub mod codes;
pub mod devices;
pub mod groups;
pub mod jtis;
pub mod keys;
pub mod logout;
pub mod mail;
pub mod methods;
pub mod metrics;
pub mod passes;
pub mod profiles;
pub mod pushed;
pub mod reveal;
pub mod sessions;
pub mod settings;
pub mod start_passes;
pub mod tap_policy;
pub mod throttle;
pub mod tokens;
pub mod user_list;
pub mod users;
pub mod webhooks;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyConnection, AnyPool, Executor};
use time::OffsetDateTime;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// A writing transaction. It holds this instance's write turn (so writers wait for each other here, without
/// holding a connection, instead of inside the database) and the audit chain's lock, until it commits or
/// is dropped (which rolls it back).
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    _turn: OwnedMutexGuard<()>,
    /// Told of the commit (see [`Db::observe_commits`]).
    observers: Vec<CommitObserver>,
    /// Events appended in this transaction, kept only for an observer.
    events: Vec<audit::AuditRow>,
    waited: Duration,
    appending: Duration,
}

impl Tx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await?;
        let committed = Committed {
            events: &self.events,
            waited: self.waited,
            appending: self.appending,
        };
        for observer in &self.observers {
            observer(&committed);
        }
        Ok(())
    }

    /// Counts time spent appending to the audit chain (reported on commit).
    pub fn add_append_time(&mut self, spent: Duration) {
        self.appending += spent;
    }
}

/// What a committed writing transaction did, for whoever observes commits (metrics, webhook delivery).
pub struct Committed<'a> {
    /// The audit events it appended, in chain order.
    pub events: &'a [audit::AuditRow],
    /// How long it waited for this instance's write turn, a connection and the chain lock.
    pub waited: Duration,
    /// How long appending its events took.
    pub appending: Duration,
}

/// Called after each commit of a writing transaction; must be quick (no I/O).
pub type CommitObserver = Arc<dyn Fn(&Committed<'_>) + Send + Sync>;

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// Rows one multi-row `INSERT` carries at most.
const ROWS_PER_INSERT: usize = 64;

/// How `n` rows are split into multi-row `INSERT`s: as many of [`ROWS_PER_INSERT`] as fit, then powers of
/// two, so that a table's inserts take only a handful of statement shapes (each one prepared and cached
/// once per connection) whatever the batch size.
pub(crate) fn insert_chunks(n: usize) -> Vec<usize> {
    let mut chunks = vec![ROWS_PER_INSERT; n / ROWS_PER_INSERT];
    let rest = n % ROWS_PER_INSERT;
    let mut size = ROWS_PER_INSERT / 2;
    while size > 0 {
        if rest & size != 0 {
            chunks.push(size);
        }
        size /= 2;
    }
    chunks
}

/// `($1, …, $c), ($c+1, …, $2c), …` for `rows` rows of `columns` values each.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * columns + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// One writing transaction at a time per instance (see [`Tx`]).
    write_turn: Arc<Mutex<()>>,
    observers: Arc<std::sync::RwLock<Vec<CommitObserver>>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("pool", &self.pool)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("database_url must start with sqlite:// or postgres://")]
    UnsupportedScheme,
    #[error("database_url is malformed: {0}")]
    Malformed(String),
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error("cannot apply migrations: {0}")]
    Migration(String),
}

impl Db {
    /// Connects (creating an SQLite file if missing) without applying migrations.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        sqlx::any::install_default_drivers();
        let (backend, url) = normalise_url(url)?;
        let options: AnyConnectOptions = url
            .parse()
            .map_err(|e: sqlx::Error| ConnectError::Malformed(first_line(&e.to_string())))?;
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            });
        let pool_options = match backend {
            Backend::Sqlite => pool_options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                         PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options,
        };
        // A first connection that merely timed out (a busy machine) is tried again; a refusal or a bad
        // password is final at once.
        let mut attempts = 0;
        let pool = loop {
            attempts += 1;
            match pool_options.clone().connect_with(options.clone()).await {
                Ok(pool) => break pool,
                Err(sqlx::Error::PoolTimedOut) if attempts < 4 => continue,
                Err(e) => return Err(ConnectError::Unreachable(first_line(&e.to_string()))),
            }
        };
        Ok(Self {
            pool,
            backend,
            write_turn: Arc::default(),
            observers: Arc::default(),
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str) -> Result<Self, ConnectError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| ConnectError::Migration(first_line(&e.to_string())))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction that will write.
    ///
    /// It takes the write lock first: on SQLite a transaction that reads before it writes can fail when
    /// another writer commits in between, and the audit chain needs writes serialised on both backends.
    ///
    /// Writers queue for this instance's turn before they take a connection: a writer waiting inside the
    /// database would hold a connection that the one holding the lock may need, and SQLite's busy handler
    /// polls with sleeps where a queue hands over at once.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        let started = std::time::Instant::now();
        let turn = self.write_turn.clone().lock_owned().await;
        let mut tx = Tx {
            inner: self.pool.begin().await?,
            _turn: turn,
            observers: self.observers.read().map(|o| o.clone()).unwrap_or_default(),
            events: Vec::new(),
            waited: Duration::ZERO,
            appending: Duration::ZERO,
        };
        audit::lock_head(&mut tx, self.backend).await?;
        tx.waited = started.elapsed();
        Ok(tx)
    }

    /// Has `observer` told of every later commit by this handle and its clones.
    pub fn observe_commits(&self, observer: CommitObserver) {
        if let Ok(mut observers) = self.observers.write() {
            observers.push(observer);
        }
    }

    /// Answers whether the database responds (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn normalise_url(url: &str) -> Result<(Backend, String), ConnectError> {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        if rest.is_empty() {
            return Err(ConnectError::Malformed("no database file given".into()));
        }
        // Create the file if it is missing unless the URL says otherwise.
        let url = if rest.contains("mode=") {
            format!("sqlite://{rest}")
        } else if rest.contains('?') {
            format!("sqlite://{rest}&mode=rwc")
        } else {
            format!("sqlite://{rest}?mode=rwc")
        };
        Ok((Backend::Sqlite, url))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        url::Url::parse(url).map_err(|e| ConnectError::Malformed(e.to_string()))?;
        Ok((Backend::Postgres, url.to_string()))
    } else {
        Err(ConnectError::UnsupportedScheme)
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// The current time at the precision stored (seconds).
pub fn now() -> OffsetDateTime {
    from_ts(ts(OffsetDateTime::now_utc()))
}

/// Stored form of a time.
pub fn ts(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

/// A stored time back as a date; out-of-range values (which tapid never writes) clamp to the epoch.
pub fn from_ts(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whether an error is the violation of a unique constraint, on either backend.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(e) => {
            e.is_unique_violation()
                || e.code().as_deref() == Some("23505")
                || e.message().contains("UNIQUE constraint failed")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_create_the_file_unless_told_otherwise() {
        assert_eq!(
            normalise_url("sqlite://tapid.db").unwrap().1,
            "sqlite://tapid.db?mode=rwc"
        );
        assert_eq!(
            normalise_url("sqlite://tapid.db?mode=ro").unwrap().1,
            "sqlite://tapid.db?mode=ro"
        );
    }

    #[test]
    fn batches_of_any_size_are_inserted_in_few_statement_shapes() {
        for n in 0..=300 {
            let chunks = insert_chunks(n);
            assert_eq!(chunks.iter().sum::<usize>(), n, "{n}: {chunks:?}");
            assert!(
                chunks
                    .iter()
                    .all(|c| c.is_power_of_two() && *c <= ROWS_PER_INSERT)
            );
        }
        assert_eq!(insert_chunks(1), vec![1]);
        assert_eq!(insert_chunks(200), vec![64, 64, 64, 8]);
    }

    #[test]
    fn a_values_list_numbers_every_placeholder_once() {
        assert_eq!(values_list(1, 2), "($1, $2)");
        assert_eq!(values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn unknown_schemes_are_refused() {
        assert!(matches!(
            normalise_url("mysql://x"),
            Err(ConnectError::UnsupportedScheme)
        ));
        assert!(normalise_url("postgres://[::1").is_err());
    }
}
