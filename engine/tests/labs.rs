//! Every recorded lab, run through the engine and compared with what Spark
//! 4.0.1 printed, the way `../shared/oracle/check.py` compares: same batch
//! ids, headers and footers; rows as a multiset unless the lab is ordered;
//! the same error class (and, for a failed query, the same cause class).
//!
//! Labs come from the project's `labs/` and, when present, from
//! `../shared/conformance`. Labs the engine does not pass yet are listed,
//! with the reason, in `tests/expected-failures.txt`; a listed lab that
//! passes fails the test, so the list only shrinks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use streamlab_engine::lab::{self, Lab};

const RULE: &str = "-------------------------------------------";

type Block = (String, Vec<String>, Vec<String>, Vec<String>);

/// Splits a transcript into (batch id, header, rows, footer) blocks.
fn batches(stdout: &str) -> Vec<Block> {
    let lines: Vec<&str> = stdout.split('\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i] == RULE && i + 2 < lines.len() && lines[i + 1].starts_with("Batch: ") && lines[i + 2] == RULE {
            let bid = lines[i + 1]["Batch: ".len()..].to_string();
            i += 3;
            let mut body = Vec::new();
            while i < lines.len() && lines[i] != RULE {
                body.push(lines[i].to_string());
                i += 1;
            }
            while body.last().is_some_and(|l| l.is_empty()) {
                body.pop();
            }
            let table: Vec<String> = body.iter().filter(|l| l.starts_with('+') || l.starts_with('|')).cloned().collect();
            let rest: Vec<String> = body.iter().filter(|l| !(l.starts_with('+') || l.starts_with('|'))).cloned().collect();
            let header = table.iter().take(3).cloned().collect();
            let rows = if table.len() > 3 { table[3..table.len() - 1].to_vec() } else { vec![] };
            out.push((bid, header, rows, rest));
        } else {
            i += 1;
        }
    }
    out
}

fn canonical(stdout: &str, ordered: bool) -> Vec<Block> {
    let mut blocks: Vec<Block> = batches(stdout)
        .into_iter()
        .map(|(b, h, mut r, f)| {
            if !ordered {
                r.sort();
            }
            (b, h, r, f)
        })
        .collect();
    blocks.sort_by_key(|b| (b.0.parse::<i64>().unwrap_or(-1), format!("{b:?}")));
    blocks
}

fn cause(message: &str) -> Option<String> {
    let at = message.find("terminated with exception: [")?;
    let rest = &message[at + "terminated with exception: [".len()..];
    Some(rest[..rest.find(']')?].to_string())
}

/// Why a lab's run differs from Spark's, or None when it matches.
fn judge(lab: &Lab) -> Option<String> {
    let expect = lab.expect.as_ref()?;
    let want_stdout = expect.get("stdout").and_then(|s| s.as_str()).unwrap_or("");
    let got = lab::run(lab);
    let mut why = Vec::new();
    let (want, have) = (canonical(want_stdout, lab.ordered), canonical(&got.stdout, lab.ordered));
    let want_err = expect.get("error").filter(|e| !e.is_null());
    match (want_err, &got.error) {
        (None, None) => {}
        (Some(e), None) => why.push(format!("spark failed with {e}; the engine did not")),
        (None, Some(g)) => why.push(format!("the engine failed: [{}] {}", g.class, g.message)),
        (Some(e), Some(g)) => {
            let class = e.get("class").and_then(|c| c.as_str()).or_else(|| e.get("type").and_then(|c| c.as_str())).unwrap_or("");
            if class != g.class {
                why.push(format!("error class: spark [{class}], engine [{}] {}", g.class, g.message));
            } else {
                let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
                if cause(msg) != cause(&g.message) {
                    why.push(format!("failed for another reason: spark {:?}, engine {:?}", cause(msg), cause(&g.message)));
                }
            }
        }
    }
    if want != have {
        why.push(format!("transcript differs\n--- spark\n{want_stdout}\n--- engine\n{}", got.stdout));
    }
    (!why.is_empty()).then(|| why.join("\n"))
}

fn collect(dir: &Path, out: &mut BTreeMap<String, PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            if let Ok(text) = std::fs::read_to_string(&p) {
                if let Ok(l) = Lab::parse(&text) {
                    if l.expect.is_some() {
                        out.entry(l.name.clone()).or_insert(p);
                    }
                }
            }
        }
    }
}

fn expected_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected-failures.txt")).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, why)) => (n.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

const HEADER: &str = "# Recorded labs the engine does not match yet, one per line: NAME  WHY.\n# tests/labs.rs fails if a lab not listed here differs from Spark, or if a listed\n# lab passes. Regenerate after a fix: STREAMLAB_UPDATE_EXPECTED=1 cargo test -p streamlab-engine --test labs\n";

#[test]
fn recorded_labs_match_spark() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut labs = BTreeMap::new();
    collect(&root.join("labs"), &mut labs);
    let shared = root.join("../shared/conformance");
    if shared.is_dir() {
        collect(&shared, &mut labs);
    } else {
        eprintln!("note: ../shared/conformance is absent; running the project's own labs only");
    }
    assert!(labs.len() > 40, "expected the recorded labs under labs/, found {}", labs.len());
    let expected = expected_failures();
    let mut unexpected = Vec::new();
    let mut now_passing = Vec::new();
    let mut passed = 0;
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    for (name, path) in &labs {
        let lab = Lab::parse(&std::fs::read_to_string(path).unwrap_or_default()).expect("parsed above");
        let outcome = std::panic::catch_unwind(|| judge(&lab)).unwrap_or_else(|_| Some("the engine panicked".into()));
        if let Some(why) = &outcome {
            failures.insert(name.clone(), why.lines().next().unwrap_or("").chars().take(160).collect());
        }
        match (outcome, expected.contains_key(name)) {
            (None, false) => passed += 1,
            (None, true) => now_passing.push(name.clone()),
            (Some(_), true) => {}
            (Some(why), false) => unexpected.push(format!("FAIL {name} ({})\n{why}", path.display())),
        }
    }
    println!("{passed} labs match Spark; {} listed as expected failures", expected.len());
    if std::env::var("STREAMLAB_UPDATE_EXPECTED").is_ok_and(|v| v == "1") {
        // Rewrites the list from this run: what fails now, with why.
        let failing = failures;
        let mut text = String::from(HEADER);
        for (n, why) in failing {
            text += &format!("{n}  {why}\n");
        }
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected-failures.txt"), text).expect("write list");
        return;
    }
    assert!(
        unexpected.is_empty() && now_passing.is_empty(),
        "{} labs differ from Spark:\n{}\n\nListed in tests/expected-failures.txt but passing now (remove them): {:?}",
        unexpected.len(),
        unexpected.join("\n\n"),
        now_passing
    );
}

#[test]
fn transcript_splitting_follows_check_py() {
    let t = "-------------------------------------------\nBatch: 0\n-------------------------------------------\n+-----+\n|value|\n+-----+\n|    b|\n|    a|\n+-----+\nonly showing top 2 rows\n";
    let b = batches(t);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].0, "0");
    assert_eq!(b[0].2, vec!["|    b|", "|    a|"]);
    assert_eq!(b[0].3, vec!["only showing top 2 rows"]);
    assert_eq!(canonical(t, false)[0].2, vec!["|    a|", "|    b|"]);
}
