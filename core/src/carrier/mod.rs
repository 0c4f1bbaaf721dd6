//! [`ChildSafeCarrier`]: the object a carrier's provisioning system opens to run its children's
//! lines on the backend, as [`ChildSafeParent`](crate::parent::ChildSafeParent) is the parent's
//! and [`ChildSafe`](crate::ChildSafe) the child's phone's. The carrier's key signs both its
//! requests (principal `carrier:<carrier id>`) and its documents, so one object holds it:
//!
//! 1. A line is added or updated with its terms ([`LineSettings`]); they are checked here first
//!    (a band or a birth month, not both; a birth month of a child), so a bad line is named at
//!    once and nothing is sent.
//! 2. When a phone registers with the line, its activation waits ([`PendingActivation`]);
//!    [`ChildSafeCarrier::sign_pending`] builds each one's [`ActivationProfile`] for that line
//!    and device, with the band the child is today, signs it and hands it to the backend, which
//!    relays it to the phone. The phone verifies it again with its own key ring.
//! 3. A line is deactivated with a signed [`LineDeactivation`] above its newest sequence.
//! 4. The key moves with a [`KeyRotation`] signed by the current key; from then on the new key
//!    signs requests and documents alike.
//!
//! Admitting a carrier stays an operator's action (`childsafe carrier admit`), not the
//! carrier's.

mod error;
mod records;

use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::settings::birth_month::{BirthMonthError, band_for_birth_month};
pub use error::CarrierError;
pub use records::{
    CarrierLine, CarrierLineState, DeactivationInfo, LineSettings, LineTerms, PendingActivation,
    SignedProfileInfo,
};

use crate::crypto::envelope;
use crate::crypto::{PublicKey, SigningKey};
use crate::protocol::carrier::{
    DEACTIVATION_CONTEXT, LineAccepted, LineSummary, Lines, PendingActivations, SignedUpload,
};
use crate::protocol::keys::KeyRotation;
use crate::protocol::routes::Operation;
use crate::settings::AgeBand;
use crate::settings::activation::{ActivationError, ActivationProfile, LineDeactivation};
use crate::sync::client::{SyncClient, Target, to_json};

/// Longest reason a deactivation carries; parents read it.
pub const MAX_DEACTIVATION_REASON_CHARS: usize = 200;

/// How the carrier's system reaches the backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CarrierConfig {
    /// The backend's base URL (HTTPS).
    pub backend_url: String,
    /// Allow plain HTTP to a loopback backend: tests and demos only.
    pub allow_insecure_loopback: bool,
    /// The carrier's id, as the operator admitted it.
    pub carrier_id: String,
}

/// The SDK of a carrier's provisioning system.
pub struct ChildSafeCarrier {
    carrier_id: String,
    client: SyncClient,
    /// The key that signs now; replaced when a rotation is taken.
    key: Mutex<Arc<SigningKey>>,
}

impl std::fmt::Debug for ChildSafeCarrier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSafeCarrier")
            .field("carrier_id", &self.carrier_id)
            .finish_non_exhaustive()
    }
}

impl ChildSafeCarrier {
    /// Opens the carrier's SDK for the backend in `config`, signing with the key in
    /// `signing_key_pkcs8` (PKCS#8 v2, as `childsafe keys generate` writes it).
    pub fn open(config: CarrierConfig, signing_key_pkcs8: &[u8]) -> Result<Self, CarrierError> {
        let id = &config.carrier_id;
        let id_ok = (1..=crate::protocol::keys::MAX_CARRIER_ID_BYTES).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !id_ok {
            return Err(CarrierError::InvalidInput(
                "a carrier id is 1 to 64 characters of a-z, 0-9 and -",
            ));
        }
        let key = SigningKey::from_pkcs8(signing_key_pkcs8)?;
        let client = SyncClient::for_carrier(
            &config.backend_url,
            config.allow_insecure_loopback,
            &config.carrier_id,
        )?;
        Ok(Self {
            carrier_id: config.carrier_id,
            client,
            key: Mutex::new(Arc::new(key)),
        })
    }

    /// The carrier's id.
    pub fn carrier_id(&self) -> &str {
        &self.carrier_id
    }

    /// The public half of the key that signs now.
    pub fn public_key(&self) -> PublicKey {
        self.key().public_key()
    }

    /// Adds a child's line; its line handle, which the line's profiles will name.
    pub async fn add_line(&self, settings: &LineSettings) -> Result<String, CarrierError> {
        self.send_line(Operation::AddLine, settings).await
    }

    /// New terms for one of the carrier's lines; its device then waits for a new profile.
    /// The line's handle.
    pub async fn update_line(&self, settings: &LineSettings) -> Result<String, CarrierError> {
        self.send_line(Operation::UpdateLine, settings).await
    }

    /// The carrier's lines, oldest first.
    pub async fn lines(&self) -> Result<Vec<CarrierLine>, CarrierError> {
        let lines: Lines = self.get(Operation::ListLines).await?;
        lines
            .lines
            .into_iter()
            .map(CarrierLine::from_wire)
            .collect()
    }

    /// The lines whose device waits for a profile, oldest first.
    pub async fn pending_activations(&self) -> Result<Vec<PendingActivation>, CarrierError> {
        let pending: PendingActivations = self.get(Operation::ListPendingActivations).await?;
        pending
            .activations
            .into_iter()
            .map(PendingActivation::from_wire)
            .collect()
    }

    /// Signs the profile of every pending activation, valid for `validity_secs`, and hands
    /// each to the backend. Every profile is built before any is sent: a line whose terms give
    /// no band today (a child who turned 18) stops the call before anything is signed.
    pub async fn sign_pending(
        &self,
        validity_secs: u64,
    ) -> Result<Vec<SignedProfileInfo>, CarrierError> {
        if validity_secs == 0 {
            return Err(CarrierError::InvalidInput(
                "a profile must hold for at least a second",
            ));
        }
        let pending = self.pending_activations().await?;
        let now = self.client.now_secs();
        let profiles = pending
            .iter()
            .map(|activation| self.profile_for(activation, now, validity_secs))
            .collect::<Result<Vec<_>, _>>()?;
        let mut signed = Vec::with_capacity(profiles.len());
        for profile in profiles {
            let envelope = URL_SAFE_NO_PAD.encode(profile.sign(&self.key())?);
            let _: LineSummary = self
                .post(
                    Operation::UploadProfile,
                    &SignedUpload {
                        envelope: envelope.clone(),
                    },
                )
                .await?;
            signed.push(SignedProfileInfo { profile, envelope });
        }
        Ok(signed)
    }

    /// Signs and hands in the deactivation of the line `line_handle` (its device leaves safe
    /// mode at its next sync), with `reason` for the audit log and the parents.
    pub async fn deactivate(
        &self,
        line_handle: &str,
        reason: &str,
    ) -> Result<DeactivationInfo, CarrierError> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_DEACTIVATION_REASON_CHARS {
            return Err(CarrierError::InvalidInput(
                "a deactivation's reason is 1 to 200 characters",
            ));
        }
        let line = self
            .lines()
            .await?
            .into_iter()
            .find(|line| line.handle == line_handle)
            .ok_or(CarrierError::UnknownLine)?;
        let device_id = line.device_id.ok_or(CarrierError::NotReady(
            "no device has registered with this line yet: there is nothing to deactivate",
        ))?;
        let deactivation = LineDeactivation {
            carrier: self.carrier_id.clone(),
            line: line.handle,
            device_id,
            reason: reason.to_owned(),
            issued_at: self.client.now_secs(),
            sequence: line.sequence.unwrap_or(0).saturating_add(1),
        };
        let sealed = envelope::seal(&deactivation, DEACTIVATION_CONTEXT, &self.key())
            .map_err(ActivationError::from)?;
        let summary: LineSummary = self
            .post(
                Operation::DeactivateLine,
                &SignedUpload {
                    envelope: URL_SAFE_NO_PAD.encode(sealed),
                },
            )
            .await?;
        Ok(DeactivationInfo {
            deactivation,
            line: CarrierLine::from_wire(summary)?,
        })
    }

    /// Moves the carrier to the key in `new_key_pkcs8`, valid for `validity_secs`: signs the
    /// rotation with the current key, hands it in, and from then on signs with the new key.
    /// Phones learn of it through their line. Returns the new public key.
    pub async fn rotate_key(
        &self,
        new_key_pkcs8: &[u8],
        validity_secs: u64,
    ) -> Result<PublicKey, CarrierError> {
        let new_key = SigningKey::from_pkcs8(new_key_pkcs8)?;
        let old_key = self.key();
        let now = self.client.now_secs();
        let rotation = KeyRotation {
            carrier: self.carrier_id.clone(),
            old_key: old_key.public_key(),
            new_key: new_key.public_key(),
            issued_at: now,
            expires_at: now.saturating_add(validity_secs),
        };
        let signed = rotation.sign(&old_key)?;
        self.upload(Operation::RotateCarrierKey, &signed).await?;
        *self.key.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(new_key);
        Ok(rotation.new_key)
    }

    /// Hands in a key rotation signed elsewhere (`childsafe keys rotate`, an offline signer)
    /// with the current key, for this carrier. This object keeps the old key, which the backend
    /// refuses from then on: open the carrier again with the new one.
    pub async fn upload_key_rotation(&self, signed: &[u8]) -> Result<KeyRotation, CarrierError> {
        let rotation = KeyRotation::open(signed, &[self.public_key()])?;
        if rotation.carrier != self.carrier_id {
            return Err(CarrierError::InvalidInput(
                "the rotation names another carrier",
            ));
        }
        self.upload(Operation::RotateCarrierKey, signed).await?;
        Ok(rotation)
    }

    /// Hands in a safety-information pack the carrier signed (its envelope bytes); the backend
    /// keeps it when its version is above the one it holds, and phones on the carrier's lines
    /// then show it.
    pub async fn upload_safety_pack(&self, signed: &[u8]) -> Result<(), CarrierError> {
        if signed.is_empty() {
            return Err(CarrierError::InvalidInput("the safety pack is empty"));
        }
        self.upload(Operation::UploadSafetyPack, signed).await
    }

    // ---- Helpers ----------------------------------------------------------------------------

    fn key(&self) -> Arc<SigningKey> {
        Arc::clone(&self.key.lock().unwrap_or_else(PoisonError::into_inner))
    }

    async fn send_line(
        &self,
        operation: Operation,
        settings: &LineSettings,
    ) -> Result<String, CarrierError> {
        self.check_line(settings)?;
        let accepted: LineAccepted = self.post(operation, &settings.to_wire()).await?;
        Ok(accepted.line_handle)
    }

    /// What the backend would refuse, named here before anything is sent; and a birth month
    /// must be a child's today.
    fn check_line(&self, settings: &LineSettings) -> Result<(), CarrierError> {
        if settings.line.trim().is_empty() {
            return Err(CarrierError::InvalidInput("the line identifier is empty"));
        }
        let country = &settings.country;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CarrierError::InvalidInput(
                "the country is an ISO 3166-1 alpha-2 code in upper case, such as GB",
            ));
        }
        match (&settings.band, &settings.birth_month) {
            (Some(_), None) => Ok(()),
            (None, Some(month)) => {
                band_for_birth_month(month, self.client.now_secs())?;
                Ok(())
            }
            _ => Err(CarrierError::InvalidInput(
                "give the child's band or birth month, one of the two",
            )),
        }
    }

    /// The profile of one pending activation, signed at `now`.
    fn profile_for(
        &self,
        activation: &PendingActivation,
        now: u64,
        validity_secs: u64,
    ) -> Result<ActivationProfile, CarrierError> {
        let terms = &activation.terms;
        let band: AgeBand = match (terms.band, &terms.birth_month) {
            (_, Some(month)) => band_for_birth_month(month, now)?,
            (Some(band), None) => band,
            (None, None) => {
                return Err(CarrierError::Protocol(
                    "a pending line has neither a band nor a birth month",
                ));
            }
        };
        let handle_prefix: String = activation.line_handle.chars().take(12).collect();
        Ok(ActivationProfile {
            carrier: self.carrier_id.clone(),
            profile_id: format!("{handle_prefix}-{}", activation.next_sequence),
            line: activation.line_handle.clone(),
            device_id: activation.device_id.clone(),
            band,
            birth_month: terms.birth_month.clone(),
            extra_blocked_categories: terms.extra_blocked_categories.clone(),
            parents_may_relax: terms.parents_may_relax.clone(),
            issued_at: now,
            expires_at: now.saturating_add(validity_secs),
            sequence: activation.next_sequence,
        })
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
    ) -> Result<T, CarrierError> {
        let key = self.key();
        Ok(self
            .client
            .signed(&key, Target::of(operation), "", Vec::new())
            .await?)
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        operation: Operation,
        body: &impl serde::Serialize,
    ) -> Result<T, CarrierError> {
        let key = self.key();
        Ok(self
            .client
            .signed(&key, Target::of(operation), "", to_json(body)?)
            .await?)
    }

    /// Hands in a signed document whose answer carries nothing (204).
    async fn upload(&self, operation: Operation, signed: &[u8]) -> Result<(), CarrierError> {
        let body = to_json(&SignedUpload {
            envelope: URL_SAFE_NO_PAD.encode(signed),
        })?;
        let key = self.key();
        self.client
            .send(Some(&key), Target::of(operation), "", body, None)
            .await?;
        Ok(())
    }
}
