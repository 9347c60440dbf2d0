//! The set value type and its encodings (owned by the set work; see
//! src/commands/set.rs for the commands).

/// A set value. Placeholder representation, to be replaced by the real one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Set {}

impl Set {
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
