//! The same seed gives the same trace on native and on wasm32 (issue #4). Compared: the
//! named scenarios (seeds 1–3) and the fuzzer's random scenarios of seeds 0–59
//! (`WASM_SIM_SEEDS=N` runs seeds 0 to N-1), each followed by every node's INFO, CLIENT LIST,
//! CONFIG GET * and ROLE (`scenario::probed`) so that what the nodes print is compared too,
//! hashed by the simulator's trace hash (every event, every byte sent and delivered), here
//! natively and in V8. A difference prints the runs that differ.
//!
//! The wasm side is `core/examples/sim_wasm.rs`, built by this test for
//! wasm32-unknown-unknown with the browser app's profile (`wasm-release`: opt-level z, LTO,
//! as shipped) into its own target directory (`<target>/wasm-determinism`, so the nested
//! cargo never waits on the lock of the build running this test), and run in node. It needs
//! the wasm32 target (rustup) and node; `scripts/test` installs both. A missing tool is a
//! failure with a message, never a skip.

use std::path::PathBuf;
use std::process::Command;

use replscope_core::sim::{fuzz, scenario};

const SCENARIO_SEEDS: [u32; 3] = [1, 2, 3];
const DEFAULT_FUZZ_SEEDS: u32 = 60;

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| c.is_file())
}

/// Builds the example for wasm32 and returns the module's path.
fn build_wasm() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("core/ is inside the workspace");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("wasm-determinism");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .current_dir(workspace)
        .env("CARGO_TARGET_DIR", &target)
        .args([
            "build",
            "-q",
            "-p",
            "replscope-core",
            "--example",
            "sim_wasm",
            "--target",
            "wasm32-unknown-unknown",
            "--profile",
            "wasm-release",
        ])
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "building core/examples/sim_wasm.rs for wasm32-unknown-unknown failed (is the target \
         installed? `rustup target add wasm32-unknown-unknown`; scripts/test does it):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("wasm32-unknown-unknown/wasm-release/examples/sim_wasm.wasm")
}

/// The lines the native and the wasm side both print.
fn line_scenario(name: &str, seed: u32, hash: u64) -> String {
    format!("scenario {name} seed {seed} {hash:016x}")
}
fn line_fuzz(seed: u32, hash: u64) -> String {
    format!("fuzz seed {seed} {hash:016x}")
}

const RUN_JS: &str = r#"
const fs = require('node:fs');
const [wasmPath, names, scenarioSeeds, fuzzFrom, fuzzTo] = process.argv.slice(1);
const m = new WebAssembly.Module(fs.readFileSync(wasmPath));
if (WebAssembly.Module.imports(m).length !== 0) throw new Error('the module imports something');
const x = new WebAssembly.Instance(m, {}).exports;
const hex = (h) => BigInt.asUintN(64, h).toString(16).padStart(16, '0');
const list = names.split(',');
if (x.scenario_count() !== list.length) throw new Error(`wasm has ${x.scenario_count()} scenarios, native ${list.length}`);
const out = [];
list.forEach((name, i) => {
  for (const seed of scenarioSeeds.split(',').map(Number)) {
    out.push(`scenario ${name} seed ${seed} ${hex(x.scenario_trace_hash(i, seed))}`);
  }
});
for (let seed = Number(fuzzFrom); seed < Number(fuzzTo); seed++) {
  out.push(`fuzz seed ${seed} ${hex(x.fuzz_trace_hash(seed))}`);
}
process.stdout.write(out.join('\n') + '\n');
"#;

#[test]
fn native_and_wasm32_give_the_same_traces() {
    let node = on_path("node").unwrap_or_else(|| {
        panic!(
            "`node` was not found on PATH: this test runs the simulator in wasm with it. \
             Install it (scripts/test does: apt-get install nodejs) and run the tests again."
        )
    });
    let wasm = build_wasm();

    let fuzz_seeds = 0..std::env::var("WASM_SIM_SEEDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_FUZZ_SEEDS);
    let scenarios = scenario::scenarios();
    let names: Vec<&str> = scenarios.iter().map(|s| s.name).collect();
    let mut native = Vec::new();
    for s in &scenarios {
        for seed in SCENARIO_SEEDS {
            native.push(line_scenario(
                s.name,
                seed,
                scenario::run(&scenario::probed(s), seed as u64).trace_hash(),
            ));
        }
    }
    for seed in fuzz_seeds.clone() {
        let s = scenario::probed(&fuzz::generate(seed as u64));
        native.push(line_fuzz(seed, scenario::run(&s, seed as u64).trace_hash()));
    }

    let seeds: Vec<String> = SCENARIO_SEEDS.iter().map(|s| s.to_string()).collect();
    let out = Command::new(node)
        .arg("-e")
        .arg(RUN_JS)
        .arg(&wasm)
        .arg(names.join(","))
        .arg(seeds.join(","))
        .arg(fuzz_seeds.start.to_string())
        .arg(fuzz_seeds.end.to_string())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "node failed running {}:\n{}",
        wasm.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("node prints text");
    let wasm_lines: Vec<&str> = stdout.lines().collect();

    assert_eq!(
        wasm_lines.len(),
        native.len(),
        "wasm printed {} lines, native has {}:\n{stdout}",
        wasm_lines.len(),
        native.len()
    );
    let differ: Vec<String> = native
        .iter()
        .zip(&wasm_lines)
        .filter(|(n, w)| n.as_str() != **w)
        .map(|(n, w)| format!("native: {n}\n  wasm: {w}"))
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} runs differ between native and wasm32 (replay one natively with \
         SIM_SEED=<seed> cargo test -p replscope-core --test sim_fuzz):\n{}",
        differ.len(),
        native.len(),
        differ.join("\n")
    );
    // The runs are not all alike (a hash that ignored its input would pass the above).
    let mut distinct = native
        .iter()
        .map(|l| l.rsplit(' ').next())
        .collect::<Vec<_>>();
    distinct.sort();
    distinct.dedup();
    assert!(distinct.len() > native.len() / 2, "{native:?}");
}
