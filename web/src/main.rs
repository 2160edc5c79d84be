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
use replscope_web::model::view::PacketView;
use replscope_web::model::{snapshot, Session, Settings, Snapshot, UserAction};
use replscope_web::strings::{Strings, EN};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Steps per second at 1×.
const BASE_RATE: f64 = 2.0;
/// Speed exponents: 2^-2 = 0.25× to 2^4 = 16×.
const SPEED_MIN: i32 = -2;
/// Fastest speed exponent.
const SPEED_MAX: i32 = 4;
/// Most steps the timeline measures.
const MAX_STEPS: usize = 200_000;

/// The text table in use.
pub fn t() -> &'static Strings {
    &EN
}

/// Messages of [`App`].
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
    /// The URL fragment last written (`#scenario=full-sync&step=12`).
    hash: String,
    _keys: Option<EventListener>,
    _visibility: Option<EventListener>,
}

impl App {
    fn load(&mut self, index: usize, settings: Settings) {
        let list = scenarios();
        let index = index.min(list.len().saturating_sub(1));
        self.scenario = index;
        self.session = Session::new(list[index].clone(), 1, settings);
        self.total = self.session.measure_end(MAX_STEPS);
        self.refresh();
    }

    /// Apply a permalink (`#scenario=<name>&step=<n>`), if the URL has one.
    fn apply_hash(&mut self) {
        let Some(hash) = web_sys::window().and_then(|w| w.location().hash().ok()) else {
            return;
        };
        let (scenario, step) = parse_hash(&hash);
        let Some(i) = scenario.and_then(|n| scenarios().iter().position(|s| s.name == n)) else {
            return;
        };
        self.load(i, Settings::default());
        if let Some(step) = step {
            self.session.seek(step.min(self.total));
            self.refresh();
        }
    }

    /// Keep the URL a permalink of what is shown (while paused).
    fn write_hash(&mut self) {
        let hash = format!(
            "#scenario={}&step={}",
            self.session.scenario().name,
            self.snap.step
        );
        if hash == self.hash {
            return;
        }
        if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
        }
        self.hash = hash;
    }

    fn refresh(&mut self) {
        self.snap = Rc::new(snapshot(&self.session));
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
            snap: Rc::new(snapshot(&session)),
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
            _keys: None,
            _visibility: None,
        };
        app.total = app.session.measure_end(MAX_STEPS);
        app.apply_hash();
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
                    let msg = match e.key().as_str() {
                        " " => Msg::Toggle,
                        "ArrowRight" => Msg::Step,
                        "ArrowLeft" => Msg::Back,
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
                let moved = self.session.step_forward();
                self.total = self.total.max(self.session.step());
                self.refresh();
                moved
            }
            Msg::Back => {
                self.session.step_back();
                self.refresh();
                true
            }
            Msg::Seek(n) => {
                self.session.seek(n.min(self.total));
                self.refresh();
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
                self.refresh();
                true
            }
            Msg::Scenario(i) => {
                self.inspected = None;
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
                    self.refresh();
                }
                if self.session.at_end() {
                    self.playing = false;
                    changed = true;
                }
                self.arm(ctx);
                changed
            }
            Msg::Act(a) => {
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
                self.refresh();
                true
            }
            Msg::Inspect(seq) => {
                self.inspected = self.snap.packets.iter().find(|p| p.seq == seq).cloned();
                true
            }
            Msg::Settings(s) => {
                self.session.set_settings(s);
                self.total = self.session.measure_end(MAX_STEPS);
                self.refresh();
                true
            }
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if !self.playing {
            self.write_hash();
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let snap = self.snap.clone();
        let on_act = link.callback(Msg::Act);
        html! {
            <main class="app" data-testid="app" data-step={snap.step.to_string()}
                data-events={snap.events.to_string()} data-playing={self.playing.to_string()}>
                <header class="top">
                    <h1 class="title">{ "Repl" }<span class="accent">{ "Scope" }</span></h1>
                    <p class="tagline">{ t().tagline }</p>
                    <span class="badge">{ format!("{}{}", t().version_prefix, replscope_core::VERSION) }</span>
                </header>
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
                <section class="stage">
                    { ui::topology::view(&snap, &link.callback(Msg::Inspect)) }
                    <aside class="side">
                        { ui::panels::inspector(&snap, self.inspected.as_ref()) }
                        { ui::panels::psync_panel(&snap) }
                        { ui::panels::event_log(&snap) }
                    </aside>
                </section>
                <section class="nodes" data-testid="nodes">
                    { for snap.nodes.iter().map(|n| ui::panels::node_panel(&snap, n, &on_act)) }
                    <div class="node-card add-card">
                        <button data-testid="add-replica" onclick={on_act.reform(|_| UserAction::AddReplica)}>
                            { format!("+ {}", t().add_replica) }
                        </button>
                    </div>
                </section>
                <footer class="foot">{ t().keys_help }</footer>
            </main>
        }
    }
}

/// `#scenario=<name>&step=<n>` → (name, step).
fn parse_hash(hash: &str) -> (Option<String>, Option<usize>) {
    let mut scenario = None;
    let mut step = None;
    for part in hash.trim_start_matches('#').split('&') {
        match part.split_once('=') {
            Some(("scenario", v)) => scenario = Some(v.to_string()),
            Some(("step", v)) => step = v.parse().ok(),
            _ => {}
        }
    }
    (scenario, step)
}

fn main() {
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permalinks_parse() {
        assert_eq!(
            parse_hash("#scenario=partial-resync&step=40"),
            (Some("partial-resync".to_string()), Some(40))
        );
        assert_eq!(parse_hash(""), (None, None));
        assert_eq!(parse_hash("#step=x&junk"), (None, None));
    }

    #[test]
    fn speed_labels() {
        assert_eq!(ui::controls::speed_label(SPEED_MIN), "0.25\u{d7}");
        assert_eq!(ui::controls::speed_label(0), "1\u{d7}");
        assert_eq!(ui::controls::speed_label(SPEED_MAX), "16\u{d7}");
    }
}
