//! `replscope-sim`: the deterministic replication simulator on the command line.
//!
//! ```text
//! replscope-sim --list
//! replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]
//! ```
//!
//! `--list` prints the named scenarios with a one-line description each. `--scenario` runs
//! one on the simulator (virtual time, seeded: the same seed prints the same timeline) and
//! prints its timeline: `text` (one line per message or event, virtual time in ms, with the
//! final state of every node), `json` (an array of entries) or `mermaid` (a
//! `sequenceDiagram` of the messages). The scenarios live in
//! [`replscope_core::sim::scenario`].

use std::io::Write;

use replscope_core::sim::scenario;

const USAGE: &str = "usage: replscope-sim --list\n       replscope-sim --scenario NAME [--seed N] [--format text|json|mermaid]\n";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    let code = match run(&args, &mut out) {
        Ok(()) => 0,
        Err(e) => {
            eprint!("replscope-sim: {e}\n{USAGE}");
            1
        }
    };
    let _ = out.flush();
    std::process::exit(code);
}

fn run(args: &[String], out: &mut impl Write) -> Result<(), String> {
    let mut list = false;
    let mut name = None;
    let mut seed = 1u64;
    let mut format = "text".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--list" => list = true,
            "--scenario" => name = Some(it.next().ok_or("--scenario needs a name")?.clone()),
            "--seed" => {
                seed = it
                    .next()
                    .ok_or("--seed needs a number")?
                    .parse()
                    .map_err(|_| "--seed needs a number".to_string())?
            }
            "--format" => format = it.next().ok_or("--format needs a value")?.clone(),
            "-h" | "--help" => {
                let _ = out.write_all(USAGE.as_bytes());
                return Ok(());
            }
            other => return Err(format!("unknown argument '{other}'")),
        }
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
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}
