//! Attacks on the pages, each shown refused: script injection through reflected and stored values,
//! and framing (clickjacking). Open redirects, PKCE downgrades, session fixation and cross-site forms
//! have their own tests beside the features (`oidc::authorize_refusals`, `oidc::code_refusals`,
//! `signin::totp`) and the generated-request test checks every redirect.

use crate::helpers::spawn_app;

const PAYLOAD: &str = "\"><script>alert(1)</script>";

#[tokio::test]
async fn a_reflected_return_to_cannot_inject_script_into_the_sign_in_page() {
    let app = spawn_app().await;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("return_to", &format!("/x{PAYLOAD}"))
        .append_pair("login_hint", PAYLOAD)
        .finish();

    let page = app
        .get(&format!("/login?{query}"))
        .await
        .text()
        .await
        .unwrap();

    assert!(!page.contains("<script>alert(1)"), "{page}");
}

#[tokio::test]
async fn a_stored_client_name_cannot_inject_script_into_the_logout_page() {
    let app = spawn_app().await;
    app.cli(&[
        "client",
        "add",
        "rp",
        "--redirect-uri",
        "https://rp.example/cb",
        "--post-logout-redirect-uri",
        "https://rp.example/bye",
        "--name",
        PAYLOAD,
    ])
    .await
    .ok();

    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", "rp")
        .append_pair("post_logout_redirect_uri", "https://rp.example/bye")
        .finish();
    let page = app
        .get(&format!("/logout?{query}"))
        .await
        .text()
        .await
        .unwrap();

    assert!(!page.contains("<script>alert(1)"), "{page}");
}

#[tokio::test]
async fn no_page_may_be_framed_by_another_site() {
    let app = spawn_app().await;
    for path in [
        "/login",
        "/security-info",
        "/authorize?client_id=nobody",
        "/logout",
        "/admin",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path} has no CSP"))
            .to_str()
            .unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
    }
}
