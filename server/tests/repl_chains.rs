//! Chains of real processes in the arrangements issue #5 lists beside Redis → ReplScope →
//! Redis (spec §8.24, `spec_o_replica.rs`): ReplScope → Redis → ReplScope and ReplScope →
//! ReplScope → ReplScope. Every node ends with the top master's data (key by key, TTLs),
//! the same `master_replid` and the same `master_repl_offset`; cutting the lower link makes
//! the bottom node resync partially from the middle one, and a write after it still flows
//! down the whole chain.

mod common;

use common::spec::*;

fn chain(top: Node, mid_ours: bool, bottom_ours: bool) {
    write_mixed(&top, "pre");
    let up = ["--replicaof", "127.0.0.1", &top.port_s()];
    let mid = if mid_ours {
        Node::ours(&up)
    } else {
        Node::redis(&up)
    };
    let down = ["--replicaof", "127.0.0.1", &mid.port_s()];
    let bottom = if bottom_ours {
        Node::ours(&down)
    } else {
        Node::redis(&down)
    };
    let nodes = [&top, &mid, &bottom];
    wait_converged(&top, &mid, "middle", &nodes);
    wait_converged(&top, &bottom, "bottom", &nodes);
    write_mixed(&top, "streamed");
    wait_converged(&top, &bottom, "bottom after streaming", &nodes);
    for n in [&mid, &bottom] {
        assert_eq!(
            n.repl("master_replid"),
            top.repl("master_replid"),
            "{}",
            n.label()
        );
        assert_eq!(
            n.repl("master_repl_offset"),
            top.repl("master_repl_offset"),
            "{}",
            n.label()
        );
    }
    // The lower link drops: the bottom node continues from the middle one.
    let before = mid.stat("sync_partial_ok");
    assert_eq!(mid.cmd(&["CLIENT", "KILL", "TYPE", "replica"]), ":1\r\n");
    wait_until(10, "a partial resync of the bottom node", &nodes, || {
        mid.stat("sync_partial_ok") == before + 1
    });
    write_mixed(&top, "post");
    wait_converged(&top, &bottom, "bottom after its link dropped", &nodes);
    assert_eq!(mid.stat("sync_full"), 1, "one full sync of the bottom node");
    assert_eq!(top.stat("sync_full"), 1, "one full sync of the middle node");
}

#[test]
fn ours_redis_ours() {
    chain(
        Node::ours(&["--repl-diskless-sync-delay", "0"]),
        false,
        true,
    );
}

#[test]
fn ours_ours_ours() {
    chain(Node::ours(&["--repl-diskless-sync-delay", "0"]), true, true);
}
