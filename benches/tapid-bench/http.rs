//! A lean HTTP/1.1 keep-alive client: fixed request bytes out, one response in (Content-Length or chunked
//! bodies). It does only what the benchmark needs, so that the load generator costs little next to tapid.

use std::io;
use std::net::{IpAddr, SocketAddr};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// One response: status, the raw head (for header lookups) and the whole body.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    head: String,
    pub body: Vec<u8>,
}

impl Response {
    /// Every value of header `name` (case-insensitive), in order.
    pub fn headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.head.split("\r\n").skip(1).filter_map(move |line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    pub fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.headers(name).next()
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or_default()
    }
}

/// Parses one response at the start of `buf`: `Ok(None)` while it is incomplete, otherwise the response
/// and how many bytes it took.
pub fn parse(buf: &[u8]) -> Result<Option<(Response, usize)>, String> {
    let Some(head_end) = find(buf, b"\r\n\r\n") else {
        if buf.len() > 64 * 1024 {
            return Err("response head over 64 KiB".into());
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "response head not UTF-8")?;
    let status_line = head.split("\r\n").next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1 response: {status_line:?}"));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let response = Response {
        status,
        head: head.to_string(),
        body: Vec::new(),
    };
    let body_start = head_end + 4;
    let chunked = response
        .headers("transfer-encoding")
        .any(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        return Ok(decode_chunked(&buf[body_start..])?.map(|(body, used)| {
            let mut response = response;
            response.body = body;
            (response, body_start + used)
        }));
    }
    let length = match response.header("content-length") {
        Some(v) => v.parse::<usize>().map_err(|_| "bad Content-Length")?,
        None if status == 204 || status == 304 || status < 200 => 0,
        None => {
            return Err("a response without a length (close-delimited) is not supported".into());
        }
    };
    if buf.len() < body_start + length {
        return Ok(None);
    }
    let mut response = response;
    response.body = buf[body_start..body_start + length].to_vec();
    Ok(Some((response, body_start + length)))
}

/// A chunked body: `Ok(None)` while incomplete, otherwise the body and the bytes used (trailers included).
fn decode_chunked(mut buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, String> {
    let total = buf.len();
    let mut body = Vec::new();
    loop {
        let Some(line_end) = find(buf, b"\r\n") else {
            return Ok(None);
        };
        let line = std::str::from_utf8(&buf[..line_end]).map_err(|_| "bad chunk size")?;
        let size_hex = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| "bad chunk size")?;
        buf = &buf[line_end + 2..];
        if size == 0 {
            // Trailers, then an empty line.
            loop {
                let Some(end) = find(buf, b"\r\n") else {
                    return Ok(None);
                };
                buf = &buf[end + 2..];
                if end == 0 {
                    return Ok(Some((body, total - buf.len())));
                }
            }
        }
        if buf.len() < size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[..size]);
        if &buf[size..size + 2] != b"\r\n" {
            return Err("chunk not followed by CRLF".into());
        }
        buf = &buf[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The bytes of one request. A body gets its Content-Length; POSTs always carry one.
pub fn request(
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    if !body.is_empty() || method == "POST" {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// A keep-alive connection to tapid, optionally from a chosen local address.
pub struct Conn {
    addr: SocketAddr,
    local: Option<IpAddr>,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn connect(addr: SocketAddr, local: Option<IpAddr>) -> io::Result<Self> {
        let mut conn = Self {
            addr,
            local,
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
        };
        conn.open().await?;
        Ok(conn)
    }

    async fn open(&mut self) -> io::Result<()> {
        let socket = match self.addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        if let Some(ip) = self.local {
            socket.bind(SocketAddr::new(ip, 0))?;
        }
        let stream = socket.connect(self.addr).await?;
        stream.set_nodelay(true)?;
        self.stream = Some(stream);
        self.buf.clear();
        Ok(())
    }

    /// Sends `request` and reads its response. A connection that failed or that the server closes is
    /// opened again on the next call (the failure itself is returned, to be counted).
    pub async fn send(&mut self, request: &[u8]) -> io::Result<Response> {
        if self.stream.is_none() {
            self.open().await?;
        }
        let result = self.exchange(request).await;
        match &result {
            Ok(r)
                if r.header("connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close")) =>
            {
                self.stream = None
            }
            Ok(_) => {}
            Err(_) => self.stream = None,
        }
        result
    }

    async fn exchange(&mut self, request: &[u8]) -> io::Result<Response> {
        let stream = self.stream.as_mut().expect("connection open");
        stream.write_all(request).await?;
        loop {
            match parse(&self.buf) {
                Ok(Some((response, used))) => {
                    self.buf.drain(..used);
                    return Ok(response);
                }
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
            }
            self.buf.reserve(16 * 1024);
            if stream.read_buf(&mut self.buf).await? == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed mid-response",
                ));
            }
        }
    }
}

/// The cookies a browser would hold for tapid: name → value, replaced and removed as `Set-Cookie` says.
#[derive(Default)]
pub struct Cookies(Vec<(String, String)>);

impl Cookies {
    pub fn update(&mut self, response: &Response) {
        for set in response.headers("set-cookie") {
            let mut attrs = set.split(';');
            let Some((name, value)) = attrs.next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            let expired = attrs.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("expires=thu, 01 jan 1970")
            });
            self.0.retain(|(n, _)| n != name);
            if !expired && !value.is_empty() {
                self.0.push((name.to_string(), value.to_string()));
            }
        }
    }

    /// The `Cookie` header value, if any cookie is held.
    pub fn header(&self) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        Some(
            self.0
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}

/// Self-checks of the parser (run by `cargo test --benches`, see main.rs).
pub fn self_check() {
    let whole = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nX-A: 1\r\n\r\nhelloHTTP/1.1";
    let (r, used) = parse(whole).unwrap().unwrap();
    assert_eq!((r.status, r.text(), used), (200, "hello", whole.len() - 8));
    assert_eq!(r.header("x-a"), Some("1"));
    assert!(parse(&whole[..30]).unwrap().is_none(), "incomplete head");
    assert!(parse(&whole[..40]).unwrap().is_none(), "incomplete body");

    let chunked = b"HTTP/1.1 303 See Other\r\nTransfer-Encoding: chunked\r\nLocation: /x\r\n\r\n\
                    3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n";
    let (r, used) = parse(chunked).unwrap().unwrap();
    assert_eq!((r.status, r.text(), used), (303, "abcde", chunked.len()));
    assert_eq!(r.header("location"), Some("/x"));
    assert!(parse(&chunked[..chunked.len() - 2]).unwrap().is_none());

    let empty = b"HTTP/1.1 204 No Content\r\n\r\n";
    assert_eq!(parse(empty).unwrap().unwrap().1, empty.len());
    assert!(parse(b"SSH-2.0\r\n\r\n").is_err());

    let mut jar = Cookies::default();
    let set = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=1; Path=/; HttpOnly\r\nSet-Cookie: t=2\r\ncontent-length: 0\r\n\r\n";
    jar.update(&parse(set).unwrap().unwrap().0);
    assert_eq!(jar.header().as_deref(), Some("sid=1; t=2"));
    let unset = b"HTTP/1.1 200 OK\r\nSet-Cookie: sid=; Max-Age=0\r\ncontent-length: 0\r\n\r\n";
    jar.update(&parse(unset).unwrap().unwrap().0);
    assert_eq!(jar.header().as_deref(), Some("t=2"));
}
