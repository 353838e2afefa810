//! One run of a script in the page: the engine, the inputs waiting for it,
//! and what it printed. No DOM here: the app drives it and shows it.

use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use streamlab_engine::display::progress_timestamp;
use streamlab_engine::engine::Engine;
use streamlab_engine::lab::{Lab, Step};
use streamlab_engine::session::{Event, Staged};
use streamlab_engine::EngineError;

/// Batches kept on screen (the console transcript keeps more).
pub const MAX_BATCH_VIEWS: usize = 100;
/// Transcript bytes kept for the Console view.
pub const MAX_TRANSCRIPT: usize = 512 << 10;
/// Lines recorded as this run's inputs (for Share and reload).
pub const MAX_RECORDED_LINES: usize = 5_000;

/// `BatchView::query` of a line the script printed (`print(...)`).
pub const PRINTED: usize = usize::MAX;

#[derive(Clone, Debug, PartialEq)]
pub struct BatchView {
    /// Position among everything the run showed (keys the list).
    pub seq: u64,
    pub query: usize,
    pub batch_id: i64,
    pub console: Rc<str>,
    pub input_rows: usize,
    pub output_rows: usize,
    pub watermark: Option<String>,
    pub state_rows: usize,
    pub duration_ms: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ErrorView {
    pub class: String,
    pub python_type: String,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

impl From<&EngineError> for ErrorView {
    fn from(e: &EngineError) -> Self {
        ErrorView {
            class: e.class_or_type().to_string(),
            python_type: e.python_type.clone(),
            message: e.message.clone(),
            line: e.span.map(|s| s.line),
            column: e.span.map(|s| s.column),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not started (inputs typed now wait for the start).
    Idle,
    /// A query is running.
    Running,
    /// The script ended (its queries stopped, or it ran no query).
    Finished,
    Stopped,
    Failed,
}

/// Something that arrives for the engine.
#[derive(Clone, Debug)]
pub enum Input {
    /// Lines on a port, and the relay acknowledgement (subscription id,
    /// sequence number) due once they are processed.
    Lines(u16, Vec<String>, Option<(String, u64)>),
    File(String, String),
}

/// Lines handed to the engine per pump (at frame granularity): bounds the
/// time the page spends in one go when a flood arrives, so typing and
/// scrolling stay smooth; the rest goes in the next pump, a task later.
pub const MAX_LINES_PER_PUMP: usize = 2_000;

pub struct Run {
    pub engine: Engine,
    pub phase: Phase,
    /// Inputs that arrived and wait for the next pump.
    pub queue: VecDeque<Input>,
    /// The lab steps still to replay (play mode) and the lab clock.
    pub play: Option<VecDeque<Step>>,
    pub play_now: i64,
    /// What the run printed.
    pub batches: VecDeque<BatchView>,
    pub batch_count: u64,
    /// Batches and printed lines shown so far.
    pub shown: u64,
    pub transcript: String,
    pub trimmed: bool,
    pub error: Option<ErrorView>,
    /// Inputs of this run, as lab steps.
    pub recorded: Vec<Step>,
    pub recorded_lines: usize,
    pub recording_full: bool,
}

pub fn port_of(key: &str) -> Option<u16> {
    key.trim().parse().ok()
}

impl Run {
    fn new() -> Run {
        Run {
            engine: Engine::new(),
            phase: Phase::Idle,
            queue: VecDeque::new(),
            play: None,
            play_now: 0,
            batches: VecDeque::new(),
            batch_count: 0,
            shown: 0,
            transcript: String::new(),
            trimmed: false,
            error: None,
            recorded: Vec::new(),
            recorded_lines: 0,
            recording_full: false,
        }
    }

    fn prepare(lab: &Lab) -> Result<Run, Box<Run>> {
        let mut run = Run::new();
        if let Some(tz) = &lab.timezone {
            if let Err(e) = run.engine.set_time_zone(tz) {
                run.fail(&e);
                return Err(Box::new(run));
            }
        }
        for (path, text) in &lab.files {
            run.engine.put_file(path, text.as_bytes().to_vec());
        }
        Ok(run)
    }

    /// Starts `lab.query` live: `pre` are the inputs typed before Run
    /// (they arrive just before the query starts). The host then pumps.
    pub fn start_live(lab: &Lab, pre: Vec<Step>, now_ms: i64) -> Run {
        let mut run = match Run::prepare(lab) {
            Ok(r) => r,
            Err(r) => return *r,
        };
        if !pre.is_empty() {
            run.engine.stage_before_start(staged(&pre));
            for s in pre {
                run.record(s);
            }
            run.record(Step {
                start: true,
                ..Default::default()
            });
        }
        match run.engine.start_script(&lab.query, now_ms) {
            Ok(()) => {
                run.phase = Phase::Running;
                let ev = run.engine.take_events();
                run.absorb(ev, 0.0);
                run.check();
            }
            Err(e) => run.fail(&e),
        }
        run
    }

    /// Starts a replay of `lab` as `lab::run` does: the steps before
    /// `start` are staged, the script starts at 0 ms and runs until idle;
    /// the host then calls `play_step` until it returns false.
    pub fn start_play(lab: &Lab, clock: &dyn Fn() -> f64) -> Run {
        let mut run = match Run::prepare(lab) {
            Ok(r) => r,
            Err(r) => return *r,
        };
        let start_at = lab.steps.iter().position(|s| s.start);
        let (pre, post): (&[Step], &[Step]) = match start_at {
            Some(i) => (&lab.steps[..i], &lab.steps[i + 1..]),
            None => (&[], &lab.steps[..]),
        };
        for s in pre {
            run.record(s.clone());
        }
        if start_at.is_some() {
            run.record(Step {
                start: true,
                ..Default::default()
            });
        }
        run.engine.stage_before_start(staged(pre));
        run.play = Some(post.iter().cloned().collect());
        match run.engine.start_script(&lab.query, 0) {
            Ok(()) => {
                run.phase = Phase::Running;
                let t0 = clock();
                let ev = run.engine.run_until_idle(0);
                run.absorb(ev, clock() - t0);
                run.check();
            }
            Err(e) => {
                run.play = None;
                run.fail(&e);
            }
        }
        run
    }

    /// Replays the next step; false when the replay is over.
    pub fn play_step(&mut self, clock: &dyn Fn() -> f64) -> bool {
        let Some(steps) = &mut self.play else {
            return false;
        };
        if self.engine.error().is_some() {
            self.play = None;
            return false;
        }
        let Some(step) = steps.pop_front() else {
            self.play = None;
            return false;
        };
        self.play_now += 1000;
        self.apply(&step, self.play_now);
        self.record(step);
        let t0 = clock();
        let ev = self.engine.run_until_idle(self.play_now);
        self.absorb(ev, clock() - t0);
        self.check();
        if self.play.as_ref().is_some_and(|s| s.is_empty()) {
            self.play = None;
            return false;
        }
        true
    }

    /// Hands a step's input to the engine; lines are stamped with `now_ms`
    /// (the socket source's `includeTimestamp`).
    fn apply(&mut self, step: &Step, now_ms: i64) {
        for (port, lines) in &step.lines {
            if let Some(p) = port_of(port) {
                self.engine.push_lines_at(p, lines.iter().cloned(), now_ms);
            }
        }
        for (path, text) in &step.files {
            self.engine.put_file(path, text.as_bytes().to_vec());
        }
    }

    /// Records an input of this run (bounded).
    pub fn record(&mut self, step: Step) {
        let n: usize = step.lines.values().map(|v| v.len()).sum();
        if self.recorded_lines + n > MAX_RECORDED_LINES {
            self.recording_full = true;
            return;
        }
        self.recorded_lines += n;
        self.recorded.push(step);
    }

    /// Hands queued inputs (about MAX_LINES_PER_PUMP lines) to the engine
    /// and runs what is due at `now_ms` (one batch per query at most).
    /// Returns whether a batch ran, and the relay acks now due.
    pub fn pump(&mut self, now_ms: i64, clock: &dyn Fn() -> f64) -> (bool, Vec<(String, u64)>) {
        let mut acks = Vec::new();
        let mut taken = 0;
        while let Some(input) = self.queue.front() {
            if let Input::Lines(_, lines, _) = input {
                if taken > 0 && taken + lines.len() > MAX_LINES_PER_PUMP {
                    break;
                }
                taken += lines.len().max(1);
            }
            let Some(input) = self.queue.pop_front() else {
                break;
            };
            let step = match input {
                Input::Lines(port, lines, ack) => {
                    acks.extend(ack);
                    let mut m = BTreeMap::new();
                    m.insert(port.to_string(), lines);
                    Step {
                        lines: m,
                        ..Default::default()
                    }
                }
                Input::File(path, text) => {
                    let mut m = BTreeMap::new();
                    m.insert(path, text);
                    Step {
                        files: m,
                        ..Default::default()
                    }
                }
            };
            if self.phase == Phase::Running {
                self.apply(&step, now_ms);
            }
            self.record(step);
        }
        if self.phase != Phase::Running {
            return (false, acks);
        }
        let t0 = clock();
        let ev = self.engine.tick(now_ms);
        let ran = !ev.is_empty() || !self.queue.is_empty();
        self.absorb(ev, clock() - t0);
        self.check();
        (ran, acks)
    }

    pub fn stop(&mut self) {
        self.engine.stop();
        self.play = None;
        if self.phase == Phase::Running {
            self.phase = Phase::Stopped;
        }
    }

    fn fail(&mut self, e: &EngineError) {
        self.error = Some(e.into());
        self.phase = Phase::Failed;
    }

    /// Looks at the engine's state after it ran.
    fn check(&mut self) {
        if self.error.is_none() {
            if let Some(e) = self.engine.error().or_else(|| self.engine.query_error()) {
                let e = e.clone();
                self.fail(&e);
                return;
            }
        }
        if self.phase == Phase::Running && !self.engine.any_active() {
            let waiting = matches!(
                self.engine.script_state(),
                Some(streamlab_engine::script::ScriptState::Waiting(_))
            );
            if !waiting {
                self.phase = Phase::Finished;
            }
        }
    }

    fn absorb(&mut self, events: Vec<Event>, elapsed_ms: f64) {
        let batches = events
            .iter()
            .filter(|e| matches!(e, Event::Batch(_)))
            .count()
            .max(1);
        for e in events {
            match e {
                Event::Batch(b) => {
                    self.transcript.push_str(&b.console);
                    self.batch_count += 1;
                    self.shown += 1;
                    let p = &b.progress;
                    self.batches.push_back(BatchView {
                        seq: self.shown,
                        query: b.query,
                        batch_id: b.batch_id,
                        console: Rc::from(b.console.as_str()),
                        input_rows: p.num_input_rows,
                        output_rows: p.num_output_rows,
                        watermark: p.watermark_micros.map(progress_timestamp),
                        state_rows: p.state_rows,
                        duration_ms: elapsed_ms / batches as f64,
                    });
                    if self.batches.len() > MAX_BATCH_VIEWS {
                        self.batches.pop_front();
                    }
                }
                Event::Print(t) => {
                    self.transcript.push_str(&t);
                    self.transcript.push('\n');
                    self.shown += 1;
                    self.batches.push_back(BatchView {
                        seq: self.shown,
                        query: PRINTED,
                        batch_id: -1,
                        console: Rc::from(t.as_str()),
                        input_rows: 0,
                        output_rows: 0,
                        watermark: None,
                        state_rows: 0,
                        duration_ms: 0.0,
                    });
                    if self.batches.len() > MAX_BATCH_VIEWS {
                        self.batches.pop_front();
                    }
                }
            }
        }
        if self.transcript.len() > MAX_TRANSCRIPT {
            let mut cut = self.transcript.len() - MAX_TRANSCRIPT / 2;
            while !self.transcript.is_char_boundary(cut) {
                cut += 1;
            }
            let from = self.transcript[cut..]
                .find("-------------------------------------------\nBatch: ")
                .map(|i| cut + i);
            let from = from.unwrap_or(cut);
            self.transcript.drain(..from);
            self.trimmed = true;
        }
    }

    pub fn is_playing(&self) -> bool {
        self.play.is_some()
    }

    /// The socket ports the running script reads, with their hosts.
    pub fn sources(&self) -> Vec<(String, u16)> {
        self.engine
            .socket_sources()
            .into_iter()
            .map(|s| (s.host, s.port))
            .collect()
    }
}

fn staged(steps: &[Step]) -> Staged {
    let mut st = Staged::default();
    for step in steps {
        for (port, lines) in &step.lines {
            if let Some(p) = port_of(port) {
                st.lines.push((p, lines.clone()));
            }
        }
        for (path, text) in &step.files {
            st.files.push((path.clone(), text.as_bytes().to_vec()));
        }
    }
    st
}

/// The ports a script names in `.option("port", N)`, before it runs.
pub fn ports_in_script(src: &str) -> Vec<u16> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("port") {
        let after = &rest[i + 4..];
        rest = after;
        let t = after.trim_start_matches(['"', '\'']).trim_start();
        let Some(t) = t.strip_prefix(',') else {
            continue;
        };
        let t = t.trim_start().trim_start_matches(['"', '\'']);
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        if let Ok(p) = digits.parse::<u16>() {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(ports_in_script(".option(\"host\",\"localhost\")  \\\n .option(\"port\",12345)\n.option('port', '9999')"), vec![12345, 9999]);
        assert!(ports_in_script("report = 1").is_empty());
    }

    /// The page's replay prints what `lab::run` prints, for every built-in lab.
    #[test]
    fn play_matches_lab_run() {
        let clock = || 0.0;
        for lab in crate::labs::all() {
            let want = streamlab_engine::lab::run(lab);
            let mut run = Run::start_play(lab, &clock);
            while run.play_step(&clock) {}
            assert_eq!(run.transcript, want.stdout, "{}", lab.name);
            assert_eq!(
                run.error.as_ref().map(|e| e.class.clone()),
                want.error.map(|e| e.class),
                "{}",
                lab.name
            );
        }
    }
}

#[cfg(test)]
mod flood {
    use super::*;

    /// Native timing of the page's live path under a flood (not a test:
    /// `cargo test -p streamlab-web --release flood -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn flood_timing() {
        let lab = Lab {
            query: "from pyspark.sql import SparkSession\nfrom pyspark.sql import functions as F\nspark = SparkSession.builder.getOrCreate()\nlines = spark.readStream.format(\"socket\").option(\"host\", \"localhost\").option(\"port\", 9999).load()\nwords = lines.select(F.explode(F.split(lines.value, \" \")).alias(\"word\"))\ncounts = words.groupBy(\"word\").count()\ncounts.writeStream.outputMode(\"update\").format(\"console\").start().awaitTermination()\n".into(),
            ..Default::default()
        };
        let t = std::time::Instant::now();
        let clock = || t.elapsed().as_secs_f64() * 1000.0;
        let mut run = Run::start_live(&lab, Vec::new(), 0);
        assert_eq!(run.phase, Phase::Running, "{:?}", run.error);
        for b in 0..20 {
            let lines: Vec<String> = (0..1000)
                .map(|i| format!("w{} spark streaming flood", (b * 1000 + i) % 1000))
                .collect();
            run.queue.push_back(Input::Lines(9999, lines, None));
            let t0 = clock();
            run.pump(b as i64, &clock);
            eprintln!(
                "batch {b}: {:.1} ms, state {}",
                clock() - t0,
                run.engine.state_rows()
            );
        }
    }
}

#[cfg(test)]
mod trim {
    use super::*;

    /// A long transcript of wide characters is trimmed without panicking.
    #[test]
    fn trims_at_char_boundaries() {
        let mut run = Run::new();
        let line = "ü✓漢".repeat(1000);
        for _ in 0..400 {
            run.absorb(vec![Event::Print(line.clone())], 0.0);
        }
        assert!(run.trimmed);
        assert!(run.transcript.len() <= MAX_TRANSCRIPT);
    }
}
