//! The classroom layer: the toolbar (language, tour, sequence diagram, compare, presenter
//! mode, copy link), the tour's narration panel with predict-then-reveal questions, the
//! sequence diagram with its exports, compare mode, the lost-write explainer and the text
//! of the ARIA live region.

use replscope_core::dtoa::{fixed, Fixed};
use replscope_core::tour::TourStep;
use replscope_web::model::classroom::{Compare, CompareKind, SeqMessage, TourPlan};
use replscope_web::model::Snapshot;
use replscope_web::strings::{table, Lang};
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use std::fmt::Write;

use super::el::{btn, button, esc, on_select, raw, send};
use crate::{t, App, Export, Msg};

/// What the toolbar shows.
pub struct ToolbarProps {
    /// Language.
    pub lang: Lang,
    /// Bilingual mode.
    pub both: bool,
    /// Tour on.
    pub tour_on: bool,
    /// Sequence diagram shown.
    pub show_seq: bool,
    /// Presenter mode.
    pub presenter: bool,
    /// Narration shown.
    pub narration: bool,
    /// Link just copied.
    pub copied: bool,
    /// Compare mode open with this kind.
    pub compare: Option<CompareKind>,
}

fn kind_value(k: CompareKind) -> &'static str {
    match k {
        CompareKind::Disconnect => "disconnect",
        CompareKind::Backlog => "backlog",
        CompareKind::Diskless => "diskless",
    }
}

/// The classroom toolbar.
pub fn toolbar(p: &ToolbarProps, link: &Scope<App>) -> Html {
    let s = t();
    let on_lang = on_select(link, |v| Some(Msg::Lang(Lang::from_code(&v))));
    let on_both = link.batch_callback(|e: Event| {
        e.target_dyn_into::<HtmlInputElement>()
            .map(|i| Msg::Bilingual(i.checked()))
    });
    let on_compare = on_select(link, |v| {
        Some(match v.as_str() {
            "disconnect" => Msg::CompareOpen(CompareKind::Disconnect),
            "backlog" => Msg::CompareOpen(CompareKind::Backlog),
            "diskless" => Msg::CompareOpen(CompareKind::Diskless),
            _ => Msg::CompareClose,
        })
    });
    let cur = p.compare.map_or("", kind_value);
    html! {
        <nav class="toolbar controls" aria-label={s.settings} data-testid="toolbar">
            <label>
                <span>{ s.language }</span>
                <select data-testid="lang-select" onchange={on_lang}>
                    { for [Lang::En, Lang::Zh].into_iter().map(|l| html! {
                        <option value={l.code()} selected={l == p.lang}>{ l.name() }</option>
                    }) }
                </select>
            </label>
            <label>
                <input type="checkbox" data-testid="bilingual" checked={p.both} onchange={on_both} />
                <span>{ s.bilingual }</span>
            </label>
            { button(link, Some("btn-tour".into()), None, Some(p.tour_on), false, Msg::TourToggle, s.tour.into()) }
            { button(link, Some("btn-seq".into()), None, Some(p.show_seq), false, Msg::SeqToggle, s.sequence.into()) }
            <label>
                <span>{ s.compare }</span>
                <select data-testid="compare-select" onchange={on_compare}>
                    <option value="" selected={p.compare.is_none()}>{ "\u{2014}" }</option>
                    <option value="disconnect" selected={cur == "disconnect"}>{ s.var_disconnect }</option>
                    <option value="backlog" selected={cur == "backlog"}>{ s.var_backlog }</option>
                    <option value="diskless" selected={cur == "diskless"}>{ s.var_diskless }</option>
                </select>
            </label>
            { button(link, Some("btn-presenter".into()), None, Some(p.presenter), false, Msg::Presenter, s.presenter.into()) }
            { button(link, Some("btn-narration".into()), None, Some(p.narration), false, Msg::Narration, s.narration.into()) }
            { btn(link, "btn-copy-link", Msg::CopyLink, if p.copied { s.copied } else { s.copy_link }) }
        </nav>
    }
}

/// What the tour panel shows.
pub struct TourProps<'a> {
    /// The placed tour (`None`: the scenario has none, or it is still loading).
    pub plan: Option<&'a TourPlan>,
    /// The tour's text is being fetched (shown instead of "no tour").
    pub loading: bool,
    /// The tour step shown.
    pub at: usize,
    /// Answers given.
    pub answers: &'a [Option<String>],
    /// Language.
    pub lang: Lang,
    /// Bilingual mode.
    pub both: bool,
    /// Narration shown.
    pub narration: bool,
}

/// A tour step's narration (markup, appended to `out`).
fn narration(out: &mut String, st: &TourStep, lang: Lang, second: bool) {
    let code = if lang == Lang::Zh { "zh-Hans" } else { "en" };
    let _ = write!(
        out,
        "<div class=\"narration{}\" lang=\"{code}\" data-testid=\"{}\"><h3 data-testid=\"{}\">{}</h3>",
        if second { " second" } else { "" },
        if second { "tour-second" } else { "tour-narration" },
        if second { "tour-title-2" } else { "tour-title" },
        esc(&st.title)
    );
    for p in st.paragraphs() {
        let _ = write!(out, "<p class=\"tour-text\">{}</p>", esc(&p));
    }
    out.push_str("</div>");
}

/// The guided tour's narration panel.
pub fn tour_panel(p: &TourProps<'_>, link: &Scope<App>) -> Html {
    let s = t();
    let Some(plan) = p.plan else {
        return raw(if p.loading {
            format!(
                "<section class=\"panel tour\" data-testid=\"tour-panel\" aria-busy=\"true\"><p data-testid=\"tour-loading\" role=\"status\">{}</p></section>",
                esc(s.tour_loading)
            )
        } else {
            format!(
                "<section class=\"panel tour\" data-testid=\"tour-panel\"><p>{}</p></section>",
                esc(s.tour_none)
            )
        });
    };
    let tour = plan.tour(p.lang);
    let other = plan.tour(p.lang.other());
    let k = p.at.min(tour.steps.len().saturating_sub(1));
    let Some(st) = tour.steps.get(k) else {
        return html! {};
    };
    let n = tour.steps.len();
    let mut told = String::new();
    if p.narration {
        narration(&mut told, st, p.lang, false);
        if let Some(o) = other.steps.get(k).filter(|_| p.both) {
            narration(&mut told, o, p.lang.other(), true);
        }
        if !st.knobs.is_empty() {
            let _ = write!(
                told,
                "<p class=\"knobs\"><span class=\"muted\">{}: </span>",
                esc(s.knobs)
            );
            for kn in &st.knobs {
                let _ = write!(told, "<code class=\"knob chip\">{}</code>", esc(kn));
            }
            told.push_str("</p>");
        }
    }
    let question = st.question.as_ref().map(|q| {
        let answered = p.answers.get(k).cloned().flatten();
        let other_q = other.steps.get(k).and_then(|o| o.question.as_ref());
        let choices: Vec<Html> = q
            .choices
            .iter()
            .map(|c| {
                let picked = answered.as_deref() == Some(c.as_str());
                button(
                    link,
                    Some(format!("choice-{c}").into()),
                    Some(if picked { "choice picked" } else { "choice" }),
                    None,
                    answered.is_some(),
                    Msg::Answer(k, c.clone()),
                    c.clone().into(),
                )
            })
            .collect();
        let feedback = answered.map(|a| {
            let ok = a == q.answer;
            let text = if ok {
                s.right.to_string()
            } else {
                s.wrong.replace("{answer}", &q.answer)
            };
            html! { <p class={classes!("feedback", if ok { "right" } else { "wrong" })}
            data-testid="tour-feedback" role="status">{ text }</p> }
        });
        html! {
            <div class="question" data-testid="tour-question">
                { raw({
                    let mut m = format!("<h4>{}</h4><p>{}</p>", esc(s.predict), esc(&q.ask));
                    if let Some(o) = other_q.filter(|_| p.both) {
                        let _ = write!(m, "<p class=\"second\">{}</p>", esc(&o.ask));
                    }
                    m
                }) }
                <div class="choices">{ for choices }</div>
                { for feedback }
            </div>
        }
    });
    html! {
        <section class="panel tour" data-testid="tour-panel" aria-label={s.tour}>
            <header class="tour-head">
                { raw(format!("<h2>{}</h2><span class=\"muted\" data-testid=\"tour-pos\">{}</span>", esc(&tour.title),
                    esc(&s.tour_pos.replace("{n}", &(k + 1).to_string()).replace("{total}", &n.to_string())))) }
                { button(link, Some("tour-prev".into()), None, None, k == 0, Msg::TourGo(k.saturating_sub(1)), s.tour_prev.into()) }
                { button(link, Some("tour-next".into()), Some("primary"), None, k + 1 >= n, Msg::TourGo(k + 1), s.tour_next.into()) }
            </header>
            { raw(told) }
            { for question }
        </section>
    }
}

/// The ARIA live region: the tour step's narration (changes only when the tour step does,
/// so it is announced once) and every event the current step added.
pub fn live_region(step: Option<&TourStep>, snap: &Snapshot) -> Html {
    let narration = step.map(|st| {
        let mut t = st.title.clone();
        for p in st.paragraphs() {
            t.push(' ');
            t.push_str(&p);
        }
        t
    });
    let fresh = &snap.log[snap.log.len() - snap.fresh.min(snap.log.len())..];
    html! {
        <div class="sr-only" role="status" aria-live="polite" data-testid="live-region">
            if let Some(n) = narration { <p data-testid="live-narration">{ n }</p> }
            { for fresh.iter().map(|l| html! { <p>{ l.trim() }</p> }) }
        </div>
    }
}

/// Height of one message row in the sequence diagram.
const ROW: f64 = 22.0;
/// Width of one lane.
const LANE: f64 = 150.0;
/// Most messages drawn (the latest ones).
const MAX_ROWS: usize = 400;

/// The sequence diagram: a lane per node, every message so far (the current step's
/// highlighted; click or Enter jumps there), with export buttons.
pub fn sequence_view(
    lanes: &[String],
    msgs: &[SeqMessage],
    step: usize,
    link: &Scope<App>,
) -> Html {
    let s = t();
    let skip = msgs.len().saturating_sub(MAX_ROWS);
    let shown = &msgs[skip..];
    let w = LANE * lanes.len().max(1) as f64;
    let h = 40.0 + ROW * shown.len() as f64 + 10.0;
    let x = |i: usize| LANE / 2.0 + LANE * i as f64;
    let mut heads = String::new();
    for (i, n) in lanes.iter().enumerate() {
        let _ = write!(
            heads,
            "<g><line x1=\"{x}\" x2=\"{x}\" y1=\"30\" y2=\"{}\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"3 4\"></line>\
             <text x=\"{x}\" y=\"20\" text-anchor=\"middle\" font-weight=\"700\" fill=\"currentColor\" font-size=\"13\" \
             font-family=\"ui-monospace, monospace\">{}</text></g>",
            Fixed(h, 0),
            esc(n),
            x = Fixed(x(i), 0)
        );
    }
    let rows = shown.iter().enumerate().map(|(r, m)| {
        let y = 40.0 + ROW * r as f64 + ROW / 2.0;
        let (x1, x2) = (x(m.from), x(m.to));
        let dir = if x2 >= x1 { 1.0 } else { -1.0 };
        let current = m.step == step;
        let target = m.step;
        let onclick = send(link, Msg::Seek(target));
        let onkeydown = link.batch_callback(move |e: KeyboardEvent| {
            (e.key() == "Enter" || e.key() == " ").then(|| {
                e.prevent_default();
                Msg::Seek(target)
            })
        });
        let colour = if m.label.starts_with("+FULLRESYNC") || m.label.starts_with("RDB") {
            "#D55E00"
        } else if m.label.starts_with("+CONTINUE") {
            "#0072B2"
        } else {
            "#777"
        };
        let label = format!("{} ms  {}", Fixed(m.ms, 1), m.label);
        let mut inner = String::new();
        if current {
            let _ = write!(
                inner,
                "<rect x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#F0E442\" fill-opacity=\"0.35\"></rect>",
                Fixed(y - ROW / 2.0, 0),
                Fixed(w, 0),
                Fixed(ROW, 0)
            );
        }
        let _ = write!(
            inner,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{colour}\" stroke-width=\"1.6\"></line>\
             <path d=\"M{} {y} l{} -4 l0 8 z\" fill=\"{colour}\"></path>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10.5\" font-family=\"ui-monospace, monospace\" fill=\"currentColor\">{}</text>\
             <title>{}</title>",
            Fixed(x1, 0),
            Fixed(x2 - dir * 6.0, 0),
            Fixed(x2, 0),
            Fixed(-dir * 7.0, 0),
            Fixed((x1 + x2) / 2.0, 0),
            Fixed(y - 4.0, 0),
            esc(&m.label),
            esc(&label),
            y = Fixed(y, 0)
        );
        html! {
            <g class={classes!("msg", current.then_some("current"))} tabindex="0" role="button"
                data-testid="seq-msg" data-step={m.step.to_string()} aria-label={label}
                {onclick} {onkeydown}>
                { raw(inner) }
            </g>
        }
    });
    html! {
        <section class="panel sequence" data-testid="sequence" aria-label={s.sequence}>
            <header class="seq-head">
                <h2>{ s.sequence }</h2>
                { btn(link, "export-mermaid", Msg::Export(Export::Mermaid), s.export_mermaid) }
                { btn(link, "export-json", Msg::Export(Export::Json), s.export_json) }
                { btn(link, "export-png", Msg::Export(Export::Png), s.export_png) }
            </header>
            if skip > 0 { <p class="muted">{ format!("+{skip} \u{2191}") }</p> }
            <div class="seq-scroll">
                <svg data-testid="sequence-svg" xmlns="http://www.w3.org/2000/svg" width={fixed(w, 0)} height={fixed(h, 0)}
                    viewBox={format!("0 0 {} {}", Fixed(w, 0), Fixed(h, 0))} role="group" aria-label={s.sequence}>
                    { raw(heads) }
                    { for rows }
                </svg>
            </div>
        </section>
    }
}

/// One compare side's costs (markup, appended to `out`).
fn cost_rows(out: &mut String, c: &Compare, i: usize) {
    let s = t();
    let cost = &c.costs[i];
    let catch = cost.catch_up_ms.map_or_else(
        || s.no_resync.to_string(),
        |ms| format!("{} ms", Fixed(ms, 1)),
    );
    let _ = write!(
        out,
        "<dl class=\"facts mono cost\"><dt>{}</dt><dd data-testid=\"cmp-full-{i}\">{}</dd>\
         <dt>{}</dt><dd data-testid=\"cmp-partial-{i}\">{}</dd>\
         <dt>{}</dt><dd data-testid=\"cmp-bytes-{i}\">{}</dd>\
         <dt>{}</dt><dd data-testid=\"cmp-catchup-{i}\">{}</dd></dl>",
        esc(s.full_syncs),
        cost.full_syncs,
        esc(s.partial_syncs),
        cost.partial_syncs,
        esc(s.bytes_sent),
        cost.bytes,
        esc(s.catch_up),
        esc(&catch)
    );
}

/// Compare mode: two runs side by side, stepped in lockstep by virtual time.
pub fn compare_view(c: Option<&Compare>, kind: CompareKind, link: &Scope<App>) -> Html {
    let s = t();
    let Some(c) = c else {
        let _ = kind;
        return html! {
            <section class="panel compare" data-testid="compare">
                <p data-testid="compare-na">{ format!("{} \u{2014} {}", s.compare, s.no_resync) }</p>
                { button(link, None, None, None, false, Msg::CompareClose, s.close.into()) }
            </section>
        };
    };
    let mut sides = String::new();
    for i in 0..2 {
        let sess = &c.sides[i];
        let live = sess.live();
        let snap = replscope_web::model::view::snapshot_in(sess, s);
        let _ = write!(
            sides,
            "<article class=\"cmp-side\" data-testid=\"cmp-side-{i}\"><h3 class=\"mono\">{}</h3><p class=\"mono muted\">{} {} \u{b7} t = {} ms",
            esc(&c.labels[i]),
            esc(s.step_word),
            sess.step(),
            Fixed(snap.time_ms, 1)
        );
        if sess.at_end() {
            let _ = write!(sides, " \u{b7} {}", esc(s.finished));
        }
        let _ = write!(
            sides,
            "</p><ul class=\"psync-list\" data-testid=\"cmp-psyncs-{i}\">"
        );
        for p in &live.psyncs {
            let _ = write!(
                sides,
                "<li class=\"{}\">{} {}: {}</li>",
                if p.outcome == "+CONTINUE" {
                    "outcome continue"
                } else {
                    "outcome full"
                },
                esc(s.step_word),
                p.step,
                esc(p.outcome)
            );
        }
        sides.push_str("</ul><ul class=\"replicas\">");
        for n in &snap.nodes {
            let _ = write!(
                sides,
                "<li class=\"mono\">{} ({}) \u{b7} {} {}</li>",
                esc(&n.name),
                n.role,
                esc(s.offset),
                n.offset
            );
        }
        sides.push_str("</ul>");
        cost_rows(&mut sides, c, i);
        sides.push_str("</article>");
    }
    html! {
        <section class="panel compare" data-testid="compare" aria-label={s.compare}>
            <header class="seq-head">
                <h2>{ format!("{} \u{b7} {}", s.compare, s.variation) }</h2>
                { btn(link, "cmp-step", Msg::CompareStep, s.step) }
                { btn(link, "cmp-end", Msg::CompareEnd, s.to_end) }
                { btn(link, "cmp-close", Msg::CompareClose, s.close) }
            </header>
            <div class="cmp-grid">{ raw(sides) }</div>
        </section>
    }
}

/// The lost-write explainer (`wait`, `failover`), in the page's language (both in
/// bilingual mode).
pub fn lost_panel(lost: &[Vec<String>; 2], lang: Lang, both: bool) -> Html {
    let s = t();
    let lines = &lost[lang as usize];
    let other = &lost[lang.other() as usize];
    let mut m = format!(
        "<section class=\"panel lost\" data-testid=\"lost-writes\"><h2>{}</h2>",
        esc(s.lost_title)
    );
    if lines.is_empty() {
        let _ = write!(m, "<p>{}</p>", esc(table(lang).lost_none));
        if both {
            let _ = write!(
                m,
                "<p class=\"second\">{}</p>",
                esc(table(lang.other()).lost_none)
            );
        }
    }
    m.push_str("<ul>");
    for (i, l) in lines.iter().enumerate() {
        let _ = write!(m, "<li><p data-testid=\"lost-line\">{}</p>", esc(l));
        if let Some(o) = other.get(i).filter(|_| both) {
            let _ = write!(m, "<p class=\"second\">{}</p>", esc(o));
        }
        m.push_str("</li>");
    }
    m.push_str("</ul></section>");
    raw(m)
}
