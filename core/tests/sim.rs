//! The deterministic simulator: link timing, ordering under chunking, faults, determinism,
//! and the real sans-IO `Server` driven over virtual links.

use proptest::prelude::*;
use replscope_core::config::Config;
use replscope_core::server::Server;
use replscope_core::sim::trace::CloseReason;
use replscope_core::sim::{
    ChunkPolicy, ConnId, Dest, Fault, LinkParams, NodeId, Probe, SimEvent, Simulator, TraceKind,
};
use replscope_core::time::Time;

const T0: Time = Time::from_millis(1_700_000_000_000);

fn whole(latency_us: u64, bandwidth: u64) -> LinkParams {
    LinkParams {
        latency_us,
        bandwidth,
        chunking: ChunkPolicy::Whole,
    }
}

fn random(latency_us: u64, bandwidth: u64, max_chunk: usize) -> LinkParams {
    LinkParams {
        latency_us,
        bandwidth,
        chunking: ChunkPolicy::Random { max_chunk },
    }
}

/// Two probes, `a` connected to listening `b`; returns (sim, a, b, a's conn, b's conn).
fn pair(seed: u64, params: LinkParams) -> (Simulator, NodeId, NodeId, ConnId, ConnId) {
    let mut sim: Simulator = Simulator::new(seed, T0);
    sim.set_default_link(params);
    let a = sim.add_node(Box::new(Probe::new()), None);
    let b = sim.add_node(Box::new(Probe::new()), Some(6379));
    let ca = sim
        .with_node_as(a, |p: &mut Probe, _| p.connect(Dest::Node(b)))
        .unwrap();
    assert!(sim.run_until_quiet(T0.add_millis(10_000)));
    let cb = *probe(&sim, b).conns().keys().next().unwrap();
    assert!(probe(&sim, a).conn(ca).unwrap().connected);
    (sim, a, b, ca, cb)
}

fn probe(sim: &Simulator, n: NodeId) -> &Probe {
    sim.node_as::<Probe>(n).unwrap()
}

fn send(sim: &mut Simulator, n: NodeId, conn: ConnId, bytes: &[u8]) {
    sim.with_node_as(n, |p: &mut Probe, _| p.send(conn, bytes))
        .unwrap();
}

fn received(sim: &Simulator, n: NodeId, conn: ConnId) -> Vec<u8> {
    probe(sim, n).conn(conn).unwrap().received.clone()
}

fn pattern(len: usize, salt: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect()
}

#[test]
fn handshake_takes_one_latency_each_way() {
    let mut sim: Simulator = Simulator::new(1, T0);
    sim.set_default_link(whole(5_000, 0));
    let a = sim.add_node(Box::new(Probe::new()), None);
    let b = sim.add_node(Box::new(Probe::new()), Some(6379));
    let ca = sim
        .with_node_as(a, |p: &mut Probe, _| p.connect(Dest::Node(b)))
        .unwrap();
    sim.run_until(T0.add_micros(4_999));
    assert!(probe(&sim, b).conns().is_empty());
    sim.run_until(T0.add_millis(5));
    assert_eq!(probe(&sim, b).conns().len(), 1);
    assert!(!probe(&sim, a).conn(ca).unwrap().connected);
    sim.run_until(T0.add_micros(9_999));
    assert!(!probe(&sim, a).conn(ca).unwrap().connected);
    sim.run_until(T0.add_millis(10));
    assert!(probe(&sim, a).conn(ca).unwrap().connected);
}

#[test]
fn latency_and_bandwidth_timing_is_exact() {
    // 10 KB over 1 MB/s takes 10 ms on the wire, plus 5 ms latency.
    let (mut sim, a, b, ca, cb) = pair(1, whole(5_000, 1_000_000));
    let t1 = sim.now();
    let msg = pattern(10_000, 1);
    send(&mut sim, a, ca, &msg);
    sim.run_until(t1.add_micros(14_999));
    assert!(received(&sim, b, cb).is_empty());
    sim.run_until(t1.add_millis(15));
    assert_eq!(received(&sim, b, cb), msg);
    assert_eq!(
        probe(&sim, b).conn(cb).unwrap().arrivals,
        vec![(t1.add_millis(15), 10_000)]
    );

    // Two messages sent together: the second waits for the wire.
    let t2 = sim.now();
    send(&mut sim, a, ca, &msg);
    send(&mut sim, a, ca, &pattern(5_000, 2));
    assert!(sim.run_until_quiet(t2.add_millis(1_000)));
    let arr = &probe(&sim, b).conn(cb).unwrap().arrivals;
    assert_eq!(arr[1], (t2.add_millis(15), 20_000));
    assert_eq!(arr[2], (t2.add_millis(20), 25_000));

    // Random chunking: partial chunks arrive earlier, the last byte at exactly 15 ms.
    let (mut sim, a, b, ca, cb) = pair(3, random(5_000, 1_000_000, 1_500));
    let t1 = sim.now();
    send(&mut sim, a, ca, &msg);
    assert!(sim.run_until_quiet(t1.add_millis(1_000)));
    let c = probe(&sim, b).conn(cb).unwrap();
    assert_eq!(c.received, msg);
    assert!(c.arrivals.len() > 1, "{:?}", c.arrivals);
    assert_eq!(*c.arrivals.last().unwrap(), (t1.add_millis(15), 10_000));
    for w in c.arrivals.windows(2) {
        assert!(w[0].0 <= w[1].0 && w[0].1 < w[1].1);
    }
    // A chunk of n bytes cannot have arrived before its bytes were transmitted.
    for &(t, total) in &c.arrivals {
        assert!(t.micros_since(t1) >= 5_000 + total as u64);
    }
}

/// A small random exchange; returns the trace hash and b's arrival pattern.
fn exchange(seed: u64) -> (u64, Vec<(Time, usize)>) {
    let (mut sim, a, b, ca, cb) = pair(seed, random(300, 2_000_000, 64));
    for i in 0..20u8 {
        send(&mut sim, a, ca, &pattern(100 + i as usize * 7, i));
        send(&mut sim, b, cb, &pattern(50, i));
        let t = sim.now().add_micros(250);
        sim.run_until(t);
    }
    assert!(sim.run_until_quiet(T0.add_millis(10_000)));
    let arrivals = probe(&sim, b).conn(cb).unwrap().arrivals.clone();
    (sim.trace().hash(), arrivals)
}

#[test]
fn same_seed_same_trace_different_seed_different_chunking() {
    let (h1, a1) = exchange(42);
    let (h2, a2) = exchange(42);
    assert_eq!(h1, h2);
    assert_eq!(a1, a2);
    let (h3, a3) = exchange(43);
    assert_ne!(h1, h3);
    assert_ne!(a1, a3);
}

#[test]
fn trace_hash_does_not_depend_on_keeping_entries() {
    let run = |keep: bool| {
        let mut sim: Simulator = Simulator::new(9, T0);
        sim.trace_mut().set_keep(keep);
        sim.trace_mut()
            .set_labeler(Box::new(|_, b| Some(format!("{} bytes", b.len()))));
        let a = sim.add_node(Box::new(Probe::new()), None);
        let b = sim.add_node(Box::new(Probe::new()), Some(1));
        sim.with_node_as(a, |p: &mut Probe, _| {
            let c = p.connect(Dest::Node(b));
            p.send(c, b"hello world");
            p.emit(SimEvent::new("note", "sent"));
        });
        sim.run_until_quiet(T0.add_millis(100));
        (sim.trace().hash(), sim.trace().entries().to_vec())
    };
    let (h1, e1) = run(true);
    let (h2, e2) = run(false);
    assert_eq!(h1, h2);
    assert!(e2.is_empty());
    let send = e1
        .iter()
        .find(|e| matches!(e.kind, TraceKind::Send { .. }))
        .unwrap();
    assert_eq!(send.label.as_deref(), Some("11 bytes"));
    assert_eq!(send.time, T0);
    assert!(e1
        .iter()
        .any(|e| e.kind == TraceKind::Event(SimEvent::new("note", "sent"))));
    let kinds: Vec<&str> = e1
        .iter()
        .map(|e| match e.kind {
            TraceKind::Connect { .. } => "connect",
            TraceKind::Accept { .. } => "accept",
            TraceKind::Connected { .. } => "connected",
            TraceKind::Send { .. } => "send",
            TraceKind::Deliver { .. } => "deliver",
            TraceKind::Event(_) => "event",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds[..4], ["connect", "send", "event", "accept"]);
    assert!(kinds.contains(&"connected") && kinds.contains(&"deliver"));
}

#[test]
fn hold_queues_and_release_delivers_in_order() {
    let (mut sim, a, b, ca, cb) = pair(5, random(1_000, 0, 8));
    let link = sim.link_of(a, ca).unwrap();
    send(&mut sim, a, ca, b"first ");
    sim.inject(Fault::Hold(link));
    send(&mut sim, a, ca, b"second ");
    send(&mut sim, b, cb, b"back");
    let t = sim.now().add_millis(500);
    sim.run_until(t);
    assert!(received(&sim, b, cb).is_empty());
    assert!(received(&sim, a, ca).is_empty());
    assert_eq!(sim.bytes_in_flight(link, b), 13);
    assert!(
        sim.is_quiet(),
        "a held link does not keep the simulation busy"
    );
    send(&mut sim, a, ca, b"third");
    let released = sim.now();
    sim.inject(Fault::Release(link));
    assert!(sim.run_until_quiet(released.add_millis(100)));
    assert_eq!(received(&sim, b, cb), b"first second third");
    assert_eq!(received(&sim, a, ca), b"back");
    // What queued during the hold arrives at release time.
    let arr = &probe(&sim, a).conn(ca).unwrap().arrivals;
    assert!(arr.iter().all(|&(t, _)| t == released));

    // One-way hold: b's bytes keep flowing.
    sim.inject(Fault::HoldOneWay { link, from: a });
    send(&mut sim, a, ca, b"!");
    send(&mut sim, b, cb, b"?");
    assert!(sim.run_until_quiet(sim.now().add_millis(100)));
    assert_eq!(received(&sim, a, ca), b"back?");
    assert_eq!(received(&sim, b, cb), b"first second third");
    sim.inject(Fault::Release(link));
    assert!(sim.run_until_quiet(sim.now().add_millis(100)));
    assert_eq!(received(&sim, b, cb), b"first second third!");
}

#[test]
fn slow_changes_timing_but_not_order() {
    let (mut sim, a, b, ca, cb) = pair(6, whole(10_000, 0));
    let link = sim.link_of(a, ca).unwrap();
    let t1 = sim.now();
    send(&mut sim, a, ca, b"slow ");
    sim.inject(Fault::Slow {
        link,
        params: whole(1_000, 1_000),
    });
    send(&mut sim, a, ca, b"fast?");
    assert!(sim.run_until_quiet(t1.add_millis(1_000)));
    let c = probe(&sim, b).conn(cb).unwrap();
    assert_eq!(c.received, b"slow fast?");
    // "fast?" needs 5 ms on the wire + 1 ms, but may not overtake "slow " (10 ms).
    assert_eq!(
        c.arrivals,
        vec![(t1.add_millis(10), 5), (t1.add_millis(10), 10)]
    );
}

#[test]
fn cut_closes_both_ends_and_loses_bytes_in_flight() {
    let (mut sim, a, b, ca, cb) = pair(7, whole(1_000, 0));
    let link = sim.link_of(a, ca).unwrap();
    send(&mut sim, a, ca, b"lost");
    let t = sim.now();
    sim.inject(Fault::Cut(link));
    assert!(probe(&sim, a).conn(ca).unwrap().closed);
    assert!(probe(&sim, b).conn(cb).unwrap().closed);
    send(&mut sim, a, ca, b"after");
    assert!(sim.run_until_quiet(t.add_millis(100)));
    assert!(received(&sim, b, cb).is_empty());
    assert!(sim.links().is_empty());
    let closed: Vec<_> = sim
        .trace()
        .entries()
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Closed { reason, .. } => Some((e.node, e.time, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        closed,
        vec![(a, t, CloseReason::Cut), (b, t, CloseReason::Cut)]
    );
    assert!(sim
        .trace()
        .entries()
        .iter()
        .any(|e| matches!(e.kind, TraceKind::Dropped { len: 5, .. })));
}

#[test]
fn close_delivers_pending_bytes_then_fin() {
    let (mut sim, a, b, ca, cb) = pair(8, whole(2_000, 1_000_000));
    let t = sim.now();
    sim.with_node_as(a, |p: &mut Probe, _| {
        p.send(ca, &pattern(1_000, 3));
        p.close(ca);
    });
    // b's bytes towards a closed end are dropped.
    send(&mut sim, b, cb, b"too late");
    sim.run_until(t.add_micros(2_999));
    assert!(!probe(&sim, b).conn(cb).unwrap().closed);
    sim.run_until(t.add_millis(3));
    let c = probe(&sim, b).conn(cb).unwrap();
    assert_eq!(c.received, pattern(1_000, 3));
    assert!(c.closed);
    assert!(received(&sim, a, ca).is_empty());
    assert!(sim.links().is_empty());
}

#[test]
fn connect_to_non_listening_or_unknown_is_refused() {
    let mut sim: Simulator = Simulator::new(1, T0);
    sim.set_default_link(whole(1_000, 0));
    let a = sim.add_node(Box::new(Probe::new()), None);
    let b = sim.add_node(Box::new(Probe::new()), None);
    let (c1, c2, c3) = sim
        .with_node_as(a, |p: &mut Probe, _| {
            (
                p.connect(Dest::Node(b)),
                p.connect(Dest::Addr {
                    host: "10.9.9.9".into(),
                    port: 6379,
                }),
                p.connect(Dest::Node(NodeId(77))),
            )
        })
        .unwrap();
    sim.run_until(T0.add_millis(2));
    for c in [c1, c2, c3] {
        let pc = probe(&sim, a).conn(c).unwrap();
        assert!(pc.closed && !pc.connected, "{c}");
    }
    assert!(probe(&sim, b).conns().is_empty());
    assert!(sim.links().is_empty());
}

#[test]
fn crash_closes_links_refuses_connects_and_restart_serves_again() {
    let (mut sim, a, b, ca, cb) = pair(11, whole(1_000, 0));
    send(&mut sim, b, cb, b"last words");
    let t = sim.now();
    sim.inject(Fault::Crash(b));
    assert!(!sim.is_up(b));
    // The peer sees what b had sent, then the close, one latency later.
    sim.run_until(t.add_millis(1));
    let c = probe(&sim, a).conn(ca).unwrap();
    assert_eq!(c.received, b"last words");
    assert!(c.closed);
    // The kept state was told its connections closed.
    assert!(probe(&sim, b).conn(cb).unwrap().closed);

    let c2 = sim
        .with_node_as(a, |p: &mut Probe, _| p.connect(Dest::Node(b)))
        .unwrap();
    sim.run_until(sim.now().add_millis(2));
    assert!(probe(&sim, a).conn(c2).unwrap().closed);

    // Scheduled restart, then a connect works again.
    let at = sim.now().add_millis(50);
    sim.schedule(at, Fault::Restart(b));
    sim.run_until(at);
    assert!(sim.is_up(b));
    let c3 = sim
        .with_node_as(a, |p: &mut Probe, _| p.connect(Dest::Node(b)))
        .unwrap();
    send(&mut sim, a, c3, b"hi again");
    assert!(sim.run_until_quiet(sim.now().add_millis(100)));
    assert!(probe(&sim, a).conn(c3).unwrap().connected);
    assert_eq!(probe(&sim, b).accepted_input(), b"hi again");

    // A restart with a fresh state: the new node knows nothing of the old conns.
    sim.restart_with(b, Box::new(Probe::new()));
    assert!(sim.is_up(b));
    assert!(probe(&sim, b).conns().is_empty());
    sim.run_until(sim.now().add_millis(2));
    assert!(probe(&sim, a).conn(c3).unwrap().closed);
}

#[test]
fn partition_holds_existing_and_new_links_until_healed() {
    let (mut sim, a, b, ca, cb) = pair(12, random(500, 0, 4));
    sim.inject(Fault::Partition(a, b));
    send(&mut sim, a, ca, b"one");
    let c2 = sim
        .with_node_as(a, |p: &mut Probe, _| {
            let c = p.connect(Dest::Node(b));
            p.send(c, b"two");
            c
        })
        .unwrap();
    sim.run_until(sim.now().add_millis(100));
    assert!(received(&sim, b, cb).is_empty());
    assert!(!probe(&sim, a).conn(c2).unwrap().connected);
    sim.inject(Fault::Heal(b, a));
    assert!(sim.run_until_quiet(sim.now().add_millis(100)));
    assert_eq!(received(&sim, b, cb), b"one");
    assert!(probe(&sim, a).conn(c2).unwrap().connected);
    assert_eq!(probe(&sim, b).accepted_input(), b"onetwo");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn bytes_arrive_in_order_under_random_chunking(
        seed in any::<u64>(),
        max_chunk in 1usize..50,
        latency in 0u64..3_000,
        bw in prop_oneof![Just(0u64), 1_000u64..10_000_000],
        msgs in proptest::collection::vec((proptest::collection::vec(any::<u8>(), 0..200), 0u64..2_000, 0u8..6), 1..30),
    ) {
        let (mut sim, a, b, ca, cb) = pair(seed, random(latency, bw, max_chunk));
        let link = sim.link_of(a, ca).unwrap();
        let (mut to_b, mut to_a) = (Vec::new(), Vec::new());
        for (bytes, gap, op) in &msgs {
            match op {
                0 => sim.inject(Fault::Hold(link)),
                1 => sim.inject(Fault::Release(link)),
                2 => sim.inject(Fault::Slow { link, params: random(*gap, bw / 2, max_chunk + 3) }),
                3 => { send(&mut sim, b, cb, bytes); to_a.extend_from_slice(bytes); }
                _ => { send(&mut sim, a, ca, bytes); to_b.extend_from_slice(bytes); }
            }
            let t = sim.now().add_micros(*gap);
            sim.run_until(t);
        }
        sim.inject(Fault::Release(link));
        prop_assert!(sim.run_until_quiet(sim.now().add_millis(100_000)));
        prop_assert_eq!(received(&sim, b, cb), to_b);
        prop_assert_eq!(received(&sim, a, ca), to_a);
    }
}

// ---- the real sans-IO server as a simulated node ----

fn server_sim(seed: u64, params: LinkParams) -> (Simulator, NodeId, NodeId) {
    let mut sim: Simulator = Simulator::new(seed, T0);
    sim.set_default_link(params);
    let node_seed = sim.rng().next_u64();
    let srv = sim.add_node(
        Box::new(Server::new(Config::default(), node_seed, T0)),
        Some(6379),
    );
    let cli = sim.add_node(Box::new(Probe::new()), None);
    (sim, srv, cli)
}

#[test]
fn server_answers_set_and_get_over_a_virtual_link() {
    let (mut sim, srv, cli) = server_sim(1, whole(1_000, 0));
    let host = sim.addr_of(srv).to_string();
    let c = sim
        .with_node_as(cli, |p: &mut Probe, _| {
            p.connect(Dest::Addr { host, port: 6379 })
        })
        .unwrap();
    sim.run_until(T0.add_millis(2));
    assert!(probe(&sim, cli).conn(c).unwrap().connected);
    assert_eq!(
        sim.node_as::<Server>(srv).unwrap().client_count(),
        1,
        "accepted at 1 ms"
    );
    let t = sim.now();
    send(
        &mut sim,
        cli,
        c,
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n",
    );
    sim.run_until(t.add_micros(1_999));
    assert!(received(&sim, cli, c).is_empty());
    sim.run_until(t.add_millis(2));
    assert_eq!(received(&sim, cli, c), b"+OK\r\n");
    let t = sim.now();
    send(&mut sim, cli, c, b"GET k\r\n");
    sim.run_until(t.add_millis(2));
    assert_eq!(received(&sim, cli, c), b"+OK\r\n$1\r\nv\r\n");
    assert_eq!(
        probe(&sim, cli).conn(c).unwrap().arrivals,
        vec![(T0.add_millis(4), 5), (T0.add_millis(6), 12)]
    );
    // The server's cron ran in between, at hz 10.
    assert!(sim.events_processed() > 4);

    // QUIT: +OK, then the server closes the connection.
    send(&mut sim, cli, c, b"QUIT\r\n");
    assert!(sim.run_until_quiet(sim.now().add_millis(100)));
    let pc = probe(&sim, cli).conn(c).unwrap();
    assert!(pc.received.ends_with(b"+OK\r\n") && pc.closed);
    assert_eq!(sim.node_as::<Server>(srv).unwrap().client_count(), 0);
}

#[test]
fn server_handles_pipelines_cut_into_random_chunks() {
    let (mut sim, srv, cli) = server_sim(2, random(200, 0, 3));
    let c = sim
        .with_node_as(cli, |p: &mut Probe, _| {
            let c = p.connect(Dest::Node(srv));
            p.send(
                c,
                b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nGET k\r\nINCR n\r\nINCR n\r\n",
            );
            c
        })
        .unwrap();
    assert!(sim.run_until_quiet(T0.add_millis(100)));
    assert_eq!(
        received(&sim, cli, c),
        b"+OK\r\n$1\r\nv\r\n:1\r\n:2\r\n".to_vec()
    );
    // A cut link closes the server's client too.
    let link = sim.link_of(cli, c).unwrap();
    sim.inject(Fault::Cut(link));
    assert_eq!(sim.node_as::<Server>(srv).unwrap().client_count(), 0);
}

/// One random seed: two probes exchanging bytes and one of them sending INCRs to a server,
/// under random link parameters and faults; after healing everything arrived, in order.
fn random_workload(seed: u64) -> u64 {
    let mut sim: Simulator = Simulator::new(seed, T0);
    sim.trace_mut().set_keep(false);
    let r = sim.rng();
    let max_chunk = 1 + r.index(64);
    let latency = r.below(5_000);
    let bw = [0, 100_000, 1_000_000, 50_000_000][r.index(4)];
    sim.set_default_link(random(latency, bw, max_chunk));
    let srv_seed = sim.rng().next_u64();
    let srv = sim.add_node(
        Box::new(Server::new(Config::default(), srv_seed, T0)),
        Some(6379),
    );
    let a = sim.add_node(Box::new(Probe::new()), None);
    let b = sim.add_node(Box::new(Probe::new()), Some(7000));
    let (ca, cs) = sim
        .with_node_as(a, |p: &mut Probe, _| {
            (p.connect(Dest::Node(b)), p.connect(Dest::Node(srv)))
        })
        .unwrap();
    let (mut to_b, mut to_a) = (Vec::new(), Vec::new());
    let mut incrs = 0usize;
    let mut cb = None;
    let ops = 10 + sim.rng().index(50);
    for _ in 0..ops {
        let op = sim.rng().index(10);
        let links = sim.links();
        let link = links[sim.rng().index(links.len())];
        match op {
            0 => sim.inject(Fault::Hold(link)),
            1 => sim.inject(Fault::Release(link)),
            2 => {
                let lat = sim.rng().below(3_000);
                let mc = 1 + sim.rng().index(100);
                sim.inject(Fault::Slow {
                    link,
                    params: random(lat, bw, mc),
                });
            }
            3 => sim.inject(Fault::Partition(a, srv)),
            4 => sim.inject(Fault::Heal(a, srv)),
            5 | 6 => {
                let n = 1 + sim.rng().index(3);
                let cmds = "INCR n\r\n".repeat(n);
                send(&mut sim, a, cs, cmds.as_bytes());
                incrs += n;
            }
            7 => {
                cb = cb.or_else(|| probe(&sim, b).conns().keys().next().copied());
                if let Some(cb) = cb {
                    let msg = pattern(sim.rng().index(300), sim.rng().next_u64() as u8);
                    send(&mut sim, b, cb, &msg);
                    to_a.extend_from_slice(&msg);
                }
            }
            _ => {
                let msg = pattern(sim.rng().index(300), sim.rng().next_u64() as u8);
                send(&mut sim, a, ca, &msg);
                to_b.extend_from_slice(&msg);
            }
        }
        let gap = sim.rng().below(3_000);
        let t = sim.now().add_micros(gap);
        sim.run_until(t);
    }
    // Heal everything.
    sim.inject(Fault::Heal(a, srv));
    for link in sim.links() {
        sim.inject(Fault::Release(link));
    }
    assert!(
        sim.run_until_quiet(sim.now().add_millis(60_000)),
        "seed {seed}"
    );
    let pa = probe(&sim, a);
    assert_eq!(pa.conn(ca).unwrap().received, to_a, "seed {seed}");
    assert_eq!(probe(&sim, b).accepted_input(), to_b, "seed {seed}");
    let expect: String = (1..=incrs).map(|i| format!(":{i}\r\n")).collect();
    assert_eq!(
        String::from_utf8_lossy(&pa.conn(cs).unwrap().received),
        expect,
        "seed {seed}"
    );
    assert!(pa.conns().values().all(|c| c.connected && !c.closed));
    if std::env::var("SIM_STATS").is_ok() {
        eprintln!(
            "seed {seed}: {incrs} incrs, {} B to b, {} B to a, {} events, {} trace entries",
            to_b.len(),
            to_a.len(),
            sim.events_processed(),
            sim.trace().count()
        );
    }
    sim.trace().hash()
}

#[test]
fn random_workloads_deliver_everything_in_order() {
    if let Some(seed) = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()) {
        random_workload(seed);
        return;
    }
    let seeds: u64 = std::env::var("SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000);
    for seed in 0..seeds {
        let h = random_workload(seed);
        if seed < 20 {
            assert_eq!(random_workload(seed), h, "seed {seed} is not deterministic");
        }
    }
}

#[test]
fn debug_sleep_blocks_the_server_node() {
    let mut sim: Simulator = Simulator::new(3, T0);
    sim.set_default_link(whole(1_000, 0));
    let mut config = Config::default();
    config.enable_debug_command = replscope_core::config::ProtectedAction::Local;
    let srv = sim.add_node(Box::new(Server::new(config, 1, T0)), Some(6379));
    let c1 = sim.add_node(Box::new(Probe::new()), None);
    let c2 = sim.add_node(Box::new(Probe::new()), None);
    let k1 = sim
        .with_node_as(c1, |p: &mut Probe, _| p.connect(Dest::Node(srv)))
        .unwrap();
    let k2 = sim
        .with_node_as(c2, |p: &mut Probe, _| p.connect(Dest::Node(srv)))
        .unwrap();
    sim.run_until(T0.add_millis(2));
    // At 2 ms c1 sends DEBUG SLEEP 0.05 (arrives at 3 ms, server blocked until 53 ms);
    // c2's PING arrives at 4 ms but is read at 53 ms.
    send(&mut sim, c1, k1, b"DEBUG SLEEP 0.05\r\n");
    sim.run_until(T0.add_millis(3));
    send(&mut sim, c2, k2, b"PING\r\n");
    assert!(sim.run_until_quiet(T0.add_millis(1_000)));
    assert_eq!(
        probe(&sim, c1).conn(k1).unwrap().arrivals,
        vec![(T0.add_millis(54), 5)]
    );
    assert_eq!(received(&sim, c1, k1), b"+OK\r\n");
    assert_eq!(
        probe(&sim, c2).conn(k2).unwrap().arrivals,
        vec![(T0.add_millis(54), 7)]
    );
    assert_eq!(received(&sim, c2, k2), b"+PONG\r\n");
}
