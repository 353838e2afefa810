//! Streaming sources. The host hands lines (per socket port) and files (by
//! path) to the session; each query's source reads what is new since its
//! last batch. Nothing here touches a socket or a disk.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::SchemaRef;

use crate::error::{EngineError, Result};
use crate::zone::SessionZone;

/// Where a streaming DataFrame's rows come from.
#[derive(Clone, Debug)]
pub enum SourceKind {
    /// `format("socket")`: one `value` string per line (and, with
    /// `includeTimestamp`, the time the line arrived).
    Socket { host: String, port: u16, include_timestamp: bool },
    /// `format("rate")`: `rows_per_second` rows (`timestamp`, `value`) for
    /// every second of the host's clock since the query started.
    Rate { rows_per_second: i64 },
    /// A directory of files (`json`, `csv`, `text`, ...).
    Files { format: String, dir: String, options: Vec<(String, String)>, max_files_per_trigger: Option<usize> },
}

#[derive(Clone, Debug)]
pub struct SourceDef {
    pub kind: SourceKind,
    pub schema: SchemaRef,
}

/// A port's lines, in arrival order. Lines are kept until every reader has
/// taken them.
#[derive(Default, Debug)]
pub struct PortLog {
    /// Offset of `lines[0]` in the port's whole history.
    pub base: usize,
    pub lines: Vec<String>,
    /// When each line arrived (the host's clock, ms), for `includeTimestamp`.
    pub arrived_ms: Vec<i64>,
}

impl PortLog {
    pub fn end(&self) -> usize {
        self.base + self.lines.len()
    }

    /// Lines from `offset` on.
    pub fn since(&self, offset: usize) -> &[String] {
        let start = offset.saturating_sub(self.base).min(self.lines.len());
        &self.lines[start..]
    }

    /// Forgets lines before `offset`.
    pub fn trim(&mut self, offset: usize) {
        let n = offset.saturating_sub(self.base).min(self.lines.len());
        self.lines.drain(..n);
        self.arrived_ms.drain(..n.min(self.arrived_ms.len()));
        self.base += n;
    }
}

/// A file the host has placed in the session's working directory.
#[derive(Clone, Debug)]
pub struct FileEntry {
    pub content: Arc<Vec<u8>>,
    /// Arrival order: file sources take new files in this order.
    pub seq: u64,
}

/// What the host has handed in: lines per port and files by path.
#[derive(Default, Debug)]
pub struct Inputs {
    pub ports: BTreeMap<u16, PortLog>,
    pub files: BTreeMap<String, FileEntry>,
    next_seq: u64,
    /// The host's clock as of its last call (ms): stamps arriving lines and
    /// drives the rate source.
    pub now_ms: i64,
}

impl Inputs {
    pub fn push_lines(&mut self, port: u16, lines: impl IntoIterator<Item = String>) {
        let log = self.ports.entry(port).or_default();
        log.lines.extend(lines);
        log.arrived_ms.resize(log.lines.len(), self.now_ms);
    }

    pub fn put_file(&mut self, path: &str, content: Vec<u8>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.files.insert(normalize(path), FileEntry { content: Arc::new(content), seq });
    }

    pub fn file(&self, path: &str) -> Option<&FileEntry> {
        self.files.get(&normalize(path))
    }

    /// Files directly inside `dir` that a file source reads: Spark skips
    /// names starting with `.` or `_`.
    pub fn files_in(&self, dir: &str) -> Vec<(String, FileEntry)> {
        let dir = normalize(dir);
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let mut out: Vec<(String, FileEntry)> = self
            .files
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix))
            .filter(|(p, _)| {
                let rest = &p[prefix.len()..];
                !rest.contains('/') && !rest.starts_with('.') && !rest.starts_with('_')
            })
            .map(|(p, f)| (p.clone(), f.clone()))
            .collect();
        out.sort_by_key(|(p, f)| (f.seq, p.clone()));
        out
    }

    /// Whether a directory exists: some file lives under it.
    pub fn dir_exists(&self, dir: &str) -> bool {
        let dir = normalize(dir);
        dir.is_empty() || self.files.keys().any(|p| p.starts_with(&format!("{dir}/")))
    }
}

/// `./data/` and `data` name the same directory.
pub fn normalize(path: &str) -> String {
    let p = path.trim();
    let p = p.strip_prefix("file://").unwrap_or(p);
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty() && *s != ".").collect();
    parts.join("/")
}

/// One query's reader of one source: where it has got to.
#[derive(Debug)]
pub struct SourceReader {
    pub def: SourceDef,
    /// Socket: next line offset. Files: arrival seq of files already taken.
    pub line_offset: usize,
    pub files_seen: std::collections::BTreeSet<String>,
    /// Rate: when the query started reading, and the seconds already read.
    rate_start_ms: Option<i64>,
    rate_seconds_read: i64,
}

impl SourceReader {
    pub fn new(def: SourceDef) -> Self {
        SourceReader { def, line_offset: 0, files_seen: Default::default(), rate_start_ms: None, rate_seconds_read: 0 }
    }

    /// Rate: whole seconds elapsed since the start (the start is the first
    /// time the reader is asked).
    fn rate_seconds(&mut self, now_ms: i64) -> i64 {
        let start = *self.rate_start_ms.get_or_insert(now_ms);
        (now_ms - start).max(0) / 1000
    }

    /// Rate: when the next second's rows are due.
    pub fn next_due_ms(&self) -> Option<i64> {
        match (&self.def.kind, self.rate_start_ms) {
            (SourceKind::Rate { .. }, Some(start)) => Some(start + (self.rate_seconds_read + 1) * 1000),
            _ => None,
        }
    }

    /// Whether new input is waiting.
    pub fn has_new(&self, inputs: &Inputs) -> bool {
        match &self.def.kind {
            // The first batch starts the clock (and is empty, as Spark's is).
            SourceKind::Rate { .. } => match self.rate_start_ms {
                None => true,
                Some(start) => (inputs.now_ms - start).max(0) / 1000 > self.rate_seconds_read,
            },
            SourceKind::Socket { port, .. } => inputs.ports.get(port).is_some_and(|l| l.end() > self.line_offset),
            SourceKind::Files { dir, .. } => inputs.files_in(dir).iter().any(|(p, _)| !self.files_seen.contains(p)),
        }
    }

    /// Takes the new input for a batch (None when there is none).
    pub fn take(&mut self, inputs: &Inputs, zone: &SessionZone) -> Result<Option<RecordBatch>> {
        match &self.def.kind {
            SourceKind::Socket { port, .. } => {
                let Some(log) = inputs.ports.get(port) else { return Ok(None) };
                let lines = log.since(self.line_offset);
                if lines.is_empty() {
                    return Ok(None);
                }
                let first = self.line_offset.saturating_sub(log.base);
                self.line_offset = log.end();
                let values = StringArray::from_iter_values(lines.iter().map(|s| s.as_str()));
                let mut columns: Vec<arrow::array::ArrayRef> = vec![Arc::new(values)];
                if let SourceKind::Socket { include_timestamp: true, .. } = &self.def.kind {
                    let times = (0..lines.len()).map(|i| log.arrived_ms.get(first + i).copied().unwrap_or(inputs.now_ms) * 1000);
                    columns.push(Arc::new(TimestampMicrosecondArray::from_iter_values(times).with_timezone("UTC")));
                }
                Ok(Some(RecordBatch::try_new(self.def.schema.clone(), columns)?))
            }
            SourceKind::Rate { rows_per_second } => {
                let rps = (*rows_per_second).max(1);
                // At most a million rows a batch: a host that slept catches up over several.
                let start_s = self.rate_seconds_read;
                let end = self.rate_seconds(inputs.now_ms).min(start_s + (1_000_000 / rps).max(1));
                if end <= start_s {
                    return Ok(None);
                }
                self.rate_seconds_read = end;
                let origin = self.rate_start_ms.unwrap_or(inputs.now_ms);
                // Spark's RateStreamMicroBatchStream: value v is due at
                // start + v * 1000 / rowsPerSecond (rounded).
                let values: Vec<i64> = (start_s.saturating_mul(rps)..end.saturating_mul(rps)).collect();
                let times = values.iter().map(|&v| (origin + ((v as f64) * 1000.0 / rps as f64).round() as i64) * 1000);
                let ts = TimestampMicrosecondArray::from_iter_values(times).with_timezone("UTC");
                Ok(Some(RecordBatch::try_new(self.def.schema.clone(), vec![Arc::new(ts), Arc::new(Int64Array::from(values))])?))
            }
            SourceKind::Files { format, dir, options, max_files_per_trigger } => {
                let new: Vec<(String, FileEntry)> =
                    inputs.files_in(dir).into_iter().filter(|(p, _)| !self.files_seen.contains(p)).collect();
                if new.is_empty() {
                    return Ok(None);
                }
                let take = max_files_per_trigger.unwrap_or(usize::MAX).max(1).min(new.len());
                let mut batches = Vec::new();
                for (path, f) in new.into_iter().take(take) {
                    // Spark reports a failed file read by its path.
                    let batch = read_file(format, &f.content, &self.def.schema, options, zone).map_err(|e| {
                        if e.kind == crate::error::ErrorKind::Unsupported {
                            e
                        } else {
                            crate::formats::failed_read_file(&format!("file:///{path}"))
                        }
                    })?;
                    batches.push(batch);
                    self.files_seen.insert(path);
                }
                Ok(Some(arrow::compute::concat_batches(&self.def.schema, &batches)?))
            }
        }
    }
}

/// Reads one file of a file source or a static read.
pub fn read_file(format: &str, bytes: &[u8], schema: &SchemaRef, options: &[(String, String)], zone: &SessionZone) -> Result<RecordBatch> {
    let opts = crate::formats::ReadOptions::from_options(options)?;
    let batch = match format {
        "json" => crate::formats::read_json(bytes, Some(schema.as_ref()), &opts, zone)?,
        "csv" => crate::formats::read_csv(bytes, Some(schema.as_ref()), &opts, zone)?,
        "text" => crate::formats::read_text(bytes),
        other => return Err(EngineError::unsupported(format!("the `{other}` file format"))),
    };
    // Match the declared schema's field names exactly.
    Ok(RecordBatch::try_new(schema.clone(), batch.columns().to_vec()).unwrap_or(batch))
}
