//! The relay's one port: GET serves the built page from `--static`, and a
//! WebSocket upgrade on `/ws` becomes a session once its Origin (and
//! token, if any) pass.
//!
//! We read the request head ourselves (httparse) so one port can do both,
//! then hand the socket and any bytes read past the head to
//! tokio-tungstenite.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::files::{self, content_type, Entry, Files};
use crate::hub::Hub;
use crate::session;

const MAX_HEAD: usize = 16 << 10;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Pages send small control frames; nothing legitimate is near this.
const MAX_CLIENT_MESSAGE: usize = 64 << 10;

/// What every connection needs to know.
pub struct Site {
    pub hub: Arc<Hub>,
    pub static_dir: PathBuf,
    pub origins: Vec<String>,
    pub token: Option<String>,
    /// `http://127.0.0.1:PORT`, for messages.
    pub own_origin: String,
    /// The page's files, kept in memory with their gzip encoding.
    pub files: Arc<Files>,
}

struct Head {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.header(name)
            .is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }
}

/// Serve one TCP connection (one request, or one WebSocket session).
pub async fn handle(mut stream: TcpStream, site: Arc<Site>) {
    let (head, rest) = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(Some(x))) => x,
        Ok(Ok(None)) => return,
        Ok(Err(status)) => {
            return respond(&mut stream, status, "text/plain", b"Bad request\n", true).await
        }
        Err(_) => return,
    };
    if head.method != "GET" && head.method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"Only GET here.\n",
            true,
        )
        .await;
    }
    if head.path == "/ws" {
        return upgrade(stream, head, rest, site).await;
    }
    serve_file(&mut stream, &head, &site).await;
}

/// Read up to the blank line. `Err` carries the status to answer with.
async fn read_head(stream: &mut TcpStream) -> Result<Option<(Head, Vec<u8>)>, &'static str> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|_| "400 Bad Request")?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(len)) => {
                let target = req.path.unwrap_or("/");
                let (path, query) = target.split_once('?').unwrap_or((target, ""));
                let head = Head {
                    method: req.method.unwrap_or("").to_string(),
                    path: path.to_string(),
                    query: query.to_string(),
                    headers: req
                        .headers
                        .iter()
                        .map(|h| {
                            (
                                h.name.to_string(),
                                String::from_utf8_lossy(h.value).into_owned(),
                            )
                        })
                        .collect(),
                };
                return Ok(Some((head, buf[len..].to_vec())));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => continue,
            Ok(httparse::Status::Partial) => return Err("431 Request Header Fields Too Large"),
            Err(httparse::Error::TooManyHeaders) => {
                return Err("431 Request Header Fields Too Large")
            }
            Err(_) => return Err("400 Bad Request"),
        }
    }
}

/// Check a `/ws` request and, if it passes, run a session on it.
async fn upgrade(mut stream: TcpStream, head: Head, rest: Vec<u8>, site: Arc<Site>) {
    if !head.header_has_token("upgrade", "websocket")
        || !head.header_has_token("connection", "upgrade")
    {
        let body = b"This is the relay's WebSocket endpoint; the page connects to it.\n";
        return respond(
            &mut stream,
            "426 Upgrade Required",
            "text/plain",
            body,
            true,
        )
        .await;
    }
    // Browsers always send Origin on WebSocket requests and a page cannot
    // forge or drop it, so a foreign site is always caught here. Clients
    // without Origin (nc, websocat, scripts) are local programs that could
    // read the TCP ports directly anyway; --token covers them if wanted.
    if let Some(origin) = head.header("origin") {
        let origin = origin.trim().to_ascii_lowercase();
        if !site.origins.contains(&origin) {
            let body = format!(
                "Origin {origin} may not use this relay. Open the playground at {}/ \
                 or restart the relay with --allow-origin {origin}\n",
                site.own_origin
            );
            return respond(
                &mut stream,
                "403 Forbidden",
                "text/plain",
                body.as_bytes(),
                true,
            )
            .await;
        }
    }
    if let Some(want) = &site.token {
        let given = query_param(&head.query, "token").unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), want.as_bytes()) {
            let body =
                b"Missing or wrong token: connect to /ws?token=... with the relay's --token.\n";
            return respond(&mut stream, "401 Unauthorized", "text/plain", body, true).await;
        }
    }
    let key = head
        .header("sec-websocket-key")
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() || head.header("sec-websocket-version").map(str::trim) != Some("13") {
        let body = b"Not a WebSocket version 13 handshake.\n";
        return respond(&mut stream, "400 Bad Request", "text/plain", body, true).await;
    }
    let accept = derive_accept_key(key.as_bytes());
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if stream.write_all(reply.as_bytes()).await.is_err() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_CLIENT_MESSAGE))
        .max_frame_size(Some(MAX_CLIENT_MESSAGE));
    let ws = WebSocketStream::from_partially_read(stream, rest, Role::Server, Some(config)).await;
    session::run(ws, site.hub.clone()).await;
}

async fn serve_file(stream: &mut TcpStream, head: &Head, site: &Site) {
    let send_body = head.method != "HEAD";
    let Some(rel) = safe_relative_path(&head.path) else {
        return respond(
            stream,
            "404 Not Found",
            "text/plain",
            b"Not found\n",
            send_body,
        )
        .await;
    };
    let mut path = site.static_dir.join(&rel);
    if path.is_dir() {
        path.push("index.html");
    }
    // Symlinks pointing out of the directory are refused too.
    let inside = match (
        tokio::fs::canonicalize(&path).await,
        tokio::fs::canonicalize(&site.static_dir).await,
    ) {
        (Ok(p), Ok(root)) => p.starts_with(root).then_some(p),
        _ => None,
    };
    let file = match inside {
        Some(p) => tokio::fs::File::open(&p).await.ok().map(|f| (f, p)),
        None => None,
    };
    let Some((file, path)) = file else {
        if rel.as_os_str().is_empty() || rel == Path::new("index.html") {
            return respond(
                stream,
                "200 OK",
                "text/html; charset=utf-8",
                not_built_page(site).as_bytes(),
                send_body,
            )
            .await;
        }
        return respond(
            stream,
            "404 Not Found",
            "text/plain",
            b"Not found\n",
            send_body,
        )
        .await;
    };
    drop(file);
    match site.files.get(&path).await {
        Some(entry) => send_entry(stream, head, &entry).await,
        // Too large to keep in memory: streamed as it is.
        None => send_streamed(stream, &path, send_body).await,
    }
    let _ = stream.shutdown().await;
}

/// A cached file: gzip when the client takes it, 304 when its copy is current.
async fn send_entry(stream: &mut TcpStream, head: &Head, entry: &Entry) {
    let gzip = entry.gzip.as_ref().filter(|_| {
        head.header("accept-encoding")
            .is_some_and(files::accepts_gzip)
    });
    let etag = if gzip.is_some() {
        entry.gzip_etag()
    } else {
        entry.etag.clone()
    };
    let mut extra = format!("ETag: {etag}\r\nCache-Control: no-cache\r\n");
    if entry.gzip.is_some() {
        extra.push_str("Vary: Accept-Encoding\r\n");
    }
    if head
        .header("if-none-match")
        .is_some_and(|v| files::none_match(v, &etag))
    {
        let reply = format!("HTTP/1.1 304 Not Modified\r\n{extra}Connection: close\r\n\r\n");
        let _ = stream.write_all(reply.as_bytes()).await;
        return;
    }
    if gzip.is_some() {
        extra.push_str("Content-Encoding: gzip\r\n");
    }
    let body: &[u8] = gzip.map(Vec::as_slice).unwrap_or(&entry.plain);
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n{extra}\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        entry.content_type,
        body.len()
    );
    if stream.write_all(reply.as_bytes()).await.is_ok() && head.method != "HEAD" {
        let _ = stream.write_all(body).await;
    }
}

async fn send_streamed(stream: &mut TcpStream, path: &Path, send_body: bool) {
    let Ok(mut file) = tokio::fs::File::open(path).await else {
        let _ = respond_head(stream, "404 Not Found").await;
        return;
    };
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let head_bytes = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {len}\r\nCache-Control: no-cache\r\n\
         X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
        content_type(path)
    );
    if stream.write_all(head_bytes.as_bytes()).await.is_ok() && send_body {
        let _ = tokio::io::copy(&mut file, stream).await;
    }
}

async fn respond_head(stream: &mut TcpStream, status: &str) -> std::io::Result<()> {
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await
}

/// URL path -> relative file path, or None for anything that could climb
/// out of the static directory.
fn safe_relative_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut out = PathBuf::new();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

fn not_built_page(site: &Site) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>streamlab</title>\
         <h1>The streamlab playground is not built yet</h1>\
         <p>The relay is running, but <code>{dir}</code> has no <code>index.html</code>.</p>\
         <p>Build the page with <code>scripts/build-web</code> at the top of the repository (it writes <code>dist/</code>), \
         or build and serve it in one go with <code>scripts/playground</code>; or point the relay at a built page with \
         <code>streamlab-relay --static PATH/TO/dist</code>.</p>\
         <p>Lines still reach WebSocket clients at <code>{origin}/ws</code>.</p>\n",
        dir = html_escape(&site.static_dir.display().to_string()),
        origin = site.own_origin
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn respond(stream: &mut TcpStream, status: &str, ctype: &str, body: &[u8], send_body: bool) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    if send_body {
        let _ = stream.write_all(body).await;
    }
    let _ = stream.shutdown().await;
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == name)
            .then(|| percent_decode(&v.replace('+', " ")))
            .flatten()
    })
}

/// `%XX` decoding; None when the result is not UTF-8 or an escape is bad.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Compare without an early exit, so response time says nothing about how
/// much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert_eq!(safe_relative_path("/"), Some(PathBuf::new()));
        assert_eq!(
            safe_relative_path("/pkg/app.wasm"),
            Some(PathBuf::from("pkg/app.wasm"))
        );
        assert_eq!(
            safe_relative_path("/a%20b.js"),
            Some(PathBuf::from("a b.js"))
        );
        for bad in [
            "/../etc/passwd",
            "/a/../../x",
            "/%2e%2e/x",
            "/..%2fx",
            "/a\\..\\b",
            "/%00",
            "/%zz",
            "//etc/passwd/..",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad}");
        }
        // A leading double slash must not become an absolute path.
        assert_eq!(
            safe_relative_path("//etc/passwd"),
            Some(PathBuf::from("etc/passwd"))
        );
    }

    #[test]
    fn tokens_and_types() {
        assert_eq!(
            query_param("a=1&token=s%3Dx", "token").as_deref(),
            Some("s=x")
        );
        assert_eq!(query_param("tokenx=1", "token"), None);
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert_eq!(content_type(Path::new("x/app_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("app.js")),
            "text/javascript; charset=utf-8"
        );
    }
}
