//! Webhook endpoints, their subscriptions and the outbox.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    pub description: String,
    pub high_only: i64,
    pub secret_sealed: String,
    pub created_at: i64,
    pub last_attempt_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub delivered: i64,
    /// Messages waiting in the outbox (computed).
    pub pending: i64,
    /// Event types, space-separated (computed).
    pub event_types: String,
}

/// One message waiting for an endpoint.
#[derive(Clone, Debug, FromRow)]
pub struct OutboxRow {
    pub endpoint_id: String,
    pub event_seq: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
}

const ENDPOINT: &str = "SELECT w.id, w.url, w.description, w.high_only, w.secret_sealed, w.created_at, \
     w.last_attempt_at, w.last_success_at, w.last_status, w.last_error, w.failures, w.delivered, \
     (SELECT COUNT(*) FROM webhook_outbox o WHERE o.endpoint_id = w.id) AS pending, \
     COALESCE((SELECT STRING_AGG(s.event_type, ' ') FROM webhook_subscriptions s \
               WHERE s.endpoint_id = w.id), '') AS event_types \
     FROM webhook_endpoints w";

/// `STRING_AGG` is PostgreSQL's; SQLite (3.44+) has it too, and `GROUP_CONCAT` on older ones.
pub async fn list<'e, E>(db: E) -> Result<Vec<EndpointRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, EndpointRow>(&format!("{ENDPOINT} ORDER BY w.created_at, w.id"))
        .fetch_all(db)
        .await
}

pub async fn find<'e, E>(db: E, id: &str) -> Result<Option<EndpointRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, EndpointRow>(&format!("{ENDPOINT} WHERE w.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub description: &'a str,
    pub high_only: bool,
    pub secret_sealed: &'a str,
    pub created_at: i64,
    pub event_types: &'a [String],
}

pub async fn insert(tx: &mut Tx, new: &NewEndpoint<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, url, description, high_only, secret_sealed, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.id)
    .bind(new.url)
    .bind(new.description)
    .bind(i64::from(new.high_only))
    .bind(new.secret_sealed)
    .bind(new.created_at)
    .execute(&mut **tx)
    .await?;
    for event_type in new.event_types {
        sqlx::query("INSERT INTO webhook_subscriptions (endpoint_id, event_type) VALUES ($1, $2)")
            .bind(new.id)
            .bind(event_type)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Removes an endpoint with its subscriptions and undelivered messages; false when there was none.
pub async fn delete(tx: &mut Tx, id: &str) -> Result<bool, sqlx::Error> {
    for sql in [
        "DELETE FROM webhook_outbox WHERE endpoint_id = $1",
        "DELETE FROM webhook_subscriptions WHERE endpoint_id = $1",
    ] {
        sqlx::query(sql).bind(id).execute(&mut **tx).await?;
    }
    let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Queues the events `after_seq < seq <= last_seq` (just appended in `tx`) for every endpoint that wants
/// them: one statement, in the same transaction as the events.
pub async fn enqueue(tx: &mut Tx, after_seq: i64, last_seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webhook_outbox (endpoint_id, event_seq) \
         SELECT DISTINCT s.endpoint_id, e.seq FROM audit_events e \
         JOIN webhook_subscriptions s ON s.event_type = e.action OR s.event_type = '*' \
           OR (s.event_type LIKE '%.*' \
               AND e.action LIKE SUBSTR(s.event_type, 1, LENGTH(s.event_type) - 1) || '%') \
         JOIN webhook_endpoints w ON w.id = s.endpoint_id \
         WHERE e.seq > $1 AND e.seq <= $2 AND (w.high_only = 0 OR e.severity = 'high')",
    )
    .bind(after_seq)
    .bind(last_seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Messages waiting, for every endpoint.
pub async fn pending_count<'e, E>(db: E) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, (i64,)>("SELECT COUNT(*) FROM webhook_outbox")
        .fetch_one(db)
        .await
        .map(|(n,)| n)
}

/// Endpoints whose oldest message is due by `now`.
pub async fn due_endpoints<'e, E>(db: E, now: i64) -> Result<Vec<String>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let rows = sqlx::query_as::<Any, (String,)>(
        "SELECT o.endpoint_id FROM webhook_outbox o \
         WHERE o.event_seq = (SELECT MIN(h.event_seq) FROM webhook_outbox h \
                              WHERE h.endpoint_id = o.endpoint_id) \
           AND o.next_attempt_at <= $1",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Takes (or keeps) the delivery lease on an endpoint until `until`; false while another instance holds it.
pub async fn lease<'e, E>(
    db: E,
    id: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let done = sqlx::query(
        "UPDATE webhook_endpoints SET lease_owner = $1, lease_until = $2 \
         WHERE id = $3 AND (lease_owner = $1 OR lease_owner IS NULL OR lease_until < $4)",
    )
    .bind(owner)
    .bind(until)
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives the lease back (at shutdown, or when the endpoint has nothing due).
pub async fn release<'e, E>(db: E, id: &str, owner: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "UPDATE webhook_endpoints SET lease_owner = NULL, lease_until = 0 \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(())
}

/// The endpoint's oldest waiting message.
pub async fn head<'e, E>(db: E, endpoint_id: &str) -> Result<Option<OutboxRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, OutboxRow>(
        "SELECT endpoint_id, event_seq, attempts, next_attempt_at FROM webhook_outbox \
         WHERE endpoint_id = $1 ORDER BY event_seq LIMIT 1",
    )
    .bind(endpoint_id)
    .fetch_optional(db)
    .await
}

/// The endpoint acknowledged the message: it leaves the outbox.
pub async fn delivered(
    db: &super::Db,
    message: &OutboxRow,
    now: i64,
    status: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM webhook_outbox WHERE endpoint_id = $1 AND event_seq = $2")
        .bind(&message.endpoint_id)
        .bind(message.event_seq)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET last_attempt_at = $1, last_success_at = $1, last_status = $2, \
         last_error = NULL, failures = 0, delivered = delivered + 1 WHERE id = $3",
    )
    .bind(now)
    .bind(status)
    .bind(&message.endpoint_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The attempt failed: the message stays, due again at `next_attempt_at`.
pub async fn failed(
    db: &super::Db,
    message: &OutboxRow,
    now: i64,
    next_attempt_at: i64,
    status: &str,
    error: &str,
) -> Result<(), sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    sqlx::query(
        "UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
         WHERE endpoint_id = $3 AND event_seq = $4",
    )
    .bind(next_attempt_at)
    .bind(error)
    .bind(&message.endpoint_id)
    .bind(message.event_seq)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE webhook_endpoints SET last_attempt_at = $1, last_status = $2, last_error = $3, \
         failures = failures + 1 WHERE id = $4",
    )
    .bind(now)
    .bind(status)
    .bind(error)
    .bind(&message.endpoint_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
