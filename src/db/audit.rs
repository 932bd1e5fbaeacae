//! The audit trail's table and its chain head.

use sqlx::{Any, FromRow};

use super::{Backend, Tx};

/// One stored event, exactly as the chain hashes it.
#[derive(Clone, Debug, FromRow, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    pub id: String,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub target_name: Option<String>,
    pub outcome: String,
    pub severity: String,
    pub address: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Events where this user id is the actor or the target.
    pub user_id: Option<String>,
    /// Exact action, or a prefix when it ends with `.` (e.g. `tap.`).
    pub action: Option<String>,
    pub severity: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Only events older than this sequence number (paging, newest first).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

/// Takes the chain's lock; the first statement of every writing transaction.
pub async fn lock_head(tx: &mut Tx, backend: Backend) -> Result<(), sqlx::Error> {
    let sql = match backend {
        Backend::Postgres => "SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE",
        // An UPDATE takes SQLite's write lock now rather than at the first real write.
        Backend::Sqlite => "UPDATE audit_head SET seq = seq WHERE id = 1",
    };
    sqlx::query(sql).execute(&mut **tx).await?;
    Ok(())
}

pub async fn head(tx: &mut Tx) -> Result<(i64, String), sqlx::Error> {
    sqlx::query_as::<Any, (i64, String)>("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut **tx)
        .await
}

/// Inserts events in chain order, several to a statement (one round trip for up to 64 events); the
/// caller moves the head with [`set_head`] after the last one.
pub async fn insert_all(tx: &mut Tx, rows: &[AuditRow]) -> Result<(), sqlx::Error> {
    let mut rest = rows;
    for size in super::insert_chunks(rows.len()) {
        let (chunk, after) = rest.split_at(size);
        rest = after;
        let sql = format!(
            "INSERT INTO audit_events (seq, id, at, actor_kind, actor_id, actor_name, action, \
             target_kind, target_id, target_name, outcome, severity, address, details, prev_hash, hash) \
             VALUES {}",
            super::values_list(size, 16)
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(row.seq)
                .bind(&row.id)
                .bind(row.at)
                .bind(&row.actor_kind)
                .bind(&row.actor_id)
                .bind(&row.actor_name)
                .bind(&row.action)
                .bind(&row.target_kind)
                .bind(&row.target_id)
                .bind(&row.target_name)
                .bind(&row.outcome)
                .bind(&row.severity)
                .bind(&row.address)
                .bind(&row.details)
                .bind(&row.prev_hash)
                .bind(&row.hash);
        }
        query.execute(&mut **tx).await?;
    }
    if !tx.observers.is_empty() {
        tx.events.extend_from_slice(rows);
    }
    Ok(())
}

pub async fn set_head(tx: &mut Tx, seq: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

const COLUMNS: &str = "seq, id, at, actor_kind, actor_id, actor_name, action, target_kind, target_id, \
     target_name, outcome, severity, address, details, prev_hash, hash";

/// Events matching the filter, newest first.
pub async fn list<'e, E>(db: E, filter: &AuditFilter) -> Result<Vec<AuditRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let (action_exact, action_prefix) = match &filter.action {
        Some(a) if a.ends_with('.') => (None, Some(format!("{a}%"))),
        Some(a) => (Some(a.clone()), None),
        None => (None, None),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_events \
         WHERE ($1 IS NULL OR actor_id = $1 OR target_id = $1) \
           AND ($2 IS NULL OR action = $2) \
           AND ($3 IS NULL OR action LIKE $3) \
           AND ($4 IS NULL OR severity = $4) \
           AND ($5 IS NULL OR at >= $5) \
           AND ($6 IS NULL OR at <= $6) \
           AND ($7 IS NULL OR seq < $7) \
         ORDER BY seq DESC LIMIT $8"
    );
    sqlx::query_as::<Any, AuditRow>(&sql)
        .bind(&filter.user_id)
        .bind(action_exact)
        .bind(action_prefix)
        .bind(&filter.severity)
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.before_seq)
        .bind(filter.limit)
        .fetch_all(db)
        .await
}

/// Events about `target_id` with exactly this action, newest first (the target index serves it).
pub async fn for_target<'e, E>(
    db: E,
    target_id: &str,
    action: &str,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, AuditRow>(&format!(
        "SELECT {COLUMNS} FROM audit_events WHERE target_id = $1 AND action = $2 \
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(target_id)
    .bind(action)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Events in chain order from `after_seq` (exclusive), a page at a time.
pub async fn chain_page<'e, E>(
    db: E,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2");
    sqlx::query_as::<Any, AuditRow>(&sql)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// The chain head as stored, read outside any lock (for verification).
pub async fn read_head<'e, E>(db: E) -> Result<(i64, String), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, (i64, String)>("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(db)
        .await
}
