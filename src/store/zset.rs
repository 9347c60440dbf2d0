//! The sorted set value type and its two encodings.
//!
//! A sorted set orders its members by (score, member bytes). Small sets are
//! kept *packed* (OBJECT ENCODING `listpack`): one exact-size block holding
//! `varint(len, int flag) member score` entries in order, searched linearly,
//! which costs `len + 2` to `len + 9` bytes per member (see [`Packed`]). Once a set grows past
//! `zset-max-listpack-entries` members or receives a member longer than
//! `zset-max-listpack-value` bytes it is converted to the *skiplist* encoding:
//! a [`Dict`] from member to score (O(1) ZSCORE, SCAN cursors, random
//! sampling) plus a skiplist whose links carry spans, so rank lookups and
//! range starts are O(log N). Sets never convert back on their own; commands
//! that build a fresh set (ZUNIONSTORE, ZRANGESTORE, ...) call [`ZSet::fit`].
//!
//! Every range operation is expressed through ranks: a range by score or by
//! lex is turned into `[lo, hi)` with [`ZSet::count_before`] (the number of
//! leading elements that satisfy a monotone predicate), then visited or
//! removed by rank. The commands never need to know the encoding.

use super::dict::Dict;
use super::thin::{self, Block, Thin, View, ViewMut, HEADER};
use super::varint;
use crate::util::Rng;

/// The thresholds that decide the encoding (`zset-max-listpack-*`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

/// A sorted set value.
/// One pointer (so it sits inside [`super::Value`] with no box of its own),
/// to the packed block or to the skiplist (see [`Thin`]).
pub struct ZSet {
    thin: Thin<Packed, SkipSet>,
}

const _: () = assert!(std::mem::size_of::<ZSet>() == 8);

type Repr<'a> = View<'a, Packed, SkipSet>;
type ReprMut<'a> = ViewMut<'a, Packed, SkipSet>;

/// True if (s1, m1) sorts strictly before (s2, m2).
#[inline]
fn before(s1: f64, m1: &[u8], s2: f64, m2: &[u8]) -> bool {
    s1 < s2 || (s1 == s2 && m1 < m2)
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new()
    }
}

impl ZSet {
    /// An empty set in the packed encoding.
    pub fn new() -> ZSet {
        ZSet { thin: Thin::packed(Packed::default()) }
    }

    /// An empty set in the encoding a set of `len` members, the longest
    /// `max_member` bytes, would need.
    pub fn for_size(len: usize, max_member: usize, lim: Limits) -> ZSet {
        if len > lim.max_entries || max_member > lim.max_value {
            ZSet { thin: Thin::big(SkipSet::default()) }
        } else {
            ZSet::new()
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match self.thin.view() {
            Repr::Packed(p) => p.len(),
            Repr::Big(s) => s.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self.thin.view() {
            Repr::Packed(_) => "listpack",
            Repr::Big(_) => "skiplist",
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self.thin.view() {
            Repr::Packed(p) => p.find(member).map(|(_, s, _)| s),
            Repr::Big(s) => s.dict.get(member).copied(),
        }
    }

    /// Adds a member that is not in the set yet, converting to the skiplist
    /// encoding first if the packed form would exceed `lim`.
    pub fn insert(&mut self, member: &[u8], score: f64, lim: Limits) {
        if let Repr::Packed(p) = self.thin.view() {
            if p.len() + 1 > lim.max_entries || member.len() > lim.max_value {
                self.convert_to_skiplist();
            }
        }
        match self.thin.view_mut() {
            ReprMut::Packed(p) => p.insert(member, score),
            ReprMut::Big(s) => s.insert(member, score),
        }
    }

    /// Changes the score of a member known to be in the set with score `old`.
    pub fn update(&mut self, member: &[u8], old: f64, new: f64) {
        match self.thin.view_mut() {
            ReprMut::Packed(p) => {
                if let Some((off, _, end)) = p.find(member) {
                    p.remove_range(off, end, 1);
                    p.insert(member, new);
                }
            }
            ReprMut::Big(s) => {
                if s.update_score(member, old, new) {
                    if let Some(v) = s.dict.get_mut(member) {
                        *v = new;
                    }
                }
            }
        }
    }

    /// Removes `member`; returns its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match self.thin.view_mut() {
            ReprMut::Packed(p) => {
                let (off, score, end) = p.find(member)?;
                p.remove_range(off, end, 1);
                Some(score)
            }
            ReprMut::Big(s) => {
                let (_, score) = s.dict.remove(member)?;
                s.list_delete(score, member);
                Some(score)
            }
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match self.thin.view() {
            Repr::Packed(p) => p.iter().position(|(m, _)| m == member),
            Repr::Big(s) => {
                let score = *s.dict.get(member)?;
                Some(s.rank(score, member))
            }
        }
    }

    /// How many leading elements (in ascending order) satisfy `pred`, which
    /// must be true for a prefix of the order and false afterwards.
    pub fn count_before(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self.thin.view() {
            Repr::Packed(p) => p.iter().take_while(|(m, s)| pred(*s, m)).count(),
            Repr::Big(s) => s.count_before(pred),
        }
    }

    /// Where a range that starts at rank `start` ends (exclusive): for a
    /// monotone `pred` (true up to some rank) this is `count_before(pred)`.
    /// When `pred` is not monotone (a lex range over members with different
    /// scores, which Redis leaves unspecified) it follows Redis: a packed set
    /// counts the elements from `start` while `pred` holds, a skiplist uses
    /// the descent.
    pub fn range_end(&self, start: usize, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match self.thin.view() {
            Repr::Packed(p) => start + p.iter().skip(start).take_while(|(m, s)| pred(*s, m)).count(),
            Repr::Big(s) => s.count_before(pred).max(start),
        }
    }

    /// Calls `f` for up to `n` elements starting at ascending rank `start`,
    /// going up (or down towards rank 0 when `rev`).
    pub fn visit(&self, start: usize, n: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        if start >= self.len() || n == 0 {
            return;
        }
        match self.thin.view() {
            Repr::Packed(p) => {
                if rev {
                    let lo = (start + 1).saturating_sub(n);
                    let items: Vec<(&[u8], f64)> = p.iter().skip(lo).take(start + 1 - lo).collect();
                    for (m, s) in items.into_iter().rev() {
                        f(m, s);
                    }
                } else {
                    for (m, s) in p.iter().skip(start).take(n) {
                        f(m, s);
                    }
                }
            }
            Repr::Big(s) => {
                let mut x = s.node_at(start);
                let mut left = n;
                while x != NIL && left > 0 {
                    let node = s.node(x);
                    f(s.member(x), node.score);
                    left -= 1;
                    x = if rev { node.back } else { node.inline[0].next };
                }
            }
        }
    }

    /// Calls `f` for every element in ascending order.
    pub fn for_each(&self, f: impl FnMut(&[u8], f64)) {
        self.visit(0, self.len(), false, f);
    }

    /// The element at ascending rank `rank`.
    pub fn at(&self, rank: usize) -> Option<(&[u8], f64)> {
        match self.thin.view() {
            Repr::Packed(p) => p.iter().nth(rank),
            Repr::Big(s) => {
                if rank >= s.len {
                    return None;
                }
                let x = s.node_at(rank);
                if x == NIL {
                    return None;
                }
                Some((s.member(x), s.node(x).score))
            }
        }
    }

    /// Removes the elements with ascending ranks in `start..end`; returns how
    /// many were removed.
    pub fn remove_ranks(&mut self, start: usize, end: usize) -> usize {
        let end = end.min(self.len());
        if start >= end {
            return 0;
        }
        match self.thin.view_mut() {
            ReprMut::Packed(p) => {
                let mut from = p.end();
                let mut to = p.end();
                let mut off = HEADER;
                let mut i = 0;
                while off < p.end() && i <= end {
                    if i == start {
                        from = off;
                    }
                    if i == end {
                        to = off;
                        break;
                    }
                    off = p.entry(off).2;
                    i += 1;
                }
                p.remove_range(from, to, end - start);
            }
            ReprMut::Big(s) => s.remove_ranks(start, end),
        }
        end - start
    }

    /// One ZSCAN step. A packed set is returned whole (cursor 0 after it).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match self.thin.view() {
            Repr::Packed(p) => {
                for (m, s) in p.iter() {
                    f(m, s);
                }
                0
            }
            Repr::Big(s) => s.dict.scan(cursor, |e| f(&e.key, e.value)),
        }
    }

    /// Uniformly random ascending rank (the set must not be empty).
    pub fn random_rank(&self, rng: &mut Rng) -> usize {
        rng.below(self.len().max(1))
    }

    /// Converts a skiplist set back to the packed form if it fits `lim` (for
    /// results built by the STORE commands, as Redis does).
    pub fn fit(&mut self, lim: Limits) {
        if let Repr::Big(s) = self.thin.view() {
            if s.len > lim.max_entries {
                return;
            }
            let mut p = Packed::default();
            let mut fits = true;
            self.for_each(|m, sc| {
                if m.len() > lim.max_value {
                    fits = false;
                }
                if fits {
                    p.push_back(m, sc);
                }
            });
            if fits {
                self.thin = Thin::packed(p);
            }
        }
    }

    /// Converts a packed set to the skiplist encoding (SORT does, as Redis).
    pub fn convert_to_skiplist(&mut self) {
        if let Repr::Packed(p) = self.thin.view() {
            let mut s = SkipSet::default();
            for (m, score) in p.iter() {
                s.insert(m, score);
            }
            self.thin = Thin::big(s);
        }
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        match self.thin.view() {
            Repr::Packed(p) => ZSet { thin: Thin::packed(p.clone()) },
            Repr::Big(_) => {
                let mut s = SkipSet::default();
                self.for_each(|m, score| s.insert(m, score));
                ZSet { thin: Thin::big(s) }
            }
        }
    }
}

impl PartialEq for ZSet {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut a = Vec::with_capacity(self.len());
        self.for_each(|m, s| a.push((m.to_vec(), s)));
        let mut same = true;
        let mut i = 0;
        other.for_each(|m, s| {
            if same {
                same = a.get(i).is_some_and(|(am, as_)| am == m && *as_ == s);
            }
            i += 1;
        });
        same
    }
}

impl std::fmt::Debug for ZSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ZSet({}, {} elements)", self.encoding(), self.len())
    }
}

// ---------------------------------------------------------------------------
// Packed encoding.

/// Ordered entries in one buffer: `varint(member len << 1 | int) member
/// score`, where the score is a zigzag varint when `int` is set (an integral
/// score within +-2^53, 1 to 8 bytes: ranks, counters, timestamps), and
/// otherwise its 8 bytes of IEEE 754, little-endian. Redis's listpack stores
/// integral scores as integers the same way.
///
/// The entries live in a [`Block`] (header: length and element count), so a
/// small sorted set is one exact-size allocation.
#[derive(Clone)]
struct Packed {
    block: Block,
}

impl Default for Packed {
    fn default() -> Self {
        Packed { block: Block::empty() }
    }
}

impl thin::Packed for Packed {
    fn block(&self) -> &Block {
        &self.block
    }
    fn from_block(block: Block) -> Self {
        Packed { block }
    }
}

/// Largest magnitude stored as an integer: every integer up to 2^53 is an
/// exact `f64`, so the round trip is lossless.
const INT_SCORE_MAX: f64 = (1u64 << 53) as f64;

impl Packed {
    /// The entry at byte offset `off`: (member, score, offset of the next entry).
    #[inline]
    fn entry(&self, off: usize) -> (&[u8], f64, usize) {
        let buf = self.block.buf();
        let (head, p) = varint::read(buf, off);
        let len = (head >> 1) as usize;
        let member = &buf[p..p + len];
        let p = p + len;
        if head & 1 == 1 {
            let (z, next) = varint::read(buf, p);
            let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
            (member, n as f64, next)
        } else {
            let mut sb = [0u8; 8];
            sb.copy_from_slice(&buf[p..p + 8]);
            (member, f64::from_le_bytes(sb), p + 8)
        }
    }

    /// Number of elements.
    fn len(&self) -> usize {
        self.block.count().unwrap_or_else(|| self.iter().count())
    }

    /// Offset one past the last entry.
    #[inline]
    fn end(&self) -> usize {
        self.block.buf().len()
    }

    /// Removes the entries in `from..to` (byte offsets), `n` of them.
    fn remove_range(&mut self, from: usize, to: usize, n: usize) {
        let count = self.len() - n;
        self.block.edit(count, |v| {
            v.drain(from..to);
        });
    }

    fn iter(&self) -> PackedIter<'_> {
        PackedIter { p: self, off: HEADER }
    }

    /// (offset, score, end offset) of `member`.
    fn find(&self, member: &[u8]) -> Option<(usize, f64, usize)> {
        let mut off = HEADER;
        while off < self.end() {
            let (m, s, next) = self.entry(off);
            if m == member {
                return Some((off, s, next));
            }
            off = next;
        }
        None
    }

    fn encode(member: &[u8], score: f64) -> Vec<u8> {
        let mut e = Vec::with_capacity(member.len() + 13);
        // -0 is integral and is stored as 0, so it reads back as 0 (as from
        // Redis's listpack).
        let int = score.fract() == 0.0 && score.abs() <= INT_SCORE_MAX;
        varint::write(&mut e, (member.len() as u64) << 1 | int as u64);
        e.extend_from_slice(member);
        if int {
            let n = score as i64;
            varint::write(&mut e, ((n << 1) ^ (n >> 63)) as u64);
        } else {
            e.extend_from_slice(&score.to_le_bytes());
        }
        e
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        let mut off = HEADER;
        while off < self.end() {
            let (m, s, next) = self.entry(off);
            if before(score, member, s, m) {
                break;
            }
            off = next;
        }
        let e = Packed::encode(member, score);
        let count = self.len() + 1;
        self.block.edit(count, |v| {
            v.reserve_exact(e.len());
            v.splice(off..off, e);
        });
    }

    /// Appends an element known to sort after every present one.
    fn push_back(&mut self, member: &[u8], score: f64) {
        let e = Packed::encode(member, score);
        let count = self.len() + 1;
        self.block.edit(count, |v| {
            v.reserve_exact(e.len());
            v.extend_from_slice(&e);
        });
    }
}

struct PackedIter<'a> {
    p: &'a Packed,
    off: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.off >= self.p.end() {
            return None;
        }
        let (m, s, next) = self.p.entry(self.off);
        self.off = next;
        Some((m, s))
    }
}

// ---------------------------------------------------------------------------
// Skiplist encoding.
//
// Each forward link stores its *span*: how many level-0 steps it jumps.
// Summing spans along a search path gives an element's rank, and descending
// by spans finds the element at a rank, both in O(log N) expected time.
// Levels are drawn with p = 1/4, up to 32, as in Redis.
//
// Layout. Nodes live in an arena and link by `u32` index (index 0 is the
// header). A node is 48 bytes: its score, its level-0 link, its member when
// it has at most 23 bytes (longer members sit in a side table), back link
// and tower index. The links above level 0 of the nodes that have them (one
// in four; its *tower*) live in a second arena of 8-byte words, one block
// per node: a copy of the node's score, the node's index and member length,
// then one link per level. Links at those levels point from block to block,
// so a search step above level 0 reads one block (score and next links
// together) and touches the node only when scores tie and members must be
// compared. That is one cache miss per step, as in Redis, and the blocks
// are dense (about 7 bytes per element), so on a large set the upper levels
// mostly stay in cache and only the last few level-0 steps go to memory.
// (Keeping the upper links behind the node, in a side table of boxes, cost
// three dependent misses per step.) While the search compares at one level
// it prefetches where it goes next if it steps down, so the two misses
// overlap. Both arenas are lists of chunks (1024 nodes, 4096 words), so
// growing a huge set never copies it all (no long pause) and a small set's
// arenas stay small; freed nodes and blocks are reused through free lists
// threaded through them (blocks by link count).
//
// A score update first finds the element (one search), changes the score in
// place when the element keeps its position (as Redis's zslUpdateScore
// does), and otherwise unlinks the node and links the same node (same
// height, same member bytes, same block) at its new place.

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;
const INLINE_LEVELS: usize = 1;
/// `Node::tower` of a node with one level (no block).
const ONE_LEVEL: u32 = NIL;
const CHUNK_BITS: u32 = 10;
const CHUNK: usize = 1 << CHUNK_BITS;
const TOWER_CHUNK_BITS: u32 = 12;
const TOWER_CHUNK: usize = 1 << TOWER_CHUNK_BITS;
/// Words of a tower block before its links: the score, then the node index
/// (low 32 bits), the link count (bits 32..40) and the member's length byte
/// (bits 40..48, as in `Member::len`). Then the links, from level
/// `INLINE_LEVELS` up (see `lw`).
const TOWER_HEAD: usize = 2;

/// The word of a tower block that holds the link of level `i`.
#[inline(always)]
const fn lw(i: usize) -> usize {
    i - INLINE_LEVELS + TOWER_HEAD
}
/// Members of up to this many bytes are stored in the node.
const INLINE_MEMBER: usize = 23;
/// `Member::len` of a member kept in `SkipSet::long`.
const LONG_MEMBER: u8 = u8::MAX;

#[derive(Clone, Copy)]
struct Link {
    next: u32,
    span: u32,
}

const NO_LINK: Link = Link { next: NIL, span: 0 };

impl Link {
    #[inline]
    fn from_word(w: u64) -> Link {
        Link { next: w as u32, span: (w >> 32) as u32 }
    }

    #[inline]
    fn word(self) -> u64 {
        self.next as u64 | (self.span as u64) << 32
    }
}

/// Field order is fixed so the score, the links and the member's length,
/// which a search step reads, are the node's first 25 bytes.
#[repr(C)]
struct Node {
    score: f64,
    inline: [Link; INLINE_LEVELS],
    member: Member,
    back: u32,
    /// The node's tower block, or `ONE_LEVEL`. Also links the
    /// free list of nodes.
    tower: u32,
}

/// A member's bytes: `buf[..len]` when it has at most `INLINE_MEMBER` bytes,
/// otherwise `len` is `LONG_MEMBER` and `buf` starts with the index of the
/// bytes in `SkipSet::long`.
#[derive(Clone, Copy)]
struct Member {
    len: u8,
    buf: [u8; INLINE_MEMBER],
}

const NO_MEMBER: Member = Member { len: 0, buf: [0; INLINE_MEMBER] };

impl Member {
    #[inline]
    fn long_index(&self) -> usize {
        u32::from_le_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]) as usize
    }
}

/// The predecessors of a position at every level (a node index at the
/// inline levels, a tower block above) and their ranks.
struct Path {
    update: [u32; MAX_LEVEL],
    rank: [u32; MAX_LEVEL],
}

/// An element met by a search. Its member is read only if asked for, so a
/// step above level 1 that compares scores only never touches the node.
#[derive(Clone, Copy)]
struct Elem<'a> {
    set: &'a SkipSet,
    node: u32,
    /// The member's length byte when the tower knows it, otherwise
    /// `UNKNOWN_LEN` (read it from the node).
    len: u16,
}

const UNKNOWN_LEN: u16 = u16::MAX;

impl<'a> Elem<'a> {
    #[inline]
    fn member(self) -> &'a [u8] {
        let n = self.set.node(self.node);
        let len = if self.len == UNKNOWN_LEN { n.member.len } else { self.len as u8 };
        if len as usize <= INLINE_MEMBER {
            &n.member.buf[..len as usize]
        } else {
            &self.set.long[n.member.long_index()]
        }
    }
}

/// A hint to the CPU that `p` will be read soon.
#[inline(always)]
fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: SSE is part of the x86_64 baseline, and a prefetch only
        // hints the cache: it never faults or changes memory.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p as *const T as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

struct SkipSet {
    dict: Dict<f64>,
    chunks: Vec<Vec<Node>>,
    /// Head of the free node list (threaded through `Node::tower`).
    free: u32,
    /// Tower blocks; block ids are `chunk << TOWER_CHUNK_BITS | word`.
    /// Block 0 is the header's, with every level.
    towers: Vec<Vec<u64>>,
    /// Heads of the free block lists by link count (threaded through the
    /// blocks' first word).
    tower_free: [u32; MAX_LEVEL],
    /// Members longer than `INLINE_MEMBER`, and the free slots of this table.
    long: Vec<Box<[u8]>>,
    long_free: Vec<u32>,
    /// Slots handed out so far (live, free and the header).
    slots: u32,
    level: usize,
    len: usize,
    seed: u64,
}

impl Default for SkipSet {
    fn default() -> Self {
        let mut s = SkipSet {
            dict: Dict::new(),
            chunks: Vec::new(),
            free: NIL,
            towers: Vec::new(),
            tower_free: [NIL; MAX_LEVEL],
            long: Vec::new(),
            long_free: Vec::new(),
            slots: 0,
            level: 1,
            len: 0,
            seed: 0x9E37_79B9_7F4A_7C15,
        };
        s.reset_arenas();
        s
    }
}

impl SkipSet {
    #[inline]
    fn node(&self, x: u32) -> &Node {
        &self.chunks[(x >> CHUNK_BITS) as usize][x as usize & (CHUNK - 1)]
    }

    #[inline]
    fn node_mut(&mut self, x: u32) -> &mut Node {
        &mut self.chunks[(x >> CHUNK_BITS) as usize][x as usize & (CHUNK - 1)]
    }

    /// The words of tower block `t` (from its first word to its chunk's end).
    #[inline]
    fn block(&self, t: u32) -> &[u64] {
        &self.towers[(t >> TOWER_CHUNK_BITS) as usize][t as usize & (TOWER_CHUNK - 1)..]
    }

    #[inline]
    fn block_mut(&mut self, t: u32) -> &mut [u64] {
        &mut self.towers[(t >> TOWER_CHUNK_BITS) as usize][t as usize & (TOWER_CHUNK - 1)..]
    }

    #[inline]
    fn tlink(&self, t: u32, i: usize) -> Link {
        Link::from_word(self.block(t)[lw(i)])
    }

    #[inline]
    fn set_tlink(&mut self, t: u32, i: usize, l: Link) {
        self.block_mut(t)[lw(i)] = l.word();
    }

    fn member(&self, x: u32) -> &[u8] {
        Elem { set: self, node: x, len: UNKNOWN_LEN }.member()
    }

    /// Empties both arenas down to the header (level 1, no elements).
    fn reset_arenas(&mut self) {
        let header = Node { score: 0.0, inline: [NO_LINK; INLINE_LEVELS], back: NIL, tower: 0, member: NO_MEMBER };
        self.chunks = vec![vec![header]];
        self.slots = 1;
        self.free = NIL;
        let mut block = vec![NO_LINK.word(); lw(MAX_LEVEL)];
        block[0] = 0;
        block[1] = ((MAX_LEVEL - INLINE_LEVELS) as u64) << 32;
        self.towers = vec![block];
        self.tower_free = [NIL; MAX_LEVEL];
        self.long = Vec::new();
        self.long_free = Vec::new();
    }

    fn random_level(&mut self) -> usize {
        // xorshift64*: two bits per level, so each level is kept with p = 1/4.
        self.seed ^= self.seed >> 12;
        self.seed ^= self.seed << 25;
        self.seed ^= self.seed >> 27;
        let mut r = self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
        let mut level = 1;
        while level < MAX_LEVEL && r & 3 == 0 {
            level += 1;
            r >>= 2;
        }
        level
    }

    /// The number of levels of node `x`.
    fn height(&self, x: u32) -> usize {
        match self.node(x).tower {
            ONE_LEVEL => 1,
            t => INLINE_LEVELS + ((self.block(t)[1] >> 32) as u8) as usize,
        }
    }

    /// A tower block with `links` links for node `x` (links unset).
    fn alloc_tower(&mut self, links: usize, x: u32, score: f64, len: u8) -> u32 {
        let words = TOWER_HEAD + links;
        let mut t = self.tower_free[links];
        if t != NIL {
            self.tower_free[links] = self.block(t)[0] as u32;
        } else {
            let mut c = self.towers.len() - 1;
            let used = self.towers[c].len();
            if used + words > TOWER_CHUNK {
                // The chunk's tail becomes a free block if it can hold a link.
                let rest = TOWER_CHUNK - used;
                if rest > TOWER_HEAD {
                    self.towers[c].resize(TOWER_CHUNK, 0);
                    let tail = (c << TOWER_CHUNK_BITS | used) as u32;
                    self.free_tower(tail, rest - TOWER_HEAD);
                }
                self.towers.push(Vec::with_capacity(TOWER_CHUNK));
                c += 1;
            }
            let chunk = &mut self.towers[c];
            t = (c << TOWER_CHUNK_BITS | chunk.len()) as u32;
            chunk.resize(chunk.len() + words, 0);
        }
        let b = self.block_mut(t);
        b[0] = score.to_bits();
        b[1] = x as u64 | (links as u64) << 32 | (len as u64) << 40;
        b[TOWER_HEAD..words].fill(NO_LINK.word());
        t
    }

    fn free_tower(&mut self, t: u32, links: usize) {
        let head = self.tower_free[links];
        self.block_mut(t)[0] = head as u64;
        self.tower_free[links] = t;
    }

    /// A new unlinked node with `levels` levels.
    fn alloc_node(&mut self, member: &[u8], score: f64, levels: usize) -> u32 {
        let mut m = NO_MEMBER;
        if member.len() <= INLINE_MEMBER {
            m.len = member.len() as u8;
            m.buf[..member.len()].copy_from_slice(member);
        } else {
            let slot = match self.long_free.pop() {
                Some(i) => {
                    self.long[i as usize] = member.into();
                    i
                }
                None => {
                    self.long.push(member.into());
                    (self.long.len() - 1) as u32
                }
            };
            m.len = LONG_MEMBER;
            m.buf[..4].copy_from_slice(&slot.to_le_bytes());
        }
        let node = Node { score, inline: [NO_LINK; INLINE_LEVELS], back: NIL, tower: ONE_LEVEL, member: m };
        let x = if self.free != NIL {
            let x = self.free;
            self.free = self.node(x).tower;
            *self.node_mut(x) = node;
            x
        } else {
            let x = self.slots;
            if x as usize & (CHUNK - 1) == 0 {
                self.chunks.push(Vec::with_capacity(CHUNK));
            }
            if let Some(c) = self.chunks.last_mut() {
                c.push(node);
            }
            self.slots += 1;
            x
        };
        self.node_mut(x).tower = match levels {
            1 => ONE_LEVEL,
            _ => self.alloc_tower(levels - INLINE_LEVELS, x, score, m.len),
        };
        x
    }

    /// Returns an unlinked node's slots (node, block, long member) to their
    /// free lists.
    fn free_node(&mut self, x: u32) {
        let (t, m) = {
            let n = self.node(x);
            (n.tower, n.member)
        };
        if t != ONE_LEVEL {
            let links = ((self.block(t)[1] >> 32) as u8) as usize;
            self.free_tower(t, links);
        }
        if m.len == LONG_MEMBER {
            let i = m.long_index();
            self.long[i] = Box::default();
            self.long_free.push(i as u32);
        }
        let head = self.free;
        let n = self.node_mut(x);
        n.member = NO_MEMBER;
        n.tower = head;
        self.free = x;
    }

    /// Sets the score of node `x` (and its tower's copy).
    fn set_score(&mut self, x: u32, score: f64) {
        let n = self.node_mut(x);
        n.score = score;
        let t = n.tower;
        if t != ONE_LEVEL {
            self.block_mut(t)[0] = score.to_bits();
        }
    }

    /// Walks down from the header: at each level it steps right while
    /// `right(rank so far, span of the link, score, element)` holds, and
    /// records the last element of each level in `path`. Returns the last
    /// node reached and its rank.
    #[inline(always)]
    fn descend(&self, path: Option<&mut Path>, right: impl FnMut(u32, u32, f64, Elem<'_>) -> bool) -> (u32, u32) {
        self.descend_from(self.level, 0, 0, path, right)
    }

    /// `descend` from level `top - 1` down, starting at `start` (a tower
    /// block when `top > INLINE_LEVELS`, else a node) of rank `r`.
    #[inline(always)]
    fn descend_from(
        &self,
        top: usize,
        start: u32,
        mut r: u32,
        mut path: Option<&mut Path>,
        mut right: impl FnMut(u32, u32, f64, Elem<'_>) -> bool,
    ) -> (u32, u32) {
        let mut t = start;
        for i in (INLINE_LEVELS..top).rev() {
            let mut b = self.block(t);
            loop {
                let l = Link::from_word(b[lw(i)]);
                if l.next == NIL {
                    break;
                }
                // Where the next level goes on if this step fails.
                if i > INLINE_LEVELS {
                    let down = Link::from_word(b[lw(i - 1)]).next;
                    if down != NIL && down != l.next {
                        prefetch(&self.block(down)[0]);
                    }
                } else {
                    prefetch(self.node(b[1] as u32));
                }
                let nb = self.block(l.next);
                let meta = nb[1];
                let e = Elem { set: self, node: meta as u32, len: ((meta >> 40) as u8) as u16 };
                if !right(r, l.span, f64::from_bits(nb[0]), e) {
                    break;
                }
                r += l.span;
                t = l.next;
                b = nb;
            }
            if let Some(p) = path.as_deref_mut() {
                p.update[i] = t;
                p.rank[i] = r;
            }
        }
        let mut x = if top > INLINE_LEVELS { self.block(t)[1] as u32 } else { start };
        for i in (0..INLINE_LEVELS.min(top)).rev() {
            loop {
                let n = self.node(x);
                let l = n.inline[i];
                if l.next == NIL {
                    break;
                }
                if i > 0 {
                    let down = n.inline[0].next;
                    if down != NIL && down != l.next {
                        prefetch(self.node(down));
                    }
                }
                let next = self.node(l.next);
                if !right(r, l.span, next.score, Elem { set: self, node: l.next, len: UNKNOWN_LEN }) {
                    break;
                }
                r += l.span;
                x = l.next;
            }
            if let Some(p) = path.as_deref_mut() {
                p.update[i] = x;
                p.rank[i] = r;
            }
        }
        (x, r)
    }

    /// The path to where (score, member) sorts.
    fn search(&self, score: f64, member: &[u8]) -> Path {
        let mut p = Path { update: [0; MAX_LEVEL], rank: [0; MAX_LEVEL] };
        self.descend(Some(&mut p), |_, _, s2, e| s2 < score || (s2 == score && e.member() < member));
        p
    }

    /// Whether (score, member), which is not in the set, sorts after `u`
    /// (a node below `INLINE_LEVELS`, else a tower block) and before `u`'s
    /// successor at level `i`.
    fn brackets(&self, u: u32, i: usize, score: f64, member: &[u8]) -> bool {
        let follows = |s: f64, e: Elem<'_>| score < s || (score == s && member < e.member());
        if i < INLINE_LEVELS {
            let n = self.node(u);
            if u != 0 && follows(n.score, Elem { set: self, node: u, len: UNKNOWN_LEN }) {
                return false;
            }
            let next = n.inline[i].next;
            next == NIL || follows(self.node(next).score, Elem { set: self, node: next, len: UNKNOWN_LEN })
        } else {
            let elem = |t: u32| {
                let b = self.block(t);
                (f64::from_bits(b[0]), Elem { set: self, node: b[1] as u32, len: ((b[1] >> 40) as u8) as u16 })
            };
            if u != 0 {
                let (s, e) = elem(u);
                if follows(s, e) {
                    return false;
                }
            }
            let next = self.tlink(u, i).next;
            next == NIL || {
                let (s, e) = elem(next);
                follows(s, e)
            }
        }
    }

    /// The path to where (score, member), which is not in the set, sorts,
    /// given the path `p` to a position near it (a finger search): the
    /// levels from the lowest one where `p` already brackets it up keep
    /// their entries, and only the levels below are searched again, from
    /// there. A small move costs a few steps instead of a full search.
    fn search_near(&self, mut p: Path, score: f64, member: &[u8]) -> Path {
        let Some(k) = (0..self.level).find(|&k| self.brackets(p.update[k], k, score, member)) else {
            return self.search(score, member);
        };
        if k > 0 {
            let u = p.update[k];
            let start = if k == INLINE_LEVELS { self.block(u)[1] as u32 } else { u };
            self.descend_from(k, start, p.rank[k], Some(&mut p), |_, _, s2, e| {
                s2 < score || (s2 == score && e.member() < member)
            });
        }
        p
    }

    /// The path to the element at 0-based rank `rank`.
    fn search_rank(&self, rank: usize) -> Path {
        let mut p = Path { update: [0; MAX_LEVEL], rank: [0; MAX_LEVEL] };
        if rank == 0 {
            // The header precedes the first element at every level.
            return p;
        }
        self.descend(Some(&mut p), |r, span, _, _| r as usize + span as usize <= rank);
        p
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        self.dict.insert(member.into(), score);
        self.list_insert(member, score);
    }

    fn list_insert(&mut self, member: &[u8], score: f64) {
        let p = self.search(score, member);
        let h = self.random_level();
        let x = self.alloc_node(member, score, h);
        self.link(x, h, p);
    }

    /// Links the unlinked node `x` of height `h` at the position `p` leads to.
    fn link(&mut self, x: u32, h: usize, mut p: Path) {
        if h > self.level {
            for i in self.level..h {
                p.rank[i] = 0;
                p.update[i] = 0;
                if i < INLINE_LEVELS {
                    self.node_mut(0).inline[i].span = self.len as u32;
                } else {
                    let l = self.tlink(0, i);
                    self.set_tlink(0, i, Link { next: l.next, span: self.len as u32 });
                }
            }
            self.level = h;
        }
        let xt = self.node(x).tower;
        for i in 0..h {
            let u = p.update[i];
            let gap = p.rank[0] - p.rank[i];
            if i < INLINE_LEVELS {
                let ul = self.node(u).inline[i];
                self.node_mut(x).inline[i] = Link { next: ul.next, span: ul.span - gap };
                self.node_mut(u).inline[i] = Link { next: x, span: gap + 1 };
            } else {
                let ul = self.tlink(u, i);
                self.set_tlink(xt, i, Link { next: ul.next, span: ul.span - gap });
                self.set_tlink(u, i, Link { next: xt, span: gap + 1 });
            }
        }
        for i in h..self.level {
            let u = p.update[i];
            if i < INLINE_LEVELS {
                self.node_mut(u).inline[i].span += 1;
            } else {
                let l = self.tlink(u, i);
                self.set_tlink(u, i, Link { next: l.next, span: l.span + 1 });
            }
        }
        let back = p.update[0];
        let next0 = self.node(x).inline[0].next;
        self.node_mut(x).back = if back == 0 { NIL } else { back };
        if next0 != NIL {
            self.node_mut(next0).back = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x`, whose predecessors are `p`.
    fn unlink(&mut self, x: u32, p: &Path) {
        let xt = self.node(x).tower;
        let has_tower = xt != ONE_LEVEL;
        for i in 0..self.level {
            let u = p.update[i];
            if i < INLINE_LEVELS {
                let ul = self.node(u).inline[i];
                self.node_mut(u).inline[i] = if ul.next == x {
                    let xl = self.node(x).inline[i];
                    Link { next: xl.next, span: ul.span + xl.span - 1 }
                } else {
                    Link { next: ul.next, span: ul.span.saturating_sub(1) }
                };
            } else {
                let ul = self.tlink(u, i);
                let l = if has_tower && ul.next == xt {
                    let xl = self.tlink(xt, i);
                    Link { next: xl.next, span: ul.span + xl.span - 1 }
                } else {
                    Link { next: ul.next, span: ul.span.saturating_sub(1) }
                };
                self.set_tlink(u, i, l);
            }
        }
        let (back, next0) = {
            let n = self.node(x);
            (n.back, n.inline[0].next)
        };
        if next0 != NIL {
            self.node_mut(next0).back = back;
        }
        while self.level > 1 {
            let top = self.level - 1;
            let next = if top < INLINE_LEVELS { self.node(0).inline[top].next } else { self.tlink(0, top).next };
            if next != NIL {
                break;
            }
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// The node the path leads to if it holds (score, member), else NIL.
    fn found(&self, p: &Path, score: f64, member: &[u8]) -> u32 {
        let x = self.node(p.update[0]).inline[0].next;
        if x != NIL && self.node(x).score == score && self.member(x) == member {
            x
        } else {
            NIL
        }
    }

    /// Releases everything once the last element is gone, so a drained set
    /// gives its memory back.
    fn shrink_if_empty(&mut self) {
        if self.len == 0 {
            self.reset_arenas();
            self.level = 1;
        }
    }

    /// Unlinks and frees the node (score, member); true if it was found.
    fn list_delete(&mut self, score: f64, member: &[u8]) -> bool {
        let p = self.search(score, member);
        let x = self.found(&p, score, member);
        if x == NIL {
            return false;
        }
        self.unlink(x, &p);
        self.free_node(x);
        self.shrink_if_empty();
        true
    }

    /// Moves the element (old, member) to score `new`; false if it was not
    /// found.
    fn update_score(&mut self, member: &[u8], old: f64, new: f64) -> bool {
        let p = self.search(old, member);
        let x = self.found(&p, old, member);
        if x == NIL {
            return false;
        }
        let (back, next) = {
            let n = self.node(x);
            (n.back, n.inline[0].next)
        };
        let after_back = back == NIL || before(self.node(back).score, self.member(back), new, member);
        if after_back && (next == NIL || before(new, member, self.node(next).score, self.member(next))) {
            self.set_score(x, new);
            return true;
        }
        let h = self.height(x);
        self.unlink(x, &p);
        self.set_score(x, new);
        let p = self.search_near(p, new, member);
        self.link(x, h, p);
        true
    }

    /// Removes the elements with 0-based ranks `start..end` (both within the
    /// set) from the list and the dict, in one pass.
    fn remove_ranks(&mut self, start: usize, end: usize) {
        let p = self.search_rank(start);
        let mut x = self.node(p.update[0]).inline[0].next;
        // Taken out so members can be read from the arena while removing.
        let mut dict = std::mem::take(&mut self.dict);
        for _ in start..end {
            if x == NIL {
                break;
            }
            let next = self.node(x).inline[0].next;
            self.unlink(x, &p);
            dict.remove(self.member(x));
            self.free_node(x);
            x = next;
        }
        self.dict = dict;
        self.shrink_if_empty();
    }

    fn count_before(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        self.descend(None, |_, _, s, e| pred(s, e.member())).1 as usize
    }

    /// The 0-based ascending rank of (score, member), which is in the set.
    fn rank(&self, score: f64, member: &[u8]) -> usize {
        let r = self.descend(None, |_, _, s2, e| s2 < score || (s2 == score && e.member() <= member)).1;
        (r as usize).saturating_sub(1)
    }

    /// The node at 0-based ascending rank `rank`, or NIL.
    fn node_at(&self, rank: usize) -> u32 {
        if rank == 0 {
            return self.node(0).inline[0].next;
        }
        let target = rank + 1;
        let (x, r) = self.descend(None, |r, span, _, _| r as usize + span as usize <= target);
        if r as usize == target && x != 0 {
            x
        } else {
            NIL
        }
    }
}

#[cfg(test)]
impl SkipSet {
    /// Checks every structural invariant: order, back links, spans at every
    /// level (also the span of a last link: the elements after it), tower
    /// copies of score, node and member length, and the dict.
    fn check_invariants(&self) {
        let mut rank_of = std::collections::HashMap::new();
        let mut order = Vec::new();
        let mut x = self.node(0).inline[0].next;
        let mut prev = NIL;
        while x != NIL {
            let n = self.node(x);
            assert_eq!(n.back, prev, "back link");
            if prev != NIL {
                let p = self.node(prev);
                assert!(before(p.score, self.member(prev), n.score, self.member(x)), "order");
            }
            assert_eq!(self.dict.get(self.member(x)), Some(&n.score), "dict score");
            order.push(x);
            rank_of.insert(x, order.len() as u32);
            prev = x;
            x = n.inline[0].next;
        }
        assert_eq!(order.len(), self.len);
        assert_eq!(self.dict.len(), self.len);
        let rank = |x: u32| if x == 0 { 0 } else { rank_of[&x] };
        for i in 0..self.level {
            // Walk level i from the header by node index.
            let mut x = 0u32;
            let mut seen = 0;
            loop {
                let l = if i < INLINE_LEVELS {
                    self.node(x).inline[i]
                } else {
                    let t = self.node(x).tower;
                    assert!(t != ONE_LEVEL, "node at level {i} has a tower");
                    let b = self.block(t);
                    assert_eq!(b[1] as u32, x, "tower node");
                    if x != 0 {
                        assert_eq!(f64::from_bits(b[0]), self.node(x).score, "tower score");
                        assert_eq!((b[1] >> 40) as u8, self.node(x).member.len, "tower member length");
                    }
                    Link::from_word(b[lw(i)])
                };
                if x != 0 {
                    assert!(self.height(x) > i, "height");
                }
                if l.next == NIL {
                    assert_eq!(l.span as usize, self.len - rank(x) as usize, "last span at level {i}");
                    break;
                }
                let nx = if i < INLINE_LEVELS { l.next } else { self.block(l.next)[1] as u32 };
                assert_eq!(l.span, rank(nx) - rank(x), "span at level {i}");
                x = nx;
                seen += 1;
            }
            if i == self.level - 1 && self.level > 1 {
                assert!(seen > 0, "top level is not empty");
            }
        }
        for &x in &order {
            assert!(self.height(x) <= self.level);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: Limits = Limits { max_entries: 0, max_value: 0 };
    const SMALL: Limits = Limits { max_entries: 1000, max_value: 1000 };

    #[test]
    fn packed_scores_round_trip_in_both_encodings() {
        let two53 = (1u64 << 53) as f64;
        let scores = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            63.0,
            64.0,
            -65.0,
            1_700_000_000_000.0,
            two53,
            -two53,
            two53 * 4.0,
            1.5,
            -0.125,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut p = Packed::default();
        for (i, &sc) in scores.iter().enumerate() {
            p.insert(format!("m{i}").as_bytes(), sc);
        }
        let mut want: Vec<(Vec<u8>, f64)> =
            scores.iter().enumerate().map(|(i, &sc)| (format!("m{i}").into_bytes(), sc + 0.0)).collect();
        want.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let got: Vec<(Vec<u8>, f64)> = p.iter().map(|(m, sc)| (m.to_vec(), sc)).collect();
        assert_eq!(got.len(), want.len());
        for ((gm, gs), (wm, ws)) in got.iter().zip(&want) {
            assert_eq!(gm, wm);
            assert_eq!(gs.to_bits(), ws.to_bits(), "{wm:?}");
        }
        // Integral scores take a byte or two, not eight.
        assert_eq!(Packed::encode(b"m", 5.0).len(), 1 + 1 + 1);
        assert_eq!(Packed::encode(b"m", 5.5).len(), 1 + 1 + 8);
    }

    fn check(z: &ZSet, model: &[(Vec<u8>, f64)]) {
        assert_eq!(z.len(), model.len());
        let mut got = Vec::new();
        z.for_each(|m, s| got.push((m.to_vec(), s)));
        assert_eq!(got, model);
        for (i, (m, s)) in model.iter().enumerate() {
            assert_eq!(z.rank(m), Some(i));
            assert_eq!(z.score(m), Some(*s));
            assert_eq!(z.at(i).map(|(m, s)| (m.to_vec(), s)), Some((m.clone(), *s)));
        }
        let mut rev = Vec::new();
        z.visit(model.len().saturating_sub(1), model.len(), true, |m, s| rev.push((m.to_vec(), s)));
        rev.reverse();
        assert_eq!(rev, model);
    }

    #[test]
    fn both_encodings_agree_with_a_model() {
        for lim in [BIG, SMALL] {
            let mut z = ZSet::new();
            let mut model: Vec<(Vec<u8>, f64)> = Vec::new();
            let mut rng = Rng::with_seed(7);
            for step in 0..3000 {
                let m = format!("m{}", rng.below(300)).into_bytes();
                let s = rng.below(50) as f64;
                match z.score(&m) {
                    Some(old) if step % 3 == 0 => {
                        z.remove(&m);
                        model.retain(|(mm, _)| mm != &m);
                        let _ = old;
                    }
                    Some(old) => {
                        z.update(&m, old, s);
                        if let Some(e) = model.iter_mut().find(|(mm, _)| mm == &m) {
                            e.1 = s;
                        }
                    }
                    None => {
                        z.insert(&m, s, lim);
                        model.push((m, s));
                    }
                }
                model.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)));
                if step % 97 == 0 {
                    check(&z, &model);
                    let n = z.count_before(|s, _| s < 25.0);
                    assert_eq!(n, model.iter().filter(|e| e.1 < 25.0).count());
                }
            }
            check(&z, &model);
            let removed = z.remove_ranks(10, 20);
            assert_eq!(removed, 10);
            model.drain(10..20);
            check(&z, &model);
            assert_eq!(z.encoding(), if lim.max_entries == 0 { "skiplist" } else { "listpack" });
        }
    }

    #[test]
    fn node_is_48_bytes() {
        assert_eq!(std::mem::size_of::<Node>(), 48);
    }

    #[test]
    fn large_skiplist_spans_several_arena_chunks() {
        let mut z = ZSet::new();
        let n = 5000usize;
        // Every fourth member is too long to be stored inline.
        let name = |k: usize| {
            let pad = if k.is_multiple_of(4) { "-".repeat(30) } else { String::new() };
            format!("m{k:05}{pad}")
        };
        for i in 0..n {
            // Scores in a scrambled order so inserts land everywhere.
            let k = (i * 7919) % n;
            z.insert(name(k).as_bytes(), k as f64, SMALL);
        }
        assert_eq!(z.encoding(), "skiplist");
        for k in (0..n).step_by(2) {
            assert_eq!(z.remove(name(k).as_bytes()), Some(k as f64));
        }
        assert_eq!(z.len(), n / 2);
        for (r, k) in (1..n).step_by(2).enumerate() {
            assert_eq!(z.rank(name(k).as_bytes()), Some(r));
            assert_eq!(z.at(r).map(|(_, s)| s), Some(k as f64));
        }
        assert_eq!(z.count_before(|s, _| s < 1000.0), 500);
        assert_eq!(z.remove_ranks(0, n), n / 2);
        assert!(z.is_empty());
        z.insert(b"again", 1.0, SMALL);
        assert_eq!(z.rank(b"again"), Some(0));
    }
    #[test]
    fn skiplist_keeps_its_invariants_under_random_operations() {
        use std::collections::BTreeMap;
        // Scores with many ties, members short and long (a tenth are stored
        // out of the node), and enough elements for several chunks of
        // nodes and of tower blocks.
        let mut rng = Rng::with_seed(11);
        let name = |k: usize| {
            let pad = if k.is_multiple_of(10) { "+".repeat(24) } else { String::new() };
            format!("e{k}{pad}").into_bytes()
        };
        let mut z = ZSet::new();
        let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
        let sorted = |model: &BTreeMap<Vec<u8>, f64>| {
            let mut v: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
            v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)));
            v
        };
        let skip = |z: &ZSet| match z.thin.view() {
            Repr::Big(s) => s.check_invariants(),
            Repr::Packed(_) => panic!("packed"),
        };
        for round in 0..3 {
            let n = if round == 1 { 30_000 } else { 3000 };
            for step in 0..n * 2 {
                let m = name(rng.below(n));
                let s = if step % 2 == 0 { rng.below(100) as f64 } else { rng.below(1 << 20) as f64 / 7.0 };
                match model.get(&m).copied() {
                    Some(old) if step % 7 == 0 => {
                        assert_eq!(z.remove(&m), Some(old));
                        model.remove(&m);
                    }
                    Some(old) => {
                        // Tiny moves often keep the position (in place), small
                        // ones take the finger search, others a full one.
                        let new = match step % 3 {
                            0 => old + 0.001,
                            1 => old + (rng.below(2000) as f64 - 1000.0) / 7.0,
                            _ => s,
                        };
                        if new != old {
                            z.update(&m, old, new);
                            model.insert(m, new);
                        }
                    }
                    None => {
                        z.insert(&m, s, BIG);
                        model.insert(m, s);
                    }
                }
                if step % 9973 == 0 {
                    skip(&z);
                }
            }
            skip(&z);
            if round == 1 {
                let Repr::Big(s) = z.thin.view() else { panic!("packed") };
                assert!(s.towers.len() > 1 && s.chunks.len() > 10 && !s.long.is_empty());
            }
            let want = sorted(&model);
            let mut got = Vec::new();
            z.for_each(|m, s| got.push((m.to_vec(), s)));
            assert_eq!(got, want);
            for _ in 0..200 {
                let r = rng.below(want.len());
                let (m, s) = &want[r];
                assert_eq!(z.rank(m), Some(r));
                assert_eq!(z.at(r).map(|(m, s)| (m.to_vec(), s)), Some((m.clone(), *s)));
                assert_eq!(z.count_before(|s2, m2| before(s2, m2, *s, m)), r);
            }
            // A range in the middle, then one at each end.
            let len = want.len();
            for (a, b) in [(len / 3, len / 3 + 500), (0, 100), (len - 700, len + 5)] {
                let b2 = b.min(z.len());
                assert_eq!(z.remove_ranks(a, b), b2 - a);
                let mut v = sorted(&model);
                for (m, _) in v.drain(a..b2) {
                    model.remove(&m);
                }
                skip(&z);
            }
            let mut got = Vec::new();
            z.for_each(|m, s| got.push((m.to_vec(), s)));
            assert_eq!(got, sorted(&model));
            if round == 1 {
                // Drain everything: the arenas start afresh.
                assert_eq!(z.remove_ranks(0, z.len()), model.len());
                model.clear();
                skip(&z);
                assert!(z.is_empty());
            }
        }
    }
}
