//! Lines per second and per-line latency from a TCP writer (the `nc -lk`
//! side) through a bridge to a WebSocket reader: the `streamlab-relay`
//! binary, then websocat doing the same bridging, on the same machine in
//! the same run.
//!
//!   cargo bench -p streamlab-relay --bench relay_vs_websocat
//!
//! Environment: BENCH_LINES (default 1000000), BENCH_RUNS (3, the median
//! is reported), BENCH_PINGS (5000), WEBSOCAT (default `websocat` on PATH).
//! Results are printed as a Markdown table for docs/BENCHMARKS.md.

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Bridge {
    /// streamlab-relay in connect mode, the page acking every frame.
    Relay,
    /// `websocat -E -t ws-l:... tcp:...`: one text message per line.
    Websocat,
    /// The same with `--no-line`: one message per TCP read, lines split by
    /// the reader. Not line-aware, so a lower bound on bridging cost.
    WebsocatChunks,
}

impl Bridge {
    fn name(self) -> &'static str {
        match self {
            Bridge::Relay => "streamlab-relay",
            Bridge::Websocat => "websocat -t (line mode)",
            Bridge::WebsocatChunks => "websocat -t --no-line (chunks)",
        }
    }
}

/// The WebSocket side of a bridge; `open` also returns the TCP side: the
/// connection the bridge made to our "nc -lk".
struct Reader {
    bridge: Bridge,
    child: Child,
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Lines received but not yet handed out (the relay batches many per
    /// frame; websocat --no-line sends whatever one read gave it).
    pending: std::collections::VecDeque<String>,
    /// --no-line: the start of a line whose end has not arrived yet.
    partial: String,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

async fn open(bridge: Bridge) -> (Reader, TcpStream) {
    let nc_lk = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tcp_port = nc_lk.local_addr().unwrap().port();
    let ws_port = free_port().await;
    let mut cmd = match bridge {
        Bridge::Relay => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_streamlab-relay"));
            c.args(["--port", &ws_port.to_string(), "--static", "/nonexistent"]);
            c
        }
        Bridge::Websocat | Bridge::WebsocatChunks => {
            let mut c =
                Command::new(std::env::var("WEBSOCAT").unwrap_or_else(|_| "websocat".into()));
            if bridge == Bridge::WebsocatChunks {
                c.arg("--no-line");
            }
            c.args([
                "-E",
                "-t",
                &format!("ws-l:127.0.0.1:{ws_port}"),
                &format!("tcp:127.0.0.1:{tcp_port}"),
            ]);
            c
        }
    };
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e} (cargo install websocat?)",
                bridge.name()
            )
        });
    let addr: SocketAddr = format!("127.0.0.1:{ws_port}").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(addr).await.is_err() {
        assert!(Instant::now() < deadline, "{} did not start", bridge.name());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let url = match bridge {
        Bridge::Relay => format!("ws://{addr}/ws"),
        Bridge::Websocat | Bridge::WebsocatChunks => format!("ws://{addr}/"),
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    if bridge == Bridge::Relay {
        let sub = json!({"op": "subscribe", "id": "b", "host": "127.0.0.1", "port": tcp_port, "mode": "connect"});
        ws.send(Message::text(sub.to_string())).await.unwrap();
    }
    let (tcp, _) = tokio::time::timeout(Duration::from_secs(10), nc_lk.accept())
        .await
        .expect("the bridge connects to our nc -lk")
        .unwrap();
    tcp.set_nodelay(true).unwrap();
    (
        Reader {
            bridge,
            child,
            ws,
            pending: Default::default(),
            partial: String::new(),
        },
        tcp,
    )
}

impl Reader {
    /// The next line, in order.
    async fn line(&mut self) -> String {
        loop {
            if let Some(l) = self.pending.pop_front() {
                return l;
            }
            let msg = self.ws.next().await.expect("open").expect("no error");
            let Message::Text(t) = msg else { continue };
            match self.bridge {
                Bridge::Websocat => {
                    let s = t.as_str();
                    self.pending
                        .push_back(s.strip_suffix('\n').unwrap_or(s).to_string());
                }
                Bridge::WebsocatChunks => {
                    self.partial.push_str(t.as_str());
                    if let Some(end) = self.partial.rfind('\n') {
                        let rest = self.partial.split_off(end + 1);
                        let done = std::mem::replace(&mut self.partial, rest);
                        self.pending.extend(done.lines().map(str::to_string));
                    }
                }
                Bridge::Relay => {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    if v["op"] != "lines" {
                        assert_ne!(v["op"], "error", "{v}");
                        continue;
                    }
                    let lines = v["lines"].as_array().unwrap();
                    let last = v["first_seq"].as_u64().unwrap() + lines.len() as u64 - 1;
                    self.pending
                        .extend(lines.iter().map(|l| l.as_str().unwrap().to_string()));
                    // A page acknowledges what it has taken in.
                    let ack = json!({"op": "ack", "id": "b", "seq": last});
                    self.ws.send(Message::text(ack.to_string())).await.unwrap();
                }
            }
        }
    }

    /// Peak resident memory of the bridge process, from /proc.
    fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }
}

/// Write `n` lines as fast as TCP takes them; time until the last arrives.
async fn flood(bridge: Bridge, n: usize) -> (f64, Option<u64>) {
    let (mut s, mut tcp) = open(bridge).await;
    let start = Instant::now();
    let writer = tokio::spawn(async move {
        let mut buf = Vec::with_capacity(64 << 10);
        for i in 0..n {
            buf.extend_from_slice(format!("{i:010} the quick brown fox\n").as_bytes());
            if buf.len() >= (64 << 10) - 40 || i == n - 1 {
                tcp.write_all(&buf).await.unwrap();
                buf.clear();
            }
        }
        tcp
    });
    for i in 0..n {
        let l = s.line().await;
        assert_eq!(
            &l[..10],
            format!("{i:010}"),
            "{}: lines in order, none lost",
            bridge.name()
        );
    }
    let secs = start.elapsed().as_secs_f64();
    let _tcp = writer.await.unwrap();
    (n as f64 / secs, s.peak_rss_kib())
}

/// One line at a time: write it, wait for it. Returns sorted latencies.
async fn ping_pong(bridge: Bridge, samples: usize) -> Vec<Duration> {
    let (mut s, mut tcp) = open(bridge).await;
    let mut out = Vec::with_capacity(samples);
    for i in 0..samples + 200 {
        let t0 = Instant::now();
        tcp.write_all(format!("ping {i}\n").as_bytes())
            .await
            .unwrap();
        let l = s.line().await;
        let dt = t0.elapsed();
        assert_eq!(l, format!("ping {i}"));
        if i >= 200 {
            out.push(dt); // the first 200 warm up
        }
    }
    out.sort();
    out
}

fn pct(v: &[Duration], p: f64) -> f64 {
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e6
}

fn main() {
    // `cargo bench` passes --bench; any filter argument is ignored.
    let lines = env_num("BENCH_LINES", 1_000_000);
    let runs = env_num("BENCH_RUNS", 3).max(1);
    let pings = env_num("BENCH_PINGS", 5000).max(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for bridge in [Bridge::Relay, Bridge::Websocat, Bridge::WebsocatChunks] {
        let mut rates = Vec::new();
        let mut rss = 0;
        for _ in 0..runs {
            let (rate, peak) = rt.block_on(flood(bridge, lines));
            eprintln!(
                "{}: {:.0} lines/s (peak RSS {:?} KiB)",
                bridge.name(),
                rate,
                peak
            );
            rates.push(rate);
            rss = rss.max(peak.unwrap_or(0));
        }
        rates.sort_by(|a, b| a.total_cmp(b));
        let lat = rt.block_on(ping_pong(bridge, pings));
        let (p50, p99) = (pct(&lat, 0.50), pct(&lat, 0.99));
        eprintln!(
            "{}: latency p50 {p50:.0} µs, p99 {p99:.0} µs",
            bridge.name()
        );
        rows.push((bridge, rates[rates.len() / 2], p50, p99, rss));
    }
    println!("| bridge | lines/s (median of {runs}) | latency p50 | latency p99 | peak RSS |");
    println!("|---|---:|---:|---:|---:|");
    for (b, rate, p50, p99, rss) in &rows {
        println!(
            "| {} | {:.0} | {p50:.0} µs | {p99:.0} µs | {:.1} MiB |",
            b.name(),
            rate,
            *rss as f64 / 1024.0
        );
    }
    println!();
    let r = &rows[0];
    for w in &rows[1..] {
        println!(
            "relay / {}: throughput {:.2}x, p50 latency {:.2}x, p99 latency {:.2}x",
            w.0.name(),
            r.1 / w.1,
            r.2 / w.2,
            r.3 / w.3
        );
    }
}
