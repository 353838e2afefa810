//! The harness: the relay serving `dist/` on an ephemeral port, Debian's
//! chromedriver driving a headless Chromium with a fresh profile, lab
//! links, and the transcript comparison of `shared/oracle/check.py`.

#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn artifacts() -> PathBuf {
    let d = root().join("target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&d);
    d
}

/// Tests in this binary share a machine of 2 cores: one browser at a time.
pub static BROWSER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `None` when `STREAMLAB_SKIP_BROWSER=1` (the test then does nothing).
pub fn skip() -> bool {
    if std::env::var("STREAMLAB_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("STREAMLAB_SKIP_BROWSER=1: browser test skipped");
        return true;
    }
    false
}

fn find_tool(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(env) {
        return Some(PathBuf::from(p));
    }
    for n in names {
        for dir in ["/usr/bin", "/usr/local/bin", "/usr/lib/chromium"] {
            let p = Path::new(dir).join(n);
            if p.exists() {
                return Some(p);
            }
        }
    }
    None
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Page {
    pub client: Client,
    pub base: String,
    pub relay: streamlab_relay::Relay,
    /// chromedriver's port (for its vendor commands).
    pub driver_port: u16,
    driver: Child,
    _profile: TempDir,
}

pub struct TempDir(pub PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Page {
    fn drop(&mut self) {
        // chromedriver runs in its own process group with the Chromium it
        // started: end them together.
        let pid = self.driver.id() as i32;
        if pid > 1 {
            extern "C" {
                fn kill(pid: i32, sig: i32) -> i32;
            }
            // SAFETY: signals only the process group chromedriver leads (pid > 1, so never -1).
            unsafe {
                kill(-pid, 15);
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Starts the relay (serving `dist/`, with `listen` ports) and a browser.
pub async fn open(listen: Vec<u16>) -> Page {
    let dist = root().join("dist");
    assert!(
        dist.join("index.html").exists() && dist.join("pkg/streamlab_web_bg.wasm").exists(),
        "{} has no built page: run scripts/build-web first (it builds web/ into dist/)",
        dist.display()
    );
    let chromedriver = find_tool("CHROMEDRIVER", &["chromedriver"]).unwrap_or_else(|| {
        panic!("chromedriver is not installed: apt-get install chromium chromium-driver (or set STREAMLAB_SKIP_BROWSER=1 to skip the browser tests)")
    });
    let chromium = find_tool("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]).unwrap_or_else(|| {
        panic!("chromium is not installed: apt-get install chromium chromium-driver (or set STREAMLAB_SKIP_BROWSER=1 to skip the browser tests)")
    });

    let config = streamlab_relay::Config {
        static_dir: dist,
        listen,
        ..Default::default()
    };
    let relay = streamlab_relay::serve(config)
        .await
        .expect("starting the relay");
    let base = relay.url();

    let port = free_port();
    let driver = Command::new(&chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", chromedriver.display()));
    let t0 = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "chromedriver did not start on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = std::env::temp_dir().join(format!("streamlab-e2e-{}-{port}", std::process::id()));
    let _ = std::fs::create_dir_all(&profile);
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.to_string_lossy(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,900",
                // every_lab navigates hundreds of times in a row; Chromium's
                // flooding protection otherwise drops navigations silently
                // ("Throttling navigation to prevent the browser from hanging").
                "--disable-ipc-flooding-protection",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut client = None;
    let mut last = String::new();
    for _ in 0..3 {
        match Client::with_capabilities_and_connector(
            &format!("http://127.0.0.1:{port}"),
            &caps,
            connector.clone(),
        )
        .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(e) => {
                last = e.to_string();
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }
    let client = client.unwrap_or_else(|| {
        panic!(
            "chromedriver could not start Chromium ({}): {last}",
            chromium.display()
        )
    });
    Page {
        client,
        base,
        relay,
        driver_port: port,
        driver,
        _profile: TempDir(profile),
    }
}

impl Page {
    /// A chromedriver command outside WebDriver proper (`path` after
    /// `/session/{id}`), e.g. `/chromium/network_conditions` or
    /// `/goog/cdp/execute`; returns the reply's body.
    pub async fn driver_command(&self, path: &str, body: &Value) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let sid = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a session");
        let body = body.to_string();
        let req = format!(
            "POST /session/{sid}{path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len(),
            port = self.driver_port
        );
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", self.driver_port))
            .await
            .expect("chromedriver");
        s.write_all(req.as_bytes()).await.expect("a command");
        // chromedriver keeps the connection open: read up to Content-Length.
        let mut out = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = tokio::time::timeout(Duration::from_secs(60), s.read(&mut chunk))
                .await
                .expect("chromedriver answers")
                .unwrap_or(0);
            out.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&out);
            let done = text.find("\r\n\r\n").is_some_and(|end| {
                let len = text[..end]
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                out.len() >= end + 4 + len
            });
            if n == 0 || done {
                break;
            }
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        assert!(
            text.starts_with("HTTP/1.1 200"),
            "chromedriver {path}: {text}"
        );
        text
    }

    pub fn relay_addr(&self) -> SocketAddr {
        self.relay.addr
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("opening {url}: {e}"));
        self.wait_ready().await;
    }

    /// Waits until the app has rendered.
    pub async fn wait_ready(&self) {
        self.wait_js(
            "return !!document.querySelector('.app') || !!document.getElementById('crash')",
            Duration::from_secs(60),
            "the page to start",
        )
        .await;
        if let Some(c) = self
            .js("const c = document.getElementById('crash'); return c ? c.textContent : null")
            .await
            .as_str()
        {
            panic!("the page crashed: {c}");
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    pub async fn js_args(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("running {script}: {e}"))
    }

    /// Polls `script` (which returns a truthy value when done).
    pub async fn wait_js(&self, script: &str, timeout: Duration, what: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self
                .client
                .execute(script, vec![])
                .await
                .unwrap_or(Value::Null);
            if !(v.is_null() || v == Value::Bool(false)) {
                return v;
            }
            if t0.elapsed() > timeout {
                self.screenshot(&format!(
                    "timeout-{}",
                    what.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
                ))
                .await;
                panic!("timed out after {timeout:?} waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn run_count(&self) -> u64 {
        self.js("const a = document.querySelector('.app'); return a ? Number(a.dataset.run) : 0")
            .await
            .as_u64()
            .unwrap_or(0)
    }

    /// Opens `#hash` in the loaded page (the page follows hash changes) and
    /// waits until its replay is done.
    pub async fn play_hash(&self, hash: &str) -> Played {
        let before = self.run_count().await;
        self.js_args(
            "location.hash = arguments[0]; return true",
            vec![json!(hash)],
        )
        .await;
        let done = format!("if (document.getElementById('crash')) return 'crash'; const a = document.querySelector('.app'); return a && Number(a.dataset.run) > {before} && a.dataset.play === 'done'");
        let t0 = Instant::now();
        loop {
            let v = self.client.execute(&done, vec![]).await;
            if v.as_ref()
                .is_ok_and(|v| !(v.is_null() || *v == Value::Bool(false)))
            {
                break;
            }
            if t0.elapsed() > Duration::from_secs(120) {
                self.screenshot("timeout-the-lab-to-play").await;
                // What the page shows, so that a hang says where it is.
                let state = self
                    .client
                    .execute(
                        "const a = document.querySelector('.app');
                         return {run: a && a.dataset.run, play: a && a.dataset.play, phase: a && a.dataset.phase,
                                 hash_set: location.hash === arguments[0],
                                 lab: (document.querySelector('.lab-name') || {}).textContent || null}",
                        vec![json!(hash)],
                    )
                    .await;
                panic!(
                    "timed out after 120s waiting for the lab to play ({}…): the page shows {state:?}, the test waited for run > {before} and play done; last poll: {v:?}",
                    &hash[..hash.len().min(60)]
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        if let Some(c) = self
            .js("const c = document.getElementById('crash'); return c ? c.textContent : null")
            .await
            .as_str()
        {
            panic!(
                "the page crashed playing {}: {c}",
                &hash[..hash.len().min(60)]
            );
        }
        self.played().await
    }

    pub async fn played(&self) -> Played {
        let v = self
            .js("const c = document.getElementById('console'); const e = document.getElementById('error');
                 return {stdout: c ? c.textContent : null,
                         class: e ? e.dataset.class : null,
                         message: e ? e.querySelector('.error-message').textContent : null}")
            .await;
        Played {
            stdout: v["stdout"].as_str().unwrap_or("").to_string(),
            error_class: v["class"].as_str().map(String::from),
            error_message: v["message"].as_str().unwrap_or("").to_string(),
        }
    }

    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(artifacts().join(format!("{name}.png")), png);
        }
    }

    /// Sets a textarea's text as a paste would, and tells the page.
    pub async fn paste(&self, css: &str, text: &str) {
        self.js_args(
            "const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
             el.dispatchEvent(new InputEvent('input', {bubbles: true, inputType: 'insertFromPaste'})); return true",
            vec![json!(css), json!(text)],
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("finding {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
    }

    pub async fn type_keys(&self, css: &str, keys: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("finding {css}: {e}"))
            .send_keys(keys)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    pub async fn close(self) {
        let Page { client, .. } = &self;
        let _ = client.clone().close().await;
    }
}

pub struct Played {
    pub stdout: String,
    pub error_class: Option<String>,
    pub error_message: String,
}

/// `#v1=` data: base64url (no padding) of the raw DEFLATE of the lab's JSON.
pub fn v1(lab: &Value) -> String {
    let mut lab = lab.clone();
    if let Some(o) = lab.as_object_mut() {
        o.remove("expect");
    }
    let json = serde_json::to_vec(&lab).expect("lab JSON");
    let packed = miniz_oxide::deflate::compress_to_vec(&json, 9);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(packed)
}

pub fn all_labs() -> Vec<(PathBuf, Value)> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out)
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p)
                }
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("labs"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).expect("lab file"))
                .expect("lab JSON");
            (p, v)
        })
        .collect()
}

pub const RULE: &str = "-------------------------------------------";

type Block = (String, Vec<String>, Vec<String>, Vec<String>);

/// A console transcript as (batch id, header, rows, footer) blocks, as check.py splits it.
pub fn batches(stdout: &str) -> Vec<Block> {
    let lines: Vec<&str> = stdout.split('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == RULE
            && i + 2 < lines.len()
            && lines[i + 1].starts_with("Batch: ")
            && lines[i + 2] == RULE
        {
            let bid = lines[i + 1]["Batch: ".len()..].to_string();
            i += 3;
            let mut body: Vec<&str> = Vec::new();
            while i < lines.len() && lines[i] != RULE {
                body.push(lines[i]);
                i += 1;
            }
            while body.last() == Some(&"") {
                body.pop();
            }
            let is_table = |l: &&str| l.starts_with('+') || l.starts_with('|');
            let table: Vec<String> = body
                .iter()
                .filter(|l| is_table(l))
                .map(|s| s.to_string())
                .collect();
            let rest: Vec<String> = body
                .iter()
                .filter(|l| !is_table(l))
                .map(|s| s.to_string())
                .collect();
            let header = table.iter().take(3).cloned().collect();
            let rows = if table.len() > 3 {
                table[3..table.len() - 1].to_vec()
            } else {
                Vec::new()
            };
            out.push((bid, header, rows, rest));
        } else {
            i += 1;
        }
    }
    out
}

pub fn canonical(stdout: &str, ordered: bool) -> Vec<Block> {
    let mut blocks: Vec<Block> = batches(stdout)
        .into_iter()
        .map(|(b, h, mut r, f)| {
            if !ordered {
                r.sort();
            }
            (b, h, r, f)
        })
        .collect();
    blocks.sort_by(|a, b| {
        let ka = a.0.parse::<i64>().unwrap_or(-1);
        let kb = b.0.parse::<i64>().unwrap_or(-1);
        ka.cmp(&kb)
            .then_with(|| format!("{a:?}").cmp(&format!("{b:?}")))
    });
    blocks
}

fn cause(message: &str) -> Option<String> {
    let i = message.find("terminated with exception: [")?;
    let rest = &message[i + "terminated with exception: [".len()..];
    let end = rest.find(']')?;
    let c = &rest[..end];
    c.chars()
        .all(|ch| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '_' || ch == '.')
        .then(|| c.to_string())
}

/// check.py's judgement: `Ok(())` or what differs.
pub fn judge(lab: &Value, got: &Played) -> Result<(), String> {
    let exp = &lab["expect"];
    let ordered = lab["ordered"].as_bool().unwrap_or(false);
    let want = canonical(exp["stdout"].as_str().unwrap_or(""), ordered);
    let have = canonical(&got.stdout, ordered);
    let mut notes = Vec::new();
    if want != have {
        notes.push(format!(
            "transcript differs:\n--- spark\n{}\n--- page\n{}",
            render(&want),
            render(&have)
        ));
    }
    let e = exp.get("error").filter(|e| !e.is_null());
    match (e, &got.error_class) {
        (Some(e), None) => notes.push(format!(
            "spark failed with [{}]; the page showed no error",
            want_class(e)
        )),
        (None, Some(g)) => notes.push(format!("the page failed: [{g}] {}", got.error_message)),
        (Some(e), Some(g)) => {
            if want_class(e) != *g {
                notes.push(format!(
                    "error class: spark [{}], page [{g}]",
                    want_class(e)
                ));
            } else if cause(e["message"].as_str().unwrap_or("")) != cause(&got.error_message) {
                notes.push("the query failed for another reason".to_string());
            }
        }
        (None, None) => {}
    }
    if notes.is_empty() {
        Ok(())
    } else {
        Err(notes.join("\n"))
    }
}

fn want_class(e: &Value) -> String {
    e["class"]
        .as_str()
        .or_else(|| e["type"].as_str())
        .unwrap_or("")
        .to_string()
}

fn render(blocks: &[Block]) -> String {
    let mut s = String::new();
    for (b, h, r, f) in blocks {
        s.push_str(&format!("Batch: {b}\n"));
        for l in h.iter().chain(r).chain(f) {
            s.push_str(l);
            s.push('\n');
        }
    }
    s
}

/// Labs the engine itself does not match yet (engine/tests/expected-failures.txt,
/// kept by the engine's own lab test) plus any failing only in the browser
/// (e2e/known-failures.txt). The page must print what the engine prints, so
/// the engine's list covers the browser too.
pub fn known_failures() -> Vec<String> {
    let mut out = listed_in("engine/tests/expected-failures.txt");
    out.extend(browser_only_failures());
    out
}

/// Labs listed as failing in the browser only.
pub fn browser_only_failures() -> Vec<String> {
    listed_in("e2e/known-failures.txt")
}

fn listed_in(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join(file)).unwrap_or_default();
    text.lines()
        .map(|l| {
            l.split('#')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect()
}
