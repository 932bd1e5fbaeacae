//! Per-method throttle budgets: junk for one guessable secret never locks the owner out of another
//! way in, and nothing typed for an account throttles its owner's passkey (which cannot be guessed).

use crate::helpers::signin::SoftPasskey;
use crate::helpers::spawn_app;

#[tokio::test]
async fn junk_passcodes_for_an_account_never_throttle_its_owners_passkey() {
    let app = spawn_app().await;
    let mut authenticator = SoftPasskey::new(true);
    app.arrange_user_with_passkey("ann", &mut authenticator)
        .await;

    // Anyone, anywhere, can type passcodes for `ann` until her pass budget is spent.
    let mut last = 0;
    for _ in 0..21 {
        last = app
            .submit_tap_from("/login", "ann", "WRONGPASS1")
            .await
            .status()
            .as_u16();
    }
    assert_eq!(last, 429);

    // Her passkey still signs her in (the helper asserts a 200).
    let next = app
        .sign_in_with_passkey_from("/login", "ann", &mut authenticator)
        .await;
    assert!(!next.is_empty());
}

#[tokio::test]
async fn junk_passcodes_do_not_spend_the_authenticator_app_budget() {
    let app = spawn_app().await;
    let secret = app.arrange_user_with_totp("bob").await;
    for _ in 0..21 {
        app.submit_tap_from("/login", "bob", "WRONGPASS1").await;
    }

    let code = secret.fresh_code().await;
    let response = app.submit_totp_from("/login", "bob", &code).await;

    assert_eq!(response.status(), 303);
}
