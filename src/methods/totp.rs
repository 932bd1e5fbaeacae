//! Authenticator apps (TOTP, RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew).
//!
//! The secret is sealed with the deployment's key (tapid must read it back to check codes) and bound
//! to its row. The last accepted time step is stored, so a code is accepted once only — on every
//! instance, because the check-and-set is a single conditional UPDATE.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::{Kind, Method, NewMethod};
use crate::db::methods::MethodRow;
use crate::db::{self, Db};
use crate::error::AppError;
use crate::secrets::Sealer;

/// Shown by authenticator apps above the account name.
pub const ISSUER: &str = "tapid";
const STEP_SECONDS: u64 = 30;

/// A new random secret (160 bits, as RFC 4226 recommends).
pub fn generate_secret() -> Vec<u8> {
    Secret::generate().as_bytes().to_vec()
}

fn totp(secret: Vec<u8>, account: &str) -> Result<Totp, AppError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP: {e}")))
}

/// What a person needs to add the secret to an app: the text secret and a QR code of the otpauth URL.
pub struct Enrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
    /// PNG, base64 (for a `data:` image).
    pub qr_png_base64: String,
}

pub fn enrolment(secret: &[u8], account: &str) -> Result<Enrolment, AppError> {
    let totp = totp(secret.to_vec(), account)?;
    Ok(Enrolment {
        secret_base32: totp.secret().to_base32(),
        otpauth_url: totp
            .to_url()
            .map_err(|e| AppError::Internal(format!("TOTP URL: {e}")))?,
        qr_png_base64: totp
            .to_qr_base64()
            .map_err(|e| AppError::Internal(format!("TOTP QR: {e}")))?,
    })
}

/// A code as typed: spaces and dashes ignored.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect()
}

/// The time step this code matches now, if any.
fn matching_step(secret: &[u8], code: &str) -> Option<i64> {
    let code = normalise(code);
    if code.len() != 6 {
        return None;
    }
    let totp = totp(secret.to_vec(), "check").ok()?;
    totp.check_current(&code)
        .and_then(|s| i64::try_from(s).ok())
}

fn context(method_id: &str) -> String {
    format!("totp:{method_id}")
}

/// Stores a TOTP method whose code was already checked (`last_step` is the step that check used).
pub async fn store(
    db: &Db,
    sealer: &Sealer,
    new: NewMethod<'_>,
    secret: &[u8],
    last_step: Option<i64>,
) -> Result<Method, AppError> {
    let (registered_with_tap, tap_id) = new.pass_columns();
    let id = uuid::Uuid::new_v4().to_string();
    let row = MethodRow {
        data: sealer.seal(secret, &context(&id)),
        id,
        user_id: new.user.id.clone(),
        kind: Kind::Totp.as_str().into(),
        name: super::clean_name(new.name)?,
        credential_id: None,
        last_step,
        backed_up: 0,
        registered_with_tap,
        tap_id,
        created_at: db::ts(db::now()),
        last_used_at: None,
    };
    super::insert(db, new.actor, new.user, row, new.address).await
}

/// Finishes setup: the code must be valid for the secret shown to the person.
pub async fn register(
    db: &Db,
    sealer: &Sealer,
    new: NewMethod<'_>,
    secret: &[u8],
    code: &str,
) -> Result<Method, AppError> {
    let step = matching_step(secret, code).ok_or_else(|| {
        AppError::invalid("that code did not match; check the time on your device and try again")
    })?;
    store(db, sealer, new, secret, Some(step)).await
}

/// Checks a code against the user's authenticator apps. `Some(method)` when one accepts it and its
/// time step was not used before; the step is then spent.
pub async fn verify(
    db: &Db,
    sealer: &Sealer,
    user_id: &str,
    code: &str,
) -> Result<Option<Method>, AppError> {
    let rows = db::methods::list_for_user(db.pool(), user_id).await?;
    for row in rows.iter().filter(|r| r.kind == Kind::Totp.as_str()) {
        let Some(secret) = sealer.open(&row.data, &context(&row.id)) else {
            tracing::error!(method_id = %row.id, "a TOTP secret does not open with this key");
            continue;
        };
        let Some(step) = matching_step(&secret, code) else {
            continue;
        };
        if row.last_step.is_some_and(|last| step <= last) {
            return Ok(None);
        }
        let now = db::ts(db::now());
        if db::methods::accept_totp_step(db.pool(), &row.id, step, now).await? {
            let mut method = Method::from_row(row)?;
            method.last_used_at = Some(db::from_ts(now));
            return Ok(Some(method));
        }
        return Ok(None);
    }
    Ok(None)
}

/// Spends the same effort as [`verify`] for a user who has no authenticator app (or does not exist),
/// so the answer's timing does not tell them apart.
pub fn verify_nothing(code: &str) {
    let _ = matching_step(&[0u8; 20], code);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_ignore_spaces_and_dashes() {
        assert_eq!(normalise(" 123-456 "), "123456");
    }

    #[test]
    fn a_current_code_matches_and_a_wrong_one_does_not() {
        let secret = generate_secret();
        let code = totp(secret.clone(), "a").unwrap().generate_current();
        assert!(matching_step(&secret, &code.to_string()).is_some());
        assert!(matching_step(&secret, "12345").is_none());
        assert!(matching_step(&secret, "abcdef").is_none());
    }
}
