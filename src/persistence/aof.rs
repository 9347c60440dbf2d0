//! The append-only file, in Redis 7's multi-part layout.
//!
//! `appenddirname/` holds a *base* (`appendonly.aof.N.base.rdb`: an RDB
//! image, or `.base.aof` commands with `aof-use-rdb-preamble no`), the
//! *incr* files (`appendonly.aof.N.incr.aof`: the commands propagated since)
//! and `appendonly.aof.manifest`, which lists them (`file <name> seq <n>
//! type <b|i|h>`). The manifest is replaced atomically (temp file, fsync,
//! rename), so a crash at any moment leaves a consistent set.
//!
//! Writing: [`feed`] appends a propagated command to an in-memory buffer;
//! [`flush`] runs before replies are sent and writes the buffer to the incr
//! file. With `appendfsync always` it then fsyncs on the loop thread, so no
//! client is told "OK" before its write is on disk; with `everysec` a helper
//! thread fsyncs once a second (a write waits up to 2 s for a running fsync,
//! as Redis does); with `no` the kernel decides. A failing or full disk cuts
//! a torn write back, keeps the buffer and retries it; meanwhile writes get
//! MISCONF (reads keep working) until a write succeeds; with `always` the
//! server exits instead.
//!
//! Rewriting (BGREWRITEAOF, automatic growth, `appendonly yes` at run time):
//! the parent starts a new incr file and sends new commands there, then forks;
//! the child writes the new base from its copy-on-write image. When the child
//! succeeds, the base is renamed into place and the manifest swaps the old
//! base and incr files for the new ones, which are then deleted. No rewrite
//! buffer is needed: everything after the fork is in the new incr file.
//!
//! Loading replays base then incr files. A last file cut short by a crash is
//! truncated to its last complete command (`aof-load-truncated yes`), and a
//! transaction without its EXEC is dropped.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use mio::Token;
use tracing::{info, warn};

use super::rdb::RdbReader;
use super::ChildKind;
use crate::commands::Ctx;
use crate::config::D;
use crate::server::{Client, Conn, Server};
use crate::store::Value;
use crate::util::unix_ms;

/// Whether the AOF is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AofState {
    #[default]
    Off,
    On,
    /// Turned on at run time: waiting for the first rewrite to make a base.
    WaitRewrite,
}

/// One file named by the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    pub name: String,
    pub seq: u64,
    /// `b` base, `i` incr, `h` history (to delete).
    pub kind: char,
}

/// The manifest: which files make the AOF, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    pub base: Option<AofFile>,
    pub incrs: Vec<AofFile>,
    pub history: Vec<AofFile>,
    /// Highest base and incr sequence numbers ever used.
    pub base_seq: u64,
    pub incr_seq: u64,
}

impl Manifest {
    /// The manifest's text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let mut line = |f: &AofFile| {
            let name = if f.name.bytes().any(|b| b <= b' ' || b == b'"' || b == b'\'') {
                crate::config::repr_bytes(f.name.as_bytes())
            } else {
                f.name.clone()
            };
            s.push_str(&format!("file {} seq {} type {}\n", name, f.seq, f.kind));
        };
        if let Some(b) = &self.base {
            line(b);
        }
        for h in &self.history {
            line(h);
        }
        for i in &self.incrs {
            line(i);
        }
        s
    }

    /// Parses a manifest (Redis's format; `#` lines are comments). Errors
    /// carry the line they were found at, for Redis's error report.
    pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
        /// Longest manifest line Redis reads.
        const MAX_LINE: usize = 1024;
        let mut m = Manifest::default();
        let mut lines = 0;
        let mut rest = text;
        while !rest.is_empty() {
            lines += 1;
            let (raw, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            rest = next;
            let shown = String::from_utf8_lossy(raw).into_owned();
            let err = |reason: &str| ManifestError { at: Some((lines, shown.clone())), reason: reason.to_string() };
            if raw.len() > MAX_LINE {
                return Err(ManifestError { at: None, reason: "The AOF manifest file contains too long line".into() });
            }
            if raw.first() == Some(&b'#') {
                continue;
            }
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            let words = crate::protocol::parser::split_args(line).ok_or_else(|| err(INVALID))?;
            if words.len() < 6 || words.len() % 2 != 0 {
                return Err(err(INVALID));
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for kv in words.chunks_exact(2) {
                let v = String::from_utf8_lossy(&kv[1]).into_owned();
                match kv[0].to_ascii_lowercase().as_slice() {
                    b"file" => name = Some(v),
                    b"seq" => seq = v.parse::<u64>().ok(),
                    b"type" => kind = v.chars().next().filter(|_| v.len() == 1),
                    _ => {}
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(err(INVALID));
            };
            if name.contains('/') {
                return Err(err("File can't be a path, just a filename"));
            }
            let f = AofFile { name, seq, kind };
            match kind {
                'b' => {
                    if m.base.is_some() {
                        return Err(err("Found duplicate base file information"));
                    }
                    m.base_seq = seq;
                    m.base = Some(f);
                }
                'i' => {
                    if m.incrs.last().is_some_and(|l| l.seq >= seq) {
                        return Err(err("Found a non-monotonic sequence number"));
                    }
                    m.incr_seq = seq;
                    m.incrs.push(f);
                }
                'h' => m.history.push(f),
                _ => return Err(err("Unknown AOF file type")),
            }
        }
        if m.base.is_none() && m.incrs.is_empty() && m.history.is_empty() {
            return Err(ManifestError { at: None, reason: "Found an empty AOF manifest".into() });
        }
        Ok(m)
    }
}

const INVALID: &str = "Invalid AOF manifest file format";

/// Why a manifest could not be read, and where.
#[derive(Debug)]
pub struct ManifestError {
    pub at: Option<(usize, String)>,
    pub reason: String,
}

impl ManifestError {
    /// Logs the error the way Redis reports it.
    fn log(&self) {
        warn!("\n*** FATAL AOF MANIFEST FILE ERROR ***");
        if let Some((n, line)) = &self.at {
            warn!("Reading the manifest file, at line {}", n);
            warn!(">>> '{}'", line);
        }
        warn!("{}", self.reason);
    }
}

/// The append-only file's state.
pub struct Aof {
    pub state: AofState,
    /// Propagated commands not yet written to the file.
    pub buf: Vec<u8>,
    file: Option<File>,
    /// Database of the last SELECT written (None: the next command writes one).
    selected_db: Option<usize>,
    /// Second of the last `#TS:` annotation (`aof-timestamp-enabled`).
    last_ts: i64,
    pub manifest: Manifest,
    /// Replaying the AOF: nothing is propagated.
    pub loading: bool,
    /// Bytes of base + incr files (`aof_current_size`).
    pub current_size: u64,
    /// Size after the last rewrite or load (`aof_base_size`), for the
    /// automatic rewrite's growth rule.
    pub base_size: u64,
    /// Bytes of the incr file being written (a failed write is cut back to it).
    incr_size: u64,
    last_fsync_ms: i64,
    /// Written since the last fsync request.
    unsynced: bool,
    fsync_tx: Option<mpsc::Sender<File>>,
    fsync_pending: Arc<AtomicUsize>,
    /// errno of the last background fsync when it failed, 0 when it worked.
    fsync_errno: Arc<AtomicI32>,
    /// Why the last write failed (strerror), while writes keep failing.
    write_error: Option<String>,
    /// Unix seconds of the last write-error log line (they are rate limited).
    last_error_log: i64,
    /// `everysec`: when the write started waiting for a background fsync
    /// to finish (ms, 0 when not waiting).
    postponed_since: i64,
    /// Database the first command in `buf` runs in (what a SELECT must say
    /// if the buffer moves to a new file).
    buf_db: Option<usize>,
    pub rewrite_scheduled: bool,
    pub rewrites: u64,
    pub last_rewrite_time_sec: i64,
    pub last_bgrewrite_ok: bool,
    pub consecutive_failures: u64,
    pub delayed_fsync: u64,
    /// The incr file the running rewrite opened (a temp file while the AOF
    /// waits for its first rewrite).
    rewrite_incr: Option<AofFile>,
    /// DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write.
    pub flush_sleep_us: u64,
    /// Automatic rewrites after repeated failures: the current back-off and
    /// when the next attempt may start (Unix seconds).
    limit_delay_min: u64,
    limit_until: i64,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            state: AofState::Off,
            buf: Vec::new(),
            file: None,
            selected_db: None,
            last_ts: 0,
            manifest: Manifest::default(),
            loading: false,
            current_size: 0,
            base_size: 0,
            incr_size: 0,
            last_fsync_ms: 0,
            unsynced: false,
            fsync_tx: None,
            fsync_pending: Arc::new(AtomicUsize::new(0)),
            fsync_errno: Arc::new(AtomicI32::new(0)),
            write_error: None,
            last_error_log: 0,
            postponed_since: 0,
            buf_db: None,
            rewrite_scheduled: false,
            rewrites: 0,
            last_rewrite_time_sec: -1,
            last_bgrewrite_ok: true,
            consecutive_failures: 0,
            delayed_fsync: 0,
            rewrite_incr: None,
            flush_sleep_us: 0,
            limit_delay_min: 0,
            limit_until: 0,
        }
    }
}

impl Aof {
    /// Why the AOF cannot be written (a failed write, or a failed
    /// background fsync), while that lasts: writes get MISCONF.
    pub fn disk_error(&self) -> Option<String> {
        if let Some(e) = &self.write_error {
            return Some(e.clone());
        }
        match self.fsync_errno.load(Ordering::Acquire) {
            0 => None,
            n => Some(super::strerror(&io::Error::from_raw_os_error(n))),
        }
    }
}

/// Failed rewrites in a row after which automatic rewrites back off.
const REWRITE_LIMIT_THRESHOLD: u64 = 3;
/// Longest back-off between automatic rewrites, in minutes.
const REWRITE_LIMIT_MAX_MINUTES: u64 = 60;

fn aof_dir(srv: &Server) -> PathBuf {
    PathBuf::from(srv.config.str(D::Appenddirname))
}

fn manifest_name(srv: &Server) -> String {
    format!("{}.manifest", srv.config.str(D::Appendfilename))
}

fn base_name(srv: &Server, seq: u64) -> String {
    let ext = if srv.config.bool(D::AofUseRdbPreamble) { "rdb" } else { "aof" };
    format!("{}.{}.base.{}", srv.config.str(D::Appendfilename), seq, ext)
}

fn incr_name(srv: &Server, seq: u64) -> String {
    format!("{}.{}.incr.aof", srv.config.str(D::Appendfilename), seq)
}

/// The incr file commands go to while the AOF waits for its first rewrite.
fn temp_incr_name(srv: &Server) -> String {
    format!("temp-{}.incr", srv.config.str(D::Appendfilename))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Writes the manifest atomically (a failure is logged in Redis's words).
fn persist_manifest(srv: &Server, m: &Manifest) -> io::Result<()> {
    let dir = aof_dir(srv);
    let path = dir.join(manifest_name(srv));
    let tmp_name = format!("temp-{}", manifest_name(srv));
    let tmp = dir.join(&tmp_name);
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(m.to_text().as_bytes())?;
        f.sync_all()
    })();
    if let Err(e) = written {
        warn!("Error trying to write the temporary AOF manifest file {}: {}", tmp_name, super::strerror(&e));
        return Err(e);
    }
    if let Err(e) = std::fs::rename(&tmp, &path) {
        warn!(
            "Error trying to rename the temporary AOF manifest file {} into {}: {}",
            tmp_name,
            manifest_name(srv),
            super::strerror(&e)
        );
        return Err(e);
    }
    super::fsync_dir(&path);
    Ok(())
}

/// Appends one command in RESP to `out`.
pub fn encode_command(out: &mut Vec<u8>, argv: &[Vec<u8>]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in argv {
        out.push(b'$');
        out.extend_from_slice(a.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends a propagated command to the AOF buffer (with a SELECT first when
/// the database changes, and a `#TS:` annotation when the second changes
/// and `aof-timestamp-enabled` is on).
pub fn feed(srv: &mut Server, db: Option<usize>, argv: &[Vec<u8>]) {
    let has_rewrite_child = srv.persist.child.as_ref().is_some_and(|c| c.kind == ChildKind::Aof);
    let timestamps = srv.config.bool(D::AofTimestampEnabled);
    let aof = &mut srv.persist.aof;
    if aof.loading || aof.state == AofState::Off || (aof.state == AofState::WaitRewrite && !has_rewrite_child) {
        return;
    }
    if aof.buf.is_empty() {
        aof.buf_db = aof.selected_db;
    }
    if timestamps {
        let now = unix_ms() / 1000;
        if now > aof.last_ts {
            aof.buf.extend_from_slice(format!("#TS:{}\r\n", now).as_bytes());
            aof.last_ts = now;
        }
    }
    if let Some(d) = db {
        if aof.selected_db != Some(d) {
            encode_command(&mut aof.buf, &[b"SELECT".to_vec(), d.to_string().into_bytes()]);
            aof.selected_db = Some(d);
        }
    }
    encode_command(&mut aof.buf, argv);
}

/// Longest time a write waits for a running background fsync (`everysec`)
/// before it goes ahead anyway, counted in `aof_delayed_fsync`.
const POSTPONE_MAX_MS: i64 = 2000;
/// Seconds between two log lines about a failing AOF write.
const WRITE_ERROR_LOG_RATE: i64 = 30;

/// Writes the buffer to the incr file and applies `appendfsync` (before
/// replies go out, and from the cron).
///
/// With `everysec`, while the helper thread's fsync still runs the write
/// waits (a write(2) would block behind it), for at most two seconds: then
/// it goes ahead and `aof_delayed_fsync` counts it. Replies do not wait, so
/// what a crash can lose is bounded by about two seconds of writes.
///
/// A failed or short write is cut back to the last complete write, the
/// buffer is kept and retried on every call, and until one succeeds writes
/// get MISCONF. With `appendfsync always` nothing can be promised any more:
/// the server exits.
pub fn flush(srv: &mut Server) {
    write_buffer(srv, false)
}

/// [`flush`] without waiting for a running fsync (shutdown, switching
/// files, turning the AOF off).
pub fn flush_now(srv: &mut Server) {
    write_buffer(srv, true)
}

fn write_buffer(srv: &mut Server, force: bool) {
    let always = srv.config.str(D::Appendfsync) == "always";
    let everysec = srv.config.str(D::Appendfsync) == "everysec";
    let skip_fsync = srv.config.bool(D::NoAppendfsyncOnRewrite) && srv.persist.child.is_some();
    let aof = &mut srv.persist.aof;
    let now = unix_ms();
    let fsync_running = everysec && aof.fsync_pending.load(Ordering::Acquire) > 0;
    if aof.buf.is_empty() {
        // What was written without its fsync (writes then stopped) still
        // reaches the disk within a second or so.
        if everysec && aof.unsynced && now - aof.last_fsync_ms >= 1000 && !fsync_running && !skip_fsync {
            request_fsync(aof);
        }
        return;
    }
    if fsync_running && !force {
        if aof.postponed_since == 0 {
            aof.postponed_since = now;
            return;
        }
        if now - aof.postponed_since < POSTPONE_MAX_MS {
            return;
        }
        aof.delayed_fsync += 1;
        warn!("Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.");
    }
    aof.postponed_since = 0;
    if aof.flush_sleep_us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(aof.flush_sleep_us));
    }
    let Some(f) = aof.file.as_mut() else { return };
    let (written, err) = write_some(f, &aof.buf);
    if written < aof.buf.len() {
        let log = now / 1000 - aof.last_error_log > WRITE_ERROR_LOG_RATE;
        if log {
            aof.last_error_log = now / 1000;
        }
        // Bytes of a short write that could not be cut back: they stay in
        // the file, so they leave the buffer.
        let mut kept = 0;
        let reason = if written == 0 {
            let e = super::strerror(&err.unwrap_or_else(|| io::Error::from(io::ErrorKind::WriteZero)));
            if log {
                warn!("Error writing to the AOF file: {}", e);
            }
            e
        } else {
            if log {
                warn!("Short write while writing to the AOF file: (nwritten={}, expected={})", written, aof.buf.len());
            }
            // The file must end at a command boundary for the next load.
            if let Err(e) = f.set_len(aof.incr_size) {
                if log {
                    warn!("Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: {}", super::strerror(&e));
                }
                kept = written;
            }
            // A short write means the device is full, whatever the cause.
            super::strerror(&io::Error::from_raw_os_error(libc::ENOSPC))
        };
        if always {
            warn!("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
            std::process::exit(1);
        }
        aof.write_error = Some(reason);
        if kept > 0 {
            aof.current_size += kept as u64;
            aof.incr_size += kept as u64;
            aof.buf.drain(..kept);
            aof.buf_db = None;
        }
        return;
    }
    if aof.write_error.take().is_some() {
        warn!("AOF write error looks solved, Redis can write again.");
    }
    aof.current_size += written as u64;
    aof.incr_size += written as u64;
    aof.buf.clear();
    if aof.buf.capacity() > 4 * 1024 * 1024 {
        aof.buf = Vec::new();
    }
    aof.unsynced = true;
    if skip_fsync {
        return;
    }
    if always {
        if let Err(e) = f.sync_data() {
            warn!(
                "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. Exiting...",
                super::strerror(&e)
            );
            std::process::exit(1);
        }
        aof.unsynced = false;
        aof.last_fsync_ms = now;
    } else if everysec && now - aof.last_fsync_ms >= 1000 && !fsync_running {
        request_fsync(aof);
    }
}

/// Writes as much of `buf` as the file takes: the bytes written, and the
/// error that stopped it early, if any.
fn write_some(f: &mut File, buf: &[u8]) -> (usize, Option<io::Error>) {
    let mut done = 0;
    while done < buf.len() {
        match f.write(&buf[done..]) {
            Ok(0) => return (done, None),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (done, Some(e)),
        }
    }
    (done, None)
}

/// Hands an fsync of the current file to the helper thread (`everysec`).
fn request_fsync(aof: &mut Aof) {
    let Some(f) = aof.file.as_ref() else { return };
    if aof.fsync_pending.load(Ordering::Acquire) > 0 {
        // The previous fsync is still running (a slow disk): try later.
        return;
    }
    if aof.fsync_tx.is_none() {
        let (tx, rx) = mpsc::channel::<File>();
        let pending = aof.fsync_pending.clone();
        let errno = aof.fsync_errno.clone();
        let spawned = std::thread::Builder::new().name("aof-fsync".into()).spawn(move || {
            for f in rx {
                fsync_in_background(&f, &errno);
                pending.fetch_sub(1, Ordering::AcqRel);
            }
        });
        if spawned.is_err() {
            fsync_in_background(f, &aof.fsync_errno);
            aof.unsynced = false;
            aof.last_fsync_ms = unix_ms();
            return;
        }
        aof.fsync_tx = Some(tx);
    }
    let Ok(dup) = f.try_clone() else { return };
    aof.fsync_pending.fetch_add(1, Ordering::AcqRel);
    if let Some(tx) = &aof.fsync_tx {
        if tx.send(dup).is_err() {
            aof.fsync_pending.fetch_sub(1, Ordering::AcqRel);
            return;
        }
    }
    aof.unsynced = false;
    aof.last_fsync_ms = unix_ms();
}

/// The helper thread's fsync. A failure is recorded (writes get MISCONF
/// until an fsync works again) and logged when it starts.
fn fsync_in_background(f: &File, errno: &AtomicI32) {
    match f.sync_data() {
        Err(e) if !matches!(e.raw_os_error(), Some(libc::EBADF) | Some(libc::EINVAL)) => {
            let code = e.raw_os_error().unwrap_or(libc::EIO);
            if errno.swap(code, Ordering::AcqRel) == 0 {
                warn!("Fail to fsync the AOF file: {}", super::strerror(&e));
            }
        }
        _ => errno.store(0, Ordering::Release),
    }
}

/// fsyncs the incr file now, on this thread (shutdown, switching files).
pub fn fsync_now(srv: &mut Server) {
    let aof = &mut srv.persist.aof;
    if let Some(f) = aof.file.as_ref() {
        let _ = f.sync_data();
        aof.unsynced = false;
        aof.last_fsync_ms = unix_ms();
    }
}

/// Cron work: a pending `everysec` fsync, retrying failed writes, and the
/// automatic rewrite when the file grew enough.
pub fn cron(srv: &mut Server) {
    if srv.persist.aof.state == AofState::Off {
        return;
    }
    flush(srv);
    let aof = &srv.persist.aof;
    let perc = srv.config.int(D::AutoAofRewritePercentage);
    let min = srv.config.int(D::AutoAofRewriteMinSize) as u64;
    if aof.state == AofState::On && srv.persist.child.is_none() && perc > 0 && aof.current_size > min {
        let base = aof.base_size.max(1);
        let growth = (aof.current_size * 100 / base) as i64 - 100;
        if growth >= perc && !rewrite_limited(srv) {
            info!("Starting automatic rewriting of AOF on {}% growth", growth);
            let _ = start_rewrite(srv);
        }
    }
}

/// After repeated failures, automatic rewrites wait 1, 2, 4... up to 60
/// minutes between attempts (BGREWRITEAOF is never held back).
fn rewrite_limited(srv: &mut Server) -> bool {
    let aof = &mut srv.persist.aof;
    if aof.consecutive_failures < REWRITE_LIMIT_THRESHOLD {
        aof.limit_delay_min = 0;
        aof.limit_until = 0;
        return false;
    }
    let now = unix_ms() / 1000;
    if aof.limit_until != 0 {
        if now < aof.limit_until {
            return true;
        }
        aof.limit_until = 0;
        return false;
    }
    aof.limit_delay_min =
        if aof.limit_delay_min == 0 { 1 } else { (aof.limit_delay_min * 2).min(REWRITE_LIMIT_MAX_MINUTES) };
    aof.limit_until = now + aof.limit_delay_min as i64 * 60;
    warn!(
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} minutes",
        aof.limit_delay_min
    );
    true
}

/// Opens (creating) an AOF file for appending.
fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Starts a background rewrite. The caller checked no child is running.
pub fn start_rewrite(srv: &mut Server) -> Result<i32, String> {
    srv.persist.aof.rewrite_scheduled = false;
    if srv.persist.child.is_some() {
        return Err("child active".into());
    }
    let dir = aof_dir(srv);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        warn!("Can't open or create append-only dir {}: {}", dir.display(), e);
        return Err(e.to_string());
    }
    // Everything before the fork goes to the current incr file; everything
    // after it to a new one, which the new base will be followed by.
    flush_now(srv);
    fsync_now(srv);
    if srv.persist.aof.state != AofState::Off {
        if let Err(e) = open_rewrite_incr(srv) {
            srv.persist.aof.last_bgrewrite_ok = false;
            return Err(e);
        }
    }
    let preamble = srv.config.bool(D::AofUseRdbPreamble);
    let result = super::fork_child(srv, ChildKind::Aof, move |s| {
        let tmp = format!("temp-rewriteaof-bg-{}.aof", std::process::id());
        match write_base(s, Path::new(&tmp), preamble) {
            Ok(()) => {
                info!("Successfully created the temporary AOF base file {}", tmp);
                true
            }
            Err(e) => {
                warn!("Error rewriting the append only file: {}", super::strerror(&e));
                let _ = std::fs::remove_file(&tmp);
                false
            }
        }
    });
    match result {
        Ok(pid) => {
            info!("Background append only file rewriting started by pid {}", pid);
            Ok(pid)
        }
        Err(e) => {
            warn!("Can't rewrite append only file in background: fork: {}", e);
            srv.persist.aof.last_bgrewrite_ok = false;
            srv.persist.aof.consecutive_failures += 1;
            Err(e)
        }
    }
}

/// Opens the incr file that commands after a rewrite's fork go to. With the
/// AOF on it joins the manifest at once; while waiting for the first rewrite
/// it is a temp file that gets its name when the rewrite succeeds.
fn open_rewrite_incr(srv: &mut Server) -> Result<(), String> {
    let dir = aof_dir(srv);
    let waiting = srv.persist.aof.state == AofState::WaitRewrite;
    let seq = srv.persist.aof.manifest.incr_seq + 1;
    let name = if waiting { temp_incr_name(srv) } else { incr_name(srv, seq) };
    if waiting {
        let _ = std::fs::remove_file(dir.join(&name));
    }
    let file = match open_append(&dir.join(&name)) {
        Ok(f) => f,
        Err(e) => {
            warn!("Can't open the append-only file {}: {}", name, e);
            return Err(e.to_string());
        }
    };
    let incr = AofFile { name: name.clone(), seq, kind: 'i' };
    if !waiting {
        let mut m = srv.persist.aof.manifest.clone();
        m.incrs.push(incr.clone());
        m.incr_seq = seq;
        if let Err(e) = persist_manifest(srv, &m) {
            let _ = std::fs::remove_file(dir.join(&name));
            return Err(e.to_string());
        }
        srv.persist.aof.manifest = m;
    }
    info!("Creating AOF incr file {} on background rewrite", name);
    let aof = &mut srv.persist.aof;
    aof.file = Some(file);
    aof.selected_db = None;
    aof.incr_size = 0;
    // Commands a failing disk left in the buffer go to the new file, which
    // must say which database they run in.
    if let (false, Some(db)) = (aof.buf.is_empty(), aof.buf_db) {
        let mut select = Vec::new();
        encode_command(&mut select, &[b"SELECT".to_vec(), db.to_string().into_bytes()]);
        aof.buf.splice(0..0, select);
    }
    aof.rewrite_incr = Some(incr);
    Ok(())
}

fn write_base(srv: &Server, path: &Path, preamble: bool) -> io::Result<()> {
    let f = File::create(path)?;
    let w = BufWriter::with_capacity(64 * 1024, f);
    let w = if preamble { super::write_snapshot(w, srv, true)? } else { write_commands(w, srv)? };
    let f = w.into_inner().map_err(|e| e.into_error())?;
    f.sync_all()?;
    Ok(())
}

/// The data set as commands (a base file with `aof-use-rdb-preamble no`).
fn write_commands<W: Write>(mut out: W, srv: &Server) -> io::Result<W> {
    const BATCH: usize = 64;
    let mut buf = Vec::with_capacity(64 * 1024);
    if srv.config.bool(D::AofTimestampEnabled) {
        buf.extend_from_slice(format!("#TS:{}\r\n", unix_ms() / 1000).as_bytes());
    }
    for lib in srv.scripting.funcs.libraries.values() {
        encode_command(&mut buf, &[b"FUNCTION".to_vec(), b"LOAD".to_vec(), lib.code.clone()]);
    }
    for (i, db) in srv.ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        encode_command(&mut buf, &[b"SELECT".to_vec(), i.to_string().into_bytes()]);
        for e in db.dict.iter() {
            let key = e.key.to_vec();
            let mut batch: Vec<Vec<u8>> = Vec::new();
            let emit = |buf: &mut Vec<u8>, cmd: &[u8], batch: &mut Vec<Vec<u8>>, force: bool| {
                if batch.len() >= BATCH * 2 || (force && !batch.is_empty()) {
                    let mut argv = vec![cmd.to_vec(), key.clone()];
                    argv.append(batch);
                    encode_command(buf, &argv);
                }
            };
            match &e.value.value {
                Value::Str(s) => encode_command(&mut buf, &[b"SET".to_vec(), key.clone(), s.to_vec()]),
                Value::List(l) => {
                    for item in l.iter() {
                        batch.push(item.to_vec());
                        emit(&mut buf, b"RPUSH", &mut batch, false);
                    }
                    emit(&mut buf, b"RPUSH", &mut batch, true);
                }
                Value::Set(s) => {
                    s.for_each(|m| {
                        batch.push(m.to_vec());
                        emit(&mut buf, b"SADD", &mut batch, false);
                    });
                    emit(&mut buf, b"SADD", &mut batch, true);
                }
                Value::ZSet(z) => {
                    z.for_each(|m, score| {
                        batch.push(crate::util::fmt_double(score).into_bytes());
                        batch.push(m.to_vec());
                        emit(&mut buf, b"ZADD", &mut batch, false);
                    });
                    emit(&mut buf, b"ZADD", &mut batch, true);
                }
                Value::Hash(h) => {
                    h.for_each(|f, v| {
                        batch.push(f.to_vec());
                        batch.push(v.to_vec());
                        emit(&mut buf, b"HSET", &mut batch, false);
                    });
                    emit(&mut buf, b"HSET", &mut batch, true);
                }
            }
            if let Some(t) = db.expires.get(&e.key) {
                encode_command(&mut buf, &[b"PEXPIREAT".to_vec(), key.clone(), t.to_string().into_bytes()]);
            }
            if buf.len() >= 64 * 1024 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    out.flush()?;
    Ok(out)
}

/// The parent's side of a finished rewrite.
/// The parent's side of a finished rewrite.
pub fn rewrite_done(srv: &mut Server, pid: i32, ok: bool, signal: i32) {
    let tmp = PathBuf::from(format!("temp-rewriteaof-bg-{}.aof", pid));
    let incr = srv.persist.aof.rewrite_incr.take();
    let dir = aof_dir(srv);
    if !ok {
        if signal != 0 {
            warn!("Background AOF rewrite terminated by signal {}", signal);
        } else {
            warn!("Background AOF rewrite terminated with error");
        }
        let _ = std::fs::remove_file(&tmp);
        rewrite_failed(srv, incr, signal != libc::SIGUSR1);
        return;
    }
    info!("Background AOF rewrite terminated with success");
    let mut m = srv.persist.aof.manifest.clone();
    let seq = m.base_seq + 1;
    let name = base_name(srv, seq);
    if let Err(e) = std::fs::rename(&tmp, dir.join(&name)) {
        warn!("Error trying to rename the temporary AOF base file {} into {}: {}", tmp.display(), name, e);
        let _ = std::fs::remove_file(&tmp);
        rewrite_failed(srv, incr, true);
        return;
    }
    info!("Successfully renamed the temporary AOF base file {} into {}", tmp.display(), name);
    let waiting = srv.persist.aof.state == AofState::WaitRewrite;
    let mut incr = incr;
    if waiting {
        // The temp incr file becomes the first incr file of the new AOF.
        if let Some(t) = incr.as_mut() {
            let seq = m.incr_seq + 1;
            let final_name = incr_name(srv, seq);
            if let Err(e) = std::fs::rename(dir.join(&t.name), dir.join(&final_name)) {
                warn!("Error trying to rename the temporary AOF incr file {} into {}: {}", t.name, final_name, e);
                let _ = std::fs::remove_file(dir.join(&name));
                rewrite_failed(srv, incr, true);
                return;
            }
            info!("Successfully renamed the temporary AOF incr file {} into {}", t.name, final_name);
            t.name = final_name;
            t.seq = seq;
            m.incr_seq = seq;
        }
    }
    // The new base replaces the old base and every incr file before the one
    // opened when the rewrite started. History goes to the front of the
    // list, base first then incr files, as Redis orders it.
    if let Some(old) = m.base.take() {
        m.history.insert(0, AofFile { kind: 'h', ..old });
    }
    let keep_from = incr.as_ref().filter(|_| !waiting).map(|f| f.seq);
    let (keep, old): (Vec<AofFile>, Vec<AofFile>) =
        m.incrs.drain(..).partition(|f| keep_from.is_some_and(|s| f.seq >= s));
    for f in old {
        m.history.insert(0, AofFile { kind: 'h', ..f });
    }
    m.incrs = keep;
    if waiting {
        m.incrs.extend(incr);
    }
    if srv.persist.aof.state == AofState::Off {
        // No incr file follows this base: numbering starts again.
        m.incr_seq = 0;
    }
    m.base = Some(AofFile { name: name.clone(), seq, kind: 'b' });
    m.base_seq = seq;
    if persist_manifest(srv, &m).is_err() {
        let _ = std::fs::remove_file(dir.join(&name));
        srv.persist.aof.last_bgrewrite_ok = false;
        srv.persist.aof.consecutive_failures += 1;
        return;
    }
    srv.persist.aof.manifest = m;
    if waiting {
        srv.persist.aof.state = AofState::On;
    }
    delete_history(srv);
    let base_size = file_size(&dir.join(&name));
    let incr_size: u64 = srv.persist.aof.manifest.incrs.iter().map(|f| file_size(&dir.join(&f.name))).sum();
    let aof = &mut srv.persist.aof;
    aof.base_size = base_size;
    aof.current_size = base_size + incr_size;
    aof.last_rewrite_time_sec = 0;
    aof.rewrites += 1;
    aof.last_bgrewrite_ok = true;
    aof.consecutive_failures = 0;
    info!("Background AOF rewrite finished successfully");
}

/// A rewrite did not produce a new base. The incr file it opened stays in
/// the manifest (the chain base + incr files is still complete), except the
/// temp one of an AOF waiting for its first rewrite, which is dropped and
/// the rewrite tried again.
fn rewrite_failed(srv: &mut Server, incr: Option<AofFile>, count: bool) {
    if count {
        srv.persist.aof.last_bgrewrite_ok = false;
        srv.persist.aof.consecutive_failures += 1;
    }
    if srv.persist.aof.state == AofState::WaitRewrite {
        if let Some(t) = incr {
            info!("Removing the temp incr aof file {} in the background", t.name);
            let _ = std::fs::remove_file(aof_dir(srv).join(&t.name));
        }
        // Commands still buffered for the dropped file are in memory, so in
        // the next rewrite's snapshot: written to the next temp file they
        // would be applied twice, and before its first SELECT.
        srv.persist.aof.buf.clear();
        srv.persist.aof.selected_db = None;
        srv.persist.aof.file = None;
        srv.persist.aof.rewrite_scheduled = true;
    }
}

/// Deletes the history files the manifest lists (unless
/// `aof-disable-auto-gc`), then writes the manifest without them.
fn delete_history(srv: &mut Server) {
    if srv.config.bool(D::AofDisableAutoGc) || srv.persist.aof.manifest.history.is_empty() {
        return;
    }
    let dir = aof_dir(srv);
    let mut m = srv.persist.aof.manifest.clone();
    for h in std::mem::take(&mut m.history) {
        info!("Removing the history file {} in the background", h.name);
        let _ = std::fs::remove_file(dir.join(&h.name));
    }
    let _ = persist_manifest(srv, &m);
    srv.persist.aof.manifest = m;
}

/// A rewrite child was killed by us: forget its temp files.
pub fn rewrite_aborted(srv: &mut Server, pid: i32) {
    info!("Killing running AOF rewrite child: {}", pid);
    let _ = std::fs::remove_file(format!("temp-rewriteaof-bg-{}.aof", pid));
    let incr = srv.persist.aof.rewrite_incr.take();
    rewrite_failed(srv, incr, false);
}

/// BGREWRITEAOF's reply.
pub fn bgrewriteaof(srv: &mut Server) -> Result<&'static str, String> {
    match srv.persist.child.as_ref().map(|c| c.kind) {
        Some(ChildKind::Aof) => Err("ERR Background append only file rewriting already in progress".into()),
        Some(ChildKind::Rdb) => {
            srv.persist.aof.rewrite_scheduled = true;
            Ok("Background append only file rewriting scheduled")
        }
        None => match start_rewrite(srv) {
            Ok(_) => Ok("Background append only file rewriting started"),
            Err(_) => {
                Err("ERR Can't execute an AOF background rewriting. Please check the server logs for more information."
                    .into())
            }
        },
    }
}

/// Configuration changed (CONFIG SET): `appendonly` starts or stops the
/// AOF, `aof-disable-auto-gc no` deletes history files left behind.
pub fn config_changed(srv: &mut Server) {
    delete_history(srv);
    let want = srv.config.bool(D::Appendonly);
    let state = srv.persist.aof.state;
    if want && state == AofState::Off {
        srv.persist.aof.state = AofState::WaitRewrite;
        srv.persist.aof.selected_db = None;
        srv.ks.log_deletes = true;
        if let Some(kind) = srv.persist.child.as_ref().map(|c| c.kind) {
            if kind == ChildKind::Aof {
                super::kill_child(srv);
            } else {
                srv.persist.aof.rewrite_scheduled = true;
                warn!("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
                forget_disk_errors(srv);
                return;
            }
        }
        if start_rewrite(srv).is_err() {
            srv.persist.aof.rewrite_scheduled = true;
        }
        forget_disk_errors(srv);
    } else if !want && state != AofState::Off {
        flush_now(srv);
        fsync_now(srv);
        if srv.persist.child.as_ref().is_some_and(|c| c.kind == ChildKind::Aof) {
            super::kill_child(srv);
        }
        let aof = &mut srv.persist.aof;
        aof.state = AofState::Off;
        aof.file = None;
        aof.buf.clear();
        aof.rewrite_scheduled = false;
        srv.ks.log_deletes = false;
    }
}

/// Turning the AOF on starts afresh: errors of the previous AOF no longer
/// hold writes back.
fn forget_disk_errors(srv: &mut Server) {
    let aof = &mut srv.persist.aof;
    if aof.fsync_errno.swap(0, Ordering::AcqRel) != 0 {
        warn!("AOF reopen, just ignore the AOF fsync error in bio job");
    }
    if aof.write_error.take().is_some() {
        warn!("AOF reopen, just ignore the last error.");
    }
}

/// INFO's AOF fields.
pub fn info_fields(srv: &Server, child_started: Option<Instant>) -> String {
    let a = &srv.persist.aof;
    let mut s = format!(
        "aof_enabled:{}\r\naof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\naof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\naof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\naof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\naof_last_cow_size:{}\r\n",
        (a.state != AofState::Off) as u8,
        child_started.is_some() as u8,
        a.rewrite_scheduled as u8,
        a.last_rewrite_time_sec,
        child_started.map_or(-1, |t| t.elapsed().as_secs() as i64),
        if a.last_bgrewrite_ok { "ok" } else { "err" },
        a.rewrites,
        a.consecutive_failures,
        if a.disk_error().is_none() { "ok" } else { "err" },
        srv.persist.aof_last_cow_size,
    );
    if a.state != AofState::Off {
        s.push_str(&format!(
            "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\naof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
            a.current_size,
            a.base_size,
            a.rewrite_scheduled as u8,
            a.buf.len(),
            a.fsync_pending.load(Ordering::Acquire),
            a.delayed_fsync,
        ));
    }
    s
}

// ---------------------------------------------------------------------------
// Loading.

/// How replaying one file ended.
enum Replay {
    Complete,
    /// Cut short: the file is valid up to this offset.
    Truncated(u64),
}

/// Reads the manifest, finishing an interrupted upgrade from a Redis 6
/// single-file AOF, or starting one. `Ok(None)`: there is no AOF yet.
fn open_manifest(srv: &mut Server) -> Result<Option<Manifest>, String> {
    let dir = aof_dir(srv);
    let mpath = dir.join(manifest_name(srv));
    let appendfilename = srv.config.str(D::Appendfilename).to_string();
    let migrate = |srv: &Server| -> Result<(), String> {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        std::fs::rename(&appendfilename, dir.join(&appendfilename)).map_err(|e| e.to_string())?;
        info!("Successfully migrated an old-style AOF into the AOF directory");
        let _ = srv;
        Ok(())
    };
    if mpath.exists() {
        let text =
            std::fs::read(&mpath).map_err(|e| format!("Can't open the AOF manifest {}: {}", mpath.display(), e))?;
        let m = Manifest::parse(&text).map_err(|e| {
            e.log();
            "Fatal error: the AOF manifest could not be read. Exiting.".to_string()
        })?;
        // An upgrade interrupted after the manifest was written but before
        // the old file moved: move it now.
        if let Some(b) = &m.base {
            if b.name == appendfilename && !dir.join(&b.name).exists() && Path::new(&appendfilename).is_file() {
                migrate(srv)?;
            }
        }
        return Ok(Some(m));
    }
    if Path::new(&appendfilename).is_file() {
        // An AOF from Redis before 7.0 becomes the base of a new manifest.
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let m = Manifest {
            base: Some(AofFile { name: appendfilename.clone(), seq: 1, kind: 'b' }),
            base_seq: 1,
            ..Manifest::default()
        };
        persist_manifest(srv, &m).map_err(|e| e.to_string())?;
        migrate(srv)?;
        return Ok(Some(m));
    }
    Ok(None)
}

/// Replays the AOF at start-up and opens it for appending.
pub fn load_at_startup(srv: &mut Server) -> Result<(), String> {
    let dir = aof_dir(srv);
    let mut manifest = open_manifest(srv)?.unwrap_or_default();
    let files: Vec<AofFile> = manifest.base.iter().chain(manifest.incrs.iter()).cloned().collect();
    let mut total = 0;
    srv.persist.loading_total = files.iter().map(|f| file_size(&dir.join(&f.name))).sum();
    for f in &files {
        match std::fs::metadata(dir.join(&f.name)) {
            Ok(m) => total += m.len(),
            Err(e) => {
                let err =
                    e.raw_os_error().map(|n| io::Error::from_raw_os_error(n).to_string()).unwrap_or(e.to_string());
                let err = err.split(" (os error").next().unwrap_or("").to_string();
                return Err(format!("Unable to obtain the AOF file {} length. stat: {}", f.name, err));
            }
        }
    }
    let n = files.len();
    for (i, f) in files.iter().enumerate() {
        load_file(srv, &dir.join(&f.name), i + 1 == n, i == 0 && manifest.base.is_some())?;
    }
    // History left by a crash before it was deleted.
    if !manifest.history.is_empty() && !srv.config.bool(D::AofDisableAutoGc) {
        for h in std::mem::take(&mut manifest.history) {
            let _ = std::fs::remove_file(dir.join(&h.name));
        }
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("Can't open or create append-only dir {}: {}", dir.display(), e))?;
    let mut changed = false;
    if manifest.base.is_none() && manifest.incrs.is_empty() {
        let seq = manifest.base_seq + 1;
        let name = base_name(srv, seq);
        let tmp = PathBuf::from(format!("temp-rewriteaof-{}.aof", std::process::id()));
        write_base(srv, &tmp, srv.config.bool(D::AofUseRdbPreamble)).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, dir.join(&name)).map_err(|e| e.to_string())?;
        info!("Creating AOF base file {} on server start", name);
        manifest.base = Some(AofFile { name: name.clone(), seq, kind: 'b' });
        manifest.base_seq = seq;
        total += file_size(&dir.join(&name));
        changed = true;
    }
    if manifest.incrs.is_empty() {
        let seq = manifest.incr_seq + 1;
        let name = incr_name(srv, seq);
        info!("Creating AOF incr file {} on server start", name);
        manifest.incrs.push(AofFile { name, seq, kind: 'i' });
        manifest.incr_seq = seq;
        changed = true;
    }
    if changed {
        persist_manifest(srv, &manifest).map_err(|e| e.to_string())?;
    }
    let last = manifest.incrs.last().map(|f| f.name.clone()).unwrap_or_default();
    let file = open_append(&dir.join(&last)).map_err(|e| format!("Can't open the append-only file {}: {}", last, e))?;
    let incr_size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let aof = &mut srv.persist.aof;
    aof.incr_size = incr_size;
    aof.file = Some(file);
    aof.manifest = manifest;
    aof.state = AofState::On;
    aof.selected_db = None;
    aof.current_size = total;
    aof.base_size = total;
    aof.last_fsync_ms = unix_ms();
    srv.ks.log_deletes = true;
    // What was just loaded is on disk already.
    srv.ks.dirty = 0;
    Ok(())
}

/// With `appendonly no`, the manifest left by an earlier run is still read,
/// so a rewrite continues its sequence numbers (as Redis does).
pub fn read_manifest_if_any(srv: &mut Server) {
    let path = aof_dir(srv).join(manifest_name(srv));
    if let Ok(text) = std::fs::read(&path) {
        if let Ok(m) = Manifest::parse(&text) {
            srv.persist.aof.manifest = m;
        }
    }
}

/// Replays one AOF file into the keyspace; a truncated last file is cut
/// back to its last complete command when `aof-load-truncated` allows.
fn load_file(srv: &mut Server, path: &Path, last: bool, base: bool) -> Result<(), String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let f = File::open(path)
        .map_err(|e| format!("Fatal error: can't open the append log file {} for reading: {}", name, e))?;
    if f.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(());
    }
    srv.persist.aof.loading = true;
    srv.ks.loading = true;
    let log_deletes = std::mem::replace(&mut srv.ks.log_deletes, false);
    let result = replay(srv, BufReader::with_capacity(256 * 1024, f), &name);
    srv.persist.aof.loading = false;
    srv.ks.loading = false;
    srv.ks.log_deletes = log_deletes;
    match result? {
        Replay::Complete => {
            info!("DB loaded from {} file {}", if base { "base" } else { "incr" }, name);
            Ok(())
        }
        Replay::Truncated(valid) => {
            if !last {
                return Err(format!("Fatal error: the truncated file is not the last file ({})", name));
            }
            if !srv.config.bool(D::AofLoadTruncated) {
                return Err(format!("Unexpected end of file reading the append only file {}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.", name));
            }
            warn!("!!! Warning: short read while loading the AOF file {}!!!", name);
            warn!("!!! Truncating the AOF {} at offset {} !!!", name, valid);
            let f = OpenOptions::new().write(true).open(path).map_err(|e| e.to_string())?;
            f.set_len(valid).map_err(|e| format!("Error truncating the AOF file {}: {}", name, e))?;
            let _ = f.sync_all();
            warn!("AOF {} loaded anyway because aof-load-truncated is enabled", name);
            Ok(())
        }
    }
}

/// Reads one line ending in CRLF (without it); `None` at a clean EOF.
fn read_line<R: BufRead>(r: &mut R, pos: &mut u64) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    let n = r.read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    *pos += n as u64;
    if !line.ends_with(b"\r\n") {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "truncated line"));
    }
    line.truncate(line.len() - 2);
    Ok(Some(line))
}

/// One command of an AOF; `Ok(None)` at a clean end of file.
fn read_command<R: BufRead>(r: &mut R, pos: &mut u64) -> Result<Option<Vec<Vec<u8>>>, ReadErr> {
    let line = loop {
        match read_line(r, pos).map_err(ReadErr::from)? {
            None => return Ok(None),
            Some(l) if l.first() == Some(&b'#') => continue,
            Some(l) => break l,
        }
    };
    if line.first() != Some(&b'*') {
        return Err(ReadErr::Format);
    }
    let argc: usize = std::str::from_utf8(&line[1..]).ok().and_then(|s| s.parse().ok()).ok_or(ReadErr::Format)?;
    if argc < 1 {
        return Err(ReadErr::Format);
    }
    let mut argv = Vec::with_capacity(argc);
    for _ in 0..argc {
        let l = read_line(r, pos).map_err(ReadErr::from)?.ok_or(ReadErr::Truncated)?;
        if l.first() != Some(&b'$') {
            return Err(ReadErr::Format);
        }
        let len: usize = std::str::from_utf8(&l[1..]).ok().and_then(|s| s.parse().ok()).ok_or(ReadErr::Format)?;
        let mut arg = vec![0u8; len + 2];
        let mut got = 0;
        while got < arg.len() {
            match r.read(&mut arg[got..]) {
                Ok(0) => return Err(ReadErr::Truncated),
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ReadErr::Io(e)),
            }
        }
        *pos += arg.len() as u64;
        if &arg[len..] != b"\r\n" {
            return Err(ReadErr::Format);
        }
        arg.truncate(len);
        argv.push(arg);
    }
    Ok(Some(argv))
}

enum ReadErr {
    Truncated,
    Format,
    Io(io::Error),
}

impl From<io::Error> for ReadErr {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ReadErr::Truncated
        } else {
            ReadErr::Io(e)
        }
    }
}

/// Replays a stream of commands (after an RDB preamble, if any).
fn replay<R: BufRead>(srv: &mut Server, mut r: R, name: &str) -> Result<Replay, String> {
    let mut pos: u64 = 0;
    if r.fill_buf().map_err(|e| e.to_string())?.starts_with(b"REDIS") {
        let mut rd = RdbReader::new(r);
        super::load_rdb_stream(srv, &mut rd, true).map_err(|e| {
            format!("Error reading the RDB preamble of the AOF file {}, AOF loading aborted: {}", name, e)
        })?;
        pos = rd.pos;
        r = rd.into_inner();
    }
    let mut client = Client::new(0, Token(usize::MAX - 1), Conn::None, "aof".into(), String::new(), false, unix_ms());
    client.authenticated = true;
    let mut ticker = super::LoadTicker::default();
    // Commands of an open MULTI, applied only once its EXEC is read.
    let mut tx: Option<(u64, Vec<Vec<Vec<u8>>>)> = None;
    loop {
        let start = pos;
        let argv = match read_command(&mut r, &mut pos) {
            Ok(Some(a)) => a,
            Ok(None) => break,
            Err(ReadErr::Truncated) => {
                let valid = tx.as_ref().map_or(start, |(at, _)| *at);
                return Ok(Replay::Truncated(valid));
            }
            Err(ReadErr::Format) => {
                return Err(format!("Bad file format reading the append only file {}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>", name));
            }
            Err(ReadErr::Io(e)) => {
                return Err(format!("Unrecoverable error reading the append only file {}: {}", name, e))
            }
        };
        if argv[0].eq_ignore_ascii_case(b"multi") {
            tx = Some((start, Vec::new()));
            continue;
        }
        if argv[0].eq_ignore_ascii_case(b"exec") {
            if let Some((_, cmds)) = tx.take() {
                for c in cmds {
                    run(srv, &mut client, &c, name)?;
                }
            }
            continue;
        }
        match tx.as_mut() {
            Some((_, cmds)) => cmds.push(argv),
            None => run(srv, &mut client, &argv, name)?,
        }
        super::loading_tick(srv, &mut ticker, pos);
    }
    if let Some((at, _)) = tx {
        // A MULTI without its EXEC: the transaction never happened.
        return Ok(Replay::Truncated(at));
    }
    Ok(Replay::Complete)
}

/// Runs one replayed command through its handler.
fn run(srv: &mut Server, c: &mut Client, argv: &[Vec<u8>], name: &str) -> Result<(), String> {
    let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let id = srv.commands.resolve(&refs).map_err(|_| {
        format!("Unknown command '{}' reading the append only file {}", String::from_utf8_lossy(&argv[0]), name)
    })?;
    let spec = srv.commands.entries[id].spec;
    let argc = refs.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return Err(format!(
            "Wrong number of arguments for '{}' reading the append only file {}",
            String::from_utf8_lossy(&argv[0]),
            name
        ));
    }
    srv.ks.now_ms = unix_ms();
    (spec.handler)(&mut Ctx { srv, client: c }, &refs);
    c.reply.buf.clear();
    c.reply.errors = 0;
    Ok(())
}

/// DEBUG LOADAOF: write out what is pending, empty the data set and replay
/// the AOF again.
pub fn debug_loadaof(srv: &mut Server) -> Result<(), String> {
    if srv.persist.aof.state == AofState::On {
        flush_now(srv);
        fsync_now(srv);
    }
    srv.ks.flush_all(true);
    let dir = aof_dir(srv);
    let m = &srv.persist.aof.manifest;
    let has_base = m.base.is_some();
    let files: Vec<AofFile> = m.base.iter().chain(m.incrs.iter()).cloned().collect();
    let n = files.len();
    for (i, f) in files.iter().enumerate() {
        if let Err(e) = load_file(srv, &dir.join(&f.name), i + 1 == n, i == 0 && has_base) {
            warn!("{}", e);
            return Err("ERR Error trying to load the AOF files, check server logs.".into());
        }
    }
    // What was loaded is what the files hold: nothing new to save.
    srv.ks.dirty = 0;
    info!("Append Only File loaded by DEBUG LOADAOF");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_roundtrip() {
        let text = b"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
        let m = Manifest::parse(text).expect("valid");
        assert_eq!(m.base.as_ref().map(|b| b.name.as_str()), Some("appendonly.aof.1.base.rdb"));
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.incr_seq, 2);
        assert_eq!(m.to_text().as_bytes(), &text[..]);
        assert!(Manifest::parse(b"file a seq 1 type b\nfile b seq 2 type b\n").is_err());
        assert!(Manifest::parse(b"file x/y seq 1 type b\n").is_err());
        assert!(Manifest::parse(b"file a seq x type i\n").is_err());
    }

    #[test]
    fn commands_read_back() {
        let mut buf = Vec::new();
        encode_command(&mut buf, &[b"SET".to_vec(), b"k".to_vec(), b"a\r\nb".to_vec()]);
        let mut pos = 0;
        let mut r = &buf[..];
        let cmd = read_command(&mut r, &mut pos).ok().flatten().expect("command");
        assert_eq!(cmd[2], b"a\r\nb");
        assert_eq!(pos as usize, buf.len());
        for cut in 1..buf.len() {
            let mut pos = 0;
            let mut r = &buf[..cut];
            assert!(matches!(read_command(&mut r, &mut pos), Err(ReadErr::Truncated)), "cut at {cut}");
        }
    }
}
