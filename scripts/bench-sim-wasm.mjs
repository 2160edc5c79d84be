// Times issue #4's simulator workloads in wasm (V8, as in Chromium), for scripts/bench-sim.
// Not a test. Loads the bare module built from core/examples/sim_wasm.rs (it imports
// nothing) and runs each workload once per seed, printing lines shaped like
// `replscope-sim --bench`'s, after one unmeasured warm-up run of each workload.
//
//   node scripts/bench-sim-wasm.mjs WASM [--runs N] [--keys N] [--writes N] [--replicas N]
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const wasmPath = args.shift();
if (!wasmPath) {
    console.error('usage: node scripts/bench-sim-wasm.mjs WASM [--runs N] [--keys N] [--writes N] [--replicas N]');
    process.exit(2);
}
const opt = { runs: 5, keys: 10000, writes: 1000000, replicas: 3 };
while (args.length) {
    const flag = args.shift();
    const name = flag.replace(/^--/, '');
    const value = Number(args.shift());
    if (!(name in opt) || !Number.isInteger(value) || value < 1) {
        console.error(`bench-sim-wasm: bad option ${flag}`);
        process.exit(2);
    }
    opt[name] = value;
}

const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
const x = instance.exports;

function median(v) {
    const s = [...v].sort((a, b) => a - b);
    const n = s.length;
    return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function bench(title, run) {
    console.log(`bench (wasm) ${title}`);
    const rates = [];
    const cpuRates = [];
    let failed = false;
    for (let seed = 1; seed <= opt.runs; seed++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const events = run(seed);
        const secs = Math.max((performance.now() - t0) / 1000, 1e-9);
        const c = process.cpuUsage(c0);
        const cpu = Math.max((c.user + c.system) / 1e6, 1e-9);
        rates.push(events / secs);
        cpuRates.push(events / cpu);
        const ok = x.last_in_sync() === 1;
        failed ||= !ok;
        console.log(
            `  run ${seed}: ${events} events, ${secs.toFixed(3)} s wall, ${(events / secs).toFixed(0)} events/s, ` +
                `${cpu.toFixed(3)} s CPU, ${(events / cpu).toFixed(0)} events/CPU-s; ` +
                `${x.last_keys()} keys, offset ${x.last_offset()}${ok ? '' : ' (replicas NOT in sync)'}`,
        );
    }
    console.log(
        `  median over ${opt.runs} runs: ${median(rates).toFixed(0)} events per wall second, ` +
            `${median(cpuRates).toFixed(0)} events per CPU second`,
    );
    return !failed;
}

// V8 compiles wasm lazily and tiers hot functions up in the background: one unmeasured run
// of each workload first (streaming with at most 20,000 writes), so that every measured run
// is of optimized code.
x.bench_full_sync(opt.keys, 1);
x.bench_streaming(Math.min(opt.writes, 20000), opt.replicas, 1);

let ok = bench(`full-sync with ${opt.keys} extra keys`, (seed) => x.bench_full_sync(opt.keys, seed));
ok = bench(`streaming: ${opt.writes} writes to a master with ${opt.replicas} replicas`, (seed) =>
    x.bench_streaming(opt.writes, opt.replicas, seed),
) && ok;
if (!ok) {
    console.error('bench-sim-wasm: a run ended with replicas not in sync');
    process.exit(1);
}
