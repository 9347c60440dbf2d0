//! The zset value type and its encodings (owned by the zset work; see
//! src/commands/zset.rs for the commands).

/// A zset value. Placeholder representation, to be replaced by the real one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ZSet {}

impl ZSet {
    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "skiplist"
    }
}
