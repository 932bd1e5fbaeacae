//! Console pages for clients (administrators only): the list, registering one (its secret shown once,
//! by post/redirect/get through [`shown_once`]), editing redirect URIs, replacing the secret, removing.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::form::Fields;
use super::guard::{Admin, Nav, done, with_status};
use super::service::clients::{self, ClientEdit, ClientInput, KeysInput};
use super::service::rules;
use super::shown_once::{self, AlreadyShownView, Secret};
use super::users::ShownQuery;
use super::users::{DoneQuery, note};
use crate::directory::Role;
use crate::error::AppError;
use crate::oidc::clients::{Client, MAX_JWKS_BYTES};
use crate::oidc::keys::SigningAlg;
use crate::pages::{PageError, see_other};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "admin/clients.html")]
pub struct ClientsView {
    nav: Nav,
    done: Option<&'static str>,
    clients: Vec<Client>,
    error: Option<String>,
    form: NewClientForm,
    /// The form's single-use token (see [`shown_once`]).
    once: String,
}

pub struct NewClientForm {
    id: String,
    name: String,
    logo_uri: String,
    redirect_uris: String,
    id_token_algs: Vec<AlgChoice>,
    access_token_algs: Vec<AlgChoice>,
    /// `private_key_jwt`: the client's JWK Set as typed, or the URL it publishes it at.
    jwks: String,
    jwks_uri: String,
    require_pushed_authorization_requests: bool,
    dpop_bound_access_tokens: bool,
}

impl Default for NewClientForm {
    fn default() -> Self {
        Self {
            id: String::new(),
            name: String::new(),
            logo_uri: String::new(),
            redirect_uris: String::new(),
            id_token_algs: alg_choices(SigningAlg::RS256.as_str()),
            access_token_algs: alg_choices(SigningAlg::RS256.as_str()),
            jwks: String::new(),
            jwks_uri: String::new(),
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
        }
    }
}

impl NewClientForm {
    /// The form as it was sent, to show again with its error (each field cut to its length).
    fn as_sent(fields: &Fields) -> Self {
        let cut = |name: &str, most: usize| -> String {
            fields
                .get(name)
                .unwrap_or_default()
                .chars()
                .take(most)
                .collect()
        };
        Self {
            id: cut("id", 128),
            name: cut("name", 128),
            logo_uri: cut("logo_uri", 2000),
            redirect_uris: cut("redirect_uris", 4000),
            id_token_algs: alg_choices(fields.get("id_token_alg").unwrap_or("RS256")),
            access_token_algs: alg_choices(fields.get("access_token_alg").unwrap_or("RS256")),
            jwks: cut("jwks", MAX_JWKS_BYTES),
            jwks_uri: cut("jwks_uri", 2000),
            require_pushed_authorization_requests: fields
                .has("require_pushed_authorization_requests"),
            dpop_bound_access_tokens: fields.has("dpop_bound_access_tokens"),
        }
    }
}

/// The `private_key_jwt` keys of the form: a JWK Set typed or pasted as JSON, or a `jwks_uri`; both
/// blank, a client secret.
fn keys_of(fields: &Fields) -> Result<KeysInput, AppError> {
    let jwks = fields
        .text("jwks")
        .map(|text| {
            serde_json::from_str(&text)
                .map_err(|_| AppError::invalid("the JWK Set is not JSON: paste the public keys as a JSON object with a keys array"))
        })
        .transpose()?;
    Ok(KeysInput {
        jwks,
        jwks_uri: fields.text("jwks_uri"),
    })
}

/// An option of a signing-algorithm select.
pub struct AlgChoice {
    value: &'static str,
    selected: bool,
}

fn alg_choices(current: &str) -> Vec<AlgChoice> {
    SigningAlg::ALL
        .iter()
        .map(|a| AlgChoice {
            value: a.as_str(),
            selected: a.as_str() == current,
        })
        .collect()
}

fn grant_list(c: &Client) -> String {
    c.grant_types
        .iter()
        .map(|g| g.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub async fn clients_get(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let clients = clients::list(&state.db, &admin.authority).await?;
    Ok(ClientsView {
        nav: admin.nav("clients"),
        done: note(query.done.as_deref()),
        clients,
        error: None,
        form: NewClientForm::default(),
        once: shown_once::form_token(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client_secret.html")]
pub struct SecretView {
    nav: Nav,
    id: String,
    secret: String,
}

/// Holds a new secret for its page and redirects there (post/redirect/get).
async fn secret_redirect(
    state: &AppState,
    admin: &mut Admin,
    form: &str,
    client_id: String,
    secret: String,
) -> Result<Response, PageError> {
    let path = format!("/admin/clients/{client_id}/secret");
    let held = Secret::Client { client_id, secret };
    let holder =
        shown_once::hold(&state.db, &state.sealer, &mut admin.session, form, &held).await?;
    Ok(see_other(&format!("{path}?shown={holder}")))
}

/// `GET /admin/clients/{id}/secret?shown=…`: the secret just made, once; then a page that says so.
pub async fn secret_get(
    State(state): State<AppState>,
    mut admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<ShownQuery>,
) -> Result<Response, PageError> {
    rules::may_administer(&admin.authority, "manage clients")?;
    let secret = match query.shown.as_deref() {
        Some(holder) => {
            shown_once::take(&state.db, &state.sealer, &mut admin.session, holder).await?
        }
        None => None,
    };
    match secret {
        Some(Secret::Client { client_id, secret }) if client_id == id => {
            let mut response = SecretView {
                nav: admin.nav("clients"),
                id: client_id,
                secret,
            }
            .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        _ => Ok(AlreadyShownView::client(admin.nav("clients"), &id).into_response()),
    }
}

pub async fn clients_post(
    State(state): State<AppState>,
    mut admin: Admin,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    rules::may_administer(&admin.authority, "manage clients")?;
    let form = fields.get("once").unwrap_or_default();
    if shown_once::sent_before(&admin.session, form) {
        let id = fields.get("id").unwrap_or_default().trim();
        return Ok(AlreadyShownView::client(admin.nav("clients"), id).into_response());
    }
    let roles: Result<Vec<Role>, AppError> = fields.all("role").iter().map(|r| r.parse()).collect();
    let added = match keys_of(&fields) {
        Ok(keys) => {
            let input = ClientInput {
                id: fields.get("id").unwrap_or_default().to_string(),
                name: fields.text("name"),
                logo_uri: fields.text("logo_uri"),
                public: fields.has("public"),
                redirect_uris: fields.lines("redirect_uris"),
                post_logout_redirect_uris: fields.lines("post_logout_redirect_uris"),
                grant_types: fields.all("grant"),
                scopes: fields.text("scope"),
                id_token_alg: fields.text("id_token_alg"),
                access_token_alg: fields.text("access_token_alg"),
                roles: roles?,
                logout: Default::default(),
                keys,
                require_pushed_authorization_requests: fields
                    .has("require_pushed_authorization_requests"),
                dpop_bound_access_tokens: fields.has("dpop_bound_access_tokens"),
            };
            clients::add(&state.db, &admin.authority, input).await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok((client, Some(secret))) => {
            secret_redirect(&state, &mut admin, form, client.id, secret).await
        }
        Ok((client, None)) => Ok(done(&format!("/admin/clients/{}", client.id), "created")),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let view = ClientsView {
                clients: clients::list(&state.db, &admin.authority).await?,
                nav: admin.nav("clients"),
                once: shown_once::form_token(),
                done: None,
                error: Some(e.page_message()),
                form: NewClientForm::as_sent(&fields),
            };
            Ok(with_status(status, view))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/client.html")]
pub struct ClientView {
    nav: Nav,
    done: Option<&'static str>,
    error: Option<String>,
    client: Client,
    grants: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    id_token_algs: Vec<AlgChoice>,
    access_token_algs: Vec<AlgChoice>,
    /// How its Logout Tokens fared (back-channel logout), when shown.
    logout: Option<clients::LogoutStatus>,
    /// The form's single-use token (see [`shown_once`]).
    once: String,
}

fn client_view(admin: &Admin, client: Client, done: Option<&'static str>) -> ClientView {
    ClientView {
        nav: admin.nav("clients"),
        done,
        error: None,
        grants: grant_list(&client),
        redirect_uris: client.redirect_uris.join("\n"),
        post_logout_redirect_uris: client.post_logout_redirect_uris.join("\n"),
        id_token_algs: alg_choices(client.id_token_alg.as_str()),
        access_token_algs: alg_choices(client.access_token_alg.as_str()),
        logout: None,
        once: shown_once::form_token(),
        client,
    }
}

pub async fn client_get(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let client = clients::get(&state.db, &admin.authority, &id).await?;
    let logout = clients::logout_status(&state.db, &admin.authority, &client).await?;
    let mut view = client_view(&admin, client, note(query.done.as_deref()));
    view.logout = logout;
    Ok(view.into_response())
}

pub async fn client_post(
    State(state): State<AppState>,
    mut admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    let form = fields.get("once").unwrap_or_default();
    if fields.has("new_secret") && shown_once::sent_before(&admin.session, form) {
        // The same form again: the secret it made stands, no other replaces it.
        return Ok(AlreadyShownView::client(admin.nav("clients"), &id).into_response());
    }
    let edit = ClientEdit {
        name: Some(fields.text("name")),
        // Absent (an older form): unchanged; blank: no logo.
        logo_uri: fields.get("logo_uri").map(|_| fields.text("logo_uri")),
        redirect_uris: Some(fields.lines("redirect_uris")),
        post_logout_redirect_uris: Some(fields.lines("post_logout_redirect_uris")),
        // Absent (an older form): unchanged.
        id_token_alg: fields.text("id_token_alg"),
        access_token_alg: fields.text("access_token_alg"),
        new_secret: fields.get("new_secret").is_some(),
        // The boxes say what they say only on a form that has them (`flags`); a public client's
        // form has no box for pushed requests (they are for confidential clients).
        require_pushed_authorization_requests: fields
            .has("flags")
            .then(|| fields.has("require_pushed_authorization_requests")),
        dpop_bound_access_tokens: fields
            .has("flags")
            .then(|| fields.has("dpop_bound_access_tokens")),
        ..ClientEdit::default()
    };
    match clients::update(&state.db, &admin.authority, &id, edit).await {
        Ok((client, Some(secret))) => {
            secret_redirect(&state, &mut admin, form, client.id, secret).await
        }
        Ok(_) => Ok(done(&format!("/admin/clients/{id}"), "updated")),
        Err(e @ AppError::Invalid(_)) => {
            let client = clients::get(&state.db, &admin.authority, &id).await?;
            let mut view = client_view(&admin, client, None);
            view.error = Some(e.page_message());
            view.redirect_uris = fields
                .get("redirect_uris")
                .unwrap_or_default()
                .chars()
                .take(4000)
                .collect();
            Ok(with_status(StatusCode::UNPROCESSABLE_ENTITY, view))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn client_remove_post(
    State(state): State<AppState>,
    admin: Admin,
    headers: HeaderMap,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, PageError> {
    admin.check_form(&state, &headers, fields.csrf())?;
    clients::remove(&state.db, &admin.authority, &id).await?;
    Ok(done("/admin/clients", "saved"))
}
