//! What a fork child tells its parent while it works: keys written so far
//! and its copy-on-write size (INFO's `current_cow_size`,
//! `current_save_keys_processed`, `current_fork_perc`, and
//! `rdb_last_cow_size`/`aof_last_cow_size` when it exits).
//!
//! A pipe created before the fork carries fixed-size messages; the child
//! sends one at most once a second while it writes, and a last one before it
//! exits. The parent reads them without blocking from the cron.

use std::sync::atomic::{AtomicI32, AtomicI64, AtomicU64, Ordering};

/// The child's write end (-1 in the parent, and in a child with no pipe).
static CHILD_FD: AtomicI32 = AtomicI32::new(-1);
/// Unix ms of the child's last progress message.
static LAST_SENT_MS: AtomicI64 = AtomicI64::new(0);
/// Keys the child wrote so far.
static KEYS: AtomicU64 = AtomicU64::new(0);

const KIND_PROGRESS: u64 = 0;
const KIND_EXIT: u64 = 1;
const MSG_LEN: usize = 24;

/// The parent's view of the running child's reports.
#[derive(Debug, Default, Clone)]
pub struct Progress {
    /// Read end of the pipe (-1: none).
    pub fd: i32,
    pub keys_total: u64,
    pub keys_processed: u64,
    pub cow_size: u64,
    pub cow_peak: u64,
    /// Unix ms when `cow_size` was last reported.
    pub cow_updated_ms: i64,
    /// The copy-on-write size the child reported as it exited.
    pub exit_cow: Option<u64>,
}

/// A pipe for a child about to be forked: (read end, write end).
pub fn open_pipe() -> Option<(i32, i32)> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 fills the two descriptors we own.
    let r = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    if r != 0 {
        return None;
    }
    // SAFETY: making our own read end non-blocking.
    unsafe {
        let flags = libc::fcntl(fds[0], libc::F_GETFL);
        libc::fcntl(fds[0], libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    Some((fds[0], fds[1]))
}

/// In the child: remember the write end for [`report`].
pub fn set_child_fd(fd: i32) {
    CHILD_FD.store(fd, Ordering::Relaxed);
}

/// Bytes of memory this process has written to since the fork (its private
/// dirty pages): what copy-on-write cost so far.
fn private_dirty() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/smaps_rollup") else { return 0 };
    text.lines()
        .filter(|l| l.starts_with("Private_Dirty:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

fn send(kind: u64, keys: u64) {
    let fd = CHILD_FD.load(Ordering::Relaxed);
    if fd < 0 {
        return;
    }
    let mut msg = [0u8; MSG_LEN];
    msg[0..8].copy_from_slice(&kind.to_le_bytes());
    msg[8..16].copy_from_slice(&keys.to_le_bytes());
    msg[16..24].copy_from_slice(&private_dirty().to_le_bytes());
    // SAFETY: writing our buffer to our pipe; a short or failed write only
    // loses a report.
    unsafe { libc::write(fd, msg.as_ptr() as *const libc::c_void, MSG_LEN) };
}

/// In the child, after each key written: reports progress at most once a second.
pub fn report() {
    if CHILD_FD.load(Ordering::Relaxed) < 0 {
        return;
    }
    let keys = KEYS.fetch_add(1, Ordering::Relaxed) + 1;
    let now = crate::util::unix_ms();
    if now - LAST_SENT_MS.load(Ordering::Relaxed) < 1000 {
        return;
    }
    LAST_SENT_MS.store(now, Ordering::Relaxed);
    send(KIND_PROGRESS, keys);
}

/// In the child, before exiting: the final copy-on-write size.
pub fn report_exit() {
    send(KIND_EXIT, KEYS.load(Ordering::Relaxed));
}

impl Progress {
    /// In the parent: reads every report waiting in the pipe.
    pub fn poll(&mut self) {
        if self.fd < 0 {
            return;
        }
        let mut msg = [0u8; MSG_LEN];
        loop {
            // SAFETY: reading into our buffer from our non-blocking pipe.
            let n = unsafe { libc::read(self.fd, msg.as_mut_ptr() as *mut libc::c_void, MSG_LEN) };
            if n != MSG_LEN as isize {
                return;
            }
            let word = |i: usize| u64::from_le_bytes(msg[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8]));
            let (kind, keys, cow) = (word(0), word(1), word(2));
            self.keys_processed = keys;
            if kind == KIND_EXIT {
                self.exit_cow = Some(cow);
            } else {
                self.cow_size = cow;
                self.cow_peak = self.cow_peak.max(cow);
                self.cow_updated_ms = crate::util::unix_ms();
            }
        }
    }

    /// In the parent, when the child is gone: last reports, then the pipe closes.
    pub fn close(&mut self) {
        self.poll();
        if self.fd >= 0 {
            // SAFETY: closing our own read end once.
            unsafe { libc::close(self.fd) };
            self.fd = -1;
        }
    }
}
