//! A latency histogram for INFO latencystats: log-linear buckets (32 per power
//! of two, about 3% relative error), allocated on first use so commands never
//! called cost nothing.

const LINEAR: usize = 64;
const SUB: usize = 32;
const BUCKETS: usize = LINEAR + (64 - 6) * SUB;

#[derive(Debug, Default, Clone)]
pub struct Histogram {
    counts: Option<Box<[u64]>>,
    total: u64,
}

fn index(v: u64) -> usize {
    if v < LINEAR as u64 {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros() as usize; // >= 6
    let sub = ((v >> (exp - 5)) as usize) & (SUB - 1);
    LINEAR + (exp - 6) * SUB + sub
}

/// The highest value that falls in bucket `i`.
fn upper(i: usize) -> u64 {
    if i < LINEAR {
        return i as u64;
    }
    let exp = (i - LINEAR) / SUB + 6;
    let sub = ((i - LINEAR) % SUB) as u64;
    let base = (SUB as u64 + sub) << (exp - 5);
    base.saturating_add((1u64 << (exp - 5)) - 1)
}

impl Histogram {
    /// Records one value (nanoseconds).
    #[inline]
    pub fn record(&mut self, v: u64) {
        let counts = self.counts.get_or_insert_with(|| vec![0u64; BUCKETS].into_boxed_slice());
        counts[index(v)] += 1;
        self.total += 1;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The value at percentile `p` (0..=100).
    pub fn percentile(&self, p: f64) -> u64 {
        let Some(counts) = &self.counts else { return 0 };
        let target = ((p / 100.0) * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, &c) in counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                return upper(i);
            }
        }
        upper(BUCKETS - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_close() {
        let mut h = Histogram::default();
        for v in 1..=1000u64 {
            h.record(v * 1000);
        }
        let p50 = h.percentile(50.0) as f64;
        assert!((p50 - 500_000.0).abs() / 500_000.0 < 0.04, "{p50}");
        let p100 = h.percentile(100.0) as f64;
        assert!((1_000_000.0..1_040_000.0).contains(&p100), "{p100}");
        assert_eq!(Histogram::default().percentile(50.0), 0);
        for v in [0u64, 1, 63, 64, 65, 1 << 40, u64::MAX] {
            assert!(upper(index(v)) >= v);
        }
    }
}
