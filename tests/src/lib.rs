//! Cross-crate tests of childsafe. The tests live in `tests/tests/`, one file per story; this
//! library holds what several of them share:
//!
//! - [`fault_proxy`]: a TCP proxy that drops, resets, stalls and truncates, between the SDK and
//!   the backend.
//! - [`recorder`]: the app around the SDK, keeping every event and log line it is given.
//! - [`played_phone`]: a child's phone made of the protocol's parts, for the parent's app to pair
//!   with and command.
//! - [`pair_parent_by_qr`]: a parent paired with a real `ChildSafe` the way an app pairs one.
#![forbid(unsafe_code)]

pub mod fault_proxy;
pub mod played_phone;
pub mod recorder;

/// Pairs the parent `parent_key` (registered through `parent`) with the phone `sdk` the way an
/// app does: the phone opens an invite behind `pin`, the parent claims it with the QR code's
/// secret, and the phone confirms the single claimant behind the PIN. The parent's app would
/// also compare the six digits; tests that check them do so themselves.
#[allow(clippy::expect_used, clippy::missing_panics_doc)] // test support: a failure is a failed test
pub async fn pair_parent_by_qr(
    sdk: &childsafe_core::ChildSafe,
    pin: &str,
    parent: &childsafe_core::sync::client::SyncClient,
    parent_key: &childsafe_core::crypto::SigningKey,
) -> childsafe_core::sdk::PairedParentInfo {
    use childsafe_core::protocol::pairing::{PairingQr, sign_claim};
    use childsafe_core::protocol::wire::ParentClaim;

    let invite = sdk
        .start_pairing(pin)
        .await
        .expect("the phone opens an invite");
    let qr = PairingQr::parse(&invite.qr_payload).expect("the phone's QR payload reads");
    let pairing_key = qr.secret.pairing_key().expect("the pairing key derives");
    let parent_public_key = parent_key.public_key();
    parent
        .claim_pairing_invite(
            parent_key,
            &ParentClaim {
                device_id: qr.device_id.clone(),
                claim_signature: sign_claim(&pairing_key, &qr.device_id, &parent_public_key),
                parent_public_key,
            },
        )
        .await
        .expect("the parent claims the invite");
    let pending = sdk
        .pending_parent()
        .await
        .expect("the phone sees the claim");
    sdk.confirm_parent(pin, &pending.parent_id)
        .await
        .expect("the phone confirms the parent")
}
