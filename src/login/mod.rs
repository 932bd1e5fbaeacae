//! Sign-in pages: identifier first, then a choice of passkey, authenticator-app code or Temporary
//! Access Pass. What the pages show never depends on whether the username exists or what it has: the
//! reasons go to the audit trail.
//!
//! | route | what |
//! |---|---|
//! | `GET /login?return_to&level&login_hint&fresh` | username (passkey autofill on the field) |
//! | `POST /login` | remembers the username in the session → `/login/methods` |
//! | `GET /login/methods` | the choice (only the passkey for `level=phr`) |
//! | `GET/POST /login/totp` | code → session `1fa`, amr `otp` → `return_to` |
//! | `GET/POST /login/tap` | pass → session `tap` → `/security-info/setup?return_to=…` |
//! | `POST /login/passkey/begin`, `/finish` | JSON for the script → session `phr` → `{redirect}` |
//!
//! Forms carry `csrf`, `return_to` and `level` as fields; the script sends `X-CSRF-Token`.

pub mod complete;
mod identifier;
mod passkey;
mod tap;
mod totp;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/login",
            get(identifier::login_get).post(identifier::login_post),
        )
        .route("/login/methods", get(identifier::methods_get))
        .route("/login/totp", get(totp::totp_get).post(totp::totp_post))
        .route("/login/tap", get(tap::tap_get).post(tap::tap_post))
        .route("/login/passkey/begin", post(passkey::begin))
        .route("/login/passkey/finish", post(passkey::finish))
        .layer(crate::pages::form::no_store())
}
