//! Repair of the one state, left by a kill, that sled 0.34 cannot open by itself.
//!
//! sled 0.34 writes a snapshot of its page table only while it opens, after replaying its log:
//! first to `snap.<lsn>.generating`, synced, then renamed to `snap.<lsn>`. When it next opens it
//! reads the snapshot file whose name sorts last, and `.generating` files are among the
//! candidates. A process killed while writing one therefore leaves a half-written file that every
//! later open picks, fails to verify, and answers with `Corruption { at: None }` (the reports in
//! sled's tracker, e.g. spacejam/sled#1527). The store would never open again.
//!
//! Such a file was never committed by sled's own protocol (the rename had not happened) and was
//! derived from the older snapshot and the log, which are both still on disk; removing it makes
//! sled run the same recovery again. Only files that fail sled's own check of a snapshot (its
//! length and CRC-32 trailer) are removed: a complete `.generating` file is exactly what sled
//! would read, and is left alone.

use std::fs;
use std::io;
use std::path::Path;

/// The start of the name of every sled snapshot file.
const SNAPSHOT_PREFIX: &str = "snap.";
/// The end of the name of a snapshot file sled had not finished writing.
const UNFINISHED_SUFFIX: &str = ".generating";
/// sled's snapshot trailer: the snapshot's length (u64) and the CRC-32 of its bytes (u32), both
/// little-endian.
const TRAILER_LEN: usize = 8 + 4;

/// Removes from the sled directory `dir` every unfinished snapshot file that is incomplete, and
/// returns how many were removed.
pub(crate) fn discard_incomplete_snapshots(dir: &Path) -> io::Result<usize> {
    let mut discarded = 0;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let is_unfinished = name
            .to_str()
            .is_some_and(|n| n.starts_with(SNAPSHOT_PREFIX) && n.ends_with(UNFINISHED_SUFFIX));
        if is_unfinished && !is_complete_snapshot(&fs::read(entry.path())?) {
            fs::remove_file(entry.path())?;
            discarded += 1;
        }
    }
    if discarded > 0 {
        // Keep the removal across a power cut too, not only across a kill.
        #[cfg(unix)]
        fs::File::open(dir)?.sync_all()?;
    }
    Ok(discarded)
}

/// Whether `bytes` pass the check sled makes when it reads a snapshot: longer than the trailer,
/// and ending with the CRC-32 of everything before the trailer.
fn is_complete_snapshot(bytes: &[u8]) -> bool {
    if bytes.len() <= TRAILER_LEN {
        return false;
    }
    let (body, trailer) = bytes.split_at(bytes.len() - TRAILER_LEN);
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&trailer[8..]);
    crc32(body) == u32::from_le_bytes(stored)
}

/// CRC-32 as sled computes it (IEEE 802.3: reflected polynomial 0xEDB88320, initial value and
/// final xor all ones). Bit by bit: snapshot files are small and read only after a failed open.
fn crc32(bytes: &[u8]) -> u32 {
    const REFLECTED_POLYNOMIAL: u32 = 0xEDB8_8320;
    let mut crc = u32::MAX;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let low_bit_set = crc & 1 == 1;
            crc >>= 1;
            if low_bit_set {
                crc ^= REFLECTED_POLYNOMIAL;
            }
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The check value of CRC-32/ISO-HDLC: the CRC of the ASCII digits "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn only_a_snapshot_with_a_matching_trailer_is_complete() {
        let body = b"page table bytes";
        let mut file = body.to_vec();
        file.extend_from_slice(&(body.len() as u64).to_le_bytes());
        file.extend_from_slice(&crc32(body).to_le_bytes());
        assert!(is_complete_snapshot(&file));
        assert!(!is_complete_snapshot(&file[..file.len() - 1]));
        assert!(!is_complete_snapshot(&file[..TRAILER_LEN]));
        assert!(!is_complete_snapshot(b""));
        let mut flipped = file.clone();
        flipped[0] ^= 1;
        assert!(!is_complete_snapshot(&flipped));
    }
}
