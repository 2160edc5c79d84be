//! Log lines in Redis's format, through `tracing`.
//!
//! `12345:M 25 Nov 2026 06:47:09.123 * Ready to accept connections`: pid, role letter, local
//! time with milliseconds (UTC here), a level symbol (`.` debug, `-` verbose, `*` notice,
//! `#` warning) and the message. Redis's `loglevel` maps to tracing levels: debug → TRACE,
//! verbose → DEBUG, notice → INFO, warning → WARN.

use std::fmt;
use std::fs::OpenOptions;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Whether the server is a replica now: log lines then carry `S` instead of `M`.
static REPLICA: AtomicBool = AtomicBool::new(false);

/// Set the role letter of the log lines that follow: `S` for a replica (`masterhost` set),
/// `M` for a master, as Redis's `serverLogRaw`.
pub fn set_replica(replica: bool) {
    REPLICA.store(replica, Ordering::Relaxed);
}

/// The role letter of a log line (`C` for lines from the config module, as before).
fn role_letter(target: &str) -> char {
    if target.ends_with("::config") {
        'C'
    } else if REPLICA.load(Ordering::Relaxed) {
        'S'
    } else {
        'M'
    }
}

/// Formats events the way Redis's `serverLogRaw` does.
pub struct RedisFormat {
    pid: u32,
}

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let sym = match *event.metadata().level() {
            Level::TRACE => '.',
            Level::DEBUG => '-',
            Level::INFO => '*',
            Level::WARN | Level::ERROR => '#',
        };
        let role = role_letter(event.metadata().target());
        write!(writer, "{}:{} {} {} ", self.pid, role, timestamp(), sym)?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Map a Redis `loglevel` name to the most verbose tracing level it shows.
pub fn level_for(loglevel: &str) -> Level {
    match loglevel {
        "debug" => Level::TRACE,
        "verbose" => Level::DEBUG,
        "warning" => Level::WARN,
        _ => Level::INFO,
    }
}

/// Install the global subscriber: stdout when `logfile` is empty, else append to the file.
pub fn init(loglevel: &str, logfile: &str) -> std::io::Result<()> {
    let fmt = RedisFormat {
        pid: std::process::id(),
    };
    let builder = tracing_subscriber::fmt()
        .event_format(fmt)
        .with_max_level(level_for(loglevel));
    if logfile.is_empty() {
        let _ = builder.with_writer(std::io::stdout).try_init();
    } else {
        let file = OpenOptions::new().create(true).append(true).open(logfile)?;
        let _ = builder.with_writer(Mutex::new(file)).try_init();
    }
    Ok(())
}

/// `25 Nov 2026 06:47:09.123` for the current time (UTC).
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format_unix_ms(now.as_millis() as i64)
}

/// Format Unix milliseconds as Redis's log timestamp (UTC).
pub fn format_unix_ms(ms: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        sod / 3600,
        (sod / 60) % 60,
        sod % 60,
        millis
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_unix_ms(0), "01 Jan 1970 00:00:00.000");
        assert_eq!(
            format_unix_ms(1_764_053_229_123),
            "25 Nov 2025 06:47:09.123"
        );
        assert_eq!(format_unix_ms(951_782_400_000), "29 Feb 2000 00:00:00.000");
    }
}
