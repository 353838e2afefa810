//! A million lines into a --listen port while a slow page reads with acks:
//! every line arrives, in order, and the relay never holds more than its
//! buffer — the writer is made to wait instead (TCP pushes back on it).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::json;
use streamlab_relay::{Config, Limits};
use tokio::io::AsyncWriteExt;

const LINES: u64 = 1_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_lines_with_flat_memory() {
    let limits = Limits {
        max_line_bytes: 1024,
        buffer_lines: 4096,
        buffer_bytes: 64 << 10,
        window_lines: 1024,
        ..Limits::default()
    };
    let r = relay(Config {
        listen: vec![0],
        limits,
        ..Config::default()
    })
    .await;
    let port = listen_port(&r, 0);
    let mut page = page(&r).await;
    page.subscribe(json!({"op": "subscribe", "id": "s", "port": port}))
        .await;

    // 20 bytes a line, 20 MB in all: more than loopback socket buffers
    // hold, so the writer must be seen waiting.
    let total_bytes = LINES * 20;
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let written = written.clone();
        tokio::spawn(async move {
            let mut w = nc(port).await;
            let mut buf = String::with_capacity(64 << 10);
            for i in 0..LINES {
                buf.push_str(&format!("line {i:012} ..\n"));
                if buf.len() >= (64 << 10) - 20 || i == LINES - 1 {
                    w.write_all(buf.as_bytes()).await.unwrap();
                    written.fetch_add(buf.len() as u64, Ordering::Relaxed);
                    buf.clear();
                }
            }
        })
    };

    // The page is busy at first: the relay fills its buffer and stops reading.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = written.load(Ordering::Relaxed);
    assert!(
        held < total_bytes,
        "the writer was held back ({held} of {total_bytes} bytes written)"
    );
    let st = r.stats()[0].clone();
    assert!(st.stalls > 0, "the relay paused reading: {st:?}");
    assert_eq!(
        st.buffered_lines,
        limits.buffer_lines.min(limits.buffer_bytes / 20)
    );

    // Then it reads slowly, acking each batch, and checks every line.
    let mut next = 0u64;
    let mut frames = 0u64;
    while next < LINES {
        let v = page.recv().await;
        if v["op"] != "lines" {
            assert_ne!(v["op"], "error", "{v}");
            continue;
        }
        assert_eq!(
            v["first_seq"].as_u64().unwrap(),
            next + 1,
            "no line lost or repeated"
        );
        for l in v["lines"].as_array().unwrap() {
            assert_eq!(l.as_str().unwrap(), format!("line {next:012} .."));
            next += 1;
        }
        page.send(json!({"op": "ack", "id": "s", "seq": next}))
            .await;
        frames += 1;
        if frames.is_multiple_of(100) {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let st = &r.stats()[0];
            assert!(
                st.buffered_lines <= limits.buffer_lines
                    && st.buffered_bytes <= limits.buffer_bytes,
                "{st:?}"
            );
        }
    }
    writer.await.unwrap();
    let st = &r.stats()[0];
    assert_eq!(st.next_seq, LINES + 1);
    assert!(st.max_buffered_lines <= limits.buffer_lines, "{st:?}");
    assert!(st.max_buffered_bytes <= limits.buffer_bytes, "{st:?}");
    eprintln!(
        "flood: {frames} frames, {} writer stalls, peak {} lines / {} bytes held",
        st.stalls, st.max_buffered_lines, st.max_buffered_bytes
    );
}
