//! The engine as a host sees it: hand in a script, files, lines per port
//! and the current time; get back what the session printed. Nothing here
//! reads a clock, a socket or a disk.

use crate::error::EngineError;
use crate::script::{Script, ScriptState};
use crate::session::{Event, Session, Staged};
use crate::stream::sources::SourceKind;
use crate::zone::SessionZone;

/// Upper bound on batches one call may run, so a host never hangs.
const MAX_BATCHES_PER_CALL: usize = 100_000;

#[derive(Default)]
pub struct Engine {
    sess: Session,
    script: Option<Script>,
}

/// A socket source the script reads: the page shows an input for it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SocketSource {
    pub host: String,
    pub port: u16,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// The session time zone before the script runs (a lab's `timezone`).
    pub fn set_time_zone(&mut self, id: &str) -> Result<(), EngineError> {
        let zone = SessionZone::parse(id).ok_or_else(|| {
            EngineError::analysis("INVALID_CONF_VALUE.TIME_ZONE", format!("The value '{id}' in the config \"spark.sql.session.timeZone\" is invalid. Cannot resolve the given timezone."), "22022")
        })?;
        self.sess.zone = zone;
        self.sess.conf.insert("spark.sql.session.timeZone".into(), id.into());
        Ok(())
    }

    /// A file appears in the working directory (atomically).
    pub fn put_file(&mut self, path: &str, content: Vec<u8>) {
        self.sess.inputs.put_file(path, content);
    }

    /// Lines arrive on a socket port (stamped with the host's last "now").
    pub fn push_lines(&mut self, port: u16, lines: impl IntoIterator<Item = String>) {
        self.sess.inputs.push_lines(port, lines);
    }

    /// Lines arrive on a socket port at `now_ms` (the socket source's
    /// `includeTimestamp` column).
    pub fn push_lines_at(&mut self, port: u16, lines: impl IntoIterator<Item = String>, now_ms: i64) {
        self.sess.now_ms = now_ms;
        self.sess.inputs.now_ms = now_ms;
        self.sess.inputs.push_lines(port, lines);
    }

    /// Input that arrives just before the first query starts.
    pub fn stage_before_start(&mut self, staged: Staged) {
        self.sess.staged = Some(staged);
    }

    /// Parses and runs the script until it ends or waits on a query.
    pub fn start_script(&mut self, source: &str, now_ms: i64) -> Result<(), EngineError> {
        self.sess.now_ms = now_ms;
        self.sess.inputs.now_ms = now_ms;
        let mut script = Script::parse(source)?;
        script.run(&mut self.sess);
        self.script = Some(script);
        Ok(())
    }

    /// The script's state: running, waiting, finished or failed.
    pub fn script_state(&self) -> Option<&ScriptState> {
        self.script.as_ref().map(|s| &s.state)
    }

    /// Why the script stopped, if it failed.
    pub fn error(&self) -> Option<&EngineError> {
        match self.script_state() {
            Some(ScriptState::Failed(e)) => Some(e),
            _ => None,
        }
    }

    /// Whether any query is still running.
    pub fn any_active(&self) -> bool {
        self.sess.queries.iter().any(|q| q.is_active())
    }

    /// The socket sources the script reads.
    pub fn socket_sources(&self) -> Vec<SocketSource> {
        let mut out: Vec<SocketSource> = Vec::new();
        for s in &self.sess.sources {
            if let SourceKind::Socket { host, port, .. } = &s.kind {
                let src = SocketSource { host: host.clone(), port: *port };
                if !out.contains(&src) {
                    out.push(src);
                }
            }
        }
        out
    }

    /// Directories the script's file sources watch.
    pub fn watched_dirs(&self) -> Vec<String> {
        self.sess
            .sources
            .iter()
            .filter_map(|s| match &s.kind {
                SourceKind::Files { dir, .. } => Some(dir.clone()),
                _ => None,
            })
            .collect()
    }

    /// When the host should call `tick` next (processing-time triggers).
    pub fn next_wakeup_ms(&self) -> Option<i64> {
        self.sess.queries.iter().filter_map(|q| q.next_wakeup_ms()).min()
    }

    /// Runs the batches due at `now_ms` (real time: processing-time
    /// triggers fire on their interval boundaries) and returns what was
    /// printed.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Event> {
        self.drive(now_ms, false);
        std::mem::take(&mut self.sess.events)
    }

    /// Runs until nothing is left to do, as a lab step does: every batch
    /// that new data or a moved watermark calls for.
    pub fn run_until_idle(&mut self, now_ms: i64) -> Vec<Event> {
        self.drive(now_ms, true);
        std::mem::take(&mut self.sess.events)
    }

    /// Takes what was printed so far (e.g. by the script before any batch).
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.sess.events)
    }

    fn drive(&mut self, now_ms: i64, until_idle: bool) {
        self.sess.now_ms = now_ms;
        self.sess.inputs.now_ms = now_ms;
        let mut batches = 0;
        loop {
            let mut progressed = false;
            for qi in 0..self.sess.queries.len() {
                loop {
                    let Session { queries, inputs, zone, .. } = &mut self.sess;
                    match queries[qi].step(inputs, zone, now_ms, until_idle) {
                        Some(Ok(out)) => {
                            let handed = self.sess.queries[qi].batch_handler().map(|h| (h, out.batch.clone(), out.batch_id));
                            self.sess.events.push(Event::Batch(out));
                            progressed = true;
                            batches += 1;
                            if let (Some((handler, batch, id)), Some(script)) = (handed, self.script.as_mut()) {
                                if let Err(e) = script.call_batch_handler(handler, batch, id, &mut self.sess) {
                                    self.sess.queries[qi].fail_in_batch_function(&e);
                                    break;
                                }
                            }
                        }
                        Some(Err(_)) | None => break,
                    }
                    if !until_idle || batches >= MAX_BATCHES_PER_CALL {
                        break;
                    }
                }
            }
            self.sess.trim_ports();
            // A waiting script goes on once its query has ended.
            if let Some(s) = &mut self.script {
                let before = self.sess.queries.len();
                if matches!(s.state, ScriptState::Waiting(_)) {
                    s.run(&mut self.sess);
                    if !matches!(s.state, ScriptState::Waiting(_)) || self.sess.queries.len() > before {
                        progressed = true;
                    }
                }
            }
            if !progressed || !until_idle || batches >= MAX_BATCHES_PER_CALL {
                break;
            }
        }
    }

    /// Stops every query (the host's Stop button).
    pub fn stop(&mut self) {
        for q in &mut self.sess.queries {
            q.stop();
        }
    }

    /// Rows in state across the running queries.
    pub fn state_rows(&self) -> usize {
        self.sess.queries.iter().map(|q| q.state_rows()).sum()
    }

    /// The first query failure, if a query failed.
    pub fn query_error(&self) -> Option<&EngineError> {
        self.sess.queries.iter().find_map(|q| match &q.state {
            crate::stream::query::QueryState::Failed(e) => Some(e),
            _ => None,
        })
    }
}
