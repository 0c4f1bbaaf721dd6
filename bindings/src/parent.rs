//! The exported [`ChildSafeParent`] object, for the parent's own phone: one-line delegates to
//! [`childsafe_core::parent::ChildSafeParent`], its network calls async on the tokio runtime
//! (`suspend` in Kotlin, `async` in Swift), core's errors mapped to [`ChildSafeError`].

use std::sync::Arc;

use childsafe_core::crypto::PublicKey;
use childsafe_core::parent::{
    AccessRequestView, ChildEvent, ChildInfo, ChildReport, ChildStatus, CommandTicket,
    PairingStarted, ParentConfig, ParentSyncSummary, SecondParentInvite, SentCommand,
};
use childsafe_core::settings::parent_command::ParentAction;

use crate::ChildSafeError;
use crate::platform::{KeyStore, PlatformKeyStore};

// Core describes the key to UniFFI as a remote type (its base64url text): this crate uses it.
uniffi::use_remote_type!(childsafe_core::PublicKey);

/// The SDK on a parent's phone: pairing with children's phones by their QR code, their verified
/// statuses, reports and access requests, and signed commands with the phones' receipts. Open
/// one per data directory and keep it for the life of the process.
#[derive(Debug, uniffi::Object)]
pub struct ChildSafeParent {
    parent: childsafe_core::parent::ChildSafeParent,
}

#[uniffi::export]
impl ChildSafeParent {
    /// Opens (or, the first time, sets up) the parent's SDK in `config.data_dir`, with the store
    /// sealed under the key from `key_store`.
    #[uniffi::constructor]
    pub fn open(
        config: ParentConfig,
        key_store: Arc<dyn KeyStore>,
    ) -> Result<Arc<Self>, ChildSafeError> {
        let parent =
            childsafe_core::parent::ChildSafeParent::open(config, &PlatformKeyStore(key_store))?;
        Ok(Arc::new(Self { parent }))
    }

    /// This parent's id at the backend (its key's id).
    pub fn parent_id(&self) -> String {
        self.parent.parent_id()
    }

    /// This parent's signing key, the one the child's phone enrols.
    pub fn public_key(&self) -> PublicKey {
        self.parent.public_key()
    }

    /// The children paired here, with whether each phone confirmed this parent and its role.
    pub fn children(&self) -> Result<Vec<ChildInfo>, ChildSafeError> {
        Ok(self.parent.children()?)
    }

    /// The reports taken from the feed: SOS first, then the newest first.
    pub fn feed(&self) -> Result<Vec<ChildReport>, ChildSafeError> {
        Ok(self.parent.feed()?)
    }

    /// The children's access requests, newest first, with this parent's answers.
    pub fn requests(&self) -> Result<Vec<AccessRequestView>, ChildSafeError> {
        Ok(self.parent.requests()?)
    }

    /// The commands sent to a child's phone, each pending, applied or refused.
    pub fn commands(&self, device_id: String) -> Result<Vec<SentCommand>, ChildSafeError> {
        Ok(self.parent.commands(&device_id)?)
    }

    /// The parent code the child's phone accepts now, for use without network.
    pub fn offline_code(&self, device_id: String) -> Result<String, ChildSafeError> {
        Ok(self.parent.offline_code(&device_id)?)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl ChildSafeParent {
    /// Registers this parent with the backend (once). Returns the parent id.
    pub async fn register(&self) -> Result<String, ChildSafeError> {
        Ok(self.parent.register().await?)
    }

    /// Pairs with the child's phone whose QR code says `qr_payload`; show the returned code.
    pub async fn pair(&self, qr_payload: String) -> Result<PairingStarted, ChildSafeError> {
        Ok(self.parent.pair(&qr_payload).await?)
    }

    /// The child's phone as it last described itself, verified against its key.
    pub async fn status(&self, device_id: String) -> Result<ChildStatus, ChildSafeError> {
        Ok(self.parent.status(&device_id).await?)
    }

    /// The rules in force on the child's phone, as the child reads them there.
    pub async fn rules(&self, device_id: String) -> Result<Vec<String>, ChildSafeError> {
        Ok(self.parent.rules(&device_id).await?)
    }

    /// Reads the children's statuses, the feed and the mailbox, verified.
    pub async fn sync(&self) -> Result<ParentSyncSummary, ChildSafeError> {
        Ok(self.parent.sync().await?)
    }

    /// Waits up to `timeout_secs` (at most 25) on the live stream for news from the children;
    /// call `sync` to read and verify what it announces.
    pub async fn wait_for_events(
        &self,
        timeout_secs: u64,
    ) -> Result<Vec<ChildEvent>, ChildSafeError> {
        Ok(self.parent.wait_for_events(timeout_secs).await?)
    }

    /// Approves an access request for `for_secs` seconds.
    pub async fn approve(
        &self,
        request_id: String,
        for_secs: u64,
    ) -> Result<CommandTicket, ChildSafeError> {
        Ok(self.parent.approve(&request_id, for_secs).await?)
    }

    /// Denies an access request.
    pub async fn deny(&self, request_id: String) -> Result<CommandTicket, ChildSafeError> {
        Ok(self.parent.deny(&request_id).await?)
    }

    /// Signs `action` for the child's phone and hands it to the relay.
    pub async fn send(
        &self,
        device_id: String,
        action: ParentAction,
    ) -> Result<CommandTicket, ChildSafeError> {
        Ok(self.parent.send(&device_id, action).await?)
    }

    /// Sets a new parent PIN on the child's phone, sealed so the relay cannot read it.
    pub async fn set_pin(
        &self,
        device_id: String,
        pin: String,
    ) -> Result<CommandTicket, ChildSafeError> {
        Ok(self.parent.set_pin(&device_id, &pin).await?)
    }

    /// The owner invites a second parent: a QR payload for its app, and the command sent.
    pub async fn invite_parent(
        &self,
        device_id: String,
    ) -> Result<SecondParentInvite, ChildSafeError> {
        Ok(self.parent.invite_parent(&device_id).await?)
    }

    /// Removes a parent from the child's phone (and, as the owner, at the backend).
    pub async fn remove_parent(
        &self,
        device_id: String,
        parent_public_key: PublicKey,
    ) -> Result<CommandTicket, ChildSafeError> {
        Ok(self
            .parent
            .remove_parent(&device_id, parent_public_key)
            .await?)
    }

    /// Releases the child's phone from parental management.
    pub async fn release(&self, device_id: String) -> Result<CommandTicket, ChildSafeError> {
        Ok(self.parent.release(&device_id).await?)
    }
}
