//! The classroom layer's model: guided tours placed on the session's steps, the timeline
//! and sequence diagram of the run so far, exports, permalinks, compare mode and the
//! lost-write explainer. Plain Rust over the core's `tour`, `compare`, `explain` and
//! `permalink` modules; no Yew.

use replscope_core::compare::{apply, resync_cost, ResyncCost, Variation};
use replscope_core::dtoa::fixed;
use replscope_core::explain::{lost_writes, LossReason};
use replscope_core::permalink::Permalink;
use replscope_core::sim::scenario::{
    render_json, render_mermaid, scenarios, timeline_of, Names, NodeState, Scenario, ScenarioRun,
    TimelineEntry, TimelineKind,
};
use replscope_core::sim::NodeId;
use replscope_core::tour::{self, Tour};

use super::resp::split_args;
use super::session::{Live, Session, Settings, UserAction};
use crate::strings::{Lang, Strings};

/// Most steps a replay for a tour or an export runs.
pub const REPLAY_LIMIT: usize = 200_000;

/// The simulator ids of the scenario's nodes in a live run.
fn scenario_ids(live: &Live) -> Vec<NodeId> {
    live.nodes
        .iter()
        .take(live.scenario().nodes.len())
        .map(|n| n.id)
        .collect()
}

/// The timeline of a live run so far (the same entries as the core runner's).
pub fn timeline(live: &Live) -> Vec<TimelineEntry> {
    let ids = scenario_ids(live);
    timeline_of(
        live.sim.trace().entries(),
        Names {
            scenario: live.scenario(),
            ids: &ids,
            client: live.client,
        },
    )
}

/// The step at which trace entry `i` is first visible (`lens[s]`: trace length at step s).
pub fn step_of_trace(lens: &[usize], i: usize) -> usize {
    lens.partition_point(|l| *l <= i)
}

/// A tour placed on a session's steps.
#[derive(Clone, Debug, PartialEq)]
pub struct TourPlan {
    /// The tour in English and in Chinese (same steps).
    pub tours: [Tour; 2],
    /// The step each tour step shows.
    pub moments: Vec<usize>,
    /// For a step with a question: the step at which the answer arrives.
    pub reveals: Vec<Option<usize>>,
}

impl TourPlan {
    /// The tour in a language.
    pub fn tour(&self, lang: Lang) -> &Tour {
        &self.tours[lang as usize]
    }

    /// The tour step shown at `step`: the last one whose moment is at or before it.
    pub fn current(&self, step: usize) -> Option<usize> {
        self.moments.iter().rposition(|m| *m <= step)
    }
}

/// Place the scenario's shipped tour (if it has one in both languages) on the session's
/// steps. Native callers (the tests) read the tours the core embeds; the browser app does
/// not link them in (download size, issue #6): it fetches the scenario's two tour files
/// from `dist/tours/` when a tour starts ([`tour_file`], [`parse_tours`]) and calls
/// [`plan_tour_with`].
pub fn plan_tour(session: &Session) -> Option<TourPlan> {
    let name = session.scenario().name;
    let en = tour::builtin_tour(name, "en")?;
    let zh = tour::builtin_tour(name, "zh")?;
    plan_tour_with(session, [en, zh])
}

/// The file name of a scenario's tour in a language (`tours/<file>` in `dist/`).
pub fn tour_file(scenario: &str, lang: Lang) -> String {
    format!("{scenario}.{}.tour", lang.code())
}

/// A scenario's tours from the text of its two tour files (English, Chinese); `None` if
/// either is missing or does not parse.
pub fn parse_tours(scenario: &str, en: Option<&str>, zh: Option<&str>) -> Option<[Tour; 2]> {
    let en = tour::parse(&tour_file(scenario, Lang::En), en?).ok()?;
    let zh = tour::parse(&tour_file(scenario, Lang::Zh), zh?).ok()?;
    Some([en, zh])
}

/// Place a scenario's tours (English, Chinese: same steps) on the session's steps.
pub fn plan_tour_with(session: &Session, tours: [Tour; 2]) -> Option<TourPlan> {
    let [en, zh] = tours;
    let live = session.replay_to_end(REPLAY_LIMIT);
    let tl = timeline(&live);
    // As `tour::place` (CI checks every tour with it), but a step whose moment is not
    // found (after a retuned scenario or the learner's own actions) stays on the previous
    // step's moment instead of losing the whole tour.
    let mut at = Vec::with_capacity(en.steps.len());
    let mut from = 0;
    for st in &en.steps {
        if let Some(p) = tl
            .get(from..)
            .and_then(|r| r.iter().position(|e| st.when.matches(e)))
        {
            from += p;
        }
        at.push(from);
    }
    if tl.is_empty() {
        return None;
    }
    let moments = at
        .iter()
        .map(|i| step_of_trace(&live.trace_lens, tl[*i].trace))
        .collect();
    let reveals = en
        .steps
        .iter()
        .zip(&at)
        .map(|(st, i)| {
            st.question.as_ref()?;
            let TimelineKind::Message { to, .. } = &tl[*i].kind else {
                return None;
            };
            let from = &tl[*i].node;
            let j = tl[*i + 1..].iter().position(|e| {
                &e.node == to
                    && matches!(&e.kind, TimelineKind::Message { to: t, label, .. }
                        if t == from && label.trim() != "")
            })?;
            Some(step_of_trace(&live.trace_lens, tl[*i + 1 + j].trace))
        })
        .collect();
    Some(TourPlan {
        tours: [en, zh],
        moments,
        reveals,
    })
}

/// The whole run (with the session's settings and actions) as a core [`ScenarioRun`], for
/// the core's renderers and explainers. The session's simulator is driven like the core's
/// runner, so this is the run `replscope_core::sim::scenario::run` would make (the app does
/// not link the core's runner: one driver is enough in the wasm).
pub fn full_run(session: &Session) -> ScenarioRun {
    let live = session.replay_to_end(REPLAY_LIMIT);
    let ids = scenario_ids(&live);
    let nodes = session
        .scenario()
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, spec)| {
            let srv = live.server(i)?;
            let st = srv.state();
            Some(NodeState {
                name: spec.name,
                up: live.sim.is_up(ids[i]),
                master: live.master_of(i),
                link_up: srv.master_link_up(),
                replid: st.master.ids.replid.to_string_lossy(),
                replid2: st.master.ids.replid2.to_string_lossy(),
                offset: st.master.backlog.master_repl_offset(),
                digest: String::new(),
                keys: st.keyspace.dbs.iter().map(|d| d.len()).sum(),
            })
        })
        .collect();
    let client = live.client;
    let settled = live.settled;
    ScenarioRun {
        scenario: session.scenario().clone(),
        seed: session.seed(),
        sim: live.sim,
        ids,
        client,
        nodes,
        settled,
    }
}

/// The scripted run of `scenario` with `seed` (no user actions, default settings).
fn scripted(scenario: &Scenario, seed: u64) -> ScenarioRun {
    full_run(&Session::new(scenario.clone(), seed, Settings::default()))
}

/// The Mermaid `sequenceDiagram` of the whole run (core render).
pub fn export_mermaid(session: &Session) -> String {
    render_mermaid(&full_run(session))
}

/// The JSON trace of the whole run (core render).
pub fn export_json(session: &Session) -> String {
    render_json(&full_run(session))
}

/// One message of the sequence diagram.
#[derive(Clone, Debug, PartialEq)]
pub struct SeqMessage {
    /// Sender lane.
    pub from: usize,
    /// Receiver lane.
    pub to: usize,
    /// Label.
    pub label: String,
    /// Virtual ms.
    pub ms: f64,
    /// The step that shows it.
    pub step: usize,
}

/// The sequence diagram of the run so far: lane names and messages.
pub fn sequence(live: &Live) -> (Vec<String>, Vec<SeqMessage>) {
    let mut lanes: Vec<String> = vec!["client".to_string()];
    lanes.extend(live.scenario().nodes.iter().map(|n| n.name.to_string()));
    let mut msgs = Vec::new();
    for e in timeline(live) {
        let TimelineKind::Message { to, label, .. } = &e.kind else {
            continue;
        };
        let mut lane = |n: &str| match lanes.iter().position(|l| l == n) {
            Some(i) => i,
            None => {
                lanes.push(n.to_string());
                lanes.len() - 1
            }
        };
        let (from, to) = (lane(&e.node), lane(to));
        msgs.push(SeqMessage {
            from,
            to,
            label: label.clone(),
            ms: e.ms,
            step: step_of_trace(&live.trace_lens, e.trace),
        });
    }
    (lanes, msgs)
}

/// A user action as a permalink spells it (`0:SET x 1`, `cut:0:1`, `add`).
pub fn action_text(a: &UserAction) -> String {
    match a {
        UserAction::Command { node, words } => {
            let quoted: Vec<String> = words
                .iter()
                .map(|w| {
                    if w.is_empty()
                        || w.chars()
                            .any(|c| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
                    {
                        format!("\"{}\"", w.replace('\\', "\\\\").replace('"', "\\\""))
                    } else {
                        w.clone()
                    }
                })
                .collect();
            format!("{node}:{}", quoted.join(" "))
        }
        UserAction::Cut(a, b) => format!("cut:{a}:{b}"),
        UserAction::Restore(a, b) => format!("restore:{a}:{b}"),
        UserAction::Crash(n) => format!("crash:{n}"),
        UserAction::Restart(n) => format!("restart:{n}"),
        UserAction::AddReplica => "add".to_string(),
        UserAction::Remove(n) => format!("remove:{n}"),
    }
}

/// Read an action written by [`action_text`].
pub fn parse_action(s: &str) -> Option<UserAction> {
    let (head, rest) = s.split_once(':').unwrap_or((s, ""));
    let two = |r: &str| {
        let (a, b) = r.split_once(':')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    Some(match head {
        "add" => UserAction::AddReplica,
        "cut" => {
            let (a, b) = two(rest)?;
            UserAction::Cut(a, b)
        }
        "restore" => {
            let (a, b) = two(rest)?;
            UserAction::Restore(a, b)
        }
        "crash" => UserAction::Crash(rest.parse().ok()?),
        "restart" => UserAction::Restart(rest.parse().ok()?),
        "remove" => UserAction::Remove(rest.parse().ok()?),
        n => UserAction::Command {
            node: n.parse().ok()?,
            words: split_args(rest)?,
        },
    })
}

/// Settings as permalink pairs (only those changed from the scenario's).
pub fn settings_pairs(s: &Settings) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(b) = s.backlog_size {
        out.push(("repl-backlog-size".to_string(), b.to_string()));
    }
    if s.write_rate > 0 {
        out.push(("write-rate".to_string(), s.write_rate.to_string()));
    }
    if let Some(l) = s.latency_us {
        out.push(("latency-us".to_string(), l.to_string()));
    }
    if let Some(b) = s.bandwidth {
        out.push(("bandwidth".to_string(), b.to_string()));
    }
    out
}

/// Settings from permalink pairs (unknown or malformed ones ignored).
pub fn settings_from(pairs: &[(String, String)]) -> Settings {
    let mut s = Settings::default();
    for (k, v) in pairs {
        match k.as_str() {
            "repl-backlog-size" => s.backlog_size = v.parse().ok(),
            "write-rate" => s.write_rate = v.parse().unwrap_or(0),
            "latency-us" => s.latency_us = v.parse().ok(),
            "bandwidth" => s.bandwidth = v.parse().ok(),
            _ => {}
        }
    }
    s
}

/// What the page shows besides the session, for a permalink.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ViewFlags {
    /// Language.
    pub lang: Lang,
    /// Both languages.
    pub bilingual: bool,
    /// Tour on.
    pub tour: bool,
}

/// The permalink of a session at its current step.
pub fn permalink(session: &Session, flags: ViewFlags) -> Permalink {
    Permalink {
        scenario: session.scenario().name.to_string(),
        seed: session.seed(),
        step: session.step() as u64,
        lang: flags.lang.code().to_string(),
        bilingual: flags.bilingual,
        tour: flags.tour,
        settings: settings_pairs(&session.settings()),
        actions: session
            .actions()
            .iter()
            .map(|(s, a)| (*s as u64, action_text(a)))
            .collect(),
    }
}

/// A session restored from a URL fragment (the core's permalink, or the older
/// `#scenario=<name>&step=<n>`), at its step, with the view flags.
pub fn restore(fragment: &str) -> Option<(Session, ViewFlags)> {
    let (p, legacy) = match Permalink::from_fragment(fragment) {
        Ok(p) => (p, false),
        Err(_) => {
            let mut p = Permalink {
                seed: 1,
                ..Permalink::default()
            };
            for part in fragment.trim_start_matches('#').split('&') {
                match part.split_once('=') {
                    Some(("scenario", v)) => p.scenario = v.to_string(),
                    Some(("step", v)) => p.step = v.parse().ok()?,
                    _ => {}
                }
            }
            (p, true)
        }
    };
    let sc = scenarios().into_iter().find(|s| s.name == p.scenario)?;
    let actions = p
        .actions
        .iter()
        .filter_map(|(at, a)| Some((usize::try_from(*at).ok()?, parse_action(a)?)))
        .collect();
    let seed = if legacy { 1 } else { p.seed };
    let mut session = Session::with_actions(sc, seed, settings_from(&p.settings), actions);
    let step = usize::try_from(p.step)
        .unwrap_or(usize::MAX)
        .min(REPLAY_LIMIT);
    session.seek(step);
    Some((
        session,
        ViewFlags {
            lang: Lang::from_code(&p.lang),
            bilingual: p.bilingual,
            tour: p.tour,
        },
    ))
}

/// Which setting a comparison varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareKind {
    /// The disconnect length (2 s vs 90 s).
    Disconnect,
    /// The backlog size (16 KiB vs 1 MiB).
    Backlog,
    /// Diskless or disk-based sync.
    Diskless,
}

impl CompareKind {
    /// The two variations compared, left then right.
    pub fn variations(self) -> [Variation; 2] {
        match self {
            CompareKind::Disconnect => [
                Variation::DisconnectMs(2_000),
                Variation::DisconnectMs(90_000),
            ],
            CompareKind::Backlog => [
                Variation::BacklogSize(16 * 1024),
                Variation::BacklogSize(1024 * 1024),
            ],
            CompareKind::Diskless => [Variation::Diskless(false), Variation::Diskless(true)],
        }
    }
}

/// Two sessions of one scenario and seed differing in one setting, stepped in lockstep
/// by virtual time, with what resynchronizing cost each (from the core's runs).
pub struct Compare {
    /// The setting varied.
    pub kind: CompareKind,
    /// Left and right sessions.
    pub sides: [Session; 2],
    /// Labels of the variations.
    pub labels: [String; 2],
    /// Resync cost of each whole run.
    pub costs: [ResyncCost; 2],
}

impl Compare {
    /// Build a comparison of `scenario` with `seed`; `None` if the variation does not
    /// apply to it.
    pub fn new(scenario: &Scenario, seed: u64, kind: CompareKind) -> Option<Compare> {
        let [a, b] = kind.variations();
        let sa = apply(scenario, &a)?;
        let sb = apply(scenario, &b)?;
        let costs = [
            resync_cost(&scripted(&sa, seed)),
            resync_cost(&scripted(&sb, seed)),
        ];
        Some(Compare {
            kind,
            labels: [a.label(), b.label()],
            sides: [
                Session::new(sa, seed, Settings::default()),
                Session::new(sb, seed, Settings::default()),
            ],
            costs,
        })
    }

    /// Virtual time of a side (µs).
    fn time(&self, i: usize) -> u64 {
        self.sides[i].live().sim.now().as_micros()
    }

    /// One lockstep move: step the side that is behind in virtual time (both when level).
    /// False when both are at their end.
    pub fn step(&mut self) -> bool {
        let (ta, tb) = (self.time(0), self.time(1));
        let mut moved = false;
        if ta <= tb || self.sides[1].at_end() {
            moved |= self.sides[0].step_forward();
        }
        if tb <= ta || self.sides[0].at_end() {
            moved |= self.sides[1].step_forward();
        }
        moved
    }

    /// Run both to their end.
    pub fn run_to_end(&mut self) {
        for _ in 0..REPLAY_LIMIT {
            if !self.step() {
                break;
            }
        }
    }
}

/// The lost-write explanations of the scenario's scripted run, in a language.
pub fn lost_write_lines(scenario: &Scenario, seed: u64, s: &Strings) -> Vec<String> {
    let r = scripted(scenario, seed);
    lost_writes(&r)
        .iter()
        .map(|w| {
            let cmd = w.exchange.line();
            let ms = fixed(w.exchange.reply_ms.unwrap_or(w.exchange.sent_ms), 0);
            let why = match w.reason {
                LossReason::NeverSent => s.lost_never_sent,
                LossReason::NotDelivered => s.lost_not_delivered,
                LossReason::Overwritten => s.lost_overwritten,
            }
            .replace("{cmd}", &cmd)
            .replace("{node}", &w.acked_by)
            .replace("{ms}", &ms)
            .replace("{master}", &w.final_master);
            let wait = match w.wait_reply {
                Some(n) => s.lost_wait_some.replace("{n}", &n.to_string()),
                None => s.lost_wait_none.to_string(),
            };
            format!("{why}. {wait}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use replscope_core::sim::scenario::scenario;

    fn session(name: &str) -> Session {
        Session::new(scenario(name).unwrap(), 1, Settings::default())
    }

    #[test]
    fn full_sync_tour_places_five_steps_in_order() {
        let s = session("full-sync");
        let plan = plan_tour(&s).expect("full-sync has a tour");
        assert_eq!(plan.moments.len(), plan.tour(Lang::En).steps.len());
        assert!(
            plan.moments.windows(2).all(|w| w[0] <= w[1]),
            "{:?}",
            plan.moments
        );
        assert_eq!(plan.tour(Lang::Zh).steps.len(), plan.moments.len());
        // The PSYNC step asks a question whose answer arrives later.
        let q = plan
            .tour(Lang::En)
            .steps
            .iter()
            .position(|st| st.question.is_some())
            .unwrap();
        let reveal = plan.reveals[q].expect("a reply");
        assert!(reveal > plan.moments[q]);
        let mut at = s;
        at.seek(plan.moments[q]);
        let snap = crate::model::snapshot(&at);
        assert!(
            snap.packets.iter().any(|p| p.label.starts_with("PSYNC")),
            "{:?}",
            snap.packets
        );
        assert_eq!(plan.current(plan.moments[q]), Some(q));
    }

    #[test]
    fn tours_from_fetched_files_place_like_the_builtin_ones() {
        let src = |file: &str| {
            tour::BUILTIN
                .iter()
                .find(|(f, _)| *f == file)
                .map(|(_, s)| *s)
        };
        for sc in scenarios() {
            let (en, zh) = (tour_file(sc.name, Lang::En), tour_file(sc.name, Lang::Zh));
            assert_eq!(en, format!("{}.en.tour", sc.name));
            let Some(tours) = parse_tours(sc.name, src(&en), src(&zh)) else {
                assert!(
                    src(&en).is_none(),
                    "{} has a tour that does not parse",
                    sc.name
                );
                continue;
            };
            let s = session(sc.name);
            assert_eq!(plan_tour_with(&s, tours), plan_tour(&s), "{}", sc.name);
            // A missing or unreadable file: no tour (the page says so), never a panic.
            assert_eq!(parse_tours(sc.name, src(&en), None), None);
            assert_eq!(parse_tours(sc.name, None, src(&zh)), None);
            assert_eq!(parse_tours(sc.name, src(&en), Some("not found")), None);
        }
    }

    #[test]
    fn every_tour_is_placed() {
        for sc in scenarios() {
            if tour::builtin_tour(sc.name, "en").is_some() {
                assert!(plan_tour(&session(sc.name)).is_some(), "{}", sc.name);
            }
        }
    }

    #[test]
    fn the_session_replays_the_core_runners_run() {
        for sc in scenarios() {
            let core = replscope_core::sim::scenario::run(&sc, 3);
            let web = scripted(&sc, 3);
            assert_eq!(web.trace_hash(), core.trace_hash(), "{}", sc.name);
            let strip = |n: &[NodeState]| {
                n.iter()
                    .map(|x| NodeState {
                        digest: String::new(),
                        ..x.clone()
                    })
                    .collect::<Vec<_>>()
            };
            assert_eq!(strip(&web.nodes), strip(&core.nodes), "{}", sc.name);
        }
    }

    #[test]
    fn mermaid_export_of_partial_resync() {
        let m = export_mermaid(&session("partial-resync"));
        assert!(m.starts_with("sequenceDiagram\n"));
        assert!(m.contains("replica->>master: PSYNC "), "{m}");
        assert!(m.contains("master->>replica: +CONTINUE"), "{m}");
        assert!(export_json(&session("partial-resync")).contains("\"label\":\"+CONTINUE"));
    }

    #[test]
    fn sequence_lists_messages_up_to_the_step() {
        let mut s = session("full-sync");
        s.seek(60);
        let (lanes, msgs) = sequence(s.live());
        assert_eq!(&lanes[..3], &["client", "master", "replica"]);
        assert!(!msgs.is_empty());
        assert!(msgs.iter().all(|m| m.step <= 60));
        assert!(msgs.windows(2).all(|w| w[0].step <= w[1].step));
    }

    #[test]
    fn permalinks_round_trip() {
        let mut s = session("partial-resync");
        s.seek(10);
        s.act(UserAction::Command {
            node: 0,
            words: vec!["SET".into(), "a b".into(), "1".into()],
        });
        s.seek(25);
        s.set_settings(Settings {
            backlog_size: Some(16384),
            ..Settings::default()
        });
        let flags = ViewFlags {
            lang: Lang::Zh,
            bilingual: true,
            tour: true,
        };
        let frag = permalink(&s, flags).to_fragment();
        let (r, f) = restore(&frag).unwrap();
        assert_eq!(f, flags);
        assert_eq!(r.step(), 25);
        assert_eq!(r.settings(), s.settings());
        assert_eq!(r.actions(), s.actions());
        assert_eq!(crate::model::snapshot(&r), crate::model::snapshot(&s));
        // Older links.
        let (old, _) = restore("#scenario=partial-resync&step=40").unwrap();
        assert_eq!(old.step(), 40);
        assert!(restore("#s=nope").is_none());
        for a in [
            UserAction::AddReplica,
            UserAction::Cut(0, 2),
            UserAction::Crash(1),
            UserAction::Remove(3),
            UserAction::Restart(2),
            UserAction::Restore(1, 0),
        ] {
            assert_eq!(parse_action(&action_text(&a)), Some(a));
        }
    }

    #[test]
    fn compare_backlog_full_vs_partial() {
        let base = scenario("backlog-overflow").unwrap();
        let mut c = Compare::new(&base, 1, CompareKind::Backlog).unwrap();
        assert_eq!((c.costs[0].full_syncs, c.costs[0].partial_syncs), (1, 0));
        assert_eq!((c.costs[1].full_syncs, c.costs[1].partial_syncs), (0, 1));
        c.run_to_end();
        assert!(c.sides[0].at_end() && c.sides[1].at_end());
        let last = |i: usize| c.sides[i].live().psyncs.last().map(|p| p.outcome);
        assert_eq!(last(0), Some("+FULLRESYNC"));
        assert_eq!(last(1), Some("+CONTINUE"));
    }

    #[test]
    fn lost_writes_in_both_languages() {
        let sc = scenario("wait").unwrap();
        let en = lost_write_lines(&sc, 1, &crate::strings::EN);
        let zh = lost_write_lines(&sc, 1, &crate::strings::ZH);
        assert_eq!(en.len(), zh.len());
        assert!(!en.is_empty(), "wait loses a write");
        assert!(en[0].starts_with("`SET lost-key 1` was lost"), "{}", en[0]);
        assert!(zh[0].contains("丢失"), "{}", zh[0]);
    }
}
