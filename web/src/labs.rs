//! The built-in labs (`labs/` of the project, embedded at build time).

use std::sync::OnceLock;

use streamlab_engine::lab::Lab;

static LABS_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/labs.json"));

/// Every built-in lab, in path order (`basics/...`, `coverage/...`, `seed/...`).
pub fn all() -> &'static [Lab] {
    static LABS: OnceLock<Vec<Lab>> = OnceLock::new();
    LABS.get_or_init(|| serde_json::from_str(LABS_JSON).unwrap_or_default())
}

pub fn find(name: &str) -> Option<&'static Lab> {
    let name = name
        .trim()
        .trim_end_matches(".json")
        .trim_start_matches("labs/");
    all().iter().find(|l| l.name == name)
}

/// The gallery: the seed's labs, in the order the course teaches them.
pub fn gallery() -> Vec<&'static Lab> {
    const ORDER: &[&str] = &[
        "seed/read-from-socket",
        "seed/output-mode-append",
        "seed/output-mode-update",
        "seed/output-mode-complete-error",
        "seed/trigger-processing-time",
        "seed/trigger-once",
        "seed/basic-transform",
        "seed/join-static-inner",
        "seed/join-static-left-outer",
        "seed/join-stream-stream",
        "seed/window-sliding",
    ];
    let mut out: Vec<&Lab> = ORDER.iter().filter_map(|n| find(n)).collect();
    for l in all() {
        if l.name.starts_with("seed/") && !out.iter().any(|o| o.name == l.name) {
            out.push(l);
        }
    }
    out
}

/// Groups other than the seed, for the "more labs" list.
pub fn groups() -> Vec<(String, Vec<&'static Lab>)> {
    let mut out: Vec<(String, Vec<&'static Lab>)> = Vec::new();
    for l in all() {
        if l.name.starts_with("seed/") {
            continue;
        }
        let group = match l.name.rsplit_once('/') {
            Some((g, _)) => g.to_string(),
            None => String::new(),
        };
        match out.iter_mut().find(|(g, _)| *g == group) {
            Some((_, v)) => v.push(l),
            None => out.push((group, vec![l])),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded() {
        assert!(super::all().len() > 20);
        assert_eq!(
            super::gallery().len(),
            super::all()
                .iter()
                .filter(|l| l.name.starts_with("seed/"))
                .count()
        );
        assert!(super::find("seed/read-from-socket").is_some());
        assert!(super::all().iter().all(|l| l.expect.is_none()));
    }
}
