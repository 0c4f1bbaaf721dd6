//! [`ChildSafeParent`]: the object a parent's app opens on the parent's own phone, next to
//! [`ChildSafe`](crate::ChildSafe) on the child's. It has its own sealed store (its signing key,
//! its children, command sequence numbers, positions in the feed and the mailbox, the reports and
//! requests it took), and trusts the backend with nothing it can check itself:
//!
//! 1. Pairing reads the phone's QR code ([`PairingQr`]); the claim is signed with the key derived
//!    from the QR's secret, and the device key the backend hands back must have the QR's device
//!    id, or nothing is kept. Both screens then show the same [`confirmation_code`].
//! 2. Everything the phone says is verified against that device key: its status snapshots
//!    ([`ChildSafeParent::status`], never shown unverified or older than one already shown), its
//!    access requests and its command receipts (a receipt that does not verify is ignored).
//! 3. Every change is a [`ParentCommand`] signed with the parent's key, with a sequence number
//!    kept durably before sending, so that a crash never makes one number serve twice.
//!
//! A parent sees only the children it paired with here: what the backend lists of any other
//! device is ignored.

mod error;
mod events;
mod mailbox;
mod records;
mod status;
mod views;

use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use crate::settings::access_request::AccessAnswer;
pub use error::ParentError;
pub use events::{ChildEvent, MAX_EVENT_BYTES};
pub use status::{ChildApproval, ChildParent, ChildStatus};
pub use views::{
    AccessRequestView, ChildInfo, ChildReport, CommandState, CommandTicket, PairingStarted,
    ParentSyncSummary, SecondParentInvite, SentCommand,
};

use self::records::{ChildRecord, KeptRequest, Positions, SentRecord};
use crate::crypto::{PublicKey, SigningKey};
use crate::protocol::pairing::{
    PairingQr, PairingSecret, ParentRole, confirmation_code, sign_claim,
};
use crate::protocol::report::ReportKind;
use crate::protocol::request_signing::key_id;
use crate::protocol::wire::{MessageKind, OutgoingMessage, PairedPeer, ParentClaim, ParentRemoval};
use crate::settings::parent_code::{ParentSecret, current_code};
use crate::settings::parent_command::{ParentAction, ParentCommand};
use crate::settings::pin::is_pin_format;
use crate::store::{KeyStore, SealedStore, SledStore, Store, WriteBatch, open_device_store};
use crate::sync::client::{SyncClient, SyncError};
use crate::time::system_clock_reading;

/// Longest wait of [`ChildSafeParent::wait_for_events`], below the client's request timeout.
pub const MAX_EVENT_WAIT_SECS: u64 = 25;

/// Longest approval a parent can give in one answer: 30 days.
pub const MAX_APPROVAL_SECS: u64 = 30 * 24 * 3600;

/// What the parent's app tells the SDK when it opens it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ParentConfig {
    /// A directory private to the app, where the sealed store lives.
    pub data_dir: String,
    /// The backend's base URL (HTTPS).
    pub backend_url: String,
    /// Allow plain HTTP to a loopback backend: tests and demos only.
    pub allow_insecure_loopback: bool,
}

/// The SDK on a parent's phone.
pub struct ChildSafeParent {
    config: ParentConfig,
    store: SealedStore<SledStore>,
    key: SigningKey,
    /// Read-modify-write of the records, one at a time (never held across an await).
    writing: Mutex<()>,
}

impl std::fmt::Debug for ChildSafeParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSafeParent")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl ChildSafeParent {
    /// Opens (or, the first time, sets up) the parent's SDK in `config.data_dir`, with the store
    /// sealed under the key from `key_store`. The parent's signing key is made here once.
    pub fn open(config: ParentConfig, key_store: &dyn KeyStore) -> Result<Self, ParentError> {
        // Checked now, so that a wrong URL shows at once and not at the first pairing.
        SyncClient::for_parent(&config.backend_url, config.allow_insecure_loopback)?;
        let data_dir = Path::new(&config.data_dir);
        std::fs::create_dir_all(data_dir)
            .map_err(|_| ParentError::InvalidInput("the data directory cannot be created"))?;
        let store = open_device_store(&data_dir.join("store"), key_store)?;
        let key = records::signing_key(&store)?;
        Ok(Self {
            config,
            store,
            key,
            writing: Mutex::new(()),
        })
    }

    /// This parent's id: the key id of its signing key, the id the backend registers it under.
    pub fn parent_id(&self) -> String {
        key_id(&self.key.public_key())
    }

    /// This parent's signing key, the one the child's phone enrols.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Registers this parent with the backend (once; later calls answer from the store).
    pub async fn register(&self) -> Result<String, ParentError> {
        if let Some(registration) = records::registration(&self.store)? {
            return Ok(registration.parent_id);
        }
        let client = self.client()?;
        let parent_id = client.register_parent(&self.key).await?;
        if parent_id != self.parent_id() {
            return Err(ParentError::Refused(
                "the backend registered this parent under another id than its key's",
            ));
        }
        records::save_registration(
            &self.store,
            &records::Registration {
                parent_id: parent_id.clone(),
                backend_url: client.base_url().to_owned(),
            },
        )?;
        Ok(parent_id)
    }

    // ---- Pairing ---------------------------------------------------------------------------

    /// Pairs with the child's phone whose QR code says `qr_payload`: claims its invite with the
    /// key derived from the QR's secret, checks that the device key the backend hands back is the
    /// QR's device's, and keeps the child as awaiting the phone's confirmation. Show the returned
    /// code; the phone shows the same when no one came between them.
    pub async fn pair(&self, qr_payload: &str) -> Result<PairingStarted, ParentError> {
        // The payload first: a mistyped or foreign code is named as such, whatever else is
        // missing.
        let qr = PairingQr::parse(qr_payload)?;
        self.registered()?;
        let pairing_key = qr.secret.pairing_key()?;
        let own = self.key.public_key();
        let claim = ParentClaim {
            device_id: qr.device_id.clone(),
            parent_public_key: own,
            claim_signature: sign_claim(&pairing_key, &qr.device_id, &own),
        };
        let claimed = self
            .client()?
            .claim_pairing_invite(&self.key, &claim)
            .await?;
        if claimed.device_id != qr.device_id || key_id(&claimed.device_public_key) != qr.device_id {
            return Err(ParentError::Refused(
                "the device key the backend gave is not the key of the phone in the QR code",
            ));
        }
        let code = confirmation_code(&qr.secret, &claimed.device_public_key, &own);
        let _one_at_a_time = self.lock();
        let earlier = records::child(&self.store, &qr.device_id)?;
        let child = ChildRecord {
            device_id: qr.device_id.clone(),
            device_public_key: claimed.device_public_key,
            secret: ParentSecret::from_pairing_secret(&qr.secret),
            paired_at: now(),
            listed_by_backend: false,
            snapshot: None,
            // The phone remembers the last sequence it applied from this key: a pairing again
            // must go on from there.
            last_sequence: earlier.map_or(0, |earlier| earlier.last_sequence),
        };
        let mut batch = WriteBatch::new();
        records::put_child(&mut batch, &child)?;
        self.store.apply(batch)?;
        Ok(PairingStarted {
            device_id: qr.device_id,
            confirmation_code: code,
        })
    }

    /// The children paired here, in the order of their device ids.
    pub fn children(&self) -> Result<Vec<ChildInfo>, ParentError> {
        let own = self.key.public_key();
        Ok(records::children(&self.store)?
            .into_iter()
            .map(|child| {
                let role = child.snapshot.as_ref().and_then(|snapshot| {
                    snapshot
                        .parents
                        .iter()
                        .find(|parent| parent.public_key == own)
                        .map(|parent| parent.role)
                });
                ChildInfo {
                    confirmed: role.is_some() || child.listed_by_backend,
                    device_id: child.device_id,
                    role,
                }
            })
            .collect())
    }

    // ---- What the parent sees ----------------------------------------------------------------

    /// The child's phone as it last described itself, verified against its key: refused when
    /// the backend has no snapshot, or one that is not signed by this phone, names another
    /// phone, or is older than one already shown.
    pub async fn status(&self, device_id: &str) -> Result<ChildStatus, ParentError> {
        self.paired_child(device_id)?;
        let peers = self.client()?.parent_devices(&self.key).await?.peers;
        let peer = peers
            .iter()
            .find(|peer| peer.id == device_id)
            .ok_or(ParentError::NotReady(
                "the backend lists no status of this child: the phone has not confirmed this \
                 parent yet",
            ))?;
        let _one_at_a_time = self.lock();
        let mut child = self.paired_child(device_id)?;
        let snapshot = status::verified(&child, peer)?;
        child.listed_by_backend = true;
        child.snapshot = Some(snapshot.clone());
        let mut batch = WriteBatch::new();
        records::put_child(&mut batch, &child)?;
        self.store.apply(batch)?;
        Ok(ChildStatus::from(snapshot))
    }

    /// The rules in force on the child's phone, as the child reads them there (from its verified
    /// status).
    pub async fn rules(&self, device_id: &str) -> Result<Vec<String>, ParentError> {
        Ok(self.status(device_id).await?.rules)
    }

    /// Reads what waits for this parent: the children's statuses (which confirm the pairing and
    /// say this parent's role), the feed of reports after the last one taken, and the mailbox
    /// (access requests and command receipts, each verified against its phone's key). What does
    /// not verify, or comes from a device not paired here, is dropped and counted.
    pub async fn sync(&self) -> Result<ParentSyncSummary, ParentError> {
        self.registered()?;
        let client = self.client()?;
        let mut summary = ParentSyncSummary::default();
        let peers = client.parent_devices(&self.key).await?.peers;
        self.take_statuses(&peers, &mut summary)?;
        let positions = records::positions(&self.store)?;
        let feed = client.parent_feed(&self.key, positions.feed_after).await?;
        let mailbox = client
            .parent_messages(&self.key, positions.mailbox_after)
            .await?;

        let _one_at_a_time = self.lock();
        let mut positions: Positions = records::positions(&self.store)?;
        let mut batch = WriteBatch::new();
        for item in feed.items {
            if item.seq <= positions.feed_after {
                continue;
            }
            positions.feed_after = item.seq;
            if records::child(&self.store, &item.device_id)?.is_none() {
                summary.ignored += 1;
                continue;
            }
            records::put_report(
                &mut batch,
                &records::KeptReport {
                    feed_seq: item.seq,
                    device_id: item.device_id,
                    received_at: item.received_at,
                    report: item.report,
                },
            )?;
            summary.reports += 1;
        }
        let own = self.key.public_key();
        let mut answered: Vec<SentRecord> = Vec::new();
        for message in mailbox.messages {
            if message.seq <= positions.mailbox_after {
                continue;
            }
            positions.mailbox_after = message.seq;
            match mailbox::take(&self.store, &own, &message, &answered)? {
                mailbox::Taken::Request(request) => {
                    records::put_request(&mut batch, &request)?;
                    summary.requests += 1;
                }
                mailbox::Taken::Receipt { device_id, command } => {
                    records::put_command(&mut batch, &device_id, &command)?;
                    answered.push(command);
                    summary.receipts += 1;
                }
                mailbox::Taken::Ignored => summary.ignored += 1,
            }
        }
        records::put_positions(&mut batch, &positions)?;
        self.store.apply(batch)?;
        Ok(summary)
    }

    /// The reports taken from the feed: SOS first, then the newest first.
    pub fn feed(&self) -> Result<Vec<ChildReport>, ParentError> {
        let mut reports = records::reports(&self.store)?;
        reports.sort_by_key(|kept| {
            (
                kept.report.kind != ReportKind::Sos,
                std::cmp::Reverse(kept.received_at),
                std::cmp::Reverse(kept.feed_seq),
            )
        });
        Ok(reports.into_iter().map(ChildReport::from).collect())
    }

    /// The children's access requests, newest first, with this parent's answers.
    pub fn requests(&self) -> Result<Vec<AccessRequestView>, ParentError> {
        let mut requests = records::requests(&self.store)?;
        requests.reverse();
        Ok(requests.into_iter().map(AccessRequestView::from).collect())
    }

    /// Waits up to `timeout_secs` (at most [`MAX_EVENT_WAIT_SECS`]) on the backend's live stream
    /// for news from this parent's children, and returns the first that arrive, or none at the
    /// end of the wait. An event only says that something waits: call [`Self::sync`] to read
    /// and verify it. Events about devices not paired here are dropped.
    pub async fn wait_for_events(&self, timeout_secs: u64) -> Result<Vec<ChildEvent>, ParentError> {
        self.registered()?;
        let client = self.client()?;
        let wait = Duration::from_secs(timeout_secs.min(MAX_EVENT_WAIT_SECS));
        let deadline = tokio::time::Instant::now() + wait;
        let reading = async {
            let mut response = client.open_parent_events(&self.key).await?;
            let mut reader = events::EventReader::default();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|error| SyncError::Network(error.to_string()))?
            {
                let mut news = Vec::new();
                for event in reader.feed(&chunk) {
                    if records::child(&self.store, event.device_id())?.is_some() {
                        news.push(event);
                    }
                }
                if !news.is_empty() {
                    return Ok(news);
                }
            }
            Ok(Vec::new())
        };
        tokio::time::timeout_at(deadline, reading)
            .await
            .unwrap_or(Ok(Vec::new()))
    }

    // ---- What the parent does ----------------------------------------------------------------

    /// Approves an access request for `for_secs` seconds (at most [`MAX_APPROVAL_SECS`]): a
    /// signed command the phone applies, after which the child sees the answer.
    pub async fn approve(
        &self,
        request_id: &str,
        for_secs: u64,
    ) -> Result<CommandTicket, ParentError> {
        if for_secs == 0 || for_secs > MAX_APPROVAL_SECS {
            return Err(ParentError::InvalidInput(
                "an approval lasts from one second to 30 days",
            ));
        }
        let kept = self.request(request_id)?;
        let until_unix = now().saturating_add(for_secs);
        let action = ParentAction::ApproveAccess {
            host: kept.request.host.clone(),
            until_unix,
            request_id: Some(kept.request.request_id.clone()),
        };
        self.answer(kept, action, AccessAnswer::Approved { until_unix })
            .await
    }

    /// Denies an access request: the child sees the answer, nothing else changes.
    pub async fn deny(&self, request_id: &str) -> Result<CommandTicket, ParentError> {
        let kept = self.request(request_id)?;
        let action = ParentAction::DenyAccess {
            request_id: kept.request.request_id.clone(),
            host: kept.request.host.clone(),
        };
        self.answer(kept, action, AccessAnswer::Denied).await
    }

    /// Signs `action` for the child's phone with the next sequence number (kept before sending,
    /// so a crash never reuses one) and hands it to the relay. If the relay refuses it, the
    /// command is forgotten; if it cannot be reached, the command stays pending (it may have
    /// been taken). Either way its number is not used again, and the error is returned.
    pub async fn send(
        &self,
        device_id: &str,
        action: ParentAction,
    ) -> Result<CommandTicket, ParentError> {
        self.registered()?;
        let client = self.client()?;
        let command = {
            let _one_at_a_time = self.lock();
            let mut child = self.paired_child(device_id)?;
            child.last_sequence = child
                .last_sequence
                .checked_add(1)
                .ok_or(ParentError::Refused("no sequence number is left"))?;
            let command = ParentCommand {
                device_id: device_id.to_owned(),
                sequence: child.last_sequence,
                issued_at: now(),
                action,
            };
            let mut batch = WriteBatch::new();
            records::put_child(&mut batch, &child)?;
            records::put_command(
                &mut batch,
                device_id,
                &SentRecord {
                    sequence: command.sequence,
                    action: command.action.clone(),
                    issued_at: command.issued_at,
                    state: CommandState::Pending,
                },
            )?;
            self.store.apply(batch)?;
            command
        };
        let ticket = CommandTicket {
            device_id: device_id.to_owned(),
            sequence: command.sequence,
        };
        let relayed = match command.sign(&self.key) {
            Ok(envelope) => {
                let message = OutgoingMessage {
                    kind: MessageKind::Command,
                    blob: URL_SAFE_NO_PAD.encode(envelope),
                };
                client
                    .send_to_device(&self.key, device_id, &message)
                    .await
                    .map_err(ParentError::from)
            }
            Err(error) => Err(error.into()),
        };
        if let Err(error) = relayed {
            // Refused by the relay, the command reached no one: it is forgotten. Lost on the way
            // (no answer, or the backend asked to wait), it may have been taken: it stays pending,
            // for a receipt to settle. Its number is never used again either way.
            if matches!(error, ParentError::Sync(SyncError::Refused { .. })) {
                let mut batch = WriteBatch::new();
                records::delete_command(&mut batch, device_id, command.sequence);
                // The error that matters is the relay's; a command left pending stays visible.
                let _ = self.store.apply(batch);
            }
            return Err(error);
        }
        Ok(ticket)
    }

    /// The commands sent to the child's phone, oldest first, each pending, applied or refused
    /// as its signed receipt says.
    pub fn commands(&self, device_id: &str) -> Result<Vec<SentCommand>, ParentError> {
        self.paired_child(device_id)?;
        Ok(records::commands(&self.store, device_id)?
            .into_iter()
            .map(|sent| SentCommand {
                sequence: sent.sequence,
                action: sent.action,
                issued_at: sent.issued_at,
                state: sent.state,
            })
            .collect())
    }

    /// Sets a new parent PIN on the child's phone, sealed under the secret shared at pairing so
    /// that the relay cannot read it.
    pub async fn set_pin(&self, device_id: &str, pin: &str) -> Result<CommandTicket, ParentError> {
        if !is_pin_format(pin) {
            return Err(ParentError::InvalidInput(
                "the PIN is not in the parent PIN's format",
            ));
        }
        let child = self.paired_child(device_id)?;
        let action = ParentAction::change_pin(pin, &child.secret, device_id)?;
        self.send(device_id, action).await
    }

    /// The owner invites a second parent: a new pairing secret for the second parent's app (as a
    /// QR payload) and the command that lets the phone accept its claim. Only the phone's owner,
    /// as its verified snapshot says, may invite.
    pub async fn invite_parent(&self, device_id: &str) -> Result<SecondParentInvite, ParentError> {
        let child = self.paired_child(device_id)?;
        self.require_owner(&child)?;
        let invite = PairingSecret::generate()?;
        let action = ParentAction::invite_parent(&invite, &child.secret, device_id)?;
        let ticket = self.send(device_id, action).await?;
        Ok(SecondParentInvite {
            qr_payload: PairingQr {
                device_id: device_id.to_owned(),
                secret: invite,
            }
            .to_payload(),
            ticket,
        })
    }

    /// Removes a parent from the child's phone: a signed command for the phone, and, for another
    /// parent than this one, the owner's removal at the backend, which stops at once what the
    /// backend sends that parent.
    pub async fn remove_parent(
        &self,
        device_id: &str,
        parent_public_key: PublicKey,
    ) -> Result<CommandTicket, ParentError> {
        let child = self.paired_child(device_id)?;
        let itself = parent_public_key == self.key.public_key();
        if !itself {
            self.require_owner(&child)?;
        }
        let ticket = self
            .send(device_id, ParentAction::RemoveParent { parent_public_key })
            .await?;
        if !itself {
            self.client()?
                .remove_parent_as_owner(&self.key, device_id, &ParentRemoval { parent_public_key })
                .await?;
        }
        Ok(ticket)
    }

    /// Releases the child's phone from parental management: every parent is dropped there and
    /// the parents' rules go; what the carrier's profile requires stays.
    pub async fn release(&self, device_id: &str) -> Result<CommandTicket, ParentError> {
        let child = self.paired_child(device_id)?;
        self.require_owner(&child)?;
        self.send(device_id, ParentAction::ReleaseDevice).await
    }

    /// The parent code the child's phone accepts now, for a parent standing by the phone without
    /// network (from the secret shared at pairing and this phone's clock).
    pub fn offline_code(&self, device_id: &str) -> Result<String, ParentError> {
        let child = self.paired_child(device_id)?;
        Ok(current_code(&child.secret, now()))
    }

    // ---- Helpers -----------------------------------------------------------------------------

    fn client(&self) -> Result<SyncClient, ParentError> {
        Ok(SyncClient::for_parent(
            &self.config.backend_url,
            self.config.allow_insecure_loopback,
        )?)
    }

    fn registered(&self) -> Result<(), ParentError> {
        records::registration(&self.store)?
            .map(|_| ())
            .ok_or(ParentError::NotReady("the parent is not registered"))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.writing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn paired_child(&self, device_id: &str) -> Result<ChildRecord, ParentError> {
        records::child(&self.store, device_id)?.ok_or(ParentError::NotPaired)
    }

    /// Refuses unless the phone's verified snapshot lists this parent as its owner.
    fn require_owner(&self, child: &ChildRecord) -> Result<(), ParentError> {
        let own = self.key.public_key();
        let owner = child.snapshot.as_ref().is_some_and(|snapshot| {
            snapshot
                .parents
                .iter()
                .any(|parent| parent.public_key == own && parent.role == ParentRole::Owner)
        });
        if owner {
            Ok(())
        } else {
            Err(ParentError::NotAllowed(
                "only the phone's owner may do this, and the phone's verified status does not \
                 list this parent as its owner (sync first)",
            ))
        }
    }

    /// Takes the verified snapshot of each child the backend lists; a snapshot that does not
    /// verify, or a device not paired here, is counted and left.
    fn take_statuses(
        &self,
        peers: &[PairedPeer],
        summary: &mut ParentSyncSummary,
    ) -> Result<(), ParentError> {
        let _one_at_a_time = self.lock();
        let mut batch = WriteBatch::new();
        for mut child in records::children(&self.store)? {
            let peer = peers.iter().find(|peer| peer.id == child.device_id);
            child.listed_by_backend = peer.is_some();
            if let Some(peer) = peer {
                match status::verified(&child, peer) {
                    Ok(snapshot) => child.snapshot = Some(snapshot),
                    Err(ParentError::NotReady(_)) => {}
                    Err(_) => summary.ignored += 1,
                }
            }
            records::put_child(&mut batch, &child)?;
        }
        self.store.apply(batch)?;
        Ok(())
    }

    fn request(&self, request_id: &str) -> Result<KeptRequest, ParentError> {
        records::requests(&self.store)?
            .into_iter()
            .find(|kept| kept.request.request_id == request_id)
            .ok_or(ParentError::InvalidInput(
                "no access request with this id has been taken",
            ))
    }

    async fn answer(
        &self,
        kept: KeptRequest,
        action: ParentAction,
        answer: AccessAnswer,
    ) -> Result<CommandTicket, ParentError> {
        let ticket = self.send(&kept.request.device_id, action).await?;
        let _one_at_a_time = self.lock();
        let mut batch = WriteBatch::new();
        records::put_request(
            &mut batch,
            &KeptRequest {
                answer: Some(answer),
                ..kept
            },
        )?;
        self.store.apply(batch)?;
        Ok(ticket)
    }
}

/// This phone's wall clock, Unix seconds: the parent's own phone needs no trusted time.
fn now() -> u64 {
    system_clock_reading().wall_unix
}

impl From<records::KeptReport> for ChildReport {
    fn from(kept: records::KeptReport) -> Self {
        let report = kept.report;
        Self {
            feed_seq: kept.feed_seq,
            device_id: kept.device_id,
            report_id: report.id,
            kind: report.kind,
            created_at: report.created_at,
            received_at: kept.received_at,
            urls: report.urls,
            reported_user: report.reported_user,
            notes: report.notes,
            screenshot_text: report.screenshot_text,
            location: report.location,
        }
    }
}

impl From<KeptRequest> for AccessRequestView {
    fn from(kept: KeptRequest) -> Self {
        let request = kept.request;
        Self {
            request_id: request.request_id,
            device_id: request.device_id,
            host: request.host,
            url: request.url,
            requested_at: request.requested_at,
            answer: kept.answer.unwrap_or(AccessAnswer::Pending),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_parent_object_can_be_shared_between_threads() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<super::ChildSafeParent>();
    }
}
