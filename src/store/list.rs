//! The list value type and its encodings (owned by the list work; see
//! src/commands/list.rs for the commands).

/// A list value. Placeholder representation, to be replaced by the real one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct List {}

impl List {
    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }
}
