//! One WebSocket client (one page): its subscriptions, the frames it sends
//! us, and the lines we send it.
//!
//! Reading and writing run side by side, so acks keep flowing in while a
//! large batch is going out. The writer only sends a subscription's lines
//! within its unacknowledged window; the rest wait in the source's log.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::hub::{Hub, Item, Source};
use crate::protocol::{ClientMsg, ErrorCode, ErrorFrame, Mode, ServerMsg, PROTOCOL_VERSION};

/// More than any page needs; bounds what one client can make us hold.
const MAX_SUBSCRIPTIONS: usize = 64;

/// One subscription of this page to a source.
struct Sub {
    id: String,
    host: String,
    port: u16,
    mode: Mode,
    source: Arc<Source>,
    sub_id: u64,
    first_seq: u64,
    auto_ack: bool,
    /// `subscribed` has been sent (it must precede the first lines).
    announced: AtomicBool,
}

#[derive(Default)]
struct Subs(Mutex<HashMap<String, Arc<Sub>>>);

impl Subs {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Sub>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub async fn run<S>(ws: WebSocketStream<S>, hub: Arc<Hub>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (sink, stream) = ws.split();
    let subs = Arc::new(Subs::default());
    let wake = Arc::new(Notify::new());
    let (ctrl_tx, ctrl_rx) = mpsc::channel(16);
    let welcome = ServerMsg::Welcome {
        version: PROTOCOL_VERSION,
        instance: hub.instance.clone(),
        listen: hub.listen_ports(),
        max_line_bytes: hub.config.limits.max_line_bytes,
        window_lines: hub.config.limits.window_lines,
    };
    let _ = ctrl_tx.send(welcome).await;
    let reader = Reader {
        hub: hub.clone(),
        subs: subs.clone(),
        wake: wake.clone(),
        ctrl: ctrl_tx,
    };
    tokio::select! {
        _ = reader.run(stream) => {}
        _ = write_loop(sink, &subs, &wake, ctrl_rx, &hub) => {}
    }
    // The page is gone: let its sources move on without it.
    let all: Vec<_> = subs.lock().drain().map(|(_, s)| s).collect();
    for s in all {
        s.source.detach(s.sub_id);
        hub.release(&s.source);
    }
}

struct Reader {
    hub: Arc<Hub>,
    subs: Arc<Subs>,
    wake: Arc<Notify>,
    ctrl: mpsc::Sender<ServerMsg>,
}

impl Reader {
    async fn run<St>(&self, mut stream: St)
    where
        St: futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + Unpin,
    {
        while let Some(msg) = stream.next().await {
            match msg {
                Ok(Message::Text(text)) => self.handle(text.as_str()).await,
                Ok(Message::Binary(_)) => {
                    self.error(
                        ErrorCode::BadRequest,
                        "Frames are JSON text, not binary.".into(),
                        None,
                    )
                    .await
                }
                Ok(Message::Close(_)) | Err(_) => return,
                Ok(_) => {} // ping/pong are answered by tungstenite
            }
        }
    }

    async fn error(&self, code: ErrorCode, message: String, id: Option<String>) {
        let _ = self
            .ctrl
            .send(ServerMsg::Error(ErrorFrame {
                code,
                message,
                id,
                ..Default::default()
            }))
            .await;
    }

    async fn handle(&self, text: &str) {
        let msg: ClientMsg = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => {
                return self
                    .error(
                        ErrorCode::BadRequest,
                        format!("Could not read that frame: {e}"),
                        None,
                    )
                    .await
            }
        };
        match msg {
            ClientMsg::Subscribe {
                id,
                host,
                port,
                mode,
                from_seq,
                auto_ack,
            } => {
                let id = id.unwrap_or_else(|| port.to_string());
                self.subscribe(
                    id,
                    host,
                    port,
                    mode.unwrap_or(Mode::Auto),
                    from_seq,
                    auto_ack,
                )
                .await;
            }
            ClientMsg::Unsubscribe { id, port } => {
                let Some(sub) = self.find(id, port).await else {
                    return;
                };
                self.subs.lock().remove(&sub.id);
                sub.source.detach(sub.sub_id);
                self.hub.release(&sub.source);
                let _ = self
                    .ctrl
                    .send(ServerMsg::Unsubscribed { id: sub.id.clone() })
                    .await;
            }
            ClientMsg::Ack { id, port, seq } => {
                let Some(sub) = self.find(id, port).await else {
                    return;
                };
                sub.source.ack(sub.sub_id, seq);
            }
            ClientMsg::Retry { id, port } => {
                let Some(sub) = self.find(id, port).await else {
                    return;
                };
                if sub.mode == Mode::Connect {
                    self.hub.connect(&sub.source);
                }
            }
            ClientMsg::Stats {} => {
                let _ = self
                    .ctrl
                    .send(ServerMsg::Stats {
                        sources: self.hub.stats(),
                    })
                    .await;
            }
        }
    }

    async fn subscribe(
        &self,
        id: String,
        host: Option<String>,
        port: u16,
        mode: Mode,
        from_seq: Option<u64>,
        auto_ack: bool,
    ) {
        let key = match self.hub.resolve(host.as_deref(), port, mode) {
            Ok(k) => k,
            Err(mut e) => {
                e.id = Some(id);
                let _ = self.ctrl.send(ServerMsg::Error(e)).await;
                return;
            }
        };
        // Subscribing again under the same id replaces the old subscription.
        let old = self.subs.lock().remove(&id);
        if let Some(old) = old {
            old.source.detach(old.sub_id);
            self.hub.release(&old.source);
        }
        if self.subs.lock().len() >= MAX_SUBSCRIPTIONS {
            let msg = format!("At most {MAX_SUBSCRIPTIONS} subscriptions per connection.");
            return self
                .error(ErrorCode::TooManySubscriptions, msg, Some(id))
                .await;
        }
        let source = self.hub.open(&key);
        let (sub_id, first_seq) = source.attach(from_seq, self.wake.clone());
        let sub = Sub {
            id: id.clone(),
            host: host.unwrap_or_else(|| "localhost".into()),
            port,
            mode: key.mode,
            source,
            sub_id,
            first_seq,
            auto_ack,
            announced: AtomicBool::new(false),
        };
        self.subs.lock().insert(id, Arc::new(sub));
        self.wake.notify_one();
    }

    /// The subscription an ack/retry/unsubscribe names, by id or port.
    async fn find(&self, id: Option<String>, port: Option<u16>) -> Option<Arc<Sub>> {
        let Some(id) = id.or(port.map(|p| p.to_string())) else {
            self.error(
                ErrorCode::BadRequest,
                "Name the subscription with \"id\" (or \"port\").".into(),
                None,
            )
            .await;
            return None;
        };
        let found = self.subs.lock().get(&id).cloned();
        if found.is_none() {
            let msg = format!("No subscription {id:?} on this connection.");
            self.error(ErrorCode::UnknownSubscription, msg, Some(id))
                .await;
        }
        found
    }
}

/// Send control frames and, round-robin, each subscription's next items.
async fn write_loop<Si>(
    mut sink: Si,
    subs: &Subs,
    wake: &Notify,
    mut ctrl: mpsc::Receiver<ServerMsg>,
    hub: &Hub,
) where
    Si: futures_util::Sink<Message> + Unpin,
{
    loop {
        while let Ok(m) = ctrl.try_recv() {
            if send(&mut sink, &m).await.is_err() {
                return;
            }
        }
        let round: Vec<Arc<Sub>> = subs.lock().values().cloned().collect();
        let mut sent_any = false;
        for sub in round {
            if !sub.announced.swap(true, Ordering::AcqRel) {
                let m = ServerMsg::Subscribed {
                    id: sub.id.clone(),
                    port: sub.port,
                    host: sub.host.clone(),
                    mode: sub.mode,
                    first_seq: sub.first_seq,
                };
                if send(&mut sink, &m).await.is_err() {
                    return;
                }
            }
            for item in sub.source.pull(sub.sub_id) {
                sent_any = true;
                let last_seq = match &item {
                    Item::Lines { first_seq, lines } => Some(first_seq + lines.len() as u64 - 1),
                    _ => None,
                };
                if send(&mut sink, &frame(&sub, item, hub)).await.is_err() {
                    return;
                }
                if let (true, Some(seq)) = (sub.auto_ack, last_seq) {
                    sub.source.ack(sub.sub_id, seq);
                }
            }
        }
        if !sent_any {
            tokio::select! {
                m = ctrl.recv() => match m {
                    Some(m) => if send(&mut sink, &m).await.is_err() { return },
                    None => return,
                },
                _ = wake.notified() => {}
            }
        }
    }
}

async fn send<Si: futures_util::Sink<Message> + Unpin>(
    sink: &mut Si,
    m: &ServerMsg,
) -> Result<(), ()> {
    let text = serde_json::to_string(m).map_err(|_| ())?;
    sink.send(Message::text(text)).await.map_err(|_| ())
}

fn frame(sub: &Sub, item: Item, hub: &Hub) -> ServerMsg {
    let (id, port) = (sub.id.clone(), sub.port);
    match item {
        Item::Lines { first_seq, lines } => ServerMsg::Lines { id, port, first_seq, lines },
        Item::Status { state, message, writers } => {
            ServerMsg::Status { id, port, host: sub.host.clone(), mode: sub.mode, state, message, writers }
        }
        Item::TooLong { len, after_seq } => {
            let max = hub.config.limits.max_line_bytes;
            ServerMsg::Error(ErrorFrame {
                code: ErrorCode::LineTooLong,
                message: format!(
                    "A line of {len} bytes on port {port} is longer than the limit of {max} bytes, so it was skipped. \
                     Start the relay with a larger --max-line-bytes to accept it."
                ),
                id: Some(id),
                port: Some(port),
                length: Some(len),
                after_seq: Some(after_seq),
                ..Default::default()
            })
        }
        Item::Gap { from, to } => ServerMsg::Error(ErrorFrame {
            code: ErrorCode::ResumeGap,
            message: format!(
                "Lines {from} to {to} on port {port} are no longer held by the relay (it keeps at most {} lines \
                 per source); continuing from line {}.",
                hub.config.limits.buffer_lines,
                to + 1
            ),
            id: Some(id),
            port: Some(port),
            missing_from: Some(from),
            missing_to: Some(to),
            ..Default::default()
        }),
    }
}
