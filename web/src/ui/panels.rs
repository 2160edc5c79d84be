//! Per-node panels (state, replicas, backlog ruler, RDB, keyspace, INFO, console), the
//! PSYNC decision panel and the event log.

use replscope_core::dtoa::Fixed;
use replscope_web::model::resp::split_args;
use replscope_web::model::view::{short_id, BacklogView, NodeView, PacketView};
use replscope_web::model::{Snapshot, UserAction};
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use std::fmt::Write;

use super::el::{button, esc, raw};
use crate::{t, App, Msg};

/// The PSYNC decision: what was asked against what the master had, and the outcome.
/// Its texts are markup; the table stays elements (the markup parser would add a
/// `<tbody>` to it).
pub fn psync_panel(snap: &Snapshot) -> Html {
    let s = t();
    let mut head = format!("<h2>{}</h2>", esc(s.psync_title));
    let mut tail = String::new();
    let mut table = Html::default();
    match &snap.psync {
        None => {
            let _ = write!(head, "<p class=\"muted\">{}</p>", esc(s.psync_none));
        }
        Some(p) => {
            let who = |i: Option<usize>| {
                i.and_then(|i| snap.nodes.iter().find(|n| n.index == i))
                    .map_or_else(|| "?".to_string(), |n| n.name.clone())
            };
            let window = match p.window {
                Some((first, hist)) => format!("[{first}, {}]", first + hist),
                None => s.no_backlog.to_string(),
            };
            let outcome_class = if p.outcome == "+CONTINUE" {
                "outcome continue"
            } else {
                "outcome full"
            };
            let _ = write!(
                head,
                "<p class=\"muted\">{} \u{2192} {} ({} {})</p>",
                esc(&who(p.replica)),
                esc(&who(Some(p.master))),
                esc(s.step_word),
                p.step
            );
            table = html! {
                <table class="psync">
                    <tr><th>{ s.requested }</th>
                        <td><code>{ format!("PSYNC {} {}", p.requested_replid, p.requested_offset) }</code></td></tr>
                    <tr><th>{ "replid" }</th><td><code>{ &p.replid }</code></td></tr>
                    <tr><th>{ "replid2" }</th>
                        <td><code>{ format!("{} (second_repl_offset {})", p.replid2, p.second_repl_offset) }</code></td></tr>
                    <tr><th>{ s.window }</th><td><code>{ window }</code></td></tr>
                    <tr><th>{ "master_repl_offset" }</th><td><code>{ p.master_repl_offset }</code></td></tr>
                </table>
            };
            let _ = write!(
                tail,
                "<p class=\"{outcome_class}\" data-testid=\"psync-outcome\">{}</p>\
                 <p class=\"reason\" data-testid=\"psync-reason\">{}</p>",
                esc(p.outcome),
                esc(&p.reason.text(s))
            );
        }
    }
    tail.push_str("<ul class=\"psync-history\" data-testid=\"psync-history\">");
    for p in &snap.psyncs {
        let _ = write!(
            tail,
            "<li>{} {}: PSYNC {} {} \u{2192} {}</li>",
            esc(s.step_word),
            p.step,
            esc(&short_id(&p.requested_replid)),
            p.requested_offset,
            esc(p.outcome)
        );
    }
    tail.push_str("</ul>");
    html! {
        <section class="panel psync-panel" data-testid="psync-panel">
            { raw(head) }
            { table }
            { raw(tail) }
        </section>
    }
}

/// The message inspector: the bytes of the packet last clicked, exactly as sent.
pub fn inspector(snap: &Snapshot, p: Option<&PacketView>) -> Html {
    let s = t();
    let name = |i: Option<usize>| {
        i.and_then(|i| snap.nodes.iter().find(|n| n.index == i))
            .map_or_else(|| s.client.to_string(), |n| n.name.clone())
    };
    let body = match p {
        None => html! { <p class="muted">{ s.inspect_hint }</p> },
        Some(p) => html! {
            <>
                { raw(format!("<p><strong>{} \u{2192} {}</strong> \u{b7} {} \u{b7} {} B</p>",
                    esc(&name(p.from)), esc(&name(p.to)), esc(&p.label), p.len)) }
                <pre class="mono bytes" data-testid="inspector-bytes">{ &p.preview }</pre>
            </>
        },
    };
    html! {
        <section class="panel inspector" data-testid="inspector">
            <h2>{ s.inspect_title }</h2>
            { body }
        </section>
    }
}

/// The most recent events, as a table a screen reader can walk (time, event); the
/// latest is also announced by the page's live region.
pub fn event_log(snap: &Snapshot) -> Html {
    let s = t();
    // The whole table is markup (rows alone would be dropped by the markup parser
    // outside a table); the scrolling box around it stays an element.
    let mut m = format!(
        "<table class=\"events\" data-testid=\"event-log\"><caption class=\"sr-only\">{}</caption>\
         <thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(s.events),
        esc(s.col_time),
        esc(s.col_event)
    );
    for l in &snap.log {
        let (time, text) = l.split_once(" ms  ").unwrap_or(("", l.as_str()));
        let _ = write!(
            m,
            "<tr><td class=\"mono\">{}</td><td>{}</td></tr>",
            esc(time.trim()),
            esc(text)
        );
    }
    m.push_str("</tbody></table>");
    html! {
        <section class="panel log-panel">
            <h2 id="events-title">{ s.events }</h2>
            <div class="log" tabindex="0" role="region" aria-labelledby="events-title">{ raw(m) }</div>
        </section>
    }
}

/// The backlog drawn on an offset ruler: the window it holds and where replicas are
/// (markup, appended to `out`).
fn backlog_ruler(out: &mut String, b: &BacklogView) {
    let s = t();
    if !b.active {
        let _ = write!(out, "<p class=\"muted\">{}</p>", esc(s.no_backlog));
        return;
    }
    let hi = b.master_repl_offset.max(1);
    let lo = b
        .replica_offsets
        .iter()
        .map(|(_, o)| *o)
        .chain([b.first_byte_offset])
        .min()
        .unwrap_or(0)
        .min(b.first_byte_offset)
        .max(0);
    let span = (hi - lo).max(1) as f64;
    let x = |o: i64| 6.0 + 288.0 * ((o - lo) as f64 / span).clamp(0.0, 1.0);
    let win_end = b.first_byte_offset + b.histlen;
    let _ = write!(
        out,
        "<svg class=\"ruler\" viewBox=\"0 0 300 34\" role=\"img\" aria-label=\"{}\">\
         <line class=\"axis\" x1=\"6\" x2=\"294\" y1=\"22\" y2=\"22\"></line>\
         <rect class=\"window\" x=\"{}\" y=\"14\" width=\"{}\" height=\"16\"></rect>",
        esc(s.backlog),
        Fixed(x(b.first_byte_offset), 1),
        Fixed((x(win_end) - x(b.first_byte_offset)).max(1.0), 1)
    );
    for (name, o) in &b.replica_offsets {
        let at = Fixed(x(*o), 1);
        let _ = write!(
            out,
            "<g class=\"mark\"><line x1=\"{at}\" x2=\"{at}\" y1=\"4\" y2=\"30\"></line><title>{}: {o}</title></g>",
            esc(name)
        );
    }
    let _ = write!(
        out,
        "</svg><p class=\"facts mono\">first_byte_offset {} \u{b7} histlen {} \u{b7} master_repl_offset {} \u{b7} size {}</p><p class=\"facts mono\">",
        b.first_byte_offset, b.histlen, b.master_repl_offset, b.size
    );
    for (n, o) in &b.replica_offsets {
        let _ = write!(out, "<span class=\"chip\">{} @ {o}</span>", esc(n));
    }
    out.push_str("</p>");
}

/// The RDB state (markup, appended to `out`).
fn rdb_view(out: &mut String, n: &NodeView) {
    let s = t();
    let r = &n.rdb;
    if let Some((total, read)) = r.transfer {
        let pct = Fixed(
            if total > 0 {
                read as f64 * 100.0 / total as f64
            } else {
                0.0
            },
            0,
        );
        let _ = write!(
            out,
            "<div data-testid=\"rdb-{}\" class=\"rdb loading\">{}: {read}/{} B<div class=\"progress\"><div style=\"width: {pct}%\"></div></div></div>",
            n.index,
            esc(s.rdb_loading),
            if total >= 0 { total.to_string() } else { "?".into() }
        );
        return;
    }
    let text = if r.bgsave_in_progress {
        s.bgsave_running.to_string()
    } else if let Some((len, step)) = r.received {
        format!("{} ({len} B, {} {step})", s.rdb_received, s.step_word)
    } else {
        s.rdb_idle.to_string()
    };
    let _ = write!(
        out,
        "<div data-testid=\"rdb-{}\" class=\"rdb\">{}</div>",
        n.index,
        esc(&text)
    );
}

fn console(n: &NodeView, link: &Scope<App>) -> Html {
    let s = t();
    let node = n.index;
    let onkeydown = {
        let link = link.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Enter" {
                return;
            }
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            if let Some(words) = split_args(&input.value()) {
                if !words.is_empty() {
                    link.send_message(Msg::Act(UserAction::Command { node, words }));
                }
            }
            input.set_value("");
        })
    };
    let mut lines = String::new();
    for l in &n.console {
        // The markup parser drops a line feed right after `<pre>`: one is written there so
        // that a reply's own first line feed stays.
        let _ = write!(
            lines,
            "<li><div class=\"cmd\">127.0.0.1:{}&gt; {}</div><pre class=\"reply\">\n{}</pre></li>",
            n.port,
            esc(&l.command),
            esc(l.reply.as_deref().unwrap_or(s.waiting))
        );
    }
    html! {
        <div class="console">
            <ol class="console-log mono" data-testid={format!("console-log-{node}")}>{ raw(lines) }</ol>
            <input class="mono" type="text" data-testid={format!("console-input-{node}")}
                aria-label={format!("{} {}", s.console, n.name)} placeholder={s.console_placeholder}
                autocomplete="off" spellcheck="false" {onkeydown} />
        </div>
    }
}

/// A node's panel.
pub fn node_panel(n: &NodeView, link: &Scope<App>) -> Html {
    let s = t();
    let i = n.index;
    let act = |id: String, a: UserAction, label: &'static str| {
        button(
            link,
            Some(id.into()),
            None,
            None,
            false,
            Msg::Act(a),
            label.into(),
        )
    };
    let link_buttons = n.master.map(|m| {
        html! {
            <>
                { act(format!("cut-{i}"), UserAction::Cut(m, i), s.cut_link) }
                { act(format!("restore-{i}"), UserAction::Restore(m, i), s.restore_link) }
            </>
        }
    });
    // Everything between the buttons and the INFO text: markup without listeners.
    let mut m = String::new();
    let _ = write!(
        m,
        "<dl class=\"facts mono\"><dt>replid</dt><dd title=\"{}\">{}</dd><dt>{}</dt><dd data-testid=\"offset-{i}\">{}</dd>",
        esc(&n.replid),
        esc(&short_id(&n.replid)),
        esc(s.offset),
        n.offset
    );
    if let Some(ls) = n.link_status {
        let _ = write!(
            m,
            "<dt>{}</dt><dd class=\"link-status {ls}\">{ls}</dd>",
            esc(s.link)
        );
    }
    if let Some(st) = n.repl_state {
        let _ = write!(
            m,
            "<dt>{}</dt><dd data-testid=\"repl-state-{i}\">{st}</dd><dt></dt><dd class=\"help\" data-testid=\"repl-state-help-{i}\">{}</dd>",
            esc(s.state),
            esc(s.state_help(st))
        );
    }
    m.push_str("</dl>");
    if !n.replicas.is_empty() {
        let _ = write!(
            m,
            "<h3>{}</h3><ul class=\"replicas\" data-testid=\"replicas-{i}\">",
            esc(s.replicas)
        );
        for r in &n.replicas {
            let _ = write!(
                m,
                "<li class=\"mono\" title=\"{}\">{} {} {} {} \u{b7} {} {} B</li>",
                esc(s.state_help(r.state)),
                esc(&r.addr),
                esc(r.state),
                esc(s.ack),
                r.ack_offset,
                esc(s.buffered),
                r.buffered
            );
        }
        m.push_str("</ul>");
    }
    let _ = write!(m, "<h3>{}</h3>", esc(s.backlog));
    backlog_ruler(&mut m, &n.backlog);
    let _ = write!(m, "<h3>{}</h3>", esc(s.rdb));
    rdb_view(&mut m, n);
    let _ = write!(
        m,
        "<h3>{} ({})</h3><ul class=\"keys mono\" data-testid=\"keys-{i}\">",
        esc(s.keyspace),
        n.key_count
    );
    for k in &n.keys {
        let _ = write!(
            m,
            "<li class=\"key{}\" data-key=\"{}\"><span class=\"k\">{}</span><span class=\"v\">{}</span></li>",
            if k.changed { " changed" } else { "" },
            esc(&k.name),
            esc(&k.name),
            esc(&k.summary)
        );
    }
    if n.key_count == 0 {
        let _ = write!(m, "<li class=\"muted\">{}</li>", esc(s.empty));
    }
    let more = n.key_count.saturating_sub(n.keys.len());
    if more > 0 {
        let _ = write!(m, "<li class=\"muted\">+{more}</li>");
    }
    m.push_str("</ul>");
    html! {
        <article class={classes!("node-card", n.role, (!n.up).then_some("down"))} data-testid={format!("node-{i}")}>
            <header>
                <h2>{ format!("{} ", n.name) }<span class="mono">{ format!(":{}", n.port) }</span></h2>
                <span class={classes!("role", n.role)} data-testid={format!("role-{i}")}>
                    { if n.up { n.role } else { s.down } }
                </span>
            </header>
            <div class="actions">
                if n.up {
                    { act(format!("crash-{i}"), UserAction::Crash(i), s.crash) }
                } else {
                    { act(format!("restart-{i}"), UserAction::Restart(i), s.restart_node) }
                }
                { for link_buttons }
                if i > 0 {
                    { act(format!("remove-{i}"), UserAction::Remove(i), s.remove) }
                }
            </div>
            { raw(m) }
            <details class="info" open=true>
                <summary>{ s.info }</summary>
                <pre class="mono" data-testid={format!("info-{i}")}>{ &n.info }</pre>
            </details>
            <h3>{ s.console }</h3>
            { console(n, link) }
        </article>
    }
}
