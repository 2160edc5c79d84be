//! The simulator throughput workloads of `replscope-sim --bench` (issue #4) as a bare wasm
//! module, so that `scripts/bench-sim` can time them in V8 (node) as well as natively.
//!
//! Built with `cargo build -p replscope-core --example sim_bench_wasm --target
//! wasm32-unknown-unknown --profile wasm-release` (the browser app's profile) or
//! `--release`. The module imports nothing (the core has no I/O, clock or OS randomness)
//! and exports its memory and the functions below; `scripts/bench-sim-wasm.mjs` loads it,
//! calls one workload per run and does the timing, since the core has no clock. On native
//! targets this builds too (as a shared library nobody loads), so `cargo test` keeps it
//! compiling.

use std::sync::atomic::{AtomicU64, Ordering};

use replscope_core::sim::bench;
use replscope_core::sim::scenario::ScenarioRun;

/// The last run's master offset and key count, and whether every replica ended linked with
/// the master's offset and key count (1) or not (0).
static LAST: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

fn finish(r: &ScenarioRun) -> f64 {
    let master = &r.nodes[0];
    let in_sync = r.settled
        && r.nodes[1..]
            .iter()
            .all(|n| n.link_up && n.offset == master.offset && n.keys == master.keys);
    LAST[0].store(master.offset as u64, Ordering::Relaxed);
    LAST[1].store(master.keys as u64, Ordering::Relaxed);
    LAST[2].store(in_sync as u64, Ordering::Relaxed);
    r.sim.events_processed() as f64
}

/// `replscope-sim --bench full-sync --keys KEYS` with one seed: returns the number of
/// simulator events processed.
#[no_mangle]
pub extern "C" fn bench_full_sync(keys: u32, seed: u32) -> f64 {
    finish(&bench::run(&bench::full_sync(keys as usize), seed as u64))
}

/// `replscope-sim --bench streaming --writes WRITES --replicas REPLICAS` with one seed:
/// returns the number of simulator events processed.
#[no_mangle]
pub extern "C" fn bench_streaming(writes: u32, replicas: u32, seed: u32) -> f64 {
    finish(&bench::run(
        &bench::streaming(writes as usize, replicas as usize),
        seed as u64,
    ))
}

/// The last run's master offset.
#[no_mangle]
pub extern "C" fn last_offset() -> f64 {
    LAST[0].load(Ordering::Relaxed) as f64
}

/// The last run's master key count.
#[no_mangle]
pub extern "C" fn last_keys() -> f64 {
    LAST[1].load(Ordering::Relaxed) as f64
}

/// 1 if the last run ended settled with every replica in sync with the master, else 0.
#[no_mangle]
pub extern "C" fn last_in_sync() -> u32 {
    LAST[2].load(Ordering::Relaxed) as u32
}
