//! Logging in Redis's format, through `tracing`.
//!
//! Lines look like Redis's (`<pid>:M 25 Nov 2026 19:45:31.123 * Ready to accept
//! connections`) because tools and Redis's own test suite read the log. Redis's
//! levels map onto tracing's: debug → TRACE, verbose → DEBUG, notice → INFO,
//! warning → WARN. The level can change at run time (CONFIG SET loglevel).

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

static LEVEL: AtomicU8 = AtomicU8::new(2);

/// Sets the active Redis log level (`debug`, `verbose`, `notice`, `warning`, `nothing`).
/// Set in a fork child (BGSAVE, AOF rewrite): its log lines say `C`, as Redis's do.
static CHILD: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks this process as a fork child for the log's role letter.
pub fn set_child_role() {
    CHILD.store(true, std::sync::atomic::Ordering::Relaxed);
}

pub fn set_level(name: &str) {
    let v = match name {
        "debug" => 0,
        "verbose" => 1,
        "notice" => 2,
        "warning" => 3,
        _ => 4,
    };
    LEVEL.store(v, Ordering::Relaxed);
}

fn enabled(level: &Level) -> bool {
    let v = match *level {
        Level::TRACE => 0,
        Level::DEBUG => 1,
        Level::INFO => 2,
        _ => 3,
    };
    v >= LEVEL.load(Ordering::Relaxed)
}

struct RedisFormat;

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let sym = match *event.metadata().level() {
            Level::TRACE => '.',
            Level::DEBUG => '-',
            Level::INFO => '*',
            _ => '#',
        };
        let role = if CHILD.load(std::sync::atomic::Ordering::Relaxed) { 'C' } else { 'M' };
        write!(w, "{}:{} {} {} ", std::process::id(), role, timestamp(), sym)?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// `25 Nov 2026 19:45:31.123` in local time.
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r writes into the tm we own; secs is a valid time_t.
    unsafe { libc::localtime_r(&secs, &mut tm) };
    const MON: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        MON[tm.tm_mon.clamp(0, 11) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

enum Sink {
    Stdout,
    File(Mutex<std::fs::File>),
}

struct SinkWriter(&'static Sink);

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0 {
            Sink::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(buf)?;
                out.flush()?;
                Ok(buf.len())
            }
            Sink::File(f) => {
                let mut f = f.lock().unwrap_or_else(|p| p.into_inner());
                f.write_all(buf)?;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs the global logger. `logfile` empty means standard output.
pub fn init(logfile: &str, level: &str) -> Result<(), String> {
    set_level(level);
    let sink: &'static Sink = if logfile.is_empty() {
        Box::leak(Box::new(Sink::Stdout))
    } else {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)
            .map_err(|e| format!("Can't open the log file: {e}"))?;
        Box::leak(Box::new(Sink::File(Mutex::new(f))))
    };
    let layer = tracing_subscriber::fmt::layer()
        .event_format(RedisFormat)
        .with_writer(move || SinkWriter(sink))
        .with_filter(tracing_subscriber::filter::filter_fn(|m| enabled(m.level())));
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::set_global_default(subscriber).map_err(|e| e.to_string())
}
