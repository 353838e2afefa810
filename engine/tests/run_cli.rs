//! `streamlab run` on the seed's first lab, fed by a TCP listener as
//! `nc -lk 12345` would feed it, prints Spark's transcript for that lab.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn run_prints_the_seed_transcript() {
    let lab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../labs/seed/read-from-socket.json")).unwrap()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = lab["query"].as_str().unwrap().replace("12345", &port.to_string());
    let dir = std::env::temp_dir().join(format!("streamlab-run-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("read_from_socket.py");
    std::fs::write(&path, script).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_streamlab"))
        .arg("run")
        .arg(&path)
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut conn, _) = listener.accept().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let wait_for = |needle: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                let hit = l.contains(needle);
                seen.push(l);
                if hit {
                    // the rest of the table
                    while let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
                        seen.push(l);
                    }
                    return;
                }
            }
        }
        panic!("no `{needle}` in the output: {seen:?}");
    };
    for step in lab["steps"].as_array().unwrap() {
        for line in step["lines"]["12345"].as_array().unwrap() {
            writeln!(conn, "{}", line.as_str().unwrap()).unwrap();
        }
        conn.flush().unwrap();
        let needle = step["lines"]["12345"][0].as_str().unwrap().to_string();
        wait_for(&needle, &mut seen);
    }
    let _ = child.kill();
    let mut err = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
    let got = seen.join("\n") + "\n";
    let want = lab["expect"]["stdout"].as_str().unwrap();
    assert_eq!(got.trim_end(), want.trim_end(), "stderr: {err}");
}
