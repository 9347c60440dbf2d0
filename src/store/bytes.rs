//! `SmallBytes`: an immutable byte string in 16 bytes, for keys, set members,
//! hash fields and short string values.
//!
//! Why not `Box<[u8]>`: a box is 16 bytes *plus* a heap allocation of at least
//! 16 bytes, and a pointer to chase on every comparison. Most keys and members
//! are short (`user:1000`, `session:ab12`), so strings of up to
//! [`INLINE_MAX`] bytes live inside the 16 bytes themselves and need no
//! allocation at all; longer ones keep one exact-size heap block, as a box
//! would. With 1M keys this alone saves 16 bytes per key for the key and
//! another 16 to 32 for a short value, plus one cache miss per lookup.
//!
//! The enum is laid out by rustc as a one-byte tag followed by the payload;
//! the tag byte leaves a niche that lets an enclosing enum (`Str`, then
//! `Value`) keep its own discriminant there, so `Value` stays 16 bytes too.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::ptr::NonNull;

/// Longest string stored inline, without a heap allocation.
pub const INLINE_MAX: usize = 14;

/// An immutable byte string: inline up to [`INLINE_MAX`] bytes, else one
/// exact-size heap block (up to 2^48 bytes).
pub enum SmallBytes {
    Inline {
        len: u8,
        data: [u8; INLINE_MAX],
    },
    /// A `Box<[u8]>` taken apart so the length fits around the tag byte.
    Heap {
        len_hi: u16,
        len_lo: u32,
        ptr: NonNull<u8>,
    },
}

const _: () = assert!(std::mem::size_of::<SmallBytes>() == 16);

// SAFETY: a `Heap` owns its block exclusively, exactly like the `Box<[u8]>` it
// was made from, and the bytes are never mutated through a shared reference.
unsafe impl Send for SmallBytes {}
unsafe impl Sync for SmallBytes {}

impl SmallBytes {
    pub const EMPTY: SmallBytes = SmallBytes::Inline { len: 0, data: [0; INLINE_MAX] };

    #[inline]
    pub fn new(b: &[u8]) -> SmallBytes {
        if b.len() <= INLINE_MAX {
            let mut data = [0u8; INLINE_MAX];
            data[..b.len()].copy_from_slice(b);
            SmallBytes::Inline { len: b.len() as u8, data }
        } else {
            Self::from_box(b.into())
        }
    }

    fn from_box(b: Box<[u8]>) -> SmallBytes {
        if b.len() <= INLINE_MAX {
            return Self::new(&b);
        }
        let len = b.len() as u64;
        assert!(len < 1 << 48, "string too long for SmallBytes");
        let raw = Box::into_raw(b) as *mut u8;
        // SAFETY: `Box::into_raw` never returns null.
        let ptr = unsafe { NonNull::new_unchecked(raw) };
        SmallBytes::Heap { len_hi: (len >> 32) as u16, len_lo: len as u32, ptr }
    }

    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        match self {
            SmallBytes::Inline { len, data } => &data[..*len as usize],
            SmallBytes::Heap { len_hi, len_lo, ptr } => {
                let len = ((*len_hi as usize) << 32) | *len_lo as usize;
                // SAFETY: `ptr` and `len` come from a live `Box<[u8]>` this value owns.
                unsafe { std::slice::from_raw_parts(ptr.as_ptr(), len) }
            }
        }
    }

    /// True when the bytes live in a heap block (for memory accounting).
    #[inline]
    pub fn is_heap(&self) -> bool {
        matches!(self, SmallBytes::Heap { .. })
    }

    /// Heap bytes owned beyond the 16 bytes of the value itself.
    pub fn heap_size(&self) -> usize {
        Self::heap_size_for(self.len())
    }

    /// Heap bytes a `SmallBytes` of `len` bytes owns (without building one).
    pub const fn heap_size_for(len: usize) -> usize {
        if len > INLINE_MAX {
            len
        } else {
            0
        }
    }

    /// The bytes as a box, reusing the heap block when there is one.
    pub fn into_boxed(self) -> Box<[u8]> {
        let me = std::mem::ManuallyDrop::new(self);
        match &*me {
            SmallBytes::Inline { len, data } => data[..*len as usize].into(),
            SmallBytes::Heap { .. } => {
                let len = me.len();
                let SmallBytes::Heap { ptr, .. } = &*me else { unreachable!("matched Heap") };
                // SAFETY: rebuilds the box this value was made from; `me` is not dropped.
                unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), len)) }
            }
        }
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.into_boxed().into_vec()
    }
}

impl Drop for SmallBytes {
    fn drop(&mut self) {
        if let SmallBytes::Heap { len_hi, len_lo, ptr } = *self {
            let len = ((len_hi as usize) << 32) | len_lo as usize;
            // SAFETY: rebuilds and frees the box this value was made from.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), len)) });
        }
    }
}

impl Deref for SmallBytes {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for SmallBytes {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Borrow<[u8]> for SmallBytes {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

impl Clone for SmallBytes {
    fn clone(&self) -> Self {
        match self {
            SmallBytes::Inline { len, data } => SmallBytes::Inline { len: *len, data: *data },
            SmallBytes::Heap { .. } => SmallBytes::new(self.as_slice()),
        }
    }
}

impl Default for SmallBytes {
    fn default() -> Self {
        SmallBytes::EMPTY
    }
}

impl PartialEq for SmallBytes {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for SmallBytes {}

impl PartialEq<[u8]> for SmallBytes {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialOrd for SmallBytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SmallBytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl Hash for SmallBytes {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state)
    }
}

impl fmt::Debug for SmallBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

impl From<&[u8]> for SmallBytes {
    #[inline]
    fn from(b: &[u8]) -> Self {
        SmallBytes::new(b)
    }
}

impl From<&Vec<u8>> for SmallBytes {
    fn from(b: &Vec<u8>) -> Self {
        SmallBytes::new(b)
    }
}

impl<const N: usize> From<&[u8; N]> for SmallBytes {
    fn from(b: &[u8; N]) -> Self {
        SmallBytes::new(b)
    }
}

impl From<Box<[u8]>> for SmallBytes {
    fn from(b: Box<[u8]>) -> Self {
        SmallBytes::from_box(b)
    }
}

impl From<Vec<u8>> for SmallBytes {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= INLINE_MAX {
            SmallBytes::new(&v)
        } else {
            SmallBytes::from_box(v.into_boxed_slice())
        }
    }
}

impl From<SmallBytes> for Box<[u8]> {
    fn from(s: SmallBytes) -> Self {
        s.into_boxed()
    }
}

impl From<SmallBytes> for Vec<u8> {
    fn from(s: SmallBytes) -> Self {
        s.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_heap_round_trip() {
        for n in [0usize, 1, 13, 14, 15, 16, 100, 5000] {
            let v: Vec<u8> = (0..n).map(|i| i as u8).collect();
            let s = SmallBytes::from(&v[..]);
            assert_eq!(s.as_slice(), &v[..]);
            assert_eq!(s.is_heap(), n > INLINE_MAX);
            let c = s.clone();
            assert_eq!(c, s);
            assert_eq!(s.into_vec(), v);
            assert_eq!(SmallBytes::from(v.clone()).into_boxed().as_ref(), &v[..]);
            assert_eq!(&*SmallBytes::from(v.clone().into_boxed_slice()), &v[..]);
        }
    }

    #[test]
    fn sixteen_bytes_with_a_niche() {
        assert_eq!(std::mem::size_of::<SmallBytes>(), 16);
        assert_eq!(std::mem::size_of::<Option<SmallBytes>>(), 16);
    }
}
