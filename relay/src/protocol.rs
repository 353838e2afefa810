//! The frames spoken on `/ws`: one JSON object per WebSocket text message,
//! told apart by `"op"`. `docs/relay-protocol.md` is the reference.

use serde::{Deserialize, Serialize};

/// Bumped when a frame changes incompatibly; sent in `welcome`.
pub const PROTOCOL_VERSION: u32 = 1;

/// How a source gets its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The relay connects to `host:port`, like Spark's socket source does
    /// (the user runs `nc -lk PORT`).
    Connect,
    /// The relay listens on a `--listen` port (the user runs `nc localhost PORT`).
    Listen,
    /// Listen when `port` is a `--listen` port and the host is loopback,
    /// connect otherwise. Only valid in `subscribe`.
    Auto,
}

/// Where a source stands, in `status` frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Connecting,
    Connected,
    Listening,
    /// Nothing accepted the connection.
    Refused,
    /// The other side ended the connection.
    Closed,
    /// Reset, timed out, or could not be resolved.
    Error,
}

/// Page -> relay.
#[derive(Debug, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ClientMsg {
    Subscribe {
        /// The page's name for this subscription, echoed in every frame
        /// about it; defaults to the port as a string.
        id: Option<String>,
        host: Option<String>,
        port: u16,
        mode: Option<Mode>,
        /// First sequence number wanted (last seen + 1) to resume; absent:
        /// start at the oldest line no page has acknowledged yet.
        from_seq: Option<u64>,
        /// Count lines as acknowledged once written to the socket (for
        /// simple clients such as websocat; the page should ack itself).
        #[serde(default)]
        auto_ack: bool,
    },
    Unsubscribe {
        id: Option<String>,
        port: Option<u16>,
    },
    /// Every line up to and including `seq` has been processed.
    Ack {
        id: Option<String>,
        port: Option<u16>,
        seq: u64,
    },
    /// Connect again after `refused`, `closed` or `error`.
    Retry {
        id: Option<String>,
        port: Option<u16>,
    },
    Stats {},
}

/// Relay -> page.
#[derive(Debug, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ServerMsg {
    Welcome {
        version: u32,
        /// Changes every time the relay starts. Sequence numbers from
        /// another instance mean nothing here: subscribe without `from_seq`.
        instance: String,
        /// The `--listen` ports, so the page knows which ports it can
        /// read without the user running `nc -lk`.
        listen: Vec<u16>,
        max_line_bytes: usize,
        window_lines: usize,
    },
    Subscribed {
        id: String,
        port: u16,
        host: String,
        mode: Mode,
        /// Sequence number of the first line this subscription will get.
        first_seq: u64,
    },
    Unsubscribed {
        id: String,
    },
    Lines {
        id: String,
        port: u16,
        first_seq: u64,
        lines: Vec<String>,
    },
    Status {
        id: String,
        port: u16,
        host: String,
        mode: Mode,
        state: State,
        message: String,
        /// Listen mode: how many `nc` writers are connected now.
        #[serde(skip_serializing_if = "Option::is_none")]
        writers: Option<usize>,
    },
    Error(ErrorFrame),
    Stats {
        sources: Vec<SourceStats>,
    },
}

/// `{"op":"error",...}`. Fields that do not apply are left out.
#[derive(Debug, Default, Serialize)]
pub struct ErrorFrame {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// `line_too_long`: the refused line's length in bytes (without `\n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// `line_too_long`: the last sequence number before the skipped line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_seq: Option<u64>,
    /// `resume_gap`: the first and last sequence numbers that are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_from: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_to: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, unknown op or field, or a wrong type.
    #[default]
    BadRequest,
    LineTooLong,
    /// The resume point is older than the replay buffer.
    ResumeGap,
    /// A connect target outside loopback and `--allow-connect`.
    ConnectNotAllowed,
    /// `mode: "listen"` on a port the relay was not started with.
    NotListening,
    /// `ack`, `retry` or `unsubscribe` for an id this connection does not have.
    UnknownSubscription,
    TooManySubscriptions,
}

/// One source's counters, for `{"op":"stats"}` and `Relay::stats()`.
#[derive(Clone, Debug, Serialize)]
pub struct SourceStats {
    pub mode: Mode,
    pub host: String,
    pub port: u16,
    pub state: State,
    /// Sequence number the next line will get.
    pub next_seq: u64,
    /// Oldest sequence number still held.
    pub oldest_seq: u64,
    pub buffered_lines: usize,
    pub buffered_bytes: usize,
    /// High-water marks since start: what "flat memory" is measured by.
    pub max_buffered_lines: usize,
    pub max_buffered_bytes: usize,
    pub subscribers: usize,
    /// Times a writer had to wait because the buffer was full of lines some
    /// page has not acknowledged (TCP then pushes back on the writer).
    pub stalls: u64,
    pub lines_too_long: u64,
}
