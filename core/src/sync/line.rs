//! The sync run's line step: what the backend holds for this phone's carrier line, each piece
//! signed by its author and checked here, never taken on the backend's word.
//!
//! In this order, so that each piece is judged with what came before it:
//! 1. the carrier's key rotations, so that a profile signed with a new key is trusted;
//! 2. the carrier's deactivation of the line, or else its newest profile for this line and
//!    device (safe mode refuses one for another line or device, or not newer for the line);
//! 3. once, after the app's data was wiped, what tightens in the previous device's last signed
//!    snapshot (its signature checked against the key the backend gives, which is why only what
//!    tightens is taken: a relay that lied could only make the phone stricter);
//! 4. the carrier's signed safety pack.
//!
//! A piece that is refused changes nothing and is told as [`LineNews`]; the others still apply.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::client::{SyncClient, SyncError};
use crate::crypto::SigningKey;
use crate::protocol::carrier::LineDocuments;
use crate::protocol::keys::KeyRole;
use crate::protocol::request_signing::key_id;
use crate::safety::{SafetyError, install_safety_pack};
use crate::settings::status_snapshot::StatusSnapshot;
use crate::settings::{SafeMode, SafeModeError};
use crate::store::{Store, WriteBatch, get_json, put_json};
use crate::time::{ClockSource, trusted_now};
use crate::trust::{KeyRing, PinnedKeys};

/// Store key: the previous device whose snapshot was already taken back.
const RESTORED_FROM: &[u8] = b"sync/line-restored-from";

/// What the line step did or met.
#[derive(Debug)]
pub enum LineNews {
    /// A carrier key rotation was installed.
    KeyRotated,
    /// A carrier key rotation was refused (why).
    RotationRefused(String),
    /// The carrier's profile for this line and device is in force.
    ProfileApplied {
        /// The profile's sequence on the line.
        sequence: u64,
    },
    /// The carrier deactivated the line: safe mode is off.
    Deactivated {
        /// The carrier's reason.
        reason: String,
    },
    /// A profile or deactivation was refused and changed nothing (why).
    DocumentRefused(SafeModeError),
    /// This many tightenings came back from the previous device's snapshot.
    Restored(usize),
    /// The previous device's snapshot was not taken (why).
    RestoreRefused(String),
    /// The carrier's safety pack of this version is installed.
    SafetyPackInstalled(u64),
    /// The carrier's safety pack was refused (why).
    SafetyPackRefused(String),
}

/// Reads the line's documents and applies them; see the module's documentation.
pub async fn apply_line_documents<S: Store>(
    client: &SyncClient,
    safe_mode: &SafeMode<S>,
    device_key: &SigningKey,
    pinned: &PinnedKeys,
    clock: &dyn ClockSource,
    news: &(dyn Fn(LineNews) + Send + Sync),
) -> Result<(), SyncError> {
    let documents = client.line_documents(device_key).await?;
    if documents.line_handle.is_none() {
        return Ok(());
    }
    let store: &dyn Store = safe_mode.store();
    let ring = KeyRing::new(store, pinned);
    for rotation in &documents.key_rotations {
        let Some(bytes) = decode(rotation, news) else {
            continue;
        };
        match ring.install_rotation(&bytes, clock.reading()) {
            Ok(crate::trust::RotationInstalled::New) => news(LineNews::KeyRotated),
            Ok(_) => {}
            Err(error) => news(LineNews::RotationRefused(error.to_string())),
        }
    }
    let carrier_keys = match trusted_now(store, clock.reading())
        .map_err(|error| error.to_string())
        .and_then(|now| {
            ring.keys_for(KeyRole::Carrier, now.unix_secs())
                .map_err(|error| error.to_string())
        }) {
        Ok(keys) => keys,
        Err(error) => {
            news(LineNews::RotationRefused(format!(
                "the carrier keys cannot be read: {error}"
            )));
            return Ok(());
        }
    };
    apply_profile_or_deactivation(&documents, safe_mode, &carrier_keys, clock, news);
    restore_previous(&documents, safe_mode, clock, news);
    if let Some(pack) = &documents.safety_pack
        && let Some(bytes) = decode(pack, news)
    {
        match install_safety_pack(store, &bytes, &carrier_keys, clock.reading()) {
            Ok(version) => news(LineNews::SafetyPackInstalled(version)),
            // The pack held is the newest: nothing to say.
            Err(SafetyError::NotNewer { .. }) => {}
            Err(error) => news(LineNews::SafetyPackRefused(error.to_string())),
        }
    }
    Ok(())
}

/// Step 2: the deactivation wins over any profile; a document already applied is refused as
/// not newer, which is not news.
fn apply_profile_or_deactivation<S: Store>(
    documents: &LineDocuments,
    safe_mode: &SafeMode<S>,
    carrier_keys: &[crate::trust::TrustedKey],
    clock: &dyn ClockSource,
    news: &(dyn Fn(LineNews) + Send + Sync),
) {
    let already = |error: &SafeModeError| {
        matches!(
            error,
            SafeModeError::Activation(
                crate::settings::activation::ActivationError::NotNewer { .. }
            )
        )
    };
    if let Some(deactivation) = &documents.deactivation {
        let Some(bytes) = decode(deactivation, news) else {
            return;
        };
        match safe_mode.deactivate(&bytes, carrier_keys, clock.reading()) {
            Ok(done) => news(LineNews::Deactivated {
                reason: done.reason,
            }),
            Err(error) if already(&error) => {}
            Err(error) => news(LineNews::DocumentRefused(error)),
        }
        return;
    }
    if let Some(profile) = &documents.profile {
        let Some(bytes) = decode(profile, news) else {
            return;
        };
        match safe_mode.activate(&bytes, carrier_keys, clock.reading()) {
            Ok(profile) => news(LineNews::ProfileApplied {
                sequence: profile.sequence,
            }),
            Err(error) if already(&error) => {}
            Err(error) => news(LineNews::DocumentRefused(error)),
        }
    }
}

/// Step 3: once per previous device.
fn restore_previous<S: Store>(
    documents: &LineDocuments,
    safe_mode: &SafeMode<S>,
    clock: &dyn ClockSource,
    news: &(dyn Fn(LineNews) + Send + Sync),
) {
    let (Some(snapshot), Some(key)) =
        (&documents.previous_snapshot, &documents.previous_device_key)
    else {
        return;
    };
    let store: &dyn Store = safe_mode.store();
    let previous_id = key_id(key);
    let done: Option<String> = get_json(store, RESTORED_FROM).ok().flatten();
    if done.as_deref() == Some(previous_id.as_str()) {
        return;
    }
    let restored = URL_SAFE_NO_PAD
        .decode(snapshot)
        .map_err(|_| "the snapshot is not base64url".to_owned())
        .and_then(|bytes| {
            StatusSnapshot::verify(&bytes, key, &previous_id).map_err(|error| error.to_string())
        })
        .and_then(|snapshot| {
            safe_mode
                .restore_tightenings(&snapshot, clock.reading())
                .map_err(|error| error.to_string())
        });
    match restored {
        Ok(changes) => {
            let mut batch = WriteBatch::new();
            if put_json(&mut batch, RESTORED_FROM, &previous_id).is_ok() {
                let _ = store.apply(batch);
            }
            news(LineNews::Restored(changes));
        }
        Err(why) => news(LineNews::RestoreRefused(why)),
    }
}

fn decode(text: &str, news: &(dyn Fn(LineNews) + Send + Sync)) -> Option<Vec<u8>> {
    let decoded = URL_SAFE_NO_PAD.decode(text).ok();
    if decoded.is_none() {
        news(LineNews::DocumentRefused(SafeModeError::Activation(
            crate::settings::activation::ActivationError::Malformed("not base64url"),
        )));
    }
    decoded
}
