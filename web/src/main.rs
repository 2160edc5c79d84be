//! ReplScope's browser app (Yew, client-side rendered; built with trunk).
//!
//! The [`App`] component owns a [`Session`] (the view model) and a derived
//! [`Snapshot`]; it re-renders only when the step changes. Playback runs on
//! `requestAnimationFrame` (which browsers stop in hidden tabs; a `visibilitychange`
//! listener also pauses), packets move with CSS transitions that `prefers-reduced-motion`
//! turns off.

mod ui;

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use gloo_render::{request_animation_frame, AnimationFrame};
use replscope_core::sim::scenario::scenarios;
use replscope_core::tour::Tour;
use replscope_web::model::classroom::{
    self, Compare, CompareKind, SeqMessage, TourPlan, ViewFlags,
};
use replscope_web::model::view::{snapshot_in, PacketView};
use replscope_web::model::{Session, Settings, Snapshot, UserAction};
use replscope_web::strings::{strings, Lang, Strings};
use std::cell::Cell;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use yew::html::Scope;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `index.html`: offer `text` as a file download.
    #[wasm_bindgen(js_namespace = replscope, js_name = download)]
    fn js_download(name: &str, mime: &str, text: &str);
    /// `index.html`: copy text to the clipboard.
    #[wasm_bindgen(js_namespace = replscope, js_name = copy)]
    fn js_copy(text: &str);
    /// `index.html`: render the SVG matching a selector to a PNG download.
    #[wasm_bindgen(js_namespace = replscope, js_name = png)]
    fn js_png(selector: &str, name: &str);
}

/// Steps per second at 1×.
const BASE_RATE: f64 = 2.0;
/// Speed exponents: 2^-2 = 0.25× to 2^4 = 16×.
const SPEED_MIN: i32 = -2;
/// Fastest speed exponent.
const SPEED_MAX: i32 = 4;
/// Most steps the timeline measures.
const MAX_STEPS: usize = 200_000;

thread_local! {
    /// The page's language and bilingual mode (read by [`t`]).
    static LANG: Cell<(Lang, bool)> = const { Cell::new((Lang::En, false)) };
}

/// The text table in use.
pub fn t() -> &'static Strings {
    let (lang, both) = LANG.with(Cell::get);
    strings(lang, both)
}

/// The page's language and bilingual mode.
pub fn lang() -> (Lang, bool) {
    LANG.with(Cell::get)
}

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    /// Mermaid `sequenceDiagram` text.
    Mermaid,
    /// The JSON trace.
    Json,
    /// A PNG of the current view.
    Png,
}

/// Messages of [`App`].
#[derive(Clone)]
pub enum Msg {
    /// Play or pause.
    Toggle,
    /// Pause (tab hidden).
    Pause,
    /// One step forward.
    Step,
    /// One step back.
    Back,
    /// Go to a step.
    Seek(usize),
    /// Jump to the end.
    ToEnd,
    /// Set the speed exponent.
    Speed(i32),
    /// Faster / slower by one notch.
    SpeedBy(i32),
    /// Restart the run.
    Restart,
    /// Choose a scenario.
    Scenario(usize),
    /// Animation frame at this timestamp (ms).
    Frame(f64),
    /// A user action on the simulation.
    Act(UserAction),
    /// New settings.
    Settings(Settings),
    /// Inspect a packet (by sequence number).
    Inspect(u64),
    /// Switch the language.
    Lang(Lang),
    /// Bilingual mode on/off.
    Bilingual(bool),
    /// Guided tour on/off.
    TourToggle,
    /// Go to a tour step.
    TourGo(usize),
    /// Answer the current tour step's question.
    Answer(usize, String),
    /// Sequence diagram shown/hidden.
    SeqToggle,
    /// Export the run.
    Export(Export),
    /// Copy the permalink.
    CopyLink,
    /// Open compare mode.
    CompareOpen(CompareKind),
    /// Close compare mode.
    CompareClose,
    /// One lockstep move in compare mode.
    CompareStep,
    /// Both compare runs to their end.
    CompareEnd,
    /// Presenter mode on/off.
    Presenter,
    /// Narration shown/hidden.
    Narration,
    /// `command-docs.txt` arrived (`None`: it could not be fetched).
    Docs(Option<String>),
    /// A scenario's tour files arrived (English, Chinese; `None`: none or unreadable).
    Tours(&'static str, Option<[Tour; 2]>),
}

/// Whether typed words need `command-docs.txt`: `COMMAND ...` (its facts and summaries)
/// or a container's `... HELP` (its text).
fn needs_docs<'a>(mut words: impl Iterator<Item = &'a str>) -> bool {
    let first = words.next().unwrap_or("");
    first.eq_ignore_ascii_case("command")
        || words.next().is_some_and(|w| w.eq_ignore_ascii_case("help"))
}

/// Whether a user action is a typed command that [`needs_docs`].
fn is_command_cmd(a: &UserAction) -> bool {
    matches!(a, UserAction::Command { words, .. } if needs_docs(words.iter().map(String::as_str)))
}

/// Whether a permalink replays a typed command that [`needs_docs`] (its actions are
/// `<node>:<command>`).
fn replays_command_cmd(fragment: &str) -> bool {
    replscope_core::permalink::Permalink::from_fragment(fragment).is_ok_and(|p| {
        p.actions.iter().any(|(_, a)| {
            a.split_once(':')
                .is_some_and(|(_, cmd)| needs_docs(cmd.split_whitespace()))
        })
    })
}

/// Fetch a text file from next to the page (`None` on any failure).
async fn fetch_text(url: String) -> Option<String> {
    let resp = JsFuture::from(web_sys::window()?.fetch_with_str(&url))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !resp.ok() {
        return None;
    }
    JsFuture::from(resp.text().ok()?).await.ok()?.as_string()
}

/// The whole page.
pub struct App {
    session: Session,
    snap: Rc<Snapshot>,
    total: usize,
    scenario: usize,
    playing: bool,
    speed: i32,
    frame: Option<AnimationFrame>,
    last_ts: Option<f64>,
    acc: f64,
    inspected: Option<PacketView>,
    /// The URL fragment last written (a core permalink).
    hash: String,
    /// Guided tour on.
    tour_on: bool,
    /// The scenario's tour placed on the run (computed when the tour is turned on).
    plan: Option<Rc<TourPlan>>,
    /// The tours fetched so far, by scenario (the page does not embed them: issue #6).
    tours: Vec<(&'static str, Option<[Tour; 2]>)>,
    /// The scenario whose tours are being fetched.
    tour_loading: Option<&'static str>,
    /// The tour was just turned on while its text was loading: go to its first moment
    /// when it arrives (unless the step is already inside it).
    tour_start: bool,
    link: Scope<App>,
    /// Typed `COMMAND` commands held until the `COMMAND` facts have arrived.
    held: Vec<UserAction>,
    /// `command-docs.txt` is being fetched.
    docs_loading: bool,
    /// The URL's permalink, waiting for the `COMMAND` facts (it replays a `COMMAND`); the
    /// URL is left as it is meanwhile.
    hash_waiting: Option<String>,
    /// The tour step shown.
    tour_at: usize,
    /// Answers given to tour questions (by tour step).
    answers: Vec<Option<String>>,
    /// Sequence diagram shown.
    show_seq: bool,
    /// The sequence diagram of the run so far (when shown).
    seq: Rc<(Vec<String>, Vec<SeqMessage>)>,
    /// Compare mode.
    compare: Option<Compare>,
    /// Compare mode kind chosen (when the variation does not apply, a message is shown).
    compare_kind: Option<CompareKind>,
    /// Presenter mode.
    presenter: bool,
    /// Narration shown.
    narration: bool,
    /// The link was just copied.
    copied: bool,
    /// Lost-write explanations (English, Chinese) for `wait` and `failover`.
    lost: Option<Rc<[Vec<String>; 2]>>,
    _keys: Option<EventListener>,
    _visibility: Option<EventListener>,
}

impl App {
    fn load(&mut self, index: usize, settings: Settings) {
        let list = scenarios();
        let index = index.min(list.len().saturating_sub(1));
        self.scenario = index;
        self.session = Session::new(list[index].clone(), 1, settings);
        self.after_load();
    }

    /// Recompute what depends on the session's scenario, settings and actions.
    fn after_load(&mut self) {
        self.total = self.session.measure_end(MAX_STEPS);
        self.answers.clear();
        self.tour_at = 0;
        self.plan = None;
        if self.tour_on {
            self.place_tour();
            if let Some(p) = &self.plan {
                self.tour_at = p.current(self.session.step()).unwrap_or(0);
            }
        }
        let sc = self.session.scenario();
        self.lost = matches!(sc.name, "wait" | "failover").then(|| {
            Rc::new([
                classroom::lost_write_lines(
                    sc,
                    self.session.seed(),
                    replscope_web::strings::table(Lang::En),
                ),
                classroom::lost_write_lines(
                    sc,
                    self.session.seed(),
                    replscope_web::strings::table(Lang::Zh),
                ),
            ])
        });
        self.compare = None;
        self.compare_kind = None;
        self.refresh();
    }

    /// Place the scenario's tour on the run, from the fetched tours; fetch them first if
    /// they have not been (the plan stays `None` until [`Msg::Tours`] brings them).
    fn place_tour(&mut self) {
        let name = self.session.scenario().name;
        self.plan = None;
        if let Some((_, tours)) = self.tours.iter().find(|(n, _)| *n == name) {
            self.plan = tours
                .clone()
                .and_then(|t| classroom::plan_tour_with(&self.session, t))
                .map(Rc::new);
            return;
        }
        if self.tour_loading == Some(name) {
            return;
        }
        self.tour_loading = Some(name);
        let link = self.link.clone();
        spawn_local(async move {
            let url = |lang| format!("tours/{}", classroom::tour_file(name, lang));
            let en = fetch_text(url(Lang::En)).await;
            let zh = fetch_text(url(Lang::Zh)).await;
            let tours = classroom::parse_tours(name, en.as_deref(), zh.as_deref());
            link.send_message(Msg::Tours(name, tours));
        });
    }

    /// Apply a user action to the simulation.
    fn act(&mut self, ctx: &Context<Self>, a: UserAction) {
        // A typed command starts playback so its packets and reply can be seen.
        let autoplay = matches!(a, UserAction::Command { .. }) && !self.playing;
        self.session.act(a);
        if autoplay {
            self.playing = true;
            self.last_ts = None;
            self.acc = 0.0;
            self.arm(ctx);
        }
        self.total = self.session.measure_end(MAX_STEPS);
        if self.tour_on {
            // The learner changed the future: place the tour on the new run.
            self.place_tour();
            self.follow_tour();
        }
        self.refresh();
    }

    /// Fetch `command-docs.txt` (the `COMMAND` facts the browser build does not embed).
    fn fetch_docs(&mut self) {
        if self.docs_loading {
            return;
        }
        self.docs_loading = true;
        let link = self.link.clone();
        spawn_local(async move {
            link.send_message(Msg::Docs(fetch_text("command-docs.txt".to_string()).await));
        });
    }

    fn flags(&self) -> ViewFlags {
        let (lang, bilingual) = lang();
        ViewFlags {
            lang,
            bilingual,
            tour: self.tour_on,
        }
    }

    /// Go to tour step `k` (its moment).
    fn tour_go(&mut self, k: usize) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        let Some(&m) = plan.moments.get(k) else {
            return;
        };
        self.tour_at = k;
        self.session.seek(m.min(self.total.max(m)));
        self.total = self.total.max(self.session.step());
        self.refresh();
    }

    /// After manual stepping: keep the tour step if the step is still within it.
    fn follow_tour(&mut self) {
        let Some(plan) = &self.plan else {
            return;
        };
        let step = self.session.step();
        let start = plan.moments.get(self.tour_at).copied().unwrap_or(0);
        let end = plan
            .moments
            .get(self.tour_at + 1)
            .copied()
            .unwrap_or(usize::MAX);
        if !(start <= step && step < end) {
            self.tour_at = plan.current(step).unwrap_or(0);
        }
    }

    /// Apply a permalink (the core's `#s=<scenario>&seed=..&step=..`, or the older
    /// `#scenario=<name>&step=<n>`), if the URL has one.
    fn apply_hash(&mut self) {
        let Some(hash) = web_sys::window().and_then(|w| w.location().hash().ok()) else {
            return;
        };
        self.apply_fragment(&hash);
    }

    /// Apply a permalink fragment (see [`App::apply_hash`]).
    fn apply_fragment(&mut self, hash: &str) {
        let Some((session, flags)) = classroom::restore(hash) else {
            return;
        };
        let name = session.scenario().name;
        self.scenario = scenarios().iter().position(|s| s.name == name).unwrap_or(0);
        self.session = session;
        set_lang(flags.lang, flags.bilingual);
        self.tour_on = flags.tour;
        let step = self.session.step();
        self.after_load();
        if let Some(p) = &self.plan {
            self.tour_at = p.current(step).unwrap_or(0);
        }
    }

    /// Keep the URL a permalink of what is shown (while paused).
    fn write_hash(&mut self) {
        let hash = classroom::permalink(&self.session, self.flags()).to_fragment();
        if hash == self.hash {
            return;
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
        }
        self.hash = hash;
    }

    fn refresh(&mut self) {
        self.snap = Rc::new(snapshot_in(&self.session, t()));
        if self.show_seq {
            self.seq = Rc::new(classroom::sequence(self.session.live()));
        }
        self.copied = false;
    }

    fn rate(&self) -> f64 {
        BASE_RATE * 2f64.powi(self.speed)
    }

    fn arm(&mut self, ctx: &Context<Self>) {
        if self.playing && self.frame.is_none() {
            let link = ctx.link().clone();
            self.frame = Some(request_animation_frame(move |ts| {
                link.send_message(Msg::Frame(ts))
            }));
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let list = scenarios();
        let session = Session::new(list[0].clone(), 1, Settings::default());
        let mut app = App {
            snap: Rc::new(snapshot_in(&session, t())),
            session,
            total: 0,
            scenario: 0,
            playing: false,
            speed: 0,
            frame: None,
            last_ts: None,
            acc: 0.0,
            inspected: None,
            hash: String::new(),
            tour_on: false,
            plan: None,
            tours: Vec::new(),
            tour_loading: None,
            tour_start: false,
            link: ctx.link().clone(),
            held: Vec::new(),
            docs_loading: false,
            hash_waiting: None,
            tour_at: 0,
            answers: Vec::new(),
            show_seq: false,
            seq: Rc::new((Vec::new(), Vec::new())),
            compare: None,
            compare_kind: None,
            presenter: false,
            narration: true,
            copied: false,
            lost: None,
            _keys: None,
            _visibility: None,
        };
        app.total = app.session.measure_end(MAX_STEPS);
        match web_sys::window().and_then(|w| w.location().hash().ok()) {
            Some(h) if replays_command_cmd(&h) => {
                app.hash_waiting = Some(h);
                app.fetch_docs();
            }
            _ => app.apply_hash(),
        }
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let link = ctx.link().clone();
            let opts = EventListenerOptions::enable_prevent_default();
            app._keys = Some(EventListener::new_with_options(
                &doc,
                "keydown",
                opts,
                move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| {
                            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                        });
                    if typing || e.ctrl_key() || e.meta_key() || e.alt_key() {
                        return;
                    }
                    let typing = typing
                        || e.target()
                            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                            .is_some_and(|el| {
                                matches!(el.tag_name().as_str(), "BUTTON" | "A")
                                    || el.get_attribute("role").as_deref() == Some("button")
                            })
                            && matches!(e.key().as_str(), " " | "Enter");
                    if typing {
                        return;
                    }
                    let msg = match e.key().as_str() {
                        " " => Msg::Toggle,
                        "ArrowRight" | "PageDown" => Msg::Step,
                        "ArrowLeft" | "PageUp" => Msg::Back,
                        "n" | "N" => Msg::Narration,
                        "+" | "=" => Msg::SpeedBy(1),
                        "-" | "_" => Msg::SpeedBy(-1),
                        _ => return,
                    };
                    e.prevent_default();
                    link.send_message(msg);
                },
            ));
            let link = ctx.link().clone();
            let d2 = doc.clone();
            app._visibility = Some(EventListener::new(&doc, "visibilitychange", move |_| {
                if d2.hidden() {
                    link.send_message(Msg::Pause);
                }
            }));
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Toggle => {
                self.playing = !self.playing && !self.session.at_end();
                self.last_ts = None;
                self.acc = 0.0;
                if !self.playing {
                    self.frame = None;
                }
                self.arm(ctx);
                true
            }
            Msg::Pause => {
                let was = self.playing;
                self.playing = false;
                self.frame = None;
                was
            }
            Msg::Step => {
                if let Some(c) = &mut self.compare {
                    return c.step();
                }
                let moved = self.session.step_forward();
                self.total = self.total.max(self.session.step());
                self.follow_tour();
                self.refresh();
                moved
            }
            Msg::Back => {
                self.session.step_back();
                self.follow_tour();
                self.refresh();
                true
            }
            Msg::Seek(n) => {
                self.session.seek(n.min(self.total));
                self.follow_tour();
                self.refresh();
                true
            }
            Msg::Lang(l) => {
                set_lang(l, lang().1);
                self.refresh();
                true
            }
            Msg::Bilingual(b) => {
                set_lang(lang().0, b);
                self.refresh();
                true
            }
            Msg::TourToggle => {
                self.tour_on = !self.tour_on;
                self.tour_start = false;
                if self.tour_on {
                    self.place_tour();
                    self.tour_start = self.plan.is_none() && self.tour_loading.is_some();
                    self.answers.clear();
                    if self.plan.is_some() {
                        // Start at the tour's first moment unless already inside it.
                        let at = self
                            .plan
                            .as_ref()
                            .and_then(|p| p.current(self.session.step()));
                        match at {
                            Some(k) => self.tour_at = k,
                            None => self.tour_go(0),
                        }
                    }
                } else {
                    self.plan = None;
                }
                self.refresh();
                true
            }
            Msg::TourGo(k) => {
                self.playing = false;
                self.frame = None;
                self.tour_go(k);
                true
            }
            Msg::Answer(k, choice) => {
                if self.answers.len() <= k {
                    self.answers.resize(k + 1, None);
                }
                self.answers[k] = Some(choice);
                // Reveal: show the master's answer arriving.
                if let Some(r) = self
                    .plan
                    .as_ref()
                    .and_then(|p| p.reveals.get(k).copied().flatten())
                {
                    self.session.seek(r);
                    self.total = self.total.max(self.session.step());
                    self.refresh();
                }
                true
            }
            Msg::SeqToggle => {
                self.show_seq = !self.show_seq;
                self.refresh();
                true
            }
            Msg::Export(kind) => {
                let name = self.session.scenario().name;
                match kind {
                    Export::Mermaid => js_download(
                        &format!("{name}.mmd"),
                        "text/plain",
                        &classroom::export_mermaid(&self.session),
                    ),
                    Export::Json => js_download(
                        &format!("{name}.json"),
                        "application/json",
                        &classroom::export_json(&self.session),
                    ),
                    Export::Png => {
                        let sel = if self.show_seq {
                            "[data-testid=sequence-svg]"
                        } else {
                            "[data-testid=topology]"
                        };
                        js_png(sel, &format!("{name}-step{}.png", self.snap.step));
                    }
                }
                false
            }
            Msg::CopyLink => {
                self.write_hash();
                if let Some(href) = web_sys::window().and_then(|w| w.location().href().ok()) {
                    js_copy(&href);
                }
                self.copied = true;
                true
            }
            Msg::CompareOpen(kind) => {
                self.playing = false;
                self.frame = None;
                self.compare_kind = Some(kind);
                self.compare = Compare::new(self.session.scenario(), self.session.seed(), kind);
                true
            }
            Msg::CompareClose => {
                self.compare = None;
                self.compare_kind = None;
                true
            }
            Msg::CompareStep => self.compare.as_mut().is_some_and(Compare::step),
            Msg::CompareEnd => {
                if let Some(c) = &mut self.compare {
                    c.run_to_end();
                }
                true
            }
            Msg::Presenter => {
                self.presenter = !self.presenter;
                true
            }
            Msg::Narration => {
                self.narration = !self.narration;
                true
            }
            Msg::ToEnd => {
                self.session.seek(self.total);
                self.session.run_to_end(MAX_STEPS);
                self.total = self.total.max(self.session.step());
                self.playing = false;
                self.frame = None;
                self.refresh();
                true
            }
            Msg::Speed(e) => {
                self.speed = e.clamp(SPEED_MIN, SPEED_MAX);
                true
            }
            Msg::SpeedBy(d) => {
                self.speed = (self.speed + d).clamp(SPEED_MIN, SPEED_MAX);
                true
            }
            Msg::Restart => {
                self.session.restart();
                self.follow_tour();
                self.refresh();
                true
            }
            Msg::Scenario(i) => {
                self.inspected = None;
                self.answers.clear();
                self.playing = false;
                self.frame = None;
                let settings = self.session.settings();
                self.load(i, settings);
                true
            }
            Msg::Frame(ts) => {
                self.frame = None;
                if !self.playing {
                    return false;
                }
                let dt = self.last_ts.map_or(0.0, |l| (ts - l).clamp(0.0, 250.0));
                self.last_ts = Some(ts);
                self.acc += dt / 1000.0 * self.rate();
                let mut changed = false;
                while self.acc >= 1.0 {
                    self.acc -= 1.0;
                    if self.session.step_forward() {
                        changed = true;
                    } else {
                        self.playing = false;
                        break;
                    }
                }
                if changed {
                    self.total = self.total.max(self.session.step());
                    self.follow_tour();
                    self.refresh();
                }
                if self.session.at_end() {
                    self.playing = false;
                    changed = true;
                }
                self.arm(ctx);
                changed
            }
            Msg::Act(a)
                if !self.held.is_empty()
                    || (is_command_cmd(&a) && !replscope_core::cmd::command_docs_installed()) =>
            {
                // COMMAND / COMMAND INFO / COMMAND DOCS need the facts the page fetches on
                // demand: run it (and any action after it, in order) once they have arrived.
                self.held.push(a);
                self.fetch_docs();
                false
            }
            Msg::Docs(text) => {
                self.docs_loading = false;
                let installed = text.map(|t| replscope_core::cmd::install_command_docs(&t));
                if !matches!(installed, Some(Ok(()))) {
                    web_sys::console::error_1(&"command-docs.txt: not loaded".into());
                }
                if let Some(h) = self.hash_waiting.take() {
                    self.apply_fragment(&h);
                }
                // Held commands run in order (if the file failed, without the facts
                // rather than not at all).
                for a in std::mem::take(&mut self.held) {
                    self.act(ctx, a);
                }
                true
            }
            Msg::Act(a) => {
                self.act(ctx, a);
                true
            }
            Msg::Inspect(seq) => {
                self.inspected = self.snap.packets.iter().find(|p| p.seq == seq).cloned();
                true
            }
            Msg::Tours(name, tours) => {
                if self.tour_loading == Some(name) {
                    self.tour_loading = None;
                }
                self.tours.push((name, tours));
                if !self.tour_on || self.session.scenario().name != name {
                    return true;
                }
                // As if the tour had been there all along: the step shown stays (a
                // permalink's step), the tour step is the one at it; a tour just turned
                // on starts at its first moment unless the step is already inside it.
                let step = self.session.step();
                self.place_tour();
                let at = self.plan.as_ref().and_then(|p| p.current(step));
                match at {
                    Some(k) => self.tour_at = k,
                    None if self.tour_start && self.plan.is_some() => self.tour_go(0),
                    None => self.tour_at = 0,
                }
                self.tour_start = false;
                self.refresh();
                true
            }
            Msg::Settings(s) => {
                self.session.set_settings(s);
                let step = self.session.step();
                self.after_load();
                if let Some(p) = &self.plan {
                    self.tour_at = p.current(step).unwrap_or(0);
                }
                true
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if !self.playing && self.hash_waiting.is_none() {
            self.write_hash();
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let snap = self.snap.clone();
        let (lang, both) = lang();
        let tour_view = self.tour_on.then(|| {
            ui::classroom::tour_panel(
                &ui::classroom::TourProps {
                    plan: self.plan.as_deref(),
                    loading: self.tour_loading == Some(self.session.scenario().name),
                    at: self.tour_at,
                    answers: &self.answers,
                    lang,
                    both,
                    narration: self.narration,
                },
                link,
            )
        });
        let live_region = ui::classroom::live_region(
            self.plan
                .as_deref()
                .filter(|_| self.tour_on)
                .and_then(|p| p.tour(lang).steps.get(self.tour_at)),
            &snap,
        );
        html! {
            <main class={classes!("app", self.presenter.then_some("presenter"))} data-testid="app"
                data-step={snap.step.to_string()} data-lang={lang.code()} data-bilingual={both.to_string()}
                data-events={snap.events.to_string()} data-playing={self.playing.to_string()}
                data-tour-step={self.tour_on.then(|| self.tour_at.to_string())}>
                { ui::el::raw(format!(
                    "<header class=\"top\"><h1 class=\"title\">Repl<span class=\"accent\">Scope</span></h1>\
                     <p class=\"tagline\">{}</p><span class=\"badge\">{}{}</span></header>",
                    ui::el::esc(t().tagline), ui::el::esc(t().version_prefix), replscope_core::VERSION)) }
                { ui::classroom::toolbar(&ui::classroom::ToolbarProps {
                    lang,
                    both,
                    tour_on: self.tour_on,
                    show_seq: self.show_seq,
                    presenter: self.presenter,
                    narration: self.narration,
                    copied: self.copied,
                    compare: self.compare_kind,
                }, link) }
                { ui::controls::view(&ui::controls::ControlsProps {
                    scenario: self.scenario,
                    playing: self.playing,
                    speed: self.speed,
                    step: snap.step,
                    total: self.total.max(snap.step),
                    time_ms: snap.time_ms,
                    at_end: snap.at_end,
                    settings: self.session.settings(),
                    scenario_backlog: self.session.scenario().nodes.first().and_then(|n| {
                        n.config.iter().find(|(k, _)| *k == "repl-backlog-size").and_then(|(_, v)| v.parse().ok())
                    }),
                }, link) }
                { live_region }
                if let Some(kind) = self.compare_kind {
                    { ui::classroom::compare_view(self.compare.as_ref(), kind, link) }
                }
                { for tour_view }
                <section class="stage" id="stage" tabindex="-1">
                    <div class="main-view">
                        { ui::topology::view(&snap, link) }
                        if self.show_seq {
                            { ui::classroom::sequence_view(&self.seq.0, &self.seq.1, snap.step, link) }
                        }
                    </div>
                    <aside class="side">
                        if let Some(lost) = &self.lost {
                            { ui::classroom::lost_panel(lost, lang, both) }
                        }
                        { ui::panels::inspector(&snap, self.inspected.as_ref()) }
                        { ui::panels::psync_panel(&snap) }
                        { ui::panels::event_log(&snap) }
                    </aside>
                </section>
                <section class="nodes" data-testid="nodes">
                    { for snap.nodes.iter().map(|n| ui::panels::node_panel(n, link)) }
                    <div class="node-card add-card">
                        { ui::el::button(link, Some("add-replica".into()), None, None, false,
                            Msg::Act(UserAction::AddReplica), format!("+ {}", t().add_replica).into()) }
                    </div>
                </section>
                { ui::el::raw(format!("<footer class=\"foot\">{}</footer>", ui::el::esc(t().keys_help))) }
            </main>
        }
    }
}

/// Set the page's language (also `<html lang>`).
fn set_lang(l: Lang, both: bool) {
    LANG.with(|c| c.set((l, both)));
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("lang", if l == Lang::Zh { "zh-Hans" } else { "en" });
    }
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_labels() {
        assert_eq!(ui::controls::speed_label(SPEED_MIN), "0.25\u{d7}");
        assert_eq!(ui::controls::speed_label(0), "1\u{d7}");
        assert_eq!(ui::controls::speed_label(SPEED_MAX), "16\u{d7}");
    }

    #[test]
    fn markup_text_is_escaped() {
        // What the panels write as markup text parses back to the text itself (a NUL,
        // which markup cannot carry, shows as U+FFFD).
        assert_eq!(
            ui::el::esc("a<b> & \"c\"\r\nd\0é"),
            "a&lt;b&gt; &amp; &quot;c&quot;&#13;\nd\u{fffd}é"
        );
        assert_eq!(ui::el::esc("PSYNC ? -1"), "PSYNC ? -1");
    }
}
