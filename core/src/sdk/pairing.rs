//! Pairing a parent with this phone so that no relay can take it over, and the parents
//! afterwards: [`ChildSafe::start_pairing`] draws the secret of the QR code behind the PIN,
//! [`ChildSafe::pending_parent`] shows who claimed it with the six digits both screens must
//! agree on, [`ChildSafe::confirm_parent`] enrols that parent behind the PIN, and
//! [`ChildSafe::remove_parent`] drops one. Every claim is checked here against the pairing key;
//! more than one valid claimant ends the pairing, since the phone cannot tell who is next to it.
//! The backend learns of each change from a device-signed statement, sent now or, if the network
//! is down, at the next sync.

use super::{ChildSafe, LogLevel, PairedParentInfo, SdkError};
use crate::crypto::PublicKey;
use crate::protocol::pairing::{PairingQr, PairingSecret, ParentRole, confirmation_code};
use crate::protocol::request_signing::key_id;
use crate::settings::InviteOrigin;
use crate::settings::access_request::SentAccessRequest;
use crate::sync::client::SyncClient;
use crate::sync::invites::{self, Claimants};

/// What the phone shows to pair a parent: the QR code, or the code to type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairingInviteInfo {
    /// The QR code's payload, `childsafe-pair:1:<device id>:<secret>`.
    pub qr_payload: String,
    /// The secret alone, 26 base32 characters, for a parent who types it.
    pub secret_code: String,
    /// When the invite stops working, Unix seconds.
    pub expires_at: u64,
}

/// The parent who claimed the invite, waiting for the PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PendingParent {
    /// The parent's id (the key id of its key).
    pub parent_id: String,
    /// The parent's command-signing key.
    pub parent_public_key: PublicKey,
    /// The six digits the parent's app shows too: enrol only if they match.
    pub confirmation_code: String,
}

/// A parent enrolled on this phone.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ParentInfo {
    /// The parent's id (the key id of its key).
    pub parent_id: String,
    /// The parent's command-signing key.
    pub public_key: PublicKey,
    /// Owner (the first) or member.
    pub role: ParentRole,
}

/// Said when a second person claimed the invite.
const SECOND_CLAIMANT: &str = "more than one person claimed this pairing code, so no one was \
                               paired and the code no longer works: start pairing again";

impl ChildSafe {
    /// Starts pairing a parent, behind the PIN (a counted attempt): draws a new pairing secret,
    /// keeps it sealed, and opens an invite at the backend with the public half of the key
    /// derived from it. The secret leaves the phone only in what this returns, to show. A new
    /// start replaces the earlier invite.
    pub async fn start_pairing(&self, pin: &str) -> Result<PairingInviteInfo, SdkError> {
        let client = self.registered_client()?;
        let secret = PairingSecret::generate()
            .map_err(|_| SdkError::InvalidInput("no randomness for the pairing secret"))?;
        let pairing_key = secret
            .pairing_key()
            .map_err(|_| SdkError::InvalidInput("the pairing key could not be derived"))?;
        let invite = self
            .safe_mode
            .open_invite_with_pin(pin, &secret, self.clock.reading())?;
        let expires_at = invites::register_invite(
            &client,
            &self.device_key,
            pairing_key.public_key(),
            invite.expires_at,
        )
        .await?;
        self.safe_mode
            .invite_registered(&pairing_key.public_key())?;
        self.logger
            .log(LogLevel::Info, "pairing started".to_owned());
        Ok(PairingInviteInfo {
            qr_payload: PairingQr {
                device_id: self.device_id(),
                secret: secret.clone(),
            }
            .to_payload(),
            secret_code: secret.to_base32(),
            expires_at: expires_at.min(invite.expires_at),
        })
    }

    /// The parent who claimed the invite, with the confirmation code to compare with the
    /// parent's screen. [`SdkError::NotReady`] while no valid claim has come; more than one
    /// parent claiming it ends the pairing ([`SdkError::Refused`]).
    pub async fn pending_parent(&self) -> Result<PendingParent, SdkError> {
        let (secret, parent) = self.single_claimant().await?;
        Ok(PendingParent {
            parent_id: key_id(&parent),
            parent_public_key: parent,
            confirmation_code: confirmation_code(&secret, &self.device_key.public_key(), &parent),
        })
    }

    /// Enrols the parent [`ChildSafe::pending_parent`] showed, behind the PIN (a counted
    /// attempt), after checking the claims again: it must still be the one valid claimant. The
    /// first parent is the owner, later ones members. The backend is told with a device-signed
    /// statement, now or at the next sync.
    pub async fn confirm_parent(
        &self,
        pin: &str,
        parent_id: &str,
    ) -> Result<PairedParentInfo, SdkError> {
        let (secret, parent) = self.single_claimant().await?;
        if key_id(&parent) != parent_id {
            return Err(SdkError::Refused(
                "the parent to confirm is not the one who claimed the pairing code",
            ));
        }
        let pairing_public_key = secret
            .pairing_key()
            .map_err(|_| SdkError::InvalidInput("the pairing key could not be derived"))?
            .public_key();
        let role = self.safe_mode.enrol_invited_parent(
            parent,
            &pairing_public_key,
            Some(pin),
            self.clock.reading(),
        )?;
        self.changed("parent paired");
        self.send_owed_now().await;
        Ok(PairedParentInfo {
            parent_id: key_id(&parent),
            public_key: parent,
            role,
        })
    }

    /// The parents enrolled on this phone, the owner first.
    pub fn parents(&self) -> Result<Vec<ParentInfo>, SdkError> {
        Ok(self
            .safe_mode
            .enrolled_parents()?
            .into_iter()
            .map(|parent| ParentInfo {
                parent_id: key_id(&parent.public_key),
                public_key: parent.public_key,
                role: parent.role,
            })
            .collect())
    }

    /// Removes a parent behind the PIN (a counted attempt): its key is dropped, so its later
    /// commands are refused, and the backend is told now or at the next sync.
    pub async fn remove_parent(&self, pin: &str, parent_id: &str) -> Result<(), SdkError> {
        let parent = self
            .parents()?
            .into_iter()
            .find(|parent| parent.parent_id == parent_id)
            .ok_or(SdkError::InvalidInput(
                "no parent with this id is paired with the phone",
            ))?;
        self.safe_mode
            .remove_parent_with_pin(pin, &parent.public_key, self.clock.reading())?;
        self.changed("parent removed");
        self.send_owed_now().await;
        Ok(())
    }

    /// The access requests the child sent, newest first, each with the parents' answer.
    pub fn access_requests(&self) -> Result<Vec<SentAccessRequest>, SdkError> {
        let mut requests = self.safe_mode.access_requests()?;
        requests.reverse();
        Ok(requests)
    }

    /// The open invite's secret and its one valid claimant, checked here: claims the pairing key
    /// did not sign are ignored (and logged), more than one valid claimant abandons the invite.
    async fn single_claimant(&self) -> Result<(PairingSecret, PublicKey), SdkError> {
        let client = self.registered_client()?;
        let invite = self
            .safe_mode
            .open_invite()?
            .filter(|invite| matches!(invite.origin, InviteOrigin::Pin { .. }))
            .ok_or(SdkError::NotReady(
                "no pairing has been started on the phone",
            ))?;
        let secret = invite.pairing_secret().ok_or(SdkError::NotReady(
            "no pairing has been started on the phone",
        ))?;
        let pairing_public_key = invite.pairing_public_key()?;
        if self.trusted_now()?.unix_secs() >= invite.expires_at {
            self.safe_mode
                .abandon_invite(&pairing_public_key, "expired", self.clock.reading())?;
            return Err(SdkError::NotReady(
                "the pairing code has expired: start pairing again",
            ));
        }
        let Claimants { valid, ignored } =
            invites::read_claimants(&client, &self.device_key, &pairing_public_key).await?;
        if ignored > 0 {
            self.logger.log(
                LogLevel::Warn,
                format!("{ignored} pairing claim(s) not signed with the pairing key ignored"),
            );
        }
        match valid.as_slice() {
            [] => Err(SdkError::NotReady(
                "no parent has claimed the pairing code yet",
            )),
            [parent] => Ok((secret, *parent)),
            _ => {
                self.safe_mode.abandon_invite(
                    &pairing_public_key,
                    "claimed by more than one parent",
                    self.clock.reading(),
                )?;
                self.logger.log(
                    LogLevel::Warn,
                    "pairing ended: more than one parent claimed the code".to_owned(),
                );
                Err(SdkError::Refused(SECOND_CLAIMANT))
            }
        }
    }

    /// Sends what the phone owes the backend now; what cannot go waits for the next sync.
    async fn send_owed_now(&self) {
        let sent = match self.registered_client() {
            Ok(client) => invites::send_owed(&self.safe_mode, &client, &self.device_key)
                .await
                .map(drop)
                .map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        if let Err(error) = sent {
            self.logger.log(
                LogLevel::Warn,
                format!("the backend will be told at the next sync: {error}"),
            );
        }
    }

    /// A client for the backend, once the device is registered.
    fn registered_client(&self) -> Result<SyncClient, SdkError> {
        let client = self.client()?;
        if crate::sync::identity::registration(&*self.store)?.is_none() {
            return Err(SdkError::NotReady("the device is not registered"));
        }
        Ok(client)
    }
}
