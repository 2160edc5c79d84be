//! The simulator as a bare wasm module, for the two things that must run it in wasm
//! outside the browser app:
//!
//! - issue #4's throughput workloads (`bench_*`, the same as `replscope-sim --bench`), which
//!   `scripts/bench-sim` times in V8 (node) as well as natively;
//! - trace hashes of the named scenarios and of the fuzzer's random seeds (`*_trace_hash`),
//!   which `core/tests/wasm_determinism.rs` compares with the native ones: the same seed
//!   must give the same trace on native and on wasm32.
//!
//! Built with `cargo build -p replscope-core --example sim_wasm --target
//! wasm32-unknown-unknown --profile wasm-release` (the browser app's profile) or
//! `--release`. The module imports nothing (the core has no I/O, clock or OS randomness)
//! and exports its memory and the functions below; the caller does any timing, since the
//! core has no clock. On native targets this builds too (as a shared library nobody loads),
//! so `cargo test` keeps it compiling.

use std::sync::atomic::{AtomicU64, Ordering};

use replscope_core::sim::scenario::ScenarioRun;
use replscope_core::sim::{bench, fuzz, scenario};

/// The last run's master offset and key count, and whether every replica ended linked with
/// the master's offset and key count (1) or not (0).
static LAST: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

fn finish(r: &ScenarioRun) -> f64 {
    let master = &r.nodes[0];
    let in_sync = bench::in_sync(r);
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

/// How many named scenarios there are (`scenario::scenarios()`, in its order).
#[no_mangle]
pub extern "C" fn scenario_count() -> u32 {
    scenario::scenarios().len() as u32
}

/// The trace hash of named scenario `index` (in `scenario::scenarios()`'s order) run with
/// `seed` and then probed (`scenario::probed`: every node's INFO, CLIENT LIST, CONFIG GET *
/// and ROLE), or 0 if there is no such scenario.
#[no_mangle]
pub extern "C" fn scenario_trace_hash(index: u32, seed: u32) -> u64 {
    match scenario::scenarios().get(index as usize) {
        Some(s) => scenario::run(&scenario::probed(s), seed as u64).trace_hash(),
        None => 0,
    }
}

/// The trace hash of the fuzzer's random scenario `seed` (`fuzz::generate`) run with that
/// seed and then probed like the named scenarios.
#[no_mangle]
pub extern "C" fn fuzz_trace_hash(seed: u32) -> u64 {
    let s = scenario::probed(&fuzz::generate(seed as u64));
    scenario::run(&s, seed as u64).trace_hash()
}

/// The text timeline (`scenario::render_text`) of the last [`scenario_timeline`] call.
static TEXT: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// Renders the timeline of named scenario `index` run with `seed` and probed (as
/// [`scenario_trace_hash`] runs it) into the module's memory
/// and returns its address; [`timeline_len`] gives its length in bytes (UTF-8). For a
/// test that finds native and wasm traces differ, to show where.
#[no_mangle]
pub extern "C" fn scenario_timeline(index: u32, seed: u32) -> *const u8 {
    let mut t = TEXT.lock().unwrap_or_else(|e| e.into_inner());
    *t = match scenario::scenarios().get(index as usize) {
        Some(s) => scenario::render_text(&scenario::run(&scenario::probed(s), seed as u64)),
        None => String::new(),
    };
    t.as_ptr()
}

/// The length of the text [`scenario_timeline`] last rendered.
#[no_mangle]
pub extern "C" fn timeline_len() -> u32 {
    TEXT.lock().unwrap_or_else(|e| e.into_inner()).len() as u32
}
