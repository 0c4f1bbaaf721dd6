//! One sync run: everything a phone exchanges with the backend, in this order, each step judged
//! on the clock the steps before it may have corrected.
//!
//! 1. **Time.** The server's signed time corrects the trusted clock. It comes first: on a clock
//!    set a year ahead every new bundle would look expired. Without a time key, or with an
//!    answer that is missing or refused, the clock stays as it was and the run goes on.
//! 2. **Outbox.** Waiting reports, most urgent first, then how far the server has taken earlier
//!    ones (see [`super::engine`]). Network trouble ends this step, not the run.
//! 3. **Bundles.** The trust document, new lists and the directory (see [`super::bundles`]); new lists go
//!    in force in the filter at once, so the next steps see them.
//! 4. **Line.** For a phone registered with a carrier line: the carrier's key rotations, its
//!    deactivation or newest profile for this line and device, and once after a wiped app what
//!    tightens from the previous device (see [`super::line`]). Each is signed by its author and
//!    checked here; a refusal changes nothing.
//! 5. **Mailbox.** The parents' decisions and commands relayed since the last run, decoded and
//!    applied through safe mode, which refuses anything forged or replayed.
//! 6. **Invites and owed documents.** An invite the owner opened for a second parent moves on
//!    (see [`super::invites`]); then the statements about parents and the command receipts the
//!    phone owes leave, oldest first.
//! 7. **Lists and device status.** The state of the lists in force, on trusted time, sent for the
//!    parents to see; a failure waits for the next run. With it goes a
//!    [`StatusSnapshot`](crate::settings::status_snapshot::StatusSnapshot) of the settings, rules
//!    and parents, signed with the device key, for the parents' apps to verify. It comes after
//!    the mailbox and the statements, so it shows the commands just applied and reaches the
//!    parents just confirmed.
//! 8. **Pruning.** Delivered reports past their keep time leave the phone.
//!
//! When the run ends, its end is kept as the "last sync" the next snapshot shows.
//!
//! The run acts but does not talk to the app: what happens is told, as it happens, as
//! [`SyncNews`], and the facade turns each piece into the events and log lines the app sees.

use std::sync::{PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::bundles::{self, AppliedBundle, BundleRefusal};
use super::client::{SyncClient, SyncError};
use super::engine::{EngineError, OutboxDelivery, SyncSummary};
use super::invites::{self, InviteError, OwedSent, OwnerInviteNews};
use super::line::{self, LineNews};
use crate::crypto::{PublicKey, SigningKey};
use crate::filter::decision::{ListsStatus, UrlFilter};
use crate::protocol::wire::{DeviceStatus, MessageKind};
use crate::reports::Outbox;
use crate::reports::outbox::{KEEP_DELIVERED_SECS, OutboxError};
use crate::settings::parent_command::ParentAction;
use crate::settings::{SafeMode, SafeModeError};
use crate::store::{Store, StoreError, WriteBatch, get_json, put_json};
use crate::time::{ClockSource, trusted_now};
use crate::trust::PinnedKeys;
use crate::vocabulary::Locale;

/// Store keys of this module.
mod keys {
    /// The mailbox position already read.
    pub(super) const MAILBOX_POSITION: &[u8] = b"sync/mailbox-after";
    /// When the last run finished, Unix seconds on the trusted clock.
    pub(super) const LAST_SYNC: &[u8] = b"sync/last-finished";
}

/// The parts of a phone a run works with.
pub struct Phone<'a, S: Store> {
    /// Safe mode: the trusted clock, policies and parent commands, over the device store.
    pub safe_mode: &'a SafeMode<S>,
    /// The reports waiting to be sent.
    pub outbox: &'a Outbox<S>,
    /// The filter in use, replaced when new lists install.
    pub filter: &'a RwLock<UrlFilter>,
    /// The device key every request is signed with.
    pub device_key: &'a SigningKey,
    /// Where the platform's clocks are read.
    pub clock: &'a dyn ClockSource,
    /// The pinned keys the key ring stands on, which bundles are checked against.
    pub trust: &'a PinnedKeys,
    /// The keys the server's time must be signed with; empty, the server cannot correct the
    /// clock.
    pub server_time_keys: &'a [PublicKey],
    /// The child's language, for the rules in the status snapshot.
    pub locale: Locale,
}

/// Something a run did or met, told as it happens, in the order of the steps.
#[derive(Debug)]
pub enum SyncNews {
    /// No server time key is configured: the trusted clock stays as it is.
    NoServerTimeKey,
    /// The server's signed time set the trusted clock.
    ClockCorrected,
    /// The server's time was not taken; the trusted clock stays as it is.
    ClockNotCorrected(ClockError),
    /// The server took a report (its id).
    ReportDelivered(String),
    /// A bundle is now in force.
    BundleApplied(AppliedBundle),
    /// A bundle was not applied; the one in force stays.
    BundleRefused(BundleRefusal),
    /// The state of the lists in force, as sent to the parents.
    ListsChecked(ListsStatus),
    /// The device status could not be sent.
    StatusNotSent(SyncError),
    /// A relayed message is not unpadded base64url; it was skipped.
    MessageNotBase64,
    /// The status snapshot could not be taken or signed; the status went without it.
    SnapshotNotTaken(String),
    /// A parent's decision or command was applied.
    CommandApplied(ParentAction),
    /// A relayed decision or command was refused and changed nothing.
    CommandRefused(SafeModeError),
    /// An invite the owner opened for a second parent moved on.
    OwnerInvite(OwnerInviteNews),
    /// The owner's invite could not be moved on; it waits for the next run.
    OwnerInviteStalled(InviteError),
    /// Statements and receipts the phone owed were sent (or refused for good and dropped).
    OwedSent(OwedSent),
    /// Owed statements and receipts could not all be sent; the rest wait for the next run.
    OwedNotSent(InviteError),
    /// The line step did or met something.
    Line(LineNews),
    /// The line's documents could not be read (why); the next run tries again.
    LineNotRead(String),
    /// This many delivered reports past their keep time were removed.
    Pruned(usize),
}

/// Why the server's time was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// The challenge could not be kept, or the answer was refused.
    #[error(transparent)]
    SafeMode(#[from] SafeModeError),
    /// The server could not be asked.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

/// Why a run stopped before its end. What the steps before did stays done.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The outbox failed.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// The device store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The mailbox could not be read.
    #[error(transparent)]
    Sync(#[from] SyncError),
}

impl From<EngineError> for RunError {
    fn from(error: EngineError) -> Self {
        match error {
            EngineError::Outbox(error) => RunError::Outbox(error),
        }
    }
}

impl<S: Store> Phone<'_, S> {
    /// One run against the backend behind `client`, telling `news` what happens as it happens.
    pub async fn sync(
        &self,
        client: &SyncClient,
        news: &(dyn Fn(SyncNews) + Send + Sync),
    ) -> Result<SyncSummary, RunError> {
        news(self.correct_clock(client).await);

        let clock = self.clock;
        let read_clock = move || clock.reading();
        let delivered = |id: &str| news(SyncNews::ReportDelivered(id.to_owned()));
        let mut summary = SyncSummary::default();
        OutboxDelivery::new(self.outbox, client, self.device_key, &read_clock)
            .with_delivery_listener(&delivered)
            .send_outbox(&mut summary)
            .await?;

        let bundles =
            bundles::fetch_and_apply(client, self.safe_mode, self.trust, &read_clock).await;
        if let Some(fresh) = bundles.lists {
            *self.filter.write().unwrap_or_else(PoisonError::into_inner) = fresh;
        }
        summary.bundles_applied = bundles.applied.iter().map(ToString::to_string).collect();
        summary.bundles_refused = bundles.refused.iter().map(ToString::to_string).collect();
        for applied in bundles.applied {
            news(SyncNews::BundleApplied(applied));
        }
        for refused in bundles.refused {
            news(SyncNews::BundleRefused(refused));
        }

        match self.safe_mode.line() {
            Ok(Some(_)) => {
                let told = |line_news| news(SyncNews::Line(line_news));
                if let Err(error) = line::apply_line_documents(
                    client,
                    self.safe_mode,
                    self.device_key,
                    self.trust,
                    self.clock,
                    &told,
                )
                .await
                {
                    news(SyncNews::LineNotRead(error.to_string()));
                }
            }
            Ok(None) => {}
            Err(error) => news(SyncNews::LineNotRead(error.to_string())),
        }

        self.read_mailbox(client, news).await?;

        match invites::settle_owner_invite(self.safe_mode, client, self.device_key, clock.reading())
            .await
        {
            Ok(Some(moved)) => news(SyncNews::OwnerInvite(moved)),
            Ok(None) => {}
            Err(error) => news(SyncNews::OwnerInviteStalled(error)),
        }
        match invites::send_owed(self.safe_mode, client, self.device_key).await {
            Ok(sent) if sent == OwedSent::default() => {}
            Ok(sent) => news(SyncNews::OwedSent(sent)),
            Err(error) => news(SyncNews::OwedNotSent(error)),
        }

        // The status last, so that its snapshot shows the commands just applied and the
        // parents just confirmed, and reaches those parents too.
        let lists = self.lists_status()?;
        news(SyncNews::ListsChecked(lists.clone()));
        let snapshot = match self.signed_snapshot(&lists) {
            Ok(snapshot) => Some(snapshot),
            Err(error) => {
                news(SyncNews::SnapshotNotTaken(error));
                None
            }
        };
        let status = DeviceStatus {
            lists_version: lists.version,
            lists_out_of_date_since: lists.out_of_date_since,
            lists_unavailable: lists.unavailable,
            snapshot,
        };
        if let Err(error) = client.send_status(self.device_key, &status).await {
            news(SyncNews::StatusNotSent(error));
        }

        let pruned = self
            .outbox
            .prune(self.clock.reading(), KEEP_DELIVERED_SECS)?;
        if pruned > 0 {
            news(SyncNews::Pruned(pruned));
        }
        let finished = trusted_now(self.safe_mode.store(), self.clock.reading())?;
        let mut batch = WriteBatch::new();
        put_json(&mut batch, keys::LAST_SYNC, &finished.unix_secs())?;
        self.safe_mode.store().apply(batch)?;
        Ok(summary)
    }

    /// Step 6's snapshot: taken now, signed with the device key, as unpadded base64url.
    fn signed_snapshot(&self, lists: &ListsStatus) -> Result<String, String> {
        let last_sync: Option<u64> =
            get_json(self.safe_mode.store(), keys::LAST_SYNC).map_err(|error| error.to_string())?;
        let snapshot = self
            .safe_mode
            .take_snapshot(self.clock.reading(), lists, self.locale, last_sync)
            .map_err(|error| error.to_string())?;
        let signed = snapshot
            .sign(self.device_key)
            .map_err(|error| error.to_string())?;
        Ok(URL_SAFE_NO_PAD.encode(signed))
    }

    /// Step 1: the server's signed time for the trusted clock.
    async fn correct_clock(&self, client: &SyncClient) -> SyncNews {
        if self.server_time_keys.is_empty() {
            return SyncNews::NoServerTimeKey;
        }
        let corrected = async {
            let challenge = self.safe_mode.server_time_challenge()?;
            let envelope = client.server_time(self.device_key, &challenge).await?;
            self.safe_mode.accept_signed_server_time(
                &envelope,
                self.server_time_keys,
                self.clock.reading(),
            )?;
            Ok::<_, ClockError>(())
        }
        .await;
        match corrected {
            Ok(()) => SyncNews::ClockCorrected,
            Err(error) => SyncNews::ClockNotCorrected(error),
        }
    }

    /// Step 6: the state of the lists in force now, on the trusted clock (advanced and kept).
    fn lists_status(&self) -> Result<ListsStatus, StoreError> {
        let now = trusted_now(self.safe_mode.store(), self.clock.reading())?;
        Ok(self
            .filter
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .lists_status(now.unix_secs()))
    }

    /// Step 4: the parents' decisions and commands relayed since the last run. The position
    /// read is kept only after they are applied, so a run cut short reads them again.
    async fn read_mailbox(
        &self,
        client: &SyncClient,
        news: &(dyn Fn(SyncNews) + Send + Sync),
    ) -> Result<(), RunError> {
        let store = self.safe_mode.store();
        let after: u64 = get_json(store, keys::MAILBOX_POSITION)?.unwrap_or(0);
        let mailbox = client.messages(self.device_key, after).await?;
        let mut position = after;
        for message in mailbox.messages {
            position = position.max(message.seq);
            if !matches!(message.kind, MessageKind::Decision | MessageKind::Command) {
                continue;
            }
            let Ok(envelope) = URL_SAFE_NO_PAD.decode(&message.blob) else {
                news(SyncNews::MessageNotBase64);
                continue;
            };
            // A forged or replayed command changes nothing; the relay cannot forge one. The
            // receipt it is owed leaves at step 7.
            let answer = self
                .safe_mode
                .answer_parent_command(&envelope, self.clock.reading());
            news(match answer.outcome {
                Ok(action) => SyncNews::CommandApplied(action),
                Err(error) => SyncNews::CommandRefused(error),
            });
        }
        if position > after {
            let mut batch = WriteBatch::new();
            put_json(&mut batch, keys::MAILBOX_POSITION, &position)?;
            store.apply(batch)?;
        }
        Ok(())
    }
}
