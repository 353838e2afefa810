//! The page's files compressed for browsers that take gzip, as they are for
//! clients that do not, and revalidated with ETags.

mod common;

use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

use common::*;
use streamlab_relay::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

async fn get(addr: SocketAddr, method: &str, path: &str, extra: &str) -> Response {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{method} {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(WAIT, s.read_to_end(&mut buf))
        .await
        .expect("response in time")
        .unwrap();
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8(buf[..end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response {
        status,
        headers,
        body: buf[end + 4..].to_vec(),
    }
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

/// A built page in a directory of its own (`tag`: tests run in parallel).
fn site(tag: &str) -> (PathBuf, Vec<u8>, String) {
    let dir = std::env::temp_dir().join(format!("relay-gzip-site-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    // Something like a WebAssembly module: compressible, not text.
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..200_000u32 {
        wasm.extend_from_slice(&(i % 977).to_le_bytes());
    }
    std::fs::write(dir.join("pkg/app_bg.wasm"), &wasm).unwrap();
    let js = "export function run() { return 'streamlab'; }\n".repeat(100);
    std::fs::write(dir.join("pkg/app.js"), &js).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>lab</title>").unwrap();
    std::fs::write(dir.join("logo.png"), vec![7u8; 4096]).unwrap();
    (dir, wasm, js)
}

#[tokio::test]
async fn gzip_when_accepted_plain_otherwise() {
    let (dir, wasm, js) = site("gzip");
    let r = relay(Config {
        static_dir: dir.clone(),
        ..Config::default()
    })
    .await;

    // A browser: gzip, which decodes to the file.
    let z = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        "Accept-Encoding: gzip, deflate, br, zstd\r\n",
    )
    .await;
    assert_eq!(z.status, 200);
    assert_eq!(z.header("content-type"), Some("application/wasm"));
    assert_eq!(z.header("content-encoding"), Some("gzip"));
    assert_eq!(z.header("vary"), Some("Accept-Encoding"));
    assert_eq!(
        z.header("content-length"),
        Some(z.body.len().to_string().as_str())
    );
    assert!(
        z.body.len() < wasm.len() / 4,
        "{} of {}",
        z.body.len(),
        wasm.len()
    );
    assert_eq!(gunzip(&z.body), wasm);

    // No Accept-Encoding, or one without gzip: the file as it is.
    for extra in [
        "",
        "Accept-Encoding: identity\r\n",
        "Accept-Encoding: br\r\n",
        "Accept-Encoding: gzip;q=0\r\n",
    ] {
        let p = get(r.addr, "GET", "/pkg/app_bg.wasm", extra).await;
        assert_eq!(p.status, 200, "{extra:?}");
        assert_eq!(p.header("content-encoding"), None, "{extra:?}");
        assert_eq!(p.header("vary"), Some("Accept-Encoding"), "{extra:?}");
        assert_eq!(p.header("content-type"), Some("application/wasm"));
        assert_eq!(p.body, wasm, "{extra:?}");
    }

    // Text too; HEAD says what GET would send, without the body.
    let j = get(r.addr, "GET", "/pkg/app.js", "Accept-Encoding: gzip\r\n").await;
    assert_eq!(j.header("content-encoding"), Some("gzip"));
    assert_eq!(
        j.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(gunzip(&j.body), js.as_bytes());
    let h = get(r.addr, "HEAD", "/pkg/app.js", "Accept-Encoding: gzip\r\n").await;
    assert_eq!(h.status, 200);
    assert!(h.body.is_empty());
    assert_eq!(h.header("content-length"), j.header("content-length"));
    assert_eq!(h.header("etag"), j.header("etag"));

    // Already compressed images and tiny files go as they are.
    let png = get(r.addr, "GET", "/logo.png", "Accept-Encoding: gzip\r\n").await;
    assert_eq!(png.header("content-encoding"), None);
    assert_eq!(png.body, vec![7u8; 4096]);
    let idx = get(r.addr, "GET", "/", "Accept-Encoding: gzip\r\n").await;
    assert_eq!(idx.header("content-encoding"), None);
    assert_eq!(idx.body, b"<!doctype html><title>lab</title>");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn etags_revalidate_and_follow_rebuilds() {
    let (dir, wasm, _) = site("etag");
    let r = relay(Config {
        static_dir: dir.clone(),
        ..Config::default()
    })
    .await;
    let gz = "Accept-Encoding: gzip\r\n";
    let first = get(r.addr, "GET", "/pkg/app_bg.wasm", gz).await;
    let plain = get(r.addr, "GET", "/pkg/app_bg.wasm", "").await;
    let etag = first.header("etag").expect("an ETag").to_string();
    let plain_etag = plain.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert_ne!(etag, plain_etag, "each encoding has its own ETag");
    assert!(first.header("cache-control").is_some());

    // The browser's copy is current: 304, no body.
    let again = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        &format!("{gz}If-None-Match: {etag}\r\n"),
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let weak = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        &format!("{gz}If-None-Match: \"x\", W/{etag}\r\n"),
    )
    .await;
    assert_eq!(weak.status, 304);
    let again = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        &format!("If-None-Match: {plain_etag}\r\n"),
    )
    .await;
    assert_eq!(again.status, 304);
    // Another version: the whole file.
    let stale = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        &format!("{gz}If-None-Match: \"0000\"\r\n"),
    )
    .await;
    assert_eq!(stale.status, 200);
    assert_eq!(gunzip(&stale.body), wasm);

    // A rebuild while the relay runs: the new file, with a new ETag.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut rebuilt = wasm.clone();
    rebuilt.extend_from_slice(b"rebuilt");
    std::fs::write(dir.join("pkg/app_bg.wasm"), &rebuilt).unwrap();
    let after = get(
        r.addr,
        "GET",
        "/pkg/app_bg.wasm",
        &format!("{gz}If-None-Match: {etag}\r\n"),
    )
    .await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("etag"), Some(etag.as_str()));
    assert_eq!(gunzip(&after.body), rebuilt);
    let _ = std::fs::remove_dir_all(&dir);
}
