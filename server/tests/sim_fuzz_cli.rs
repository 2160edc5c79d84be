//! `replscope-sim --fuzz`: a summary of random seeds, and one seed replayed as a timeline.

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
fn fuzz_twenty_seeds_prints_a_summary() {
    let (code, out) = sim(&["--fuzz", "--seeds", "20"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("fuzz: 20 seeds run (0..20), "), "{out}");
    assert!(out.trim_end().ends_with(", 0 failed"), "{out}");
    // The same seeds give the same summary (event count included).
    assert_eq!(sim(&["--fuzz", "--seeds", "20"]).1, out);
    let (code, from) = sim(&["--fuzz", "--seeds", "3", "--seed", "100"]);
    assert_eq!(code, 0);
    assert!(from.starts_with("fuzz: 3 seeds run (100..103), "), "{from}");
}

#[test]
fn fuzz_one_seed_prints_its_scenario_and_timeline() {
    let (code, out) = sim(&["--fuzz", "--seed", "7"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("fuzz seed 7\ntopology:\n  master (port 6379): master\n"));
    assert!(out.contains("scenario fuzz (seed 7)"));
    assert!(out.contains("final state:"));
    assert!(out.ends_with("\nok\n"));
}

#[test]
fn fuzz_seeds_needs_a_number() {
    let (code, _) = sim(&["--fuzz", "--seeds", "many"]);
    assert_eq!(code, 1);
}
