//! `replscope-check-rdb [--json] FILE`: check a Redis dump like `redis-check-rdb`, or print
//! its logical content as JSON. Exit 0 when the dump is valid, 1 when it is not.
//! The logic is in [`replscope_server::check_rdb`].

use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let code =
        replscope_server::check_rdb::run(&args, now_ms, &mut stdout.lock(), &mut stderr.lock());
    std::process::exit(code);
}
