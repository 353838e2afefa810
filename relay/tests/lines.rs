//! Lines from TCP to pages: order, reconnects on both sides, odd lines.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use streamlab_relay::{Config, Limits};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

#[tokio::test]
async fn lines_arrive_in_order_from_several_ports() {
    let r = relay_listening(2).await;
    let (pa, pb) = (listen_port(&r, 0), listen_port(&r, 1));
    let mut page = page(&r).await;
    let a = page
        .subscribe(json!({"op": "subscribe", "id": "a", "port": pa}))
        .await;
    assert_eq!(
        a["mode"], "listen",
        "a --listen port is read in listen mode by default"
    );
    assert_eq!(a["first_seq"], 1);
    page.subscribe(json!({"op": "subscribe", "id": "b", "port": pb}))
        .await;

    let (mut wa, mut wb) = (nc(pa).await, nc(pb).await);
    for i in 0..100 {
        write(&mut wa, format!("a{i}\n")).await;
        write(&mut wb, format!("b{i}\n")).await;
    }
    // Collect both subscriptions' lines from one interleaved stream.
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    while got_a.len() < 100 || got_b.len() < 100 {
        let v = page.recv().await;
        if v["op"] != "lines" {
            continue;
        }
        let first = v["first_seq"].as_u64().unwrap();
        let lines: Vec<String> = v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().into())
            .collect();
        let (got, id) = if v["id"] == "a" {
            (&mut got_a, "a")
        } else {
            (&mut got_b, "b")
        };
        assert_eq!(first, got.len() as u64 + 1, "contiguous sequence numbers");
        got.extend(lines);
        page.send(json!({"op": "ack", "id": id, "seq": got.len()}))
            .await;
    }
    assert_eq!(got_a, (0..100).map(|i| format!("a{i}")).collect::<Vec<_>>());
    assert_eq!(got_b, (0..100).map(|i| format!("b{i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn lines_written_together_arrive_in_one_frame() {
    let r = relay_listening(1).await;
    let p = listen_port(&r, 0);
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    page.status("s", "listening").await;
    let mut w = nc(p).await;
    write(&mut w, "one\ntwo\nthree\n").await;
    let v = page.expect("lines", |v| v["op"] == "lines").await;
    assert_eq!(
        v,
        json!({"op": "lines", "id": "s", "port": p, "first_seq": 1, "lines": ["one", "two", "three"]})
    );
}

#[tokio::test]
async fn several_tabs_each_get_every_line() {
    let r = relay_listening(1).await;
    let p = listen_port(&r, 0);
    let mut tabs = Vec::new();
    for _ in 0..3 {
        let mut t = page(&r).await;
        t.subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
            .await;
        tabs.push(t);
    }
    let mut w = nc(p).await;
    for i in 0..500 {
        write(&mut w, format!("{i}\n")).await;
    }
    let want: Vec<String> = (0..500).map(|i| i.to_string()).collect();
    for t in &mut tabs {
        let got = t.lines("s", 500).await;
        assert_eq!(texts(&got), want);
        assert_eq!(got[0].0, 1);
    }
}

#[tokio::test]
async fn nc_disconnect_and_reconnect_on_a_listen_port() {
    let r = relay_listening(1).await;
    let p = listen_port(&r, 0);
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;

    let mut w = nc(p).await;
    write(&mut w, "before\nunterminated").await;
    drop(w); // Ctrl-C on nc: the unterminated last line still counts, as in Spark.
    let got = page.lines("s", 2).await;
    assert_eq!(texts(&got), ["before", "unterminated"]);
    let st = page
        .expect("disconnect status", |v| {
            v["op"] == "status" && v["writers"] == 0
        })
        .await;
    assert!(
        st["message"].as_str().unwrap().contains("still listening"),
        "{st}"
    );

    let mut w = nc(p).await;
    write(&mut w, "after\n").await;
    let got = page.lines("s", 1).await;
    assert_eq!(
        got,
        vec![(3, "after".to_string())],
        "numbering continues across writers"
    );
}

#[tokio::test]
async fn connect_mode_refused_then_connected_then_closed_then_retried() {
    let r = relay_listening(0).await;
    // Find a port with nothing on it: bind, note, close.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let mut page = page(&r).await;
    let sub = page
        .subscribe(json!({"op": "subscribe", "id": "q", "host": "localhost", "port": port}))
        .await;
    assert_eq!(sub["mode"], "connect");
    let st = page.status("q", "refused").await;
    let msg = st["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("Nothing is listening on localhost:{port}")),
        "{msg}"
    );
    assert!(msg.contains(&format!("nc -lk {port}")), "{msg}");

    // The user runs `nc -lk PORT`; the page retries.
    let nc_lk = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    page.send(json!({"op": "retry", "id": "q"})).await;
    let (mut conn, _) = tokio::time::timeout(WAIT, nc_lk.accept())
        .await
        .unwrap()
        .unwrap();
    page.status("q", "connected").await;
    conn.write_all(b"hello\r\nworld\n").await.unwrap();
    assert_eq!(texts(&page.lines("q", 2).await), ["hello", "world"]);

    // nc is stopped: the page is told in plain words, after the last line.
    conn.write_all(b"last\n").await.unwrap();
    drop(conn);
    let got = page.lines("q", 1).await;
    assert_eq!(got, vec![(3, "last".to_string())]);
    let st = page.status("q", "closed").await;
    assert!(
        st["message"]
            .as_str()
            .unwrap()
            .contains(&format!("nc -lk {port}")),
        "{st}"
    );

    // Retry reconnects, and numbering carries on.
    page.send(json!({"op": "retry", "id": "q"})).await;
    let (mut conn, _) = tokio::time::timeout(WAIT, nc_lk.accept())
        .await
        .unwrap()
        .unwrap();
    page.status("q", "connected").await;
    conn.write_all(b"again\n").await.unwrap();
    assert_eq!(page.lines("q", 1).await, vec![(4, "again".to_string())]);
}

#[tokio::test]
async fn connect_mode_reset_is_reported() {
    let r = relay_listening(0).await;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "q", "port": port, "mode": "connect"}))
        .await;
    let (conn, _) = l.accept().await.unwrap();
    page.status("q", "connected").await;
    // SO_LINGER 0 makes close send RST.
    conn.set_zero_linger().unwrap();
    drop(conn);
    let st = page.status("q", "error").await;
    let msg = st["message"].as_str().unwrap();
    assert!(
        msg.contains("was lost") && msg.contains(&format!("nc -lk {port}")),
        "{msg}"
    );
}

#[tokio::test]
async fn two_pages_share_one_connection() {
    let r = relay_listening(0).await;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let mut p1 = page(&r).await;
    p1.subscribe(json!({"op": "subscribe", "id": "q", "port": port}))
        .await;
    let (mut conn, _) = l.accept().await.unwrap();
    p1.status("q", "connected").await;
    let mut p2 = page(&r).await;
    p2.subscribe(json!({"op": "subscribe", "id": "q", "port": port}))
        .await;
    p2.status("q", "connected").await;
    conn.write_all(b"x\ny\n").await.unwrap();
    assert_eq!(texts(&p1.lines("q", 2).await), ["x", "y"]);
    assert_eq!(texts(&p2.lines("q", 2).await), ["x", "y"]);
    // No second connection was made.
    assert!(tokio::time::timeout(Duration::from_millis(200), l.accept())
        .await
        .is_err());
}

#[tokio::test]
async fn page_disconnects_and_resumes_without_loss() {
    let r = relay_listening(1).await;
    let p = listen_port(&r, 0);
    let mut w = nc(p).await;

    let mut page1 = page(&r).await;
    page1
        .subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    for i in 0..50 {
        write(&mut w, format!("{i}\n")).await;
    }
    let got = page1.lines("s", 50).await;
    let last_seen = got.last().unwrap().0;
    drop(page1); // the tab reloads

    for i in 50..120 {
        write(&mut w, format!("{i}\n")).await;
    }
    let mut page2 = page(&r).await;
    let sub = page2
        .subscribe(json!({"op": "subscribe", "id": "s", "port": p, "from_seq": last_seen + 1}))
        .await;
    assert_eq!(sub["first_seq"], last_seen + 1);
    let got = page2.lines("s", 70).await;
    assert_eq!(
        texts(&got),
        (50..120).map(|i| i.to_string()).collect::<Vec<_>>()
    );
    page2.quiet(Duration::from_millis(200)).await;

    // Without from_seq a new page starts after what was acknowledged.
    let mut page3 = page(&r).await;
    let sub = page3
        .subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    assert_eq!(sub["first_seq"], 121);
}

#[tokio::test]
async fn lines_written_before_any_page_wait_for_it() {
    let r = relay_listening(1).await;
    let p = listen_port(&r, 0);
    let mut w = nc(p).await;
    write(&mut w, "early1\nearly2\n").await;
    // Wait until the relay has read them.
    for _ in 0..100 {
        if r.stats()[0].next_seq == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    assert_eq!(texts(&page.lines("s", 2).await), ["early1", "early2"]);
}

#[tokio::test]
async fn resume_older_than_the_buffer_reports_a_gap() {
    let limits = Limits {
        buffer_lines: 10,
        window_lines: 10,
        ..Limits::default()
    };
    let r = relay(Config {
        listen: vec![0],
        limits,
        ..Config::default()
    })
    .await;
    let p = listen_port(&r, 0);
    let mut reader = page(&r).await;
    reader
        .subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    let mut w = nc(p).await;
    for i in 1..=30 {
        write(&mut w, format!("{i}\n")).await;
    }
    reader.lines("s", 30).await; // acked: lines 1..=20 may now be evicted
    let mut late = page(&r).await;
    late.send(json!({"op": "subscribe", "id": "s", "port": p, "from_seq": 5}))
        .await;
    let gap = late
        .expect("resume_gap error", |v| v["op"] == "error")
        .await;
    assert_eq!(gap["code"], "resume_gap");
    assert_eq!(gap["missing_from"], 5);
    assert_eq!(gap["missing_to"], 20);
    let got = late.lines("s", 10).await;
    assert_eq!(got.first().unwrap(), &(21, "21".to_string()));
}

#[tokio::test]
async fn oversized_and_invalid_utf8_lines() {
    let r = relay_listening(1).await; // default limit: 1 MiB
    let p = listen_port(&r, 0);
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "s", "port": p}))
        .await;
    let mut w = nc(p).await;
    let big = vec![b'x'; 3 << 20];
    write(&mut w, b"before\n").await;
    write(&mut w, &big).await;
    write(&mut w, b"\r\nbad \xFF\xFE utf8 \xC3\n").await;
    write(&mut w, vec![b'y'; 1 << 20]).await; // exactly the limit: accepted
    write(&mut w, b"\n").await;

    assert_eq!(page.lines("s", 1).await, vec![(1, "before".to_string())]);
    let e = page
        .expect("line_too_long error", |v| v["op"] == "error")
        .await;
    assert_eq!(e["code"], "line_too_long");
    assert_eq!(e["port"], p);
    assert_eq!(e["length"], 3 << 20);
    assert_eq!(e["after_seq"], 1);
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains(&p.to_string()) && msg.contains(&(3u64 << 20).to_string()),
        "{msg}"
    );
    let got = page.lines("s", 2).await;
    assert_eq!(
        got[0],
        (2, "bad \u{FFFD}\u{FFFD} utf8 \u{FFFD}".to_string())
    );
    assert_eq!(got[1].1.len(), 1 << 20);
    let st = &r.stats()[0];
    assert_eq!(st.lines_too_long, 1);
    assert!(
        st.max_buffered_bytes <= (1 << 20) + 64,
        "the oversized line was never buffered"
    );
}

#[tokio::test]
async fn bad_frames_get_plain_errors_and_the_session_survives() {
    let r = relay_listening(1).await;
    let mut page = page(&r).await;
    page.send(json!({"op": "nonsense"})).await;
    let e = page.expect("error", |v| v["op"] == "error").await;
    assert_eq!(e["code"], "bad_request");
    page.ws
        .send(tokio_tungstenite::tungstenite::Message::text("not json"))
        .await
        .unwrap();
    assert_eq!(
        page.expect("error", |v| v["op"] == "error").await["code"],
        "bad_request"
    );
    page.send(json!({"op": "ack", "id": "nope", "seq": 3}))
        .await;
    assert_eq!(
        page.expect("error", |v| v["op"] == "error").await["code"],
        "unknown_subscription"
    );
    page.send(json!({"op": "subscribe", "port": 1, "mode": "listen"}))
        .await;
    let e = page.expect("error", |v| v["op"] == "error").await;
    assert_eq!(e["code"], "not_listening");
    assert!(e["message"].as_str().unwrap().contains("--listen 1"));
    // Still working.
    let p = listen_port(&r, 0);
    page.subscribe(json!({"op": "subscribe", "port": p})).await;
    let mut w = nc(p).await;
    write(&mut w, "ok\n").await;
    assert_eq!(texts(&page.lines(&p.to_string(), 1).await), ["ok"]);
}

use futures_util::SinkExt;

#[tokio::test]
async fn connect_source_lingers_for_a_reloading_page_then_closes() {
    let r = relay(Config {
        linger: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let mut p1 = page(&r).await;
    p1.subscribe(json!({"op": "subscribe", "id": "q", "port": port}))
        .await;
    let (mut conn, _) = l.accept().await.unwrap();
    conn.write_all(b"1\n2\n").await.unwrap();
    let got = p1.lines("q", 2).await;
    drop(p1); // reload
    conn.write_all(b"3\n").await.unwrap();
    let mut p2 = page(&r).await;
    let from = got.last().unwrap().0 + 1;
    p2.subscribe(json!({"op": "subscribe", "id": "q", "port": port, "from_seq": from}))
        .await;
    assert_eq!(
        p2.lines("q", 1).await,
        vec![(3, "3".to_string())],
        "same connection, nothing lost"
    );
    drop(p2); // the tab is closed for good: the connection goes after the linger
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(WAIT, tokio::io::AsyncReadExt::read(&mut conn, &mut buf))
        .await
        .unwrap();
    assert!(matches!(n, Ok(0) | Err(_)), "the relay hung up");
    assert!(r.stats().is_empty(), "the source is forgotten");
}
