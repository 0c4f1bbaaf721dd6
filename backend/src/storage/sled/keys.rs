//! The byte layout of sled keys, shared by every tree: keys scanned by owner (a device's
//! reports, a parent's feed, a mailbox) start with the owner's id preceded by its length, so the
//! scan of one owner never runs into another whose id starts with the same bytes; sequence
//! numbers and times are big-endian, so byte order is numeric order; and the age indexes that
//! purges read are keyed `time || key`.

use crate::storage::error::{StorageError, StorageResult};

/// Bytes of a big-endian time or sequence number in a key.
pub(super) const TIME_LEN: usize = 8;

/// The start of every key owned by `owner`: its length, then its bytes.
pub(super) fn owner_prefix(owner: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(TIME_LEN + owner.len() + TIME_LEN);
    key.extend_from_slice(&(owner.len() as u64).to_be_bytes());
    key.extend_from_slice(owner.as_bytes());
    key
}

/// A key owned by `owner`, ending with `tail`.
pub(super) fn owned_key(owner: &str, tail: &[u8]) -> Vec<u8> {
    let mut key = owner_prefix(owner);
    key.extend_from_slice(tail);
    key
}

/// An age-index key: `time`, then the key of the record it indexes.
pub(super) fn timed_key(time: u64, record_key: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(TIME_LEN + record_key.len());
    key.extend_from_slice(&time.to_be_bytes());
    key.extend_from_slice(record_key);
    key
}

/// The sequence number ending `key`, if `key` is `prefix || seq`.
pub(super) fn seq_under(key: &[u8], prefix: &[u8]) -> Option<u64> {
    let tail = key.strip_prefix(prefix)?;
    Some(u64::from_be_bytes(tail.try_into().ok()?))
}

/// A big-endian number at the start of `bytes`.
pub(super) fn be_u64(bytes: &[u8], what: &str) -> StorageResult<u64> {
    bytes
        .get(..TIME_LEN)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StorageError::Corrupt(format!("a {what} is cut short")))
}

/// The smallest key after `key`.
pub(super) fn successor(key: &[u8]) -> Vec<u8> {
    let mut next = key.to_vec();
    next.push(0);
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_prefix_never_matches_a_longer_owner() {
        let short = owner_prefix("ab");
        assert!(!owned_key("abc", b"").starts_with(&short));
        assert!(owned_key("ab", b"\x00\x01").starts_with(&short));
    }
}
