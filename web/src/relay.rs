//! The relay client: when the page is served by `streamlab-relay`, socket
//! sources read lines from `nc -lk P` (or a `--listen` port) through the
//! relay's `/ws` (docs/relay-protocol.md).

use serde::Deserialize;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, WebSocket};
use yew::Callback;

/// What the relay told the page.
#[derive(Clone, Debug, PartialEq)]
pub enum RelayEvent {
    /// The relay answered: its `--listen` ports.
    Welcome { listen: Vec<u16>, instance: String },
    Lines {
        id: String,
        port: u16,
        first_seq: u64,
        lines: Vec<String>,
    },
    Status {
        id: String,
        port: u16,
        state: String,
        message: String,
    },
    Error {
        id: Option<String>,
        port: Option<u16>,
        code: String,
        message: String,
    },
    /// The connection ended (or never opened: no relay serves this page).
    Closed { was_open: bool },
}

#[derive(Deserialize)]
struct Frame {
    op: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    port: Option<u16>,
    #[serde(default)]
    first_seq: Option<u64>,
    #[serde(default)]
    lines: Vec<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    listen: Vec<u16>,
    #[serde(default)]
    instance: Option<String>,
}

fn parse(text: &str) -> Option<RelayEvent> {
    let f: Frame = serde_json::from_str(text).ok()?;
    let id = || {
        f.id.clone()
            .or_else(|| f.port.map(|p| p.to_string()))
            .unwrap_or_default()
    };
    Some(match f.op.as_str() {
        "welcome" => RelayEvent::Welcome {
            listen: f.listen.clone(),
            instance: f.instance.clone().unwrap_or_default(),
        },
        "lines" => RelayEvent::Lines {
            id: id(),
            port: f.port?,
            first_seq: f.first_seq.unwrap_or(1),
            lines: f.lines,
        },
        "status" => RelayEvent::Status {
            id: id(),
            port: f.port?,
            state: f.state.clone().unwrap_or_default(),
            message: f.message.clone().unwrap_or_default(),
        },
        "error" => RelayEvent::Error {
            id: f.id.clone(),
            port: f.port,
            code: f.code.clone().unwrap_or_default(),
            message: f.message.clone().unwrap_or_default(),
        },
        _ => return None,
    })
}

/// One WebSocket to the relay.
pub struct RelayClient {
    ws: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(web_sys::Event)>,
}

impl RelayClient {
    /// The relay's `/ws` for this page, if the page came over http(s).
    pub fn url() -> Option<String> {
        let loc = web_sys::window()?.location();
        let scheme = match loc.protocol().ok()?.as_str() {
            "http:" => "ws",
            "https:" => "wss",
            _ => return None,
        };
        let host = loc.host().ok()?;
        let search = loc.search().unwrap_or_default();
        let token = search
            .trim_start_matches('?')
            .split('&')
            .find_map(|kv| kv.strip_prefix("token="))
            .map(|t| format!("?token={t}"))
            .unwrap_or_default();
        Some(format!("{scheme}://{host}/ws{token}"))
    }

    pub fn connect(url: &str, events: Callback<RelayEvent>) -> Result<RelayClient, String> {
        let ws = WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
        let cb = events.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Some(text) = e.data().as_string() {
                if let Some(ev) = parse(&text) {
                    cb.emit(ev);
                }
            }
        });
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let opened = std::rc::Rc::new(std::cell::Cell::new(false));
        let o = opened.clone();
        let on_open =
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| o.set(true));
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        on_open.forget();
        let cb = events;
        let on_close = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
            cb.emit(RelayEvent::Closed {
                was_open: opened.get(),
            });
        });
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(RelayClient {
            ws,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    fn send(&self, v: serde_json::Value) {
        if self.ws.ready_state() == WebSocket::OPEN {
            let _ = self.ws.send_with_str(&v.to_string());
        }
    }

    pub fn subscribe(&self, host: &str, port: u16) {
        self.send(serde_json::json!({"op":"subscribe","id":port.to_string(),"host":host,"port":port,"mode":"auto"}));
    }

    pub fn unsubscribe(&self, port: u16) {
        self.send(serde_json::json!({"op":"unsubscribe","id":port.to_string()}));
    }

    pub fn ack(&self, id: &str, seq: u64) {
        self.send(serde_json::json!({"op":"ack","id":id,"seq":seq}));
    }

    pub fn retry(&self, port: u16) {
        self.send(serde_json::json!({"op":"retry","id":port.to_string()}));
    }
}

impl Drop for RelayClient {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(
            parse(r#"{"op":"lines","id":"q1","port":12345,"first_seq":41,"lines":["a","b"]}"#),
            Some(RelayEvent::Lines {
                id: "q1".into(),
                port: 12345,
                first_seq: 41,
                lines: vec!["a".into(), "b".into()]
            })
        );
        assert_eq!(
            parse(
                r#"{"op":"welcome","version":1,"instance":"x","listen":[9999],"max_line_bytes":1}"#
            ),
            Some(RelayEvent::Welcome {
                listen: vec![9999],
                instance: "x".into()
            })
        );
        match parse(
            r#"{"op":"status","id":"7","port":7,"host":"localhost","mode":"connect","state":"refused","message":"Run: nc -lk 7"}"#,
        ) {
            Some(RelayEvent::Status { state, message, .. }) => {
                assert_eq!(state, "refused");
                assert!(message.contains("nc -lk 7"));
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(parse("{}"), None);
        assert_eq!(parse(r#"{"op":"subscribed","id":"1","port":1}"#), None);
    }
}
