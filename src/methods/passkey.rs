//! Passkeys (WebAuthn, via webauthn-rs): registration requires user verification and prefers a
//! discoverable credential; sign-in with a username (the user's credentials are allowed) or without
//! one (discoverable, the credential names its user).
//!
//! The ceremony state (`PasskeyRegistration`, `PasskeyAuthentication`, `DiscoverableAuthentication`)
//! is kept server-side in the session's flow data between the two halves of a ceremony.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, DiscoverableKey, Passkey,
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
    Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::{Kind, Method, NewMethod};
use crate::config::Config;
use crate::db::methods::MethodRow;
use crate::db::{self, Db};
use crate::directory::{self, User};
use crate::error::AppError;

/// The relying party: the issuer's host is the RP ID and its origin the only origin.
pub fn webauthn(config: &Config) -> Result<Webauthn, AppError> {
    let origin: Url = config.issuer.origin();
    let host = config.issuer.host();
    WebauthnBuilder::new(host, &origin)
        .and_then(|b| {
            b.rp_name("tapid")
                // Development and tests on localhost use whatever port they were given.
                .allow_any_port(host == "localhost")
                .build()
        })
        .map_err(|e| AppError::Internal(format!("WebAuthn configuration: {e}")))
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("WebAuthn: {e}"))
}

/// The WebAuthn user handle: the user's id (a UUID).
fn user_handle(user: &User) -> Result<Uuid, AppError> {
    Uuid::parse_str(&user.id).map_err(internal)
}

fn passkeys_of(rows: &[MethodRow]) -> Vec<(MethodRow, Passkey)> {
    rows.iter()
        .filter(|r| r.kind == Kind::Passkey.as_str())
        .filter_map(|r| match serde_json::from_str::<Passkey>(&r.data) {
            Ok(pk) => Some((r.clone(), pk)),
            Err(e) => {
                tracing::error!(method_id = %r.id, error = %e, "a stored passkey does not decode");
                None
            }
        })
        .collect()
}

/// Starts registering a passkey for `user`: user verification required, a discoverable credential
/// preferred, the user's existing passkeys excluded.
pub async fn start_registration(
    db: &Db,
    webauthn: &Webauthn,
    user: &User,
) -> Result<(CreationChallengeResponse, PasskeyRegistration), AppError> {
    let rows = db::methods::list_for_user(db.pool(), &user.id).await?;
    let exclude: Vec<_> = passkeys_of(&rows)
        .into_iter()
        .map(|(_, pk)| pk.cred_id().clone())
        .collect();
    let display = user.display_name.as_deref().unwrap_or(&user.username);
    let (mut ccr, state) = webauthn
        .start_passkey_registration(
            user_handle(user)?,
            &user.username,
            display,
            (!exclude.is_empty()).then_some(exclude),
        )
        .map_err(internal)?;
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        // "preferred": the passkey can then sign in without a username (conditional mediation).
        let mut value = serde_json::to_value(&*selection).map_err(internal)?;
        value["residentKey"] = Value::from("preferred");
        *selection = serde_json::from_value(value).map_err(internal)?;
    }
    Ok((ccr, state))
}

/// Finishes a registration and stores the passkey.
pub async fn finish_registration(
    db: &Db,
    webauthn: &Webauthn,
    new: NewMethod<'_>,
    credential: &RegisterPublicKeyCredential,
    state: &PasskeyRegistration,
) -> Result<Method, AppError> {
    let passkey = webauthn
        .finish_passkey_registration(credential, state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            AppError::invalid("the passkey could not be registered; please try again")
        })?;
    let data = serde_json::to_string(&passkey).map_err(internal)?;
    let backed_up = serde_json::to_value(&passkey)
        .ok()
        .and_then(|v| v["cred"]["backup_state"].as_bool())
        .unwrap_or(false);
    let (registered_with_tap, tap_id) = new.pass_columns();
    let row = MethodRow {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: new.user.id.clone(),
        kind: Kind::Passkey.as_str().into(),
        name: super::clean_name(new.name)?,
        credential_id: Some(URL_SAFE_NO_PAD.encode::<&[u8]>(passkey.cred_id().as_ref())),
        data,
        last_step: None,
        backed_up: i64::from(backed_up),
        registered_with_tap,
        tap_id,
        created_at: db::ts(db::now()),
        last_used_at: None,
    };
    super::insert(db, new.actor, new.user, row, new.address).await
}

/// The state of a sign-in ceremony in progress.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum SignInState {
    /// With a username: the user's credentials were offered (or decoys, for a username that has none).
    Username {
        user_id: Option<String>,
        state: Option<PasskeyAuthentication>,
    },
    /// Without a username: any discoverable credential of this site.
    Discoverable { state: DiscoverableAuthentication },
}

/// Starts a sign-in for the typed username. A username that does not exist or has no passkey gets
/// options of the same shape, with a decoy credential derived from the name and a deployment
/// secret, so the answer does not tell them apart.
pub async fn start_sign_in(
    db: &Db,
    webauthn: &Webauthn,
    username: &str,
) -> Result<(Value, SignInState), AppError> {
    let user = directory::users::find_by_username(db, username)
        .await?
        .filter(|u| u.enabled);
    if let Some(user) = user {
        let rows = db::methods::list_for_user(db.pool(), &user.id).await?;
        let passkeys: Vec<Passkey> = passkeys_of(&rows).into_iter().map(|(_, pk)| pk).collect();
        if !passkeys.is_empty() {
            let (rcr, state) = webauthn
                .start_passkey_authentication(&passkeys)
                .map_err(internal)?;
            let mut options = serde_json::to_value(&rcr).map_err(internal)?;
            // Transports are a hint the decoys could not give truthfully: offered by neither.
            if let Some(allowed) = options["publicKey"]["allowCredentials"].as_array_mut() {
                for credential in allowed {
                    if let Some(c) = credential.as_object_mut() {
                        c.remove("transports");
                    }
                }
            }
            return Ok((
                options,
                SignInState::Username {
                    user_id: Some(user.id),
                    state: Some(state),
                },
            ));
        }
    }
    let (rcr, _) = webauthn
        .start_discoverable_authentication()
        .map_err(internal)?;
    let mut options = serde_json::to_value(&rcr).map_err(internal)?;
    if let Some(o) = options.as_object_mut() {
        o.remove("mediation");
    }
    let decoys: Vec<Value> = decoy_credential_ids(db, username)
        .await?
        .into_iter()
        .map(|id| serde_json::json!({ "type": "public-key", "id": id }))
        .collect();
    if let Some(pk) = options["publicKey"].as_object_mut() {
        pk.remove("extensions");
        pk.insert("allowCredentials".into(), Value::Array(decoys));
    }
    Ok((
        options,
        SignInState::Username {
            user_id: None,
            state: None,
        },
    ))
}

/// Starts a sign-in without a username (conditional mediation: passkey autofill).
pub fn start_discoverable(webauthn: &Webauthn) -> Result<(Value, SignInState), AppError> {
    let (rcr, state) = webauthn
        .start_discoverable_authentication()
        .map_err(internal)?;
    let options = serde_json::to_value(&rcr).map_err(internal)?;
    Ok((options, SignInState::Discoverable { state }))
}

/// The decoys for `username`, under the deployment's decoy secret (created on first use).
async fn decoy_credential_ids(db: &Db, username: &str) -> Result<Vec<String>, AppError> {
    const NAME: &str = "passkey_decoy_key";
    db::settings::insert_if_absent(db.pool(), NAME, &crate::secrets::new_secret()).await?;
    let key = db::settings::get(db.pool(), NAME)
        .await?
        .ok_or_else(|| AppError::Internal("the passkey decoy key is missing".into()))?;
    Ok(super::decoy::credential_ids(key.as_bytes(), username))
}

/// Why a passkey sign-in failed: for the audit trail only.
#[derive(Debug)]
pub struct Refusal {
    pub reason: &'static str,
    pub user: Option<User>,
}

/// Finishes a sign-in: the user and the passkey used, with its use recorded (signature counter,
/// backup state, last used).
pub async fn finish_sign_in(
    db: &Db,
    webauthn: &Webauthn,
    credential: &PublicKeyCredential,
    state: SignInState,
) -> Result<Result<(User, Method), Refusal>, AppError> {
    let credential_id = URL_SAFE_NO_PAD.encode(credential.get_credential_id());
    let row = db::methods::find_by_credential_id(db.pool(), &credential_id).await?;
    let owner = match &row {
        Some(r) => directory::users::find_by_id(db, &r.user_id).await?,
        None => None,
    };
    let refuse = |reason, user: Option<User>| Ok(Err(Refusal { reason, user }));
    let (Some(row), Some(owner)) = (row, owner) else {
        return refuse("unknown_credential", None);
    };
    if !owner.enabled {
        return refuse("user_disabled", Some(owner));
    }
    let mut passkey: Passkey = serde_json::from_str(&row.data).map_err(internal)?;
    let result = match state {
        SignInState::Username { user_id, state } => {
            let (Some(user_id), Some(state)) = (user_id, state) else {
                return refuse("no_passkey", None);
            };
            if user_id != owner.id {
                return refuse("credential_of_another_user", Some(owner));
            }
            webauthn.finish_passkey_authentication(credential, &state)
        }
        SignInState::Discoverable { state } => {
            match webauthn.identify_discoverable_authentication(credential) {
                Ok((handle, _)) if handle.to_string() == owner.id => {}
                _ => return refuse("user_handle_mismatch", Some(owner)),
            }
            #[allow(deprecated)] // v2 needs the credential internals feature; this is equivalent.
            webauthn.finish_discoverable_authentication(
                credential,
                state,
                &[DiscoverableKey::from(&passkey)],
            )
        }
    };
    let result = match result {
        Ok(r) if r.user_verified() => r,
        Ok(_) => return refuse("user_not_verified", Some(owner)),
        Err(e) => {
            tracing::info!(error = %e, "passkey assertion refused");
            return refuse("assertion_invalid", Some(owner));
        }
    };
    passkey.update_credential(&result);
    let data = serde_json::to_string(&passkey).map_err(internal)?;
    let now = db::ts(db::now());
    let backed_up = i64::from(result.backup_state());
    db::methods::update_passkey_use(db.pool(), &row.id, &data, backed_up, now).await?;
    let mut method = Method::from_row(&row)?;
    method.backed_up = result.backup_state();
    method.last_used_at = Some(db::from_ts(now));
    Ok(Ok((owner, method)))
}
