//! The device authorization grant (RFC 8628), for command-line tools, kiosks and TVs: the device asks
//! `/device_authorization` for a device code and a user code ([`authorization`]); the person opens
//! `/device`, signed in as usual, types the user code, sees which application asks for what, and approves
//! or denies ([`pages`]); the device polls `/token` (`grants::device_code`).

pub mod authorization;
pub mod pages;
pub mod user_code;

pub use user_code::UserCode;

use axum::Router;
use axum::routing::{get, post};

use crate::oidc::OidcState;

use crate::db::devices::{self, DeviceRow};
use crate::db::{self, Db};

/// A stored code a person may still decide on: pending and unexpired.
pub fn awaiting_decision(row: &DeviceRow, now: i64) -> bool {
    row.status == devices::PENDING && row.expires_at > now && row.used_at.is_none()
}

/// The code a typed user code stands for, if a person may still decide on it.
pub async fn awaiting(
    db: &Db,
    sealer: &crate::secrets::Sealer,
    code: &UserCode,
) -> Result<Option<DeviceRow>, sqlx::Error> {
    let row = devices::find_by_user_code(db.pool(), &code.digest(sealer)).await?;
    let now = db::ts(db::now());
    Ok(row.filter(|r| awaiting_decision(r, now)))
}

/// `/device_authorization` for devices, `/device` for people (never cached: the pages carry the code).
pub fn router() -> Router<OidcState> {
    let pages = Router::new()
        .route("/device", get(pages::device_get).post(pages::device_post))
        .route("/device/decide", post(pages::decide_post))
        .layer(crate::pages::form::no_store());
    Router::new()
        .route(
            "/device_authorization",
            post(authorization::device_authorization_post),
        )
        .merge(pages)
}
