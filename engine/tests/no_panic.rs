//! A panic in WebAssembly kills the page, so the engine must return errors
//! on any input: random lines into every recorded lab's script, and
//! scripts cut, spliced and garbled at random.

use std::path::Path;

use proptest::prelude::*;
use streamlab_engine::lab::{self, Lab, Step};

fn labs() -> Vec<Lab> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs");
    for group in ["seed", "basics", "errors", "windows", "joins", "files", "engine"] {
        let Ok(entries) = std::fs::read_dir(root.join(group)) else { continue };
        for e in entries.flatten() {
            if let Ok(l) = Lab::parse(&std::fs::read_to_string(e.path()).unwrap_or_default()) {
                out.push(l);
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn ports(lab: &Lab) -> Vec<String> {
    let mut p: Vec<String> = lab.steps.iter().flat_map(|s| s.lines.keys().cloned()).collect();
    p.sort();
    p.dedup();
    p
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[0-9,\\-: .]{0,30}",
        "(2024-05-01 1[0-9]:[0-5][0-9]:[0-5][0-9]|garbage|),[a-z]{0,3}",
        Just(String::new()),
        Just("\u{0}\u{FFFD}🙂,日本".to_string()),
        Just("9999999999999999999999,1e400".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_lines_never_panic(which in 0usize..1000, steps in prop::collection::vec(prop::collection::vec(line(), 0..6), 1..4)) {
        let all = labs();
        prop_assume!(!all.is_empty());
        let mut lab = all[which % all.len()].clone();
        let ports = ports(&lab);
        prop_assume!(!ports.is_empty());
        lab.steps = steps
            .into_iter()
            .enumerate()
            .map(|(i, lines)| Step { lines: [(ports[i % ports.len()].clone(), lines)].into_iter().collect(), ..Default::default() })
            .collect();
        let _ = lab::run(&lab);
    }

    #[test]
    fn garbled_scripts_never_panic(which in 0usize..1000, cut in 0usize..4000, len in 0usize..200, insert in "\\PC{0,20}") {
        let all = labs();
        prop_assume!(!all.is_empty());
        let mut lab = all[which % all.len()].clone();
        let chars: Vec<char> = lab.query.chars().collect();
        let at = cut.min(chars.len());
        let end = (at + len).min(chars.len());
        lab.query = chars[..at].iter().collect::<String>() + &insert + &chars[end..].iter().collect::<String>();
        let _ = lab::run(&lab);
    }
}
