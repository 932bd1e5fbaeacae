//! Front-Channel Logout 1.0: the signed-out page loads each application's front-channel logout URI in an
//! iframe (with `iss` and `sid` when asked), its policy frames exactly those origins, and it then goes on
//! to the post-logout redirect URI.

use serde_json::Value;

use crate::helpers::oidc::jwt_claims;
use crate::helpers::spawn_app;

#[tokio::test]
async fn rp_initiated_logout_loads_the_front_channel_logout_uri_of_the_sessions_applications() {
    let app = spawn_app().await;
    let rp = app
        .add_client(
            "wiki",
            &[
                "--redirect-uri",
                "https://wiki.example.com/cb",
                "--post-logout-redirect-uri",
                "https://wiki.example.com/bye",
                "--frontchannel-logout-uri",
                "https://wiki.example.com/fcl",
                "--frontchannel-logout-session-required",
            ],
        )
        .await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();
    let hint = tokens["id_token"].as_str().unwrap();
    let sid = jwt_claims(hint)["sid"].as_str().unwrap().to_string();

    let page = app
        .get(&format!(
            "/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fwiki.example.com%2Fbye&state=s9"
        ))
        .await;

    assert_eq!(page.status(), 200, "the signed-out page, not a redirect");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-src https://wiki.example.com"), "{csp}");
    let html = page.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let frames: Vec<String> = doc
        .select(&scraper::Selector::parse("iframe.frontchannel-logout").unwrap())
        .filter_map(|f| f.value().attr("src").map(String::from))
        .collect();
    assert_eq!(frames.len(), 1, "{html}");
    let url = url::Url::parse(&frames[0]).unwrap();
    assert_eq!(url.path(), "/fcl");
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(query["iss"], app.issuer);
    assert_eq!(query["sid"], sid);
    let refresh = doc
        .select(&scraper::Selector::parse("meta[http-equiv=refresh]").unwrap())
        .next()
        .and_then(|m| m.value().attr("content").map(String::from))
        .expect("goes on by itself");
    assert!(
        refresh.contains("https://wiki.example.com/bye?state=s9"),
        "{refresh}"
    );
}

#[tokio::test]
async fn without_front_channel_applications_logout_redirects_at_once() {
    let app = spawn_app().await;
    let rp = app.web_client("webapp").await;
    let totp = app.arrange_user_with_totp("alice").await;
    let authorized = app.authorize_with_totp(&rp, "alice", &totp, &[]).await;
    let tokens: Value = app
        .redeem(&rp, &authorized.code, Some(&authorized.verifier))
        .await
        .json()
        .await
        .unwrap();

    let out = app
        .get(&format!(
            "/logout?id_token_hint={}&post_logout_redirect_uri=https%3A%2F%2Frp.example.com%2Fbye",
            tokens["id_token"].as_str().unwrap()
        ))
        .await;

    assert_eq!(out.status(), 303);
}
