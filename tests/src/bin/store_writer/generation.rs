//! The batches the store crash test writes, and the check that the store holds one of them whole.
//!
//! Shared by the writer binary and by `tests/tests/store_crash.rs` (which includes this file by
//! path), so both sides agree on what a consistent store looks like. Generation `g` is one batch
//! that writes `g` to four keys, a payload whose length and bytes depend on `g`, a checksum over
//! all of it, and a key that exists only for odd `g` (so every other batch also deletes). Like a
//! real settings change, it also writes the safe-mode profile (its blocked categories name `g`)
//! and appends an entry to the hash-chained audit log, so the log must verify with exactly `g`
//! entries.

use childsafe_core::settings::audit::{Actor, AuditLog};
use childsafe_core::settings::{AgeBand, SafeModeProfile};
use childsafe_core::store::{Store, WriteBatch, get_json, put_json};

/// The namespace of every key the crash test writes.
pub(crate) const PREFIX: &[u8] = b"crash/";
/// The four keys that each hold the generation number.
const COPIES: [&[u8]; 4] = [
    b"crash/copy/a",
    b"crash/copy/b",
    b"crash/copy/c",
    b"crash/copy/d",
];
/// A value of varying length, so that batches differ in size and cross sled's buffer boundaries.
const PAYLOAD: &[u8] = b"crash/payload";
/// A checksum over the generation and the payload.
const CHECKSUM: &[u8] = b"crash/checksum";
/// Present, holding the generation, only after an odd generation.
const ODD: &[u8] = b"crash/odd";
/// Where the safe-mode profile lives, as safe mode itself keeps it.
const PROFILE: &[u8] = b"settings/profile";
/// The largest payload, in bytes.
const MAX_PAYLOAD: u64 = 3000;

/// The batch that moves `store` from generation `g - 1` to generation `g`.
pub(crate) fn generation_batch(store: &dyn Store, g: u64) -> Result<WriteBatch, String> {
    let number = g.to_string();
    let payload = payload(g);
    let mut batch = WriteBatch::new();
    for key in COPIES {
        batch.put(key, number.as_bytes());
    }
    batch.put(PAYLOAD, &payload);
    batch.put(CHECKSUM, checksum(g, &payload).as_bytes());
    if g % 2 == 1 {
        batch.put(ODD, number.as_bytes());
    } else {
        batch.delete(ODD);
    }
    put_json(&mut batch, PROFILE, &profile(g)).map_err(|e| format!("profile: {e}"))?;
    AuditLog::new(store)
        .append(&mut batch, Actor::System, format!("generation {g}"), g)
        .map_err(|e| format!("audit: {e}"))?;
    Ok(batch)
}

/// Generation `g`'s safe-mode profile: a band and one category that follow from `g`.
fn profile(g: u64) -> SafeModeProfile {
    let band = AgeBand::ALL[(g % AgeBand::ALL.len() as u64) as usize];
    let mut profile = SafeModeProfile::for_band(band);
    profile.blocked_categories.insert(format!("generation-{g}"));
    profile
}

/// The generation the store holds: 0 for a store the crash test never wrote, or why the store
/// does not hold exactly one whole generation.
pub(crate) fn stored_generation(store: &dyn Store) -> Result<u64, String> {
    let entries = store
        .scan_prefix(PREFIX)
        .map_err(|e| format!("the crash keys could not be read: {e}"))?;
    if entries.is_empty() {
        return Ok(0);
    }
    let value = |key: &[u8]| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_slice())
    };
    let copies: Vec<Option<&[u8]>> = COPIES.iter().map(|key| value(key)).collect();
    let g: u64 = copies[0]
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|text| text.parse().ok())
        .ok_or("the first copy of the generation is missing or not a number")?;
    let number = g.to_string();
    if copies.iter().any(|copy| *copy != Some(number.as_bytes())) {
        return Err(format!("the copies of the generation disagree: {copies:?}"));
    }
    let expected_payload = payload(g);
    if value(PAYLOAD) != Some(expected_payload.as_slice()) {
        return Err(format!("the payload is not generation {g}'s"));
    }
    if value(CHECKSUM) != Some(checksum(g, &expected_payload).as_bytes()) {
        return Err(format!("the checksum is not generation {g}'s"));
    }
    let odd_expected = (g % 2 == 1).then_some(number.as_bytes());
    if value(ODD) != odd_expected {
        return Err(format!(
            "the odd key does not match generation {g}: {:?}",
            value(ODD)
        ));
    }
    if entries.len() != COPIES.len() + 2 + usize::from(odd_expected.is_some()) {
        return Err(format!("unexpected keys: {} entries", entries.len()));
    }
    let stored_profile: Option<SafeModeProfile> =
        get_json(store, PROFILE).map_err(|e| format!("the profile could not be read: {e}"))?;
    if stored_profile != Some(profile(g)) {
        return Err(format!("the safe-mode profile is not generation {g}'s"));
    }
    let logged = AuditLog::new(store)
        .verify()
        .map_err(|e| format!("the audit log does not verify: {e}"))?;
    if logged != g {
        return Err(format!(
            "the audit log holds {logged} entries at generation {g}"
        ));
    }
    Ok(g)
}

/// Generation `g`'s payload: a length and bytes that both follow from `g`.
fn payload(g: u64) -> Vec<u8> {
    let len = g.wrapping_mul(2_654_435_761) % (MAX_PAYLOAD + 1);
    (0..len).map(|i| (g.wrapping_add(i) % 251) as u8).collect()
}

/// FNV-1a over the generation's bytes and the payload, as text.
fn checksum(g: u64, payload: &[u8]) -> String {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
    let hash = g
        .to_le_bytes()
        .iter()
        .chain(payload)
        .fold(FNV_OFFSET, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
        });
    format!("{g}:{hash:016x}")
}
