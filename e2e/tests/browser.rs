//! The playground in headless Chromium, served by the relay: typing into a
//! seed script, every lab played through a `#v1=...&play` link, share links,
//! `nc -lk` through the relay, broken links, reloads.
//!
//! Needs `dist/` (scripts/build-web) and Debian's chromium + chromium-driver.
//! `STREAMLAB_SKIP_BROWSER=1` skips these tests. Screenshots go to
//! target/e2e-artifacts/.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn lab(name: &str) -> Value {
    all_labs()
        .into_iter()
        .find(|(_, v)| v["name"] == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no lab {name} under labs/"))
}

const SECS: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lab_plays_through_its_v1_link() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page.goto(&page.base).await;
    let known: BTreeSet<String> = known_failures().into_iter().collect();
    let browser_only: BTreeSet<String> = browser_only_failures().into_iter().collect();
    let mut failed = Vec::new();
    let mut unexpected = Vec::new();
    let mut fixed = Vec::new();
    let mut passed = 0;
    let mut unrecorded = 0;
    let mut unfaithful: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    let labs = all_labs();
    let t0 = Instant::now();
    let memory = || page.js("return window.__streamlabMemory ? window.__streamlabMemory() : 0");
    let mem0 = memory().await.as_f64().unwrap_or(0.0);
    for (i, (path, lab)) in labs.iter().enumerate() {
        let name = lab["name"].as_str().unwrap_or("?").to_string();
        let got = page.play_hash(&format!("#v1={}&play", v1(lab))).await;
        if std::env::var("STREAMLAB_E2E_MEMORY").is_ok_and(|v| v == "1") {
            let m = memory().await.as_f64().unwrap_or(0.0);
            eprintln!("{i:4} {name}: wasm memory {:.1} MiB", m / 1048576.0);
        }
        // The page prints what the engine prints natively for the lab (`streamlab lab`).
        let native = streamlab_engine::lab::run(
            &streamlab_engine::lab::Lab::parse(&lab.to_string()).expect("a lab"),
        );
        let native_class = native.error.as_ref().map(|e| e.class.clone());
        if got.stdout != native.stdout || got.error_class != native_class {
            unfaithful.push(format!(
                "{name}: the page printed\n{}\n[{:?}]\nbut the engine natively prints\n{}\n[{:?}]",
                got.stdout, got.error_class, native.stdout, native_class
            ));
        }
        if lab.get("expect").is_none_or(|e| e.is_null()) {
            // Not recorded from Spark yet: played (it must not hang or crash), not judged.
            unrecorded += 1;
            continue;
        }
        match judge(lab, &got) {
            Ok(()) => {
                passed += 1;
                if browser_only.contains(&name) {
                    fixed.push(name.clone());
                }
            }
            Err(why) => {
                failed.push(name.clone());
                let first = match &got.error_class {
                    Some(c) if why.starts_with("transcript differs") => {
                        format!(
                            "the page failed: [{c}] {}",
                            got.error_message.lines().next().unwrap_or("")
                        )
                    }
                    _ => why
                        .lines()
                        .next()
                        .unwrap_or("")
                        .trim_end_matches(':')
                        .to_string(),
                };
                reasons.push(format!(
                    "{name}  {}",
                    first.chars().take(160).collect::<String>()
                ));
                if !known.contains(&name) {
                    unexpected.push(format!("{name} ({}):\n{why}", path.display()));
                }
            }
        }
        if name == "seed/window-sliding" {
            page.screenshot("lab-window-sliding-batches").await;
            page.click("#tab-console").await;
            page.screenshot("lab-window-sliding-console").await;
            page.click("#tab-batches").await;
        }
        if name == "seed/output-mode-complete-error" {
            page.screenshot("lab-error").await;
        }
        if name == "coverage/scripts/print-before-start" {
            // What the script printed shows in the Batches view too, before batch 0.
            let order = page
                .js("return Array.from(document.querySelectorAll('#batches .printed, #batches .batch'))
                            .map(e => e.classList.contains('printed') ? 'print:' + e.textContent : 'batch:' + e.dataset.batchId)")
                .await;
            let order: Vec<&str> = order
                .as_array()
                .expect("a list")
                .iter()
                .filter_map(|v| v.as_str())
                .collect();
            assert!(
                order.len() == 4
                    && order[0] == "print:is streaming: True"
                    && order[1] == "print:columns: ['value']"
                    && order[2]
                        .starts_with("print:root\n |-- value: string (nullable = true)\n |-- n: ")
                    && order[3] == "batch:0",
                "the Batches view of {name}: {order:?}"
            );
            page.screenshot("lab-prints").await;
        }
    }
    eprintln!(
        "labs in the browser: {passed} of {} match Spark's transcript ({} known failures; {unrecorded} more played, not recorded from Spark yet) in {:.1}s",
        labs.len() - unrecorded,
        failed.len(),
        t0.elapsed().as_secs_f64()
    );
    let mem1 = memory().await.as_f64().unwrap_or(0.0);
    eprintln!(
        "the page's WebAssembly memory: {:.1} MiB before the labs, {:.1} MiB after",
        mem0 / 1048576.0,
        mem1 / 1048576.0
    );
    let stale: Vec<&String> = browser_only
        .iter()
        .filter(|k| !labs.iter().any(|(_, l)| l["name"] == k.as_str()))
        .collect();
    page.close().await;
    assert!(
        unfaithful.is_empty(),
        "the page's replay differs from the engine's own run:\n{}",
        unfaithful.join("\n\n")
    );
    if std::env::var("STREAMLAB_UPDATE_KNOWN_FAILURES").is_ok_and(|v| v == "1") {
        let head: String = std::fs::read_to_string(root().join("e2e/known-failures.txt"))
            .unwrap_or_default()
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        // Only what fails in the browser but not natively belongs here.
        let engine_listed: BTreeSet<String> = known.difference(&browser_only).cloned().collect();
        let reasons: Vec<String> = reasons
            .into_iter()
            .filter(|r| !engine_listed.contains(r.split_whitespace().next().unwrap_or("")))
            .collect();
        std::fs::write(
            root().join("e2e/known-failures.txt"),
            format!("{head}{}\n", reasons.join("\n")),
        )
        .expect("writing the list");
        eprintln!("e2e/known-failures.txt rewritten: {} labs", reasons.len());
        return;
    }
    assert!(
        unexpected.is_empty(),
        "{} lab(s) do not match Spark's transcript in the browser (and are not in e2e/known-failures.txt; \
         if the engine does not match them either, list them: STREAMLAB_UPDATE_KNOWN_FAILURES=1 cargo test --release -p streamlab-e2e --test browser every_lab):\n\n{}",
        unexpected.len(),
        unexpected.join("\n\n")
    );
    assert!(
        fixed.is_empty(),
        "these labs now pass: remove them from e2e/known-failures.txt (or regenerate it with STREAMLAB_UPDATE_KNOWN_FAILURES=1 cargo test --release -p streamlab-e2e --test browser every_lab): {fixed:?}"
    );
    assert!(
        stale.is_empty(),
        "e2e/known-failures.txt names labs that do not exist: {stale:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_a_seed_script_and_type_messages() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page.goto(&page.base).await;
    let seed = lab("seed/read-from-socket");
    page.paste("#script", seed["query"].as_str().unwrap()).await;
    page.screenshot("01-script-pasted").await;
    page.click("#run").await;
    page.wait_js(
        "return !!document.getElementById('input-12345')",
        SECS,
        "the input for port 12345",
    )
    .await;
    page.wait_js(
        "return document.querySelector('.app').dataset.phase === 'running'",
        SECS,
        "the query to run",
    )
    .await;

    // A line typed and Enter: batch 0.
    page.type_keys("#input-12345", "First Message\u{E007}")
        .await;
    page.wait_js(
        "return !!document.querySelector('.batch[data-batch-id=\"0\"]')",
        SECS,
        "batch 0",
    )
    .await;
    page.type_keys("#input-12345", "Second Message\u{E007}")
        .await;
    page.wait_js(
        "return !!document.querySelector('.batch[data-batch-id=\"1\"]')",
        SECS,
        "batch 1",
    )
    .await;
    let got = page.played().await;
    assert_eq!(
        got.stdout,
        seed["expect"]["stdout"].as_str().unwrap(),
        "the console shows Spark's transcript"
    );
    let card = page
        .js("return document.querySelector('.batch[data-batch-id=\"1\"]').textContent")
        .await;
    assert!(
        card.as_str().unwrap().contains("Second Message"),
        "batch 1's table: {card}"
    );
    page.screenshot("02-two-batches").await;

    // Several lines pasted at once arrive together: one batch of 3 rows.
    page.paste("#input-12345", "alpha\nbeta\ngamma\n").await;
    page.wait_js(
        "return !!document.querySelector('.batch[data-batch-id=\"2\"]')",
        SECS,
        "batch 2",
    )
    .await;
    let b2 = page
        .js("return document.querySelector('.batch[data-batch-id=\"2\"] pre').textContent")
        .await;
    let b2 = b2.as_str().unwrap();
    for w in ["alpha", "beta", "gamma"] {
        assert!(b2.contains(w), "batch 2 holds the pasted lines: {b2}");
    }
    page.click("#tab-console").await;
    page.screenshot("03-console").await;

    // Nothing lost on reload: the script and the inputs come back.
    page.client.refresh().await.expect("reload");
    page.wait_ready().await;
    page.wait_js(
        "return document.querySelector('.app').dataset.play === 'done'",
        SECS,
        "the session to be restored",
    )
    .await;
    let script = page
        .js("return document.getElementById('script').value")
        .await;
    assert_eq!(script.as_str().unwrap(), seed["query"].as_str().unwrap());
    let got = page.played().await;
    assert!(
        got.stdout.contains("|gamma|") || got.stdout.contains("gamma"),
        "restored batches: {}",
        got.stdout
    );
    assert!(
        got.stdout.contains("Batch: 2"),
        "restored batches: {}",
        got.stdout
    );
    page.screenshot("04-after-reload").await;

    // Script errors are marked at their line and column.
    page.paste("#script", "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate(\nx = = 1\n").await;
    page.click("#run").await;
    let class = page
        .wait_js(
            "const e = document.getElementById('error'); return e && e.dataset.class",
            SECS,
            "a syntax error",
        )
        .await;
    assert!(!class.as_str().unwrap_or("").is_empty());
    page.wait_js(
        "return !!document.getElementById('error-marker')",
        SECS,
        "the error marker in the editor",
    )
    .await;
    page.screenshot("05-syntax-error").await;
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_link_round_trips() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page.goto(&format!("{}#lab=seed/output-mode-update", page.base))
        .await;
    let l = lab("seed/output-mode-update");
    let script = page
        .js("return document.getElementById('script').value")
        .await;
    assert_eq!(
        script.as_str().unwrap(),
        l["query"].as_str().unwrap(),
        "#lab= opens the built-in lab"
    );
    page.click("#run").await;
    page.wait_js(
        "return document.querySelector('.app').dataset.phase === 'running'",
        SECS,
        "the query to run",
    )
    .await;
    let port = l["steps"][0]["lines"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let input = format!("#input-{port}");
    page.type_keys(&input, "a b a\u{E007}").await;
    page.wait_js(
        "return !!document.querySelector('.batch[data-batch-id=\"0\"]')",
        SECS,
        "batch 0",
    )
    .await;
    page.type_keys(&input, "b c\u{E007}").await;
    page.wait_js(
        "return !!document.querySelector('.batch[data-batch-id=\"1\"]')",
        SECS,
        "batch 1",
    )
    .await;
    let before = page.played().await;
    page.click("#share").await;
    let url = page
        .wait_js(
            "const i = document.getElementById('share-link'); return i && i.value",
            SECS,
            "the share link",
        )
        .await;
    let url = url.as_str().unwrap().to_string();
    assert!(url.contains("#v1="), "{url}");
    page.screenshot("06-share").await;

    // A fresh load of the link, replayed: the same batches.
    page.client.goto("about:blank").await.expect("about:blank");
    page.client
        .goto(&format!("{url}&play"))
        .await
        .expect("opening the share link");
    page.wait_ready().await;
    page.wait_js(
        "return document.querySelector('.app').dataset.play === 'done'",
        SECS,
        "the shared lab to replay",
    )
    .await;
    let after = page.played().await;
    assert_eq!(
        after.stdout, before.stdout,
        "the shared link replays the same transcript"
    );
    assert!(after.stdout.contains("Batch: 1"));
    let script = page
        .js("return document.getElementById('script').value")
        .await;
    assert_eq!(script.as_str().unwrap(), l["query"].as_str().unwrap());
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_and_foreign_links_say_so() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    for (hash, words) in [
        ("#v1=this-is-not-a-lab&play", "broken"),
        ("#v1=", "broken"),
        ("#v9=abcdef", "another version"),
        ("#lab=no/such-lab", "no built-in lab"),
    ] {
        page.client.goto("about:blank").await.expect("about:blank");
        page.client
            .goto(&format!("{}{hash}", page.base))
            .await
            .expect("open");
        page.wait_ready().await;
        let text = page
            .wait_js(
                "const b = document.getElementById('banner'); return b && b.textContent",
                SECS,
                "the broken-link message",
            )
            .await;
        assert!(text.as_str().unwrap().contains(words), "{hash}: {text}");
        // Never a blank page: the editor is there.
        let editor = page.js("return !!document.getElementById('script')").await;
        assert_eq!(editor, json!(true), "{hash}: the editor is shown");
        if hash.starts_with("#v1=this") {
            page.screenshot("07-broken-link").await;
        }
    }
    page.close().await;
}

/// A stand-in for `nc -lk P`: accepts connections and writes lines to the latest.
struct NcListen {
    listener: TcpListener,
    conn: Option<TcpStream>,
}

impl NcListen {
    fn accept(&mut self) {
        self.listener.set_nonblocking(false).unwrap();
        let (s, _) = self.listener.accept().expect("the relay connects");
        s.set_nodelay(true).ok();
        self.conn = Some(s);
    }
    fn send(&mut self, line: &str) {
        let c = self.conn.as_mut().expect("connected");
        c.write_all(format!("{line}\n").as_bytes()).expect("write");
        c.flush().ok();
    }
}

fn socket_script(port: u16) -> String {
    lab("seed/read-from-socket")["query"]
        .as_str()
        .unwrap()
        .replace("12345", &port.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nc_feeds_the_page_through_the_relay() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page.goto(&page.base).await;
    page.wait_js("const r = document.getElementById('relay-state'); return r && r.textContent.includes('relay connected')", SECS, "the relay").await;

    // Nothing listens yet: the page says what to run.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    page.paste("#script", &socket_script(port)).await;
    page.click("#run").await;
    let msg = page
        .wait_js(
            &format!("const s = document.getElementById('source-{port}'); return s && s.dataset.state === 'refused' && s.textContent"),
            SECS,
            "the refused status",
        )
        .await;
    assert!(
        msg.as_str().unwrap().contains(&format!("nc -lk {port}")),
        "{msg}"
    );
    page.screenshot("08-nothing-listening").await;

    // nc -lk starts; Retry connects; lines written to nc become batches.
    let mut nc = NcListen {
        listener: TcpListener::bind(("127.0.0.1", port)).expect("bind the nc port"),
        conn: None,
    };
    page.click(&format!("#source-{port} button")).await;
    let accept = tokio::task::spawn_blocking(move || {
        nc.accept();
        nc
    });
    let mut nc = tokio::time::timeout(SECS, accept)
        .await
        .expect("the relay dials nc")
        .unwrap();
    page.wait_js(
        &format!("const s = document.getElementById('source-{port}'); return s && s.dataset.state === 'connected'"),
        SECS,
        "connected",
    )
    .await;
    nc.send("hello from nc");
    page.wait_js("const c = document.getElementById('console'); return c && c.textContent.includes('hello from nc')", SECS, "the nc line").await;
    nc.send("one\ntwo");
    page.wait_js("const c = document.getElementById('console'); return c && c.textContent.includes('  two|')", SECS, "two more lines").await;
    page.screenshot("09-nc-through-relay").await;

    // Latency: a line written to nc until its row is in the page.
    let samples = latency(&page, &mut nc, 20).await;
    eprintln!(
        "nc-to-row latency over {} lines: p50 {:.1} ms, max {:.1} ms",
        samples.len(),
        pct(&samples, 50.0),
        pct(&samples, 100.0)
    );
    page.close().await;
}

async fn latency(page: &Page, nc: &mut NcListen, n: usize) -> Vec<f64> {
    page.js(
        "window.__seen = {};
         const c = document.getElementById('console');
         new MutationObserver(() => {
           const t = Date.now();
           for (const m of c.textContent.matchAll(/lat-(\\d+)/g)) { if (!(m[1] in window.__seen)) window.__seen[m[1]] = t; }
         }).observe(c, {childList: true, subtree: true, characterData: true});
         return true",
    )
    .await;
    let mut out = Vec::new();
    for i in 0..n {
        let sent = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0;
        nc.send(&format!("lat-{i}"));
        let seen = page
            .wait_js(
                &format!("return window.__seen['{i}'] || null"),
                SECS,
                "a latency line",
            )
            .await;
        out.push(seen.as_f64().unwrap() - sent);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    out
}

fn pct(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if s.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (s.len() - 1) as f64).round() as usize;
    s[i.min(s.len() - 1)]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gallery_shows_every_seed_lab() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;
    page.goto(&page.base).await;
    page.click("#labs").await;
    let names = page
        .js("return [...document.querySelectorAll('.card')].map(c => c.dataset.lab)")
        .await;
    let names: Vec<&str> = names
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for (_, l) in all_labs() {
        let n = l["name"].as_str().unwrap();
        if n.starts_with("seed/") {
            assert!(names.contains(&n), "the gallery shows {n}");
        }
    }
    page.screenshot("00-gallery").await;
    page.close().await;
}

/// `--listen` port: `nc localhost P` writes into the relay itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_listen_port_feeds_the_page() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![0]).await;
    let port = page.relay.listen_addrs[0].port();
    page.goto(&page.base).await;
    page.paste("#script", &socket_script(port)).await;
    page.click("#run").await;
    page.wait_js(
        &format!("const s = document.getElementById('source-{port}'); return s && s.dataset.state === 'listening'"),
        SECS,
        "the listen port",
    )
    .await;
    let mut w = TcpStream::connect(("127.0.0.1", port)).expect("nc localhost P");
    w.write_all(b"via listen\n").unwrap();
    page.wait_js("const c = document.getElementById('console'); return c && c.textContent.includes('via listen')", SECS, "the line").await;
    drop(BufReader::new(w).lines());
    page.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triggers_run_on_the_real_clock() {
    if skip() {
        return;
    }
    let _one = BROWSER_LOCK.lock().await;
    let page = open(vec![]).await;

    // processingTime = '2 seconds': lines typed within one interval share a batch.
    page.goto(&format!("{}#lab=seed/trigger-processing-time", page.base))
        .await;
    let mut attempts = 0;
    loop {
        attempts += 1;
        page.click("#run").await;
        page.wait_js("return document.querySelector('.app').dataset.phase === 'running' && !!document.getElementById('input-12345')", SECS, "the query").await;
        // Type just after an interval boundary of the real clock.
        page.wait_js(
            "const m = Date.now() % 2000; return m > 50 && m < 400",
            SECS,
            "an interval boundary",
        )
        .await;
        let before = page.js("return Date.now()").await.as_f64().unwrap();
        page.type_keys("#input-12345", "first\u{E007}").await;
        page.type_keys("#input-12345", "second\u{E007}").await;
        let after = page.js("return Date.now()").await.as_f64().unwrap();
        let none_yet = page
            .js("return document.querySelectorAll('.batch').length")
            .await;
        if (before / 2000.0).floor() != (after / 2000.0).floor() {
            // Typing took longer than the interval (a loaded machine): again.
            assert!(
                attempts < 4,
                "typing two lines kept straddling a 2 s interval"
            );
            continue;
        }
        assert_eq!(none_yet, json!(0), "no batch before the interval ends");
        page.wait_js(
            "return !!document.querySelector('.batch[data-batch-id=\"0\"]')",
            SECS,
            "the interval's batch",
        )
        .await;
        let b0 = page
            .js("return document.querySelector('.batch[data-batch-id=\"0\"] pre').textContent")
            .await;
        let b0 = b0.as_str().unwrap();
        assert!(
            b0.contains("first") && b0.contains("second"),
            "both lines in one batch: {b0}"
        );
        break;
    }
    page.screenshot("10-processing-time").await;

    // once=True: lines typed before Run are processed, then the query stops.
    page.client.goto("about:blank").await.expect("about:blank");
    page.client
        .goto(&format!("{}#lab=seed/trigger-once", page.base))
        .await
        .expect("open");
    page.wait_ready().await;
    page.type_keys("#input-12345", "message once\u{E007}").await;
    page.click("#run").await;
    page.wait_js(
        "return document.querySelector('.app').dataset.phase === 'finished'",
        SECS,
        "the once query to stop",
    )
    .await;
    let got = page.played().await;
    let want = lab("seed/trigger-once")["expect"]["stdout"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(got.stdout, want);
    page.type_keys("#input-12345", "never processed\u{E007}")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        page.played().await.stdout,
        want,
        "a stopped query reads nothing more"
    );
    page.close().await;
}
