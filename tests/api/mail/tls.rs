//! Mail over TLS to a real SMTP server (aiosmtpd) with a certificate from a CA of the organisation's
//! own (`smtp.ca_file`): STARTTLS required and TLS from the first byte both deliver; an untrusted
//! certificate, or a server that offers no STARTTLS, gets nothing — never a fall back to plain text.

use std::time::{Duration, Instant};

use tapid::audit::Actor;
use tapid::config::SmtpSecurity;
use tapid::directory;

use super::mailing_app;
use super::sink::{Sink, TestCerts, free_port, part};
use crate::helpers::TestApp;

async fn add_bob(app: &TestApp) {
    let mut new = directory::NewUser::named(directory::Username::parse("bob").unwrap());
    new.email = Some(directory::Email::parse("bob@example.test").unwrap());
    directory::users::create(&app.db, &Actor::Cli, new)
        .await
        .unwrap();
}

/// The outbox's first failure, waiting up to 15 s for one.
async fn first_failure(app: &TestApp) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let pending = tapid::db::mail::pending(app.db.pool()).await.unwrap();
        if let Some(error) = pending.iter().find_map(|r| r.last_error.clone()) {
            return error;
        }
        assert!(Instant::now() < deadline, "no attempt failed: {pending:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn mail_goes_over_starttls_and_over_tls_to_a_server_the_organisations_ca_certified() {
    let certs = TestCerts::new();
    for (mode, security) in [
        ("starttls", SmtpSecurity::Starttls),
        ("implicit", SmtpSecurity::Tls),
    ] {
        let sink = Sink::start_tls(free_port(), mode, &certs).await;
        let (app, worker) = mailing_app(|c| {
            c.smtp.host = Some("localhost".into());
            c.smtp.port = Some(sink.addr.port());
            c.smtp.security = security;
            c.smtp.ca_file = Some(certs.ca_file());
        })
        .await;
        add_bob(&app).await;
        app.arrange_pass("bob", true).await;
        let notice = sink
            .wait_for("A Temporary Access Pass was issued for you")
            .await;
        assert_eq!(notice["rcpt_tos"][0], "bob@example.test", "{mode}");
        assert!(part(&notice, "text/plain").contains("If this was not you"));
        worker.abort();
    }
}

#[tokio::test]
async fn a_certificate_no_trusted_ca_signed_gets_no_mail_and_no_fall_back_to_plain_text() {
    let certs = TestCerts::new();
    let sink = Sink::start_tls(free_port(), "starttls", &certs).await;
    // The system's CAs only: the test CA is not among them.
    let (app, worker) = mailing_app(|c| {
        c.smtp.host = Some("localhost".into());
        c.smtp.port = Some(sink.addr.port());
        c.smtp.security = SmtpSecurity::Starttls;
        c.smtp.timeout_seconds = std::num::NonZeroU32::new(3).unwrap();
    })
    .await;
    add_bob(&app).await;
    app.arrange_pass("bob", true).await;
    let error = first_failure(&app).await;
    assert!(!error.is_empty());
    assert!(sink.messages().is_empty(), "{:?}", sink.messages());
    worker.abort();
}

#[tokio::test]
async fn a_server_that_offers_no_starttls_gets_no_mail_when_starttls_is_required() {
    let certs = TestCerts::new();
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = mailing_app(|c| {
        c.smtp.host = Some("localhost".into());
        c.smtp.port = Some(sink.addr.port());
        c.smtp.security = SmtpSecurity::Starttls;
        c.smtp.ca_file = Some(certs.ca_file());
        c.smtp.timeout_seconds = std::num::NonZeroU32::new(3).unwrap();
    })
    .await;
    add_bob(&app).await;
    app.arrange_pass("bob", true).await;
    first_failure(&app).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.messages().is_empty(), "{:?}", sink.messages());
    worker.abort();
}

#[test]
fn a_ca_file_that_is_missing_or_holds_no_certificate_stops_tapid_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let sealer = tapid::secrets::Sealer::from_bytes(&[7u8; 32], "test").unwrap();
    for path in [dir.path().join("absent.pem"), junk] {
        let mut settings = tapid::config::SmtpSettings {
            host: Some("localhost".into()),
            ca_file: Some(path),
            ..Default::default()
        };
        let error = tapid::mail::send::Transport::from_config(&settings, &sealer)
            .err()
            .expect("refused");
        assert!(error.to_string().contains("smtp.ca_file"), "{error}");
        settings.ca_file = Some(TestCerts::new().ca_file());
        settings.security = SmtpSecurity::None;
        let error = tapid::mail::send::Transport::from_config(&settings, &sealer)
            .err()
            .expect("refused");
        assert!(error.to_string().contains("smtp.ca_file"), "{error}");
    }
}
