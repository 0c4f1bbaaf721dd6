//! The exported [`ChildSafe`] object: one-line delegates to [`childsafe_core::ChildSafe`].
//!
//! The only work done here is what the boundary needs: owned arguments in, core's errors mapped
//! to [`ChildSafeError`], and the network calls run as async functions on a tokio runtime, so
//! that they are `suspend` in Kotlin and `async` in Swift and never block the UI thread.

use std::sync::Arc;

use childsafe_core::ChildSafeConfig;
use childsafe_core::dns::{DnsStep, PacketStep};
use childsafe_core::filter::HostDecision;
use childsafe_core::filter::decision::UrlDecision;
use childsafe_core::reports::directory::EmergencyContacts;
use childsafe_core::reports::{DeliveryRecord, Location, Receipt, ReportDraft};
use childsafe_core::safety::{SafetyAudience, SafetyInformation};
use childsafe_core::sdk::{
    EventListener, LineIdentity, Logger, PairedParentInfo, PairingInviteInfo, ParentInfo,
    PendingParent, SosOutcome,
};
use childsafe_core::settings::access_request::SentAccessRequest;
use childsafe_core::settings::activation::{ActivationProfile, LineDeactivation};
use childsafe_core::settings::parent_command::ParentAction;
use childsafe_core::settings::{PinCheck, SafeModeStatus};
use childsafe_core::sync::engine::SyncSummary;

use crate::ChildSafeError;
use crate::platform::{KeyStore, PlatformKeyStore};
use crate::quick_check::QuickToken;

// Protocol types that core describes to UniFFI as remote types: this crate uses its description.
uniffi::use_remote_type!(childsafe_core::Location);

/// The SDK on one device: safe mode, the browser policy, emergency reports, pairing and sync.
/// Open one per data directory and keep it for the life of the process; `close()` it (Kotlin
/// `use {}`) to release the store.
#[derive(Debug, uniffi::Object)]
pub struct ChildSafe {
    sdk: Arc<childsafe_core::ChildSafe>,
    /// Its token for the quick URL check, once asked for.
    quick: QuickToken,
}

#[uniffi::export]
impl ChildSafe {
    /// Opens (or, the first time, sets up) the SDK in `config.data_dir`, with the store sealed
    /// under the key from `key_store`.
    #[uniffi::constructor]
    pub fn open(
        config: ChildSafeConfig,
        key_store: Arc<dyn KeyStore>,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
    ) -> Result<Arc<Self>, ChildSafeError> {
        let sdk = childsafe_core::ChildSafe::open(
            config,
            &PlatformKeyStore(key_store),
            logger,
            listener,
        )?;
        Ok(Arc::new(Self {
            sdk: Arc::new(sdk),
            quick: QuickToken::default(),
        }))
    }

    /// [`ChildSafe::open`] on a phone whose platform reads its carrier line through
    /// `line_identity`: it can register with the line, and on a child's line it is protected
    /// from its first URL check until the carrier's profile arrives.
    #[uniffi::constructor]
    pub fn open_on_line(
        config: ChildSafeConfig,
        key_store: Arc<dyn KeyStore>,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
        line_identity: Arc<dyn LineIdentity>,
    ) -> Result<Arc<Self>, ChildSafeError> {
        let sdk = childsafe_core::ChildSafe::open_on_line(
            config,
            &PlatformKeyStore(key_store),
            logger,
            listener,
            line_identity,
        )?;
        Ok(Arc::new(Self {
            sdk: Arc::new(sdk),
            quick: QuickToken::default(),
        }))
    }

    /// This device's id (the backend's, and the one parent commands name).
    pub fn device_id(&self) -> String {
        self.sdk.device_id()
    }

    /// Safe mode as it stands.
    pub fn status(&self) -> Result<SafeModeStatus, ChildSafeError> {
        Ok(self.sdk.status()?)
    }

    /// The rules in force, as the child reads them, in the configured language.
    pub fn rules(&self) -> Result<Vec<String>, ChildSafeError> {
        Ok(self.sdk.rules()?)
    }

    /// Sets the parent PIN (changing it needs the old one).
    pub fn set_pin(&self, new_pin: String, old_pin: Option<String>) -> Result<(), ChildSafeError> {
        Ok(self.sdk.set_pin(&new_pin, old_pin.as_deref())?)
    }

    /// Checks the parent PIN; a wrong one is counted towards the lockout.
    pub fn verify_pin(&self, pin: String) -> Result<PinCheck, ChildSafeError> {
        Ok(self.sdk.verify_pin(&pin)?)
    }

    /// Checks a parent's offline code (works without network).
    pub fn verify_parent_code(&self, code: String) -> Result<(), ChildSafeError> {
        Ok(self.sdk.verify_parent_code(&code)?)
    }

    /// Sets a new PIN on the word of the parent's offline code.
    pub fn reset_pin_with_parent_code(
        &self,
        code: String,
        new_pin: String,
    ) -> Result<(), ChildSafeError> {
        Ok(self.sdk.reset_pin_with_parent_code(&code, &new_pin)?)
    }

    /// Applies a carrier's signed activation profile.
    pub fn activate(&self, profile: Vec<u8>) -> Result<ActivationProfile, ChildSafeError> {
        Ok(self.sdk.activate(&profile)?)
    }

    /// Applies a carrier's signed deactivation of the line: safe mode goes off, the parents
    /// stay paired.
    pub fn deactivate(&self, deactivation: Vec<u8>) -> Result<LineDeactivation, ChildSafeError> {
        Ok(self.sdk.deactivate(&deactivation)?)
    }

    /// Applies a paired parent's signed command.
    pub fn apply_parent_command(&self, command: Vec<u8>) -> Result<ParentAction, ChildSafeError> {
        Ok(self.sdk.apply_parent_command(&command)?)
    }

    /// What to do with one URL the browser is about to load.
    pub fn check_url(&self, url: String) -> Result<UrlDecision, ChildSafeError> {
        Ok(self.sdk.check_url(&url)?)
    }

    /// Whether the browser may load `url` exactly as asked: allowed, nothing to rewrite, no
    /// header to add. A `Boolean` crosses without a record, so this is the cheap call for every
    /// subresource; on `false`, `check_url` says what to do instead. Errors throw, as there.
    pub fn url_loads_as_is(&self, url: String) -> Result<bool, ChildSafeError> {
        Ok(self.sdk.url_loads_as_is(&url)?)
    }

    /// This object's token for the quick URL check (`childsafe_quick_url_loads_as_is`, Kotlin
    /// `QuickUrlCheck`): the same on every call, and unknown to the check once the object is
    /// closed.
    pub fn quick_check_token(&self) -> u64 {
        self.quick.get_or_register(&self.sdk)
    }

    /// What to do with each of `urls` (a page and its subresources), in one call.
    pub fn check_urls(&self, urls: Vec<String>) -> Result<Vec<UrlDecision>, ChildSafeError> {
        Ok(self.sdk.check_urls(&urls)?)
    }

    /// What to do with a host alone (a DNS name or an IP address): blocked exactly when
    /// `check_url` blocks `https://<host>/`, for the same reason; a page's path cannot apply.
    pub fn check_host(&self, host: String) -> Result<HostDecision, ChildSafeError> {
        Ok(self.sdk.check_host(&host)?)
    }

    /// What to do with one DNS query message (an iOS `NEDNSProxyProvider`'s flow, a local
    /// resolver): answer it, forward it to the upstream resolver, or send nothing.
    pub fn dns_query(&self, query: Vec<u8>) -> DnsStep {
        self.sdk.dns_query(&query)
    }

    /// The answer for the asker of `query`, given the upstream's answer to the message
    /// `dns_query` forwarded; none when the upstream did not answer (SERVFAIL).
    pub fn dns_reply(&self, query: Vec<u8>, upstream_answer: Option<Vec<u8>>) -> Vec<u8> {
        self.sdk.dns_reply(&query, upstream_answer.as_deref())
    }

    /// What to do with one IP packet read from a `VpnService`'s TUN (IPv4 or IPv6, UDP to port
    /// 53): write an answer packet back, forward a DNS message upstream, or drop it.
    pub fn dns_packet(&self, packet: Vec<u8>) -> PacketStep {
        self.sdk.dns_packet(&packet)
    }

    /// The packet to write back to the TUN for `packet`, given the upstream's answer to the
    /// message `dns_packet` forwarded (none when it did not answer); none when nothing is to be
    /// written back.
    pub fn dns_packet_reply(
        &self,
        packet: Vec<u8>,
        upstream_answer: Option<Vec<u8>>,
    ) -> Option<Vec<u8>> {
        self.sdk
            .dns_packet_reply(&packet, upstream_answer.as_deref())
    }

    /// The block page for a blocked `url`, in the child's language, or none when `decision`
    /// does not block.
    pub fn block_page(&self, url: String, decision: UrlDecision) -> Option<String> {
        self.sdk.block_page(&url, &decision)
    }

    /// Installs a signed list bundle; refused, keeping the one in force, if it is not newer,
    /// expired or not trusted. Returns the version installed.
    pub fn install_list_bundle(&self, bytes: Vec<u8>) -> Result<u64, ChildSafeError> {
        Ok(self.sdk.install_list_bundle(bytes)?)
    }

    /// Installs a trust document signed by a configured root key: the carrier, list and
    /// directory keys it delegates, with their expiry, and the keys it revokes. Returns its
    /// version; refused, keeping the one in force, if it is not newer, expired or not signed by
    /// a root.
    pub fn install_trust_document(&self, bytes: Vec<u8>) -> Result<u64, ChildSafeError> {
        Ok(self.sdk.install_trust_document(bytes)?)
    }

    /// Installs a carrier's key rotation, signed with its current key: the new key signs for
    /// that carrier from now on and the old one is retired.
    pub fn install_key_rotation(&self, bytes: Vec<u8>) -> Result<(), ChildSafeError> {
        Ok(self.sdk.install_key_rotation(bytes)?)
    }

    /// Files a report; the receipt means it is sealed on disk.
    pub fn report(&self, draft: ReportDraft) -> Result<Receipt, ChildSafeError> {
        Ok(self.sdk.report(draft)?)
    }

    /// Every report with its delivery status, oldest first.
    pub fn reports(&self) -> Result<Vec<DeliveryRecord>, ChildSafeError> {
        Ok(self.sdk.reports()?)
    }

    /// The emergency numbers and child helpline for the device's country.
    pub fn emergency_contacts(&self) -> EmergencyContacts {
        self.sdk.emergency_contacts()
    }

    /// The safety information for `audience`, for the device's band and language, with the
    /// country's emergency numbers and child helpline.
    pub fn safety_information(
        &self,
        audience: SafetyAudience,
    ) -> Result<SafetyInformation, ChildSafeError> {
        Ok(self.sdk.safety_information(audience)?)
    }

    /// Installs a carrier's signed safety pack; refused, changing nothing, if it is not newer,
    /// expired or not signed by a trusted carrier key for its carrier. Returns its version.
    pub fn install_safety_pack(&self, bytes: Vec<u8>) -> Result<u64, ChildSafeError> {
        Ok(self.sdk.install_safety_pack(bytes)?)
    }

    /// SOS: the numbers to show and dial at once, and an urgent report queued (with the
    /// location only if the child allowed it for this SOS).
    pub fn sos(&self, location: Option<Location>) -> SosOutcome {
        self.sdk.sos(location)
    }

    /// The parents enrolled on this phone, the owner first.
    pub fn parents(&self) -> Result<Vec<ParentInfo>, ChildSafeError> {
        Ok(self.sdk.parents()?)
    }

    /// The access requests the child sent, newest first, each with the parents' answer.
    pub fn access_requests(&self) -> Result<Vec<SentAccessRequest>, ChildSafeError> {
        Ok(self.sdk.access_requests()?)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ChildSafe {
    /// Registers the device with the backend, with the carrier's activation token. Returns the
    /// device id.
    pub async fn register(&self, activation_token: String) -> Result<String, ChildSafeError> {
        Ok(self.sdk.register(&activation_token).await?)
    }

    /// Registers the device with the line its platform reads (a child's line the carrier told
    /// the backend of) and binds it to that line. Returns the device id.
    pub async fn register_with_line(&self) -> Result<String, ChildSafeError> {
        Ok(self.sdk.register_with_line().await?)
    }

    /// Starts pairing a parent behind the PIN: the QR payload (and the code to type) to show.
    /// A new start replaces the earlier invite.
    pub async fn start_pairing(&self, pin: String) -> Result<PairingInviteInfo, ChildSafeError> {
        Ok(self.sdk.start_pairing(&pin).await?)
    }

    /// The parent who claimed the invite, with the six digits to compare with the parent's
    /// screen. `NotReady` while no valid claim has come; `Refused` when more than one person
    /// claimed it (start again).
    pub async fn pending_parent(&self) -> Result<PendingParent, ChildSafeError> {
        Ok(self.sdk.pending_parent().await?)
    }

    /// Enrols the pending parent behind the PIN, once the digits matched.
    pub async fn confirm_parent(
        &self,
        pin: String,
        parent_id: String,
    ) -> Result<PairedParentInfo, ChildSafeError> {
        Ok(self.sdk.confirm_parent(&pin, &parent_id).await?)
    }

    /// Removes a parent behind the PIN; its later commands are refused.
    pub async fn remove_parent(
        &self,
        pin: String,
        parent_id: String,
    ) -> Result<(), ChildSafeError> {
        Ok(self.sdk.remove_parent(&pin, &parent_id).await?)
    }

    /// Carries out a block page's "ask a parent" link (`childsafe://ask?...`). Hand over every
    /// such link the browser meets: only one from a block page this SDK rendered is honoured,
    /// once; any other is refused (`InvalidInput`), logged, and sends nothing. Returns the
    /// request's id.
    pub async fn ask_parent(&self, link: String) -> Result<String, ChildSafeError> {
        Ok(self.sdk.ask_parent(&link).await?)
    }

    /// Asks the paired parents, through the backend, to open a blocked page. Returns the
    /// request's id.
    pub async fn request_access(&self, url: String) -> Result<String, ChildSafeError> {
        Ok(self.sdk.request_access(&url).await?)
    }

    /// One sync: sends the outbox (SOS first), refreshes statuses, applies new bundles and the
    /// parents' decisions and commands.
    pub async fn sync_now(&self) -> Result<SyncSummary, ChildSafeError> {
        Ok(self.sdk.sync_now().await?)
    }
}
