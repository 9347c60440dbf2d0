//! The sorted set value type and its two encodings.
//!
//! A sorted set orders its members by (score, member bytes). Small sets are
//! kept *packed* (OBJECT ENCODING `listpack`): one byte buffer holding
//! `varint(len) member score_le_f64` entries in order, searched linearly, which
//! costs about `len + 9` bytes per member. Once a set grows past
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
use crate::util::Rng;

/// The thresholds that decide the encoding (`zset-max-listpack-*`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

/// A sorted set value.
pub struct ZSet {
    repr: Repr,
}

enum Repr {
    Packed(Packed),
    Skip(Box<SkipSet>),
}

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
        ZSet { repr: Repr::Packed(Packed::default()) }
    }

    /// An empty set in the encoding a set of `len` members, the longest
    /// `max_member` bytes, would need.
    pub fn for_size(len: usize, max_member: usize, lim: Limits) -> ZSet {
        if len > lim.max_entries || max_member > lim.max_value {
            ZSet { repr: Repr::Skip(Box::default()) }
        } else {
            ZSet::new()
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.len,
            Repr::Skip(s) => s.len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Packed(_) => "listpack",
            Repr::Skip(_) => "skiplist",
        }
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.repr {
            Repr::Packed(p) => p.find(member).map(|(_, s, _)| s),
            Repr::Skip(s) => s.dict.get(member).copied(),
        }
    }

    /// Adds a member that is not in the set yet, converting to the skiplist
    /// encoding first if the packed form would exceed `lim`.
    pub fn insert(&mut self, member: &[u8], score: f64, lim: Limits) {
        if let Repr::Packed(p) = &self.repr {
            if p.len + 1 > lim.max_entries || member.len() > lim.max_value {
                self.convert_to_skiplist();
            }
        }
        match &mut self.repr {
            Repr::Packed(p) => p.insert(member, score),
            Repr::Skip(s) => s.insert(member, score),
        }
    }

    /// Changes the score of a member known to be in the set with score `old`.
    pub fn update(&mut self, member: &[u8], old: f64, new: f64) {
        match &mut self.repr {
            Repr::Packed(p) => {
                if let Some((off, _, end)) = p.find(member) {
                    p.buf.drain(off..end);
                    p.len -= 1;
                    p.insert(member, new);
                }
            }
            Repr::Skip(s) => {
                if s.list_delete(old, member) {
                    s.list_insert(member, new);
                    if let Some(v) = s.dict.get_mut(member) {
                        *v = new;
                    }
                }
            }
        }
    }

    /// Removes `member`; returns its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        match &mut self.repr {
            Repr::Packed(p) => {
                let (off, score, end) = p.find(member)?;
                p.buf.drain(off..end);
                p.len -= 1;
                Some(score)
            }
            Repr::Skip(s) => {
                let (_, score) = s.dict.remove(member)?;
                s.list_delete(score, member);
                Some(score)
            }
        }
    }

    /// The 0-based ascending rank of `member`.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        match &self.repr {
            Repr::Packed(p) => p.iter().position(|(m, _)| m == member),
            Repr::Skip(s) => {
                let score = *s.dict.get(member)?;
                Some(s.count_before(|s2, m2| !before(score, member, s2, m2)) - 1)
            }
        }
    }

    /// How many leading elements (in ascending order) satisfy `pred`, which
    /// must be true for a prefix of the order and false afterwards.
    pub fn count_before(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        match &self.repr {
            Repr::Packed(p) => p.iter().take_while(|(m, s)| pred(*s, m)).count(),
            Repr::Skip(s) => s.count_before(pred),
        }
    }

    /// Calls `f` for up to `n` elements starting at ascending rank `start`,
    /// going up (or down towards rank 0 when `rev`).
    pub fn visit(&self, start: usize, n: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        if start >= self.len() || n == 0 {
            return;
        }
        match &self.repr {
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
            Repr::Skip(s) => {
                let mut x = s.node_at(start);
                let mut left = n;
                while x != NIL && left > 0 {
                    let node = &s.nodes[x as usize];
                    f(&node.member, node.score);
                    left -= 1;
                    x = if rev { node.back } else { node.links[0].next };
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
        match &self.repr {
            Repr::Packed(p) => p.iter().nth(rank),
            Repr::Skip(s) => {
                if rank >= s.len {
                    return None;
                }
                let node = s.nodes.get(s.node_at(rank) as usize)?;
                Some((&node.member, node.score))
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
        match &mut self.repr {
            Repr::Packed(p) => {
                let mut from = p.buf.len();
                let mut to = p.buf.len();
                let mut off = 0;
                let mut i = 0;
                while off < p.buf.len() && i <= end {
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
                p.buf.drain(from..to);
                p.len -= end - start;
            }
            Repr::Skip(s) => {
                let mut victims = Vec::with_capacity(end - start);
                let mut x = s.node_at(start);
                while x != NIL && victims.len() < end - start {
                    let node = &s.nodes[x as usize];
                    victims.push((node.member.clone(), node.score));
                    x = node.links[0].next;
                }
                for (m, score) in victims {
                    s.dict.remove(&m);
                    s.list_delete(score, &m);
                }
            }
        }
        end - start
    }

    /// One ZSCAN step. A packed set is returned whole (cursor 0 after it).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], f64)) -> u64 {
        match &self.repr {
            Repr::Packed(p) => {
                for (m, s) in p.iter() {
                    f(m, s);
                }
                0
            }
            Repr::Skip(s) => s.dict.scan(cursor, |e| f(&e.key, e.value)),
        }
    }

    /// Uniformly random ascending rank (the set must not be empty).
    pub fn random_rank(&self, rng: &mut Rng) -> usize {
        rng.below(self.len().max(1))
    }

    /// Converts a skiplist set back to the packed form if it fits `lim` (for
    /// results built by the STORE commands, as Redis does).
    pub fn fit(&mut self, lim: Limits) {
        if let Repr::Skip(s) = &self.repr {
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
                self.repr = Repr::Packed(p);
            }
        }
    }

    fn convert_to_skiplist(&mut self) {
        if let Repr::Packed(p) = &self.repr {
            let mut s = SkipSet::default();
            for (m, score) in p.iter() {
                s.insert(m, score);
            }
            self.repr = Repr::Skip(Box::new(s));
        }
    }
}

impl Clone for ZSet {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Packed(p) => ZSet { repr: Repr::Packed(p.clone()) },
            Repr::Skip(_) => {
                let mut s = SkipSet::default();
                self.for_each(|m, score| s.insert(m, score));
                ZSet { repr: Repr::Skip(Box::new(s)) }
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

/// Ordered entries `varint(member len) member score(8 bytes LE)` in one buffer.
#[derive(Default, Clone)]
struct Packed {
    buf: Vec<u8>,
    len: usize,
}

impl Packed {
    /// The entry at byte offset `off`: (member, score, offset of the next entry).
    fn entry(&self, off: usize) -> (&[u8], f64, usize) {
        let mut len = 0usize;
        let mut shift = 0;
        let mut p = off;
        loop {
            let b = self.buf[p];
            p += 1;
            len |= ((b & 0x7f) as usize) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        let member = &self.buf[p..p + len];
        let mut sb = [0u8; 8];
        sb.copy_from_slice(&self.buf[p + len..p + len + 8]);
        (member, f64::from_le_bytes(sb), p + len + 8)
    }

    fn iter(&self) -> PackedIter<'_> {
        PackedIter { p: self, off: 0 }
    }

    /// (offset, score, end offset) of `member`.
    fn find(&self, member: &[u8]) -> Option<(usize, f64, usize)> {
        let mut off = 0;
        while off < self.buf.len() {
            let (m, s, next) = self.entry(off);
            if m == member {
                return Some((off, s, next));
            }
            off = next;
        }
        None
    }

    fn encode(member: &[u8], score: f64) -> Vec<u8> {
        // Redis's listpack stores integral scores as integers, so -0 reads back as 0.
        let score = if score == 0.0 { 0.0 } else { score };
        let mut e = Vec::with_capacity(member.len() + 13);
        let mut n = member.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                e.push(b);
                break;
            }
            e.push(b | 0x80);
        }
        e.extend_from_slice(member);
        e.extend_from_slice(&score.to_le_bytes());
        e
    }

    fn insert(&mut self, member: &[u8], score: f64) {
        let mut off = 0;
        while off < self.buf.len() {
            let (m, s, next) = self.entry(off);
            if before(score, member, s, m) {
                break;
            }
            off = next;
        }
        let e = Packed::encode(member, score);
        self.buf.splice(off..off, e);
        self.len += 1;
    }

    /// Appends an element known to sort after every present one.
    fn push_back(&mut self, member: &[u8], score: f64) {
        self.buf.extend_from_slice(&Packed::encode(member, score));
        self.len += 1;
    }
}

struct PackedIter<'a> {
    p: &'a Packed,
    off: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.off >= self.p.buf.len() {
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
// Nodes live in an arena (`nodes`, index 0 is the header) and link by index.
// Each forward link also stores its *span*: how many level-0 steps it jumps.
// Summing spans along a search path gives an element's rank, and descending
// by spans finds the element at a rank, both in O(log N) expected time.
// Levels are drawn with p = 1/4, up to 32, as in Redis.

const MAX_LEVEL: usize = 32;
const NIL: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Link {
    next: u32,
    span: u32,
}

struct Node {
    member: Box<[u8]>,
    score: f64,
    back: u32,
    links: Box<[Link]>,
}

struct SkipSet {
    dict: Dict<f64>,
    nodes: Vec<Node>,
    free: Vec<u32>,
    level: usize,
    len: usize,
    seed: u64,
}

impl Default for SkipSet {
    fn default() -> Self {
        let header = Node {
            member: Box::default(),
            score: 0.0,
            back: NIL,
            links: vec![Link { next: NIL, span: 0 }; MAX_LEVEL].into(),
        };
        SkipSet {
            dict: Dict::new(),
            nodes: vec![header],
            free: Vec::new(),
            level: 1,
            len: 0,
            seed: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

impl SkipSet {
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

    fn insert(&mut self, member: &[u8], score: f64) {
        self.dict.insert(member.into(), score);
        self.list_insert(member, score);
    }

    /// For each level, the last node before (score, member) and its rank.
    fn search(&self, score: f64, member: &[u8]) -> ([u32; MAX_LEVEL], [u32; MAX_LEVEL]) {
        let mut update = [0u32; MAX_LEVEL];
        let mut rank = [0u32; MAX_LEVEL];
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.nodes[x as usize].links[i];
                if l.next == NIL {
                    break;
                }
                let n = &self.nodes[l.next as usize];
                if !before(n.score, &n.member, score, member) {
                    break;
                }
                rank[i] += l.span;
                x = l.next;
            }
            update[i] = x;
        }
        (update, rank)
    }

    fn list_insert(&mut self, member: &[u8], score: f64) {
        let (mut update, mut rank) = self.search(score, member);
        let lvl = self.random_level();
        if lvl > self.level {
            for i in self.level..lvl {
                rank[i] = 0;
                update[i] = 0;
                self.nodes[0].links[i].span = self.len as u32;
            }
            self.level = lvl;
        }
        let node =
            Node { member: member.into(), score, back: NIL, links: vec![Link { next: NIL, span: 0 }; lvl].into() };
        let idx = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        for i in 0..lvl {
            let u = update[i] as usize;
            let ul = self.nodes[u].links[i];
            let gap = rank[0] - rank[i];
            self.nodes[idx as usize].links[i] = Link { next: ul.next, span: ul.span - gap };
            self.nodes[u].links[i] = Link { next: idx, span: gap + 1 };
        }
        for i in lvl..self.level {
            self.nodes[update[i] as usize].links[i].span += 1;
        }
        self.nodes[idx as usize].back = if update[0] == 0 { NIL } else { update[0] };
        let next0 = self.nodes[idx as usize].links[0].next;
        if next0 != NIL {
            self.nodes[next0 as usize].back = idx;
        }
        self.len += 1;
    }

    /// Unlinks the node (score, member); true if it was found.
    fn list_delete(&mut self, score: f64, member: &[u8]) -> bool {
        let (update, _) = self.search(score, member);
        let x = self.nodes[update[0] as usize].links[0].next;
        if x == NIL {
            return false;
        }
        {
            let n = &self.nodes[x as usize];
            if n.score != score || &*n.member != member {
                return false;
            }
        }
        for i in 0..self.level {
            let u = update[i] as usize;
            if self.nodes[u].links[i].next == x {
                let xl = self.nodes[x as usize].links[i];
                let ul = &mut self.nodes[u].links[i];
                ul.span = ul.span + xl.span - 1;
                ul.next = xl.next;
            } else {
                let ul = &mut self.nodes[u].links[i];
                ul.span = ul.span.saturating_sub(1);
            }
        }
        let next0 = self.nodes[x as usize].links[0].next;
        let back = self.nodes[x as usize].back;
        if next0 != NIL {
            self.nodes[next0 as usize].back = back;
        }
        while self.level > 1 && self.nodes[0].links[self.level - 1].next == NIL {
            self.level -= 1;
        }
        self.len -= 1;
        let n = &mut self.nodes[x as usize];
        n.member = Box::default();
        n.links = Box::default();
        self.free.push(x);
        if self.len == 0 {
            // Start the arena afresh so a drained set releases its memory.
            self.nodes.truncate(1);
            self.free.clear();
        }
        true
    }

    fn count_before(&self, pred: impl Fn(f64, &[u8]) -> bool) -> usize {
        let mut x = 0u32;
        let mut r = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.nodes[x as usize].links[i];
                if l.next == NIL {
                    break;
                }
                let n = &self.nodes[l.next as usize];
                if !pred(n.score, &n.member) {
                    break;
                }
                r += l.span as usize;
                x = l.next;
            }
        }
        r
    }

    /// The node at 0-based ascending rank `rank`, or NIL.
    fn node_at(&self, rank: usize) -> u32 {
        let target = rank + 1;
        let mut traversed = 0usize;
        let mut x = 0u32;
        for i in (0..self.level).rev() {
            loop {
                let l = self.nodes[x as usize].links[i];
                if l.next == NIL || traversed + l.span as usize > target {
                    break;
                }
                traversed += l.span as usize;
                x = l.next;
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BIG: Limits = Limits { max_entries: 0, max_value: 0 };
    const SMALL: Limits = Limits { max_entries: 1000, max_value: 1000 };

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
}
