//! The parent's mailbox, message by message: access requests and command receipts from the
//! children's phones, each verified against the key of the phone it comes from, checked at
//! pairing. What does not verify, answers a command this parent never sent, or comes from a
//! device not paired here is dropped: the relay can carry messages, not make them up.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::error::ParentError;
use super::records::{self, KeptRequest, SentRecord};
use super::views::CommandState;
use crate::crypto::PublicKey;
use crate::protocol::request_signing::PrincipalKind;
use crate::protocol::wire::{MessageKind, RelayedMessage};
use crate::settings::access_request::AccessRequest;
use crate::settings::command_receipt::{CommandOutcome, CommandReceipt};
use crate::store::Store;

/// What one message gave.
#[derive(Debug)]
pub(crate) enum Taken {
    /// A verified access request, to keep.
    Request(KeptRequest),
    /// A verified receipt: the command with its new state.
    Receipt {
        /// The phone that answered.
        device_id: String,
        /// The answered command.
        command: SentRecord,
    },
    /// Nothing to keep.
    Ignored,
}

/// Reads `message` for the parent whose key is `own`. `answered` holds the commands already
/// answered earlier in the same page, not yet in the store.
pub(crate) fn take(
    store: &dyn Store,
    own: &PublicKey,
    message: &RelayedMessage,
    answered: &[SentRecord],
) -> Result<Taken, ParentError> {
    let Some(device_id) = message
        .from
        .strip_prefix(PrincipalKind::Device.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
    else {
        return Ok(Taken::Ignored);
    };
    let Some(child) = records::child(store, device_id)? else {
        return Ok(Taken::Ignored);
    };
    let Ok(blob) = URL_SAFE_NO_PAD.decode(&message.blob) else {
        return Ok(Taken::Ignored);
    };
    match message.kind {
        MessageKind::AccessRequest => {
            let Ok(request) = AccessRequest::verify(&blob, &child.device_public_key) else {
                return Ok(Taken::Ignored);
            };
            if request.device_id != child.device_id {
                return Ok(Taken::Ignored);
            }
            Ok(Taken::Request(KeptRequest {
                mailbox_seq: message.seq,
                request,
                answer: None,
            }))
        }
        MessageKind::Receipt => {
            let Ok(receipt) = CommandReceipt::verify(&blob, &child.device_public_key) else {
                return Ok(Taken::Ignored);
            };
            if receipt.device_id != child.device_id || receipt.parent_public_key != *own {
                return Ok(Taken::Ignored);
            }
            let sent = match answered
                .iter()
                .rev()
                .find(|command| command.sequence == receipt.sequence)
            {
                Some(command) => Some(command.clone()),
                None => records::command(store, device_id, receipt.sequence)?,
            };
            // Only a pending command moves: a second receipt cannot rewrite the first answer.
            let Some(mut command) = sent.filter(|sent| sent.state == CommandState::Pending) else {
                return Ok(Taken::Ignored);
            };
            command.state = match receipt.outcome {
                CommandOutcome::Applied => CommandState::Applied,
                CommandOutcome::Refused { reason } => CommandState::Refused { reason },
            };
            Ok(Taken::Receipt {
                device_id: child.device_id,
                command,
            })
        }
        // Parent-to-child kinds never belong in a parent's mailbox.
        MessageKind::Decision | MessageKind::Command => Ok(Taken::Ignored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SigningKey;
    use crate::protocol::request_signing::key_id;
    use crate::settings::parent_code::ParentSecret;
    use crate::settings::parent_command::ParentAction;
    use crate::store::{SledStore, WriteBatch};

    struct Fixture {
        store: SledStore,
        dir: std::path::PathBuf,
        device: SigningKey,
        device_id: String,
        own: PublicKey,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// A parent's store with one child and one pending command, sequence 1.
    fn fixture() -> Fixture {
        let dir = std::env::temp_dir().join(format!(
            "childsafe-parent-mailbox-{}",
            crate::crypto::hex(&crate::crypto::random_bytes::<8>().unwrap())
        ));
        let store = SledStore::open(&dir).unwrap();
        let device = SigningKey::generate().unwrap().0;
        let device_id = key_id(&device.public_key());
        let own = SigningKey::generate().unwrap().0.public_key();
        let mut batch = WriteBatch::new();
        records::put_child(
            &mut batch,
            &records::ChildRecord {
                device_id: device_id.clone(),
                device_public_key: device.public_key(),
                secret: ParentSecret::generate().unwrap(),
                paired_at: 1,
                listed_by_backend: true,
                snapshot: None,
                last_sequence: 1,
            },
        )
        .unwrap();
        records::put_command(&mut batch, &device_id, &pending(1)).unwrap();
        store.apply(batch).unwrap();
        Fixture {
            store,
            dir,
            device,
            device_id,
            own,
        }
    }

    fn pending(sequence: u64) -> SentRecord {
        SentRecord {
            sequence,
            action: ParentAction::SetSafeSearch { on: true },
            issued_at: 1,
            state: CommandState::Pending,
        }
    }

    impl Fixture {
        fn receipt(
            &self,
            signer: &SigningKey,
            sequence: u64,
            outcome: CommandOutcome,
        ) -> RelayedMessage {
            self.receipt_for(signer, sequence, outcome, self.own)
        }

        fn receipt_for(
            &self,
            signer: &SigningKey,
            sequence: u64,
            outcome: CommandOutcome,
            parent: PublicKey,
        ) -> RelayedMessage {
            let receipt = CommandReceipt {
                device_id: self.device_id.clone(),
                parent_public_key: parent,
                sequence,
                outcome,
                decided_at: 2,
            };
            RelayedMessage {
                seq: 1,
                from: format!("device:{}", self.device_id),
                kind: MessageKind::Receipt,
                blob: URL_SAFE_NO_PAD.encode(receipt.sign(signer).unwrap()),
                received_at: 2,
            }
        }

        fn take(&self, message: &RelayedMessage, answered: &[SentRecord]) -> Taken {
            take(&self.store, &self.own, message, answered).unwrap()
        }
    }

    #[test]
    fn a_receipt_signed_by_the_phone_moves_its_pending_command() {
        let f = fixture();
        let applied = f.receipt(&f.device, 1, CommandOutcome::Applied);
        let Taken::Receipt { device_id, command } = f.take(&applied, &[]) else {
            panic!("not taken");
        };
        assert_eq!(device_id, f.device_id);
        assert_eq!(command.state, CommandState::Applied);

        let refused = f.receipt(
            &f.device,
            1,
            CommandOutcome::Refused {
                reason: "not allowed".into(),
            },
        );
        let Taken::Receipt { command, .. } = f.take(&refused, &[]) else {
            panic!("not taken");
        };
        assert_eq!(
            command.state,
            CommandState::Refused {
                reason: "not allowed".into()
            }
        );
        // Once answered in the same page, a second receipt changes nothing.
        assert!(matches!(f.take(&refused, &[command]), Taken::Ignored));
    }

    #[test]
    fn forged_or_misdirected_receipts_are_ignored() {
        let f = fixture();
        let stranger = SigningKey::generate().unwrap().0;
        let forged = f.receipt(&stranger, 1, CommandOutcome::Applied);
        assert!(matches!(f.take(&forged, &[]), Taken::Ignored));

        let other_parent = SigningKey::generate().unwrap().0.public_key();
        let for_another = f.receipt_for(&f.device, 1, CommandOutcome::Applied, other_parent);
        assert!(matches!(f.take(&for_another, &[]), Taken::Ignored));

        let never_sent = f.receipt(&f.device, 9, CommandOutcome::Applied);
        assert!(matches!(f.take(&never_sent, &[]), Taken::Ignored));

        let mut from_a_stranger = f.receipt(&f.device, 1, CommandOutcome::Applied);
        from_a_stranger.from = format!("device:{}", key_id(&stranger.public_key()));
        assert!(matches!(f.take(&from_a_stranger, &[]), Taken::Ignored));

        let mut from_a_parent = f.receipt(&f.device, 1, CommandOutcome::Applied);
        from_a_parent.from = format!("parent:{}", f.device_id);
        assert!(matches!(f.take(&from_a_parent, &[]), Taken::Ignored));

        let mut not_base64 = f.receipt(&f.device, 1, CommandOutcome::Applied);
        not_base64.blob = "not base64!".into();
        assert!(matches!(f.take(&not_base64, &[]), Taken::Ignored));
    }
}
