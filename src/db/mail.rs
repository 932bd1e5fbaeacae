//! The `mail_outbox` table: mail waiting for the SMTP server. A worker leases a row before sending it,
//! so two instances never send the same message at once.

use sqlx::{Any, FromRow};

use super::Tx;

#[derive(Clone, Debug, FromRow)]
pub struct MailRow {
    pub id: String,
    pub event_seq: Option<i64>,
    pub user_id: Option<String>,
    pub recipient: Option<String>,
    pub body_sealed: Option<String>,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "id, event_seq, user_id, recipient, body_sealed, created_at, attempts, next_attempt_at, last_error";

/// The audit actions a person is told about by mail.
pub const NOTICE_ACTIONS: &[&str] = &[
    "tap.issued",
    "tap.used",
    "method.registered",
    "method.removed",
];

/// Queues a notice for every event `after_seq < seq <= last_seq` (just appended in `tx`) that tells a
/// person about their own account and whose person has an address: one statement, in the events'
/// transaction. The id is the event's, so an event is noticed once.
pub async fn enqueue_notices(
    tx: &mut Tx,
    after_seq: i64,
    last_seq: i64,
) -> Result<(), sqlx::Error> {
    let actions = NOTICE_ACTIONS
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "INSERT INTO mail_outbox (id, event_seq, user_id, created_at) \
         SELECT 'notice:' || e.id, e.seq, u.id, e.at FROM audit_events e \
         JOIN users u ON u.id = e.target_id \
         WHERE e.seq > $1 AND e.seq <= $2 AND e.target_kind = 'user' AND e.outcome = 'success' \
           AND e.action IN ({actions}) AND u.email IS NOT NULL AND u.email <> '' \
           AND EXISTS (SELECT 1 FROM settings s WHERE s.name = 'mail_enabled')"
    ))
    .bind(after_seq)
    .bind(last_seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues a prepared, sealed message.
pub async fn insert_sealed(
    tx: &mut Tx,
    id: &str,
    recipient: &str,
    body_sealed: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO mail_outbox (id, recipient, body_sealed, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(recipient)
    .bind(body_sealed)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Leases up to `limit` due rows to `owner` until `until`; returns them, oldest first.
pub async fn lease_due<'e, E>(
    db: E,
    owner: &str,
    now: i64,
    until: i64,
    limit: i64,
) -> Result<Vec<MailRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any> + Copy,
{
    let due = sqlx::query_as::<Any, (String,)>(
        "SELECT id FROM mail_outbox WHERE next_attempt_at <= $1 AND lease_until <= $1 \
         ORDER BY created_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut leased = Vec::new();
    for (id,) in due {
        let won = sqlx::query(
            "UPDATE mail_outbox SET lease_owner = $2, lease_until = $3 \
             WHERE id = $1 AND lease_until <= $4",
        )
        .bind(&id)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(db)
        .await?;
        if won.rows_affected() == 1 {
            if let Some(row) = sqlx::query_as::<Any, MailRow>(&format!(
                "SELECT {COLUMNS} FROM mail_outbox WHERE id = $1"
            ))
            .bind(&id)
            .fetch_optional(db)
            .await?
            {
                leased.push(row);
            }
        }
    }
    Ok(leased)
}

/// The server took it (or it can never be sent): it leaves the outbox.
pub async fn remove<'e, E>(db: E, id: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// An attempt failed: try again at `next`.
pub async fn failed<'e, E>(db: E, id: &str, next: i64, error: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query(
        "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3, \
         lease_owner = NULL, lease_until = 0 WHERE id = $1",
    )
    .bind(id)
    .bind(next)
    .bind(error)
    .execute(db)
    .await?;
    Ok(())
}

/// Messages waiting.
pub async fn pending<'e, E>(db: E) -> Result<Vec<MailRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, MailRow>(&format!(
        "SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at, id"
    ))
    .fetch_all(db)
    .await
}

/// Whether notices are queued at all: on while a server with `smtp.host` runs against this database.
pub async fn set_enabled<'e, E>(db: E, enabled: bool) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let sql = if enabled {
        "INSERT INTO settings (name, value) VALUES ('mail_enabled', '1') ON CONFLICT (name) DO NOTHING"
    } else {
        "DELETE FROM settings WHERE name = 'mail_enabled'"
    };
    sqlx::query(sql).execute(db).await?;
    Ok(())
}
