//! Recording and verifying audit events. Every security-relevant change records one event in the same
//! transaction as the change; events form a hash chain so that an edited, inserted or deleted row shows.

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::db::audit::{self as store, AuditRow};
use crate::db::{self, Tx};

/// Who did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User {
        id: String,
        name: String,
    },
    Client {
        id: String,
    },
    /// An operator at the command line: full rights, recorded as such.
    Cli,
    /// tapid itself (bootstrap, expiry).
    System,
    /// Someone not (yet) signed in.
    Anonymous,
}

impl Actor {
    fn parts(&self) -> (&'static str, Option<String>, Option<String>) {
        match self {
            Actor::User { id, name } => ("user", Some(id.clone()), Some(name.clone())),
            Actor::Client { id } => ("client", Some(id.clone()), Some(id.clone())),
            Actor::Cli => ("cli", None, Some(cli_operator())),
            Actor::System => ("system", None, None),
            Actor::Anonymous => ("anonymous", None, None),
        }
    }
}

/// The operating-system account behind a CLI action, for the record.
fn cli_operator() -> String {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "operator".into())
}

/// What it was done to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

impl Target {
    pub fn new(kind: &'static str, id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            kind,
            id: id.into(),
            name: name.into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    High,
}

/// One event to record. Details must never hold a secret.
#[derive(Clone, Debug)]
pub struct Event {
    actor: Actor,
    action: &'static str,
    target: Option<Target>,
    success: bool,
    severity: Severity,
    address: Option<String>,
    details: Map<String, Value>,
}

impl Event {
    pub fn new(actor: Actor, action: &'static str) -> Self {
        Self {
            actor,
            action,
            target: None,
            success: true,
            severity: Severity::Info,
            address: None,
            details: Map::new(),
        }
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn failed(mut self) -> Self {
        self.success = false;
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn address(mut self, address: Option<String>) -> Self {
        self.address = address;
        self
    }

    pub fn detail(mut self, key: &str, value: impl Serialize) -> Self {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        self.details.insert(key.to_string(), value);
        self
    }
}

/// Appends an event to the chain inside the caller's transaction (begun with [`db::Db::begin`],
/// which holds the chain's lock).
pub async fn record(tx: &mut Tx, event: Event) -> Result<(), sqlx::Error> {
    record_all(tx, vec![event]).await
}

/// Appends several events, in order, reading and moving the chain head once.
pub async fn record_all(tx: &mut Tx, events: Vec<Event>) -> Result<(), sqlx::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let (mut seq, mut prev_hash) = store::head(tx).await?;
    let first = seq;
    let at = db::ts(OffsetDateTime::now_utc());
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let row = chained(event, seq, at, prev_hash);
        prev_hash = row.hash.clone();
        rows.push(row);
    }
    store::insert_all(tx, &rows).await?;
    store::set_head(tx, seq, &prev_hash).await?;
    // The webhook outbox, in the same transaction as the events it announces.
    db::webhooks::enqueue(tx, first, seq).await?;
    // Mail notices to the people concerned, likewise (`mail`).
    db::mail::enqueue_notices(tx, first, seq).await?;
    tx.add_append_time(started.elapsed());
    Ok(())
}

/// The stored form of `event` as the `seq`-th link after `prev_hash`.
fn chained(event: Event, seq: i64, at: i64, prev_hash: String) -> AuditRow {
    let (actor_kind, actor_id, actor_name) = event.actor.parts();
    let mut row = AuditRow {
        seq,
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor_kind: actor_kind.into(),
        actor_id,
        actor_name,
        action: event.action.into(),
        target_kind: event.target.as_ref().map(|t| t.kind.to_string()),
        target_id: event.target.as_ref().map(|t| t.id.clone()),
        target_name: event.target.map(|t| t.name),
        outcome: if event.success { "success" } else { "failure" }.into(),
        severity: match event.severity {
            Severity::Info => "info",
            Severity::High => "high",
        }
        .into(),
        address: event.address,
        details: Value::Object(event.details).to_string(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    row
}

/// The hash of an event over a canonical encoding of every field but the hash itself.
pub fn hash_of(row: &AuditRow) -> String {
    let canonical = serde_json::json!([
        row.seq,
        row.id,
        row.at,
        row.actor_kind,
        row.actor_id,
        row.actor_name,
        row.action,
        row.target_kind,
        row.target_id,
        row.target_name,
        row.outcome,
        row.severity,
        row.address,
        row.details,
        row.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The genesis value of `prev_hash`.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Intact { events: i64 },
    Broken { seq: i64, problem: String },
}

/// Checks events in chain order. Feed pages in order; call [`ChainCheck::finish`] at the end.
#[derive(Debug)]
pub struct ChainCheck {
    expected_seq: i64,
    prev_hash: String,
    broken: Option<(i64, String)>,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS.into(),
            broken: None,
        }
    }
}

impl ChainCheck {
    /// Checks the next event; returns false once the chain is broken.
    pub fn push(&mut self, row: &AuditRow) -> bool {
        if self.broken.is_some() {
            return false;
        }
        let problem = if row.seq > self.expected_seq {
            Some(format!(
                "event {} is missing (deleted) before event {}",
                self.expected_seq, row.seq
            ))
        } else if row.seq < self.expected_seq {
            Some(format!("event {} appears twice or out of order", row.seq))
        } else if row.prev_hash != self.prev_hash {
            Some(format!(
                "event {} does not follow its predecessor (inserted or reordered)",
                row.seq
            ))
        } else if hash_of(row) != row.hash {
            Some(format!("event {} was edited after it was written", row.seq))
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.broken = Some((row.seq.min(self.expected_seq), problem));
                false
            }
            None => {
                self.expected_seq += 1;
                self.prev_hash = row.hash.clone();
                true
            }
        }
    }

    /// Ends the walk; `head` is the stored chain head, when there is one to compare against.
    pub fn finish(self, head: Option<(i64, &str)>) -> Verdict {
        if let Some((seq, problem)) = self.broken {
            return Verdict::Broken { seq, problem };
        }
        let last = self.expected_seq - 1;
        if let Some((head_seq, head_hash)) = head {
            if head_seq != last || head_hash != self.prev_hash {
                return Verdict::Broken {
                    seq: last + 1,
                    problem: format!(
                        "the chain ends at event {last} but its head records event {head_seq} \
                         (events at the end were deleted)"
                    ),
                };
            }
        }
        Verdict::Intact { events: last }
    }
}

/// Walks the whole stored chain.
pub async fn verify(db: &db::Db) -> Result<Verdict, sqlx::Error> {
    let head = store::read_head(db.pool()).await?;
    let mut check = ChainCheck::default();
    let mut after = 0;
    loop {
        let page = store::chain_page(db.pool(), after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in &page {
            if row.seq > head.0 {
                // Written after we read the head: not part of what we were asked to check.
                return Ok(check.finish(Some((head.0, &head.1))));
            }
            if !check.push(row) {
                return Ok(check.finish(None));
            }
        }
    }
    Ok(check.finish(Some((head.0, &head.1))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRow> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut row = AuditRow {
                    seq,
                    id: format!("id-{seq}"),
                    at: 1_700_000_000 + seq,
                    actor_kind: "cli".into(),
                    actor_id: None,
                    actor_name: Some("op".into()),
                    action: "user.created".into(),
                    target_kind: Some("user".into()),
                    target_id: Some(format!("u{seq}")),
                    target_name: Some(format!("user{seq}")),
                    outcome: "success".into(),
                    severity: "info".into(),
                    address: None,
                    details: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                row.hash = hash_of(&row);
                prev = row.hash.clone();
                row
            })
            .collect()
    }

    fn check(rows: &[AuditRow], head: Option<(i64, &str)>) -> Verdict {
        let mut c = ChainCheck::default();
        for row in rows {
            if !c.push(row) {
                break;
            }
        }
        c.finish(head)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let rows = chain(5);
        let head = (5, rows[4].hash.as_str());
        assert_eq!(check(&rows, Some(head)), Verdict::Intact { events: 5 });
    }

    #[test]
    fn an_edited_event_breaks_the_chain_at_that_event() {
        let mut rows = chain(5);
        rows[2].target_name = Some("mallory".into());
        assert!(matches!(check(&rows, None), Verdict::Broken { seq: 3, .. }));
    }

    #[test]
    fn a_deleted_event_breaks_the_chain_where_it_was() {
        let mut rows = chain(5);
        rows.remove(1);
        assert!(matches!(check(&rows, None), Verdict::Broken { seq: 2, .. }));
    }

    #[test]
    fn deleting_the_newest_events_is_caught_by_the_head() {
        let rows = chain(5);
        let head = (5, rows[4].hash.as_str());
        assert!(matches!(
            check(&rows[..3], Some(head)),
            Verdict::Broken { seq: 4, .. }
        ));
    }

    #[test]
    fn an_inserted_event_breaks_the_chain() {
        let mut rows = chain(5);
        let mut forged = rows[1].clone();
        forged.prev_hash = "f".repeat(64);
        forged.hash = hash_of(&forged);
        rows[1] = forged;
        assert!(matches!(check(&rows, None), Verdict::Broken { seq: 2, .. }));
    }
}
