//! Mail through the organisation's SMTP server (`smtp.*`): the reveal link to a manager or to the
//! person, and notices to a person when a pass is issued or used, or a sign-in method is added or
//! removed. Nothing is sent from a request: messages wait in an outbox (`db::mail`) that a
//! background task drains ([`worker`]), so a slow or absent server never holds up a sign-in.
//!
//! - [`compose`]: the messages, plain text and HTML (askama templates under `templates/mail/`);
//! - [`notice`]: a notice rendered from its audit event when it is sent;
//! - [`send`]: the SMTP transport (lettre, rustls);
//! - [`worker`]: the task that drains the outbox, with retries;
//! - [`when`]: times as a message tells them (the recipient's zone, UTC, the time left).
//!
//! A passcode is never in a message: the reveal link is, so a prepared message is sealed with the
//! deployment key while it waits, and leaves the outbox once the server took it.

pub mod compose;
pub mod notice;
pub mod send;
pub mod when;
pub mod worker;

pub use compose::Mail;

use crate::db::{self, Tx};
use crate::secrets::Sealer;

fn seal_context(id: &str) -> String {
    format!("mail:{id}")
}

/// Queues a prepared message inside the caller's transaction, sealed while it waits.
pub async fn enqueue(tx: &mut Tx, sealer: &Sealer, mail: &Mail) -> Result<(), sqlx::Error> {
    let id = format!("mail:{}", uuid::Uuid::new_v4());
    let body = serde_json::to_vec(mail).unwrap_or_default();
    let sealed = sealer.seal(&body, &seal_context(&id));
    db::mail::insert_sealed(tx, &id, &mail.to, &sealed, db::ts(db::now())).await
}

/// Opens a prepared message of the outbox.
fn open(sealer: &Sealer, id: &str, sealed: &str) -> Option<Mail> {
    let bytes = sealer.open(sealed, &seal_context(id))?;
    serde_json::from_slice(&bytes).ok()
}
