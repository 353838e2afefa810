//! The page: the editor on the left, an input per socket port and the
//! batches on the right, the labs gallery, lab links, the relay.

use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use streamlab_engine::lab::{Lab, Step};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

use crate::highlight;
use crate::labs;
use crate::link::{self, Target};
use crate::relay::{RelayClient, RelayEvent};
use crate::session::{self, BatchView, ErrorView, Input, Phase, Run};
use crate::store::{self, Saved};

const TAB: usize = 4;
const HISTORY: usize = 200;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn perf_now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(now_ms)
}

fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn set_hash_quietly(hash: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let loc = w.location();
            let base = format!(
                "{}{}",
                loc.pathname().unwrap_or_default(),
                loc.search().unwrap_or_default()
            );
            let url = if hash.is_empty() {
                base
            } else {
                format!("{base}{hash}")
            };
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Batches,
    Console,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
}

#[derive(Clone, PartialEq)]
enum RelayConn {
    /// Not served over http(s): typed inputs only.
    Off,
    Probing,
    Up {
        listen: Vec<u16>,
    },
    /// It was there and went away; reconnecting.
    Down,
}

#[derive(Clone, PartialEq)]
struct SourceState {
    state: String,
    message: String,
}

#[derive(Clone, PartialEq)]
enum Origin {
    Typed,
    Relay,
    Sample,
}

pub enum Msg {
    EditScript(String),
    EditorKey(KeyboardEvent),
    Run,
    Stop,
    PlaySamples,
    NextSample,
    Pump,
    PlayStep,
    Draft(u16, String),
    Send(u16, Vec<String>, bool),
    Relay(RelayEvent),
    RelayRetry(u16),
    RelayReconnect,
    HashChanged,
    Open(String, bool),
    Gallery(bool),
    Share,
    CloseShare,
    CopyShare,
    SetTab(Tab),
    EditFile(String, String),
    RemoveFile(String),
    NewFilePath(String),
    NewFileText(String),
    AddFile,
    DismissBanner,
    OutputScrolled,
    /// A render held back while batches came fast.
    Render,
    /// Write the session to localStorage if it changed.
    SaveNow,
}

pub struct App {
    name: String,
    about: String,
    script: String,
    files: BTreeMap<String, String>,
    timezone: Option<String>,
    samples: Vec<Step>,
    sample_pos: usize,
    /// Inputs typed while no query ran.
    pending: Vec<Step>,
    run: Option<Run>,
    runs: u64,
    play_state: &'static str,
    pump_timer: Option<Timeout>,
    wake_timer: Option<Timeout>,
    play_timer: Option<Timeout>,
    drafts: BTreeMap<u16, String>,
    history: BTreeMap<u16, VecDeque<(String, Origin)>>,
    relay: Option<RelayClient>,
    relay_conn: RelayConn,
    relay_timer: Option<Timeout>,
    /// Highest sequence number acknowledged to the relay (tests read it).
    acked: u64,
    sources: BTreeMap<u16, SourceState>,
    subscribed: Vec<u16>,
    tab: Tab,
    banner: Option<(Level, String)>,
    share: Option<String>,
    gallery: bool,
    new_file_path: String,
    new_file_text: String,
    opened_hash: String,
    output_ref: NodeRef,
    stick: Rc<Cell<bool>>,
    last_batch_seen: u64,
    /// When the page last rendered (performance.now()), to render at most
    /// ~10 times a second while batches arrive fast.
    last_render: f64,
    render_timer: Option<Timeout>,
    dirty: bool,
    _save_timer: Option<gloo_timers::callback::Interval>,
    _pagehide: Option<Closure<dyn FnMut(web_sys::Event)>>,
    _hash_listener: Option<Closure<dyn FnMut(web_sys::Event)>>,
}

impl App {
    fn lab(&self) -> Lab {
        Lab {
            name: self.name.clone(),
            about: self.about.clone(),
            query: self.script.clone(),
            files: self.files.clone(),
            steps: Vec::new(),
            timezone: self.timezone.clone(),
            ordered: false,
            expect: None,
        }
    }

    fn phase(&self) -> Phase {
        self.run.as_ref().map(|r| r.phase).unwrap_or(Phase::Idle)
    }

    fn running(&self) -> bool {
        self.phase() == Phase::Running
    }

    fn playing(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.is_playing())
    }

    fn save_now(&self) {
        let (steps, running) = match &self.run {
            Some(r) => (r.recorded.clone(), r.phase == Phase::Running),
            None => (Vec::new(), false),
        };
        store::save(&Saved {
            name: self.name.clone(),
            about: self.about.clone(),
            query: self.script.clone(),
            files: self.files.clone(),
            timezone: self.timezone.clone(),
            steps,
            samples: self.samples.clone(),
            sample_pos: self.sample_pos,
            running,
            opened_hash: self.opened_hash.clone(),
            pending: self.pending.clone(),
            drafts: self.drafts.clone(),
        });
    }

    /// Saves now (user actions: cheap, and must survive a reload at once).
    fn save(&mut self) {
        self.dirty = false;
        self.save_now();
    }

    /// Saves within a second: one write to localStorage however many
    /// batches come in between (a flood must not write on every batch).
    fn save_later(&mut self) {
        self.dirty = true;
    }

    /// The session no longer is the lab its address names: drop the `#...`
    /// so that a reload restores the session instead of reopening the link.
    fn detach_hash(&mut self) {
        if !self.opened_hash.is_empty() {
            self.opened_hash.clear();
            set_hash_quietly("");
        }
    }

    fn clear_timers(&mut self) {
        self.pump_timer = None;
        self.wake_timer = None;
        self.play_timer = None;
    }

    fn unsubscribe_all(&mut self) {
        if let Some(c) = &self.relay {
            for p in &self.subscribed {
                c.unsubscribe(*p);
            }
        }
        self.subscribed.clear();
        self.sources.clear();
    }

    fn subscribe_sources(&mut self) {
        if !matches!(self.relay_conn, RelayConn::Up { .. }) || !self.running() || self.playing() {
            return;
        }
        let sources = self.run.as_ref().map(|r| r.sources()).unwrap_or_default();
        if let Some(c) = &self.relay {
            for (host, port) in sources {
                if !self.subscribed.contains(&port) {
                    c.subscribe(&host, port);
                    self.subscribed.push(port);
                }
            }
        }
    }

    /// Loads a lab into the editor (and replays it when `play`).
    fn open_lab(&mut self, ctx: &Context<Self>, lab: &Lab, play: bool) {
        self.stop_run();
        self.run = None;
        self.name = lab.name.clone();
        self.about = lab.about.clone();
        self.script = lab.query.clone();
        self.files = lab.files.clone();
        self.timezone = lab.timezone.clone();
        self.samples = lab.steps.clone();
        self.sample_pos = 0;
        self.pending.clear();
        self.drafts.clear();
        self.history.clear();
        self.share = None;
        self.gallery = false;
        self.play_state = "idle";
        if play {
            self.start_play(ctx, self.samples.clone());
            self.sample_pos = self.samples.len();
        }
        self.save();
    }

    fn stop_run(&mut self) {
        self.clear_timers();
        self.unsubscribe_all();
        if let Some(r) = &mut self.run {
            r.stop();
        }
    }

    fn start_play(&mut self, ctx: &Context<Self>, steps: Vec<Step>) {
        self.stop_run();
        self.runs += 1;
        self.play_state = "playing";
        self.last_batch_seen = 0;
        self.stick.set(true);
        let mut lab = self.lab();
        lab.steps = steps;
        self.history.clear();
        for step in &lab.steps {
            for (port, lines) in &step.lines {
                if let Some(p) = session::port_of(port) {
                    self.echo(p, lines, Origin::Sample);
                }
            }
        }
        let run = Run::start_play(&lab, &perf_now);
        let more = run.is_playing();
        self.run = Some(run);
        if more {
            self.schedule_play(ctx);
        } else {
            self.play_done(ctx);
        }
    }

    fn schedule_play(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.play_timer = Some(Timeout::new(0, move || link.send_message(Msg::PlayStep)));
    }

    fn play_done(&mut self, ctx: &Context<Self>) {
        self.play_state = "done";
        self.play_timer = None;
        if self.running() {
            self.subscribe_sources();
            self.schedule_wake(ctx);
        }
        self.save();
    }

    fn start_live(&mut self, ctx: &Context<Self>) {
        self.stop_run();
        self.runs += 1;
        self.play_state = "idle";
        self.last_batch_seen = 0;
        self.stick.set(true);
        let pre = std::mem::take(&mut self.pending);
        // The inputs show this run's lines: those typed before it, then new ones.
        self.history.clear();
        for step in &pre {
            for (port, lines) in &step.lines {
                if let Some(p) = session::port_of(port) {
                    self.echo(p, lines, Origin::Typed);
                }
            }
        }
        let run = Run::start_live(&self.lab(), pre, now_ms() as i64);
        self.run = Some(run);
        self.subscribe_sources();
        self.schedule_pump(ctx);
        self.save();
    }

    fn schedule_pump(&mut self, ctx: &Context<Self>) {
        if self.pump_timer.is_none() && !self.playing() {
            let link = ctx.link().clone();
            self.pump_timer = Some(Timeout::new(0, move || link.send_message(Msg::Pump)));
        }
    }

    fn schedule_wake(&mut self, ctx: &Context<Self>) {
        self.wake_timer = None;
        if !self.running() || self.playing() {
            return;
        }
        let Some(at) = self.run.as_ref().and_then(|r| r.engine.next_wakeup_ms()) else {
            return;
        };
        let delay = (at as f64 - now_ms()).clamp(0.0, 86_400_000.0) as u32;
        let link = ctx.link().clone();
        self.wake_timer = Some(Timeout::new(delay, move || link.send_message(Msg::Pump)));
    }

    fn echo(&mut self, port: u16, lines: &[String], origin: Origin) {
        let h = self.history.entry(port).or_default();
        for l in lines {
            h.push_back((l.clone(), origin.clone()));
            if h.len() > HISTORY {
                h.pop_front();
            }
        }
    }

    /// Lines for a port: into the running query, or kept for the next run.
    fn send_lines(&mut self, ctx: &Context<Self>, port: u16, lines: Vec<String>, origin: Origin) {
        self.echo(port, &lines, origin);
        if self.running() && !self.playing() {
            if let Some(r) = &mut self.run {
                r.queue.push_back(Input::Lines(port, lines, None));
            }
            self.schedule_pump(ctx);
        } else {
            let mut m = BTreeMap::new();
            m.insert(port.to_string(), lines);
            self.pending.push(Step {
                lines: m,
                ..Default::default()
            });
        }
    }

    fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = Vec::new();
        if let Some(r) = &self.run {
            if r.phase != Phase::Failed || !r.sources().is_empty() {
                ports.extend(r.sources().into_iter().map(|(_, p)| p));
            }
        }
        ports.extend(session::ports_in_script(&self.script));
        ports.sort();
        ports.dedup();
        ports
    }

    fn connect_relay(&mut self, ctx: &Context<Self>) {
        let Some(url) = RelayClient::url() else {
            self.relay_conn = RelayConn::Off;
            return;
        };
        match RelayClient::connect(&url, ctx.link().callback(Msg::Relay)) {
            Ok(c) => {
                self.relay = Some(c);
                if self.relay_conn != RelayConn::Down {
                    self.relay_conn = RelayConn::Probing;
                }
            }
            Err(_) => self.relay_conn = RelayConn::Off,
        }
    }

    fn share_link(&self) -> String {
        let mut lab = self.lab();
        lab.steps = match &self.run {
            Some(r) if !r.recorded.is_empty() => r.recorded.clone(),
            _ if !self.pending.is_empty() => {
                let mut s = self.pending.clone();
                s.push(Step {
                    start: true,
                    ..Default::default()
                });
                s
            }
            _ => self.samples.clone(),
        };
        let data = link::encode_v1(&lab);
        let base = web_sys::window()
            .and_then(|w| {
                let l = w.location();
                Some(format!(
                    "{}{}{}",
                    l.origin().ok()?,
                    l.pathname().ok()?,
                    l.search().ok()?
                ))
            })
            .unwrap_or_default();
        format!("{base}#v1={data}")
    }

    /// Opens what the address's `#...` asks for. `initial`: on page load,
    /// where a reload of the same address restores the saved session.
    fn follow_hash(&mut self, ctx: &Context<Self>, initial: bool) {
        let hash = location_hash();
        let saved = if initial { store::load() } else { None };
        match link::parse_hash(&hash) {
            Ok(req) => {
                let same = saved.as_ref().is_some_and(|s| s.opened_hash == hash);
                match req.target {
                    Target::None => {
                        if initial {
                            self.restore(ctx, saved);
                        }
                    }
                    // A reload of the address the session was opened from:
                    // the saved session (a `&play` link plays again).
                    _ if initial && same && !req.play => self.restore(ctx, saved),
                    Target::Builtin(name) => match labs::find(&name) {
                        Some(lab) => {
                            self.opened_hash = hash;
                            self.open_lab(ctx, lab, req.play);
                        }
                        None => {
                            if initial {
                                self.restore(ctx, saved);
                            }
                            self.banner = Some((
                                Level::Warn,
                                format!("There is no built-in lab named “{name}”. Open the Labs gallery to pick one."),
                            ));
                            self.play_state = "done";
                        }
                    },
                    Target::Shared(lab) => {
                        self.opened_hash = hash;
                        self.open_lab(ctx, &lab, req.play);
                        self.banner = Some((Level::Info, "Opened a shared lab.".into()));
                    }
                }
            }
            Err(message) => {
                if initial {
                    self.restore(ctx, saved);
                }
                self.banner = Some((Level::Warn, message));
                self.play_state = "done";
            }
        }
    }

    fn restore(&mut self, ctx: &Context<Self>, saved: Option<Saved>) {
        match saved {
            Some(s) if !s.query.is_empty() => {
                self.name = s.name;
                self.about = s.about;
                self.script = s.query;
                self.files = s.files;
                self.timezone = s.timezone;
                self.samples = s.samples;
                self.sample_pos = s.sample_pos;
                self.pending = s.pending;
                self.drafts = s.drafts;
                self.opened_hash = s.opened_hash;
                for step in &self.pending {
                    for (port, lines) in &step.lines {
                        if let Some(p) = session::port_of(port) {
                            let h = self.history.entry(p).or_default();
                            h.extend(lines.iter().map(|l| (l.clone(), Origin::Typed)));
                        }
                    }
                }
                if s.running {
                    let n: usize = s
                        .steps
                        .iter()
                        .map(|st| st.lines.values().map(|v| v.len()).sum::<usize>())
                        .sum();
                    self.start_play(ctx, s.steps);
                    if n > 0 {
                        self.banner = Some((Level::Info, format!("Restored your session: replayed the {n} line(s) sent before the reload.")));
                    }
                }
            }
            _ => {
                if let Some(lab) = labs::find("seed/read-from-socket") {
                    self.open_lab(ctx, lab, false);
                }
            }
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let mut app = App {
            name: String::new(),
            about: String::new(),
            script: String::new(),
            files: BTreeMap::new(),
            timezone: None,
            samples: Vec::new(),
            sample_pos: 0,
            pending: Vec::new(),
            run: None,
            runs: 0,
            play_state: "idle",
            pump_timer: None,
            wake_timer: None,
            play_timer: None,
            drafts: BTreeMap::new(),
            history: BTreeMap::new(),
            relay: None,
            relay_conn: RelayConn::Off,
            relay_timer: None,
            acked: 0,
            sources: BTreeMap::new(),
            subscribed: Vec::new(),
            tab: Tab::Batches,
            banner: None,
            share: None,
            gallery: false,
            new_file_path: String::new(),
            new_file_text: String::new(),
            opened_hash: String::new(),
            output_ref: NodeRef::default(),
            stick: Rc::new(Cell::new(true)),
            last_batch_seen: 0,
            last_render: 0.0,
            render_timer: None,
            dirty: false,
            _save_timer: None,
            _pagehide: None,
            _hash_listener: None,
        };
        let link = ctx.link().clone();
        let listener = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
            link.send_message(Msg::HashChanged)
        });
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("hashchange", listener.as_ref().unchecked_ref());
        }
        app._hash_listener = Some(listener);
        let link = ctx.link().clone();
        app._save_timer = Some(gloo_timers::callback::Interval::new(1000, move || {
            link.send_message(Msg::SaveNow)
        }));
        let link = ctx.link().clone();
        let pagehide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_e: web_sys::Event| {
            link.send_message(Msg::SaveNow)
        });
        if let Some(w) = web_sys::window() {
            let _ =
                w.add_event_listener_with_callback("pagehide", pagehide.as_ref().unchecked_ref());
        }
        app._pagehide = Some(pagehide);
        app.connect_relay(ctx);
        app.follow_hash(ctx, true);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::EditScript(s) => {
                self.script = s;
                self.detach_hash();
                self.save();
            }
            Msg::EditorKey(e) => {
                if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) {
                    e.prevent_default();
                    self.start_live(ctx);
                } else if e.key() == "Tab"
                    && !e.shift_key()
                    && !e.ctrl_key()
                    && !e.alt_key()
                    && !e.meta_key()
                {
                    // Indent instead of leaving the editor.
                    if let Some(t) = e.target_dyn_into::<HtmlTextAreaElement>() {
                        e.prevent_default();
                        let start = t.selection_start().ok().flatten().unwrap_or(0) as usize;
                        let end = t.selection_end().ok().flatten().unwrap_or(start as u32) as usize;
                        let v = t.value();
                        let chars: Vec<char> = v.chars().collect();
                        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
                        // selection offsets are UTF-16 units; good enough for ASCII scripts.
                        let mut out: String = chars[..start].iter().collect();
                        out.push_str("    ");
                        out.extend(chars[end..].iter());
                        t.set_value(&out);
                        let _ = t.set_selection_range((start + 4) as u32, (start + 4) as u32);
                        self.script = out;
                        self.save();
                    }
                }
                return false;
            }
            Msg::Run => self.start_live(ctx),
            Msg::Stop => {
                self.stop_run();
                if self.play_state == "playing" {
                    self.play_state = "done";
                }
                self.save();
            }
            Msg::PlaySamples => {
                self.start_play(ctx, self.samples.clone());
                self.sample_pos = self.samples.len();
            }
            Msg::NextSample => {
                let Some(step) = self.samples.get(self.sample_pos).cloned() else {
                    return false;
                };
                self.sample_pos += 1;
                let start_later = self.samples[self.sample_pos..].iter().any(|s| s.start);
                if step.start {
                    if !self.running() {
                        self.start_live(ctx);
                    }
                    return true;
                }
                if !self.running() && !start_later {
                    self.start_live(ctx);
                }
                for (port, lines) in step.lines {
                    if let Some(p) = session::port_of(&port) {
                        self.send_lines(ctx, p, lines, Origin::Sample);
                    }
                }
                for (path, text) in step.files {
                    self.add_file(ctx, path, text);
                }
                self.save();
            }
            Msg::Pump => {
                self.pump_timer = None;
                let Some(run) = &mut self.run else {
                    return false;
                };
                let (ran, acks) = run.pump(now_ms() as i64, &perf_now);
                if let Some(c) = &self.relay {
                    for (id, seq) in acks {
                        c.ack(&id, seq);
                        self.acked = self.acked.max(seq);
                    }
                }
                if ran {
                    self.schedule_pump(ctx);
                } else {
                    self.schedule_wake(ctx);
                }
                if !self.running() {
                    self.unsubscribe_all();
                }
                self.save_later();
                return self.render_soon(ctx);
            }
            Msg::Render => {
                self.render_timer = None;
            }
            Msg::SaveNow => {
                if self.dirty {
                    self.dirty = false;
                    self.save_now();
                }
                return false;
            }
            Msg::PlayStep => {
                self.play_timer = None;
                let more = self.run.as_mut().is_some_and(|r| r.play_step(&perf_now));
                if more {
                    self.schedule_play(ctx);
                } else {
                    self.play_done(ctx);
                }
            }
            Msg::Draft(port, text) => {
                if text.contains('\n') {
                    self.detach_hash();
                    // Pasted lines: the complete ones arrive together.
                    let mut parts: Vec<String> = text
                        .split('\n')
                        .map(|l| l.trim_end_matches('\r').to_string())
                        .collect();
                    let rest = parts.pop().unwrap_or_default();
                    self.drafts.insert(port, rest);
                    self.send_lines(ctx, port, parts, Origin::Typed);
                } else {
                    self.drafts.insert(port, text);
                }
                self.save();
            }
            Msg::Send(port, lines, clear) => {
                self.detach_hash();
                if clear {
                    self.drafts.remove(&port);
                }
                self.send_lines(ctx, port, lines, Origin::Typed);
                self.save();
            }
            Msg::Relay(ev) => return self.on_relay(ctx, ev),
            Msg::RelayRetry(port) => {
                if let Some(c) = &self.relay {
                    if self.subscribed.contains(&port) {
                        c.retry(port);
                    } else if let Some((host, _)) = self
                        .run
                        .as_ref()
                        .and_then(|r| r.sources().into_iter().find(|s| s.1 == port))
                    {
                        c.subscribe(&host, port);
                        self.subscribed.push(port);
                    }
                }
            }
            Msg::RelayReconnect => {
                self.relay_timer = None;
                self.connect_relay(ctx);
            }
            Msg::HashChanged => {
                let hash = location_hash();
                if hash == self.opened_hash && !hash.is_empty() && !hash.contains("play") {
                    return false;
                }
                self.banner = None;
                self.follow_hash(ctx, false);
            }
            Msg::Open(name, play) => {
                if let Some(lab) = labs::find(&name) {
                    let hash = format!("#lab={name}{}", if play { "&play" } else { "" });
                    set_hash_quietly(&hash);
                    self.opened_hash = hash;
                    self.banner = None;
                    self.open_lab(ctx, lab, play);
                }
            }
            Msg::Gallery(open) => self.gallery = open,
            Msg::Share => {
                let url = self.share_link();
                self.share = Some(url);
            }
            Msg::CloseShare => self.share = None,
            Msg::CopyShare => {
                if let (Some(url), Some(w)) = (&self.share, web_sys::window()) {
                    let _ = w.navigator().clipboard().write_text(url);
                    self.banner = Some((Level::Info, "Link copied.".into()));
                }
            }
            Msg::SetTab(t) => self.tab = t,
            Msg::EditFile(path, text) => {
                self.files.insert(path, text);
                self.detach_hash();
                self.save();
            }
            Msg::RemoveFile(path) => {
                self.files.remove(&path);
                self.detach_hash();
                self.save();
            }
            Msg::NewFilePath(p) => self.new_file_path = p,
            Msg::NewFileText(t) => self.new_file_text = t,
            Msg::AddFile => {
                self.detach_hash();
                let path = self
                    .new_file_path
                    .trim()
                    .trim_start_matches("./")
                    .to_string();
                if path.is_empty() {
                    self.banner = Some((
                        Level::Warn,
                        "Name the file first (for example data/input1.json).".into(),
                    ));
                    return true;
                }
                let text = std::mem::take(&mut self.new_file_text);
                self.new_file_path.clear();
                self.add_file(ctx, path, text);
                self.save();
            }
            Msg::DismissBanner => self.banner = None,
            Msg::OutputScrolled => {
                if let Some(el) = self.output_ref.cast::<HtmlElement>() {
                    let at_bottom = el.scroll_top() + el.client_height() >= el.scroll_height() - 40;
                    self.stick.set(at_bottom);
                }
                return false;
            }
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first: bool) {
        self.last_render = perf_now();
        self.render_timer = None;
        // Keep the latest batch in view unless the user scrolled up.
        let count = self.run.as_ref().map(|r| r.shown).unwrap_or(0);
        if count != self.last_batch_seen {
            self.last_batch_seen = count;
            if self.stick.get() {
                if let Some(el) = self.output_ref.cast::<HtmlElement>() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let phase = self.phase();
        let phase_name = match phase {
            Phase::Idle => "idle",
            Phase::Running => "running",
            Phase::Finished => "finished",
            Phase::Stopped => "stopped",
            Phase::Failed => "failed",
        };
        html! {
            <div class="app" data-play={self.play_state} data-run={self.runs.to_string()} data-phase={phase_name}>
                { self.view_header(ctx, phase) }
                { self.view_banner(ctx) }
                { self.view_share(ctx) }
                <main class="main">
                    <section class="left">
                        { self.view_editor(ctx) }
                        { self.view_files(ctx) }
                    </section>
                    <section class="right">
                        { self.view_inputs(ctx) }
                        { self.view_error() }
                        <div class="tabs" role="tablist">
                            <button id="tab-batches" class={classes!("tab", (self.tab == Tab::Batches).then_some("on"))}
                                onclick={link.callback(|_| Msg::SetTab(Tab::Batches))}>{"Batches"}</button>
                            <button id="tab-console" class={classes!("tab", (self.tab == Tab::Console).then_some("on"))}
                                onclick={link.callback(|_| Msg::SetTab(Tab::Console))}>{"Console"}</button>
                            { self.view_progress() }
                        </div>
                        <div class="output" ref={self.output_ref.clone()} onscroll={link.callback(|_| Msg::OutputScrolled)}>
                            { self.view_batches() }
                            <pre id="console" class={classes!("console", (self.tab != Tab::Console).then_some("hidden"))}>
                                { self.run.as_ref().map(|r| r.transcript.clone()).unwrap_or_default() }
                            </pre>
                        </div>
                    </section>
                </main>
                { self.view_gallery(ctx) }
            </div>
        }
    }
}

impl App {
    /// Whether the script reads files (a file source or a static table).
    fn script_reads_files(&self) -> bool {
        [
            ".csv(",
            ".json(",
            ".text(",
            ".parquet(",
            "format(\"csv\")",
            "format(\"json\")",
            "format(\"text\")",
        ]
        .iter()
        .any(|p| self.script.contains(p))
    }

    /// Whether to render now; otherwise a render is scheduled shortly.
    fn render_soon(&mut self, ctx: &Context<Self>) -> bool {
        const GAP_MS: f64 = 40.0;
        let since = perf_now() - self.last_render;
        if since >= GAP_MS {
            return true;
        }
        if self.render_timer.is_none() {
            let link = ctx.link().clone();
            self.render_timer = Some(Timeout::new((GAP_MS - since).ceil() as u32, move || {
                link.send_message(Msg::Render)
            }));
        }
        false
    }

    fn add_file(&mut self, ctx: &Context<Self>, path: String, text: String) {
        if self.running() && !self.playing() {
            if let Some(r) = &mut self.run {
                r.queue.push_back(Input::File(path.clone(), text.clone()));
            }
            self.schedule_pump(ctx);
            self.banner = Some((
                Level::Info,
                format!("{path} appeared in the working directory."),
            ));
        } else {
            self.files.insert(path, text);
        }
    }

    fn on_relay(&mut self, ctx: &Context<Self>, ev: RelayEvent) -> bool {
        match ev {
            RelayEvent::Welcome { listen, .. } => {
                self.relay_conn = RelayConn::Up { listen };
                self.subscribed.clear();
                self.subscribe_sources();
                true
            }
            RelayEvent::Lines {
                id,
                port,
                first_seq,
                lines,
            } => {
                let last = first_seq + lines.len().max(1) as u64 - 1;
                if self.running() && !self.playing() && self.subscribed.contains(&port) {
                    self.echo(port, &lines, Origin::Relay);
                    if let Some(r) = &mut self.run {
                        r.queue
                            .push_back(Input::Lines(port, lines, Some((id, last))));
                    }
                    self.schedule_pump(ctx);
                    false
                } else {
                    if let Some(c) = &self.relay {
                        c.ack(&id, last);
                    }
                    false
                }
            }
            RelayEvent::Status {
                port,
                state,
                message,
                ..
            } => {
                if self.subscribed.contains(&port) {
                    self.sources.insert(port, SourceState { state, message });
                    true
                } else {
                    false
                }
            }
            RelayEvent::Error {
                port,
                message,
                code,
                ..
            } => {
                match port {
                    Some(p) if self.subscribed.contains(&p) => {
                        self.sources.insert(
                            p,
                            SourceState {
                                state: code,
                                message,
                            },
                        );
                    }
                    _ => self.banner = Some((Level::Warn, format!("Relay: {message}"))),
                }
                true
            }
            RelayEvent::Closed { was_open } => {
                self.relay = None;
                self.subscribed.clear();
                self.sources.clear();
                if was_open || matches!(self.relay_conn, RelayConn::Up { .. } | RelayConn::Down) {
                    self.relay_conn = RelayConn::Down;
                    let link = ctx.link().clone();
                    self.relay_timer = Some(Timeout::new(2000, move || {
                        link.send_message(Msg::RelayReconnect)
                    }));
                } else {
                    self.relay_conn = RelayConn::Off;
                }
                true
            }
        }
    }

    fn view_header(&self, ctx: &Context<Self>, phase: Phase) -> Html {
        let link = ctx.link();
        let running = phase == Phase::Running;
        let relay = match &self.relay_conn {
            RelayConn::Off => {
                html! { <span class="pill muted" id="relay-state" title="Lines come from the inputs on this page. Serve the page with streamlab-relay to read nc.">{"no relay · typed input"}</span> }
            }
            RelayConn::Probing => {
                html! { <span class="pill muted" id="relay-state">{"relay…"}</span> }
            }
            RelayConn::Up { listen } => {
                let l = if listen.is_empty() {
                    String::new()
                } else {
                    format!(
                        " · listening on {}",
                        listen
                            .iter()
                            .map(|p| p.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                html! { <span class="pill ok" id="relay-state" data-acked={self.acked.to_string()} title="Socket sources read nc -lk through the relay">{format!("relay connected{l}")}</span> }
            }
            RelayConn::Down => {
                html! { <span class="pill warn" id="relay-state">{"relay disconnected · reconnecting"}</span> }
            }
        };
        let state = match phase {
            Phase::Idle => "",
            Phase::Running if self.playing() => "replaying…",
            Phase::Running => "running",
            Phase::Finished => "finished",
            Phase::Stopped => "stopped",
            Phase::Failed => "failed",
        };
        let next = self
            .samples
            .get(self.sample_pos)
            .map(|_| format!("Send sample {}/{}", self.sample_pos + 1, self.samples.len()));
        html! {
            <header class="header">
                <a class="logo" href="#" onclick={link.callback(|e: MouseEvent| { e.prevent_default(); Msg::Gallery(true) })}>
                    <span class="logo-mark">{"≋"}</span>{"streamlab"}
                </a>
                <button class="btn ghost" id="labs" onclick={link.callback(|_| Msg::Gallery(true))}>{"Labs"}</button>
                <div class="title">
                    <span class="lab-name" id="lab-name">{ if self.name.is_empty() { "untitled".to_string() } else { self.name.clone() } }</span>
                    <span class="lab-about">{ self.about.clone() }</span>
                </div>
                <span class={classes!("state", format!("state-{state}"))} id="run-state">{state}</span>
                <button class="btn primary" id="run" title="Run (Ctrl+Enter)" onclick={link.callback(|_| Msg::Run)}>
                    { if running { "▶ Restart" } else { "▶ Run" } }
                </button>
                <button class="btn" id="stop" disabled={!running} onclick={link.callback(|_| Msg::Stop)}>{"■ Stop"}</button>
                if !self.samples.is_empty() {
                    <button class="btn" id="play" title="Run the script and replay the lab's sample inputs" onclick={link.callback(|_| Msg::PlaySamples)}>{"⟳ Play samples"}</button>
                    if let Some(n) = next {
                        <button class="btn" id="next-sample" onclick={link.callback(|_| Msg::NextSample)}>{n}</button>
                    }
                }
                <button class="btn" id="share" onclick={link.callback(|_| Msg::Share)}>{"Share"}</button>
                { relay }
            </header>
        }
    }

    fn view_banner(&self, ctx: &Context<Self>) -> Html {
        let Some((level, text)) = &self.banner else {
            return html! {};
        };
        let class = match level {
            Level::Info => "banner info",
            Level::Warn => "banner warn",
        };
        html! {
            <div class={class} id="banner" role="status">
                <span>{text.clone()}</span>
                <button class="x" onclick={ctx.link().callback(|_| Msg::DismissBanner)} aria-label="dismiss">{"×"}</button>
            </div>
        }
    }

    fn view_share(&self, ctx: &Context<Self>) -> Html {
        let Some(url) = &self.share else {
            return html! {};
        };
        let link = ctx.link();
        html! {
            <div class="sharebox">
                <span>{"Link to this script, its files and the inputs so far (add "}<code>{"&play"}</code>{" to replay them on open):"}</span>
                <input id="share-link" readonly=true value={url.clone()} onfocus={Callback::from(|e: FocusEvent| {
                    if let Some(i) = e.target_dyn_into::<HtmlInputElement>() { i.select(); }
                })}/>
                <button class="btn" onclick={link.callback(|_| Msg::CopyShare)}>{"Copy"}</button>
                <button class="btn ghost" onclick={link.callback(|_| Msg::CloseShare)}>{"Close"}</button>
            </div>
        }
    }

    fn view_editor(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let lines: Vec<&str> = self.script.split('\n').collect();
        let err = self
            .run
            .as_ref()
            .and_then(|r| r.error.as_ref())
            .filter(|e| e.line.is_some());
        let err_line = err.and_then(|e| e.line).unwrap_or(0) as usize;
        let width = lines
            .iter()
            .map(|l| highlight::visual_column(l, u32::MAX, TAB))
            .max()
            .unwrap_or(0);
        let cols = (width + 4).max(40);
        let rows = lines.len().max(12);
        let toks = highlight::tokens(&self.script);
        let marker = err.and_then(|e| {
            let line = e.line? as usize;
            let text = lines.get(line.checked_sub(1)?)?;
            let col = highlight::visual_column(text, e.column.unwrap_or(1).max(1), TAB);
            Some(html! {
                <>
                    <div class="errline" style={format!("top: calc({} * var(--lh) + var(--pad))", line - 1)}></div>
                    <div class="errcol" id="error-marker" title={e.message.clone()}
                        style={format!("top: calc({} * var(--lh) + var(--pad)); left: calc({col}ch + var(--pad))", line - 1)}></div>
                </>
            })
        });
        html! {
            <div class="editor" id="editor">
                <div class="gutter" aria-hidden="true">
                    { for (1..=lines.len()).map(|n| html! {
                        <div class={classes!("ln", (n == err_line).then_some("err"))}>{n}</div>
                    }) }
                </div>
                <div class="code">
                    <pre class="hl" aria-hidden="true">
                        { for toks.into_iter().map(|(k, s)| if k == highlight::Kind::Plain {
                            html! { {s.to_string()} }
                        } else {
                            html! { <span class={k.class()}>{s.to_string()}</span> }
                        }) }
                        {"\n"}
                    </pre>
                    { marker.unwrap_or_default() }
                    <textarea id="script" class="src" spellcheck="false" autocomplete="off" wrap="off"
                        aria-label="PySpark script"
                        rows={rows.to_string()} cols={cols.to_string()}
                        value={self.script.clone()}
                        onkeydown={link.callback(Msg::EditorKey)}
                        oninput={link.callback(|e: InputEvent| {
                            let t: HtmlTextAreaElement = e.target_unchecked_into();
                            Msg::EditScript(t.value())
                        })} />
                </div>
            </div>
        }
    }

    fn view_files(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let watched = self
            .run
            .as_ref()
            .map(|r| r.engine.watched_dirs())
            .unwrap_or_default();
        let running = self.running();
        let placeholder = match watched.first() {
            Some(d) => format!("{}/new-file.json", d.trim_end_matches('/')),
            None => "data/input1.json".to_string(),
        };
        html! {
            <div class="files" id="files">
                <div class="section-title">
                    {"Files"}
                    <span class="hint">{ if running { "static files are read when the script starts; edits apply on the next Run" } else { "the working directory the script sees" } }</span>
                </div>
                { for self.files.iter().map(|(path, text)| {
                    let p = path.clone();
                    let p2 = path.clone();
                    html! {
                        <details class="file" key={path.clone()} open={self.files.len() <= 3}>
                            <summary><code>{path.clone()}</code>
                                <button class="x" title="remove" onclick={link.callback(move |_| Msg::RemoveFile(p2.clone()))}>{"×"}</button>
                            </summary>
                            <textarea class="filetext" spellcheck="false" wrap="off" data-path={path.clone()}
                                rows={text.lines().count().clamp(2, 12).to_string()}
                                value={text.clone()}
                                oninput={link.callback(move |e: InputEvent| {
                                    let t: HtmlTextAreaElement = e.target_unchecked_into();
                                    Msg::EditFile(p.clone(), t.value())
                                })}/>
                        </details>
                    }
                }) }
                <details class="addfile" open={!watched.is_empty() || self.files.is_empty() && self.script_reads_files()}>
                    <summary>{ if running && !watched.is_empty() { "Add a file to the watched directory" } else { "Add a file" } }</summary>
                    if !watched.is_empty() {
                        <div class="hint">{ format!("The query watches {}: a file added now arrives as the next batch's input.", watched.join(", ")) }</div>
                    }
                    <input id="new-file-path" placeholder={placeholder} value={self.new_file_path.clone()}
                        oninput={link.callback(|e: InputEvent| { let t: HtmlInputElement = e.target_unchecked_into(); Msg::NewFilePath(t.value()) })}/>
                    <textarea id="new-file-text" rows="3" spellcheck="false" wrap="off" placeholder="file content" value={self.new_file_text.clone()}
                        oninput={link.callback(|e: InputEvent| { let t: HtmlTextAreaElement = e.target_unchecked_into(); Msg::NewFileText(t.value()) })}/>
                    <button class="btn" id="add-file" onclick={link.callback(|_| Msg::AddFile)}>
                        { if running && !watched.is_empty() { "Add to the watched directory" } else { "Add file" } }
                    </button>
                </details>
            </div>
        }
    }

    fn view_inputs(&self, ctx: &Context<Self>) -> Html {
        let ports = self.ports();
        let running = self.running();
        let listen: &[u16] = match &self.relay_conn {
            RelayConn::Up { listen } => listen,
            _ => &[],
        };
        if ports.is_empty() {
            return html! {
                <div class="inputs empty">
                    <span class="hint">{"This script reads no socket. Inputs appear here for each port a script reads with "}<code>{".format(\"socket\")"}</code>{"."}</span>
                </div>
            };
        }
        let pending: usize = self
            .pending
            .iter()
            .map(|s| s.lines.values().map(|v| v.len()).sum::<usize>())
            .sum();
        html! {
            <div class="inputs">
                { for ports.into_iter().map(|port| {
                    let link = ctx.link();
                    let draft = self.drafts.get(&port).cloned().unwrap_or_default();
                    let hist = self.history.get(&port);
                    let src = self.sources.get(&port);
                    let cmd = if listen.contains(&port) { format!("nc localhost {port}") } else { format!("nc -lk {port}") };
                    let state_html = match src {
                        Some(s) => {
                            let retry = matches!(s.state.as_str(), "refused" | "closed" | "error");
                            html! {
                                <span class={classes!("src-state", format!("st-{}", s.state))} id={format!("source-{port}")} data-state={s.state.clone()}>
                                    { s.message.clone() }
                                    if retry {
                                        <button class="btn small" onclick={link.callback(move |_| Msg::RelayRetry(port))}>{"Retry"}</button>
                                    }
                                </span>
                            }
                        }
                        None if running && self.subscribed.contains(&port) => html! { <span class="src-state" id={format!("source-{port}")}>{"connecting…"}</span> },
                        None if !running => {
                            let stopped = matches!(self.phase(), Phase::Finished | Phase::Stopped | Phase::Failed);
                            let text = match (pending, stopped) {
                                (0, false) => "lines typed before Run arrive when the query starts".to_string(),
                                (0, true) => "the query has stopped: lines typed now arrive when you Run again".to_string(),
                                (n, _) => format!("{n} line(s) wait for Run"),
                            };
                            html! { <span class="src-state muted" id={format!("source-{port}")}>{text}</span> }
                        }
                        None => html! {},
                    };
                    html! {
                        <div class="port" key={port.to_string()}>
                            <div class="port-head">
                                <code class="cmd" title="what you would run in a terminal">{ format!("$ {cmd}") }</code>
                                { state_html }
                            </div>
                            <div class="term">
                                { for hist.into_iter().flatten().map(|(l, o)| html! {
                                    <div class={classes!("tl", match o { Origin::Typed => "typed", Origin::Relay => "relay", Origin::Sample => "sample" })}>{ l.clone() }</div>
                                }) }
                                <div class="prompt">
                                    <span class="ps">{"›"}</span>
                                    <textarea id={format!("input-{port}")} class="line" rows="1" spellcheck="false" wrap="off"
                                        placeholder={format!("type a line for port {port}, Enter sends it")}
                                        value={draft}
                                        onkeydown={link.batch_callback(move |e: KeyboardEvent| {
                                            if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
                                                e.prevent_default();
                                                let t: HtmlTextAreaElement = e.target_unchecked_into();
                                                let v = t.value();
                                                t.set_value("");
                                                let lines: Vec<String> = v.split('\n').map(|l| l.trim_end_matches('\r').to_string()).collect();
                                                Some(Msg::Send(port, lines, true))
                                            } else { None }
                                        })}
                                        oninput={link.callback(move |e: InputEvent| {
                                            let t: HtmlTextAreaElement = e.target_unchecked_into();
                                            Msg::Draft(port, t.value())
                                        })}/>
                                </div>
                            </div>
                        </div>
                    }
                }) }
            </div>
        }
    }

    fn view_error(&self) -> Html {
        let Some(e) = self.run.as_ref().and_then(|r| r.error.as_ref()) else {
            return html! {};
        };
        let ErrorView {
            class,
            python_type,
            message,
            line,
            column,
        } = e.clone();
        let at = match (line, column) {
            (Some(l), Some(c)) => format!(" (line {l}, column {c})"),
            (Some(l), None) => format!(" (line {l})"),
            _ => String::new(),
        };
        html! {
            <div class="error" id="error" data-class={class.clone()} role="alert">
                <div class="error-class">
                    if python_type != class { <span class="etype">{python_type}</span>{" "} }
                    <code>{class}</code>{at}
                </div>
                <pre class="error-message">{message}</pre>
            </div>
        }
    }

    fn view_progress(&self) -> Html {
        let Some(r) = &self.run else { return html! {} };
        let Some(b) = r.batches.iter().rev().find(|b| b.query != session::PRINTED) else {
            return html! { <span class="progress" id="progress">{"no batch yet"}</span> };
        };
        html! {
            <span class="progress" id="progress">
                <span>{format!("{} batch(es)", r.batch_count)}</span>
                <span>{format!("last: {} input row(s)", b.input_rows)}</span>
                <span>{format!("{:.1} ms", b.duration_ms)}</span>
                if let Some(w) = &b.watermark { <span>{format!("watermark {w}")}</span> }
                <span>{format!("{} state row(s)", b.state_rows)}</span>
            </span>
        }
    }

    fn view_batches(&self) -> Html {
        let hidden = self.tab != Tab::Batches;
        let Some(r) = &self.run else {
            return html! {
                <div id="batches" class={classes!("batches", hidden.then_some("hidden"))}>
                    <div class="placeholder">{"Press Run, then type lines into the inputs above: each micro-batch appears here as Spark's console sink prints it."}</div>
                </div>
            };
        };
        let multi = r
            .batches
            .iter()
            .any(|b| b.query > 0 && b.query != session::PRINTED);
        html! {
            <div id="batches" class={classes!("batches", hidden.then_some("hidden"))}>
                if r.trimmed || r.shown > r.batches.len() as u64 {
                    <div class="hint">{format!("Showing the last {} of {} outputs.", r.batches.len(), r.shown)}</div>
                }
                if r.batches.is_empty() && r.phase == Phase::Running {
                    <div class="placeholder">{"Waiting for input: type a line above and press Enter (or write it into nc)."}</div>
                }
                { for r.batches.iter().map(|b| view_batch(b, multi)) }
            </div>
        }
    }

    fn view_gallery(&self, ctx: &Context<Self>) -> Html {
        if !self.gallery {
            return html! {};
        }
        let link = ctx.link();
        html! {
            <div class="overlay" onclick={link.callback(|_| Msg::Gallery(false))}>
                <div class="gallery" id="gallery" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                    <div class="gallery-head">
                        <h2>{"Labs"}</h2>
                        <span class="hint">{"Each lab is a script from the course, with sample inputs. Open it to edit and type, or Play to replay its inputs."}</span>
                        <button class="x" onclick={link.callback(|_| Msg::Gallery(false))}>{"×"}</button>
                    </div>
                    <div class="cards">
                        { for labs::gallery().into_iter().map(|lab| self.view_card(ctx, lab)) }
                    </div>
                    <details class="more">
                        <summary>{"More labs (conformance checks: display, errors, files, joins, windows…)"}</summary>
                        { for labs::groups().into_iter().map(|(g, ls)| html! {
                            <div class="group">
                                <h3>{g}</h3>
                                <ul>
                                    { for ls.into_iter().map(|l| {
                                        let n = l.name.clone();
                                        let n2 = l.name.clone();
                                        html! {
                                            <li>
                                                <a href={format!("#lab={}", l.name)} onclick={link.callback(move |e: MouseEvent| { e.prevent_default(); Msg::Open(n.clone(), false) })}>{l.name.rsplit('/').next().unwrap_or("").to_string()}</a>
                                                <a class="play-link" href={format!("#lab={}&play", l.name)} onclick={link.callback(move |e: MouseEvent| { e.prevent_default(); Msg::Open(n2.clone(), true) })}>{"▶"}</a>
                                                <span class="hint">{l.about.clone()}</span>
                                            </li>
                                        }
                                    }) }
                                </ul>
                            </div>
                        }) }
                    </details>
                </div>
            </div>
        }
    }

    fn view_card(&self, ctx: &Context<Self>, lab: &Lab) -> Html {
        let link = ctx.link();
        let n = lab.name.clone();
        let n2 = lab.name.clone();
        let samples: Vec<String> = lab
            .steps
            .iter()
            .map(|s| {
                if s.start {
                    return "▶ query starts".to_string();
                }
                let mut parts: Vec<String> = s
                    .lines
                    .iter()
                    .map(|(p, ls)| format!("{p}: {}", ls.join(" ⏎ ")))
                    .collect();
                parts.extend(s.files.keys().map(|f| format!("file {f}")));
                parts.join("   ")
            })
            .collect();
        html! {
            <div class="card" data-lab={lab.name.clone()}>
                <div class="card-name">{lab.name.trim_start_matches("seed/").to_string()}</div>
                <div class="card-about">{lab.about.clone()}</div>
                <ol class="card-samples">
                    { for samples.into_iter().take(6).map(|s| html! { <li><code>{s}</code></li> }) }
                    if lab.steps.len() > 6 { <li class="hint">{format!("… {} more", lab.steps.len() - 6)}</li> }
                </ol>
                <div class="card-actions">
                    <button class="btn" onclick={link.callback(move |_| Msg::Open(n.clone(), false))}>{"Open"}</button>
                    <button class="btn primary" onclick={link.callback(move |_| Msg::Open(n2.clone(), true))}>{"▶ Play"}</button>
                </div>
            </div>
        }
    }
}

fn view_batch(b: &BatchView, multi: bool) -> Html {
    if b.query == session::PRINTED {
        return html! {
            <div class="printed" key={b.seq.to_string()}><pre>{b.console.to_string()}</pre></div>
        };
    }
    // The card's heading says "Batch: N"; the body is the table as printed.
    let body: String = {
        let mut lines = b.console.splitn(4, '\n');
        let first = lines.next().unwrap_or("");
        if first.starts_with("----") {
            lines.next();
            lines.next();
            lines
                .next()
                .unwrap_or("")
                .trim_end_matches('\n')
                .to_string()
        } else {
            b.console.trim_end_matches('\n').to_string()
        }
    };
    html! {
        <div class="batch" key={b.seq.to_string()} data-batch-id={b.batch_id.to_string()}>
            <div class="batch-head">
                <span class="bid">{format!("Batch: {}", b.batch_id)}</span>
                if multi { <span class="qid">{format!("query {}", b.query + 1)}</span> }
                <span class="stats">
                    <span title="numInputRows">{format!("{} input row(s)", b.input_rows)}</span>
                    <span title="batch duration in the page">{format!("{:.1} ms", b.duration_ms)}</span>
                    if let Some(w) = &b.watermark { <span title="watermark">{format!("watermark {w}")}</span> }
                    <span title="stateOperators.numRowsTotal">{format!("{} state row(s)", b.state_rows)}</span>
                </span>
            </div>
            <pre class="table">{body}</pre>
        </div>
    }
}
