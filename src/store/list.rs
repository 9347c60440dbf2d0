//! The list value: a quicklist, i.e. a deque of packed nodes.
//!
//! Each node is one contiguous byte buffer holding a run of elements, each
//! encoded as `len (LEB128) | bytes | len (LEB128, bytes reversed)`. The
//! trailing reversed length lets a node be walked backwards (RPOP, LINDEX with
//! a negative index, LRANGE from the tail) without an index of offsets, as
//! Redis's listpack does with its back-length. A short element costs two bytes
//! of overhead and there is no per-element allocation, so memory stays close to
//! Redis's.
//!
//! Node size follows `list-max-listpack-size` (Redis's "fill"): a positive value
//! caps elements per node (and a node at 8 KB, Redis's safety limit), a negative
//! one caps node bytes at 4/8/16/32/64 KB for -1..-5. Pushes and pops at either
//! end touch one node; operations in the middle rewrite one node and split it
//! when it grows past the limit.
//!
//! Invariants: no node is empty, and `len` is the sum of the node counts.
//!
//! Most lists fit in one node. That node is kept inline in the `List` (see
//! [`Nodes`]), so a small list is the boxed 32-byte `List` plus its one
//! element buffer; the deque (and its own allocation) appears only when a
//! second node does.
//!
//! Redis 7.0 reports every list as `quicklist` in OBJECT ENCODING (the
//! `listpack` encoding for small lists arrived in 7.2), so we do too.

use std::collections::VecDeque;

/// Redis's `SIZE_SAFETY_LIMIT`: the most bytes a node holds with a positive fill.
const SAFETY_LIMIT: usize = 8192;

/// The node size rule (`list-max-listpack-size`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill(pub i64);

impl Fill {
    /// True if a node of `count` elements and `bytes` bytes is within the limit.
    fn fits(self, count: usize, bytes: usize) -> bool {
        if self.0 >= 0 {
            count <= self.0.max(1) as usize && bytes <= SAFETY_LIMIT
        } else {
            let class = ((-self.0 - 1) as usize).min(4);
            bytes <= 4096 << class
        }
    }
}

impl Default for Fill {
    fn default() -> Self {
        Fill(-2)
    }
}

fn varint_len(n: usize) -> usize {
    super::varint::len(n as u64)
}

/// Bytes an element of `len` bytes takes in a node.
#[inline]
fn entry_size(len: usize) -> usize {
    2 * varint_len(len) + len
}

/// Writes the encoded element into `out`, which is exactly `entry_size(v.len())` long.
fn encode_into(out: &mut [u8], v: &[u8]) {
    let h = varint_len(v.len());
    let mut n = v.len();
    for i in 0..h {
        let more = if i + 1 < h { 0x80 } else { 0 };
        let b = (n & 0x7f) as u8 | more;
        out[i] = b;
        // The trailer holds the same bytes in reverse order.
        out[out.len() - 1 - i] = b;
        n >>= 7;
    }
    out[h..h + v.len()].copy_from_slice(v);
}

fn encode(v: &[u8]) -> Vec<u8> {
    let mut out = vec![0; entry_size(v.len())];
    encode_into(&mut out, v);
    out
}

/// Decodes the element starting at `p`: (data start, data length, entry end).
#[inline]
fn read_fwd(buf: &[u8], p: usize) -> (usize, usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = p;
    loop {
        let b = buf[i];
        n |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let h = i - p;
    (i, n, i + n + h)
}

/// Decodes the element ending at `e`: (entry start, data start, data length).
#[inline]
fn read_back(buf: &[u8], e: usize) -> (usize, usize, usize) {
    let mut n = 0usize;
    let mut shift = 0;
    let mut i = e;
    loop {
        i -= 1;
        let b = buf[i];
        n |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let h = e - i;
    let data = i - n;
    (data - h, data, n)
}

/// A run of packed elements.
#[derive(Debug, Clone, Default)]
struct Node {
    buf: Vec<u8>,
    count: u32,
}

impl Node {
    fn with(v: &[u8]) -> Node {
        let mut buf = vec![0; entry_size(v.len())];
        encode_into(&mut buf, v);
        Node { buf, count: 1 }
    }

    /// Byte offset of the `k`-th element (or the end for `k == count`).
    fn offset_of(&self, k: usize) -> usize {
        let mut p = 0;
        for _ in 0..k {
            p = read_fwd(&self.buf, p).2;
        }
        p
    }

    /// (entry start, entry end, data start, data len) of every element.
    fn spans(&self) -> Vec<(usize, usize, usize, usize)> {
        let mut out = Vec::with_capacity(self.count as usize);
        let mut p = 0;
        while p < self.buf.len() {
            let (d, n, e) = read_fwd(&self.buf, p);
            out.push((p, e, d, n));
            p = e;
        }
        out
    }

    /// Inserts `v` as a new element at byte offset `off`.
    fn insert_at(&mut self, off: usize, v: &[u8]) {
        let sz = entry_size(v.len());
        let old = self.buf.len();
        self.buf.reserve_exact(sz);
        self.buf.resize(old + sz, 0);
        self.buf.copy_within(off..old, off + sz);
        encode_into(&mut self.buf[off..off + sz], v);
        self.count += 1;
    }

    fn fits(&self, fill: Fill, extra_bytes: usize) -> bool {
        self.count == 0 || fill.fits(self.count as usize + 1, self.buf.len() + extra_bytes)
    }

    /// Gives memory back after many elements left the node.
    fn maybe_shrink(&mut self) {
        if self.buf.capacity() > 2 * self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
    }
}

/// A list value.
#[derive(Debug, Clone, Default)]
pub struct List {
    nodes: Nodes,
}

const _: () = assert!(std::mem::size_of::<List>() == 32);

/// The node table, with a deque's interface (what `List` uses of it).
///
/// `One` holds a list of at most one node inline: its node's count is the
/// list's length, and an empty list is `One` with an empty node (the only
/// empty node allowed). `Many` holds two or more nodes and the length.
/// Operations end with [`Nodes::settle`], which records the new length and
/// goes back to `One` when a single node is left, so conversions can happen
/// anywhere in the middle of an operation.
#[derive(Debug, Clone)]
enum Nodes {
    One(Node),
    Many(Box<Quick>),
}

#[derive(Debug, Clone)]
struct Quick {
    nodes: VecDeque<Node>,
    len: usize,
}

impl Default for Nodes {
    fn default() -> Self {
        Nodes::One(Node::default())
    }
}

impl Nodes {
    /// Number of (non-empty) nodes.
    fn len(&self) -> usize {
        match self {
            Nodes::One(n) => (n.count > 0) as usize,
            Nodes::Many(q) => q.nodes.len(),
        }
    }

    fn get(&self, i: usize) -> Option<&Node> {
        match self {
            Nodes::One(n) => (i == 0 && n.count > 0).then_some(n),
            Nodes::Many(q) => q.nodes.get(i),
        }
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut Node> {
        match self {
            Nodes::One(n) => (i == 0 && n.count > 0).then_some(n),
            Nodes::Many(q) => q.nodes.get_mut(i),
        }
    }

    fn front_mut(&mut self) -> Option<&mut Node> {
        self.get_mut(0)
    }

    fn back(&self) -> Option<&Node> {
        self.get(self.len().checked_sub(1)?)
    }

    fn back_mut(&mut self) -> Option<&mut Node> {
        let last = self.len().checked_sub(1)?;
        self.get_mut(last)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = &Node> {
        let (one, many) = match self {
            Nodes::One(n) => (Some(n).filter(|n| n.count > 0), None),
            Nodes::Many(q) => (None, Some(q.nodes.iter())),
        };
        one.into_iter().chain(many.into_iter().flatten())
    }

    /// The deque, converting a `One` with a node into `Many` first.
    fn deque(&mut self) -> &mut VecDeque<Node> {
        if let Nodes::One(n) = self {
            let n = std::mem::take(n);
            let len = n.count as usize;
            let mut nodes = VecDeque::with_capacity(2);
            if n.count > 0 {
                nodes.push_back(n);
            }
            *self = Nodes::Many(Box::new(Quick { nodes, len }));
        }
        match self {
            Nodes::Many(q) => &mut q.nodes,
            Nodes::One(_) => unreachable!("converted above"),
        }
    }

    fn push_front(&mut self, node: Node) {
        match self {
            Nodes::One(n) if n.count == 0 => *n = node,
            _ => self.deque().push_front(node),
        }
    }

    fn push_back(&mut self, node: Node) {
        match self {
            Nodes::One(n) if n.count == 0 => *n = node,
            _ => self.deque().push_back(node),
        }
    }

    fn insert(&mut self, i: usize, node: Node) {
        self.deque().insert(i, node);
    }

    fn remove(&mut self, i: usize) {
        match self {
            Nodes::One(n) => *n = Node::default(),
            Nodes::Many(q) => {
                q.nodes.remove(i);
            }
        }
    }

    fn pop_front(&mut self) {
        self.remove(0);
    }

    fn pop_back(&mut self) {
        let last = self.len().saturating_sub(1);
        self.remove(last);
    }

    fn retain(&mut self, keep: impl FnMut(&Node) -> bool) {
        match self {
            Nodes::One(n) => {
                if n.count > 0 && !{ keep }(n) {
                    *n = Node::default();
                }
            }
            Nodes::Many(q) => q.nodes.retain(keep),
        }
    }

    /// Ends an operation: records the list's length and returns to `One`
    /// when at most one node is left.
    fn settle(&mut self, len: usize) {
        if let Nodes::Many(q) = self {
            q.len = len;
            if q.nodes.len() <= 1 {
                *self = Nodes::One(q.nodes.pop_front().unwrap_or_default());
            }
        }
        debug_assert_eq!(self.iter().map(|n| n.count as usize).sum::<usize>(), len);
    }

    /// The list's length.
    fn total(&self) -> usize {
        match self {
            Nodes::One(n) => n.count as usize,
            Nodes::Many(q) => q.len,
        }
    }
}

impl std::ops::Index<usize> for Nodes {
    type Output = Node;
    fn index(&self, i: usize) -> &Node {
        self.get(i).expect("node index in range")
    }
}

impl std::ops::IndexMut<usize> for Nodes {
    fn index_mut(&mut self, i: usize) -> &mut Node {
        self.get_mut(i).expect("node index in range")
    }
}

impl PartialEq for List {
    fn eq(&self, other: &List) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl List {
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.nodes.total()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with (Redis 7.0: always `quicklist`).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Number of nodes (for DEBUG-style introspection and tests).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Bytes of element storage (for MEMORY USAGE-style estimates).
    pub fn allocated_bytes(&self) -> usize {
        self.nodes.iter().map(|n| n.buf.capacity() + std::mem::size_of::<Node>()).sum()
    }

    /// Adds `v` at the head (`front`) or the tail.
    pub fn push(&mut self, front: bool, v: &[u8], fill: Fill) {
        let new_len = self.len() + 1;
        let sz = entry_size(v.len());
        let node = if front { self.nodes.front_mut() } else { self.nodes.back_mut() };
        match node {
            Some(n) if n.fits(fill, sz) => {
                let off = if front { 0 } else { n.buf.len() };
                n.insert_at(off, v);
            }
            _ => {
                if front {
                    self.nodes.push_front(Node::with(v))
                } else {
                    self.nodes.push_back(Node::with(v))
                }
            }
        }
        self.nodes.settle(new_len);
    }

    /// Removes and returns the head (`front`) or tail element.
    pub fn pop(&mut self, front: bool) -> Option<Vec<u8>> {
        let new_len = self.len().checked_sub(1)?;
        let node = if front { self.nodes.front_mut()? } else { self.nodes.back_mut()? };
        let out = if front {
            let (d, n, e) = read_fwd(&node.buf, 0);
            let out = node.buf[d..d + n].to_vec();
            node.buf.drain(..e);
            out
        } else {
            let (s, d, n) = read_back(&node.buf, node.buf.len());
            let out = node.buf[d..d + n].to_vec();
            node.buf.truncate(s);
            out
        };
        node.count -= 1;
        let empty = node.count == 0;
        if empty {
            if front {
                self.nodes.pop_front();
            } else {
                self.nodes.pop_back();
            }
        } else {
            node.maybe_shrink();
        }
        self.nodes.settle(new_len);
        Some(out)
    }

    /// The node holding element `i` and its position in that node, walking
    /// from the nearer end.
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        let len = self.len();
        if i >= len {
            return None;
        }
        if i < len / 2 {
            let mut rem = i;
            for (ni, n) in self.nodes.iter().enumerate() {
                let c = n.count as usize;
                if rem < c {
                    return Some((ni, rem));
                }
                rem -= c;
            }
        } else {
            let mut rem = len - 1 - i;
            for ni in (0..self.nodes.len()).rev() {
                let c = self.nodes[ni].count as usize;
                if rem < c {
                    return Some((ni, c - 1 - rem));
                }
                rem -= c;
            }
        }
        None
    }

    /// Byte span (entry start, entry end, data start, data len) of element `k` of node `ni`.
    fn span(&self, ni: usize, k: usize) -> (usize, usize, usize, usize) {
        let node = &self.nodes[ni];
        if k + 1 == node.count as usize {
            let (s, d, n) = read_back(&node.buf, node.buf.len());
            return (s, node.buf.len(), d, n);
        }
        let p = node.offset_of(k);
        let (d, n, e) = read_fwd(&node.buf, p);
        (p, e, d, n)
    }

    /// Element `i` (0-based from the head).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let (ni, k) = self.locate(i)?;
        let (_, _, d, n) = self.span(ni, k);
        Some(&self.nodes[ni].buf[d..d + n])
    }

    /// Replaces element `i`; false if out of range.
    pub fn set(&mut self, i: usize, v: &[u8], fill: Fill) -> bool {
        let Some((ni, k)) = self.locate(i) else { return false };
        let (s, e, _, _) = self.span(ni, k);
        let len = self.len();
        self.nodes[ni].buf.splice(s..e, encode(v));
        self.split_if_needed(ni, fill);
        self.nodes.settle(len);
        true
    }

    /// Inserts `v` so that it becomes element `i` (`i == len` appends).
    pub fn insert(&mut self, i: usize, v: &[u8], fill: Fill) {
        if i == 0 {
            return self.push(true, v, fill);
        }
        if i >= self.len() {
            return self.push(false, v, fill);
        }
        let Some((ni, k)) = self.locate(i) else { return };
        let new_len = self.len() + 1;
        // At a node boundary, the tail of the previous node may have room.
        if k == 0 && self.nodes[ni - 1].fits(fill, entry_size(v.len())) {
            let prev = &mut self.nodes[ni - 1];
            let end = prev.buf.len();
            prev.insert_at(end, v);
        } else {
            let off = self.span(ni, k).0;
            self.nodes[ni].insert_at(off, v);
            self.split_if_needed(ni, fill);
        }
        self.nodes.settle(new_len);
    }

    /// Splits node `ni` in two halves while it is over the size limit.
    fn split_if_needed(&mut self, ni: usize, fill: Fill) {
        let node = &self.nodes[ni];
        if node.count < 2 || fill.fits(node.count as usize, node.buf.len()) {
            return;
        }
        let half = node.count as usize / 2;
        let off = node.offset_of(half);
        let node = &mut self.nodes[ni];
        let tail = Node { buf: node.buf[off..].to_vec(), count: node.count - half as u32 };
        node.buf.truncate(off);
        node.buf.shrink_to_fit();
        node.count = half as u32;
        self.nodes.insert(ni + 1, tail);
        self.split_if_needed(ni + 1, fill);
        self.split_if_needed(ni, fill);
    }

    /// Removes `n` elements starting at `start` (clamped to the list).
    pub fn remove_range(&mut self, start: usize, n: usize) {
        let end = start.saturating_add(n).min(self.len());
        if start >= end {
            return;
        }
        let new_len = self.len() - (end - start);
        let mut pos = 0;
        let mut ni = 0;
        while ni < self.nodes.len() && pos < end {
            let c = self.nodes[ni].count as usize;
            let (ns, ne) = (pos, pos + c);
            pos = ne;
            if ne <= start {
                ni += 1;
                continue;
            }
            let a = start.max(ns) - ns;
            let b = end.min(ne) - ns;
            if a == 0 && b == c {
                self.nodes.remove(ni);
                continue;
            }
            let node = &mut self.nodes[ni];
            let sa = node.offset_of(a);
            let mut sb = sa;
            for _ in a..b {
                sb = read_fwd(&node.buf, sb).2;
            }
            node.buf.drain(sa..sb);
            node.count -= (b - a) as u32;
            node.maybe_shrink();
            ni += 1;
        }
        self.nodes.settle(new_len);
    }

    /// Removes elements equal to `v`: the first `count` from the head if
    /// `count > 0`, from the tail if `count < 0`, all if 0. Returns how many.
    pub fn remove_matching(&mut self, v: &[u8], count: i64) -> usize {
        let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
        let rev = count < 0;
        let old_len = self.len();
        let mut removed = 0;
        let n_nodes = self.nodes.len();
        for step in 0..n_nodes {
            if removed >= limit {
                break;
            }
            let ni = if rev { n_nodes - 1 - step } else { step };
            let node = &mut self.nodes[ni];
            let spans = node.spans();
            let mut drop = vec![false; spans.len()];
            let mut hits = 0;
            let order: Box<dyn Iterator<Item = usize>> =
                if rev { Box::new((0..spans.len()).rev()) } else { Box::new(0..spans.len()) };
            for j in order {
                if removed >= limit {
                    break;
                }
                let (_, _, d, n) = spans[j];
                if &node.buf[d..d + n] == v {
                    drop[j] = true;
                    hits += 1;
                    removed += 1;
                }
            }
            if hits > 0 {
                let mut buf = Vec::with_capacity(node.buf.len());
                for (j, &(s, e, _, _)) in spans.iter().enumerate() {
                    if !drop[j] {
                        buf.extend_from_slice(&node.buf[s..e]);
                    }
                }
                node.buf = buf;
                node.count -= hits as u32;
            }
        }
        if removed > 0 {
            self.nodes.retain(|n| n.count > 0);
            self.nodes.settle(old_len - removed);
        }
        removed
    }

    /// Iterates over all elements (double-ended).
    pub fn iter(&self) -> Iter<'_> {
        let last = self.nodes.len().saturating_sub(1);
        Iter {
            list: self,
            fnode: 0,
            foff: 0,
            bnode: last,
            boff: self.nodes.back().map_or(0, |n| n.buf.len()),
            left: self.len(),
        }
    }

    /// Iterates from element `start` to the tail.
    pub fn iter_from(&self, start: usize) -> Iter<'_> {
        let mut it = self.iter();
        match self.locate(start) {
            None => it.left = 0,
            Some((ni, k)) => {
                it.fnode = ni;
                it.foff = self.nodes[ni].offset_of(k);
                it.left = self.len() - start;
            }
        }
        it
    }
}

/// An iterator over a list's elements, from either end.
pub struct Iter<'a> {
    list: &'a List,
    fnode: usize,
    foff: usize,
    bnode: usize,
    boff: usize,
    left: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.left == 0 {
            return None;
        }
        let nodes = &self.list.nodes;
        while self.foff >= nodes.get(self.fnode)?.buf.len() {
            self.fnode += 1;
            self.foff = 0;
        }
        let buf = &nodes[self.fnode].buf;
        let (d, n, e) = read_fwd(buf, self.foff);
        self.foff = e;
        self.left -= 1;
        Some(&buf[d..d + n])
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let nodes = &self.list.nodes;
        while self.boff == 0 {
            self.bnode = self.bnode.checked_sub(1)?;
            self.boff = nodes[self.bnode].buf.len();
        }
        let buf = &nodes.get(self.bnode)?.buf;
        let (s, d, n) = read_back(buf, self.boff);
        self.boff = s;
        self.left -= 1;
        Some(&buf[d..d + n])
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn model_check(l: &List, m: &VecDeque<Vec<u8>>) {
        assert_eq!(l.len(), m.len());
        assert!(l.iter().eq(m.iter().map(|v| v.as_slice())));
        assert!(l.iter().rev().eq(m.iter().rev().map(|v| v.as_slice())));
        assert_eq!(l.nodes.iter().map(|n| n.count as usize).sum::<usize>(), l.len());
        assert!(l.nodes.iter().all(|n| n.count > 0));
        for (i, v) in m.iter().enumerate() {
            assert_eq!(l.get(i), Some(v.as_slice()));
        }
    }

    #[test]
    fn against_a_model() {
        let mut rng = crate::util::Rng::new();
        for fill in [Fill(-2), Fill(4), Fill(1), Fill(-1)] {
            let mut l = List::new();
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for step in 0..3000u64 {
                let len = match rng.below(10) {
                    0 => 200 + rng.below(300),
                    _ => rng.below(12),
                };
                let v: Vec<u8> = (0..len).map(|i| b'a' + ((i as u64 + step) as usize % 3) as u8).collect();
                match rng.below(9) {
                    0 | 1 => {
                        l.push(true, &v, fill);
                        m.push_front(v);
                    }
                    2 | 3 => {
                        l.push(false, &v, fill);
                        m.push_back(v);
                    }
                    4 => assert_eq!(l.pop(step % 2 == 0), if step % 2 == 0 { m.pop_front() } else { m.pop_back() }),
                    5 => {
                        let i = rng.below(m.len() + 1);
                        l.insert(i, &v, fill);
                        m.insert(i, v);
                    }
                    6 if !m.is_empty() => {
                        let i = rng.below(m.len());
                        assert!(l.set(i, &v, fill));
                        m[i] = v;
                    }
                    7 if step % 7 == 0 => {
                        let s = rng.below(m.len() + 1);
                        let n = rng.below(5);
                        l.remove_range(s, n);
                        let e = (s + n).min(m.len());
                        m.drain(s.min(e)..e);
                    }
                    8 if step % 5 == 0 => {
                        let target = v[..v.len().min(1)].to_vec();
                        let count = rng.below(5) as i64 - 2;
                        let got = l.remove_matching(&target, count);
                        let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                        let mut removed = 0;
                        if count >= 0 {
                            let mut i = 0;
                            while i < m.len() {
                                if removed < limit && m[i] == target {
                                    m.remove(i);
                                    removed += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        } else {
                            let mut i = m.len();
                            while i > 0 {
                                i -= 1;
                                if removed < limit && m[i] == target {
                                    m.remove(i);
                                    removed += 1;
                                }
                            }
                        }
                        assert_eq!(got, removed);
                    }
                    _ => {}
                }
                if step % 97 == 0 {
                    model_check(&l, &m);
                    let s = rng.below(m.len() + 1);
                    assert!(l.iter_from(s).eq(m.iter().skip(s).map(|v| v.as_slice())));
                }
            }
            model_check(&l, &m);
        }
    }

    #[test]
    fn long_elements_round_trip() {
        let mut l = List::new();
        let big = vec![7u8; 100_000];
        l.push(false, b"x", Fill::default());
        l.push(false, &big, Fill::default());
        l.push(true, &big[..300], Fill::default());
        assert_eq!(l.get(2), Some(big.as_slice()));
        assert_eq!(l.pop(false).as_deref(), Some(big.as_slice()));
        assert_eq!(l.pop(true).map(|v| v.len()), Some(300));
    }
}
