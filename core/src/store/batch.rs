//! [`WriteBatch`]: the unit of change of a [`Store`](super::Store).

use std::fmt;

/// One atomic change to a store: all of its puts and deletes land together or none do, and the
/// change is flushed to disk before [`Store::apply`](super::Store::apply) returns. When a batch
/// writes the same key twice, the later write wins.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// Every write in the order it was made: `Some(value)` puts, `None` deletes.
    writes: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` under `key`, replacing any value there.
    pub fn put(&mut self, key: &[u8], value: &[u8]) {
        self.writes.push((key.to_vec(), Some(value.to_vec())));
    }

    /// Removes `key` and its value; removing a missing key is not an error.
    pub fn delete(&mut self, key: &[u8]) {
        self.writes.push((key.to_vec(), None));
    }

    /// How many puts and deletes the batch holds.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether the batch holds no writes (applying it changes nothing).
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// The writes in the order they were made, for the store that applies them.
    pub(crate) fn into_writes(self) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
        self.writes
    }

    /// A batch of the given writes, for a store that rewrites a batch for the one it wraps.
    pub(crate) fn from_writes(writes: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Self {
        Self { writes }
    }
}

impl fmt::Debug for WriteBatch {
    /// Shows only how many writes there are: values are the child's data and must not reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let puts = self.writes.iter().filter(|(_, v)| v.is_some()).count();
        f.debug_struct("WriteBatch")
            .field("puts", &puts)
            .field("deletes", &(self.writes.len() - puts))
            .finish()
    }
}
