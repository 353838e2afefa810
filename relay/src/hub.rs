//! Sources and their line logs: where TCP lines wait for the pages.
//!
//! Each source (a `--listen` port, or a `host:port` the relay connects to)
//! keeps one bounded log of numbered lines shared by all its subscribers,
//! each with its own cursor. A line leaves the log only once every attached
//! subscriber has acknowledged it *and* the space is needed; until then the
//! writer waits, which stops us reading the TCP socket, which makes TCP push
//! back on `nc`. So memory stays within `buffer_lines`/`buffer_bytes` per
//! source and no line is dropped, however fast the writer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use crate::config::{Config, Limits};
use crate::lines::{LineSplitter, Piece};
use crate::protocol::{ErrorCode, ErrorFrame, Mode, SourceStats, State};
use crate::tcp_connect;

/// Which source: `Listen` keys use the bound address as host.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceKey {
    pub mode: Mode,
    pub host: String,
    pub port: u16,
}

/// Events that are ordered among the lines: each is delivered after the
/// line numbered `after_seq` (0: before any line).
#[derive(Clone, Debug)]
enum Event {
    Status {
        state: State,
        message: String,
        writers: Option<usize>,
        after_seq: u64,
    },
    TooLong {
        len: u64,
        after_seq: u64,
    },
}

impl Event {
    fn after_seq(&self) -> u64 {
        match self {
            Event::Status { after_seq, .. } | Event::TooLong { after_seq, .. } => *after_seq,
        }
    }
}

/// Recent events kept for subscribers that are behind.
const EVENT_RING: usize = 64;

/// What a subscriber should send next, in order.
#[derive(Debug)]
pub enum Item {
    Status {
        state: State,
        message: String,
        writers: Option<usize>,
    },
    TooLong {
        len: u64,
        after_seq: u64,
    },
    /// Lines `from..=to` were evicted before this subscriber got them.
    Gap {
        from: u64,
        to: u64,
    },
    Lines {
        first_seq: u64,
        lines: Vec<String>,
    },
}

struct Sub {
    /// Next sequence number to send.
    next_send: u64,
    /// Lowest sequence number not acknowledged yet.
    next_ack: u64,
    /// Next event index (absolute) to send.
    next_event: u64,
    /// Tell the subscriber's session there is something to pull.
    waker: Arc<Notify>,
    /// The current status has not been sent yet.
    status_due: bool,
}

struct Inner {
    lines: VecDeque<String>,
    /// Sequence number of `lines[0]`; numbers start at 1.
    base: u64,
    bytes: usize,
    /// Lines below `floor` were acknowledged by every attached subscriber
    /// (or, with none attached, by the last ones) and may be evicted.
    floor: u64,
    subs: HashMap<u64, Sub>,
    next_sub_id: u64,
    events: VecDeque<Event>,
    events_base: u64,
    state: State,
    message: String,
    writers: Option<usize>,
    /// Bumped on every attach, so a linger timer can tell it is stale.
    epoch: u64,
    /// The connect task, aborted when the source is dropped.
    producer: Option<AbortHandle>,
    /// A connect task is running (connecting or connected).
    connect_active: bool,
    max_lines: usize,
    max_bytes: usize,
    stalls: u64,
    too_long: u64,
}

impl Inner {
    fn next_seq(&self) -> u64 {
        self.base + self.lines.len() as u64
    }

    fn recompute_floor(&mut self) {
        if let Some(min) = self.subs.values().map(|s| s.next_ack).min() {
            self.floor = min.max(self.base);
        }
    }

    /// Append if the line fits, evicting acknowledged lines as needed.
    fn try_append(&mut self, line: &mut Option<String>, limits: &Limits) -> bool {
        let len = line.as_ref().map_or(0, |l| l.len());
        loop {
            let fits =
                self.lines.len() < limits.buffer_lines && self.bytes + len <= limits.buffer_bytes;
            if fits || self.lines.is_empty() {
                self.lines.push_back(line.take().unwrap_or_default());
                self.bytes += len;
                self.max_lines = self.max_lines.max(self.lines.len());
                self.max_bytes = self.max_bytes.max(self.bytes);
                return true;
            }
            if self.base >= self.floor {
                return false;
            }
            let old = self.lines.pop_front().unwrap_or_default();
            self.bytes -= old.len();
            self.base += 1;
        }
    }

    fn push_event(&mut self, ev: Event) {
        self.events.push_back(ev);
        if self.events.len() > EVENT_RING {
            self.events.pop_front();
            self.events_base += 1;
        }
    }

    fn wake_all(&self) {
        for s in self.subs.values() {
            s.waker.notify_one();
        }
    }
}

pub struct Source {
    pub key: SourceKey,
    limits: Limits,
    inner: Mutex<Inner>,
    /// Writers wait here for room in the log.
    space: Notify,
}

impl Source {
    pub fn new(key: SourceKey, limits: Limits, state: State, message: String) -> Self {
        let writers = (key.mode == Mode::Listen).then_some(0);
        Source {
            key,
            limits,
            space: Notify::new(),
            inner: Mutex::new(Inner {
                lines: VecDeque::new(),
                base: 1,
                bytes: 0,
                floor: 1,
                subs: HashMap::new(),
                next_sub_id: 0,
                events: VecDeque::new(),
                events_base: 0,
                state,
                message,
                writers,
                epoch: 0,
                producer: None,
                connect_active: false,
                max_lines: 0,
                max_bytes: 0,
                stalls: 0,
                too_long: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere must not take every page down with it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Add a subscriber starting at `from_seq` (default: the oldest line not
    /// yet acknowledged). Returns its id and the first sequence number.
    pub fn attach(&self, from_seq: Option<u64>, waker: Arc<Notify>) -> (u64, u64) {
        let mut g = self.lock();
        let next = g.next_seq();
        let start = from_seq.unwrap_or(g.floor).clamp(1, next);
        let id = g.next_sub_id;
        g.next_sub_id += 1;
        g.epoch += 1;
        let next_event = g.events_base + g.events.len() as u64;
        let next_ack = start.max(g.base);
        g.subs.insert(
            id,
            Sub {
                next_send: start,
                next_ack,
                next_event,
                waker: waker.clone(),
                status_due: true,
            },
        );
        g.recompute_floor();
        waker.notify_one();
        (id, start)
    }

    /// Remove a subscriber; returns how many are left.
    pub fn detach(&self, id: u64) -> usize {
        let mut g = self.lock();
        g.subs.remove(&id);
        g.recompute_floor();
        let left = g.subs.len();
        drop(g);
        self.space.notify_waiters();
        left
    }

    /// Lines up to and including `seq` are done with. Acks beyond what was
    /// sent, or going backwards, are clamped.
    pub fn ack(&self, id: u64, seq: u64) {
        let mut g = self.lock();
        let Some(sub) = g.subs.get_mut(&id) else {
            return;
        };
        let new = seq.saturating_add(1).min(sub.next_send);
        if new <= sub.next_ack {
            return;
        }
        sub.next_ack = new;
        sub.waker.notify_one(); // the window may have opened
        let before = g.floor;
        g.recompute_floor();
        let advanced = g.floor > before;
        drop(g);
        if advanced {
            self.space.notify_waiters();
        }
    }

    /// The next things to send to subscriber `id`: due events, then at most
    /// one batch of lines within its window. Empty when there is nothing.
    pub fn pull(&self, id: u64) -> Vec<Item> {
        let limits = self.limits;
        let mut g = self.lock();
        let g = &mut *g;
        let next = g.next_seq();
        let events_end = g.events_base + g.events.len() as u64;
        let Some(sub) = g.subs.get_mut(&id) else {
            return Vec::new();
        };
        let mut items = Vec::new();

        if sub.status_due {
            sub.status_due = false;
            items.push(Item::Status {
                state: g.state,
                message: g.message.clone(),
                writers: g.writers,
            });
        }
        if sub.next_send < g.base {
            items.push(Item::Gap {
                from: sub.next_send,
                to: g.base - 1,
            });
            sub.next_send = g.base;
            sub.next_ack = sub.next_ack.max(g.base);
        }
        sub.next_event = sub.next_event.max(g.events_base);
        // Events are due once every line before them has been sent.
        let mut stop_at = next;
        while sub.next_event < events_end {
            let ev = &g.events[(sub.next_event - g.events_base) as usize];
            if ev.after_seq() >= sub.next_send {
                stop_at = ev.after_seq() + 1;
                break;
            }
            items.push(match ev.clone() {
                Event::Status {
                    state,
                    message,
                    writers,
                    ..
                } => Item::Status {
                    state,
                    message,
                    writers,
                },
                Event::TooLong { len, after_seq } => Item::TooLong { len, after_seq },
            });
            sub.next_event += 1;
        }

        let in_flight = sub.next_send - sub.next_ack;
        let room = (limits.window_lines as u64).saturating_sub(in_flight);
        let n = (stop_at.min(next) - sub.next_send)
            .min(room)
            .min(limits.batch_lines as u64);
        if n > 0 {
            let start = (sub.next_send - g.base) as usize;
            let mut lines = Vec::new();
            let mut bytes = 0;
            for line in g.lines.range(start..start + n as usize) {
                if !lines.is_empty() && bytes + line.len() > limits.batch_bytes {
                    break;
                }
                bytes += line.len();
                lines.push(line.clone());
            }
            let first_seq = sub.next_send;
            sub.next_send += lines.len() as u64;
            items.push(Item::Lines { first_seq, lines });
        }
        items
    }

    /// Append what a TCP reader produced, waiting (and so not reading more)
    /// while the log is full of unacknowledged lines.
    pub async fn push(&self, pieces: &mut Vec<Piece>) {
        let mut pieces = pieces.drain(..).peekable();
        while pieces.peek().is_some() {
            let notified = self.space.notified();
            tokio::pin!(notified);
            // Register before checking, so an ack in between is not missed.
            notified.as_mut().enable();
            let blocked = {
                let mut g = self.lock();
                let mut blocked = false;
                while let Some(piece) = pieces.peek_mut() {
                    match piece {
                        Piece::Line(line) => {
                            let mut slot = Some(std::mem::take(line));
                            if !g.try_append(&mut slot, &self.limits) {
                                *line = slot.unwrap_or_default();
                                blocked = true;
                                g.stalls += 1;
                                break;
                            }
                        }
                        Piece::TooLong { len } => {
                            let (len, after_seq) = (*len, g.next_seq() - 1);
                            g.too_long += 1;
                            g.push_event(Event::TooLong { len, after_seq });
                        }
                    }
                    pieces.next();
                }
                g.wake_all();
                blocked
            };
            if blocked {
                notified.await;
            }
        }
    }

    /// Read `reader` to its end into this source.
    pub async fn read_from<R: AsyncRead + Unpin>(&self, mut reader: R) -> std::io::Result<()> {
        let mut splitter = LineSplitter::new(self.limits.max_line_bytes);
        let mut buf = vec![0u8; 64 << 10];
        let mut pieces = Vec::new();
        loop {
            let n = reader.read(&mut buf).await?;
            if n == 0 {
                splitter.finish(&mut pieces);
                self.push(&mut pieces).await;
                return Ok(());
            }
            splitter.feed(&buf[..n], &mut pieces);
            self.push(&mut pieces).await;
        }
    }

    /// Record a new state; subscribers get it after the lines already read.
    pub fn set_status(&self, state: State, message: String) {
        let mut g = self.lock();
        g.state = state;
        g.message = message.clone();
        let after_seq = g.next_seq() - 1;
        let writers = g.writers;
        g.push_event(Event::Status {
            state,
            message,
            writers,
            after_seq,
        });
        g.wake_all();
    }

    /// Listen mode: one more (`+1`) or one fewer (`-1`) `nc` connected.
    pub fn add_writer(&self, delta: isize) -> usize {
        let mut g = self.lock();
        let n = g.writers.unwrap_or(0).saturating_add_signed(delta);
        g.writers = Some(n);
        n
    }

    pub fn state(&self) -> State {
        self.lock().state
    }

    /// Connect mode: claim the right to start a connection. True when the
    /// caller should start one (nothing is connected or connecting).
    pub fn begin_connect(&self, message: String) -> bool {
        let mut g = self.lock();
        if g.connect_active {
            return false;
        }
        g.connect_active = true;
        g.state = State::Connecting;
        g.message = message.clone();
        let after_seq = g.next_seq() - 1;
        g.push_event(Event::Status {
            state: State::Connecting,
            message,
            writers: None,
            after_seq,
        });
        g.wake_all();
        true
    }

    /// Connect mode: the connection is over (refused, closed, failed).
    pub fn end_connect(&self, state: State, message: String) {
        self.set_status(state, message);
        self.lock().connect_active = false;
    }

    /// Mark the source as in use, so a pending linger timer leaves it be.
    pub fn touch(&self) {
        self.lock().epoch += 1;
    }

    pub fn set_producer(&self, handle: AbortHandle) {
        if let Some(old) = self.lock().producer.replace(handle) {
            old.abort();
        }
    }

    pub fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    pub fn subscribers(&self) -> usize {
        self.lock().subs.len()
    }

    /// Stop reading (connect mode) when the source is dropped.
    pub fn shut(&self) {
        if let Some(p) = self.lock().producer.take() {
            p.abort();
        }
    }

    pub fn stats(&self) -> SourceStats {
        let g = self.lock();
        SourceStats {
            mode: self.key.mode,
            host: self.key.host.clone(),
            port: self.key.port,
            state: g.state,
            next_seq: g.next_seq(),
            oldest_seq: g.base,
            buffered_lines: g.lines.len(),
            buffered_bytes: g.bytes,
            max_buffered_lines: g.max_lines,
            max_buffered_bytes: g.max_bytes,
            subscribers: g.subs.len(),
            stalls: g.stalls,
            lines_too_long: g.too_long,
        }
    }
}

/// All sources of one relay.
pub struct Hub {
    pub config: Arc<Config>,
    /// Tells this run of the relay from earlier ones (see `welcome`).
    pub instance: String,
    sources: Mutex<HashMap<SourceKey, Arc<Source>>>,
    /// Actual `--listen` ports (after binding port 0).
    listen_ports: Mutex<Vec<u16>>,
}

impl Hub {
    pub fn new(config: Arc<Config>) -> Arc<Self> {
        // Start time and pid: unique enough to tell restarts apart.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let instance = format!("{:x}", nanos ^ (u64::from(std::process::id()) << 48));
        Arc::new(Hub {
            config,
            instance,
            sources: Mutex::new(HashMap::new()),
            listen_ports: Mutex::new(Vec::new()),
        })
    }

    fn sources(&self) -> MutexGuard<'_, HashMap<SourceKey, Arc<Source>>> {
        self.sources.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn listen_ports(&self) -> Vec<u16> {
        self.listen_ports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Register a bound `--listen` port.
    pub fn add_listen(&self, port: u16) -> Arc<Source> {
        let key = SourceKey {
            mode: Mode::Listen,
            host: self.config.bind.to_string(),
            port,
        };
        let message = format!(
            "Listening on port {port}. Feed it with: nc localhost {port}   (or: tail -f app.log | nc localhost {port})"
        );
        let source = Arc::new(Source::new(
            key.clone(),
            self.config.limits,
            State::Listening,
            message,
        ));
        self.sources().insert(key, source.clone());
        self.listen_ports
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(port);
        source
    }

    /// Which source a subscription means, or why it may not have it.
    pub fn resolve(
        &self,
        host: Option<&str>,
        port: u16,
        mode: Mode,
    ) -> Result<SourceKey, ErrorFrame> {
        let host = host.unwrap_or("localhost").trim().to_ascii_lowercase();
        let listening = self.listen_ports().contains(&port);
        let local = crate::config::is_loopback_host(&host);
        let mode = match mode {
            Mode::Auto if listening && local => Mode::Listen,
            Mode::Auto => Mode::Connect,
            m => m,
        };
        match mode {
            Mode::Listen if !listening => Err(ErrorFrame {
                code: ErrorCode::NotListening,
                message: format!(
                    "The relay is not listening on port {port}. Restart it with --listen {port}, \
                     or run nc -lk {port} and subscribe with mode \"connect\"."
                ),
                port: Some(port),
                ..Default::default()
            }),
            Mode::Listen => Ok(SourceKey { mode, host: self.config.bind.to_string(), port }),
            _ if !self.config.connect_allowed(&host, port) => Err(ErrorFrame {
                code: ErrorCode::ConnectNotAllowed,
                message: format!(
                    "The relay only connects to this machine (localhost, 127.0.0.0/8, ::1), not to {host}:{port}. \
                     To allow it, restart the relay with --allow-connect {host}:{port}"
                ),
                port: Some(port),
                ..Default::default()
            }),
            _ => Ok(SourceKey { mode: Mode::Connect, host, port }),
        }
    }

    /// The source for `key`, created (and for connect mode, connected) as
    /// needed. A connect source that is not connected tries again.
    pub fn open(self: &Arc<Self>, key: &SourceKey) -> Arc<Source> {
        let source = {
            let mut map = self.sources();
            let source = map
                .entry(key.clone())
                .or_insert_with(|| {
                    let msg = format!("Connecting to {}:{}…", key.host, key.port);
                    Arc::new(Source::new(
                        key.clone(),
                        self.config.limits,
                        State::Connecting,
                        msg,
                    ))
                })
                .clone();
            // Under the map lock, so a linger timer cannot drop it now.
            source.touch();
            source
        };
        if key.mode == Mode::Connect {
            self.connect(&source);
        }
        source
    }

    /// Start a connection unless one is up or on its way.
    pub fn connect(&self, source: &Arc<Source>) {
        let (host, port) = (source.key.host.clone(), source.key.port);
        if source.begin_connect(format!("Connecting to {host}:{port}…")) {
            let task = tokio::spawn(tcp_connect::run(source.clone()));
            source.set_producer(task.abort_handle());
        }
    }

    /// A subscriber left. A connect source nobody reads is closed after
    /// `linger`, long enough for a reloading page to come back to it.
    pub fn release(self: &Arc<Self>, source: &Arc<Source>) {
        if source.key.mode != Mode::Connect || source.subscribers() > 0 {
            return;
        }
        let epoch = source.epoch();
        let (hub, source) = (self.clone(), source.clone());
        tokio::spawn(async move {
            tokio::time::sleep(hub.config.linger).await;
            let mut map = hub.sources();
            if source.subscribers() == 0 && source.epoch() == epoch {
                if map
                    .get(&source.key)
                    .is_some_and(|s| Arc::ptr_eq(s, &source))
                {
                    map.remove(&source.key);
                }
                source.shut();
            }
        });
    }

    pub fn stats(&self) -> Vec<SourceStats> {
        let mut v: Vec<_> = self.sources().values().map(|s| s.stats()).collect();
        v.sort_by(|a, b| (a.port, &a.host).cmp(&(b.port, &b.host)));
        v
    }

    /// Stop every connect task (on shutdown).
    pub fn shut(&self) {
        for s in self.sources().values() {
            s.shut();
        }
    }
}
