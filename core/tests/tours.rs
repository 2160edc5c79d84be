//! Every shipped guided tour (tours/*.tour) is valid: it parses, exists in every language with
//! the same steps, names only real config knobs, and each of its steps happens, in order, in
//! the simulated run of its scenario, for several seeds.

use replscope_core::sim::scenario::scenarios;
use replscope_core::tour::{builtin, check, check_translations, BUILTIN, LANGUAGES};

#[test]
fn every_tour_parses_and_is_translated() {
    let groups = builtin().unwrap_or_else(|e| panic!("{e}"));
    assert!(BUILTIN.len() >= 10, "tours/ has {} files", BUILTIN.len());
    for (scenario, tours) in &groups {
        let pairs: Vec<(&str, &_)> = tours.iter().map(|(f, t)| (*f, t)).collect();
        check_translations(&pairs).unwrap_or_else(|e| panic!("{scenario}: {e}"));
        assert_eq!(tours.len(), LANGUAGES.len(), "{scenario}: {tours:?}");
    }
    // The five scenarios of issue #4 each have a tour.
    for name in [
        "full-sync",
        "partial-resync",
        "backlog-overflow",
        "failover",
        "chain",
    ] {
        assert!(groups.contains_key(name), "no tour for {name}");
    }
}

#[test]
fn every_tour_step_happens_in_its_scenario() {
    let known: Vec<&str> = scenarios().iter().map(|s| s.name).collect();
    for (scenario, tours) in builtin().unwrap() {
        assert!(
            known.contains(&scenario.as_str()),
            "tour of unknown scenario {scenario}"
        );
        for seed in [1, 2, 42] {
            for (file, tour) in &tours {
                let at = check(file, tour, seed).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
                assert_eq!(at.len(), tour.steps.len());
                assert!(at.windows(2).all(|w| w[0] <= w[1]), "{file}: {at:?}");
            }
        }
    }
}

#[test]
fn the_full_sync_tour_tells_the_five_steps_in_order() {
    let groups = builtin().unwrap();
    for (file, tour) in &groups["full-sync"] {
        let titles: Vec<&str> = tour.steps.iter().map(|s| s.title.as_str()).collect();
        let pos = |n: u32| {
            let (en, zh) = (format!("Step {n}:"), format!("第 {n} 步"));
            titles
                .iter()
                .position(|t| t.starts_with(&en) || t.starts_with(&zh))
                .unwrap_or_else(|| panic!("{file}: no step {n} in {titles:?}"))
        };
        let order: Vec<usize> = (1..=5).map(pos).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{file}: {order:?}");
        // The PSYNC step asks the learner to predict, and the run proves the answer.
        let psync = tour.steps.iter().find(|s| s.id == "psync").unwrap();
        assert_eq!(psync.question.as_ref().unwrap().answer, "+FULLRESYNC");
    }
}
