//! A pass sign-in is one change: the spent pass (`tap.used`), the sign-in (`signin.succeeded`) and the
//! session it opens commit together, or none of them does.

use crate::helpers::signin::{form_field, location};
use crate::helpers::{TestApp, is_postgres, spawn_app};

/// Makes the database refuse every signed-in session, as a crash between the writes would leave it.
async fn refuse_signed_in_sessions(app: &TestApp) {
    let statements: &[&str] = if is_postgres() {
        &[
            "CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$",
            "CREATE TRIGGER refuse_signed_in BEFORE INSERT ON sessions FOR EACH ROW \
             WHEN (NEW.user_id IS NOT NULL) EXECUTE FUNCTION refuse_for_test()",
        ]
    } else {
        &["CREATE TRIGGER refuse_signed_in BEFORE INSERT ON sessions \
           WHEN NEW.user_id IS NOT NULL BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"]
    };
    for statement in statements {
        sqlx::raw_sql(statement)
            .execute(app.db.pool())
            .await
            .unwrap();
    }
}

async fn accept_sessions_again(app: &TestApp) {
    sqlx::raw_sql(if is_postgres() {
        "DROP TRIGGER refuse_signed_in ON sessions"
    } else {
        "DROP TRIGGER refuse_signed_in"
    })
    .execute(app.db.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn a_pass_sign_in_whose_session_cannot_be_opened_spends_nothing() {
    let app = spawn_app().await;
    let passcode = app.arrange_pass("newbie", true).await;
    let methods = location(&app.enter_username("/login", "newbie").await);
    let (html, csrf) = app
        .page_with_csrf(&methods.replacen("/login/methods", "/login/tap", 1))
        .await;
    let return_to = form_field(&html, "return_to").unwrap_or_default();
    refuse_signed_in_sessions(&app).await;

    let response = app
        .post_form(
            "/login/tap",
            &[
                ("csrf", &csrf),
                ("passcode", &passcode),
                ("return_to", &return_to),
            ],
        )
        .await;

    assert_eq!(response.status(), 500);
    assert!(app.events("tap.used").await.is_empty(), "no pass was spent");
    assert!(app.events("signin.succeeded").await.is_empty());
    assert!(
        app.pass_state("newbie").await.usable,
        "the one-time pass is still usable"
    );
    accept_sessions_again(&app).await;
    let setup = app
        .sign_in_with_tap_from("/login", "newbie", &passcode)
        .await;
    assert!(setup.starts_with("/security-info/setup"), "{setup}");
    assert_eq!(app.events("tap.used").await.len(), 1);
}
