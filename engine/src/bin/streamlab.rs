//! `streamlab`: run a lab file through the engine (`streamlab lab`), as
//! `../shared/oracle/check.py` expects.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use streamlab_engine::lab;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Lab { json, file } => {
            let text = match std::fs::read_to_string(&file) {
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
    }
}
