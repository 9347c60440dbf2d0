//! The allocator: jemalloc's counters and controls, behind INFO memory, MEMORY
//! and the maxmemory check.
//!
//! `used_memory` must be exact and cheap, because the maxmemory check reads it
//! before every command. Redis keeps its own atomic counter in `zmalloc`; we
//! read jemalloc's instead. jemalloc keeps, per thread, the bytes that thread
//! allocated and freed (`thread.allocatedp` / `thread.deallocatedp`, usable
//! sizes, updated on every malloc/free without locks), and exposes them as
//! pointers we read directly: no `epoch` refresh, no syscall. The server
//! thread reads its own pair; the other threads that free our data (the
//! lazyfree thread) publish their net count into [`OTHER_THREADS_NET`] after
//! each job. The sum is the live heap of the process, like Redis's figure.
//!
//! The arena-wide figures (`stats.allocated`, `stats.active`,
//! `stats.resident`, ...) need an `epoch` advance to be current, which merges
//! every arena's counters: that is done at most once per cron tick and once
//! per INFO / MEMORY STATS, in [`AllocStats::refresh`].
//!
//! When jemalloc is not the global allocator (the library's unit tests), every
//! figure reads as 0.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::atomic::{AtomicI64, Ordering};

use tikv_jemalloc_ctl::thread::ThreadLocal;
use tikv_jemalloc_sys as je;

/// The global allocator: jemalloc, built as Redis builds it.
///
/// Redis configures its jemalloc with `--with-lg-quantum=3`: size classes
/// 8 bytes apart up to 64 (8, 16, 24, 32, 40, 48, 56, 64, then 80, 96, ...)
/// instead of 16, so a 24-byte dict entry (a set member, an expires entry)
/// or a 40-byte one (a hash-table field) is not rounded up to 32 or 48.
/// `.cargo/config.toml` passes the same option to tikv-jemalloc-sys's build
/// (`JEMALLOC_SYS_WITH_LG_QUANTUM`).
///
/// `tikv_jemallocator::Jemalloc` assumes jemalloc's default 16-byte quantum:
/// it asks for no explicit alignment up to 16 bytes, and with 8-byte classes
/// a 24-byte block is only 8-aligned. This wrapper asks jemalloc for the
/// alignment explicitly whenever a layout needs more than 8 bytes (`u128`,
/// SIMD group tables of `std::collections::HashMap`), so every block is
/// aligned as its layout says whatever the build's quantum.
pub struct Jemalloc;

/// The alignment every jemalloc block has without asking (the 8-byte quantum).
const PLAIN_ALIGN: usize = 8;

#[inline]
fn align_flags(layout_align: usize, size: usize) -> std::ffi::c_int {
    if layout_align <= PLAIN_ALIGN && layout_align <= size {
        0
    } else {
        je::MALLOCX_ALIGN(layout_align)
    }
}

// SAFETY: every call forwards to jemalloc's documented API with the layout's
// size and an explicit alignment flag whenever plain malloc would not
// guarantee the layout's alignment; sizes are never 0 (GlobalAlloc contract).
unsafe impl GlobalAlloc for Jemalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let flags = align_flags(layout.align(), layout.size());
        if flags == 0 {
            je::malloc(layout.size()) as *mut u8
        } else {
            je::mallocx(layout.size(), flags) as *mut u8
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let flags = align_flags(layout.align(), layout.size());
        if flags == 0 {
            je::calloc(1, layout.size()) as *mut u8
        } else {
            je::mallocx(layout.size(), flags | je::MALLOCX_ZERO) as *mut u8
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        je::sdallocx(ptr as *mut c_void, layout.size(), align_flags(layout.align(), layout.size()))
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let flags = align_flags(layout.align(), new_size);
        if flags == 0 {
            je::realloc(ptr as *mut c_void, new_size) as *mut u8
        } else {
            je::rallocx(ptr as *mut c_void, new_size, flags) as *mut u8
        }
    }
}

/// Net bytes (allocated minus freed) of threads other than the server thread.
static OTHER_THREADS_NET: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// This thread's jemalloc counters (allocated, deallocated), looked up once.
    static COUNTERS: Option<(ThreadLocal<u64>, ThreadLocal<u64>)> = {
        let a = tikv_jemalloc_ctl::thread::allocatedp::read().ok();
        let d = tikv_jemalloc_ctl::thread::deallocatedp::read().ok();
        a.zip(d)
    };
    /// What this thread last added to `OTHER_THREADS_NET`.
    static REPORTED: Cell<i64> = const { Cell::new(0) };
}

/// Net bytes this thread has allocated and not freed (negative for a thread
/// that mostly frees what others allocated).
#[inline]
pub fn thread_net() -> i64 {
    COUNTERS.with(|c| match c {
        Some((a, d)) => a.get().wrapping_sub(d.get()) as i64,
        None => 0,
    })
}

/// Turns jemalloc's background threads on or off (`jemalloc-bg-thread`,
/// default yes, as in Redis). With them, returning freed pages to the kernel
/// (purging, one `madvise` per run of dirty pages) happens on jemalloc's own
/// thread: without them it happens inside whatever malloc or free call
/// crosses a decay tick, on the server thread. Freeing the old bucket array
/// after a big table doubles (64 MB at 8M keys) cost a 3 to 5 ms stall there.
pub fn set_background_thread(on: bool) {
    if tikv_jemalloc_ctl::background_thread::read().ok() != Some(on) {
        let _ = tikv_jemalloc_ctl::background_thread::write(on);
    }
}

/// Publishes the calling (helper) thread's net count, so [`used_memory`] sees
/// what it freed. Call after each unit of work.
pub fn report_helper_thread() {
    let now = thread_net();
    REPORTED.with(|r| {
        let delta = now - r.get();
        r.set(now);
        OTHER_THREADS_NET.fetch_add(delta, Ordering::Relaxed);
    });
}

/// Live heap bytes of the process (Redis's `used_memory`). Must be called on
/// the server thread.
#[inline]
pub fn used_memory() -> u64 {
    (thread_net() + OTHER_THREADS_NET.load(Ordering::Relaxed)).max(0) as u64
}

/// jemalloc's arena-wide statistics, as of the last refresh.
#[derive(Debug, Default, Clone, Copy)]
pub struct AllocStats {
    /// Bytes handed to the application (`stats.allocated`).
    pub allocated: u64,
    /// Bytes in active pages (`stats.active`): allocated plus fragmentation.
    pub active: u64,
    /// Bytes in physically resident pages the allocator maps (`stats.resident`).
    pub resident: u64,
    pub metadata: u64,
    pub mapped: u64,
    pub retained: u64,
}

impl AllocStats {
    /// Advances jemalloc's epoch (merging every arena's counters) and reads them.
    pub fn refresh() -> AllocStats {
        use tikv_jemalloc_ctl::{epoch, stats};
        if epoch::advance().is_err() {
            return AllocStats::default();
        }
        let r = |v: tikv_jemalloc_ctl::Result<usize>| v.unwrap_or(0) as u64;
        AllocStats {
            allocated: r(stats::allocated::read()),
            active: r(stats::active::read()),
            resident: r(stats::resident::read()),
            metadata: r(stats::metadata::read()),
            mapped: r(stats::mapped::read()),
            retained: r(stats::retained::read()),
        }
    }
}

/// `mem_allocator` of INFO: `jemalloc-5.3.0`.
pub fn allocator_name() -> String {
    match tikv_jemalloc_ctl::version::read() {
        Ok(v) => format!("jemalloc-{}", v.split('-').next().unwrap_or(v)),
        Err(_) => "libc".into(),
    }
}

/// Resident set size of the process, from `/proc/self/statm`.
pub fn rss_bytes() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        .map(|pages| pages * page)
        .unwrap_or(0)
}

/// Returns dirty pages of every arena to the system (MEMORY PURGE).
pub fn purge() -> bool {
    // `arena.<MALLCTL_ARENAS_ALL>.purge` takes neither input nor output.
    mallctl_void("arena.4096.purge")
}

/// Runs a mallctl that takes neither input nor output.
pub fn mallctl_void(name: &str) -> bool {
    let Ok(c) = std::ffi::CString::new(name) else { return false };
    // SAFETY: a void mallctl: no buffers are passed.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(c.as_ptr(), std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut(), 0)
    };
    rc == 0
}

/// jemalloc's own statistics report (MEMORY MALLOC-STATS).
pub fn malloc_stats() -> String {
    unsafe extern "C" fn write_cb(opaque: *mut c_void, text: *const c_char) {
        // SAFETY: `opaque` is the `String` passed below and outlives the call;
        // jemalloc hands us a NUL-terminated string.
        let out = unsafe { &mut *(opaque as *mut String) };
        out.push_str(&unsafe { CStr::from_ptr(text) }.to_string_lossy());
    }
    let mut out = String::new();
    // SAFETY: the callback only appends to `out`, which lives across the call.
    unsafe {
        tikv_jemalloc_sys::malloc_stats_print(Some(write_cb), &mut out as *mut String as *mut c_void, std::ptr::null());
    }
    if out.is_empty() {
        out.push_str("Stats not supported for the current allocator");
    }
    out
}

/// Reads a numeric mallctl (DEBUG MALLCTL): tries the widths jemalloc uses.
pub fn mallctl_read(name: &str) -> Option<u64> {
    let c = std::ffi::CString::new(name).ok()?;
    let bytes = c.as_bytes_with_nul();
    // SAFETY: raw::read checks the size jemalloc reports against T's size.
    unsafe {
        if let Ok(v) = tikv_jemalloc_ctl::raw::read::<u64>(bytes) {
            return Some(v);
        }
        if let Ok(v) = tikv_jemalloc_ctl::raw::read::<u32>(bytes) {
            return Some(v as u64);
        }
        if let Ok(v) = tikv_jemalloc_ctl::raw::read::<bool>(bytes) {
            return Some(v as u64);
        }
    }
    None
}

/// Reads a string mallctl (DEBUG MALLCTL-STR).
pub fn mallctl_read_str(name: &str) -> Option<String> {
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: raw::read_str reads a `const char *` mallctl.
    unsafe { tikv_jemalloc_ctl::raw::read_str(c.as_bytes_with_nul()) }
        .ok()
        .map(|b| String::from_utf8_lossy(b.strip_suffix(b"\0").unwrap_or(b)).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every block is aligned as its layout asks, through alloc, alloc_zeroed
    /// and realloc, for the sizes where 8-byte classes (24, 40, 56, ...) would
    /// otherwise hand out 8-aligned blocks. Several blocks are live at once so
    /// they come from different slots of a slab.
    #[test]
    fn blocks_honour_the_layout_alignment() {
        let a = Jemalloc;
        for align in [1usize, 2, 8, 16, 32, 64] {
            for size in 1..300usize {
                let layout = Layout::from_size_align(size, align).unwrap();
                let grown = Layout::from_size_align(size + 24, align).unwrap();
                let mut live = Vec::new();
                // SAFETY: non-zero sizes; each block is freed once, with its layout.
                unsafe {
                    for _ in 0..8 {
                        let p = a.alloc(layout);
                        assert!(!p.is_null() && (p as usize).is_multiple_of(align), "alloc {size}/{align}");
                        p.write_bytes(0xab, size);
                        let z = a.alloc_zeroed(layout);
                        assert!(!z.is_null() && (z as usize).is_multiple_of(align), "zeroed {size}/{align}");
                        assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                        live.push((z, layout));
                        let q = a.realloc(p, layout, grown.size());
                        assert!(!q.is_null() && (q as usize).is_multiple_of(align), "realloc {size}/{align}");
                        assert_eq!(*q.add(size - 1), 0xab);
                        live.push((q, grown));
                    }
                    for (p, l) in live {
                        a.dealloc(p, l);
                    }
                }
            }
        }
    }
}
