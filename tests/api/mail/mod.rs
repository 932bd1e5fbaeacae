//! Mail through a real SMTP server (PyPI's aiosmtpd, run by the tests): a reveal link mailed to the
//! manager and the notices to the person arrive with their headers, both parts and the link, never the
//! passcode; the SMTP password is sealed; a mail server that is down holds up nothing and gets the
//! mail once it is back.

pub mod sink;
mod tls;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tapid::audit::Actor;
use tapid::directory;
use tapid::directory::profiles::{self, UserProfile};
use tokio::io::AsyncWriteExt;

use crate::helpers::signin::form_field;
use crate::helpers::{run_cli, spawn_app_with, tapid_binary};
use crate::ops::process;
use sink::{Sink, free_port, part};

const HELPDESK: &str = "the IT helpdesk on +49 30 1234 5678";

/// An app configured by `configure` (its `smtp.*`), with the outbox's worker running as `tapid serve`
/// runs it.
pub async fn mailing_app(
    configure: impl FnOnce(&mut tapid::config::Config),
) -> (crate::helpers::TestApp, tokio::task::JoinHandle<()>) {
    let app = spawn_app_with(configure).await;
    let sealer = std::sync::Arc::new(app.sealer());
    let transport = tapid::mail::send::Transport::from_config(&app.config.smtp, &sealer)
        .unwrap()
        .expect("smtp.host is set");
    tapid::db::mail::set_enabled(app.db.pool(), true)
        .await
        .unwrap();
    let worker = tapid::mail::worker::spawn(
        app.db.clone(),
        sealer,
        std::sync::Arc::new(app.config.clone()),
        transport,
    );
    (app, worker)
}

/// `tapid smtp seal-password`, the password on standard input.
async fn seal_password(env: &[(&str, &str)], password: &str) -> String {
    let mut command = tokio::process::Command::new(tapid_binary());
    for (key, _) in std::env::vars() {
        if key.starts_with("TAPID_") {
            command.env_remove(key);
        }
    }
    let mut child = command
        .args(["smtp", "seal-password"])
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{password}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success());
    let sealed = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains(password),
        "{sealed}"
    );
    sealed
}

/// The reveal link in a message's text.
fn link_in(text: &str) -> String {
    let start = text.find("http://localhost:").expect("a link");
    text[start..].split_whitespace().next().unwrap().to_string()
}

/// Opens `link` like a browser and confirms with `digits`; returns the passcode shown.
async fn reveal(client: &reqwest::Client, link: &str, digits: &str) -> String {
    let page = client.get(link).send().await.unwrap().text().await.unwrap();
    let csrf = form_field(&page, "csrf").unwrap();
    let origin = link[..link.find("/reveal/").unwrap()].to_string();
    let shown = client
        .post(link)
        .header("origin", origin)
        .form(&[("csrf", csrf.as_str()), ("digits", digits)])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    crate::helpers::admin::text_of(&shown, "#passcode").expect("the passcode is shown")
}

#[tokio::test]
async fn a_mailed_reveal_link_and_the_notices_arrive_without_the_passcode() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::helpers::tap::fresh_database(&dir).await;
    let key_file = dir.path().join("tapid.key").to_str().unwrap().to_string();
    let sink = Sink::start(free_port(), Some(("tapid-mailer", "s3cret pass"))).await;
    let base = [
        ("TAPID_DATABASE_URL", database.url.as_str()),
        ("TAPID_KEY_FILE", key_file.as_str()),
    ];
    let sealed = seal_password(&base, "s3cret pass").await;
    let port = sink.addr.port().to_string();
    let addr = process::free_addr();
    let issuer = format!("http://localhost:{}", addr.port());
    let mut env = base.to_vec();
    env.extend([
        // The CLI writes the links: it must know the deployment's address.
        ("TAPID_ISSUER", issuer.as_str()),
        ("TAPID_SMTP__HOST", "127.0.0.1"),
        ("TAPID_SMTP__PORT", port.as_str()),
        ("TAPID_SMTP__SECURITY", "none"),
        ("TAPID_SMTP__USER", "tapid-mailer"),
        ("TAPID_SMTP__PASSWORD", sealed.as_str()),
        ("TAPID_SMTP__FROM", "Example IT <it@example.test>"),
        ("TAPID_SMTP__HELPDESK_CONTACT", HELPDESK),
        ("TAPID_REVEAL__CONFIRM", "employee_number"),
    ]);
    run_cli(&["user", "add", "mia", "--email", "mia@example.test"], &env)
        .await
        .ok();
    run_cli(
        &["user", "add", "bob", "--email", "bob.home@example.test"],
        &env,
    )
    .await
    .ok();
    let db = tapid::db::Db::open(&database.url).await.unwrap();
    let (mia, bob) = (
        directory::users::get_by_username(&db, "mia").await.unwrap(),
        directory::users::get_by_username(&db, "bob").await.unwrap(),
    );
    let profile = UserProfile {
        employee_number: Some("E-0048213".into()),
        manager_id: Some(mia.id.clone()),
        ..UserProfile::default()
    };
    profiles::set_user(&db, &Actor::Cli, bob.target(), &bob.id, &profile)
        .await
        .unwrap();
    // The manager's zone is known to the directory, bob's is not: each message's times say so.
    let in_berlin = UserProfile {
        time_zone: Some("Europe/Berlin".into()),
        ..UserProfile::default()
    };
    profiles::set_user(&db, &Actor::Cli, mia.target(), &mia.id, &in_berlin)
        .await
        .unwrap();
    let server = process::start(dir.path(), addr, &env).await;

    let issued = run_cli(
        &["tap", "issue", "bob", "--send-to", "manager", "--json"],
        &env,
    )
    .await;
    let issued = issued.json();
    assert_eq!(
        issued["reveal_link"]["sent_to"], "mia@example.test",
        "{issued}"
    );
    assert!(issued["reveal_link"].get("url").is_none() && issued.get("passcode").is_none());

    let mail = sink.wait_for("A Temporary Access Pass for bob").await;
    assert_eq!(mail["rcpt_tos"][0], "mia@example.test");
    assert_eq!(mail["auth_login"], "tapid-mailer");
    assert!(
        mail["headers"]["From"]
            .as_str()
            .unwrap()
            .contains("it@example.test")
    );
    assert!(
        mail["headers"]["To"]
            .as_str()
            .unwrap()
            .contains("mia@example.test")
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    let (text, html) = (part(&mail, "text/plain"), part(&mail, "text/html"));
    let link = link_in(text);
    assert!(link.starts_with(&server.url("/reveal/")), "{link}");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(text.contains("who reports to you") && text.contains(HELPDESK));
    let until = text
        .split("The link works until ")
        .nth(1)
        .and_then(|rest| rest.split(". ").next())
        .expect("the link's end");
    assert!(
        until.contains(" Europe/Berlin (") && until.contains(" UTC), in "),
        "in the manager's zone, in UTC, with the time left: {until}"
    );
    let passcode = reveal(&server.client, &link, "8213").await;
    let code = passcode.replace('-', "");
    let notice = sink
        .wait_for("A Temporary Access Pass was issued for you")
        .await;
    assert_eq!(notice["rcpt_tos"][0], "bob.home@example.test");
    assert!(
        part(&notice, "text/plain").contains(&format!("If this was not you, call {HELPDESK} now."))
    );
    assert!(part(&notice, "text/html").contains("If this was not you"));
    let said = part(&notice, "text/plain");
    assert!(
        said.contains(" UTC, in ") && !said.contains(":00Z"),
        "bob's zone is unknown: UTC, labelled, with the time left: {said}"
    );
    for message in sink.messages() {
        let raw = message["raw"].as_str().unwrap();
        assert!(
            !raw.contains(&code) && !raw.contains(&passcode),
            "a passcode was mailed: {raw}"
        );
        for p in message["parts"].as_array().unwrap() {
            assert!(!p["content"].as_str().unwrap().contains(&code));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while !tapid::db::mail::pending(db.pool())
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stored: Vec<(Option<String>,)> = sqlx::query_as("SELECT CAST(value AS TEXT) FROM settings")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|(v,)| !v.as_deref().unwrap_or_default().contains("s3cret"))
    );
    server.kill().await;
}

#[tokio::test]
async fn a_mail_server_that_is_down_holds_up_no_sign_in_and_gets_the_mail_once_back() {
    let port = free_port();
    let (app, worker) = mailing_app(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = Some(port);
        c.smtp.security = tapid::config::SmtpSecurity::None;
        c.smtp.timeout_seconds = std::num::NonZeroU32::new(2).unwrap();
    })
    .await;
    let mut new = directory::NewUser::named(directory::Username::parse("bob").unwrap());
    new.email = Some(directory::Email::parse("bob@example.test").unwrap());
    directory::users::create(&app.db, &Actor::Cli, new)
        .await
        .unwrap();

    let started = Instant::now();
    let passcode = app.arrange_pass("bob", true).await;
    app.sign_in_with_tap_from("/login", "bob", &passcode).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let failing: Value = loop {
        let pending = tapid::db::mail::pending(app.db.pool()).await.unwrap();
        if let Some(row) = pending.iter().find(|r| r.last_error.is_some()) {
            break serde_json::json!({ "error": row.last_error, "count": pending.len() });
        }
        assert!(Instant::now() < deadline, "no attempt failed: {pending:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        failing["error"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{failing}"
    );

    let sink = Sink::start(port, None).await;
    sink.wait_for("A Temporary Access Pass was issued for you")
        .await;
    sink.wait_for("Your Temporary Access Pass was used").await;
    worker.abort();
}

#[tokio::test]
async fn a_person_is_told_by_mail_when_a_method_is_added_and_when_one_is_removed_and_by_whom() {
    let sink = Sink::start(free_port(), None).await;
    let (app, worker) = mailing_app(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = Some(sink.addr.port());
        c.smtp.security = tapid::config::SmtpSecurity::None;
        c.smtp.helpdesk_contact = HELPDESK.into();
    })
    .await;
    let mut new = directory::NewUser::named(directory::Username::parse("bob").unwrap());
    new.email = Some(directory::Email::parse("bob@example.test").unwrap());
    directory::users::create(&app.db, &Actor::Cli, new)
        .await
        .unwrap();
    let passcode = app.arrange_pass("bob", true).await;
    app.sign_in_with_tap_from("/login", "bob", &passcode).await;
    app.enrol_totp_in_session().await;

    let added = sink.wait_for("was added to your account").await;
    assert_eq!(added["rcpt_tos"][0], "bob@example.test");
    let text = part(&added, "text/plain");
    assert!(
        text.contains("authenticator app") && text.contains(HELPDESK),
        "{text}"
    );
    assert!(part(&added, "text/html").contains("If this was not you"));

    app.cli(&["method", "remove", "bob", "--all"]).await.ok();
    let removed = sink.wait_for("was removed from your account").await;
    assert_eq!(removed["rcpt_tos"][0], "bob@example.test");
    let text = part(&removed, "text/plain");
    assert!(text.contains("removed from your account by"), "{text}");
    assert!(text.contains(&format!("If this was not you, call {HELPDESK} now.")));
    worker.abort();
}
