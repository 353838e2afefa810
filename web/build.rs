//! Embeds the built-in labs (`../labs/<group>/<name>.json`) into the page:
//! one JSON array, each lab without its `expect` (what Spark printed is for
//! tests, not for the page), in path order.

use std::fs;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../labs");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut labs = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("reading {}: {e}", f.display()));
        let mut v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", f.display()));
        if let Some(o) = v.as_object_mut() {
            o.remove("expect");
            if o.get("name")
                .and_then(|n| n.as_str())
                .is_none_or(|n| n.is_empty())
            {
                let rel = f.strip_prefix(&root).unwrap_or(f).with_extension("");
                o.insert(
                    "name".into(),
                    rel.to_string_lossy().replace('\\', "/").into(),
                );
            }
        }
        labs.push(v);
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("labs.json");
    fs::write(&out, serde_json::to_string(&labs).expect("labs to JSON"))
        .expect("writing labs.json");
}
