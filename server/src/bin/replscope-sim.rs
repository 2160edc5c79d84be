//! `replscope-sim`: the deterministic replication simulator on the command line.
//!
//! ```text
//! replscope-sim --list
//! replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]
//! replscope-sim --scenario NAME --tour [--lang en|zh] [--seed N]
//! replscope-sim --fuzz [--seeds N] [--seed S]
//! replscope-sim --bench full-sync|streaming|all [--runs N] [--keys N] [--writes N] [--replicas N]
//! ```
//!
//! `--list` prints the named scenarios with a one-line description each. `--scenario` runs
//! one on the simulator (virtual time, seeded: the same seed prints the same timeline) and
//! prints its timeline: `text` (one line per message or event, virtual time in ms, with the
//! final state of every node), `json` (an array of entries) or `mermaid` (a
//! `sequenceDiagram` of the messages). The scenarios live in
//! [`replscope_core::sim::scenario`]. With `--tour` the text timeline carries the scenario's
//! guided tour ([`replscope_core::tour`], `tours/<scenario>.<lang>.tour`) in `--lang` (default
//! `en`): each step's narration printed just before the moment it explains.
//!
//! `--fuzz` runs random replication scenarios ([`replscope_core::sim::fuzz`]): `--seeds N`
//! runs seeds `0..N` (from `S` with `--seed S`) and prints a summary (seeds run, events, applied
//! stream bytes checked against the masters' streams and those not checkable, the failing
//! seeds, and the shortest failing trace of the first one); `--seed S` alone replays one
//! seed and prints its scenario and timeline. It exits with status 1 if a seed fails.
//!
//! `--bench` measures the simulator's throughput (simulator events per second of wall
//! time, nodes' work included) on the workloads of [`replscope_core::sim::bench`]:
//! `full-sync` (the `full-sync` scenario with `--keys` extra keys, default 10,000) and
//! `streaming` (`--writes` writes, default 1,000,000, streamed to `--replicas` replicas,
//! default 3). Each runs `--runs` times (default 5, seeds 1, 2, ...); it prints one line per
//! run and the median. Build it in release mode for meaningful figures.

use std::io::Write;

use replscope_core::sim::scenario::{self, Scenario};
use replscope_core::sim::{bench, fuzz};

const USAGE: &str = "usage: replscope-sim --list\n       replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]\n       replscope-sim --scenario NAME --tour [--lang en|zh] [--seed N]\n       replscope-sim --fuzz [--seeds N] [--seed S]\n       replscope-sim --bench full-sync|streaming|all [--runs N] [--keys N] [--writes N] [--replicas N]\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let code = match run(&args, &mut out) {
        Ok(code) => code,
        Err(e) => {
            eprint!("replscope-sim: {e}\n{USAGE}");
            1
        }
    };
    let _ = out.flush();
    std::process::exit(code);
}

fn number(v: Option<&String>, what: &str) -> Result<u64, String> {
    v.and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{what} needs a number"))
}

/// `--fuzz`: the summary (or one seed's timeline) and the exit status.
fn fuzz_run(seeds: Option<u64>, seed: Option<u64>) -> (String, i32) {
    let Some(n) = seeds else {
        let seed = seed.unwrap_or(0);
        let s = fuzz::generate(seed);
        let (run, violations) = fuzz::check(&s, seed);
        let mut text = format!(
            "fuzz seed {seed}\n{}\n{}",
            fuzz::describe(&s),
            scenario::render_text(&run)
        );
        if violations.is_empty() {
            text.push_str("\nok\n");
            return (text, 0);
        }
        text.push('\n');
        text.push_str(&fuzz::shrink(seed).report());
        return (text, 1);
    };
    let first = seed.unwrap_or(0);
    let mut failed = Vec::new();
    let (mut events, mut checked, mut unchecked) = (0u64, 0u64, 0u64);
    for s in first..first.saturating_add(n) {
        let o = fuzz::run_seed(s);
        events += o.events;
        checked += o.stream_bytes_checked;
        unchecked += o.stream_bytes_unchecked;
        if !o.passed() {
            failed.push(s);
        }
    }
    let mut text = format!(
        "fuzz: {n} seeds run ({first}..{}), {events} events, {checked} applied stream bytes checked ({unchecked} not checkable), {} failed\n",
        first.saturating_add(n),
        failed.len()
    );
    if failed.is_empty() {
        return (text, 0);
    }
    let list: Vec<String> = failed.iter().map(u64::to_string).collect();
    text.push_str(&format!("failing seeds: {}\n\n", list.join(" ")));
    text.push_str(&fuzz::shrink(failed[0]).report());
    (text, 1)
}

/// What `--bench` runs.
struct BenchArgs {
    what: String,
    runs: u64,
    keys: u64,
    writes: u64,
    replicas: u64,
}

/// CPU time this process has used, in seconds (`CLOCK_PROCESS_CPUTIME_ID`, exact to the
/// nanosecond including the running time slice); `None` if the clock is unavailable.
fn cpu_secs() -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `--bench`: one line per run, then the median events per second, per workload.
fn bench_run(b: &BenchArgs, out: &mut impl Write) -> Result<(), String> {
    let workloads: Vec<(&str, Scenario)> = match b.what.as_str() {
        "full-sync" => vec![("full-sync", bench::full_sync(b.keys as usize))],
        "streaming" => vec![(
            "streaming",
            bench::streaming(b.writes as usize, b.replicas as usize),
        )],
        "all" => vec![
            ("full-sync", bench::full_sync(b.keys as usize)),
            (
                "streaming",
                bench::streaming(b.writes as usize, b.replicas as usize),
            ),
        ],
        other => return Err(format!("unknown benchmark '{other}'")),
    };
    let w = |out: &mut dyn Write, s: String| out.write_all(s.as_bytes()).map_err(|e| e.to_string());
    for (name, s) in workloads {
        let what = match name {
            "full-sync" => format!("full-sync with {} extra keys", b.keys),
            _ => format!(
                "streaming: {} writes to a master with {} replicas",
                b.writes,
                s.nodes.len() - 1
            ),
        };
        w(out, format!("bench {what}\n"))?;
        let (mut rates, mut cpu_rates) = (Vec::new(), Vec::new());
        for seed in 1..=b.runs.max(1) {
            let (t0, c0) = (std::time::Instant::now(), cpu_secs());
            let r = bench::run(&s, seed);
            let secs = t0.elapsed().as_secs_f64().max(1e-9);
            let cpu = c0.and_then(|c0| Some((cpu_secs()? - c0).max(1e-9)));
            let events = r.sim.events_processed();
            let rate = events as f64 / secs;
            rates.push(rate);
            let cpu_text = match cpu {
                Some(c) => {
                    cpu_rates.push(events as f64 / c);
                    format!(", {c:.3} s CPU, {:.0} events/CPU-s", events as f64 / c)
                }
                None => String::new(),
            };
            let virt = r.sim.now().micros_since(scenario::START) as f64 / 1e6;
            let master = &r.nodes[0];
            w(
                out,
                format!(
                    "  run {seed}: {events} events, {} trace entries, {virt:.3} s virtual, {secs:.3} s wall, {rate:.0} events/s{cpu_text}; {} keys, offset {}{}\n",
                    r.sim.trace().count(),
                    master.keys,
                    master.offset,
                    if bench::in_sync(&r) { "" } else { " (replicas NOT in sync)" }
                ),
            )?;
        }
        let cpu_text = if cpu_rates.is_empty() {
            String::new()
        } else {
            format!(", {:.0} events per CPU second", median(&mut cpu_rates))
        };
        w(
            out,
            format!(
                "  median over {} runs: {:.0} events per wall second{cpu_text}\n",
                rates.len(),
                median(&mut rates),
            ),
        )?;
    }
    Ok(())
}

fn run(args: &[String], out: &mut impl Write) -> Result<i32, String> {
    let mut list = false;
    let mut name = None;
    let mut fuzz = false;
    let mut seeds = None;
    let mut seed_given = None;
    let mut seed = 1u64;
    let mut format = "text".to_string();
    let mut bench = None;
    let mut tour = false;
    let mut lang = "en".to_string();
    let (mut runs, mut keys, mut writes, mut replicas) = (5, 10_000, 1_000_000, 3);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => list = true,
            "--scenario" => name = Some(it.next().ok_or("--scenario needs a name")?.clone()),
            "--seed" => {
                seed = number(it.next(), "--seed")?;
                seed_given = Some(seed);
            }
            "--fuzz" => fuzz = true,
            "--tour" => tour = true,
            "--lang" => lang = it.next().ok_or("--lang needs a language")?.clone(),
            "--seeds" => seeds = Some(number(it.next(), "--seeds")?),
            "--format" => format = it.next().ok_or("--format needs a value")?.clone(),
            "--bench" => bench = Some(it.next().ok_or("--bench needs a workload")?.clone()),
            "--runs" => runs = number(it.next(), "--runs")?,
            "--keys" => keys = number(it.next(), "--keys")?,
            "--writes" => writes = number(it.next(), "--writes")?,
            "--replicas" => replicas = number(it.next(), "--replicas")?,
            "-h" | "--help" => {
                let _ = out.write_all(USAGE.as_bytes());
                return Ok(0);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if let Some(what) = bench {
        let b = BenchArgs {
            what,
            runs,
            keys,
            writes,
            replicas,
        };
        bench_run(&b, out)?;
        return Ok(0);
    }
    if fuzz {
        let (text, code) = fuzz_run(seeds, seed_given);
        out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        return Ok(code);
    }
    let text = if list {
        let all = scenario::scenarios();
        let width = all.iter().map(|s| s.name.len()).max().unwrap_or(0);
        all.iter()
            .map(|s| format!("{:<width$}  {}\n", s.name, s.description))
            .collect()
    } else {
        let name = name.ok_or("nothing to do")?;
        let s = scenario::scenario(&name).ok_or_else(|| {
            let names: Vec<&str> = scenario::scenarios().iter().map(|s| s.name).collect();
            format!("unknown scenario '{name}' (known: {})", names.join(", "))
        })?;
        let r = scenario::run(&s, seed);
        if tour {
            let t = replscope_core::tour::builtin_tour(&name, &lang)
                .ok_or_else(|| format!("no tour of {name} in language '{lang}'"))?;
            let file = format!("{name}.{lang}.tour");
            let text =
                replscope_core::tour::render_text(&file, &t, &r).map_err(|e| e.to_string())?;
            out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
            return Ok(0);
        }
        match format.as_str() {
            "text" => scenario::render_text(&r),
            "json" => scenario::render_json(&r),
            "mermaid" => scenario::render_mermaid(&r),
            f => return Err(format!("unknown format '{f}'")),
        }
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(0)
}
