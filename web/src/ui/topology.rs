//! The SVG topology: nodes, replication links and labelled packets in flight.

use replscope_core::dtoa::Fixed;
use replscope_web::model::vecmap::VecMap;

use replscope_web::model::view::{short_id, NodeView};
use replscope_web::model::Snapshot;
use yew::html::Scope;
use yew::prelude::*;

use std::fmt::Write;

use super::el::{esc, raw, send};
use crate::{App, Msg};

/// Drawing size.
const W: f64 = 860.0;
/// Smallest drawing height.
const H_MIN: f64 = 380.0;
/// Client circle radius.
const CLIENT_R: f64 = 20.0;
/// Node box size.
const NW: f64 = 168.0;
/// Node box height.
const NH: f64 = 82.0;
/// Where the client sits.
const CLIENT: (f64, f64) = (56.0, 48.0);
/// Most packets drawn at once.
const MAX_PACKETS: usize = 24;

fn depth(nodes: &[NodeView], i: usize) -> usize {
    let mut d = 0;
    let mut cur = i;
    while let Some(m) = nodes.iter().find(|n| n.index == cur).and_then(|n| n.master) {
        if !nodes.iter().any(|n| n.index == m) || d > nodes.len() {
            break;
        }
        d += 1;
        cur = m;
    }
    d
}

/// Centre of every node, by node index, and the drawing height (enough for the fullest
/// column).
pub fn layout(nodes: &[NodeView]) -> (VecMap<usize, (f64, f64)>, f64) {
    let mut cols: VecMap<usize, Vec<usize>> = VecMap::new();
    for n in nodes {
        cols.get_or_default(depth(nodes, n.index).min(2))
            .push(n.index);
    }
    let most = cols.values().map(Vec::len).max().unwrap_or(1) as f64;
    let h = H_MIN.max(most * (NH + 16.0) + 40.0);
    let xs = [200.0, 530.0, 770.0];
    let mut out = VecMap::new();
    for (d, ids) in cols {
        let k = ids.len() as f64;
        for (j, i) in ids.into_iter().enumerate() {
            let y = h * (j as f64 + 1.0) / (k + 1.0);
            out.insert(i, (xs[d], y));
        }
    }
    (out, h)
}

/// Fraction of the centre-to-centre vector `(dx, dy)` that lies inside the sender's shape
/// (a node box, or the client's circle when `client`).
fn inside(dx: f64, dy: f64, client: bool) -> f64 {
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    if client {
        return CLIENT_R / len;
    }
    let sx = if dx.abs() > 0.0 {
        NW / 2.0 / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy.abs() > 0.0 {
        NH / 2.0 / dy.abs()
    } else {
        f64::INFINITY
    };
    sx.min(sy).min(0.45)
}

fn short(label: &str) -> String {
    if label.chars().count() > 30 {
        let head: String = label.chars().take(28).collect();
        format!("{head}\u{2026}")
    } else {
        label.to_string()
    }
}

fn state_line(n: &NodeView) -> String {
    match n.repl_state {
        Some(s) => s.trim_start_matches("REPL_STATE_").to_string(),
        None => crate::t()
            .replica_count
            .replace("{n}", &n.replicas.len().to_string()),
    }
}

/// The topology drawing.
pub fn view(snap: &Snapshot, link: &Scope<App>) -> Html {
    let (pos, h) = layout(&snap.nodes);
    let at = |i: Option<usize>| i.and_then(|i| pos.get(&i).copied()).unwrap_or(CLIENT);
    // Links, the client and the nodes: markup without listeners (the packets, which move
    // and can be clicked, stay elements).
    let mut m = String::new();
    for n in snap
        .nodes
        .iter()
        .filter(|n| n.role == "master" || n.index == 0)
    {
        let b = at(Some(n.index));
        let _ = write!(
            m,
            "<line class=\"link client\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"></line>",
            Fixed(CLIENT.0, 1),
            Fixed(CLIENT.1, 1),
            Fixed(b.0, 1),
            Fixed(b.1, 1)
        );
    }
    for n in &snap.nodes {
        let Some(m_idx) = n.master else { continue };
        let (Some(a), Some(b)) = (pos.get(&m_idx), pos.get(&n.index)) else {
            continue;
        };
        let class = if n.link_status == Some("up") {
            "link up"
        } else {
            "link down"
        };
        let _ = write!(
            m,
            "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" data-testid=\"link-{m_idx}-{}\"></line>",
            Fixed(a.0, 1),
            Fixed(a.1, 1),
            Fixed(b.0, 1),
            Fixed(b.1, 1),
            n.index
        );
    }
    let s = crate::t();
    let _ = write!(
        m,
        "<g class=\"client-node\" transform=\"translate({} {})\"><circle r=\"20\"></circle><text y=\"4\" text-anchor=\"middle\">{}</text></g>",
        Fixed(CLIENT.0, 1),
        Fixed(CLIENT.1, 1),
        esc(s.client)
    );
    for n in &snap.nodes {
        let (x, y) = at(Some(n.index));
        let _ = write!(
            m,
            "<g class=\"node {}{}\" data-testid=\"topo-node-{}\" transform=\"translate({} {})\">\
             <rect width=\"{}\" height=\"{}\" rx=\"10\"></rect>\
             <text x=\"10\" y=\"20\" class=\"name\">{} :{}</text>\
             <text x=\"10\" y=\"38\" class=\"sub\">{} \u{b7} {}</text>\
             <text x=\"10\" y=\"55\" class=\"sub\">{} {}</text>\
             <text x=\"10\" y=\"72\" class=\"state\">{}</text></g>",
            n.role,
            if n.up { "" } else { " down" },
            n.index,
            Fixed(x - NW / 2.0, 1),
            Fixed(y - NH / 2.0, 1),
            Fixed(NW, 1),
            Fixed(NH, 1),
            esc(&n.name),
            n.port,
            if n.up { n.role } else { s.down },
            esc(&short_id(&n.replid)),
            esc(s.offset),
            n.offset,
            esc(&state_line(n))
        );
    }
    let packets = snap.packets.iter().take(MAX_PACKETS).map(|p| {
        let (a, b) = (at(p.from), at(p.to));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Each direction on its own side of the line.
        let side = if p.from.unwrap_or(usize::MAX) < p.to.unwrap_or(usize::MAX) { 9.0 } else { -9.0 };
        let (nx, ny) = (-dy / len * side, dx / len * side);
        // From the sender's edge to the receiver's edge.
        let (s0, s1) = (inside(dx, dy, p.from.is_none()), inside(dx, dy, p.to.is_none()));
        let f = s0 + (1.0 - s0 - s1).max(0.0) * p.progress;
        let x = a.0 + dx * f + nx;
        let y = a.1 + dy * f + ny;
        let rdb = p.label.contains("RDB ");
        let text = short(&p.label);
        let w = (text.chars().count() as f64 * 6.4 + 12.0).max(30.0);
        let frac = if p.len > 0 { p.delivered as f64 / p.len as f64 } else { 0.0 };
        let seq = p.seq;
        let onclick = send(link, Msg::Inspect(seq));
        let mut inner = format!(
            "<title>{}</title><rect x=\"{}\" y=\"-10\" width=\"{}\" height=\"20\" rx=\"6\"></rect>\
             <text x=\"0\" y=\"4\" text-anchor=\"middle\">{}</text>",
            esc(&p.label),
            Fixed(-w / 2.0, 1),
            Fixed(w, 1),
            esc(&text)
        );
        if rdb {
            let _ = write!(
                inner,
                "<rect class=\"bar-bg\" x=\"{}\" y=\"12\" width=\"{}\" height=\"4\"></rect>\
                 <rect class=\"bar\" x=\"{}\" y=\"12\" width=\"{}\" height=\"4\"></rect>",
                Fixed(-w / 2.0, 1),
                Fixed(w, 1),
                Fixed(-w / 2.0, 1),
                Fixed(w * frac, 1)
            );
        }
        html! {
            <g key={p.seq.to_string()} class={classes!("packet", rdb.then_some("rdb"))}
                style={format!("transform: translate({}px, {}px)", Fixed(x, 1), Fixed(y, 1))} data-testid="packet" {onclick}>
                { raw(inner) }
            </g>
        }
    });
    html! {
        <svg class="topology" data-testid="topology" viewBox={format!("0 0 {} {}", Fixed(W, 1), Fixed(h, 1))}
            role="img" aria-label={crate::t().topology}>
            { raw(m) }
            { for packets }
        </svg>
    }
}
