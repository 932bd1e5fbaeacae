//! The whole flow driven by the `openidconnect` crate as a real relying party, with a real sign-in:
//! discovery → authorization URL with PKCE and nonce → sign-in with an authenticator app → code → token →
//! ID-token verification → userinfo → introspection → refresh rotation and reuse detection → single
//! sign-on → revocation → logout.

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndSessionUrl,
    IntrospectionUrl, IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenIntrospectionResponse, TokenResponse,
};
use serde_json::Value;

use crate::helpers::TestApp;
use crate::helpers::oidc::{jwt_header, query_of};
use crate::helpers::signin::location;
use crate::helpers::spawn_app;

const CB: &str = "https://rp.example.com/cb";
const BYE: &str = "https://rp.example.com/bye";

fn http_client(app: &TestApp) -> openidconnect::reqwest::Client {
    openidconnect::reqwest::ClientBuilder::new()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .resolve("localhost", app.addr)
        .build()
        .unwrap()
}

/// Follows `/authorize` through sign-in (when needed) to the redirect back to the client.
async fn authorize_in_browser(
    app: &TestApp,
    url: &str,
    secret: &crate::helpers::signin::TotpSecret,
) -> String {
    let first = app.client.get(url).send().await.unwrap();
    assert_eq!(first.status(), 303);
    let mut to = location(&first);
    if to.starts_with("/login") {
        let back = app.sign_in_with_totp_from(&to, "alice", secret).await;
        let resumed = app.get(&back).await;
        assert_eq!(resumed.status(), 303);
        to = location(&resumed);
    }
    assert!(to.starts_with(CB), "redirected to {to}");
    to
}

/// The whole flow for a client whose ID tokens are signed with `id_alg` (`expected`) and access tokens
/// with `access_alg`.
async fn full_flow(id_alg: &str, access_alg: &str, expected: CoreJwsSigningAlgorithm) {
    // Arrange: a relying party, a person with an authenticator app.
    let app = spawn_app().await;
    let rp = app
        .add_client(
            "rp",
            &[
                "--redirect-uri",
                CB,
                "--post-logout-redirect-uri",
                BYE,
                "--id-token-alg",
                id_alg,
                "--access-token-alg",
                access_alg,
            ],
        )
        .await;
    let totp = app.arrange_user_with_totp("alice").await;
    app.cli(&[
        "user",
        "update",
        "alice",
        "--email",
        "alice@example.com",
        "--name",
        "Alice Liddell",
    ])
    .await
    .ok();
    let alice = tapid::directory::users::get_by_username(&app.db, "alice")
        .await
        .unwrap();
    let http = http_client(&app);

    // Discovery.
    let metadata = ProviderMetadataWithLogout::discover_async(
        IssuerUrl::new(app.issuer.clone()).unwrap(),
        &http,
    )
    .await
    .expect("discovery");
    let end_session = metadata
        .additional_metadata()
        .end_session_endpoint
        .clone()
        .expect("end_session_endpoint");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(rp.id.clone()),
        Some(ClientSecret::new(rp.secret.clone().unwrap())),
    )
    .set_redirect_uri(RedirectUrl::new(CB.into()).unwrap())
    .set_introspection_url(IntrospectionUrl::new(app.url("/introspect")).unwrap());

    // Authorization URL with PKCE and nonce; the real sign-in.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let back = authorize_in_browser(&app, auth_url.as_str(), &totp).await;
    let q = query_of(&back);
    assert_eq!(q["state"], *csrf.secret());
    assert_eq!(q["iss"], app.issuer);

    // Code → tokens.
    let tokens = client
        .exchange_code(AuthorizationCode::new(q["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("token exchange");
    assert_eq!(
        jwt_header(tokens.access_token().secret())["alg"],
        access_alg
    );
    let refresh_1 = tokens
        .refresh_token()
        .expect("a refresh token with offline_access")
        .clone();

    // The ID token verifies with the client's algorithm.
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs(vec![expected.clone()]);
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");
    assert_eq!(id_token.signing_alg().unwrap(), &expected);
    assert_eq!(claims.subject().as_str(), alice.id);
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some("1fa"));
    let amr: Vec<&str> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(amr, ["otp"]);
    assert!(claims.auth_time().is_some());
    assert_eq!(
        claims.email().map(|e| e.as_str()),
        Some("alice@example.com")
    );
    let at_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(claims.access_token_hash(), Some(&at_hash));
    let raw = crate::helpers::oidc::jwt_claims(&id_token.to_string());
    assert_eq!(raw["azp"], "rp");
    assert!(raw["sid"].is_string());

    // Userinfo.
    let info: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("alice@example.com"));
    assert_eq!(info.preferred_username().map(|u| u.as_str()), Some("alice"));

    // Introspection of the live access token.
    let introspection = client
        .introspect(tokens.access_token())
        .request_async(&http)
        .await
        .expect("introspection");
    assert!(introspection.active());

    // Refresh: rotated on use.
    let refreshed = client
        .exchange_refresh_token(&refresh_1)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let refresh_2 = refreshed
        .refresh_token()
        .expect("a rotated refresh token")
        .clone();
    assert_ne!(refresh_2.secret(), refresh_1.secret());
    assert_eq!(
        jwt_header(refreshed.access_token().secret())["alg"],
        access_alg
    );
    let refreshed_id = refreshed.id_token().expect("an ID token on refresh");
    refreshed_id
        .claims(&verifier, |_: Option<&Nonce>| Ok(()))
        .expect("the refreshed ID token verifies");

    // Reuse of the rotated token: refused, and the whole family is revoked.
    let reuse = client
        .exchange_refresh_token(&refresh_1)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(
        reuse.is_err(),
        "a rotated refresh token must not work again"
    );
    let after_reuse = client
        .exchange_refresh_token(&refresh_2)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(after_reuse.is_err(), "the family is revoked");
    let dead = client
        .introspect(refreshed.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(!dead.active());
    let reused = app
        .cli(&[
            "audit",
            "list",
            "--json",
            "--action",
            "token.refresh_reused",
        ])
        .await
        .json();
    assert_eq!(reused.as_array().unwrap().len(), 1);

    // Single sign-on: a second authorization needs no sign-in.
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("offline_access".into()))
        .set_pkce_challenge(challenge)
        .url();
    let first = app.client.get(auth_url.as_str()).send().await.unwrap();
    let back = location(&first);
    assert!(
        back.starts_with(CB),
        "single sign-on answers at once: {back}"
    );
    let second = client
        .exchange_code(AuthorizationCode::new(query_of(&back)["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();

    // Revocation of the refresh token ends its access token too. (The oauth2 crate refuses to revoke
    // over http, which the test server speaks, so this one request is made by hand, as RFC 7009 says.)
    let revocation = app
        .post_client_form(
            "/revoke",
            &[
                ("token", second.refresh_token().unwrap().secret()),
                ("token_type_hint", "refresh_token"),
            ],
            Some((&rp.id, rp.secret.as_deref().unwrap())),
        )
        .await;
    assert_eq!(revocation.status(), 200);
    let revoked = client
        .introspect(second.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(!revoked.active());

    // Logout with id_token_hint and a registered post-logout redirect.
    let logout_url =
        LogoutRequest::from(EndSessionUrl::new(end_session.url().to_string()).unwrap())
            .set_id_token_hint(id_token)
            .set_post_logout_redirect_uri(PostLogoutRedirectUrl::new(BYE.into()).unwrap())
            .set_state(CsrfToken::new("bye-state".into()))
            .http_get_url();
    let logout = app.client.get(logout_url.as_str()).send().await.unwrap();
    assert_eq!(logout.status(), 303);
    let to = location(&logout);
    assert!(to.starts_with(BYE), "{to}");
    assert_eq!(query_of(&to)["state"], "bye-state");

    // The session is gone: a silent request now needs a sign-in.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_prompt(openidconnect::core::CoreAuthPrompt::None)
        .set_pkce_challenge(challenge)
        .url();
    let silent = app.client.get(auth_url.as_str()).send().await.unwrap();
    assert_eq!(query_of(&location(&silent))["error"], "login_required");
}

#[tokio::test]
async fn a_relying_party_completes_the_whole_flow_with_rs256() {
    full_flow(
        "RS256",
        "RS256",
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    )
    .await;
}

#[tokio::test]
async fn a_relying_party_completes_the_whole_flow_with_es256() {
    full_flow("ES256", "RS256", CoreJwsSigningAlgorithm::EcdsaP256Sha256).await;
}

#[tokio::test]
async fn a_relying_party_completes_the_whole_flow_with_eddsa() {
    full_flow("EdDSA", "RS256", CoreJwsSigningAlgorithm::EdDsa).await;
}

// Userinfo, introspection, refresh and revocation with access tokens signed otherwise than RS256 (and
// otherwise than the ID tokens: at_hash follows the ID token's algorithm).
#[tokio::test]
async fn a_relying_party_completes_the_whole_flow_with_es256_access_tokens() {
    full_flow("EdDSA", "ES256", CoreJwsSigningAlgorithm::EdDsa).await;
}

#[tokio::test]
async fn a_relying_party_completes_the_whole_flow_with_eddsa_access_tokens() {
    full_flow(
        "RS256",
        "EdDSA",
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    )
    .await;
}

#[tokio::test]
async fn every_successful_code_grant_is_audited_with_its_grant_type_and_client() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;

    let response = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let events = app
        .cli(&["audit", "list", "--json", "--action", "token.issued"])
        .await
        .json();
    let events: &Vec<Value> = events.as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["details"]["grant_type"], "authorization_code");
    assert_eq!(events[0]["details"]["client_id"], "webapp");
}
