//! The `replscope-sim` binary: `--list`, and a scenario as a mermaid sequence diagram.

use std::process::Command;

fn sim(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_replscope-sim"))
        .args(args)
        .output()
        .expect("run replscope-sim");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn list_prints_every_scenario_with_a_description() {
    let (code, out) = sim(&["--list"]);
    assert_eq!(code, 0);
    for name in [
        "full-sync",
        "partial-resync",
        "backlog-overflow",
        "failover",
        "chain",
        "wait",
        "restart",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing in {out}"));
        assert!(line.len() > name.len() + 10, "{line}");
    }
}

#[test]
fn full_sync_as_mermaid() {
    let (code, out) = sim(&["--scenario", "full-sync", "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("sequenceDiagram\n"), "{out}");
    assert!(out.contains("replica->>master: PSYNC ? -1"), "{out}");
    assert!(out.contains("master->>replica: +FULLRESYNC"), "{out}");
}

#[test]
fn text_is_deterministic_and_json_is_an_array() {
    let a = sim(&["--scenario", "partial-resync", "--seed", "4"]);
    let b = sim(&["--scenario", "partial-resync", "--seed", "4"]);
    assert_eq!(a, b);
    assert!(a.1.contains("+CONTINUE"));
    let (code, json) = sim(&["--scenario", "chain", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert!(v.as_array().is_some_and(|a| !a.is_empty()));
}

#[test]
fn unknown_scenario_fails() {
    let (code, _) = sim(&["--scenario", "nope"]);
    assert_eq!(code, 1);
}

#[test]
fn wait_and_restart_in_every_format() {
    let (code, text) = sim(&["--scenario", "wait"]);
    assert_eq!(code, 0);
    assert!(text.contains("client -> master: WAIT 1 500"), "{text}");
    assert!(text.contains("master -> client: (0)"), "{text}");
    // The promoted replica has the acknowledged key, not the lost one (its two replies may
    // arrive in one message or in two, as the link chunks them).
    let replies: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once("replica -> client: ").map(|(_, r)| r))
        .collect();
    assert!(
        replies.join(" ").contains("\"1\" (nil)"),
        "{replies:?} in {text}"
    );
    let (code, m) = sim(&["--scenario", "restart", "--format", "mermaid"]);
    assert_eq!(code, 0);
    assert!(m.contains("master->>replica_1: +CONTINUE "), "{m}");
    let (code, json) = sim(&["--scenario", "restart", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let restart = v
        .as_array()
        .expect("array")
        .iter()
        .find(|e| {
            e["kind"] == "event"
                && e["text"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("restart: "))
        })
        .expect("the restart event");
    assert_eq!(restart["node"], "master");
}

#[test]
fn bench_prints_runs_and_a_median() {
    let (code, out) = sim(&[
        "--bench", "all", "--runs", "2", "--keys", "100", "--writes", "500",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("bench full-sync with 100 extra keys\n"),
        "{out}"
    );
    assert!(out.contains("bench streaming: 500 writes to a master with 3 replicas\n"));
    assert!(out.contains("  run 2: "));
    assert_eq!(out.matches("  median over 2 runs: ").count(), 2, "{out}");
    assert!(!out.contains("NOT in sync"), "{out}");
    assert!(out.contains("; 105 keys, offset "), "{out}");
    let (code, _) = sim(&["--bench", "nope"]);
    assert_eq!(code, 1);
}

#[test]
fn tour_narrates_the_timeline_in_both_languages() {
    let (code, en) = sim(&["--scenario", "partial-resync", "--tour"]);
    assert_eq!(code, 0, "{en}");
    // The question comes right before the PSYNC it is about, the answer matches the run.
    let q = en
        .find("? The master still has those bytes")
        .expect("question");
    let psync = en.find("replica -> master: PSYNC 523d").expect("psync");
    let cont = en.find("master -> replica: +CONTINUE").expect("+CONTINUE");
    assert!(q < psync && psync < cont, "{en}");
    assert!(en.contains("-> +CONTINUE\n"), "{en}");
    let (code, zh) = sim(&["--scenario", "full-sync", "--tour", "--lang", "zh"]);
    assert_eq!(code, 0, "{zh}");
    let steps: Vec<usize> = (1..=5)
        .map(|n| zh.find(&format!(">> 第 {n} 步")).expect("step"))
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{zh}");
    let (code, _) = sim(&["--scenario", "chain", "--tour", "--lang", "xx"]);
    assert_eq!(code, 1);
}
