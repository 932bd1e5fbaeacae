//! Preparing thousands of users, authenticator apps and passes through tapid's own service functions
//! (against the same database and key file as the server), and the PostgreSQL database of a run.

use std::time::Instant;

use sqlx::Connection;
use tapid::AppState;
use tapid::audit::Actor;
use tapid::directory::{self, NewUser, Username};
use tapid::methods::NewMethod;
use tapid::tap::{self, Authority, IssueRequest};

use crate::flows::TotpUser;

/// The library's view of the run: database, key and configuration (the server's own file).
pub async fn open(config: &std::path::Path) -> Result<AppState, String> {
    let config = tapid::config::Config::load(Some(config)).map_err(|e| e.to_string())?;
    let db = tapid::db::Db::open(config.database_url.expose())
        .await
        .map_err(|e| e.to_string())?;
    let sealer = tapid::secrets::Sealer::from_config(&config).map_err(|e| e.to_string())?;
    sealer.check_against(&db).await.map_err(|e| e.to_string())?;
    Ok(AppState::new(db, config, sealer))
}

async fn user(state: &AppState, username: &str) -> Result<directory::User, String> {
    let name = Username::parse(username).map_err(|e| e.to_string())?;
    directory::users::create(&state.db, &Actor::Cli, NewUser::named(name))
        .await
        .map_err(|e| format!("creating {username}: {e}"))
}

/// `n` users named `PREFIX-N`, each with an authenticator app.
pub async fn totp_users(state: &AppState, prefix: &str, n: usize) -> Result<Vec<TotpUser>, String> {
    let began = Instant::now();
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        let username = format!("{prefix}-{i:05}");
        let created = user(state, &username).await?;
        let secret = tapid::methods::totp::generate_secret();
        tapid::methods::totp::store(
            &state.db,
            &state.sealer,
            NewMethod {
                actor: &Actor::Cli,
                user: &created,
                name: "Phone",
                tap_id: None,
                address: None,
            },
            &secret,
            None,
        )
        .await
        .map_err(|e| format!("adding an authenticator app for {username}: {e}"))?;
        users.push(TotpUser::new(username, secret));
        progress(i + 1, n, began, "users with an authenticator app");
    }
    Ok(users)
}

/// `n` users named `PREFIX-N`, each with a multi-use Temporary Access Pass; returns names and passcodes.
pub async fn tap_users(
    state: &AppState,
    prefix: &str,
    n: usize,
) -> Result<Vec<(String, String)>, String> {
    let began = Instant::now();
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        let username = format!("{prefix}-{i:05}");
        let created = user(state, &username).await?;
        let request = IssueRequest {
            lifetime: Some(time::Duration::hours(2)),
            one_time: Some(false),
            ..IssueRequest::default()
        };
        let issued = tap::issue(&state.db, &Authority::Operator, &created.id, request, None)
            .await
            .map_err(|e| format!("issuing a pass for {username}: {e}"))?;
        users.push((username, issued.passcode.grouped()));
        progress(i + 1, n, began, "users with a Temporary Access Pass");
    }
    Ok(users)
}

/// The Argon2 parameters of the pass tapid stored for this user, from its PHC string
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`): what tapid's code path really used.
pub async fn argon2_parameters(state: &AppState, username: &str) -> Result<String, String> {
    let user = directory::users::get_by_username(&state.db, username)
        .await
        .map_err(|e| e.to_string())?;
    let pass = tapid::db::passes::find_by_user(state.db.pool(), &user.id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no pass stored")?;
    let fields: Vec<&str> = pass.code_hash.split('$').collect();
    match fields.as_slice() {
        ["", alg, version, params, ..] => Ok(format!("{alg} {version} {params}")),
        _ => Err("the stored hash is not a PHC string".into()),
    }
}

fn progress(done: usize, total: usize, began: Instant, what: &str) {
    if done == total || done % 500 == 0 {
        eprintln!(
            "  {done}/{total} {what} ({:.1} s)",
            began.elapsed().as_secs_f64()
        );
    }
}

/// A fresh database `tapid_bench_<random>` on the server of `admin_url`; returns its URL and name.
pub async fn create_postgres_database(admin_url: &str) -> Result<(String, String), String> {
    let name = format!(
        "tapid_bench_{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", redact(admin_url)))?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot create database {name}: {e}"))?;
    conn.close().await.ok();
    let mut url = url::Url::parse(admin_url).map_err(|e| e.to_string())?;
    url.set_path(&format!("/{name}"));
    Ok((url.to_string(), name))
}

pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), String> {
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await
        .map_err(|e| format!("cannot drop database {name}: {e}"))?;
    conn.close().await.ok();
    Ok(())
}

/// A database URL without its password, for printing.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
