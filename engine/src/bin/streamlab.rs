//! `streamlab`: Spark Structured Streaming scripts without a JVM.
//!
//! - `streamlab lab FILE.json` runs a lab file (a script, its files and its
//!   input steps) and prints the console transcript, as
//!   `../shared/oracle/check.py` expects (`--json` for its JSON form).
//! - `streamlab run SCRIPT.py` runs a script as `spark-submit` would: it
//!   connects to the socket sources the script names (where you run
//!   `nc -lk PORT`), reads the files it names, fires triggers on the real
//!   clock and prints each batch as it happens, until Ctrl-C or until a
//!   once/availableNow query has ended.
//!
//! The engine itself is sans-IO; this binary is the host that does the IO.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand};
use streamlab_engine::engine::Engine;
use streamlab_engine::lab;
use streamlab_engine::script::ScriptState;
use streamlab_engine::session::Event;

#[derive(Parser)]
#[command(name = "streamlab", version, about = "Spark Structured Streaming scripts, without a JVM")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a lab file and print the console transcript.
    Lab {
        /// Print {"stdout": ..., "error": ...} as JSON.
        #[arg(long)]
        json: bool,
        file: String,
    },
    /// Run a PySpark streaming script against real sockets and files.
    Run {
        script: String,
        /// The session time zone (spark.sql.session.timeZone).
        #[arg(long, default_value = "UTC")]
        timezone: String,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Lab { json, file } => run_lab(&file, json),
        Command::Run { script, timezone } => run_script(&script, &timezone),
    }
}

fn run_lab(file: &str, json: bool) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("streamlab: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let parsed = match lab::Lab::parse(&text) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("streamlab: {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let out = lab::run(&parsed);
    if json {
        println!("{}", serde_json::to_string(&out).unwrap_or_else(|_| "{}".into()));
        return ExitCode::SUCCESS;
    }
    print!("{}", out.stdout);
    match out.error {
        Some(e) => {
            eprintln!("[{}] {}", e.class, e.message);
            ExitCode::from(1)
        }
        None => ExitCode::SUCCESS,
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Files and directories the script names in string literals, loaded so
/// that `spark.read...load("players.csv")` and file sources find them.
fn load_named_files(engine: &mut Engine, source: &str, seen: &mut BTreeSet<String>) {
    for piece in source.split(['"', '\'']) {
        let p = piece.trim();
        if p.is_empty() || p.len() > 4096 || p.contains('\n') {
            continue;
        }
        let path = Path::new(p);
        if path.is_file() {
            load_file(engine, p, seen);
        } else if path.is_dir() {
            load_dir(engine, p, seen);
        }
    }
}

fn load_file(engine: &mut Engine, path: &str, seen: &mut BTreeSet<String>) {
    if seen.contains(path) {
        return;
    }
    if let Ok(bytes) = std::fs::read(path) {
        engine.put_file(path, bytes);
        seen.insert(path.to_string());
    }
}

/// Puts the files of a directory the engine has not seen yet.
fn load_dir(engine: &mut Engine, dir: &str, seen: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut names: Vec<_> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.metadata().and_then(|m| m.modified()).ok(), e.path()))
        .collect();
    names.sort();
    for (_, p) in names {
        let path = format!("{}/{}", dir.trim_end_matches('/'), p.file_name().and_then(|n| n.to_str()).unwrap_or(""));
        load_file(engine, &path, seen);
    }
}

fn print_events(events: Vec<Event>) {
    let mut out = std::io::stdout().lock();
    for e in events {
        let _ = match e {
            Event::Batch(b) => out.write_all(b.console.as_bytes()),
            Event::Print(t) => writeln!(out, "{t}"),
        };
    }
    let _ = out.flush();
}

fn run_script(file: &str, timezone: &str) -> ExitCode {
    let source = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("streamlab: cannot read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut engine = Engine::new();
    if let Err(e) = engine.set_time_zone(timezone) {
        eprintln!("streamlab: {e}");
        return ExitCode::from(2);
    }
    let mut seen = BTreeSet::new();
    load_named_files(&mut engine, &source, &mut seen);
    if let Err(e) = engine.start_script(&source, now_ms()) {
        eprintln!("{file}: {e}");
        return ExitCode::from(1);
    }
    print_events(engine.take_events());
    // One reader thread per socket source, as Spark's socket source connects.
    let (tx, rx) = mpsc::channel::<(u16, Result<String, String>)>();
    for src in engine.socket_sources() {
        let tx = tx.clone();
        let addr = format!("{}:{}", src.host, src.port);
        let stream = match TcpStream::connect(&addr) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("streamlab: cannot connect to {addr} ({e}). Start a server first, e.g.: nc -lk {}", src.port);
                return ExitCode::from(1);
            }
        };
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                            buf.pop();
                        }
                        let line = String::from_utf8_lossy(&buf).into_owned();
                        if tx.send((src.port, Ok(line))).is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
    drop(tx);
    let dirs = engine.watched_dirs();
    loop {
        // Everything that has arrived lands in the same batch.
        let mut got = false;
        while let Ok((port, line)) = rx.try_recv() {
            if let Ok(l) = line {
                engine.push_lines_at(port, [l], now_ms());
                got = true;
            }
        }
        for d in &dirs {
            load_dir(&mut engine, d, &mut seen);
        }
        print_events(engine.tick(now_ms()));
        match engine.script_state() {
            Some(ScriptState::Failed(e)) => {
                eprintln!("[{}] {}", e.class_or_type(), e.message);
                return ExitCode::from(1);
            }
            Some(ScriptState::Finished) if !engine.any_active() => return ExitCode::SUCCESS,
            _ => {}
        }
        if !got {
            let wait = engine.next_wakeup_ms().map(|t| (t - now_ms()).clamp(1, 50)).unwrap_or(20);
            match rx.recv_timeout(Duration::from_millis(wait as u64)) {
                Ok((port, Ok(l))) => {
                    engine.push_lines_at(port, [l], now_ms());
                    // Let lines written together arrive together.
                    std::thread::sleep(Duration::from_millis(5));
                }
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(wait as u64)),
            }
        }
    }
}
