//! Lab files (a script, its files, its input steps, and what Spark printed)
//! and running one through the engine as `../shared/conformance/FORMAT.md`
//! describes: each step arrives, then the query runs until it has nothing
//! left to do.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::error::EngineError;
use crate::session::{Event, Staged};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Lab {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub about: String,
    pub query: String,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default)]
    pub ordered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
pub struct Step {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lines: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub start: bool,
}

/// What a run printed, and the error that ended it.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub stdout: String,
    pub error: Option<ErrorJson>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ErrorJson {
    pub class: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl From<&EngineError> for ErrorJson {
    fn from(e: &EngineError) -> Self {
        ErrorJson {
            class: e.class_or_type().to_string(),
            message: e.message.clone(),
            line: e.span.map(|s| s.line),
            column: e.span.map(|s| s.column),
        }
    }
}

impl Lab {
    pub fn parse(text: &str) -> Result<Lab, String> {
        serde_json::from_str(text).map_err(|e| format!("not a lab file: {e}"))
    }
}

fn port_of(key: &str) -> Result<u16, String> {
    key.trim().parse().map_err(|_| format!("`{key}` is not a port number"))
}

/// Appends what events printed to a transcript.
pub fn append_events(out: &mut String, events: Vec<Event>) {
    for e in events {
        match e {
            Event::Batch(b) => out.push_str(&b.console),
            Event::Print(t) => {
                out.push_str(&t);
                out.push('\n');
            }
        }
    }
}

/// Runs a lab and returns what the engine printed.
pub fn run(lab: &Lab) -> Outcome {
    let mut stdout = String::new();
    let mut engine = Engine::new();
    let fail = |stdout: String, e: &EngineError| Outcome { stdout, error: Some(e.into()) };
    if let Some(tz) = &lab.timezone {
        if let Err(e) = engine.set_time_zone(tz) {
            return fail(stdout, &e);
        }
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
            match port_of(port) {
                Ok(p) => staged.lines.push((p, lines.clone())),
                Err(m) => return fail(stdout, &EngineError::python("ValueError", m)),
            }
        }
        for (path, text) in &step.files {
            staged.files.push((path.clone(), text.as_bytes().to_vec()));
        }
    }
    engine.stage_before_start(staged);
    let mut now = 0i64;
    if let Err(e) = engine.start_script(&lab.query, now) {
        return fail(stdout, &e);
    }
    append_events(&mut stdout, engine.run_until_idle(now));
    for step in post {
        if engine.error().is_some() {
            break;
        }
        now += 1000;
        for (port, lines) in &step.lines {
            match port_of(port) {
                Ok(p) => engine.push_lines_at(p, lines.iter().cloned(), now),
                Err(m) => return fail(stdout, &EngineError::python("ValueError", m)),
            }
        }
        for (path, text) in &step.files {
            engine.put_file(path, text.as_bytes().to_vec());
        }
        append_events(&mut stdout, engine.run_until_idle(now));
    }
    let error = engine.error().or_else(|| engine.query_error()).map(ErrorJson::from);
    Outcome { stdout, error }
}
