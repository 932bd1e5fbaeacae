//! `tapid client …`

use clap::{Args, Subcommand};
use serde::Serialize;

use super::Context;
use super::output;
use crate::audit::Actor;
use crate::directory::Role;
use crate::error::AppError;
use crate::oidc::clients::{
    self, Client, ClientChanges, ClientId, ClientKeys, GrantType, LogoUri, LogoutChanges,
    NewClient, Origin, RedirectUri,
};
use crate::oidc::keys::SigningAlg;
use crate::oidc::scope::Scope;

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a client; prints its secret once (confidential clients).
    Add {
        id: String,
        #[command(flatten)]
        fields: ClientFields,
        /// A public client (a browser or native app): no secret, PKCE required.
        #[arg(long)]
        public: bool,
    },
    /// Change a client. Lists given replace the registered ones.
    Update {
        id: String,
        #[command(flatten)]
        fields: ClientFields,
        /// Replace the client's secret; prints the new one once.
        #[arg(long)]
        new_secret: bool,
    },
    /// List clients.
    List,
    /// Show one client.
    Show { id: String },
    /// Remove a client and every token issued to it.
    Remove { id: String },
}

#[derive(Debug, Args)]
pub struct ClientFields {
    /// Redirect URI, matched exactly; repeat for several.
    #[arg(long = "redirect-uri", value_name = "URI")]
    redirect_uri: Vec<String>,
    /// Where the client may ask to land after signing out; repeat for several.
    #[arg(long = "post-logout-redirect-uri", value_name = "URI")]
    post_logout_redirect_uri: Vec<String>,
    /// Display name (the OpenID `client_name`): "Sign in to continue to NAME" on the sign-in pages.
    #[arg(long)]
    name: Option<String>,
    /// Logo shown beside the name on the sign-in pages: an absolute https URL (http only for localhost).
    #[arg(long = "logo-uri", value_name = "URL", conflicts_with = "no_logo")]
    logo_uri: Option<String>,
    /// Remove the logo.
    #[arg(long)]
    no_logo: bool,
    /// Scopes the client may ask for (space-separated or repeated).
    #[arg(long = "scope", value_name = "SCOPE")]
    scope: Vec<String>,
    /// Grant type (authorization_code, refresh_token, client_credentials, device_code); repeat for several.
    #[arg(long = "grant", value_name = "GRANT")]
    grant: Vec<String>,
    /// ID token signing algorithm: RS256 (default), ES256 or EdDSA.
    #[arg(long = "id-token-alg", value_name = "ALG")]
    id_token_alg: Option<String>,
    /// Access token signing algorithm: RS256 (default), ES256 (much cheaper to sign) or EdDSA.
    #[arg(long = "access-token-alg", value_name = "ALG")]
    access_token_alg: Option<String>,
    /// Role for service use of the admin API (admin or helpdesk); repeat for several.
    #[arg(long = "role", value_name = "ROLE")]
    role: Vec<String>,
    /// Accept only pushed authorization requests (RFC 9126, `/par`) from this confidential client;
    /// `=false` to accept plain ones again.
    #[arg(long = "require-par", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    require_par: Option<bool>,
    /// Accept token requests from this client only with a DPoP proof (RFC 9449), so that all its
    /// access tokens are bound to its key; `=false` to accept bearer token requests again.
    #[arg(long = "require-dpop", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    require_dpop: Option<bool>,
    #[command(flatten)]
    logout: LogoutFields,
    #[command(flatten)]
    keys: KeyFields,
}

/// `private_key_jwt`: the client proves itself with a signed assertion instead of a secret.
#[derive(Debug, Args)]
pub struct KeyFields {
    /// A file holding the client's JWK Set (public keys only); it then authenticates with
    /// private_key_jwt, and has no secret.
    #[arg(long, value_name = "FILE", conflicts_with = "jwks_uri")]
    jwks: Option<std::path::PathBuf>,
    /// Where the client publishes its JWK Set (https); it then authenticates with private_key_jwt.
    #[arg(long, value_name = "URL")]
    jwks_uri: Option<String>,
}

impl KeyFields {
    fn keys(&self) -> Result<Option<ClientKeys>, AppError> {
        if let Some(path) = &self.jwks {
            let text = std::fs::read_to_string(path).map_err(|e| {
                AppError::invalid(format!("cannot read --jwks {}: {e}", path.display()))
            })?;
            return ClientKeys::inline(&text).map(Some);
        }
        self.jwks_uri.as_deref().map(ClientKeys::uri).transpose()
    }
}

/// Sign-out that reaches the application, and browser access.
#[derive(Debug, Args)]
pub struct LogoutFields {
    /// Back-channel logout: tapid POSTs a Logout Token here when a session the client got tokens in ends.
    #[arg(long, value_name = "URI", conflicts_with = "no_backchannel_logout")]
    backchannel_logout_uri: Option<String>,
    /// Stop back-channel logout for this client.
    #[arg(long)]
    no_backchannel_logout: bool,
    /// The client needs `sid` in Logout Tokens (tapid always sends it); `=false` to clear.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    backchannel_logout_session_required: Option<bool>,
    /// Front-channel logout: loaded in an iframe on the signed-out page.
    #[arg(long, value_name = "URI", conflicts_with = "no_frontchannel_logout")]
    frontchannel_logout_uri: Option<String>,
    /// Stop front-channel logout for this client.
    #[arg(long)]
    no_frontchannel_logout: bool,
    /// Add `iss` and `sid` to the front-channel logout URI; `=false` to clear.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    frontchannel_logout_session_required: Option<bool>,
    /// An origin (scheme://host[:port]) allowed to call the token endpoints from a browser, besides the
    /// redirect URIs' origins; repeat for several. On update, replaces the list.
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    allowed_origin: Vec<String>,
    /// Remove every allowed origin.
    #[arg(long, conflicts_with = "allowed_origin")]
    no_allowed_origins: bool,
    /// A resource server: may introspect tokens whose audience includes it; `=false` to clear.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    introspection: Option<bool>,
}

impl LogoutFields {
    fn changes(&self) -> Result<LogoutChanges, AppError> {
        let uri = |value: &Option<String>, remove: bool| -> Result<_, AppError> {
            Ok(match (value, remove) {
                (Some(u), _) => Some(Some(RedirectUri::parse(u)?)),
                (None, true) => Some(None),
                (None, false) => None,
            })
        };
        Ok(LogoutChanges {
            backchannel_logout_uri: uri(&self.backchannel_logout_uri, self.no_backchannel_logout)?,
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            frontchannel_logout_uri: uri(
                &self.frontchannel_logout_uri,
                self.no_frontchannel_logout,
            )?,
            frontchannel_logout_session_required: self.frontchannel_logout_session_required,
            allowed_origins: if self.no_allowed_origins {
                Some(Vec::new())
            } else if self.allowed_origin.is_empty() {
                None
            } else {
                Some(
                    self.allowed_origin
                        .iter()
                        .map(|o| Origin::parse(o))
                        .collect::<Result<_, _>>()?,
                )
            },
            may_introspect: self.introspection,
        })
    }
}

impl ClientFields {
    fn redirect_uris(list: &[String]) -> Result<Vec<RedirectUri>, AppError> {
        list.iter().map(|u| RedirectUri::parse(u)).collect()
    }

    fn scope(&self) -> Result<Option<Scope>, AppError> {
        if self.scope.is_empty() {
            return Ok(None);
        }
        Scope::parse(&self.scope.join(" "))
            .map(Some)
            .map_err(AppError::invalid)
    }

    fn grants(&self) -> Result<Vec<GrantType>, AppError> {
        self.grant
            .iter()
            .flat_map(|g| g.split([',', ' ']).filter(|g| !g.is_empty()))
            .map(|g| {
                GrantType::parse(g).ok_or_else(|| {
                    AppError::invalid(format!(
                        "unknown grant `{g}` (authorization_code, refresh_token, client_credentials or device_code)"
                    ))
                })
            })
            .collect()
    }

    fn alg(option: &str, value: &Option<String>) -> Result<Option<SigningAlg>, AppError> {
        value
            .as_deref()
            .map(|a| {
                SigningAlg::parse(a).ok_or_else(|| {
                    AppError::invalid(format!(
                        "unknown algorithm `{a}` for --{option} (RS256, ES256 or EdDSA)"
                    ))
                })
            })
            .transpose()
    }

    fn id_token_alg(&self) -> Result<Option<SigningAlg>, AppError> {
        Self::alg("id-token-alg", &self.id_token_alg)
    }

    fn access_token_alg(&self) -> Result<Option<SigningAlg>, AppError> {
        Self::alg("access-token-alg", &self.access_token_alg)
    }

    fn roles(&self) -> Result<Vec<Role>, AppError> {
        self.role.iter().map(|r| r.parse()).collect()
    }
}

#[derive(Serialize)]
struct Created<'a> {
    #[serde(flatten)]
    client: &'a Client,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

pub async fn run(ctx: &Context, command: ClientCommand) -> anyhow::Result<()> {
    let actor = Actor::Cli;
    let db = &ctx.db;
    match command {
        ClientCommand::Add { id, fields, public } => {
            let mut new = NewClient::new(ClientId::parse(&id)?);
            new.name = fields.name.clone();
            new.logo_uri = fields.logo_uri.as_deref().map(LogoUri::parse).transpose()?;
            new.public = public;
            new.redirect_uris = ClientFields::redirect_uris(&fields.redirect_uri)?;
            new.post_logout_redirect_uris =
                ClientFields::redirect_uris(&fields.post_logout_redirect_uri)?;
            new.grant_types = fields.grants()?;
            new.scopes = fields.scope()?;
            new.id_token_alg = fields.id_token_alg()?.unwrap_or(SigningAlg::RS256);
            new.access_token_alg = fields.access_token_alg()?.unwrap_or(SigningAlg::RS256);
            new.roles = fields.roles()?;
            new.logout = fields.logout.changes()?;
            new.keys = fields.keys.keys()?;
            new.require_pushed_authorization_requests = fields.require_par.unwrap_or(false);
            new.dpop_bound_access_tokens = fields.require_dpop.unwrap_or(false);
            let (client, secret) = clients::add(db, &actor, new).await?;
            print(ctx, &client, secret);
        }
        ClientCommand::Update {
            id,
            fields,
            new_secret,
        } => {
            let list = |v: &Vec<String>| (!v.is_empty()).then(|| ClientFields::redirect_uris(v));
            let changes = ClientChanges {
                name: fields.name.clone().map(Some),
                logo_uri: if fields.no_logo {
                    Some(None)
                } else {
                    fields
                        .logo_uri
                        .as_deref()
                        .map(|u| LogoUri::parse(u).map(Some))
                        .transpose()?
                },
                redirect_uris: list(&fields.redirect_uri).transpose()?,
                post_logout_redirect_uris: list(&fields.post_logout_redirect_uri).transpose()?,
                grant_types: Some(fields.grants()?).filter(|g| !g.is_empty()),
                scopes: fields.scope()?,
                id_token_alg: fields.id_token_alg()?,
                access_token_alg: fields.access_token_alg()?,
                roles: Some(fields.roles()?).filter(|r| !r.is_empty()),
                logout: fields.logout.changes()?,
                new_secret,
                keys: fields.keys.keys()?,
                require_pushed_authorization_requests: fields.require_par,
                dpop_bound_access_tokens: fields.require_dpop,
            };
            let (client, secret) = clients::update(db, &actor, &id, changes).await?;
            print(ctx, &client, secret);
        }
        ClientCommand::List => {
            let clients = clients::list(db).await?;
            if ctx.json {
                output::json(&clients);
            } else if clients.is_empty() {
                println!("no clients");
            } else {
                println!(
                    "{:<28} {:<13} {:<40} {:<6} {:<6} NAME",
                    "CLIENT", "TYPE", "GRANTS", "ID TOK", "ACCESS"
                );
                for c in &clients {
                    println!(
                        "{:<28} {:<13} {:<40} {:<6} {:<6} {}",
                        c.id,
                        kind(c),
                        grants_text(c),
                        c.id_token_alg.as_str(),
                        c.access_token_alg.as_str(),
                        output::opt(&c.name)
                    );
                }
            }
        }
        ClientCommand::Show { id } => {
            let client = clients::get(db, &id).await?;
            print(ctx, &client, None);
        }
        ClientCommand::Remove { id } => {
            let client = clients::remove(db, &actor, &id).await?;
            output::done(ctx, &format!("removed client `{}`", client.id));
        }
    }
    Ok(())
}

fn kind(client: &Client) -> &'static str {
    if client.public {
        "public"
    } else if client.keys().is_some() {
        "private key"
    } else {
        "confidential"
    }
}

fn grants_text(client: &Client) -> String {
    client
        .grant_types
        .iter()
        .map(|g| match g {
            GrantType::DeviceCode => GrantType::DEVICE_CODE_SHORT,
            other => other.as_str(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn print(ctx: &Context, client: &Client, secret: Option<String>) {
    if ctx.json {
        output::json(&Created {
            client,
            client_secret: secret,
        });
        return;
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(" ")
        }
    };
    println!("client:           {}", client.id);
    println!("name:             {}", output::opt(&client.name));
    if let Some(logo) = &client.logo_uri {
        println!("logo:             {logo}");
    }
    println!("type:             {}", kind(client));
    println!("authenticates:    {}", client.auth_method());
    if let Some(uri) = &client.jwks_uri {
        println!("jwks uri:         {uri}");
    }
    println!("redirect uris:    {}", list(&client.redirect_uris));
    println!(
        "logout uris:      {}",
        list(&client.post_logout_redirect_uris)
    );
    println!("grants:           {}", grants_text(client));
    println!("scopes:           {}", client.scopes);
    println!("id token alg:     {}", client.id_token_alg);
    println!("access token alg: {}", client.access_token_alg);
    println!(
        "roles:            {}",
        if client.roles.is_empty() {
            "-".into()
        } else {
            Role::format_list(&client.roles)
        }
    );
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    println!("back-channel:     {}", opt(&client.backchannel_logout_uri));
    println!("front-channel:    {}", opt(&client.frontchannel_logout_uri));
    println!("allowed origins:  {}", list(&client.allowed_origins));
    println!(
        "introspection:    {}",
        if client.may_introspect { "yes" } else { "no" }
    );
    if let Some(secret) = secret {
        println!("client secret:    {secret}");
        println!("(shown once; store it now)");
    }
}
