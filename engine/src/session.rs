//! The Spark session a script runs in: its configuration, the host's
//! inputs, registered sources and views, and its streaming queries.

use std::collections::BTreeMap;

use crate::plan::DataFrame;
use crate::stream::query::{BatchOutput, StreamingQuery};
use crate::stream::sources::Inputs;
use crate::stream::SourceDef;
use crate::zone::SessionZone;

/// Input staged to arrive just before the first query starts (a lab's
/// steps before its `start` step).
#[derive(Clone, Debug, Default)]
pub struct Staged {
    pub lines: Vec<(u16, Vec<String>)>,
    pub files: Vec<(String, Vec<u8>)>,
}

#[derive(Default)]
pub struct Session {
    pub zone: SessionZone,
    pub conf: BTreeMap<String, String>,
    pub inputs: Inputs,
    pub sources: Vec<SourceDef>,
    pub queries: Vec<StreamingQuery>,
    pub views: BTreeMap<String, DataFrame>,
    /// The host's clock, as of its last call.
    pub now_ms: i64,
    /// What the session printed, in order: batch tables and `print`s.
    pub events: Vec<Event>,
    pub staged: Option<Staged>,
    /// `foreachBatch` functions, by `Sink::ForeachBatch { handler }`.
    pub batch_handlers: Vec<crate::script::value::Value>,
}

/// Something the host shows.
#[derive(Clone, Debug)]
pub enum Event {
    Batch(BatchOutput),
    /// A line the script printed (`print(...)`).
    Print(String),
}

impl Session {
    /// Applies staged input (once, when the first query starts).
    pub fn release_staged(&mut self) {
        if let Some(st) = self.staged.take() {
            for (port, lines) in st.lines {
                self.inputs.push_lines(port, lines);
            }
            for (path, bytes) in st.files {
                self.inputs.put_file(&path, bytes);
            }
        }
    }

    /// Forgets port lines every query has read.
    pub fn trim_ports(&mut self) {
        let ports: Vec<u16> = self.inputs.ports.keys().copied().collect();
        for port in ports {
            let readers: Vec<usize> = self.queries.iter().filter(|q| q.is_active()).filter_map(|q| q.socket_offset(port)).collect();
            if readers.is_empty() {
                continue;
            }
            let min = readers.into_iter().min().unwrap_or(0);
            if let Some(log) = self.inputs.ports.get_mut(&port) {
                log.trim(min);
            }
        }
    }
}
