//! Persistence: RDB snapshots (SAVE, BGSAVE in a forked child, the `save`
//! schedule, loading at start-up, SHUTDOWN's save) and the append-only file
//! (see [`aof`]).
//!
//! The server calls in at a few points only: [`cron`] from its cron tick
//! (reaping the child, save points, scheduled rewrites), [`before_sleep`]
//! before replies are written (the AOF must reach the file, and with
//! `appendfsync always` the disk, before a client hears "OK"), [`deny_write`]
//! before a command runs (MISCONF), [`after_call`] after it ran (feeding the
//! propagation point), and [`load_at_startup`] once.
//!
//! A background save forks: the child owns a copy-on-write image of the
//! keyspace, writes `temp-<pid>.rdb`, fsyncs and renames it over
//! `dbfilename`, and exits; the parent only records the child's pid and reaps
//! it with `waitpid(WNOHANG)` from the cron. No lock is ever taken on the
//! keyspace.

pub mod aof;
pub mod childinfo;
pub mod crc64;
pub mod lzf;
pub mod migrate;
pub mod propagate;
pub mod rdb;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use tracing::{info, warn};

use crate::config::{Config, D};
use crate::server::Server;
use crate::store::hash;
use crate::store::list::Fill;
use crate::store::value::Obj;
use crate::store::zset;
use crate::util::unix_ms;
use rdb::{EncodeOptions, KeyAux, LoadLimits, LoadOptions, RdbError, RdbReader, RdbWriter};

/// What kind of work a forked child does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildKind {
    Rdb,
    Aof,
}

/// The running fork child, if any (one at a time, as in Redis).
#[derive(Debug, Clone)]
pub struct ChildInfo {
    pub pid: i32,
    pub kind: ChildKind,
    pub started: Instant,
    /// What the child reported so far (keys written, copy-on-write size).
    pub progress: childinfo::Progress,
}

/// Persistence state kept by the server (INFO persistence reads it).
pub struct State {
    pub child: Option<ChildInfo>,
    /// BGSAVE SCHEDULE (or a save point) waiting for the running child.
    pub bgsave_scheduled: bool,
    /// Status of the last background save (`rdb_last_bgsave_status`).
    pub last_bgsave_ok: bool,
    /// Unix seconds of the last BGSAVE attempt (failed ones are retried
    /// only after 5 s).
    pub last_bgsave_try: i64,
    /// `dirty` when the running BGSAVE started: what it covers.
    pub dirty_before_bgsave: u64,
    pub rdb_saves: u64,
    pub last_bgsave_time_sec: i64,
    pub latest_fork_usec: u64,
    pub total_forks: u64,
    /// Copy-on-write size the last RDB / AOF child reported as it exited.
    pub rdb_last_cow_size: u64,
    pub aof_last_cow_size: u64,
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
    /// The append-only file.
    pub aof: aof::Aof,
    /// The propagation point's state.
    pub prop: propagate::Propagation,
    /// MIGRATE's cached connections to target servers.
    pub migrate: migrate::MigrateSockets,
    /// DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE skips the payload's CRC.
    pub skip_checksum: bool,
    /// While a data set loads: when it started (Unix s) and the bytes to read.
    pub loading_since: i64,
    pub loading_total: u64,
    pub loading_loaded: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            child: None,
            bgsave_scheduled: false,
            last_bgsave_ok: true,
            last_bgsave_try: 0,
            dirty_before_bgsave: 0,
            rdb_saves: 0,
            last_bgsave_time_sec: -1,
            latest_fork_usec: 0,
            total_forks: 0,
            rdb_last_cow_size: 0,
            aof_last_cow_size: 0,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            aof: aof::Aof::default(),
            prop: Default::default(),
            migrate: Default::default(),
            skip_checksum: false,
            loading_since: 0,
            loading_total: 0,
            loading_loaded: 0,
        }
    }
}

/// Seconds Redis waits before retrying a failed BGSAVE from a save point.
const BGSAVE_RETRY_DELAY: i64 = 5;

/// The `save <seconds> <changes>` points.
pub fn save_points(cfg: &Config) -> Vec<(i64, u64)> {
    let parts: Vec<&str> = cfg.str(D::Save).split_whitespace().collect();
    parts.chunks_exact(2).filter_map(|c| Some((c[0].parse::<i64>().ok()?, c[1].parse::<u64>().ok()?))).collect()
}

/// The encoding thresholds values are loaded with.
pub fn load_limits(cfg: &Config) -> LoadLimits {
    LoadLimits {
        hash: hash::Limits {
            max_entries: cfg.int(D::HashMaxListpackEntries).max(0) as usize,
            max_value: cfg.int(D::HashMaxListpackValue).max(0) as usize,
        },
        zset: zset::Limits {
            max_entries: cfg.int(D::ZsetMaxListpackEntries).max(0) as usize,
            max_value: cfg.int(D::ZsetMaxListpackValue).max(0) as usize,
        },
        list_fill: Fill(cfg.int(D::ListMaxListpackSize)),
        max_intset: cfg.int(D::SetMaxIntsetEntries).max(0) as usize,
    }
}

pub fn encode_options(cfg: &Config) -> EncodeOptions {
    EncodeOptions { compress: cfg.bool(D::Rdbcompression), list_fill: cfg.int(D::ListMaxListpackSize) }
}

/// Which access information goes with each key (the eviction policy's).
fn key_aux_mode(cfg: &Config) -> u8 {
    let p = cfg.str(D::MaxmemoryPolicy);
    if p.contains("lru") {
        1
    } else if p.contains("lfu") {
        2
    } else {
        0
    }
}

/// The path of the RDB file (`dbfilename`, relative to `dir`, the cwd).
pub fn rdb_path(cfg: &Config) -> PathBuf {
    PathBuf::from(cfg.str(D::Dbfilename))
}

/// Writes a complete RDB image of the keyspace to `out`.
pub fn write_snapshot<W: Write>(out: W, srv: &Server, aof_base: bool) -> io::Result<W> {
    let cfg = &srv.config;
    let opt = encode_options(cfg);
    let aux_mode = key_aux_mode(cfg);
    let delay = cfg.int(D::RdbKeySaveDelay);
    let now = unix_ms();
    let mut w = RdbWriter::new(out, cfg.bool(D::Rdbchecksum));
    w.header();
    w.aux("redis-ver", crate::config::REDIS_VERSION.as_bytes());
    w.aux("redis-bits", b"64");
    w.aux("ctime", (now / 1000).to_string().as_bytes());
    w.aux("used-mem", crate::commands::introspection::rss_bytes().to_string().as_bytes());
    w.aux("aof-base", if aof_base { b"1" } else { b"0" });
    for lib in srv.scripting.funcs.libraries.values() {
        w.function(&lib.code);
    }
    for (i, db) in srv.ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        w.select_db(i, db.dict.len(), db.expires.len());
        for e in db.dict.iter() {
            let expire = if db.expires.is_empty() { None } else { db.expires.get(&e.key).copied() };
            let aux = match aux_mode {
                1 => KeyAux::Idle(crate::store::value::idle_seconds(e.value.lru, now)),
                2 => KeyAux::Freq((e.value.lru & 0xff) as u8),
                _ => KeyAux::None,
            };
            rdb::put_key(&mut w.buf, &e.key, &e.value.value, expire, aux, opt);
            w.maybe_flush()?;
            childinfo::report();
            if delay > 0 {
                std::thread::sleep(std::time::Duration::from_micros(delay as u64));
            }
        }
    }
    w.finish()
}

/// Saves the keyspace to `path` the safe way: a temp file in the same
/// directory, fsync, rename over the target. A failure is logged in
/// Redis's words and the temp file removed.
pub fn save_to_file(srv: &Server, path: &Path, aof_base: bool) -> io::Result<()> {
    let tmp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
    let tmp = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(tmp),
        _ => tmp,
    };
    let cwd = || std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    let f = File::create(&tmp).inspect_err(|e| {
        warn!(
            "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}",
            tmp.display(),
            cwd(),
            strerror(e)
        )
    })?;
    // Which step failed, as Redis names it in its log line.
    let written = (|| {
        let w = write_snapshot(BufWriter::with_capacity(64 * 1024, f), srv, aof_base).map_err(|e| ("rdbSaveRio", e))?;
        let f = w.into_inner().map_err(|e| ("fflush", e.into_error()))?;
        f.sync_all().map_err(|e| ("fsync", e))
    })();
    if let Err((op, e)) = written {
        warn!("Write error saving DB on disk({}): {}", op, strerror(&e));
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, path) {
        warn!(
            "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
            tmp.display(),
            path.display(),
            cwd(),
            strerror(&e)
        );
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    fsync_dir(path);
    Ok(())
}

/// Makes a rename durable by syncing the directory that holds `path`.
pub fn fsync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// SAVE: a synchronous snapshot. Updates `dirty`, LASTSAVE and the status.
pub fn rdb_save(srv: &mut Server) -> Result<(), String> {
    let path = rdb_path(&srv.config);
    match save_to_file(srv, &path, false) {
        Ok(()) => {
            info!("DB saved on disk");
            srv.ks.dirty = 0;
            srv.lastsave = unix_ms() / 1000;
            srv.persist.last_bgsave_ok = true;
            srv.persist.rdb_saves += 1;
            Ok(())
        }
        Err(e) => Err(strerror(&e)),
    }
}

/// Forks a child that runs `work` and exits with its status. Returns the
/// child's pid.
fn fork_child(srv: &mut Server, kind: ChildKind, work: impl FnOnce(&Server) -> bool) -> Result<i32, String> {
    let start = Instant::now();
    let pipe = childinfo::open_pipe();
    // SAFETY: the child only reads the (copy-on-write) server state, writes
    // files and leaves with `_exit`, never returning into the event loop.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        let e = io::Error::last_os_error().to_string();
        if let Some((r, w)) = pipe {
            // SAFETY: closing the pipe we just opened.
            unsafe {
                libc::close(r);
                libc::close(w);
            }
        }
        return Err(e);
    }
    if pid == 0 {
        crate::server::log::set_child_role();
        if let Some((r, w)) = pipe {
            // SAFETY: the read end is the parent's.
            unsafe { libc::close(r) };
            childinfo::set_child_fd(w);
        }
        // The child: listening sockets belong to the parent (a restarted
        // server must be able to bind them while we still run).
        for fd in srv.listener_fds() {
            // SAFETY: closing our copy of an inherited descriptor.
            unsafe { libc::close(fd) };
        }
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(srv))).unwrap_or(false);
        childinfo::report_exit();
        // SAFETY: leave without running the parent's destructors or atexit hooks.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    srv.persist.latest_fork_usec = start.elapsed().as_micros() as u64;
    srv.persist.total_forks += 1;
    let mut progress = childinfo::Progress { fd: -1, ..Default::default() };
    if let Some((r, w)) = pipe {
        // SAFETY: the write end is the child's.
        unsafe { libc::close(w) };
        progress.fd = r;
    }
    progress.keys_total = srv.ks.dbs.iter().map(|d| d.dict.len() as u64).sum();
    srv.persist.child = Some(ChildInfo { pid, kind, started: Instant::now(), progress });
    Ok(pid)
}

/// BGSAVE: forks a child that writes the snapshot.
pub fn bgsave(srv: &mut Server) -> Result<i32, String> {
    if srv.persist.child.is_some() {
        return Err("child active".into());
    }
    srv.persist.dirty_before_bgsave = srv.ks.dirty;
    srv.persist.last_bgsave_try = unix_ms() / 1000;
    let path = rdb_path(&srv.config);
    let result = fork_child(srv, ChildKind::Rdb, move |s| match save_to_file(s, &path, false) {
        Ok(()) => {
            info!("DB saved on disk");
            true
        }
        Err(_) => false,
    });
    match result {
        Ok(pid) => {
            info!("Background saving started by pid {}", pid);
            Ok(pid)
        }
        Err(e) => {
            srv.persist.last_bgsave_ok = false;
            warn!("Can't save in background: fork: {}", e);
            Err(e)
        }
    }
}

/// Stops the running child (SHUTDOWN, FLUSHALL, a failed rewrite) and
/// removes its temp file.
pub fn kill_child(srv: &mut Server) {
    let Some(mut c) = srv.persist.child.take() else { return };
    c.progress.close();
    // SAFETY: signalling and reaping our own child process.
    unsafe {
        libc::kill(c.pid, libc::SIGUSR1);
        let mut status = 0;
        libc::waitpid(c.pid, &mut status, 0);
    }
    match c.kind {
        ChildKind::Rdb => {
            let _ = std::fs::remove_file(format!("temp-{}.rdb", c.pid));
        }
        ChildKind::Aof => aof::rewrite_aborted(srv, c.pid),
    }
}

/// Reaps a finished child, if any, and applies its outcome.
fn check_child(srv: &mut Server) {
    let Some(c) = srv.persist.child.as_mut() else { return };
    c.progress.poll();
    let pid = c.pid;
    let mut status = 0;
    // SAFETY: non-blocking wait on our own child.
    let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    if r == 0 {
        return;
    }
    let Some(mut c) = srv.persist.child.take() else { return };
    c.progress.close();
    if let Some(cow) = c.progress.exit_cow {
        match c.kind {
            ChildKind::Rdb => srv.persist.rdb_last_cow_size = cow,
            ChildKind::Aof => srv.persist.aof_last_cow_size = cow,
        }
    }
    let (code, signal) = if r < 0 {
        (1, 0)
    } else if libc::WIFSIGNALED(status) {
        (0, libc::WTERMSIG(status))
    } else {
        (libc::WEXITSTATUS(status), 0)
    };
    match c.kind {
        ChildKind::Rdb => {
            srv.persist.last_bgsave_time_sec = c.started.elapsed().as_secs() as i64;
            if signal == 0 && code == 0 {
                info!("Background saving terminated with success");
                srv.ks.dirty = srv.ks.dirty.saturating_sub(srv.persist.dirty_before_bgsave);
                srv.lastsave = unix_ms() / 1000;
                srv.persist.last_bgsave_ok = true;
                srv.persist.rdb_saves += 1;
            } else if signal == 0 {
                warn!("Background saving error");
                srv.persist.last_bgsave_ok = false;
            } else {
                warn!("Background saving terminated by signal {}", signal);
                let _ = std::fs::remove_file(format!("temp-{}.rdb", c.pid));
                if signal != libc::SIGUSR1 {
                    srv.persist.last_bgsave_ok = false;
                }
            }
        }
        ChildKind::Aof => aof::rewrite_done(srv, c.pid, signal == 0 && code == 0, signal),
    }
}

/// The cron's persistence work: reap the child, start scheduled work, check
/// the save points and the automatic AOF rewrite.
pub fn cron(srv: &mut Server) {
    check_child(srv);
    srv.persist.migrate.expire(unix_ms());
    if srv.persist.child.is_none() {
        if srv.persist.bgsave_scheduled {
            srv.persist.bgsave_scheduled = false;
            let _ = bgsave(srv);
        } else if srv.persist.aof.rewrite_scheduled {
            let _ = aof::start_rewrite(srv);
        }
    }
    if srv.persist.child.is_none() {
        let now = unix_ms() / 1000;
        let dirty = srv.ks.dirty;
        let retry_ok = now - srv.persist.last_bgsave_try > BGSAVE_RETRY_DELAY || srv.persist.last_bgsave_ok;
        for (secs, changes) in save_points(&srv.config) {
            if dirty >= changes && now - srv.lastsave > secs && retry_ok {
                info!("{} changes in {} seconds. Saving...", changes, secs);
                let _ = bgsave(srv);
                break;
            }
        }
    }
    aof::cron(srv);
}

/// Work before the loop sleeps and replies are written: the AOF buffer goes
/// to the file (and to the disk with `appendfsync always`).
pub fn before_sleep(srv: &mut Server) {
    propagate::flush_outside_calls(srv);
    aof::flush(srv);
}

/// The MISCONF error a write must get when persistence is failing, if any.
pub fn deny_write(srv: &Server, is_write_or_ping: bool) -> Option<String> {
    if !is_write_or_ping {
        return None;
    }
    if srv.config.bool(D::StopWritesOnBgsaveError)
        && !srv.persist.last_bgsave_ok
        && !save_points(&srv.config).is_empty()
    {
        return Some(crate::errors::MISCONF_RDB.to_string());
    }
    if srv.persist.aof.state == aof::AofState::Off {
        return None;
    }
    srv.persist.aof.disk_error().map(|e| format!("MISCONF Errors writing to the AOF file: {e}"))
}

/// An I/O error in C's `strerror` words, as Redis prints them ("No space
/// left on device", without Rust's " (os error 28)").
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match (e.raw_os_error(), text.rfind(" (os error ")) {
        (Some(_), Some(at)) => text[..at].to_string(),
        _ => text,
    }
}

/// Loads an RDB file into the keyspace (which the caller emptied if it
/// wants to). Returns what the load found.
pub fn load_rdb_file(srv: &mut Server, path: &Path) -> Result<rdb::LoadInfo, RdbError> {
    let f = File::open(path)?;
    let mut rd = RdbReader::new(BufReader::with_capacity(256 * 1024, f));
    load_rdb_stream(srv, &mut rd, false)
}

/// Loads an RDB stream (a file, or an AOF's preamble) into the keyspace.
pub fn load_rdb_stream<R: io::BufRead>(
    srv: &mut Server,
    rd: &mut RdbReader<R>,
    aof_preamble: bool,
) -> Result<rdb::LoadInfo, RdbError> {
    let opt = LoadOptions {
        limits: load_limits(&srv.config),
        databases: srv.ks.dbs.len(),
        skip_expired: !aof_preamble,
        now_ms: unix_ms(),
        verify_checksum: srv.config.bool(D::Rdbchecksum),
    };
    let now = unix_ms();
    let delay = srv.config.int(D::KeyLoadDelay);
    let was_loading = std::mem::replace(&mut srv.ks.loading, true);
    let mut ticker = LoadTicker::default();
    let result = rdb::load(rd, &opt, |k| {
        let lru = match k.aux {
            KeyAux::Idle(secs) => srv.ks.access.restored(now, Some(secs.min(i64::MAX as u64) as i64), None),
            KeyAux::Freq(f) => srv.ks.access.restored(now, None, Some(f as i64)),
            KeyAux::None => srv.ks.access.restored(now, None, None),
        };
        srv.ks.put(k.db, &k.key, Obj { value: k.value, lru }, k.expire);
        if delay > 0 {
            std::thread::sleep(std::time::Duration::from_micros(delay as u64));
        }
        loading_tick(srv, &mut ticker, k.offset);
    });
    srv.ks.loading = was_loading;
    let info = result?;
    for k in &info.empty_keys {
        warn!("rdbLoadObject skipping empty key: {}", String::from_utf8_lossy(k));
    }
    if !info.functions.is_empty() {
        load_functions(srv, &info.functions)?;
    }
    srv.persist.last_load_keys_loaded = info.keys_loaded;
    srv.persist.last_load_keys_expired = info.keys_expired;
    if info.empty_keys_skipped > 0 {
        info!(
            "Done loading RDB, keys loaded: {}, keys expired: {}, empty keys skipped: {}.",
            info.keys_loaded, info.keys_expired, info.empty_keys_skipped
        );
    } else {
        info!("Done loading RDB, keys loaded: {}, keys expired: {}.", info.keys_loaded, info.keys_expired);
    }
    Ok(info)
}

/// Serves clients now and then while a data set loads (they get LOADING
/// errors, except for commands flagged `loading` such as INFO).
#[derive(Default)]
pub struct LoadTicker {
    last_pos: u64,
    count: u64,
    served: bool,
}

/// Called after each loaded key or replayed command with the bytes read so
/// far: every `loading-process-events-interval-bytes` bytes (or 1024 items)
/// the server processes its events. A shutdown signal meanwhile exits at
/// once: a half-loaded data set must not be saved.
pub fn loading_tick(srv: &mut Server, t: &mut LoadTicker, pos: u64) {
    t.count += 1;
    srv.persist.loading_loaded = pos;
    let interval = srv.config.int(D::LoadingProcessEventsIntervalBytes).max(1) as u64;
    if pos.saturating_sub(t.last_pos) < interval && !t.count.is_multiple_of(1024) {
        return;
    }
    t.last_pos = pos;
    srv.process_events_while_blocked(!t.served);
    t.served = true;
    if srv.signal_pending() {
        warn!("Received shutdown signal during loading, exiting now.");
        std::process::exit(0);
    }
}

/// Hands the function libraries of an RDB (FUNCTION2) to the scripting
/// engine, replacing libraries of the same name.
fn load_functions(srv: &mut Server, codes: &[Vec<u8>]) -> Result<(), RdbError> {
    // The engine takes them as a FUNCTION RESTORE payload.
    let mut payload = Vec::new();
    for code in codes {
        payload.push(245);
        rdb::put_string(&mut payload, code, false);
    }
    payload.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
    let crc = crc64::crc64(0, &payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    crate::scripting::functions::restore(srv, &payload, crate::scripting::functions::RestorePolicy::Replace)
        .map_err(RdbError::Functions)
}

/// True while SHUTDOWN's final save runs: a SIGINT then means "exit now".
static SHUTDOWN_SAVING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// The temp file that final save writes, as a C string for the signal handler.
static SHUTDOWN_TEMP: std::sync::OnceLock<std::ffi::CString> = std::sync::OnceLock::new();

/// A second SIGINT while the final save runs stops the server at once,
/// removing the half-written temp file (Redis's "You insist... exiting now").
fn install_insist_handler() {
    let Ok(path) = std::ffi::CString::new(format!("temp-{}.rdb", std::process::id())) else { return };
    if SHUTDOWN_TEMP.set(path).is_err() {
        return;
    }
    // SAFETY: the handler only does async-signal-safe things: atomic loads,
    // unlink(2) and _exit(2).
    let _ = unsafe {
        signal_hook::low_level::register(libc::SIGINT, || {
            if SHUTDOWN_SAVING.load(std::sync::atomic::Ordering::SeqCst) {
                if let Some(p) = SHUTDOWN_TEMP.get() {
                    libc::unlink(p.as_ptr());
                }
                libc::_exit(1);
            }
        })
    };
}

/// Loads the data set at start-up: the AOF when `appendonly yes`, else the
/// RDB file if there is one. An unreadable file stops the server, as in Redis.
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    install_insist_handler();
    let start = Instant::now();
    srv.persist.loading_since = unix_ms() / 1000;
    if srv.config.bool(D::Appendonly) {
        aof::load_at_startup(srv)?;
        info!("DB loaded from append only file: {:.3} seconds", start.elapsed().as_secs_f64());
        return Ok(());
    }
    aof::read_manifest_if_any(srv);
    let path = rdb_path(&srv.config);
    if !path.exists() {
        return Ok(());
    }
    srv.persist.loading_total = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    match load_rdb_file(srv, &path) {
        Ok(info) => {
            if let Some((_, v)) = info.aux.iter().find(|(k, _)| k == b"redis-ver") {
                info!("Loading RDB produced by version {}", String::from_utf8_lossy(v));
            }
            info!("DB loaded from disk: {:.3} seconds", start.elapsed().as_secs_f64());
            Ok(())
        }
        Err(RdbError::Io(e)) => Err(format!("Fatal error loading the DB: {}. Exiting.", e)),
        Err(e) => {
            warn!("Internal error in RDB reading offset 0, function at rdb.c:0 -> {}", e);
            // Redis then runs its RDB checker over the file, which reports
            // the same problem in its own words.
            warn!("--- RDB ERROR DETECTED ---");
            warn!("[offset 0] {}", e);
            Err("Terminating server after rdb file reading failure.".into())
        }
    }
}

/// DEBUG RELOAD: save, empty the keyspace, load the file again.
pub fn debug_reload(srv: &mut Server, save: bool, flush: bool) -> Result<(), String> {
    if save {
        rdb_save(srv).map_err(|_| "ERR".to_string())?;
    }
    if flush {
        srv.ks.flush_all(true);
    }
    let path = rdb_path(&srv.config);
    match load_rdb_file(srv, &path) {
        Ok(_) => {
            info!("DB reloaded by DEBUG RELOAD");
            Ok(())
        }
        Err(e) => {
            warn!("{}", e);
            Err("ERR Error trying to load the RDB dump, check server logs.".into())
        }
    }
}

/// What SHUTDOWN must do before the process exits: stop the child, flush
/// the AOF, save when asked (or when save points exist). An error means the
/// server stays up (unless `force`).
pub fn prepare_shutdown(srv: &mut Server, save: bool, nosave: bool, force: bool) -> Result<(), String> {
    warn!("User requested shutdown...");
    let result = shutdown_persistence(srv, save, nosave, force);
    if result.is_err() {
        warn!("Errors trying to shut down the server. Check the logs for more information.");
    }
    result
}

fn shutdown_persistence(srv: &mut Server, save: bool, nosave: bool, force: bool) -> Result<(), String> {
    const REFUSED: &str = "ERR Errors trying to SHUTDOWN. Check logs.";
    if let Some(c) = &srv.persist.child {
        match c.kind {
            ChildKind::Rdb => warn!("There is a child saving an .rdb. Killing it!"),
            ChildKind::Aof => {
                // The AOF was just turned on and its first rewrite is what
                // would hold the data set: exiting now would lose it.
                if srv.persist.aof.state == aof::AofState::WaitRewrite {
                    if !force {
                        warn!("Writing initial AOF, can't exit.");
                        return Err(REFUSED.into());
                    }
                    warn!("Writing initial AOF. Exit anyway.");
                }
                warn!("There is a child rewriting the AOF. Killing it!")
            }
        }
        kill_child(srv);
    }
    if srv.persist.aof.state != aof::AofState::Off {
        info!("Calling fsync() on the AOF file.");
        aof::flush_now(srv);
        aof::fsync_now(srv);
    }
    // A data set still loading is incomplete: it is never saved.
    let want_save = !nosave && !srv.ks.loading && (save || !save_points(&srv.config).is_empty());
    if want_save {
        info!("Saving the final RDB snapshot before exiting.");
        SHUTDOWN_SAVING.store(true, std::sync::atomic::Ordering::SeqCst);
        let saved = rdb_save(srv);
        SHUTDOWN_SAVING.store(false, std::sync::atomic::Ordering::SeqCst);
        if saved.is_err() {
            if !force {
                warn!("Error trying to save the DB, can't exit.");
                return Err(REFUSED.into());
            }
            warn!("Error trying to save the DB. Exit anyway.");
        }
    }
    Ok(())
}

/// FLUSHALL's persistence side, as Redis 7.0: a running BGSAVE is stopped
/// (it would save what no longer exists) and, with save points, the empty
/// data set is saved at once.
pub fn after_flushall(srv: &mut Server) {
    if srv.persist.child.as_ref().is_some_and(|c| c.kind == ChildKind::Rdb) {
        kill_child(srv);
    }
    if !save_points(&srv.config).is_empty() {
        // The empty data set is on disk: nothing is left to save (dirty 0).
        let _ = rdb_save(srv);
    }
}

/// The `# Persistence` section of INFO.
pub fn info_section(srv: &Server) -> String {
    let p = &srv.persist;
    let rdb_child = p.child.as_ref().filter(|c| c.kind == ChildKind::Rdb);
    let aof_child = p.child.as_ref().filter(|c| c.kind == ChildKind::Aof);
    let no_progress = childinfo::Progress::default();
    let cp = p.child.as_ref().map_or(&no_progress, |c| &c.progress);
    let mut s = format!(
        "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:{}\r\ncurrent_cow_size:{}\r\ncurrent_cow_size_age:{}\r\ncurrent_fork_perc:{:.2}\r\ncurrent_save_keys_processed:{}\r\ncurrent_save_keys_total:{}\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\nrdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\nrdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\n",
        srv.ks.loading as u8,
        cp.cow_peak,
        cp.cow_size,
        if cp.cow_updated_ms > 0 { (unix_ms() - cp.cow_updated_ms) / 1000 } else { 0 },
        if cp.keys_total > 0 { cp.keys_processed as f64 * 100.0 / cp.keys_total as f64 } else { 0.0 },
        cp.keys_processed,
        cp.keys_total,
        srv.ks.dirty,
        rdb_child.is_some() as u8,
        srv.lastsave,
        if p.last_bgsave_ok { "ok" } else { "err" },
        p.last_bgsave_time_sec,
        rdb_child.map_or(-1, |c| c.started.elapsed().as_secs() as i64),
        p.rdb_saves,
        p.rdb_last_cow_size,
        p.last_load_keys_expired,
        p.last_load_keys_loaded,
    );
    if srv.ks.loading {
        let elapsed = (unix_ms() / 1000 - p.loading_since).max(0);
        let total = p.loading_total.max(1);
        let perc = p.loading_loaded as f64 * 100.0 / total as f64;
        let eta = if p.loading_loaded > 0 {
            (elapsed as f64 * (total.saturating_sub(p.loading_loaded)) as f64 / p.loading_loaded as f64) as i64
        } else {
            1
        };
        s.push_str(&format!(
            "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:0\r\nloading_loaded_bytes:{}\r\nloading_loaded_perc:{:.2}\r\nloading_eta_seconds:{}\r\n",
            p.loading_since, p.loading_total, p.loading_loaded, perc.min(100.0), eta
        ));
    }
    s.push_str(&aof::info_fields(srv, aof_child.map(|c| c.started)));
    s.push_str("module_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n");
    s
}
