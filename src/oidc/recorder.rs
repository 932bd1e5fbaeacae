//! Group commit for grants that only append: the token rows and the `token.issued` event of a
//! `client_credentials` grant. Requests hand their rows to one writer task per instance, which writes
//! everything that is waiting in a single transaction (one chain lock, one head update, one commit) and
//! answers each request only once that transaction has committed — so a grant is never acknowledged
//! before it is durable, but a thousand concurrent grants cost a handful of commits instead of a thousand.

use std::sync::OnceLock;

use tokio::sync::{mpsc, oneshot};

use crate::audit::{self, Event};
use crate::db::Db;
use crate::db::tokens::{self as store, TokenRow};
use crate::error::AppError;

/// At most this many requests share one transaction.
const MAX_BATCH: usize = 256;
/// Requests waiting for the writer before new ones wait for room.
const QUEUE: usize = 4 * MAX_BATCH;

/// What one request appends.
pub struct Appends {
    pub tokens: Vec<TokenRow>,
    pub events: Vec<Event>,
}

struct Job {
    appends: Appends,
    done: oneshot::Sender<Result<(), AppError>>,
}

/// The handle requests use; the writer starts on first use, inside the server's runtime.
pub struct Recorder {
    db: Db,
    writer: OnceLock<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            writer: OnceLock::new(),
        }
    }

    /// Appends the rows and events durably; returns once they are committed.
    pub async fn record(&self, appends: Appends) -> Result<(), AppError> {
        let writer = self.writer.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.db.clone(), receiver));
            sender
        });
        let (done, answer) = oneshot::channel();
        writer
            .send(Job { appends, done })
            .await
            .map_err(|_| AppError::Internal("the grant writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| AppError::Internal("the grant writer has stopped".into()))?
    }
}

/// The writer: takes whatever is waiting (up to [`MAX_BATCH`]) and commits it as one transaction. It ends
/// when every handle is gone.
async fn run(db: Db, mut receiver: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        let appends: Vec<&Appends> = jobs.iter().map(|j| &j.appends).collect();
        match write(&db, &appends).await {
            Ok(()) => {
                for job in jobs {
                    let _ = job.done.send(Ok(()));
                }
            }
            Err(error) => fail(&db, jobs, error).await,
        }
    }
}

/// A failed batch: when the database is away, every request hears so; otherwise one request's rows may
/// be at fault (a client removed meanwhile), so each is tried alone and gets its own answer.
async fn fail(db: &Db, mut jobs: Vec<Job>, error: sqlx::Error) {
    let error = AppError::from(error);
    if jobs.len() == 1 {
        let job = jobs.remove(0);
        let _ = job.done.send(Err(error));
        return;
    }
    if matches!(error, AppError::Unavailable(_)) {
        let message = error.to_string();
        for job in jobs {
            let shared = sqlx::Error::Io(std::io::Error::other(message.clone()));
            let _ = job.done.send(Err(AppError::Unavailable(shared)));
        }
        return;
    }
    for job in jobs {
        let result = write(db, &[&job.appends]).await.map_err(AppError::from);
        let _ = job.done.send(result);
    }
}

async fn write(db: &Db, batch: &[&Appends]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    let rows: Vec<TokenRow> = batch
        .iter()
        .flat_map(|a| a.tokens.iter().cloned())
        .collect();
    store::insert_all(&mut tx, &rows).await?;
    let events = batch.iter().flat_map(|a| a.events.iter().cloned());
    audit::record_all(&mut tx, events.collect()).await?;
    tx.commit().await
}
