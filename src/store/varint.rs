//! LEB128 varints: the length prefixes (and integer scores) of the packed
//! encodings of hashes, sorted sets and list nodes.

/// Appends `n`, 7 bits per byte, low bits first.
pub fn write(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads the varint at `off`: (value, offset just after it). The packed
/// buffers are only ever written by [`write`], so they are well formed.
#[inline]
pub fn read(buf: &[u8], mut off: usize) -> (u64, usize) {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[off];
        off += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return (v, off);
        }
        shift += 7;
    }
}

/// Bytes [`write`] uses for `n`.
pub fn len(mut n: u64) -> usize {
    let mut l = 1;
    while n >= 0x80 {
        n >>= 7;
        l += 1;
    }
    l
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_length() {
        for n in [0u64, 1, 127, 128, 300, 16383, 16384, u32::MAX as u64, u64::MAX] {
            let mut b = vec![0xff];
            super::write(&mut b, n);
            assert_eq!(b.len() - 1, super::len(n));
            assert_eq!(super::read(&b, 1), (n, b.len()));
        }
    }
}
