//! `streamlab-relay`: the command line around `streamlab_relay::serve`.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use streamlab_relay::{Config, Limits};

/// Serve the streamlab playground and carry TCP lines (nc) into it.
///
/// A script reading .option("host", H).option("port", P) gets its lines
/// either by the relay connecting to H:P (run `nc -lk P` there), or from a
/// --listen P port (run `nc localhost P`, or `tail -f app.log | nc localhost P`).
#[derive(Parser, Debug)]
#[command(name = "streamlab-relay", version)]
struct Cli {
    /// Port for the page and its WebSocket (/ws).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Address to serve on. Anything but loopback exposes your streams to the network.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Directory with the built page (index.html at its top).
    #[arg(long = "static", value_name = "DIR", default_value = "dist")]
    static_dir: PathBuf,
    /// Open TCP port P for `nc localhost P` to write lines into (repeatable).
    #[arg(long, value_name = "P")]
    listen: Vec<u16>,
    /// Also let pages from this origin (e.g. http://myhost:8000) use /ws (repeatable).
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Also let pages make the relay connect to HOST:PORT (default: loopback only; repeatable).
    #[arg(long, value_name = "HOST:PORT")]
    allow_connect: Vec<String>,
    /// Require /ws?token=T on every WebSocket connection.
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// Longest line accepted, in bytes; longer ones are refused with an error frame.
    #[arg(long, default_value_t = Limits::default().max_line_bytes)]
    max_line_bytes: usize,
    /// Lines held per source (unacknowledged plus replay history).
    #[arg(long, default_value_t = Limits::default().buffer_lines)]
    buffer_lines: usize,
    /// Bytes of line text held per source.
    #[arg(long, default_value_t = Limits::default().buffer_bytes)]
    buffer_bytes: usize,
    /// Lines sent to one page and not yet acknowledged.
    #[arg(long, default_value_t = Limits::default().window_lines)]
    window_lines: usize,
    /// Seconds a connect-mode connection stays open after its last page left.
    #[arg(long, default_value_t = 30)]
    linger_secs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = Config {
        bind: cli.bind,
        port: cli.port,
        static_dir: cli.static_dir,
        listen: cli.listen,
        allow_origins: cli.allow_origin,
        allow_connect: cli.allow_connect,
        token: cli.token,
        limits: Limits {
            max_line_bytes: cli.max_line_bytes,
            buffer_lines: cli.buffer_lines,
            buffer_bytes: cli.buffer_bytes,
            window_lines: cli.window_lines,
            ..Limits::default()
        },
        linger: Duration::from_secs(cli.linger_secs),
    };
    let static_dir = config.static_dir.clone();
    let relay = match streamlab_relay::serve(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("streamlab relay: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("streamlab relay: open {}", relay.url());
    if !static_dir.join("index.html").is_file() {
        println!(
            "  (no page in {}: build it, or pass --static DIR)",
            static_dir.display()
        );
    }
    for a in &relay.listen_addrs {
        println!(
            "  listening for lines on {a}: feed it with  nc localhost {}",
            a.port()
        );
    }
    println!("  scripts reading another port P: run  nc -lk P  and the page connects to it");
    tokio::select! {
        _ = relay.wait() => ExitCode::FAILURE,
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
    }
}
