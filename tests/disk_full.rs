//! A failing disk, for real: each test mounts a 1 MiB tmpfs, points the
//! server's `dir` at it and fills it with a file. Writes must then get
//! Redis's MISCONF error while reads keep working, the torn AOF write must be
//! cut back, and the server must recover by itself once space returns (or,
//! with `appendfsync always`, exit). A failed BGSAVE blocks writes until a
//! save works again.
//!
//! Mounting needs root (CAP_SYS_ADMIN): where it is not allowed the tests
//! print why and pass without checking anything. The file system is
//! unmounted when a test ends, even when it fails.

mod common;

use std::ffi::CString;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{free_port, q, r, Server};

/// A small tmpfs mounted for one test (unmounted and removed on drop).
struct SmallFs {
    path: PathBuf,
    /// The server's log: outside the small file system, which fills up.
    log: PathBuf,
}

impl SmallFs {
    /// Mounts a 1 MiB tmpfs, or says why it cannot.
    fn mount(tag: &str) -> Result<SmallFs, String> {
        let path = std::env::temp_dir().join(format!("oxidis-disk-{}-{}-{}", tag, std::process::id(), free_port()));
        std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let cpath = CString::new(path.to_str().expect("utf-8 path")).expect("path");
        let fstype = CString::new("tmpfs").expect("literal");
        let data = CString::new("size=1m").expect("literal");
        // SAFETY: plain mount(2) with NUL-terminated strings that outlive the call.
        let rc = unsafe {
            libc::mount(fstype.as_ptr(), cpath.as_ptr(), fstype.as_ptr(), 0, data.as_ptr() as *const libc::c_void)
        };
        if rc != 0 {
            let e = std::io::Error::last_os_error();
            let _ = std::fs::remove_dir(&path);
            return Err(format!("mounting a tmpfs is not permitted here ({e})"));
        }
        let log = path.with_extension("log");
        Ok(SmallFs { path, log })
    }

    fn s(&self) -> &str {
        self.path.to_str().expect("utf-8 path")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fills the file system until a write fails with ENOSPC.
    fn fill(&self) {
        let mut f = OpenOptions::new().create(true).append(true).open(self.path.join("filler")).expect("filler");
        for chunk in [64 * 1024, 4096, 512, 1] {
            let buf = vec![0u8; chunk];
            loop {
                match f.write(&buf) {
                    Ok(n) if n == chunk => {}
                    Ok(_) => break,
                    Err(e) => {
                        assert_eq!(e.raw_os_error(), Some(libc::ENOSPC), "filling: {e}");
                        break;
                    }
                }
            }
        }
    }

    /// Gives the space back.
    fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).expect("remove filler");
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let cpath = CString::new(self.path.to_str().unwrap_or_default()).unwrap_or_default();
        // SAFETY: unmounting what `mount` mounted; MNT_DETACH so a process
        // still holding a file there cannot keep it mounted.
        unsafe { libc::umount2(cpath.as_ptr(), libc::MNT_DETACH) };
        let _ = std::fs::remove_dir(&self.path);
        let _ = std::fs::remove_file(&self.log);
    }
}

/// The small file system, or `None` (with the reason printed) when the
/// machine does not allow mounting one.
fn small_fs(tag: &str) -> Option<SmallFs> {
    match SmallFs::mount(tag) {
        Ok(fs) => Some(fs),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn start(fs: &SmallFs, extra: &[&str]) -> Server {
    let mut args = vec!["--dir", fs.s(), "--logfile", fs.log.to_str().expect("path")];
    args.extend_from_slice(extra);
    Server::start_with(&args)
}

fn info_field(c: &mut redis::Connection, field: &str) -> String {
    let info: String = q(c, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("no {field} in INFO"))
}

/// Waits (at most 10 s) until INFO shows `field:want`.
fn wait_info(c: &mut redis::Connection, field: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = info_field(c, field);
        if got == want {
            return;
        }
        assert!(Instant::now() < deadline, "{field} stayed {got}, expected {want}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One command over a raw socket: the first reply line, CRLF included
/// (errors are compared whole).
fn raw_line(s: &mut TcpStream, args: &[&str]) -> String {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
    }
    s.write_all(req.as_bytes()).expect("write");
    let mut out = Vec::new();
    let mut b = [0u8; 1];
    while !out.ends_with(b"\r\n") {
        match s.read(&mut b) {
            Ok(1) => out.push(b[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const AOF_MISCONF: &str = "-MISCONF Errors writing to the AOF file: No space left on device\r\n";
const RDB_MISCONF: &str = "-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.\r\n";

fn big_value() -> String {
    "x".repeat(20_000)
}

fn incr_file(fs: &SmallFs) -> PathBuf {
    let m = std::fs::read_to_string(fs.path.join("appendonlydir/appendonly.aof.manifest")).expect("manifest");
    let name = m
        .lines()
        .filter(|l| l.ends_with("type i"))
        .filter_map(|l| l.split_whitespace().nth(1))
        .next_back()
        .expect("an incr file")
        .to_string();
    fs.path.join("appendonlydir").join(name)
}

fn file_len(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn kill9(s: &mut Server) {
    let _ = s.child.kill();
    let _ = s.child.wait();
}

#[test]
fn a_full_disk_under_everysec_gives_misconf_keeps_reads_and_recovers() {
    let Some(fs) = small_fs("everysec") else { return };
    let mut s = start(&fs, &["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    let incr = incr_file(&fs);
    let clean_len = file_len(&incr);
    assert!(clean_len > 0);
    fs.fill();

    // Accepted (the disk fails after the command ran), then refused.
    let big = big_value();
    let _: () = q(&mut c, &["SET", "big", &big]);
    let mut raw = s.raw();
    assert_eq!(raw_line(&mut raw, &["SET", "b", "2"]), AOF_MISCONF);
    assert_eq!(raw_line(&mut raw, &["PING"]), AOF_MISCONF);
    assert_eq!(raw_line(&mut raw, &["INCR", "a"]), AOF_MISCONF);
    // A transaction with a refused write is aborted.
    assert_eq!(raw_line(&mut raw, &["MULTI"]), "+OK\r\n");
    assert_eq!(raw_line(&mut raw, &["SET", "b", "2"]), AOF_MISCONF);
    assert!(raw_line(&mut raw, &["EXEC"]).starts_with("-EXECABORT"));
    // A script's write is refused inside the script.
    let script = r(&mut c, &["EVAL", "return redis.call('set', KEYS[1], '1')", "1", "b"]);
    let e = script.expect_err("script write refused");
    assert!(e.to_string().contains("Errors writing to the AOF file: No space left on device"), "{e}");

    // Reads keep working, and the data set has what was accepted.
    assert_eq!(q::<String>(&mut c, &["GET", "a"]), "1");
    assert_eq!(q::<String>(&mut c, &["GET", "big"]).len(), big.len());
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "b"]), 0);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 2);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "err");
    assert!(info_field(&mut c, "aof_buffer_length").parse::<u64>().expect("int") >= big.len() as u64);
    // The torn write was cut back: the file still ends at a command.
    assert_eq!(file_len(&incr), clean_len);
    let log = fs.log();
    assert!(
        log.contains("Short write while writing to the AOF file: (nwritten=")
            || log.contains("Error writing to the AOF file: No space left on device"),
        "{log}"
    );

    // A rewrite cannot start either (its manifest cannot be written).
    assert_eq!(
        raw_line(&mut raw, &["BGREWRITEAOF"]),
        "-ERR Can't execute an AOF background rewriting. Please check the server logs for more information.\r\n"
    );
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "err");
    assert!(fs.log().contains(
        "Error trying to write the temporary AOF manifest file temp-appendonly.aof.manifest: No space left on device"
    ));

    // Space returns: the kept buffer is written by the retries, writes work.
    fs.free();
    wait_info(&mut c, "aof_last_write_status", "ok");
    assert_eq!(info_field(&mut c, "aof_buffer_length"), "0");
    let _: () = q(&mut c, &["SET", "c", "3"]);
    assert!(fs.log().contains("AOF write error looks solved, Redis can write again."));
    assert!(file_len(&incr) > clean_len + big.len() as u64);

    // What was acknowledged is in the AOF, nothing refused is.
    drop(c);
    kill9(&mut s);
    let s = start(&fs, &["--appendonly", "yes", "--save", ""]);
    let mut c = s.conn();
    assert_eq!(q::<String>(&mut c, &["GET", "a"]), "1");
    assert_eq!(q::<String>(&mut c, &["GET", "big"]).len(), big.len());
    assert_eq!(q::<String>(&mut c, &["GET", "c"]), "3");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "b"]), 0);
}

#[test]
fn a_full_disk_under_appendfsync_always_stops_the_server() {
    let Some(fs) = small_fs("always") else { return };
    let mut s = start(&fs, &["--appendonly", "yes", "--appendfsync", "always", "--save", ""]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    fs.fill();
    // No reply: the server exits rather than acknowledge a write it could
    // not make durable.
    let mut raw = s.raw();
    let reply = raw_line(&mut raw, &["SET", "big", &big_value()]);
    assert_eq!(reply, "", "no reply expected, got {reply:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(st)) = s.child.try_wait() {
            break st;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    assert!(fs.log().contains("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."));

    fs.free();
    let s = start(&fs, &["--appendonly", "yes", "--save", ""]);
    let mut c = s.conn();
    assert_eq!(q::<String>(&mut c, &["GET", "a"]), "1");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "big"]), 0);
}

#[test]
fn turning_the_aof_off_lifts_its_misconf_and_on_again_forgets_the_error() {
    let Some(fs) = small_fs("toggle") else { return };
    let s = start(&fs, &["--appendonly", "yes", "--save", ""]);
    let mut c = s.conn();
    fs.fill();
    let _: () = q(&mut c, &["SET", "big", &big_value()]);
    let mut raw = s.raw();
    assert_eq!(raw_line(&mut raw, &["SET", "b", "1"]), AOF_MISCONF);
    // As in Redis: writes are allowed with the AOF off, INFO still tells
    // the last write failed.
    let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    let _: () = q(&mut c, &["SET", "b", "2"]);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "err");
    fs.free();
    let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "ok");
    assert!(fs.log().contains("AOF reopen, just ignore the last error."));
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    let _: () = q(&mut c, &["SET", "c", "3"]);
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
}

#[test]
fn a_failed_bgsave_on_a_full_disk_blocks_writes_until_a_save_works() {
    let Some(fs) = small_fs("rdb") else { return };
    let s = start(&fs, &["--appendonly", "no", "--save", "3600 1"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "x", &big_value()]);
    fs.fill();
    assert_eq!(q::<String>(&mut c, &["BGSAVE"]), "Background saving started");
    wait_info(&mut c, "rdb_bgsave_in_progress", "0");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");

    let mut raw = s.raw();
    assert_eq!(raw_line(&mut raw, &["SET", "x", "y"]), RDB_MISCONF);
    assert_eq!(raw_line(&mut raw, &["PING"]), RDB_MISCONF);
    let e = r(&mut c, &["EVAL", "return redis.call('set', KEYS[1], '1')", "1", "x"]).expect_err("refused");
    assert!(e.to_string().contains("Redis is configured to save RDB snapshots"), "{e}");
    let e = r(&mut c, &["EVAL", "#!lua\nreturn redis.call('set', KEYS[1], '1')", "1", "x"]).expect_err("refused");
    assert!(e.to_string().contains("Redis is configured to save RDB snapshots"), "{e}");
    assert_eq!(q::<String>(&mut c, &["GET", "x"]).len(), 20_000);
    let v: String = q(&mut c, &["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", "1", "x"]);
    assert_eq!(v.len(), 20_000);
    // SAVE fails as plainly as in Redis; no temp file is left behind.
    assert_eq!(raw_line(&mut raw, &["SAVE"]), "-ERR\r\n");
    let leftovers: Vec<String> = std::fs::read_dir(&fs.path)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("temp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let log = fs.log();
    assert!(log.contains("Write error saving DB on disk(") && log.contains("No space left on device"), "{log}");
    assert!(log.contains("Background saving error"), "{log}");

    fs.free();
    assert_eq!(q::<String>(&mut c, &["BGSAVE"]), "Background saving started");
    wait_info(&mut c, "rdb_bgsave_in_progress", "0");
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let _: () = q(&mut c, &["SET", "x", "y"]);
    assert!(fs.path.join("dump.rdb").exists());
}

#[test]
fn shutdown_on_a_full_disk_keeps_the_server_up_until_its_final_save_works() {
    let Some(fs) = small_fs("shutdown") else { return };
    let mut s = start(&fs, &["--appendonly", "no", "--save", "3600 1"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "x", &big_value()]);
    fs.fill();
    let mut raw = s.raw();
    assert_eq!(raw_line(&mut raw, &["SHUTDOWN"]), "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
    // SIGTERM too: the data would be lost, so the server stays.
    // SAFETY: signalling the server this test started.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !fs.log().contains("Errors trying to shut down the server") {
        assert!(Instant::now() < deadline, "no shutdown error logged: {}", fs.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(s.alive());
    assert_eq!(q::<String>(&mut c, &["GET", "x"]).len(), 20_000);

    fs.free();
    // SAFETY: as above.
    unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(st)) = s.child.try_wait() {
            break st;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    assert!(fs.path.join("dump.rdb").exists());
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server whose AOF incr file is a link to `/dev/full`; the server is
/// dropped (killed) before its directory.
struct OnDevFull {
    server: Server,
    dir: TempDir,
}

impl OnDevFull {
    fn d(&self) -> &str {
        self.dir.0.to_str().expect("utf-8 path")
    }
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("server.log")).unwrap_or_default()
    }
}

/// Where mounting is not allowed, the same failure is injected through the
/// file system: the incr file becomes a link to `/dev/full`, on which every
/// write fails with ENOSPC.
fn server_on_dev_full(tag: &str, fsync: &str) -> Option<OnDevFull> {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return None;
    }
    let dir =
        TempDir(std::env::temp_dir().join(format!("oxidis-devfull-{}-{}-{}", tag, std::process::id(), free_port())));
    std::fs::create_dir_all(&dir.0).expect("dir");
    let d = dir.0.to_str().expect("utf-8 path").to_string();
    let log = dir.0.join("server.log").to_str().expect("path").to_string();
    let args = ["--dir", &d, "--logfile", &log, "--save", "", "--appendfsync", fsync, "--appendonly", "yes"];
    // A first run creates the AOF (an empty base and incr file).
    let mut s = Server::start_with(&args);
    kill9(&mut s);
    let incr = dir.0.join("appendonlydir/appendonly.aof.1.incr.aof");
    assert_eq!(file_len(&incr), 0);
    std::fs::remove_file(&incr).expect("remove incr");
    std::os::unix::fs::symlink("/dev/full", &incr).expect("symlink");
    let server = Server::start_with(&args);
    Some(OnDevFull { server, dir })
}

#[test]
fn an_injected_write_error_gives_misconf_until_a_rewrite_moves_the_aof_to_a_new_file() {
    let Some(mut t) = server_on_dev_full("everysec", "everysec") else { return };
    let mut c = t.server.conn();
    let _: () = q(&mut c, &["SELECT", "3"]);
    let _: () = q(&mut c, &["SET", "k", "v"]);
    let mut raw = t.server.raw();
    assert_eq!(raw_line(&mut raw, &["SELECT", "3"]), "+OK\r\n");
    assert_eq!(raw_line(&mut raw, &["SET", "k2", "v2"]), AOF_MISCONF);
    assert_eq!(raw_line(&mut raw, &["GET", "k"]), "$1\r\n");
    assert_eq!(info_field(&mut c, "aof_last_write_status"), "err");
    let log = t.log();
    assert!(log.contains("Error writing to the AOF file: No space left on device"), "{log}");

    // A rewrite starts a new incr file: the kept buffer is written there
    // and the server can write again.
    assert_eq!(q::<String>(&mut c, &["BGREWRITEAOF"]), "Background append only file rewriting started");
    wait_info(&mut c, "aof_last_write_status", "ok");
    wait_info(&mut c, "aof_rewrite_in_progress", "0");
    let _: () = q(&mut c, &["SET", "k2", "v2"]);
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");

    drop(c);
    kill9(&mut t.server);
    let s = Server::start_with(&["--dir", t.d(), "--appendonly", "yes", "--save", ""]);
    let mut c = s.conn();
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    let _: () = q(&mut c, &["SELECT", "3"]);
    assert_eq!(q::<String>(&mut c, &["GET", "k"]), "v");
    assert_eq!(q::<String>(&mut c, &["GET", "k2"]), "v2");
}

#[test]
fn an_injected_write_error_under_appendfsync_always_stops_the_server() {
    let Some(mut t) = server_on_dev_full("always", "always") else { return };
    let mut raw = t.server.raw();
    assert_eq!(raw_line(&mut raw, &["SET", "k", "v"]), "");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Ok(Some(st)) = t.server.child.try_wait() {
            break st;
        }
        assert!(Instant::now() < deadline, "the server did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    assert!(t.log().contains("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting..."));
}
