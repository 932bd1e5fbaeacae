//! Slow clients cannot hold the server: a request head or body that trickles in is cut off, an idle
//! kept-alive connection is closed, and connections beyond the limit wait their turn while sign-in
//! stays open. Every loop here is bounded, so a server without these limits fails instead of hanging.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app_with};

async fn app_with_short_limits() -> TestApp {
    spawn_app_with(|c| {
        c.http.header_timeout = NonZeroU32::new(1).unwrap();
        c.http.body_timeout = NonZeroU32::new(1).unwrap();
        c.http.idle_timeout = NonZeroU32::new(1).unwrap();
        c.http.max_connections = 16;
    })
    .await
}

/// Whether the server closed the connection within `bound` (a read returned end of file or failed).
async fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + bound;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Opens a connection and sends a request head one byte at a time, at most `bytes` of them; returns
/// whether the server cut it off before the trickle ended.
async fn slowloris(addr: SocketAddr, bytes: usize) -> bool {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    if stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .is_err()
    {
        return true;
    }
    for byte in b"X-Slow: ".iter().cycle().take(bytes) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if stream.write_all(&[*byte]).await.is_err() {
            return true;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn half_sent_requests_are_cut_off_and_sign_in_stays_open_for_everyone() {
    let app = app_with_short_limits().await;

    // More slow connections than the limit allows: the surplus waits in the backlog.
    let attackers: Vec<_> = (0..24)
        .map(|_| {
            let addr = app.addr;
            tokio::spawn(async move { slowloris(addr, 40).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let login = app
        .client
        .get(app.url("/login"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .expect("sign-in answers while slow clients hold connections");

    assert_eq!(login.status(), 200);
    for attacker in attackers {
        assert!(
            attacker.await.unwrap(),
            "a request head that trickles in is cut off by the header timeout"
        );
    }
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = app_with_short_limits().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");

    assert!(closed_within(&mut stream, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn a_body_that_trickles_in_is_refused_with_408() {
    let app = app_with_short_limits().await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: localhost\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 400\r\n\r\ngrant_type=",
        )
        .await
        .unwrap();

    let mut answer = Vec::new();
    let read = async {
        for _ in 0..20 {
            let mut buf = [0u8; 1024];
            tokio::select! {
                n = stream.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                },
                () = tokio::time::sleep(Duration::from_millis(300)) => {
                    // Keep the body coming, far too slowly.
                    let _ = stream.write_all(b"a").await;
                }
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    };
    read.await;

    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "answer: {text:?}");
}
