//! `replscope-sim`: the deterministic replication simulator on the command line.
//!
//! ```text
//! replscope-sim --list
//! replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]
//! replscope-sim --fuzz [--seeds N] [--seed S]
//! ```
//!
//! `--list` prints the named scenarios with a one-line description each. `--scenario` runs
//! one on the simulator (virtual time, seeded: the same seed prints the same timeline) and
//! prints its timeline: `text` (one line per message or event, virtual time in ms, with the
//! final state of every node), `json` (an array of entries) or `mermaid` (a
//! `sequenceDiagram` of the messages). The scenarios live in
//! [`replscope_core::sim::scenario`].
//!
//! `--fuzz` runs random replication scenarios ([`replscope_core::sim::fuzz`]): `--seeds N`
//! runs seeds `0..N` (from `S` with `--seed S`) and prints a summary (seeds run, the failing
//! seeds, and the shortest failing trace of the first one); `--seed S` alone replays one
//! seed and prints its scenario and timeline. It exits with status 1 if a seed fails.

use std::io::Write;

use replscope_core::sim::{fuzz, scenario};

const USAGE: &str = "usage: replscope-sim --list\n       replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]\n       replscope-sim --fuzz [--seeds N] [--seed S]\n";

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
    let mut events = 0u64;
    for s in first..first.saturating_add(n) {
        let o = fuzz::run_seed(s);
        events += o.events;
        if !o.passed() {
            failed.push(s);
        }
    }
    let mut text = format!(
        "fuzz: {n} seeds run ({first}..{}), {events} events, {} failed\n",
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

fn run(args: &[String], out: &mut impl Write) -> Result<i32, String> {
    let mut list = false;
    let mut name = None;
    let mut fuzz = false;
    let mut seeds = None;
    let mut seed_given = None;
    let mut seed = 1u64;
    let mut format = "text".to_string();
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
            "--seeds" => seeds = Some(number(it.next(), "--seeds")?),
            "--format" => format = it.next().ok_or("--format needs a value")?.clone(),
            "-h" | "--help" => {
                let _ = out.write_all(USAGE.as_bytes());
                return Ok(0);
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
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
