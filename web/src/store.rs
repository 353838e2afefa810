//! What survives a reload: the script, its files, the inputs sent so far,
//! kept in localStorage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use streamlab_engine::lab::Step;

const KEY: &str = "streamlab.session.v1";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Saved {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub about: String,
    #[serde(default)]
    pub query: String,
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Inputs of the current run, in order (a `start` step marks the run's
    /// start when inputs came before it).
    #[serde(default)]
    pub steps: Vec<Step>,
    /// The opened lab's sample inputs, and how many were sent.
    #[serde(default)]
    pub samples: Vec<Step>,
    #[serde(default)]
    pub sample_pos: usize,
    /// Whether a query was running when the page went away.
    #[serde(default)]
    pub running: bool,
    /// The `#...` the session was opened from: a reload with the same
    /// fragment restores this session instead of opening the link again.
    #[serde(default)]
    pub opened_hash: String,
    /// Inputs typed while no query ran: they arrive when the next run starts.
    #[serde(default)]
    pub pending: Vec<Step>,
    /// Lines typed into each port's input and not sent yet.
    #[serde(default)]
    pub drafts: BTreeMap<u16, String>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load() -> Option<Saved> {
    let text = storage()?.get_item(KEY).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn save(s: &Saved) {
    if let (Some(st), Ok(text)) = (storage(), serde_json::to_string(s)) {
        // Quota errors lose the save, never the page.
        let _ = st.set_item(KEY, &text);
    }
}
