//! Compare mode for the classroom: the same scenario and seed run twice, differing in one
//! setting (the length of a disconnect, the master's backlog size, diskless or disk sync), with
//! what each run cost to resynchronize: full or partial, bytes sent between the servers, and
//! the time from the link's return to the replica being in sync again.
//!
//! Settings are applied as data, never as code paths: a config knob becomes a `CONFIG SET`
//! the scenario's client sends to the master before anything else (it shows in the timeline),
//! a disconnect length becomes the delay of the scenario's first `Restore`. Both runs are
//! ordinary deterministic [`ScenarioRun`]s, so a viewer can step them in lockstep by virtual
//! time. Nothing here performs I/O.

use crate::sim::scenario::{run, Action, Scenario, ScenarioRun, Step, TimelineKind};

/// The one setting two runs of a comparison differ in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Variation {
    /// Milliseconds between the scenario's first link cut and its restoration.
    DisconnectMs(u64),
    /// The master's `repl-backlog-size` in bytes.
    BacklogSize(u64),
    /// The master's `repl-diskless-sync` (with `repl-diskless-sync-delay 0`).
    Diskless(bool),
}

impl Variation {
    /// A short label for the viewer (`repl-backlog-size 1048576`).
    pub fn label(&self) -> String {
        match self {
            Variation::DisconnectMs(ms) => format!("disconnect {ms} ms"),
            Variation::BacklogSize(b) => format!("repl-backlog-size {b}"),
            Variation::Diskless(d) => {
                format!("repl-diskless-sync {}", if *d { "yes" } else { "no" })
            }
        }
    }
}

fn config_set(pairs: &[(&str, String)]) -> Step {
    let mut words = vec!["CONFIG".to_string(), "SET".to_string()];
    for (k, v) in pairs {
        words.push(k.to_string());
        words.push(v.clone());
    }
    Step {
        delay_ms: 0,
        action: Action::Command { node: 0, words },
    }
}

/// `base` with `v` applied. Returns `None` when the variation does not apply (a disconnect
/// length for a scenario without a cut and a restore).
pub fn apply(base: &Scenario, v: &Variation) -> Option<Scenario> {
    let mut s = base.clone();
    match v {
        Variation::DisconnectMs(ms) => {
            let cut = s
                .steps
                .iter()
                .position(|st| matches!(st.action, Action::Cut(..)))?;
            let restore = cut
                + s.steps[cut..]
                    .iter()
                    .position(|st| matches!(st.action, Action::Restore(..)))?;
            // Keep the steps between cut and restore where they are: the restore comes `ms`
            // after the cut.
            let between: u64 = s.steps[cut + 1..restore].iter().map(|st| st.delay_ms).sum();
            s.steps[restore].delay_ms = ms.saturating_sub(between);
        }
        Variation::BacklogSize(b) => {
            s.steps
                .insert(0, config_set(&[("repl-backlog-size", b.to_string())]));
        }
        Variation::Diskless(d) => {
            let yes = if *d { "yes" } else { "no" }.to_string();
            s.steps.insert(
                0,
                config_set(&[
                    ("repl-diskless-sync", yes),
                    ("repl-diskless-sync-delay", "0".to_string()),
                ]),
            );
        }
    }
    Some(s)
}

/// What resynchronizing cost in one run, counted from the scenario's first link restoration
/// (or from the start when it has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResyncCost {
    /// `+FULLRESYNC` answers sent.
    pub full_syncs: usize,
    /// `+CONTINUE` answers sent.
    pub partial_syncs: usize,
    /// Bytes the servers sent each other (handshakes, RDB payloads, the stream), not counting
    /// the client's traffic.
    pub bytes: u64,
    /// Virtual milliseconds from the restoration to the last replica reporting its sync done
    /// (`Finished with success` after a full sync, `Master accepted a Partial
    /// Resynchronization` after a partial one); `None` if no replica resynchronized.
    pub catch_up_ms: Option<f64>,
}

/// The cost of resynchronizing in `run` (see [`ResyncCost`]).
pub fn resync_cost(run: &ScenarioRun) -> ResyncCost {
    let timeline = run.timeline();
    let from = timeline
        .iter()
        .position(|e| matches!(&e.kind, TimelineKind::Fault(t) if t.starts_with("restored")))
        .unwrap_or(0);
    let t0 = timeline.get(from).map_or(0.0, |e| e.ms);
    let mut cost = ResyncCost::default();
    for e in &timeline[from..] {
        match &e.kind {
            TimelineKind::Message { to, label, .. } if e.node != "client" && to != "client" => {
                // The timeline merges consecutive messages: count each answer it holds.
                cost.full_syncs += label.matches("+FULLRESYNC").count();
                cost.partial_syncs += label.matches("+CONTINUE").count();
            }
            TimelineKind::Event(t)
                if t.contains("sync: Finished with success")
                    || t.contains("Master accepted a Partial Resynchronization") =>
            {
                cost.catch_up_ms = Some(e.ms - t0);
            }
            _ => {}
        }
    }
    let start_us = crate::sim::scenario::START.as_micros() + (t0 * 1000.0) as u64;
    let client = run.client;
    let ends = crate::explain::link_nodes(run);
    for e in run.sim.trace().entries() {
        if let crate::sim::TraceKind::Send { bytes, .. } = &e.kind {
            let on_client_link = e
                .link
                .and_then(|l| ends.get(&l))
                .is_some_and(|nodes| nodes.contains(&client));
            if e.node != client && !on_client_link && e.time.as_micros() >= start_us {
                cost.bytes += bytes.len() as u64;
            }
        }
    }
    cost
}

/// Two runs of one scenario and seed, differing in one setting.
pub struct Comparison {
    /// The settings, left then right.
    pub variations: [Variation; 2],
    /// The runs, left then right.
    pub runs: [ScenarioRun; 2],
    /// What resynchronizing cost in each.
    pub costs: [ResyncCost; 2],
}

/// Run `base` twice with `seed`, once with each variation. `None` if a variation does not
/// apply to the scenario.
pub fn compare(
    base: &Scenario,
    seed: u64,
    left: Variation,
    right: Variation,
) -> Option<Comparison> {
    let a = run(&apply(base, &left)?, seed);
    let b = run(&apply(base, &right)?, seed);
    let costs = [resync_cost(&a), resync_cost(&b)];
    Some(Comparison {
        variations: [left, right],
        runs: [a, b],
        costs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::scenario::scenario;

    #[test]
    fn backlog_size_decides_full_or_partial() {
        let base = scenario("backlog-overflow").unwrap();
        let c = compare(
            &base,
            1,
            Variation::BacklogSize(16 * 1024),
            Variation::BacklogSize(1024 * 1024),
        )
        .unwrap();
        let [small, big] = &c.costs;
        assert_eq!((small.full_syncs, small.partial_syncs), (1, 0), "{small:?}");
        assert_eq!((big.full_syncs, big.partial_syncs), (0, 1), "{big:?}");
        // The full resync ships the whole dataset (1,001 keys, ~43 KB of RDB); the partial
        // one the ~130 KB of missed writes: both are real byte counts, and each run ends in
        // sync with the same data.
        assert!(
            small.bytes > 40_000 && big.bytes > 100_000,
            "{small:?} {big:?}"
        );
        assert!(small.catch_up_ms.is_some() && big.catch_up_ms.is_some());
        for r in &c.runs {
            assert!(r.settled);
            assert_eq!(r.nodes[0].digest, r.nodes[1].digest);
        }
        assert_eq!(c.runs[0].nodes[0].digest, c.runs[1].nodes[0].digest);
    }

    #[test]
    fn disconnect_length_moves_the_restore() {
        let base = scenario("partial-resync").unwrap();
        let short = apply(&base, &Variation::DisconnectMs(500)).unwrap();
        let r = run(&short, 1);
        let tl = r.timeline();
        let at = |p: &str| {
            tl.iter()
                .find(|e| matches!(&e.kind, TimelineKind::Fault(t) if t.starts_with(p)))
                .map(|e| e.ms)
                .unwrap()
        };
        assert_eq!(at("restored") - at("partition"), 500.0);
        let cost = resync_cost(&r);
        assert_eq!((cost.full_syncs, cost.partial_syncs), (0, 1));
        assert!(apply(&scenario("full-sync").unwrap(), &Variation::DisconnectMs(1)).is_none());
    }

    #[test]
    fn settings_show_as_config_set_in_the_timeline() {
        let base = scenario("full-sync").unwrap();
        let s = apply(&base, &Variation::BacklogSize(65_536)).unwrap();
        let r = run(&s, 1);
        assert_eq!(
            r.server(0).state().config.get_one("repl-backlog-size"),
            Some(b"65536".to_vec())
        );
        assert_eq!(Variation::Diskless(true).label(), "repl-diskless-sync yes");
    }
}
