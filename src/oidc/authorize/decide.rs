//! After the checks: does the session answer the request (issue a code), must the person sign in (or sign
//! in again, or step up), or — for `prompt=none` — must the client be told no.

use time::OffsetDateTime;

use super::request::{AuthRequest, Prompt};
use crate::db::{self, codes::CodeRow};
use crate::directory;
use crate::oidc::OidcState;
use crate::oidc::error::{ErrorCode, OAuthError};
use crate::secrets;
use crate::session::{Level, Session, SignIn};

/// What to do with a request.
#[derive(Debug)]
pub enum Next {
    /// The session answers it: here is the code.
    Code(String),
    /// Someone must sign in (`fresh`: even though a session exists).
    SignIn { fresh: bool },
    /// A pass-only session: register a method first.
    Setup,
    /// `prompt=none` and the session does not answer.
    Refuse(OAuthError),
}

/// Decides from the session. `resumed_from` is when a stored request was first made (for
/// `/authorize/resume`): a sign-in since then is fresh enough for `prompt=login` and `max_age`.
pub async fn decide(
    state: &OidcState,
    session: Option<&Session>,
    request: &AuthRequest,
    resumed_from: Option<OffsetDateTime>,
) -> Result<Next, OAuthError> {
    let now = db::now();
    let sign_in = match session.and_then(|s| s.sign_in.as_ref()) {
        Some(s) if user_may_sign_in(state, s).await? => Some(s),
        _ => None,
    };
    let silent = request.prompt == Some(Prompt::None);
    let Some(sign_in) = sign_in else {
        return Ok(if silent {
            Next::Refuse(login_required("nobody is signed in"))
        } else {
            Next::SignIn { fresh: false }
        });
    };
    let fresh_since_request = resumed_from.is_some_and(|created| sign_in.auth_time >= created);
    let too_old = request
        .max_age
        .is_some_and(|max| (now - sign_in.auth_time).whole_seconds() > max);
    let needs_fresh = !fresh_since_request
        && (request.prompt == Some(Prompt::Login)
            || too_old
            || request
                .hint_sub
                .as_ref()
                .is_some_and(|s| s != &sign_in.user_id));
    if silent {
        if sign_in.level == Level::Tap {
            return Ok(Next::Refuse(OAuthError::new(
                ErrorCode::InteractionRequired,
                "the session must register a sign-in method first",
            )));
        }
        if needs_fresh || sign_in.level < request.level {
            return Ok(Next::Refuse(login_required(
                "the session does not satisfy the request",
            )));
        }
    }
    if needs_fresh {
        return Ok(Next::SignIn { fresh: true });
    }
    if sign_in.level == Level::Tap {
        return Ok(Next::Setup);
    }
    if sign_in.level < request.level {
        return Ok(Next::SignIn { fresh: true });
    }
    let session = session.expect("a sign-in comes from a session");
    Ok(Next::Code(
        issue_code(state, session, sign_in, request).await?,
    ))
}

fn login_required(why: &'static str) -> OAuthError {
    OAuthError::new(ErrorCode::LoginRequired, why)
}

async fn user_may_sign_in(state: &OidcState, sign_in: &SignIn) -> Result<bool, OAuthError> {
    Ok(directory::users::find_by_id(&state.db, &sign_in.user_id)
        .await?
        .is_some_and(|u| u.enabled))
}

async fn issue_code(
    state: &OidcState,
    session: &Session,
    sign_in: &SignIn,
    request: &AuthRequest,
) -> Result<String, OAuthError> {
    let code = secrets::new_secret();
    let now = db::now();
    let row = CodeRow {
        code_hash: secrets::digest(&code),
        client_id: request.client_id.as_str().to_string(),
        user_id: sign_in.user_id.clone(),
        redirect_uri: request.redirect_uri.as_str().to_string(),
        scope: request.scope.to_string(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        sid: session.sid.clone(),
        acr: sign_in.level.acr().to_string(),
        amr: sign_in.amr.to_stored(),
        auth_time: db::ts(sign_in.auth_time),
        tap_id: sign_in.tap_id.clone(),
        session_expires_at: db::ts(session.expires_at),
        family_id: uuid::Uuid::new_v4().to_string(),
        created_at: db::ts(now),
        expires_at: db::ts(now) + i64::from(state.config.tokens.authorization_code),
        used_at: None,
        dpop_jkt: request.dpop_jkt.clone(),
    };
    db::codes::insert(state.db.pool(), &row).await?;
    Ok(code)
}
