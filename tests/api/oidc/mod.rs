//! The OpenID Connect provider, grouped by behaviour.

mod access_token_alg;
mod audiences;
mod authorize_refusals;
mod client_credentials;
mod clients_cli;
mod code_refusals;
mod device;
mod discovery;
mod dpop;
mod instances;
mod keys;
mod levels;
mod logout;
mod par;
mod private_key_jwt;
mod relying_parties;
mod relying_party;
mod stored_damage;
mod token_errors;
mod userinfo;
