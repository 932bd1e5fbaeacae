//! A deployment's brand: its primary colour per scheme and its own stylesheet reach every page through
//! `/static/brand.css`; a colour that fails WCAG AA, or a stylesheet that cannot be read, stops tapid at
//! start with one line naming the key.

use tapid::config::BrandSettings;

use crate::helpers::{run_cli, spawn_app, spawn_app_with};

fn brand(settings: serde_json::Value) -> BrandSettings {
    serde_json::from_value(settings).expect("brand settings")
}

async fn brand_css(app: &crate::helpers::TestApp) -> (String, String) {
    let response = app.get("/static/brand.css").await;
    assert_eq!(response.status(), 200);
    let kind = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (kind, response.text().await.unwrap())
}

#[tokio::test]
async fn every_page_links_the_brand_stylesheet_after_tapids_own() {
    let app = spawn_app().await;
    let html = app.get("/login").await.text().await.unwrap();
    let own = html.find("/static/tapid.css").expect("tapid's stylesheet");
    let brand = html
        .find("/static/brand.css")
        .expect("the brand stylesheet");
    assert!(own < brand, "the brand comes after tapid's own, so it wins");
    assert!(html.contains(r#"<meta name="color-scheme" content="light dark">"#));
}

#[tokio::test]
async fn an_unbranded_deployment_serves_an_empty_brand_stylesheet() {
    let app = spawn_app().await;
    let (kind, css) = brand_css(&app).await;
    assert_eq!(kind, "text/css; charset=utf-8");
    assert_eq!(css, "");
}

#[tokio::test]
async fn a_branded_deployment_serves_its_colour_per_scheme_then_its_own_stylesheet() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("acme.css");
    std::fs::write(
        &sheet,
        "header.site { border-bottom: 4px solid var(--accent); }\n",
    )
    .unwrap();
    let settings = brand(serde_json::json!({
        "primary_color": "#7B1FA2",
        "primary_color_dark": "#ce93d8",
        "stylesheet": sheet,
    }));
    let app = spawn_app_with(|c| c.brand = settings).await;
    let (_, css) = brand_css(&app).await;
    let light = css.find(":root { --accent: #7b1fa2; }").expect(&css);
    let dark = css
        .find("@media (prefers-color-scheme: dark) { :root { --accent: #ce93d8; } }")
        .expect(&css);
    let own = css
        .find("header.site { border-bottom: 4px solid var(--accent); }")
        .expect(&css);
    assert!(light < dark && dark < own, "{css}");
}

#[tokio::test]
async fn a_primary_colour_that_fails_aa_contrast_stops_tapid_at_start_naming_the_key() {
    for (key, colour, scheme) in [
        ("TAPID_BRAND__PRIMARY_COLOR", "#ffcc00", "light"),
        ("TAPID_BRAND__PRIMARY_COLOR_DARK", "#0b5cad", "dark"),
    ] {
        let out = run_cli(&["migrate"], &[(key, colour)]).await;
        assert!(!out.success, "{key}={colour}");
        assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
        let named = key
            .trim_start_matches("TAPID_")
            .to_ascii_lowercase()
            .replace("__", ".");
        assert!(out.stderr.contains(&format!("`{named}`")), "{}", out.stderr);
        assert!(
            out.stderr.contains(&format!("{scheme} scheme")),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("WCAG AA needs 4.5:1"), "{}", out.stderr);
    }
    let out = run_cli(&["migrate"], &[("TAPID_BRAND__PRIMARY_COLOR", "purple")]).await;
    assert!(!out.success);
    assert!(out.stderr.contains("`brand.primary_color`") && out.stderr.contains("#rrggbb"));
}

#[tokio::test]
async fn a_brand_stylesheet_that_cannot_be_read_stops_tapid_at_start_naming_the_key() {
    let out = run_cli(
        &["migrate"],
        &[("TAPID_BRAND__STYLESHEET", "/nonexistent/acme.css")],
    )
    .await;
    assert!(!out.success);
    assert_eq!(out.stderr.trim().lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("`brand.stylesheet`"), "{}", out.stderr);
    assert!(
        out.stderr.contains("cannot read /nonexistent/acme.css"),
        "{}",
        out.stderr
    );
}
