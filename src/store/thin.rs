//! Aggregates in one pointer.
//!
//! A small hash or sorted set is kept *packed*: one exact-size byte block
//! ([`Block`]) whose header holds its length and element count. A big one is
//! a boxed structure (a dict, a skiplist). [`Thin`] holds either behind a
//! single pointer, so the value sits inside the keyspace entry's `Value`
//! with no box of its own: a small aggregate costs the entry plus one block.
//! The first four bytes pointed at tell the two apart: a block's length, or
//! [`BIG_MARK`] (no block is that long) at the head of the boxed structure.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;

/// Bytes before a block's first entry: its length (`u32`, little-endian),
/// then its element count (`u16`, [`COUNT_BY_SCAN`] past 65534).
pub const HEADER: usize = 6;
/// The count stored when the real one does not fit: count by walking.
pub const COUNT_BY_SCAN: u16 = u16::MAX;
/// First four bytes of a boxed big encoding.
const BIG_MARK: u32 = u32::MAX;
/// The block of every empty packed value (never written, never freed).
static EMPTY_BLOCK: [u8; HEADER] = [HEADER as u8, 0, 0, 0, 0, 0];

/// An exact-size byte block: header, then entries in the owner's format.
pub struct Block {
    ptr: NonNull<u8>,
}

// SAFETY: a `Block` owns its allocation exclusively, like the `Box<[u8]>` it
// was made from; shared references only read it.
unsafe impl Send for Block {}
unsafe impl Sync for Block {}

impl Block {
    /// The empty block (no allocation).
    pub fn empty() -> Block {
        Block { ptr: NonNull::from(&EMPTY_BLOCK).cast::<u8>() }
    }

    fn is_shared_empty(&self) -> bool {
        std::ptr::eq(self.ptr.as_ptr().cast_const(), EMPTY_BLOCK.as_ptr())
    }

    /// The first four bytes: the block's length (or a big encoding's mark).
    #[inline]
    fn mark(&self) -> u32 {
        // SAFETY: a block and a `Big` both start with 4 readable bytes.
        u32::from_le_bytes(unsafe { self.ptr.as_ptr().cast::<[u8; 4]>().read_unaligned() })
    }

    /// The whole block, header included (entries start at [`HEADER`]).
    #[inline]
    pub fn buf(&self) -> &[u8] {
        // SAFETY: a block is `mark()` bytes long (see `edit`).
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.mark() as usize) }
    }

    /// The stored element count; `None` when it is too big for the header
    /// (the owner counts by walking its entries).
    #[inline]
    pub fn count(&self) -> Option<usize> {
        let b = self.buf();
        match u16::from_le_bytes([b[4], b[5]]) {
            COUNT_BY_SCAN => None,
            n => Some(n as usize),
        }
    }

    /// Bytes of the block (for size limits); 0 when empty.
    pub fn bytes(&self) -> usize {
        if self.is_shared_empty() {
            0
        } else {
            self.buf().len()
        }
    }

    /// Takes the block out as a `Vec` (no copy), leaving the empty block.
    fn take_vec(&mut self) -> Vec<u8> {
        if self.is_shared_empty() {
            return EMPTY_BLOCK.to_vec();
        }
        let len = self.mark() as usize;
        let ptr = std::mem::replace(&mut self.ptr, Block::empty().ptr);
        // SAFETY: a block that is not the shared one came from
        // `Box::<[u8]>::into_raw` in `edit` or `clone`, `len` bytes long; it
        // is rebuilt once, and `self` no longer points at it.
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), len)) }.into_vec()
    }

    /// Runs `f` on the whole block as a `Vec` (no copy; entries start at
    /// [`HEADER`]), then stores the length and `count` in the header and
    /// keeps the block exact-size. Each change reallocates, which the
    /// allocator does in place while the size stays within its size class
    /// (as Redis's listpack does with `lpInsert`).
    pub fn edit<R>(&mut self, count: usize, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let mut v = self.take_vec();
        let r = f(&mut v);
        if count == 0 {
            return r;
        }
        // The owners convert to their big encoding long before 4 GiB.
        let len = u32::try_from(v.len()).ok().filter(|&l| l != BIG_MARK).expect("packed block size");
        let stored = if count >= COUNT_BY_SCAN as usize { COUNT_BY_SCAN } else { count as u16 };
        v[..4].copy_from_slice(&len.to_le_bytes());
        v[4..HEADER].copy_from_slice(&stored.to_le_bytes());
        let raw = Box::into_raw(v.into_boxed_slice()).cast::<u8>();
        // SAFETY: `Box::into_raw` never returns null.
        self.ptr = unsafe { NonNull::new_unchecked(raw) };
        r
    }

    /// Writes a raw stored count (tests of the count-by-scan path).
    #[cfg(test)]
    pub fn store_count(&mut self, n: u16) {
        assert!(!self.is_shared_empty());
        // SAFETY: a non-empty block has its count at bytes 4..6.
        unsafe { self.ptr.as_ptr().add(4).cast::<[u8; 2]>().write_unaligned(n.to_le_bytes()) }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        drop(self.take_vec());
    }
}

impl Clone for Block {
    fn clone(&self) -> Self {
        if self.is_shared_empty() {
            return Block::empty();
        }
        let raw = Box::into_raw(Box::<[u8]>::from(self.buf())).cast::<u8>();
        // SAFETY: `Box::into_raw` never returns null; the copy keeps the
        // header, so it is a block like the original.
        Block { ptr: unsafe { NonNull::new_unchecked(raw) } }
    }
}

/// A packed encoding: a type that is a [`Block`] plus its own entry format.
pub trait Packed: Sized {
    fn block(&self) -> &Block;
    fn from_block(b: Block) -> Self;
}

/// The big encoding behind the pointer, after its mark.
#[repr(C)]
struct Big<T> {
    mark: u32,
    value: T,
}

/// A packed `P` or a boxed `T`, in one pointer.
pub struct Thin<P: Packed, T> {
    /// The packed value, or (when the mark says so) a `Box<Big<T>>` taken
    /// apart: dropped by hand in `Drop for Thin`.
    raw: ManuallyDrop<P>,
    _big: PhantomData<Box<T>>,
}

/// A borrowed view of a [`Thin`]'s encoding.
pub enum View<'a, P, T> {
    Packed(&'a P),
    Big(&'a T),
}

pub enum ViewMut<'a, P, T> {
    Packed(&'a mut P),
    Big(&'a mut T),
}

// SAFETY: a `Thin` owns what it points at (a block or a boxed `T`).
unsafe impl<P: Packed + Send, T: Send> Send for Thin<P, T> {}
unsafe impl<P: Packed + Sync, T: Sync> Sync for Thin<P, T> {}

impl<P: Packed, T> Thin<P, T> {
    pub fn packed(p: P) -> Self {
        Thin { raw: ManuallyDrop::new(p), _big: PhantomData }
    }

    pub fn big(value: T) -> Self {
        let boxed = Box::new(Big { mark: BIG_MARK, value });
        let ptr = NonNull::from(Box::leak(boxed)).cast::<u8>();
        Thin::packed(P::from_block(Block { ptr }))
    }

    #[inline]
    pub fn is_big(&self) -> bool {
        self.raw.block().mark() == BIG_MARK
    }

    #[inline]
    fn big_ptr(&self) -> *mut Big<T> {
        self.raw.block().ptr.as_ptr().cast::<Big<T>>()
    }

    #[inline]
    pub fn view(&self) -> View<'_, P, T> {
        if self.is_big() {
            // SAFETY: the mark says the pointer came from a live `Box<Big<T>>`.
            View::Big(unsafe { &(*self.big_ptr()).value })
        } else {
            View::Packed(&self.raw)
        }
    }

    #[inline]
    pub fn view_mut(&mut self) -> ViewMut<'_, P, T> {
        if self.is_big() {
            // SAFETY: as in `view`; `&mut self` makes the access exclusive.
            ViewMut::Big(unsafe { &mut (*self.big_ptr()).value })
        } else {
            ViewMut::Packed(&mut self.raw)
        }
    }
}

impl<P: Packed, T> Drop for Thin<P, T> {
    fn drop(&mut self) {
        if self.is_big() {
            // SAFETY: the mark says the pointer came from `Box::leak` of a
            // `Box<Big<T>>` in `big`; it is rebuilt once, here, and the
            // `P` around it is never dropped.
            drop(unsafe { Box::from_raw(self.big_ptr()) });
        } else {
            // SAFETY: `raw` is a packed value and is not used again.
            unsafe { ManuallyDrop::drop(&mut self.raw) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(Block);

    impl Packed for Bytes {
        fn block(&self) -> &Block {
            &self.0
        }
        fn from_block(b: Block) -> Self {
            Bytes(b)
        }
    }

    #[test]
    fn blocks_and_big_values_behind_one_pointer() {
        assert_eq!(std::mem::size_of::<Thin<Bytes, Vec<u8>>>(), 8);
        let mut t: Thin<Bytes, Vec<String>> = Thin::packed(Bytes(Block::empty()));
        assert!(!t.is_big());
        let ViewMut::Packed(p) = t.view_mut() else { panic!("packed") };
        assert_eq!((p.0.bytes(), p.0.count()), (0, Some(0)));
        p.0.edit(2, |v| v.extend_from_slice(b"abcd"));
        assert_eq!(p.0.buf(), &[10, 0, 0, 0, 2, 0, b'a', b'b', b'c', b'd']);
        let copy = p.0.clone();
        p.0.store_count(COUNT_BY_SCAN);
        assert_eq!(p.0.count(), None);
        p.0.edit(0, |v| v.truncate(HEADER));
        assert_eq!(p.0.bytes(), 0);
        assert_eq!(copy.count(), Some(2));
        t = Thin::big(vec!["x".to_string()]);
        assert!(t.is_big());
        let View::Big(v) = t.view() else { panic!("big") };
        assert_eq!(v, &["x".to_string()]);
        let ViewMut::Big(v) = t.view_mut() else { panic!("big") };
        v.push("y".into());
        assert!(matches!(t.view(), View::Big(v) if v.len() == 2));
    }
}
