//! The exported [`ChildSafeCarrier`] object, for a carrier's provisioning system (often a JVM
//! service): one-line delegates to [`childsafe_core::carrier::ChildSafeCarrier`], its network
//! calls async on the tokio runtime (`suspend` in Kotlin, `async` in Swift), core's errors
//! mapped to [`ChildSafeError`].

use std::sync::Arc;

use childsafe_core::carrier::{
    CarrierConfig, CarrierLine, DeactivationInfo, LineSettings, PendingActivation,
    SignedProfileInfo,
};
use childsafe_core::crypto::PublicKey;

use crate::ChildSafeError;

/// The SDK of a carrier's provisioning system: its children's lines on the backend, the
/// activation profiles and deactivations it signs for them, its key's rotation. Open one per
/// carrier key and keep it; it is safe to share between threads.
#[derive(Debug, uniffi::Object)]
pub struct ChildSafeCarrier {
    carrier: childsafe_core::carrier::ChildSafeCarrier,
}

#[uniffi::export]
impl ChildSafeCarrier {
    /// Opens the carrier's SDK for the backend in `config`, signing with the key in
    /// `signing_key_pkcs8` (PKCS#8, as `childsafe keys generate` writes it).
    #[uniffi::constructor]
    pub fn open(
        config: CarrierConfig,
        signing_key_pkcs8: Vec<u8>,
    ) -> Result<Arc<Self>, ChildSafeError> {
        let carrier = childsafe_core::carrier::ChildSafeCarrier::open(config, &signing_key_pkcs8)?;
        Ok(Arc::new(Self { carrier }))
    }

    /// The carrier's id.
    pub fn carrier_id(&self) -> String {
        self.carrier.carrier_id().to_owned()
    }

    /// The public half of the key that signs now.
    pub fn public_key(&self) -> PublicKey {
        self.carrier.public_key()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ChildSafeCarrier {
    /// Adds a child's line; its line handle.
    pub async fn add_line(&self, settings: LineSettings) -> Result<String, ChildSafeError> {
        Ok(self.carrier.add_line(&settings).await?)
    }

    /// New terms for one of the carrier's lines; its device then waits for a new profile.
    pub async fn update_line(&self, settings: LineSettings) -> Result<String, ChildSafeError> {
        Ok(self.carrier.update_line(&settings).await?)
    }

    /// The carrier's lines, oldest first.
    pub async fn lines(&self) -> Result<Vec<CarrierLine>, ChildSafeError> {
        Ok(self.carrier.lines().await?)
    }

    /// The lines whose device waits for a profile.
    pub async fn pending_activations(&self) -> Result<Vec<PendingActivation>, ChildSafeError> {
        Ok(self.carrier.pending_activations().await?)
    }

    /// Signs and hands in the profile of every pending activation, valid for `validity_secs`.
    pub async fn sign_pending(
        &self,
        validity_secs: u64,
    ) -> Result<Vec<SignedProfileInfo>, ChildSafeError> {
        Ok(self.carrier.sign_pending(validity_secs).await?)
    }

    /// Signs and hands in the deactivation of a line, with the reason the parents read.
    pub async fn deactivate(
        &self,
        line_handle: String,
        reason: String,
    ) -> Result<DeactivationInfo, ChildSafeError> {
        Ok(self.carrier.deactivate(&line_handle, &reason).await?)
    }

    /// Moves the carrier to a new key (PKCS#8), valid for `validity_secs`; the new key signs
    /// from then on. Returns its public half.
    pub async fn rotate_key(
        &self,
        new_key_pkcs8: Vec<u8>,
        validity_secs: u64,
    ) -> Result<PublicKey, ChildSafeError> {
        Ok(self
            .carrier
            .rotate_key(&new_key_pkcs8, validity_secs)
            .await?)
    }

    /// Hands in a key rotation signed elsewhere with the current key; returns the new public
    /// key. Open the carrier again with the new key to go on.
    pub async fn upload_key_rotation(&self, signed: Vec<u8>) -> Result<PublicKey, ChildSafeError> {
        Ok(self.carrier.upload_key_rotation(&signed).await?.new_key)
    }

    /// Hands in a safety-information pack the carrier signed.
    pub async fn upload_safety_pack(&self, signed: Vec<u8>) -> Result<(), ChildSafeError> {
        Ok(self.carrier.upload_safety_pack(&signed).await?)
    }
}
