//! Real clients on loopback: a WebSocket "page" and raw TCP writers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use streamlab_relay::{Config, Relay};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const WAIT: Duration = Duration::from_secs(10);

pub async fn relay(config: Config) -> Relay {
    streamlab_relay::serve(config).await.expect("relay starts")
}

/// A relay with `n` listen ports (ephemeral) and otherwise defaults.
pub async fn relay_listening(n: usize) -> Relay {
    relay(Config {
        listen: vec![0; n],
        static_dir: "/nonexistent".into(),
        ..Config::default()
    })
    .await
}

pub fn listen_port(r: &Relay, i: usize) -> u16 {
    r.listen_addrs[i].port()
}

pub struct Page {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// A page loaded from the relay itself (its own Origin).
pub async fn page(r: &Relay) -> Page {
    page_with(
        r.addr,
        "",
        Some(&format!("http://127.0.0.1:{}", r.addr.port())),
    )
    .await
    .expect("page connects")
}

pub async fn page_with(
    addr: SocketAddr,
    query: &str,
    origin: Option<&str>,
) -> Result<Page, tokio_tungstenite::tungstenite::Error> {
    let mut req = format!("ws://{addr}/ws{query}")
        .into_client_request()
        .unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", o.parse().unwrap());
    }
    let (ws, _) = tokio::time::timeout(WAIT, tokio_tungstenite::connect_async(req))
        .await
        .expect("handshake in time")?;
    let mut p = Page { ws };
    let w = p.recv().await;
    assert_eq!(w["op"], "welcome", "{w}");
    Ok(p)
}

impl Page {
    pub async fn send(&mut self, v: Value) {
        self.ws
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    pub async fn recv(&mut self) -> Value {
        loop {
            let m = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("socket open")
                .expect("no socket error");
            if let Message::Text(t) = m {
                return serde_json::from_str(t.as_str()).expect("JSON frame");
            }
        }
    }

    /// Skip frames until one matches.
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let v = self.recv().await;
            if pred(&v) {
                return v;
            }
            assert!(
                v["op"] != "error" || what.contains("error"),
                "while waiting for {what}: {v}"
            );
        }
    }

    pub async fn subscribe(&mut self, v: Value) -> Value {
        self.send(v).await;
        self.expect("subscribed", |v| v["op"] == "subscribed").await
    }

    pub async fn status(&mut self, id: &str, state: &str) -> Value {
        self.expect(&format!("status {state}"), |v| {
            v["op"] == "status" && v["id"] == id && v["state"] == state
        })
        .await
    }

    /// Collect `n` lines of subscription `id` (acking each batch), checking
    /// sequence numbers are contiguous. Other frames are skipped, except
    /// errors, which fail the test.
    pub async fn lines(&mut self, id: &str, n: usize) -> Vec<(u64, String)> {
        let mut out: Vec<(u64, String)> = Vec::new();
        while out.len() < n {
            let v = self.recv().await;
            match v["op"].as_str() {
                Some("lines") if v["id"] == id => {
                    let first = v["first_seq"].as_u64().unwrap();
                    if let Some((last, _)) = out.last() {
                        assert_eq!(first, last + 1, "sequence numbers are contiguous");
                    }
                    let lines = v["lines"].as_array().unwrap();
                    for (i, l) in lines.iter().enumerate() {
                        out.push((first + i as u64, l.as_str().unwrap().to_string()));
                    }
                    let last = first + lines.len() as u64 - 1;
                    self.send(json!({"op": "ack", "id": id, "seq": last})).await;
                }
                Some("error") => panic!("unexpected error frame: {v}"),
                _ => {}
            }
        }
        assert_eq!(out.len(), n, "no more lines than expected");
        out
    }

    pub async fn stats(&mut self) -> Value {
        self.send(json!({"op": "stats"})).await;
        self.expect("stats", |v| v["op"] == "stats").await
    }

    /// Nothing arrives for a while (apart from status frames).
    pub async fn quiet(&mut self, d: Duration) {
        let until = tokio::time::Instant::now() + d;
        while let Ok(Some(Ok(m))) = tokio::time::timeout_at(until, self.ws.next()).await {
            if let Message::Text(t) = m {
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                assert_eq!(v["op"], "status", "expected nothing, got {v}");
            }
        }
    }
}

pub fn texts(lines: &[(u64, String)]) -> Vec<&str> {
    lines.iter().map(|(_, l)| l.as_str()).collect()
}

/// An `nc localhost P` writer.
pub async fn nc(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("nc connects")
}

pub async fn write(s: &mut TcpStream, bytes: impl AsRef<[u8]>) {
    s.write_all(bytes.as_ref()).await.expect("write");
}

/// Send a raw HTTP request and return the status code and whole response.
pub async fn http(addr: SocketAddr, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

/// The status code a WebSocket handshake on `/ws{query}` gets.
pub async fn ws_status(addr: SocketAddr, query: &str, origin: Option<&str>) -> u16 {
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    let req = format!(
        "GET /ws{query} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}\r\n"
    );
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(WAIT, s.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    text.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}
