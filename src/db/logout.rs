//! The `session_clients` and `logout_outbox` tables: which clients received tokens in a sign-in session,
//! and the Logout Tokens owed to them once it ends (OpenID Connect Back-Channel Logout 1.0).

use sqlx::{Any, AnyConnection, FromRow};

use super::Tx;

/// Which sessions are ending.
#[derive(Clone, Copy, Debug)]
pub enum Ending<'a> {
    /// One session, by the digest of its cookie token.
    Token(&'a str),
    Sid(&'a str),
    User(&'a str),
    /// The sessions that began with this pass.
    Pass(&'a str),
}

impl Ending<'_> {
    pub(super) fn column_and_value(&self) -> (&'static str, &str) {
        match *self {
            Ending::Token(v) => ("id_hash", v),
            Ending::Sid(v) => ("sid", v),
            Ending::User(v) => ("user_id", v),
            Ending::Pass(v) => ("tap_id", v),
        }
    }
}

/// Records that `client_id` received tokens in session `sid` (once per pair).
pub async fn remember_client(
    tx: &mut Tx,
    sid: &str,
    client_id: &str,
    user_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO session_clients (sid, client_id, user_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (sid, client_id) DO NOTHING",
    )
    .bind(sid)
    .bind(client_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues a Logout Token for every client with a back-channel logout URI that received tokens in the
/// sessions that are ending. Call it in the transaction that deletes them, before the delete.
pub async fn enqueue(
    conn: &mut AnyConnection,
    ending: Ending<'_>,
    reason: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let (column, value) = ending.column_and_value();
    let done = sqlx::query(&format!(
        "INSERT INTO logout_outbox (client_id, sid, user_id, reason, created_at, next_attempt_at) \
         SELECT DISTINCT sc.client_id, sc.sid, sc.user_id, $2, $3, $3 \
         FROM sessions s \
         JOIN session_clients sc ON sc.sid = s.sid \
         JOIN oidc_clients c ON c.id = sc.client_id \
         WHERE s.{column} = $1 AND c.backchannel_logout_uri IS NOT NULL \
         ON CONFLICT (client_id, sid) DO NOTHING"
    ))
    .bind(value)
    .bind(reason)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Queues a Logout Token (reason `session_expired`) for every client with a back-channel logout URI
/// that received tokens in a session that has expired by `now`. Call it in the transaction that
/// deletes those sessions, before the delete.
pub async fn enqueue_expired(conn: &mut AnyConnection, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO logout_outbox (client_id, sid, user_id, reason, created_at, next_attempt_at) \
         SELECT DISTINCT sc.client_id, sc.sid, sc.user_id, 'session_expired', $1, $1 \
         FROM sessions s \
         JOIN session_clients sc ON sc.sid = s.sid \
         JOIN oidc_clients c ON c.id = sc.client_id \
         WHERE s.expires_at <= $1 AND c.backchannel_logout_uri IS NOT NULL \
         ON CONFLICT (client_id, sid) DO NOTHING",
    )
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// A client that received tokens in a session, with its front-channel logout URI.
#[derive(Clone, Debug, FromRow)]
pub struct FrontChannel {
    pub client_id: String,
    pub frontchannel_logout_uri: String,
    pub frontchannel_logout_session_required: i64,
}

/// The clients of session `sid` that registered a front-channel logout URI.
pub async fn front_channel<'e, E>(db: E, sid: &str) -> Result<Vec<FrontChannel>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, FrontChannel>(
        "SELECT c.id AS client_id, c.frontchannel_logout_uri, c.frontchannel_logout_session_required \
         FROM session_clients sc JOIN oidc_clients c ON c.id = sc.client_id \
         WHERE sc.sid = $1 AND c.frontchannel_logout_uri IS NOT NULL ORDER BY c.id",
    )
    .bind(sid)
    .fetch_all(db)
    .await
}

/// A Logout Token waiting to be delivered, with what is needed to mint and send it.
#[derive(Clone, Debug, FromRow)]
pub struct Due {
    pub client_id: String,
    pub sid: String,
    pub user_id: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub backchannel_logout_uri: String,
    pub id_token_alg: String,
}

pub async fn due<'e, E>(db: E, now: i64, limit: i64) -> Result<Vec<Due>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, Due>(
        "SELECT o.client_id, o.sid, o.user_id, o.attempts, o.next_attempt_at, \
                c.backchannel_logout_uri, c.id_token_alg \
         FROM logout_outbox o JOIN oidc_clients c ON c.id = o.client_id \
         WHERE o.delivered_at IS NULL AND o.failed_at IS NULL AND o.next_attempt_at <= $1 \
           AND c.backchannel_logout_uri IS NOT NULL \
         ORDER BY o.next_attempt_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Takes a due row for this instance until `lease_until`; false when another instance took it first.
pub async fn claim(tx: &mut Tx, due: &Due, lease_until: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE logout_outbox SET next_attempt_at = $4, attempts = attempts + 1 \
         WHERE client_id = $1 AND sid = $2 AND next_attempt_at = $3 \
           AND delivered_at IS NULL AND failed_at IS NULL",
    )
    .bind(&due.client_id)
    .bind(&due.sid)
    .bind(due.next_attempt_at)
    .bind(lease_until)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delivered(
    tx: &mut Tx,
    client_id: &str,
    sid: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE logout_outbox SET delivered_at = $3, last_error = NULL \
         WHERE client_id = $1 AND sid = $2",
    )
    .bind(client_id)
    .bind(sid)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records a failed attempt, to be tried again at `retry_at`.
pub async fn retry_later(
    tx: &mut Tx,
    client_id: &str,
    sid: &str,
    error: &str,
    retry_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE logout_outbox SET last_error = $3, next_attempt_at = $4 \
         WHERE client_id = $1 AND sid = $2",
    )
    .bind(client_id)
    .bind(sid)
    .bind(error)
    .bind(retry_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records the last failed attempt: no more tries.
pub async fn give_up(
    tx: &mut Tx,
    client_id: &str,
    sid: &str,
    error: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE logout_outbox SET last_error = $3, failed_at = $4 WHERE client_id = $1 AND sid = $2",
    )
    .bind(client_id)
    .bind(sid)
    .bind(error)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// How a client's Logout Tokens fared, for the console.
#[derive(Clone, Debug, Default, FromRow)]
pub struct Summary {
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub last_error: Option<String>,
}

pub async fn summary<'e, E>(db: E, client_id: &str) -> Result<Summary, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<Any, Summary>(
        "SELECT \
           COALESCE(CAST(SUM(CASE WHEN delivered_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END) AS BIGINT), 0) AS pending, \
           COALESCE(CAST(SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), 0) AS delivered, \
           COALESCE(CAST(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), 0) AS failed, \
           (SELECT last_error FROM logout_outbox e WHERE e.client_id = $1 AND e.last_error IS NOT NULL \
              ORDER BY e.next_attempt_at DESC LIMIT 1) AS last_error \
         FROM logout_outbox WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_one(db)
    .await
}

/// Forgets delivered or abandoned Logout Tokens older than `before`, and the clients of sessions that
/// no longer exist.
pub async fn purge(tx: &mut Tx, before: i64) -> Result<u64, sqlx::Error> {
    let tokens = sqlx::query(
        "DELETE FROM logout_outbox WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) \
         AND created_at < $1",
    )
    .bind(before)
    .execute(&mut **tx)
    .await?;
    let clients = sqlx::query(
        "DELETE FROM session_clients WHERE created_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.sid = session_clients.sid)",
    )
    .bind(before)
    .execute(&mut **tx)
    .await?;
    Ok(tokens.rows_affected() + clients.rows_affected())
}
