//! The signed-in session and its level. Below both the protocol and the pages: `/authorize`, `/logout`
//! and every page ask it who is signed in. The levels are extractors ([`door`]): a handler's signature
//! says who may call it. The keys of the flow state a session carries are in [`data`].
//!
//! The cookie carries a random token; the database keeps only its digest. A session exists before
//! sign-in too (it carries the CSRF token and the state of a ceremony in progress). Every change of
//! level renews the token, so a token seen before sign-in is worthless after it.

pub mod data;
pub mod door;

pub use crate::level::{Amr, Level};
pub use door::{FullSession, Phr, Refusal, RestrictedSession, SignedIn};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

use std::sync::Arc;

use crate::audit::{self, Actor, Event};
use crate::config::Config;
use crate::db::logout::Ending;
use crate::db::sessions::SessionRow;
use crate::db::{self, Db, Tx};
use crate::error::AppError;
use crate::pages::form;
use crate::secrets;
use crate::tap::hold::Release;

/// How long a session lives before anyone signs in (a sign-in page left open).
const ANONYMOUS_LIFETIME: Duration = Duration::hours(1);

/// What a sign-in proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    pub user_id: String,
    pub level: Level,
    /// What the sign-in used, in order.
    pub amr: Amr,
    pub auth_time: OffsetDateTime,
    /// The pass this sign-in began with: the session ends when that pass does.
    pub tap_id: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Session {
    id_hash: String,
    /// Public identifier (`sid` claim), stable across renewals of the same sign-in.
    pub sid: String,
    pub csrf: String,
    pub sign_in: Option<SignIn>,
    /// Flow state of ceremonies in progress; never secrets of the user.
    pub data: Map<String, Value>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Session {
    pub fn user_id(&self) -> Option<&str> {
        self.sign_in.as_ref().map(|s| s.user_id.as_str())
    }

    pub fn level(&self) -> Option<Level> {
        self.sign_in.as_ref().map(|s| s.level)
    }

    /// Checks a form's CSRF token against this session's, in constant time.
    pub fn verify_csrf(&self, token: &str) -> Result<(), AppError> {
        form::check_token(&self.csrf, token)
    }

    /// Checks a posted form: this session's CSRF token, and this site as its origin.
    pub fn check_form(
        &self,
        config: &Config,
        headers: &axum::http::HeaderMap,
        token: &str,
    ) -> Result<(), AppError> {
        form::check_form(config, headers, &self.csrf, token)
    }

    /// Checks a script's call (token in `X-CSRF-Token`).
    pub fn check_script(
        &self,
        config: &Config,
        headers: &axum::http::HeaderMap,
    ) -> Result<(), AppError> {
        form::check_script(config, headers, &self.csrf)
    }

    /// A stored session. Flow data that is not a JSON object, or a level tapid does not know, is damage:
    /// an error that is logged, never a session quietly emptied or signed out.
    fn from_row(row: SessionRow) -> Result<Self, AppError> {
        let damaged = |what: &str| AppError::Internal(format!("session {}: {what}", row.sid));
        let level = match row.level.as_deref() {
            Some(acr) => Some(Level::from_acr(acr).ok_or_else(|| damaged("unknown level"))?),
            None => None,
        };
        let data = match serde_json::from_str::<Value>(&row.data) {
            Ok(Value::Object(map)) => map,
            _ => return Err(damaged("its flow data is not a JSON object")),
        };
        let sign_in = match (row.user_id, level, row.auth_time) {
            (Some(user_id), Some(level), Some(auth_time)) => Some(SignIn {
                user_id,
                level,
                amr: Amr::from_stored(&row.amr),
                auth_time: db::from_ts(auth_time),
                tap_id: row.tap_id,
            }),
            _ => None,
        };
        Ok(Self {
            id_hash: row.id_hash,
            sid: row.sid,
            csrf: row.csrf,
            sign_in,
            data,
            created_at: db::from_ts(row.created_at),
            expires_at: db::from_ts(row.expires_at),
        })
    }

    fn to_row(&self) -> SessionRow {
        let sign_in = self.sign_in.as_ref();
        SessionRow {
            id_hash: self.id_hash.clone(),
            sid: self.sid.clone(),
            csrf: self.csrf.clone(),
            user_id: sign_in.map(|s| s.user_id.clone()),
            level: sign_in.map(|s| s.level.acr().to_string()),
            amr: sign_in.map(|s| s.amr.to_stored()).unwrap_or_default(),
            auth_time: sign_in.map(|s| db::ts(s.auth_time)),
            tap_id: sign_in.and_then(|s| s.tap_id.clone()),
            data: Value::Object(self.data.clone()).to_string(),
            created_at: db::ts(self.created_at),
            expires_at: db::ts(self.expires_at),
        }
    }
}

/// The session named by the request's cookie, if it is live. Handlers take `CurrentSession` to learn
/// who is signed in; a missing, unknown or expired cookie is `None`.
pub struct CurrentSession(pub Option<Session>);

impl<S> FromRequestParts<S> for CurrentSession
where
    Db: FromRef<S>,
    Arc<Config>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let (db, config) = (Db::from_ref(state), Arc::<Config>::from_ref(state));
        let jar = CookieJar::from_headers(&parts.headers);
        Ok(Self(load(&db, &config, &jar).await?))
    }
}

/// The cookie's name: with the `__Host-` prefix under https, which pins it to this origin.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.issuer.is_https() {
        "__Host-tapid"
    } else {
        "tapid"
    }
}

fn cookie(config: &Config, token: String) -> Cookie<'static> {
    Cookie::build((cookie_name(config), token))
        .path("/")
        .http_only(true)
        .secure(config.issuer.is_https())
        .same_site(SameSite::Lax)
        .build()
}

/// The name of the cookie that says someone has signed in on this browser with a method (not a pass
/// alone): the sign-in page then offers the methods first and the pass last. It says nothing about who.
pub fn returning_cookie_name(config: &Config) -> &'static str {
    if config.issuer.is_https() {
        "__Host-tapid-returning"
    } else {
        "tapid-returning"
    }
}

fn returning_cookie(config: &Config) -> Cookie<'static> {
    Cookie::build((returning_cookie_name(config), "1"))
        .path("/")
        .http_only(true)
        .secure(config.issuer.is_https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::days(400))
        .build()
}

/// Whether someone has signed in on this browser with a method before.
pub fn returning_browser(config: &Config, jar: &CookieJar) -> bool {
    jar.get(returning_cookie_name(config)).is_some()
}

/// A cookie that removes the session cookie from the browser.
pub fn removal_cookie(config: &Config) -> Cookie<'static> {
    let mut c = cookie(config, String::new());
    c.make_removal();
    c
}

pub async fn load(db: &Db, config: &Config, jar: &CookieJar) -> Result<Option<Session>, AppError> {
    let Some(token) = jar.get(cookie_name(config)).map(|c| c.value()) else {
        return Ok(None);
    };
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let now = db::ts(OffsetDateTime::now_utc());
    let row = db::sessions::find(db.pool(), &secrets::digest(token), now).await?;
    let Some(session) = row.map(Session::from_row).transpose()? else {
        return Ok(None);
    };
    // A restricted session lives only while its pass could still open it (`tap::restricted`).
    if let Some(SignIn {
        level: Level::Tap,
        tap_id: Some(tap_id),
        user_id,
        ..
    }) = &session.sign_in
    {
        let opened_at = session.created_at;
        if let Some(reason) =
            crate::tap::restricted::unusable(db, user_id, tap_id, opened_at).await?
        {
            crate::tap::restricted::end(db, user_id, tap_id, &session.sid, reason).await?;
            return Ok(None);
        }
    }
    Ok(Some(session))
}

/// The current session, or a new anonymous one (with its cookie) for pages that hold forms.
pub async fn load_or_start(
    db: &Db,
    config: &Config,
    jar: CookieJar,
) -> Result<(Session, CookieJar), AppError> {
    if let Some(session) = load(db, config, &jar).await? {
        return Ok((session, jar));
    }
    let now = db::now();
    let token = secrets::new_secret();
    let session = Session {
        id_hash: secrets::digest(&token),
        sid: secrets::random_token(16),
        csrf: secrets::random_token(24),
        sign_in: None,
        data: Map::new(),
        created_at: now,
        expires_at: now + ANONYMOUS_LIFETIME,
    };
    db::sessions::insert(db.pool(), &session.to_row()).await?;
    Ok((session, jar.add(cookie(config, token))))
}

/// Records a sign-in (or a change of level) under a new token, ending the old one. Flow state carries
/// over; the `sid` carries over when the same user raises their level, and is new otherwise.
pub async fn establish(
    db: &Db,
    config: &Config,
    jar: CookieJar,
    previous: Option<Session>,
    sign_in: SignIn,
    expires_at: OffsetDateTime,
) -> Result<(Session, CookieJar), AppError> {
    let mut tx = db.begin().await?;
    let established =
        establish_in(&mut tx, config, jar, previous, sign_in, expires_at, None).await?;
    tx.commit().await?;
    Ok(established)
}

/// [`establish`] inside the caller's transaction, so that a sign-in and its session commit together.
/// `sid`: the public id the new session must carry (a one-time pass is already held by it).
pub async fn establish_in(
    tx: &mut Tx,
    config: &Config,
    jar: CookieJar,
    previous: Option<Session>,
    sign_in: SignIn,
    expires_at: OffsetDateTime,
    sid: Option<String>,
) -> Result<(Session, CookieJar), AppError> {
    let now = db::now();
    let token = secrets::new_secret();
    let same_user = previous
        .as_ref()
        .and_then(|p| p.user_id())
        .is_some_and(|u| u == sign_in.user_id);
    let jar = if sign_in.level == Level::Tap {
        jar
    } else {
        jar.add(returning_cookie(config))
    };
    let session = Session {
        id_hash: secrets::digest(&token),
        sid: match (sid, &previous) {
            (Some(sid), _) => sid,
            (None, Some(p)) if same_user => p.sid.clone(),
            _ => secrets::random_token(16),
        },
        csrf: secrets::random_token(24),
        sign_in: Some(sign_in),
        data: previous
            .as_ref()
            .map(|p| p.data.clone())
            .unwrap_or_default(),
        created_at: now,
        expires_at,
    };
    if let Some(previous) = &previous {
        // Someone else signing in on this browser ends the previous person's session for good.
        if previous.user_id().is_some() && !same_user {
            db::logout::enqueue(
                tx,
                Ending::Token(&previous.id_hash),
                "replaced",
                db::ts(now),
            )
            .await?;
        }
        db::sessions::delete(&mut **tx, &previous.id_hash).await?;
        // A one-time pass the previous session held, and the new one does not, is given back.
        if let Some(tap_id) = previous.sign_in.as_ref().and_then(|s| s.tap_id.as_deref())
            && previous.sid != session.sid
        {
            crate::tap::hold::release(tx, tap_id, &previous.sid, Release::Replaced).await?;
        }
    }
    db::sessions::insert(&mut **tx, &session.to_row()).await?;
    Ok((session, jar.add(cookie(config, token))))
}

/// Saves the flow state of a session.
pub async fn save_data(db: &Db, session: &Session) -> Result<(), AppError> {
    let data = Value::Object(session.data.clone()).to_string();
    db::sessions::update_data(db.pool(), &session.id_hash, &data).await?;
    Ok(())
}

/// Ends a session (sign-out) and removes its cookie; the applications that received tokens in it are
/// told (back-channel logout), from the same transaction.
pub async fn end(
    db: &Db,
    config: &Config,
    jar: CookieJar,
    session: &Session,
    reason: &str,
) -> Result<CookieJar, AppError> {
    let user = match session.user_id() {
        Some(id) => crate::directory::users::find_by_id(db, id).await?,
        None => None,
    };
    let mut tx = db.begin().await?;
    db::sessions::end(
        &mut tx,
        Ending::Token(&session.id_hash),
        reason,
        db::ts(db::now()),
    )
    .await?;
    if session.sign_in.is_some() {
        let event = match &user {
            Some(user) => Event::new(user.actor(), "session.ended").target(user.target()),
            None => Event::new(Actor::Anonymous, "session.ended"),
        };
        audit::record(
            &mut tx,
            event.detail("reason", reason).detail("sid", &session.sid),
        )
        .await?;
    }
    // A one-time pass this session held without registering anything works again.
    if let Some(tap_id) = session.sign_in.as_ref().and_then(|s| s.tap_id.as_deref()) {
        crate::tap::hold::release(&mut tx, tap_id, &session.sid, Release::SignedOut).await?;
    }
    tx.commit().await?;
    Ok(jar.add(removal_cookie(config)))
}
