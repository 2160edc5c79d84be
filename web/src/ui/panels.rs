//! Per-node panels (state, replicas, backlog ruler, RDB, keyspace, INFO, console), the
//! PSYNC decision panel and the event log.

use replscope_web::model::resp::split_args;
use replscope_web::model::view::{short_id, BacklogView, NodeView, PacketView};
use replscope_web::model::{Snapshot, UserAction};
use web_sys::HtmlInputElement;
use yew::html::Scope;
use yew::prelude::*;

use super::el::button;
use crate::{t, App, Msg};

/// The PSYNC decision: what was asked against what the master had, and the outcome.
pub fn psync_panel(snap: &Snapshot) -> Html {
    let s = t();
    let body = match &snap.psync {
        None => html! { <p class="muted">{ s.psync_none }</p> },
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
            html! {
                <>
                    <p class="muted">{ format!("{} \u{2192} {} ({} {})", who(p.replica), who(Some(p.master)), s.step_word, p.step) }</p>
                    <table class="psync">
                        <tr><th>{ s.requested }</th>
                            <td><code>{ format!("PSYNC {} {}", p.requested_replid, p.requested_offset) }</code></td></tr>
                        <tr><th>{ "replid" }</th><td><code>{ &p.replid }</code></td></tr>
                        <tr><th>{ "replid2" }</th>
                            <td><code>{ format!("{} (second_repl_offset {})", p.replid2, p.second_repl_offset) }</code></td></tr>
                        <tr><th>{ s.window }</th><td><code>{ window }</code></td></tr>
                        <tr><th>{ "master_repl_offset" }</th><td><code>{ p.master_repl_offset }</code></td></tr>
                    </table>
                    <p class={outcome_class} data-testid="psync-outcome">{ p.outcome }</p>
                    <p class="reason" data-testid="psync-reason">{ p.reason.text(s) }</p>
                </>
            }
        }
    };
    let history = snap.psyncs.iter().map(|p| html! {
        <li>{ format!("{} {}: PSYNC {} {} \u{2192} {}", t().step_word, p.step, short_id(&p.requested_replid), p.requested_offset, p.outcome) }</li>
    });
    html! {
        <section class="panel psync-panel" data-testid="psync-panel">
            <h2>{ s.psync_title }</h2>
            { body }
            <ul class="psync-history" data-testid="psync-history">{ for history }</ul>
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
                <p>
                    <strong>{ format!("{} \u{2192} {}", name(p.from), name(p.to)) }</strong>
                    { format!(" \u{b7} {} \u{b7} {} B", p.label, p.len) }
                </p>
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
    let rows = snap.log.iter().map(|l| {
        let (time, text) = l.split_once(" ms  ").unwrap_or(("", l.as_str()));
        html! { <tr><td class="mono">{ time.trim() }</td><td>{ text }</td></tr> }
    });
    html! {
        <section class="panel log-panel">
            <h2 id="events-title">{ s.events }</h2>
            <div class="log" tabindex="0" role="region" aria-labelledby="events-title">
                <table class="events" data-testid="event-log">
                    <caption class="sr-only">{ s.events }</caption>
                    <thead><tr><th scope="col">{ s.col_time }</th><th scope="col">{ s.col_event }</th></tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </div>
        </section>
    }
}

/// The backlog drawn on an offset ruler: the window it holds and where replicas are.
fn backlog_ruler(b: &BacklogView) -> Html {
    let s = t();
    if !b.active {
        return html! { <p class="muted">{ s.no_backlog }</p> };
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
    let marks = b.replica_offsets.iter().map(|(name, o)| {
        html! {
            <g class="mark">
                <line x1={format!("{:.1}", x(*o))} x2={format!("{:.1}", x(*o))} y1="4" y2="30" />
                <title>{ format!("{name}: {o}") }</title>
            </g>
        }
    });
    html! {
        <>
            <svg class="ruler" viewBox="0 0 300 34" role="img" aria-label={s.backlog}>
                <line class="axis" x1="6" x2="294" y1="22" y2="22" />
                <rect class="window" x={format!("{:.1}", x(b.first_byte_offset))} y="14"
                    width={format!("{:.1}", (x(win_end) - x(b.first_byte_offset)).max(1.0))} height="16" />
                { for marks }
            </svg>
            <p class="facts mono">
                { format!("first_byte_offset {} \u{b7} histlen {} \u{b7} master_repl_offset {} \u{b7} size {}",
                    b.first_byte_offset, b.histlen, b.master_repl_offset, b.size) }
            </p>
            <p class="facts mono">
                { for b.replica_offsets.iter().map(|(n, o)| html! { <span class="chip">{ format!("{n} @ {o}") }</span> }) }
            </p>
        </>
    }
}

fn rdb_view(n: &NodeView) -> Html {
    let s = t();
    let r = &n.rdb;
    if let Some((total, read)) = r.transfer {
        let pct = if total > 0 {
            read as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        return html! {
            <div data-testid={format!("rdb-{}", n.index)} class="rdb loading">
                { format!("{}: {read}/{} B", s.rdb_loading, if total >= 0 { total.to_string() } else { "?".into() }) }
                <div class="progress"><div style={format!("width: {pct:.0}%")}></div></div>
            </div>
        };
    }
    let text = if r.bgsave_in_progress {
        s.bgsave_running.to_string()
    } else if let Some((len, step)) = r.received {
        format!("{} ({len} B, {} {step})", s.rdb_received, s.step_word)
    } else {
        s.rdb_idle.to_string()
    };
    html! { <div data-testid={format!("rdb-{}", n.index)} class="rdb">{ text }</div> }
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
    html! {
        <div class="console">
            <ol class="console-log mono" data-testid={format!("console-log-{node}")}>
                { for n.console.iter().map(|l| html! {
                    <li>
                        <div class="cmd">{ format!("{}:{}> {}", "127.0.0.1", n.port, l.command) }</div>
                        <pre class="reply">{ l.reply.clone().unwrap_or_else(|| s.waiting.to_string()) }</pre>
                    </li>
                }) }
            </ol>
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
    let replicas = n.replicas.iter().map(|r| html! {
        <li class="mono" title={s.state_help(r.state)}>{ format!("{} {} {} {} \u{b7} {} {} B", r.addr, r.state, s.ack, r.ack_offset, s.buffered, r.buffered) }</li>
    });
    let keys = n.keys.iter().map(|k| {
        html! {
            <li class={classes!("key", k.changed.then_some("changed"))} data-key={k.name.clone()}>
                <span class="k">{ &k.name }</span>
                <span class="v">{ &k.summary }</span>
            </li>
        }
    });
    let more = n.key_count.saturating_sub(n.keys.len());
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
            <dl class="facts mono">
                <dt>{ "replid" }</dt><dd title={n.replid.clone()}>{ short_id(&n.replid) }</dd>
                <dt>{ s.offset }</dt><dd data-testid={format!("offset-{i}")}>{ n.offset }</dd>
                if let Some(ls) = n.link_status {
                    <dt>{ s.link }</dt><dd class={classes!("link-status", ls)}>{ ls }</dd>
                }
                if let Some(st) = n.repl_state {
                    <dt>{ s.state }</dt><dd data-testid={format!("repl-state-{i}")}>{ st }</dd>
                    <dt></dt><dd class="help" data-testid={format!("repl-state-help-{i}")}>{ s.state_help(st) }</dd>
                }
            </dl>
            if !n.replicas.is_empty() {
                <h3>{ s.replicas }</h3>
                <ul class="replicas" data-testid={format!("replicas-{i}")}>{ for replicas }</ul>
            }
            <h3>{ s.backlog }</h3>
            { backlog_ruler(&n.backlog) }
            <h3>{ s.rdb }</h3>
            { rdb_view(n) }
            <h3>{ format!("{} ({})", s.keyspace, n.key_count) }</h3>
            <ul class="keys mono" data-testid={format!("keys-{i}")}>
                { for keys }
                if n.key_count == 0 { <li class="muted">{ s.empty }</li> }
                if more > 0 { <li class="muted">{ format!("+{more}") }</li> }
            </ul>
            <details class="info" open=true>
                <summary>{ s.info }</summary>
                <pre class="mono" data-testid={format!("info-{i}")}>{ &n.info }</pre>
            </details>
            <h3>{ s.console }</h3>
            { console(n, link) }
        </article>
    }
}
