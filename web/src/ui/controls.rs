//! Playback controls, the timeline, the scenario menu and the settings sliders.

use replscope_core::dtoa::{trimmed, Fixed};
use replscope_core::sim::scenario::scenarios;
use replscope_web::model::Settings;
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use super::el::{btn, button, on_range, on_select};
use crate::{t, App, Msg, SPEED_MAX, SPEED_MIN};

/// What the controls show.
pub struct ControlsProps {
    /// Selected scenario index.
    pub scenario: usize,
    /// Playing.
    pub playing: bool,
    /// Speed exponent.
    pub speed: i32,
    /// Current step.
    pub step: usize,
    /// Steps in the whole run.
    pub total: usize,
    /// Virtual time.
    pub time_ms: f64,
    /// Run over.
    pub at_end: bool,
    /// Settings.
    pub settings: Settings,
    /// The scenario's own backlog size, if it sets one.
    pub scenario_backlog: Option<u64>,
}

/// Write rates offered (per second).
const WRITE_RATES: [u32; 7] = [0, 1, 5, 10, 50, 100, 500];
/// Latencies offered (µs); index 0 is the scenario's.
const LATENCIES: [Option<u64>; 6] = [
    None,
    Some(100),
    Some(1_000),
    Some(10_000),
    Some(50_000),
    Some(200_000),
];
/// Bandwidths offered (bytes/s); index 0 is the scenario's.
const BANDWIDTHS: [Option<u64>; 5] = [
    None,
    Some(10_000_000),
    Some(1_000_000),
    Some(100_000),
    Some(10_000),
];

/// `0.25×`, `1×`, `16×`.
pub fn speed_label(exp: i32) -> String {
    let v = 2f64.powi(exp);
    if v < 1.0 {
        format!("{}\u{d7}", trimmed(v, 2))
    } else {
        format!("{}\u{d7}", v as u32)
    }
}

fn bytes(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} B")
    }
}

fn input_value(e: &Event) -> Option<String> {
    e.target_dyn_into::<HtmlInputElement>().map(|i| i.value())
}

/// A settings slider: choosing position `i` sends the settings `set(settings, i)`.
#[allow(clippy::too_many_arguments)]
fn slider(
    id: &'static str,
    label: &str,
    value_text: String,
    max: usize,
    value: usize,
    link: &Scope<App>,
    settings: Settings,
    set: fn(Settings, usize) -> Settings,
) -> Html {
    let link = link.clone();
    let onchange = Callback::from(move |e: Event| {
        if let Some(v) = input_value(&e).and_then(|v| v.parse().ok()) {
            link.send_message(Msg::Settings(set(settings, v)));
        }
    });
    html! {
        <label class="setting">
            <span>{ label }</span>
            <input type="range" min="0" max={max.to_string()} step="1" value={value.to_string()}
                data-testid={id} {onchange} />
            <output data-testid={format!("{id}-value")}>{ value_text }</output>
        </label>
    }
}

/// The backlog sizes offered (index 0 is the scenario's).
fn backlog_step(i: usize) -> Option<u64> {
    (1..=7).contains(&i).then(|| 1u64 << (13 + i))
}

/// The control bar and settings.
pub fn view(p: &ControlsProps, link: &Scope<App>) -> Html {
    let s = t();
    let list = scenarios();
    let (lang, both) = crate::lang();
    let description = list.get(p.scenario).map_or(String::new(), |sc| {
        let d = replscope_web::strings::scenario_description(lang, sc.name, sc.description);
        if both {
            let o =
                replscope_web::strings::scenario_description(lang.other(), sc.name, sc.description);
            format!("{d} / {o}")
        } else {
            d.to_string()
        }
    });
    let on_scenario = on_select(link, |v| v.parse().ok().map(Msg::Scenario));
    let on_seek = on_range(link, |v| v.parse().ok().map(Msg::Seek));
    let on_speed = on_range(link, |v| v.parse().ok().map(Msg::Speed));
    let st = p.settings;
    let backlog_idx = (1..=7)
        .find(|&i| st.backlog_size.is_some() && backlog_step(i) == st.backlog_size)
        .unwrap_or(0);
    let backlog_text = match st.backlog_size.or(p.scenario_backlog) {
        Some(b) => bytes(b),
        None => bytes(1024 * 1024),
    };
    let rate_idx = WRITE_RATES
        .iter()
        .position(|r| *r == st.write_rate)
        .unwrap_or(0);
    let lat_idx = LATENCIES
        .iter()
        .position(|l| *l == st.latency_us)
        .unwrap_or(0);
    let lat_text = match st.latency_us {
        None => format!("1 ms ({})", s.default_value),
        Some(us) if us < 1_000 => format!("{} ms", trimmed(us as f64 / 1000.0, 3)),
        Some(us) => format!("{} ms", us / 1000),
    };
    let bw_idx = BANDWIDTHS
        .iter()
        .position(|b| *b == st.bandwidth)
        .unwrap_or(0);
    let bw_text = match st.bandwidth {
        None | Some(0) => s.unlimited.to_string(),
        Some(b) => format!("{}/s", bytes(b)),
    };
    html! {
        <section class="controls" data-testid="controls">
            <div class="row">
                <label class="scenario">
                    <span>{ s.scenario }</span>
                    <select data-testid="scenario-select" onchange={on_scenario}>
                        { for list.iter().enumerate().map(|(i, sc)| html! {
                            <option value={i.to_string()} selected={i == p.scenario}>{ sc.name }</option>
                        }) }
                    </select>
                </label>
                <span class="description" data-testid="scenario-description">{ description }</span>
            </div>
            <div class="row buttons">
                { btn(link, "btn-restart", Msg::Restart, s.restart) }
                { button(link, Some("btn-back".into()), None, None, p.step == 0, Msg::Back, s.back.into()) }
                { button(link, Some("btn-play".into()), Some("primary"), Some(p.playing), false, Msg::Toggle,
                    (if p.playing { s.pause } else { s.play }).into()) }
                { button(link, Some("btn-step".into()), None, None, p.at_end, Msg::Step, s.step.into()) }
                { button(link, Some("btn-end".into()), None, None, p.at_end, Msg::ToEnd, s.to_end.into()) }
                <label class="speed">
                    <span>{ s.speed }</span>
                    <input type="range" data-testid="speed" min={SPEED_MIN.to_string()} max={SPEED_MAX.to_string()}
                        step="1" value={p.speed.to_string()} oninput={on_speed} />
                    <output data-testid="speed-value">{ speed_label(p.speed) }</output>
                </label>
            </div>
            <div class="row timeline">
                <span>{ s.timeline }</span>
                <input type="range" data-testid="timeline" aria-label={s.timeline} min="0"
                    max={p.total.to_string()} step="1" value={p.step.to_string()} oninput={on_seek} />
                <output data-testid="step-counter">
                    { format!("{} {} / {}", s.step_word, p.step, p.total) }
                </output>
                <output class="clock" data-testid="clock">{ format!("t = {} ms", Fixed(p.time_ms, 3)) }</output>
                if p.at_end { <span class="done" data-testid="finished">{ s.finished }</span> }
            </div>
            <details class="settings">
                <summary>{ s.settings }</summary>
                <div class="row">
                    { slider("set-backlog", s.backlog_size, backlog_text, 7, backlog_idx, link, st,
                        |st, i| Settings { backlog_size: backlog_step(i), ..st }) }
                    { slider("set-rate", s.write_rate, format!("{}/s", st.write_rate), WRITE_RATES.len() - 1, rate_idx, link, st,
                        |st, i| Settings { write_rate: WRITE_RATES.get(i).copied().unwrap_or(0), ..st }) }
                    { slider("set-latency", s.latency, lat_text, LATENCIES.len() - 1, lat_idx, link, st,
                        |st, i| Settings { latency_us: LATENCIES.get(i).copied().flatten(), ..st }) }
                    { slider("set-bandwidth", s.bandwidth, bw_text, BANDWIDTHS.len() - 1, bw_idx, link, st,
                        |st, i| Settings { bandwidth: BANDWIDTHS.get(i).copied().flatten(), ..st }) }
                </div>
            </details>
        </section>
    }
}
