//! LZF, the compression Redis uses for long strings in RDB files
//! (`rdbcompression yes`), written from the format's description.
//!
//! A compressed stream is a sequence of items, each starting with a control
//! byte `c`:
//! - `c < 32`: a literal run; the next `c + 1` bytes are copied as they are.
//! - otherwise a back reference: `len = c >> 5` (when it is 7, the next byte
//!   is added to it), then one more byte gives the low 8 bits of the distance
//!   whose high 5 bits are `c & 31`. The `len + 2` bytes that start
//!   `distance + 1` bytes back in the output are copied (they may overlap the
//!   bytes being written, which repeats a pattern).
//!
//! The compressor is greedy: a hash of the next three bytes finds the last
//! position they were seen at; a match of three bytes or more within 8 KiB
//! becomes a back reference, anything else is added to the current literal run.

/// Longest literal run one control byte describes.
const MAX_LIT: usize = 32;
/// Longest match one back reference describes (7 + 255 + 2).
const MAX_REF: usize = 264;
/// Farthest distance a back reference reaches.
const MAX_OFF: usize = 1 << 13;
const HASH_BITS: u32 = 14;

#[inline]
fn hash3(b: &[u8]) -> usize {
    let v = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
    (v.wrapping_mul(2_654_435_761) >> (32 - HASH_BITS)) as usize
}

/// Compresses `input`; `None` if the result would be longer than `max_out`
/// bytes (the caller then stores the data as it is).
pub fn compress(input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    TABLE.with(|t| compress_with(&mut t.borrow_mut(), input, max_out))
}

thread_local! {
    /// The hash table of positions, reused by every call on this thread and
    /// never cleared: a stale entry is only a candidate, checked against the
    /// input before use, so clearing 64 KiB per string (a save compresses
    /// millions of them) is not needed.
    static TABLE: std::cell::RefCell<Vec<u32>> = std::cell::RefCell::new(vec![0; 1 << HASH_BITS]);
}

fn compress_with(table: &mut [u32], input: &[u8], max_out: usize) -> Option<Vec<u8>> {
    let n = input.len();
    let mut out = Vec::with_capacity(max_out.min(n + n / 16 + 64));
    // Start of the pending literal run in `input`, not yet written.
    let mut lit_start = 0usize;
    let mut i = 0usize;

    // Writes input[lit_start..end] as literal runs.
    fn flush_literals(out: &mut Vec<u8>, input: &[u8], from: usize, to: usize) {
        let mut s = from;
        while s < to {
            let run = (to - s).min(MAX_LIT);
            out.push((run - 1) as u8);
            out.extend_from_slice(&input[s..s + run]);
            s += run;
        }
    }

    while i + 2 < n {
        let h = hash3(&input[i..]);
        let c = table[h] as usize;
        table[h] = i as u32;
        if c < i {
            let dist = i - c;
            if dist <= MAX_OFF && input[c..c + 3] == input[i..i + 3] {
                let max_len = (n - i).min(MAX_REF);
                let mut len = 3;
                while len < max_len && input[c + len] == input[i + len] {
                    len += 1;
                }
                flush_literals(&mut out, input, lit_start, i);
                let off = dist - 1;
                let l = len - 2;
                if l < 7 {
                    out.push(((l as u8) << 5) | (off >> 8) as u8);
                } else {
                    out.push((7u8 << 5) | (off >> 8) as u8);
                    out.push((l - 7) as u8);
                }
                out.push((off & 0xff) as u8);
                if out.len() > max_out {
                    return None;
                }
                // Index the positions inside the match (cheaply: only a few),
                // so repeats of what it covered are found later.
                let end = i + len;
                let mut j = i + 1;
                while j + 2 < n && j < end {
                    table[hash3(&input[j..])] = j as u32;
                    j += 1;
                }
                i = end;
                lit_start = i;
                continue;
            }
        }
        i += 1;
        if i - lit_start > max_out {
            return None;
        }
    }
    flush_literals(&mut out, input, lit_start, n);
    if out.len() > max_out || out.is_empty() {
        return None;
    }
    Some(out)
}

/// Decompresses `input`, which must expand to exactly `expected` bytes.
pub fn decompress(input: &[u8], expected: usize) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(expected);
    let mut i = 0;
    while i < input.len() {
        let c = input[i] as usize;
        i += 1;
        if c < 32 {
            let run = c + 1;
            if i + run > input.len() || out.len() + run > expected {
                return None;
            }
            out.extend_from_slice(&input[i..i + run]);
            i += run;
        } else {
            let mut len = c >> 5;
            if len == 7 {
                len += *input.get(i)? as usize;
                i += 1;
            }
            let dist = ((c & 31) << 8) + *input.get(i)? as usize + 1;
            i += 1;
            len += 2;
            if dist > out.len() || out.len() + len > expected {
                return None;
            }
            let start = out.len() - dist;
            if dist >= len {
                out.extend_from_within(start..start + len);
            } else {
                for k in 0..len {
                    let b = out[start + k];
                    out.push(b);
                }
            }
        }
    }
    (out.len() == expected).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(data: &[u8]) {
        if let Some(c) = compress(data, data.len() + 64) {
            assert_eq!(decompress(&c, data.len()).as_deref(), Some(data));
        }
    }

    #[test]
    fn roundtrips() {
        roundtrip(b"");
        roundtrip(b"a");
        roundtrip(&[b'a'; 1000]);
        roundtrip(b"abcabcabcabcabcabcabcabcabcabcabcabcabcabc hello hello hello");
        let mut rng = crate::util::Rng::with_seed(7);
        for len in [10, 100, 1000, 10000, 100000] {
            let data: Vec<u8> = (0..len).map(|_| (rng.below(4) as u8) + b'a').collect();
            roundtrip(&data);
            let data: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
            roundtrip(&data);
        }
        let c = compress(&[b'x'; 100], 96).expect("compressible");
        assert!(c.len() < 10);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(decompress(&[0x20, 0x00], 3).is_none()); // reference before any output
        assert!(decompress(&[0x01, b'a'], 2).is_none()); // truncated literal
        assert!(decompress(&[0x00, b'a'], 2).is_none()); // wrong length
    }
}
