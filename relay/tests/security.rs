//! Who may use the relay, and what the page's files look like.

mod common;

use std::path::PathBuf;

use common::*;
use serde_json::json;
use streamlab_relay::Config;

#[tokio::test]
async fn foreign_origin_is_refused() {
    let r = relay(Config {
        allow_origins: vec!["http://lab.example:9000".into()],
        ..Config::default()
    })
    .await;
    let port = r.addr.port();
    assert_eq!(
        ws_status(r.addr, "", Some("http://evil.example")).await,
        403
    );
    assert_eq!(
        ws_status(r.addr, "", Some(&format!("http://evil.example:{port}"))).await,
        403,
        "DNS rebinding"
    );
    assert_eq!(
        ws_status(r.addr, "", Some(&format!("http://127.0.0.1:{}", port + 1))).await,
        403
    );
    assert_eq!(ws_status(r.addr, "", Some("null")).await, 403);
    assert_eq!(
        ws_status(r.addr, "", Some(&format!("http://127.0.0.1:{port}"))).await,
        101
    );
    assert_eq!(
        ws_status(r.addr, "", Some(&format!("http://localhost:{port}"))).await,
        101
    );
    assert_eq!(
        ws_status(r.addr, "", Some("http://lab.example:9000")).await,
        101,
        "--allow-origin"
    );
    // Non-browser clients send no Origin; they could read the ports anyway.
    assert_eq!(ws_status(r.addr, "", None).await, 101);
    let (_, body) = http(r.addr,
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nOrigin: http://evil.example\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).await;
    assert!(
        body.contains("--allow-origin http://evil.example"),
        "{body}"
    );
}

#[tokio::test]
async fn token_is_required_when_set() {
    let r = relay(Config {
        token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let own = format!("http://127.0.0.1:{}", r.addr.port());
    assert_eq!(
        ws_status(r.addr, "", Some(&own)).await,
        401,
        "missing token"
    );
    assert_eq!(
        ws_status(r.addr, "?token=s3cre", Some(&own)).await,
        401,
        "wrong token"
    );
    assert_eq!(
        ws_status(r.addr, "?token=s3cretX", Some(&own)).await,
        401,
        "wrong token"
    );
    assert_eq!(ws_status(r.addr, "?token=s3cret", None).await, 101);
    assert_eq!(
        ws_status(r.addr, "?token=s3cret", Some("http://evil.example")).await,
        403,
        "token does not lift the Origin check"
    );
    let page = page_with(r.addr, "?token=s3cret", Some(&own)).await;
    assert!(page.is_ok());
    assert!(
        r.url().ends_with("/?token=s3cret"),
        "the printed URL carries the token to the page"
    );
}

#[tokio::test]
async fn connect_targets_are_loopback_only() {
    let r = relay(Config {
        allow_connect: vec!["127.0.0.1:1".into()],
        ..Config::default()
    })
    .await;
    let mut page = page(&r).await;
    // Refused by policy before any connection is attempted.
    for host in ["example.invalid", "0.0.0.0", "localhost.example.invalid"] {
        page.send(json!({"op": "subscribe", "id": host, "host": host, "port": 9999}))
            .await;
        let e = page
            .expect("connect_not_allowed error", |v| v["op"] == "error")
            .await;
        assert_eq!(e["code"], "connect_not_allowed", "{host}: {e}");
        assert_eq!(e["id"], host);
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .contains(&format!("--allow-connect {host}:9999")),
            "{e}"
        );
    }
    assert!(r.stats().is_empty(), "no source was opened");
    // Loopback is fine (nothing listens there, so: refused, with advice).
    page.send(json!({"op": "subscribe", "id": "lo", "host": "127.0.0.1", "port": 1}))
        .await;
    page.status("lo", "refused").await;
}

fn site(with_index: bool) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "relay-site-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    if with_index {
        std::fs::write(dir.join("index.html"), "<!doctype html><title>lab</title>").unwrap();
    }
    std::fs::write(dir.join("pkg/app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("pkg/app.js"), "export {}").unwrap();
    std::fs::write(dir.join("style.css"), "body{}").unwrap();
    std::fs::write(dir.join("data.json"), "{}").unwrap();
    std::fs::write(
        dir.parent()
            .unwrap()
            .join(format!("relay-secret-{}", std::process::id())),
        "secret",
    )
    .unwrap();
    dir
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n")
}

fn content_type(resp: &str) -> &str {
    resp.lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
}

#[tokio::test]
async fn static_files_with_types_and_no_traversal() {
    let dir = site(true);
    let r = relay(Config {
        static_dir: dir.clone(),
        ..Config::default()
    })
    .await;
    let (code, resp) = http(r.addr, &get("/")).await;
    assert_eq!(code, 200);
    assert!(content_type(&resp).starts_with("text/html"));
    assert!(resp.ends_with("<title>lab</title>"));
    for (path, ctype) in [
        ("/pkg/app_bg.wasm", "application/wasm"),
        ("/pkg/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/index.html?v=2", "text/html; charset=utf-8"),
    ] {
        let (code, resp) = http(r.addr, &get(path)).await;
        assert_eq!((code, content_type(&resp)), (200, ctype), "{path}");
    }
    let secret = format!("relay-secret-{}", std::process::id());
    for path in [
        format!("/../{secret}"),
        format!("/%2e%2e/{secret}"),
        format!("/pkg/..%2f..%2f{secret}"),
        format!("/pkg/%2e%2e/%2e%2e/{secret}"),
        "/nope.js".to_string(),
    ] {
        let (code, resp) = http(r.addr, &get(&path)).await;
        assert_eq!(code, 404, "{path}");
        assert!(
            !resp.contains("secret\n") && !resp.ends_with("secret"),
            "{path}"
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.parent().unwrap().join(&secret), dir.join("link")).unwrap();
        assert_eq!(
            http(r.addr, &get("/link")).await.0,
            404,
            "symlink out of the directory"
        );
    }
    let (code, resp) = http(r.addr, "HEAD /pkg/app.js HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert_eq!(code, 200);
    assert!(resp.ends_with("\r\n\r\n"), "HEAD has no body");
    assert_eq!(
        http(
            r.addr,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        )
        .await
        .0,
        405
    );
    assert_eq!(
        http(r.addr, &get("/ws")).await.0,
        426,
        "/ws without upgrade"
    );
    assert_eq!(http(r.addr, "garbage\r\n\r\n").await.0, 400);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn unbuilt_page_says_how_to_build_it() {
    let dir = site(false);
    let r = relay(Config {
        static_dir: dir.clone(),
        ..Config::default()
    })
    .await;
    let (code, resp) = http(r.addr, &get("/")).await;
    assert_eq!(code, 200);
    assert!(
        resp.contains("not built yet") && resp.contains("scripts/build-web"),
        "{resp}"
    );
    assert_eq!(
        http(r.addr, &get("/pkg/app.js")).await.0,
        200,
        "other files still served"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
