//! Registering, changing and removing clients, each change with its audit event in the same
//! transaction; and reading them.

use super::{Client, ClientChanges, GrantType, NewClient, RedirectUri};
use crate::audit::{self, Actor, Event};
use crate::db::{self, Db};
use crate::error::AppError;
use crate::oidc::scope::{self, Scope};
use crate::secrets;

fn strings(uris: Vec<RedirectUri>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for uri in uris {
        let uri = String::from(uri);
        if !out.contains(&uri) {
            out.push(uri);
        }
    }
    out
}

pub(super) fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Registers a client. Returns it and, for a confidential client, its secret (shown once, stored hashed).
pub async fn add(
    db: &Db,
    actor: &Actor,
    new: NewClient,
) -> Result<(Client, Option<String>), AppError> {
    let now = db::now();
    let grant_types = if new.grant_types.is_empty() {
        vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
    } else {
        dedup(new.grant_types)
    };
    let scopes = match new.scopes {
        Some(scopes) => scopes,
        None if grant_types.iter().any(|g| g.signs_people_in()) => {
            Scope::parse(scope::DEFAULT_FOR_SIGN_IN).unwrap_or_default()
        }
        None => Scope::default(),
    };
    let secret = (!new.public && new.keys.is_none()).then(secrets::new_secret);
    let mut client = Client {
        id: String::from(new.id),
        name: new
            .name
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        logo_uri: new.logo_uri.map(|u| u.as_str().to_string()),
        public: new.public,
        redirect_uris: strings(new.redirect_uris),
        post_logout_redirect_uris: strings(new.post_logout_redirect_uris),
        grant_types,
        scopes,
        id_token_alg: new.id_token_alg,
        access_token_alg: new.access_token_alg,
        roles: new.roles,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: false,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: false,
        allowed_origins: Vec::new(),
        may_introspect: false,
        jwks: None,
        jwks_uri: None,
        require_pushed_authorization_requests: new.require_pushed_authorization_requests,
        dpop_bound_access_tokens: new.dpop_bound_access_tokens,
        created_at: now,
        updated_at: now,
        secret_hash: secret.as_deref().map(secrets::digest),
    };
    client.set_keys(new.keys);
    let created = new
        .logout
        .apply(&mut client, Event::new(actor.clone(), "client.created"));
    client.validate()?;
    let mut tx = db.begin().await?;
    if db::clients::find(&mut *tx, &client.id).await?.is_some() {
        return Err(conflict(&client.id));
    }
    db::clients::insert(&mut tx, &client.to_row())
        .await
        .map_err(|e| {
            if db::is_unique_violation(&e) {
                conflict(&client.id)
            } else {
                e.into()
            }
        })?;
    audit::record(
        &mut tx,
        created
            .target(client.target())
            .detail("public", client.public)
            .detail("logo_uri", &client.logo_uri)
            .detail("auth_method", client.auth_method())
            .detail("jwks_uri", &client.jwks_uri)
            .detail("redirect_uris", &client.redirect_uris)
            .detail("grant_types", &client.grant_types)
            .detail("scopes", client.scopes.to_string())
            .detail("id_token_alg", client.id_token_alg)
            .detail("access_token_alg", client.access_token_alg)
            .detail("roles", &client.roles)
            .detail(
                "require_pushed_authorization_requests",
                client.require_pushed_authorization_requests,
            )
            .detail("dpop_bound_access_tokens", client.dpop_bound_access_tokens),
    )
    .await?;
    tx.commit().await?;
    Ok((client, secret))
}

fn conflict(id: &str) -> AppError {
    AppError::Conflict(format!("A client with the id {id} already exists."))
}

/// Changes a client. Returns it and, when a new secret was asked for, that secret.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: &str,
    changes: ClientChanges,
) -> Result<(Client, Option<String>), AppError> {
    let mut tx = db.begin().await?;
    let mut client = db::clients::find(&mut *tx, id)
        .await?
        .map(Client::from_row)
        .transpose()?
        .ok_or_else(|| AppError::NotFound(format!("There is no client with the id {id}.")))?;
    let mut event = Event::new(actor.clone(), "client.updated").target(client.target());
    if let Some(name) = changes.name {
        client.name = name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        event = event.detail("name", &client.name);
    }
    if let Some(logo) = changes.logo_uri {
        client.logo_uri = logo.map(|u| u.as_str().to_string());
        event = event.detail("logo_uri", &client.logo_uri);
    }
    if let Some(uris) = changes.redirect_uris {
        client.redirect_uris = strings(uris);
        event = event.detail("redirect_uris", &client.redirect_uris);
    }
    if let Some(uris) = changes.post_logout_redirect_uris {
        client.post_logout_redirect_uris = strings(uris);
        event = event.detail(
            "post_logout_redirect_uris",
            &client.post_logout_redirect_uris,
        );
    }
    if let Some(grants) = changes.grant_types {
        client.grant_types = dedup(grants);
        event = event.detail("grant_types", &client.grant_types);
    }
    if let Some(scopes) = changes.scopes {
        client.scopes = scopes;
        event = event.detail("scopes", client.scopes.to_string());
    }
    if let Some(alg) = changes.id_token_alg {
        client.id_token_alg = alg;
        event = event.detail("id_token_alg", alg);
    }
    if let Some(alg) = changes.access_token_alg {
        client.access_token_alg = alg;
        event = event.detail("access_token_alg", alg);
    }
    if let Some(roles) = changes.roles {
        event = event
            .detail("roles_before", &client.roles)
            .detail("roles", &roles)
            .severity(audit::Severity::High);
        client.roles = roles;
    }
    if let Some(required) = changes.require_pushed_authorization_requests {
        client.require_pushed_authorization_requests = required;
        event = event.detail("require_pushed_authorization_requests", required);
    }
    if let Some(required) = changes.dpop_bound_access_tokens {
        client.dpop_bound_access_tokens = required;
        event = event.detail("dpop_bound_access_tokens", required);
    }
    event = changes.logout.apply(&mut client, event);
    if changes.new_secret && changes.keys.is_some() {
        return Err(AppError::invalid(
            "a client authenticates with a secret or with keys: ask for one",
        ));
    }
    if let Some(keys) = changes.keys {
        if client.public {
            return Err(AppError::invalid(
                "a public client cannot authenticate with keys",
            ));
        }
        client.set_keys(Some(keys));
        client.secret_hash = None;
        event = event
            .detail("auth_method", client.auth_method())
            .detail("jwks_uri", &client.jwks_uri)
            .severity(audit::Severity::High);
    }
    let secret = if changes.new_secret {
        if client.public {
            return Err(AppError::invalid(
                "a public client has no secret to replace",
            ));
        }
        let secret = secrets::new_secret();
        client.secret_hash = Some(secrets::digest(&secret));
        client.set_keys(None);
        event = event.detail("secret_replaced", true);
        Some(secret)
    } else {
        None
    };
    client.validate()?;
    client.updated_at = db::now();
    db::clients::update(&mut tx, &client.to_row()).await?;
    audit::record(&mut tx, event).await?;
    tx.commit().await?;
    Ok((client, secret))
}

/// Removes a client; its codes and tokens go with it.
pub async fn remove(db: &Db, actor: &Actor, id: &str) -> Result<Client, AppError> {
    let mut tx = db.begin().await?;
    let client = db::clients::find(&mut *tx, id)
        .await?
        .map(Client::from_row)
        .transpose()?
        .ok_or_else(|| AppError::NotFound(format!("There is no client with the id {id}.")))?;
    db::clients::delete(&mut tx, id).await?;
    audit::record(
        &mut tx,
        Event::new(actor.clone(), "client.removed").target(client.target()),
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// The client with this id, if registered (with its roles, for the admin API).
pub async fn find(db: &Db, id: &str) -> Result<Option<Client>, AppError> {
    db::clients::find(db.pool(), id)
        .await?
        .map(Client::from_row)
        .transpose()
}

pub async fn get(db: &Db, id: &str) -> Result<Client, AppError> {
    find(db, id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("There is no client with the id {id}.")))
}

pub async fn list(db: &Db) -> Result<Vec<Client>, AppError> {
    db::clients::list(db.pool())
        .await?
        .into_iter()
        .map(Client::from_row)
        .collect()
}
