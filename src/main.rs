//! `oxidis-server [path/to/redis.conf] [--directive value ...]`, started like
//! `redis-server`.

use std::process::ExitCode;

use clap::Parser;
use oxidis::config::{self, Config, LoadReport, D};
use oxidis::server::{log, Server};
use tracing::{info, warn};

/// A Redis-compatible in-memory data server.
#[derive(Parser, Debug)]
#[command(
    name = "oxidis-server",
    version = concat!(env!("CARGO_PKG_VERSION"), " (Redis 7.0.15 compatible)"),
    about = "A Redis-compatible in-memory data server",
    override_usage = "oxidis-server [/path/to/redis.conf] [--directive value ...]\n       oxidis-server --port 7777\n       oxidis-server /etc/redis/6379.conf --loglevel verbose",
    after_help = "Any redis.conf directive can be given as --directive value; it overrides the file.\nAn empty value is written as --save \"\"."
)]
struct Cli {
    /// Configuration file (redis.conf syntax); `-` reads it from standard input.
    config_file: Option<String>,
    /// Directives as `--name value...` pairs, as redis-server takes them.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    directives: Vec<String>,
}

/// jemalloc, as Redis uses: no per-allocation header and fine size classes,
/// which matters for millions of small keys, and statistics for INFO memory
/// (see `oxidis::alloc::Jemalloc` for how it is built).
#[global_allocator]
static GLOBAL: oxidis::alloc::Jemalloc = oxidis::alloc::Jemalloc;

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().collect();
    // clap handles --help/--version and a leading config file; everything that
    // follows is redis-server's own `--directive value` syntax.
    let (file, rest): (Option<String>, Vec<String>) = match raw.get(1) {
        Some(a) if a == "-h" || a == "--help" || a == "-v" || a == "--version" => {
            let _ = Cli::parse();
            return ExitCode::SUCCESS;
        }
        Some(a) if !a.starts_with("--") => (Some(a.clone()), raw[2..].to_vec()),
        _ => (None, raw.get(1..).map(|r| r.to_vec()).unwrap_or_default()),
    };

    let mut cfg = Config::default();
    let mut report = LoadReport::default();
    let mut text = String::new();
    let mut base = std::env::current_dir().unwrap_or_default();
    if let Some(f) = &file {
        let contents = if f == "-" {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s);
            s
        } else {
            match std::fs::read_to_string(f) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("Fatal error, can't open config file '{}': {}", f, e);
                    return ExitCode::FAILURE;
                }
            }
        };
        if f != "-" {
            let p = std::path::Path::new(f);
            cfg.file = std::fs::canonicalize(p).ok();
            if let Some(parent) = p.parent() {
                if !parent.as_os_str().is_empty() {
                    base = parent.to_path_buf();
                }
            }
        }
        text.push_str(&contents);
        text.push('\n');
    }
    let file_lines = text.lines().count();
    text.push_str(&config::args_to_config_text(&rest));
    if let Err(e) = cfg.load_text_from(&text, &mut report, &base, file.as_deref(), file_lines) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }

    // `dir` is where every file the server writes goes, like redis-server.
    let dir = cfg.str(D::Dir).to_string();
    if !dir.is_empty() {
        if let Err(e) = std::env::set_current_dir(&dir) {
            eprintln!("Can't chdir to '{}': {}", dir, e);
            return ExitCode::FAILURE;
        }
    }
    if let Ok(cwd) = std::env::current_dir() {
        let mut r = LoadReport::default();
        let _ = cfg.set_words(D::Dir as usize, &[cwd.display().to_string()], &mut r);
    }

    if let Err(e) = log::init(cfg.str(D::Logfile), cfg.str(D::Loglevel)) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let pid = std::process::id();
    info!("oO0OoO0OoO0Oo oxidis is starting oO0OoO0OoO0Oo");
    info!(
        "oxidis version={} (Redis {} compatible), bits=64, pid={}, just started",
        env!("CARGO_PKG_VERSION"),
        config::REDIS_VERSION,
        pid
    );
    match &file {
        Some(f) => info!("Configuration loaded from {}", f),
        None => warn!("Warning: no config file specified, using the default config. In order to specify a config file use oxidis-server /path/to/redis.conf"),
    }
    for w in &report.warnings {
        warn!("{}", w);
    }
    raise_fd_limit(cfg.int(D::Maxclients) as u64 + 32);

    let config_file = file.clone().unwrap_or_default();
    let mut server = Server::new(cfg);
    server.config_file = config_file;
    if let Err(e) = server.listen() {
        warn!("{}", e);
        return ExitCode::FAILURE;
    }
    info!("Server initialized: standalone mode, port={}, PID: {}", server.tcp_port, pid);
    let pidfile = server.config.str(D::Pidfile).to_string();
    if !pidfile.is_empty() {
        if let Err(e) = std::fs::write(&pidfile, format!("{pid}\n")) {
            warn!("Failed to write PID file: {}", e);
        }
    }
    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            warn!("Event loop failed: {}", e);
            ExitCode::FAILURE
        }
    }
}

/// Raises the open-files limit so `maxclients` connections fit, as Redis does.
fn raise_fd_limit(want: u64) {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 && rl.rlim_cur < want {
            let new = libc::rlimit { rlim_cur: want.min(rl.rlim_max), rlim_max: rl.rlim_max };
            libc::setrlimit(libc::RLIMIT_NOFILE, &new);
        }
    }
}
