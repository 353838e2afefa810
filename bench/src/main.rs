//! `streamlab-bench`: the engine's side of `scripts/bench`. The same code
//! runs natively and as WebAssembly (wasm32-wasip1 under Node's WASI), so
//! both are measured on identical work. Every command prints one JSON
//! object per line on stdout.
//!
//! - `labs [--reps N] LAB.json...`: per-batch latency of each lab, timed
//!   from a step's input handed to the engine to the console text out.
//! - `run WORKLOAD [--rows N] [--batch B] [--sink noop|console]`: feeds a
//!   workload's generated input in batches and reports rows per second,
//!   batch times, state rows and memory. Workloads: `wordcount` (8-word
//!   lines, `explode(split)` + `groupBy(word).count()`, complete mode),
//!   `window` (timestamped events, 10 s watermark, 1-minute tumbling
//!   window count per key, append mode), `keys` (every line a new key,
//!   `groupBy(value).count()`, update mode).
//! - `gen WORKLOAD N`: prints the workload's first N input lines (so that
//!   Spark is fed exactly the same input), and `script WORKLOAD SINK`
//!   prints its PySpark script.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use serde_json::{json, Value};
use streamlab_engine::engine::Engine;
use streamlab_engine::lab::{Lab, Step};
use streamlab_engine::session::{Event, Staged};

/// Counts live heap bytes and their peak, natively and in WebAssembly.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = System.alloc(l);
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l);
        LIVE.fetch_sub(l.size(), Relaxed);
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Relaxed) + l.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            if new >= l.size() {
                let now = LIVE.fetch_add(new - l.size(), Relaxed) + (new - l.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(l.size() - new, Relaxed);
            }
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Peak resident memory of the process: VmHWM natively, the size of the
/// linear memory (which never shrinks) in WebAssembly.
fn peak_process_bytes() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        Some(core::arch::wasm32::memory_size(0) as u64 * 65536)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let s = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }
}

/// CPU time of this thread in seconds (natively; None in WebAssembly):
/// unlike wall time, not inflated when other work preempts us.
fn thread_cpu_s() -> Option<f64> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes into the timespec we pass.
        let r = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        (r == 0).then(|| ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
    }
    #[cfg(target_arch = "wasm32")]
    {
        None
    }
}

fn target() -> &'static str {
    if cfg!(target_arch = "wasm32") {
        "wasm"
    } else {
        "native"
    }
}

// ---------------------------------------------------------------- inputs

/// A small deterministic generator (xorshift64*), the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const VOCAB: usize = 10_000;
const SYLLABLES: [&str; 16] = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ba", "de", "fi", "go", "hu", "je", "pa", "ze"];
const KEYS: u64 = 100;
/// 2024-01-01T00:00:00Z in seconds.
const T0: i64 = 1_704_067_200;

fn vocabulary() -> Vec<String> {
    (0..VOCAB)
        .map(|mut i| {
            // 1 to 4 syllables plus a distinguishing suffix when needed.
            let mut w = String::new();
            let n = 1 + i % 4;
            for _ in 0..n {
                w.push_str(SYLLABLES[i % 16]);
                i /= 16;
            }
            if i > 0 {
                w.push_str(&i.to_string());
            }
            w
        })
        .collect()
}

fn civil(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", sod / 3600, sod / 60 % 60, sod % 60)
}

/// A workload's input, generated batch by batch.
struct Gen {
    kind: Workload,
    rng: Rng,
    vocab: Vec<String>,
    next: u64,
}

#[derive(Clone, Copy, PartialEq)]
enum Workload {
    WordCount,
    Window,
    Keys,
}

impl Workload {
    fn parse(s: &str) -> Option<Workload> {
        match s {
            "wordcount" => Some(Workload::WordCount),
            "window" => Some(Workload::Window),
            "keys" => Some(Workload::Keys),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Workload::WordCount => "wordcount",
            Workload::Window => "window",
            Workload::Keys => "keys",
        }
    }

    /// The PySpark script, reading socket port 9999.
    fn script(self, sink: &str) -> String {
        let head = "from pyspark.sql import SparkSession\nfrom pyspark.sql.functions import *\n\n\
                    spark = SparkSession.builder.appName(\"bench\").getOrCreate()\n\
                    lines = spark.readStream.format(\"socket\").option(\"host\", \"localhost\").option(\"port\", 9999).load()\n";
        let body = match self {
            Workload::WordCount => "words = lines.select(explode(split(lines.value, \" \")).alias(\"word\"))\n\
                 counts = words.groupBy(\"word\").count()\n\
                 query = counts.writeStream.outputMode(\"complete\").format(\"SINK\").start()\n"
                .to_string(),
            Workload::Window => "fields = split(lines.value, \",\")\n\
                 events = lines.select(fields.getItem(0).cast(\"timestamp\").alias(\"time\"), fields.getItem(1).alias(\"key\"))\n\
                 counts = events.withWatermark(\"time\", \"10 seconds\").groupBy(window(\"time\", \"1 minute\"), \"key\").count()\n\
                 query = counts.writeStream.outputMode(\"append\").format(\"SINK\").start()\n"
                .to_string(),
            Workload::Keys => "counts = lines.groupBy(\"value\").count()\n\
                 query = counts.writeStream.outputMode(\"update\").format(\"SINK\").start()\n"
                .to_string(),
        };
        format!("{head}{}query.awaitTermination()\n", body.replace("SINK", sink))
    }
}

impl Gen {
    fn new(kind: Workload) -> Gen {
        Gen { kind, rng: Rng(0x9E37_79B9_7F4A_7C15), vocab: vocabulary(), next: 0 }
    }

    fn line(&mut self) -> String {
        let i = self.next;
        self.next += 1;
        match self.kind {
            Workload::WordCount => {
                let mut s = String::with_capacity(64);
                for w in 0..8 {
                    // Skewed towards common words, as text is.
                    let u = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
                    let idx = ((VOCAB as f64) * u * u * u) as usize;
                    if w > 0 {
                        s.push(' ');
                    }
                    s.push_str(&self.vocab[idx.min(VOCAB - 1)]);
                }
                s
            }
            Workload::Window => {
                // 100 events per second of event time, up to 3 s late.
                let t = T0 + (i as i64) / 100 - self.rng.below(4) as i64;
                format!("{},k{:02}", civil(t), self.rng.below(KEYS))
            }
            Workload::Keys => format!("key{i:09}"),
        }
    }

    fn batch(&mut self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.line()).collect()
    }
}

// ---------------------------------------------------------------- labs

fn port_of(key: &str) -> u16 {
    key.trim().parse().expect("a port number")
}

struct LabRun {
    /// Engine::new + start_script (parse, analysis, query start).
    start_us: f64,
    /// Per phase that ran batches: (microseconds, batches).
    phases: Vec<(f64, usize)>,
    stdout_len: usize,
}

fn count_batches(events: &[Event]) -> usize {
    events.iter().filter(|e| matches!(e, Event::Batch(_))).count()
}

fn consume(events: &[Event]) -> usize {
    events
        .iter()
        .map(|e| match e {
            Event::Batch(b) => b.console.len(),
            Event::Print(t) => t.len(),
        })
        .sum()
}

/// Runs a lab as `lab::run` does, timing each step from its input handed
/// to the engine to the console text out.
fn run_lab_timed(lab: &Lab) -> LabRun {
    let t = Instant::now();
    let mut engine = Engine::new();
    if let Some(tz) = &lab.timezone {
        engine.set_time_zone(tz).expect("time zone");
    }
    for (path, text) in &lab.files {
        engine.put_file(path, text.as_bytes().to_vec());
    }
    let start_at = lab.steps.iter().position(|s| s.start);
    let (pre, post): (&[Step], &[Step]) = match start_at {
        Some(i) => (&lab.steps[..i], &lab.steps[i + 1..]),
        None => (&[], &lab.steps[..]),
    };
    let mut staged = Staged::default();
    for step in pre {
        for (port, lines) in &step.lines {
            staged.lines.push((port_of(port), lines.clone()));
        }
        for (path, text) in &step.files {
            staged.files.push((path.clone(), text.as_bytes().to_vec()));
        }
    }
    engine.stage_before_start(staged);
    let started = engine.start_script(&lab.query, 0);
    let start_us = t.elapsed().as_secs_f64() * 1e6;
    let mut out = LabRun { start_us, phases: Vec::new(), stdout_len: 0 };
    if started.is_err() {
        return out;
    }
    // The batches that run as the query starts (files already there, or
    // input staged before start).
    let t = Instant::now();
    let ev = engine.run_until_idle(0);
    let us = t.elapsed().as_secs_f64() * 1e6;
    out.stdout_len += consume(&ev);
    if count_batches(&ev) > 0 {
        out.phases.push((us, count_batches(&ev)));
    }
    let mut now = 0;
    for step in post {
        if engine.error().is_some() {
            break;
        }
        now += 1000;
        let lines: Vec<(u16, Vec<String>)> = step.lines.iter().map(|(p, l)| (port_of(p), l.clone())).collect();
        let files: Vec<(String, Vec<u8>)> = step.files.iter().map(|(p, t)| (p.clone(), t.as_bytes().to_vec())).collect();
        let t = Instant::now();
        for (p, l) in lines {
            engine.push_lines(p, l);
        }
        for (p, f) in files {
            engine.put_file(&p, f);
        }
        let ev = engine.run_until_idle(now);
        let us = t.elapsed().as_secs_f64() * 1e6;
        out.stdout_len += consume(&ev);
        if count_batches(&ev) > 0 {
            out.phases.push((us, count_batches(&ev)));
        }
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

fn cmd_labs(args: &[String]) {
    let mut reps = 200usize;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => reps = it.next().and_then(|s| s.parse().ok()).expect("--reps N"),
            f => files.push(f.to_string()),
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{f}: {e}"));
        let lab = Lab::parse(&text).expect("a lab file");
        // Warm up (first touch of code and allocator), then measure.
        for _ in 0..reps.div_ceil(10).max(2) {
            run_lab_timed(&lab);
        }
        let runs: Vec<LabRun> = (0..reps).map(|_| run_lab_timed(&lab)).collect();
        let phases = runs[0].phases.len();
        let batches: Vec<usize> = runs[0].phases.iter().map(|p| p.1).collect();
        // Per phase: the median over repetitions of its time per batch.
        let per_batch_us: Vec<f64> = (0..phases)
            .map(|i| median(&mut runs.iter().map(|r| r.phases[i].0 / r.phases[i].1 as f64).collect::<Vec<_>>()))
            .collect();
        let mut all: Vec<f64> =
            runs.iter().flat_map(|r| r.phases.iter().map(|p| p.0 / p.1 as f64)).collect();
        let start_us = median(&mut runs.iter().map(|r| r.start_us).collect::<Vec<_>>());
        println!(
            "{}",
            json!({
                "kind": "lab", "target": target(), "lab": f, "name": lab.name, "reps": reps,
                "batches": batches.iter().sum::<usize>(), "phase_batches": batches,
                "per_batch_us": per_batch_us,
                "median_us": median(&mut all.clone()),
                "p99_us": percentile(&mut all, 0.99),
                "max_phase_median_us": per_batch_us.iter().cloned().fold(0.0, f64::max),
                "start_us": start_us,
                "stdout_bytes": runs[0].stdout_len,
            })
        );
    }
}

// ---------------------------------------------------------------- throughput

/// The sum of a batch's last column (a count).
fn sum_last_column(b: &arrow::array::RecordBatch) -> i64 {
    use arrow::array::AsArray;
    match b.columns().last() {
        Some(c) => c.as_primitive::<arrow::datatypes::Int64Type>().iter().flatten().sum(),
        None => 0,
    }
}

fn cmd_run(args: &[String]) {
    let kind = args.first().and_then(|s| Workload::parse(s)).expect("workload: wordcount | window | keys");
    let mut rows = 1_000_000usize;
    let mut batch = 10_000usize;
    let mut sink = "noop".to_string();
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut v = || it.next().expect("a value").clone();
        match a.as_str() {
            "--rows" => rows = v().parse().expect("--rows N"),
            "--batch" => batch = v().parse().expect("--batch N"),
            "--sink" => sink = v(),
            other => panic!("unknown option {other}"),
        }
    }
    let script = kind.script(&sink);
    let mut gen = Gen::new(kind);
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let heap_before = LIVE.load(Relaxed);
    let t = Instant::now();
    let mut engine = Engine::new();
    engine.start_script(&script, 0).expect("script parses");
    engine.run_until_idle(0);
    if let Some(e) = engine.error().or(engine.query_error()) {
        panic!("{}: {}", kind.name(), e.message);
    }
    let start_us = t.elapsed().as_secs_f64() * 1e6;
    let mut total = 0f64;
    let mut cpu_total = 0f64;
    let mut batch_ms = Vec::new();
    let mut batches_run = 0usize;
    let mut console_bytes = 0usize;
    let mut out_rows = 0usize;
    let mut peak_state = 0usize;
    // (rows fed so far, state rows, live heap bytes) after every tenth of the run.
    let mut series = Vec::new();
    let mut last_sum = 0i64;
    let n_batches = rows.div_ceil(batch);
    let mut now = 0i64;
    for b in 0..n_batches {
        let n = batch.min(rows - b * batch);
        let lines = gen.batch(n);
        now += 1000;
        let c0 = thread_cpu_s();
        let t = Instant::now();
        engine.push_lines(9999, lines);
        let ev = engine.run_until_idle(now);
        let dt = t.elapsed().as_secs_f64();
        if let (Some(a), Some(b)) = (c0, thread_cpu_s()) {
            cpu_total += b - a;
        }
        total += dt;
        batch_ms.push(dt * 1e3);
        for e in &ev {
            if let Event::Batch(o) = e {
                batches_run += 1;
                console_bytes += o.console.len();
                out_rows += o.batch.num_rows();
                peak_state = peak_state.max(o.progress.state_rows);
                if kind == Workload::WordCount {
                    // complete mode: the counts in the last batch add up to every word.
                    last_sum = sum_last_column(&o.batch);
                }
            }
        }
        if let Some(e) = engine.query_error() {
            panic!("{}: {}", kind.name(), e.message);
        }
        if (b + 1) % (n_batches / 10).max(1) == 0 || b + 1 == n_batches {
            series.push(json!([(b * batch + n), engine.state_rows(), LIVE.load(Relaxed) - heap_before.min(LIVE.load(Relaxed))]));
        }
    }
    let mut sorted = batch_ms.clone();
    println!(
        "{}",
        json!({
            "kind": "run", "target": target(), "workload": kind.name(), "sink": sink,
            "rows": rows, "batch": batch, "batches": batches_run,
            "seconds": total, "rows_per_s": rows as f64 / total,
            "cpu_seconds": thread_cpu_s().map(|_| cpu_total),
            "rows_per_cpu_s": thread_cpu_s().map(|_| rows as f64 / cpu_total),
            "batch_ms_p50": median(&mut sorted), "batch_ms_p99": percentile(&mut sorted, 0.99),
            "batch_ms_max": percentile(&mut sorted, 1.0),
            "start_us": start_us,
            "out_rows": out_rows, "console_bytes": console_bytes,
            "peak_state_rows": peak_state, "final_state_rows": engine.state_rows(),
            "word_total": if kind == Workload::WordCount { Value::from(last_sum) } else { Value::Null },
            "peak_heap_bytes": PEAK.load(Relaxed) - heap_before,
            "final_heap_bytes": LIVE.load(Relaxed) as i64 - heap_before as i64,
            "peak_process_bytes": peak_process_bytes(),
            "series": series,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(|s| s.as_str()) {
        Some("labs") => cmd_labs(&args[1..]),
        Some("run") => cmd_run(&args[1..]),
        Some("gen") => {
            use std::io::Write;
            let kind = args.get(1).and_then(|s| Workload::parse(s)).expect("workload");
            let n: usize = args.get(2).and_then(|s| s.parse().ok()).expect("N");
            let mut g = Gen::new(kind);
            let out = std::io::stdout();
            let mut out = std::io::BufWriter::new(out.lock());
            for _ in 0..n {
                writeln!(out, "{}", g.line()).unwrap();
            }
        }
        Some("script") => {
            let kind = args.get(1).and_then(|s| Workload::parse(s)).expect("workload");
            print!("{}", kind.script(args.get(2).map(|s| s.as_str()).unwrap_or("noop")));
        }
        _ => {
            eprintln!("usage: streamlab-bench labs [--reps N] LAB.json... | run wordcount|window|keys [--rows N] [--batch B] [--sink noop|console] | gen WORKLOAD N | script WORKLOAD SINK");
            std::process::exit(2);
        }
    }
}
