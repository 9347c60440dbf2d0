//! The hash value type and its encodings (owned by the hash work; see
//! src/commands/hash.rs for the commands).

/// A hash value. Placeholder representation, to be replaced by the real one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hash {}

impl Hash {
    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "hashtable"
    }
}
