//! Claims about a person, released by scope (OpenID Connect Core §5.4): the same set goes into the ID token
//! and the userinfo response.

use serde_json::{Map, Value, json};

use super::scope::{self, Scope};
use crate::db::Db;
use crate::directory::{self, User};
use crate::error::AppError;

/// The claims `scope` releases about `user`, beyond `sub`.
pub async fn for_user(db: &Db, user: &User, scope: &Scope) -> Result<Map<String, Value>, AppError> {
    let mut claims = Map::new();
    if scope.contains(scope::PROFILE) {
        let name = user.display_name.as_deref().unwrap_or(&user.username);
        claims.insert("name".into(), json!(name));
        claims.insert("preferred_username".into(), json!(user.username));
        claims.insert("updated_at".into(), json!(user.updated_at.unix_timestamp()));
    }
    if scope.contains(scope::EMAIL) {
        if let Some(email) = &user.email {
            claims.insert("email".into(), json!(email));
            // True only once an administrator (or provisioning) marked it: nobody proves it by signing in.
            claims.insert("email_verified".into(), json!(user.email_verified));
        }
    }
    if scope.contains(scope::GROUPS) {
        let groups = directory::users::groups_of(db, user).await?;
        claims.insert("groups".into(), json!(groups));
    }
    Ok(claims)
}

/// Every claim tapid can release (discovery's `claims_supported`).
pub const SUPPORTED: &[&str] = &[
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "sid",
    "azp",
    "at_hash",
    "name",
    "preferred_username",
    "updated_at",
    "email",
    "email_verified",
    "groups",
];
