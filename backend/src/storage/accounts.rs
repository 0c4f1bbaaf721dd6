//! Who is registered: one-use activation tokens, child devices (each registered by using up a
//! token), parent apps, and the status each device last reported. [`AccountStore`] is the part
//! of the storage that keeps them.

use async_trait::async_trait;
use childsafe_crypto::PublicKey;
use childsafe_protocol::wire::ReportedDeviceStatus;

use super::error::StorageResult;

/// A registered child's device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    /// [`key_id`](childsafe_protocol::request_signing::key_id) of its key.
    pub id: String,
    /// Its Ed25519 key.
    pub public_key: PublicKey,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// Unix seconds.
    pub registered_at: u64,
}

/// A registered parent app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentRecord {
    /// [`key_id`](childsafe_protocol::request_signing::key_id) of its key.
    pub id: String,
    /// Its Ed25519 key.
    pub public_key: PublicKey,
    /// Unix seconds.
    pub registered_at: u64,
}

/// What registering a device did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceRegistered {
    /// The token was consumed and the device stored.
    Registered,
    /// The token is unknown or already used; nothing changed.
    TokenRefused,
    /// A device with this key already exists; nothing changed (the token stays unused).
    AlreadyRegistered,
}

/// Activation tokens, devices, parents and the status each device reported.
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Stores the SHA-256 of new activation tokens (the tokens themselves are never stored).
    async fn add_activation_tokens(&self, token_hashes: &[[u8; 32]], now: u64)
    -> StorageResult<()>;

    /// Consumes the token with this hash and stores the device, atomically.
    async fn register_device(
        &self,
        token_hash: [u8; 32],
        device: DeviceRecord,
    ) -> StorageResult<DeviceRegistered>;

    /// A device by id.
    async fn device(&self, id: &str) -> StorageResult<Option<DeviceRecord>>;

    /// Stores a parent; `false` if one with this id exists already (nothing changed).
    async fn register_parent(&self, parent: ParentRecord) -> StorageResult<bool>;

    /// A parent by id.
    async fn parent(&self, id: &str) -> StorageResult<Option<ParentRecord>>;

    /// Keeps `status` as the latest a device reported, replacing the one before.
    async fn put_device_status(
        &self,
        device_id: &str,
        status: ReportedDeviceStatus,
    ) -> StorageResult<()>;

    /// The latest status a device reported, if it has reported one.
    async fn device_status(&self, device_id: &str) -> StorageResult<Option<ReportedDeviceStatus>>;
}
