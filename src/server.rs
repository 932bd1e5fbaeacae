//! `tapid serve`: open the database, make sure someone can sign in, bind, and stop gracefully.

use tokio::net::TcpListener;

use crate::audit::Actor;
use crate::config::{Config, LogFormat};
use crate::db::{self, Db};
use crate::directory::{self, NewUser, Role, Username};
use crate::error::AppError;
use crate::http::connections;
use crate::secrets::Sealer;
use crate::state::AppState;
use crate::tap;
use crate::traces::Traces;

/// Lines a slow reader of the log may fall behind by before further lines are dropped (and counted).
const LOG_BUFFER_LINES: usize = 8_192;

/// The log output while `tapid serve` runs: lines go through a bounded buffer to a writer thread, so a
/// reader of standard output that is slow or gone (a pipe nobody drains, a busy collector) never holds
/// up a request; lines that find the buffer full are dropped, counted (`tapid_log_lines_dropped_total`)
/// and reported. Dropping it flushes what is buffered.
pub struct Logging {
    pub traces: Option<Traces>,
    dropped: tracing_appender::non_blocking::ErrorCounter,
    _writer: tracing_appender::non_blocking::WorkerGuard,
}

impl Logging {
    /// Log lines dropped so far because the reader was behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.dropped_lines() as u64
    }

    /// Copies the dropped-lines count into `metrics` every few seconds while the server runs.
    fn watch(
        &self,
        metrics: std::sync::Arc<crate::metrics::Metrics>,
    ) -> tokio::task::JoinHandle<()> {
        let dropped = self.dropped.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(std::time::Duration::from_secs(5));
            loop {
                ticker.tick().await;
                metrics.log_lines_dropped(dropped.dropped_lines() as u64);
            }
        })
    }
}

/// Installs the log output (and the traces exporter, when `traces.otlp_endpoint` is set). Colours only
/// when standard output is a terminal: a file or a pipe gets plain text.
pub fn init_logging(config: &Config) -> anyhow::Result<Logging> {
    use std::io::IsTerminal;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer, fmt};

    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_BUFFER_LINES)
        .thread_name("tapid-log")
        .finish(std::io::stdout());
    let dropped = writer.error_counter();
    let output = match config.log_format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_writer(writer)
            .boxed(),
        LogFormat::Text => fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(writer)
            .boxed(),
    };
    let (otel, traces) = match crate::traces::layer(&config.traces)? {
        Some((layer, traces)) => (Some(layer), Some(traces)),
        None => (None, None),
    };
    // A second initialisation (tests) is harmless: the first subscriber stays.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .with(otel)
        .try_init();
    Ok(Logging {
        traces,
        dropped,
        _writer: guard,
    })
}

pub async fn serve(config: Config, logging: &Logging) -> anyhow::Result<()> {
    let db = Db::open(config.database_url.expose()).await?;
    let sealer = Sealer::from_config(&config)?;
    sealer.check_against(&db).await?;
    bootstrap(&db, &config).await?;
    crate::oidc::keys::ensure(&db, &sealer).await?;
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let nofile = connections::raise_nofile_limit();
    let max_connections = connections::connection_limit(config.http.max_connections, nofile);
    tracing::info!(
        listen = %config.listen,
        issuer = config.issuer.as_str(),
        max_connections,
        descriptor_limit = nofile,
        "tapid is serving"
    );
    let limits = config.http.clone();
    let transport = crate::mail::send::Transport::from_config(&config.smtp, &sealer)?;
    db::mail::set_enabled(db.pool(), transport.is_some()).await?;
    let state = AppState::new(db.clone(), config, sealer);
    let mail = transport.map(|transport| {
        crate::mail::worker::spawn(
            db.clone(),
            state.sealer.clone(),
            state.config.clone(),
            transport,
        )
    });
    let expiry = tap::expiry::spawn(db.clone(), state.config.tap_retention_days);
    let purge = crate::oidc::maintenance::spawn(db.clone());
    let metrics = crate::metrics::spawn(&state).await?;
    let log_drops = logging.watch(state.metrics.clone());
    let logouts = crate::oidc::backchannel::spawn(state.oidc.clone());
    let webhooks = crate::webhooks::deliver::spawn(state.clone());
    let start_passes = crate::scim::start_pass::spawn(state.clone());
    connections::serve(
        listener,
        crate::app(state),
        limits,
        max_connections,
        shutdown_signal(),
    )
    .await?;
    expiry.abort();
    purge.abort();
    logouts.abort();
    webhooks.abort();
    log_drops.abort();
    start_passes.abort();
    if let Some(mail) = mail {
        mail.abort();
    }
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    db.close().await;
    tracing::info!("tapid stopped");
    Ok(())
}

/// On a database with no users, creates `admin` so that someone can sign in.
pub async fn bootstrap(db: &Db, config: &Config) -> Result<(), AppError> {
    if db::users::count(db.pool()).await? > 0 {
        return Ok(());
    }
    let mut admin = NewUser::named(Username::parse("admin")?);
    admin.roles = vec![Role::Admin];
    let admin = match directory::users::create(db, &Actor::System, admin).await {
        Ok(user) => user,
        // Another instance bootstrapped at the same moment.
        Err(AppError::Conflict(_)) => return Ok(()),
        Err(e) => return Err(e),
    };
    println!(
        "Created the administrator account `{}`. Sign in at {}",
        admin.username,
        config.issuer.url("/login")
    );
    // Its way in: a one-time pass for one hour, shown here once and never again.
    let request = tap::IssueRequest {
        lifetime: Some(time::Duration::hours(1)),
        one_time: Some(true),
        ..tap::IssueRequest::default()
    };
    match tap::issue(db, &tap::Authority::System, &admin.id, request, None).await {
        Ok(issued) => println!(
            "One-time Temporary Access Pass for `{}` (valid until {}): {}\n\
             Sign in with it at {} and register a passkey. It is not shown again.",
            admin.username,
            issued
                .pass
                .end
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            issued.passcode.grouped(),
            config
                .issuer
                .url(&format!("/login?login_hint={}", admin.username)),
        ),
        Err(e) => println!(
            "Could not issue a Temporary Access Pass for `{}`: {e}. \
             Issue one with `tapid tap issue {}`.",
            admin.username, admin.username
        ),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
