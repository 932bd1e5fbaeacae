//! A copy of the database alone yields no usable secret: TOTP secrets and private signing keys are stored
//! sealed, and the high-entropy secrets (client secrets, codes, refresh tokens, sessions) only as digests.

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_copy_of_the_database_holds_no_totp_secret_or_private_key_in_clear() {
    let app = spawn_app().await;
    let totp = app.arrange_user_with_totp("alice").await;
    let client = app.service_client("svc", "openid").await;
    let token = app.client_credentials_token(&client).await;

    let stored = app.every_stored_text().await;

    let base32 = tapid::methods::totp::enrolment(&totp.bytes, "alice")
        .unwrap()
        .secret_base32;
    let hex = hex::encode(&totp.bytes);
    let secret = client
        .secret
        .clone()
        .expect("a confidential client has a secret");
    assert!(
        stored.iter().any(|v| v.starts_with("v1:")),
        "sealed values are stored"
    );
    for value in &stored {
        assert!(!value.contains(&base32), "TOTP secret in clear: {value}");
        assert!(
            !value.to_lowercase().contains(&hex),
            "TOTP secret in clear (hex)"
        );
        assert!(!value.contains("PRIVATE KEY"), "a PEM private key in clear");
        assert!(!value.contains(&secret), "client secret in clear");
        assert!(!value.contains(&token), "access token stored in clear");
    }
}

#[tokio::test]
async fn sealed_values_do_not_open_with_another_key() {
    let app = spawn_app().await;
    app.arrange_user_with_totp("alice").await;
    let other = tapid::secrets::Sealer::from_bytes(&[7u8; 32], "another deployment").unwrap();

    let stored = app.every_stored_text().await;

    let sealed: Vec<&String> = stored.iter().filter(|v| v.starts_with("v1:")).collect();
    assert!(!sealed.is_empty());
    let mut opened_with_ours = 0;
    for value in sealed {
        // Whatever context a value was sealed for, a foreign key opens none of them.
        for context in ["totp", "secrets_key_check", "signing_key"] {
            assert!(other.open(value, context).is_none());
        }
        if app.sealer().open(value, "secrets_key_check").is_some() {
            opened_with_ours += 1;
        }
    }
    assert_eq!(
        opened_with_ours, 1,
        "the deployment's own key opens its check value"
    );
}
