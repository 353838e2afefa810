//! Playground measurements for docs/BENCHMARKS.md, in headless Chromium:
//! what the page loads (gzipped), time until usable, nc-to-row latency,
//! and how the page copes with a flood of lines. Not part of `cargo test`:
//!
//!     scripts/build-web && cargo test --release -p streamlab-e2e --test bench -- --ignored --nocapture

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;

const SECS: Duration = Duration::from_secs(60);

fn gz(path: &std::path::Path) -> (u64, u64) {
    let raw = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let out = std::process::Command::new("gzip")
        .arg("-9c")
        .arg(path)
        .output();
    let gz = match out {
        Ok(o) if o.status.success() => o.stdout.len() as u64,
        _ => {
            let data = std::fs::read(path).unwrap_or_default();
            miniz_oxide::deflate::compress_to_vec(&data, 9).len() as u64 + 18
        }
    };
    (raw, gz)
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((p / 100.0) * (s.len() - 1) as f64).round() as usize;
    s[i.min(s.len() - 1)]
}

fn wall_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

fn wordcount(port: u16) -> String {
    format!(
        "from pyspark.sql import SparkSession\nfrom pyspark.sql import functions as F\n\nspark = SparkSession.builder.appName(\"bench\").getOrCreate()\n\
lines = spark.readStream.format(\"socket\").option(\"host\", \"localhost\").option(\"port\", {port}).load()\n\
words = lines.select(F.explode(F.split(lines.value, \" \")).alias(\"word\"))\n\
counts = words.groupBy(\"word\").count()\n\
counts.writeStream.outputMode(\"update\").format(\"console\").start().awaitTermination()\n"
    )
}

/// What a load of the page transfers, and how long until it is usable:
/// on loopback and over an emulated 20 Mbit/s link with 40 ms latency,
/// cold (browser cache cleared) and reloaded (cached copy revalidated).
async fn page_load(page: &Page) {
    let loads = 4;
    println!("\n| link | load | time to usable (median of {loads}) | bytes transferred | wasm transferred |\n|---|---|---:|---:|---:|");
    for (link, conditions) in [
        ("loopback", None),
        ("20 Mbit/s, 40 ms", Some((40, 20_000_000 / 8))),
    ] {
        let (latency, rate) = conditions.unwrap_or((0, 0));
        if conditions.is_some() {
            page.driver_command(
                "/chromium/network_conditions",
                &serde_json::json!({"network_conditions": {"offline": false, "latency": latency,
                    "download_throughput": rate, "upload_throughput": rate}}),
            )
            .await;
        }
        for cold in [true, false] {
            let mut times = Vec::new();
            let mut bytes = (0.0, 0.0);
            for _ in 0..loads {
                page.client.goto("about:blank").await.unwrap();
                if cold {
                    page.driver_command(
                        "/goog/cdp/execute",
                        &serde_json::json!({"cmd": "Network.clearBrowserCache", "params": {}}),
                    )
                    .await;
                }
                page.client.goto(&page.base).await.unwrap();
                page.wait_ready().await;
                let t = page
                    .wait_js("return window.__streamlabReady || null", SECS, "ready")
                    .await;
                times.push(t.as_f64().unwrap());
                let b = page
                    .js("const r = performance.getEntriesByType('resource').concat(performance.getEntriesByType('navigation'));
                         const w = r.filter(e => e.name.endsWith('.wasm'));
                         return [r.reduce((s, e) => s + e.transferSize, 0), w.reduce((s, e) => s + e.transferSize, 0)]")
                    .await;
                bytes = (b[0].as_f64().unwrap_or(0.0), b[1].as_f64().unwrap_or(0.0));
            }
            println!(
                "| {link} | {} | {:.0} ms | {:.0} | {:.0} |",
                if cold {
                    "first (cache cleared)"
                } else {
                    "reload (cached)"
                },
                pct(&times, 50.0),
                bytes.0,
                bytes.1
            );
        }
    }
    page.driver_command(
        "/chromium/network_conditions",
        &serde_json::json!({"network_conditions": {"offline": false, "latency": 0, "download_throughput": -1, "upload_throughput": -1}}),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn load_only() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page_load(&page).await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn playground_benchmarks() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let dist = root().join("dist");
    let mut total = (0, 0);
    println!("\n| file | bytes | gzipped |\n|---|---:|---:|");
    for f in [
        "index.html",
        "pkg/streamlab_web.js",
        "pkg/streamlab_web_bg.wasm",
    ] {
        let (raw, g) = gz(&dist.join(f));
        total.0 += raw;
        total.1 += g;
        println!("| `{f}` | {raw} | {g} |");
    }
    println!("| **total** | {} | **{}** |", total.0, total.1);

    let page = open(vec![]).await;
    // Time until usable: navigation start to the app rendered (wasm fetched,
    // compiled, instantiated, first render), cold then warm (cached).
    let mut usable = Vec::new();
    for i in 0..6 {
        page.client.goto("about:blank").await.unwrap();
        page.client.goto(&page.base).await.unwrap();
        page.wait_ready().await;
        let t = page
            .wait_js("return window.__streamlabReady || null", SECS, "ready")
            .await;
        let t = t.as_f64().unwrap();
        if i == 0 {
            println!("\ntime to usable, first load: {t:.0} ms");
        } else {
            usable.push(t);
        }
    }
    println!(
        "time to usable, reloads (cached): median {:.0} ms, max {:.0} ms",
        pct(&usable, 50.0),
        pct(&usable, 100.0)
    );

    page_load(&page).await;

    // nc -lk -> relay -> page: a line written until its row is in #console.
    let nc = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = nc.local_addr().unwrap().port();
    page.paste("#script", &wordcount(port)).await;
    page.click("#run").await;
    let accept = tokio::task::spawn_blocking(move || nc.accept().map(|(s, _)| s));
    let mut conn = tokio::time::timeout(SECS, accept)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    conn.set_nodelay(true).unwrap();
    page.wait_js(&format!("const s = document.getElementById('source-{port}'); return s && s.dataset.state === 'connected'"), SECS, "connected").await;
    page.js(
        "window.__seen = {};
         const c = document.getElementById('console');
         new MutationObserver(() => {
           const t = Date.now();
           for (const m of c.textContent.matchAll(/lat(\\d+)/g)) { if (!(m[1] in window.__seen)) window.__seen[m[1]] = t; }
         }).observe(c, {childList: true, subtree: true, characterData: true});
         return true",
    )
    .await;
    let mut lat = Vec::new();
    for i in 0..100 {
        let sent = wall_ms();
        conn.write_all(format!("lat{i}\n").as_bytes()).unwrap();
        let seen = page
            .wait_js(
                &format!("return window.__seen['{i}'] || null"),
                SECS,
                "a latency line",
            )
            .await;
        lat.push(seen.as_f64().unwrap() - sent);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "\nnc-to-row latency, {} lines one at a time: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        lat.len(),
        pct(&lat, 50.0),
        pct(&lat, 95.0),
        pct(&lat, 100.0)
    );

    // A flood: 200,000 lines as fast as TCP takes them, while a 10 ms timer
    // on the page measures how long the main thread is ever blocked.
    page.js(
        "window.__gaps = []; let last = performance.now();
         window.__probe = setInterval(() => { const n = performance.now(); window.__gaps.push(n - last); last = n; }, 10);
         return true",
    )
    .await;
    let n: usize = std::env::var("BENCH_FLOOD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let t0 = Instant::now();
    let writer = tokio::task::spawn_blocking(move || {
        let mut buf = Vec::new();
        for i in 0..n {
            buf.extend_from_slice(format!("w{} spark streaming flood\n", i % 1000).as_bytes());
        }
        buf.extend_from_slice(b"floodend\n");
        conn.write_all(&buf).unwrap();
        conn
    });
    let _conn = writer.await.unwrap();
    // Done when the page has processed (and acknowledged) the flood's last line.
    let last_seq = 100 + n as u64 + 1;
    loop {
        let acked = page
            .js("return Number(document.getElementById('relay-state').dataset.acked || 0)")
            .await;
        if acked.as_u64().unwrap_or(0) >= last_seq {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "the flood took over 10 minutes"
        );
        if std::env::var("BENCH_VERBOSE").is_ok() {
            let p = page.js("const p = document.getElementById('progress'); return p && p.textContent + ' acked ' + document.getElementById('relay-state').dataset.acked").await;
            eprintln!(
                "{:.1}s: {p} relay: {:?}",
                t0.elapsed().as_secs_f64(),
                page.relay.stats()
            );
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let secs = t0.elapsed().as_secs_f64();
    let gaps = page
        .js("clearInterval(window.__probe); return window.__gaps")
        .await;
    let gaps: Vec<f64> = gaps
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    let batches = page
        .js("return document.querySelector('#progress span').textContent")
        .await;
    println!(
        "\nflood: {n} lines in {secs:.1} s ({:.0} lines/s) through nc -> relay -> page, {}; main thread: 10 ms timer gap p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        n as f64 / secs,
        batches.as_str().unwrap_or(""),
        pct(&gaps, 50.0),
        pct(&gaps, 99.0),
        pct(&gaps, 100.0)
    );
    page.screenshot("bench-after-flood").await;
    page.close().await;
}
