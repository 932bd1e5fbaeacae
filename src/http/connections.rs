//! Serving connections with bounds a slow client cannot stretch (`http.*` in the configuration):
//!
//! - a request's line and headers must arrive within `header_timeout` of their first byte, else the
//!   connection is dropped;
//! - its body within `body_timeout` of the handler starting to read it, else the read fails (400);
//! - a kept-alive connection with no request in flight closes after `idle_timeout`;
//! - at most `max_connections` are open at once, always below the descriptor limit (which tapid
//!   raises to its hard limit at start, [`raise_nofile_limit`]); beyond it, new connections wait in
//!   the listen backlog until one closes.
//!
//! Each connection has one watchdog: the deadline it sleeps to follows the connection's phase.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::{Instant, sleep_until};
use tower::ServiceExt;

use super::body_deadline::BodyDeadline;
use crate::config::HttpLimits;

/// Descriptors kept free beside connections: the database pool, log and key files, the listener.
const RESERVED_DESCRIPTORS: u64 = 128;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit; returns the soft limit now in force.
pub fn raise_nofile_limit() -> u64 {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return 1024;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit.rlim_cur = limit.rlim_max;
            }
        }
    }
    limit.rlim_cur
}

/// The connection limit: as configured (0: 10,000), and always below `nofile` less what tapid keeps.
pub fn connection_limit(configured: u32, nofile: u64) -> usize {
    let ceiling = nofile.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    let wanted = if configured == 0 {
        10_000
    } else {
        u64::from(configured)
    };
    usize::try_from(wanted.min(ceiling)).unwrap_or(usize::MAX)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(max_connections));
    let (stop, stopping) = watch::channel(false);
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or a connection reset before accept: pause, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let (app, limits, stopping) = (app.clone(), limits.clone(), stopping.clone());
        tokio::spawn(async move {
            connection(stream, peer, app, &limits, stopping).await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it ends: all slots back means all connections done.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
    Ok(())
}

/// What a connection is doing, for its watchdog. Times are milliseconds since `epoch`.
struct Activity {
    epoch: Instant,
    in_flight: AtomicUsize,
    /// When the last response was handed over (or the connection opened).
    idle_since: AtomicU64,
    /// When the first byte of a request head arrived (0: none since `idle_since`).
    head_since: AtomicU64,
}

impl Activity {
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn at(&self, millis: u64) -> Instant {
        self.epoch + Duration::from_millis(millis)
    }
}

enum Verdict {
    Fine(Instant),
    Idle,
    SlowHead,
}

fn verdict(activity: &Activity, limits: &HttpLimits) -> Verdict {
    let header = Duration::from_secs(limits.header_timeout.get().into());
    let idle = Duration::from_secs(limits.idle_timeout.get().into());
    let now = Instant::now();
    if activity.in_flight.load(Ordering::Acquire) > 0 {
        // A handler runs; bodies have their own deadline. Look again later.
        return Verdict::Fine(now + header);
    }
    let head_since = activity.head_since.load(Ordering::Acquire);
    if head_since != 0 {
        let deadline = activity.at(head_since) + header;
        return if now >= deadline {
            Verdict::SlowHead
        } else {
            Verdict::Fine(deadline)
        };
    }
    let deadline = activity.at(activity.idle_since.load(Ordering::Acquire)) + idle;
    if now >= deadline {
        Verdict::Idle
    } else {
        Verdict::Fine(deadline)
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: &HttpLimits,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity {
        epoch: Instant::now(),
        in_flight: AtomicUsize::new(0),
        idle_since: AtomicU64::new(1),
        head_since: AtomicU64::new(0),
    });
    let body_timeout = Duration::from_secs(limits.body_timeout.get().into());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let app = app.clone();
            let guard = InFlight::start(activity.clone());
            async move {
                let mut request =
                    request.map(|body| Body::new(BodyDeadline::new(body, body_timeout)));
                request.extensions_mut().insert(ConnectInfo(peer));
                let response = app.oneshot(request).await;
                drop(guard);
                Ok::<_, Infallible>(response.unwrap_or_else(|never| match never {}))
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog keeps the head deadline (from the first byte, not from the connection's start).
    builder.timer(TokioTimer::new()).header_read_timeout(None);
    let conn = builder.serve_connection(io, service).with_upgrades();
    tokio::pin!(conn);
    let idle = Duration::from_secs(limits.idle_timeout.get().into());
    let mut deadline = Instant::now() + idle;
    // Once asked to close, a connection finishes the response it is sending; one whose client has
    // stopped reading is dropped after this much more.
    let grace = body_timeout + idle;
    let mut closing: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            () = sleep_until(deadline) => match verdict(&activity, limits) {
                Verdict::SlowHead => return,
                _ if closing.is_some_and(|since| since.elapsed() >= grace) => return,
                Verdict::Fine(next) => deadline = next,
                Verdict::Idle => {
                    if closing.is_none() {
                        conn.as_mut().graceful_shutdown();
                        closing = Some(Instant::now());
                    }
                    deadline = Instant::now() + Duration::from_secs(1);
                }
            },
            changed = stopping.changed(), if closing.is_none() => {
                if changed.is_err() || *stopping.borrow() {
                    conn.as_mut().graceful_shutdown();
                    closing = Some(Instant::now());
                    deadline = Instant::now() + Duration::from_secs(1);
                }
            }
        }
    }
}

/// Counts a request in flight for as long as it is handled.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::AcqRel);
        activity.head_since.store(0, Ordering::Release);
        Self(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.0.now();
        self.0.idle_since.store(now, Ordering::Release);
        self.0.head_since.store(0, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The socket, noting when a request head starts to arrive.
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            let a = &self.activity;
            if a.in_flight.load(Ordering::Acquire) == 0 && a.head_since.load(Ordering::Acquire) == 0
            {
                a.head_since.store(a.now(), Ordering::Release);
            }
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_descriptor_limit_is_raised_to_the_hard_one() {
        let raised = raise_nofile_limit();
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit only writes the struct passed.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(raised, limit.rlim_cur);
    }

    #[test]
    fn the_connection_limit_stays_below_the_descriptor_limit() {
        assert_eq!(connection_limit(0, 1024), 1024 - 128);
        assert_eq!(connection_limit(5000, 1024), 1024 - 128);
        assert_eq!(connection_limit(0, 1 << 20), 10_000);
        assert_eq!(connection_limit(200, 1 << 20), 200);
    }
}
