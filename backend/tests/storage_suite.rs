//! The behaviour every `Storage` implementation must have, written once and run against each of
//! them (sled always, PostgreSQL when `CHILDSAFE_TEST_DATABASE_URL` is set): registration,
//! nonces, idempotency, report routing and status, feeds, the hotline and helpline queues,
//! pairing, the
//! relay, bundles, secrets, carriers and their lines, purging with a chosen clock, what concurrent callers can and cannot
//! race past, and (for sled) what survives closing and reopening the directory.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use childsafe_backend::limits::{MAX_PAIRING_CLAIMS, MAX_WRONG_PAIRING_CLAIMS};
use childsafe_backend::storage::sled::SledStorage;
use childsafe_backend::storage::{
    BundlePut, BundleStore, BundleVersion, CarrierAdmitted, CarrierRecord, ClaimAdded,
    DeviceRecord, DeviceRegistered, HOTLINE_MIN_RETENTION_SECS, IdempotencyBegin, LineChange,
    LineChanged, LineRecord, LineRegistration, NewMessage, NewReport, OwnerRemoval, ParentChange,
    ParentRecord, PreviousDevice, Purged, ReportInsert, Retention, STALE_IDEMPOTENCY_SECS,
    SafetyPackRecord, SecretStore, SignedForLine, Storage, StoredBundle,
};
use childsafe_crypto::PublicKey;
use childsafe_protocol::carrier::{LineRequest, LineState};
use childsafe_protocol::pairing::ParentRole;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::wire::{
    BundleKind, DeliveryState, Destination, DestinationKind, MessageKind, PendingClaim,
    ReportStatus, ReportedDeviceStatus,
};

/// A Tuesday in November 2023: every test clock starts here.
const NOW: u64 = 1_700_000_000;
const DAY: u64 = 24 * 3600;

/// Runs each named behaviour as its own test against every storage from
/// [`support::storages`], naming the storage when it fails.
macro_rules! every_storage {
    ($($behaviour:ident,)+) => {
        mod every_storage {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $behaviour() {
                    for (kind, storage, guard) in crate::support::storages().await {
                        let run = tokio::spawn(crate::behaviour::$behaviour(storage));
                        if let Err(failure) = run.await {
                            let panic = failure.into_panic();
                            let message = panic
                                .downcast_ref::<String>()
                                .map(String::as_str)
                                .or_else(|| panic.downcast_ref::<&str>().copied())
                                .unwrap_or("(no message)");
                            panic!("{kind} storage: {message}");
                        }
                        drop(guard);
                    }
                }
            )+
        }
    };
}

every_storage! {
    a_token_registers_one_device_once,
    a_device_already_registered_leaves_the_token_unused,
    a_parent_registers_once,
    a_nonce_is_accepted_once_per_principal,
    an_idempotency_key_replays_its_answer_and_refuses_other_bodies,
    an_abandoned_idempotency_key_can_start_again,
    a_stale_idempotency_key_is_taken_over,
    concurrent_requests_with_one_key_start_once,
    a_new_report_is_stored_routed_and_listed,
    a_repeated_report_is_existing_or_a_conflict,
    concurrent_uploads_of_one_report_store_it_once,
    reading_the_feed_marks_the_parent_forwarded,
    a_feed_read_during_concurrent_ingest_never_skips_an_item,
    the_hotline_queue_lists_and_forwards_reports,
    a_helpline_only_report_is_kept_whole_and_out_of_every_feed,
    the_helpline_queue_lists_and_forwards_only_its_own_destinations,
    an_invite_takes_claims_until_it_expires_or_has_five_wrong_ones,
    a_new_invite_replaces_the_old_one_and_its_claims,
    concurrent_wrong_claims_are_each_counted,
    a_parent_statement_pairs_or_unpairs_only_when_newer,
    only_the_owner_removes_a_parent_and_an_owner_removed_is_owner_no_more,
    messages_are_relayed_in_order_per_mailbox,
    bundle_versions_never_go_back,
    concurrent_bundle_uploads_never_lower_the_version,
    a_secret_is_stored_once,
    a_device_status_is_kept_per_device_and_replaced_by_the_next,
    purge_removes_what_retention_no_longer_keeps,
    purge_keeps_hotline_reports_at_least_a_year,
    purge_removes_helpline_reports_with_the_ordinary_retention,
    a_carrier_is_admitted_once_and_rotates_only_from_its_current_key,
    a_line_is_added_once_and_listed_only_for_its_carrier,
    a_line_files_documents_only_for_its_device_and_newer_sequences,
    a_line_moves_to_a_new_device_and_keeps_the_previous_one,
    a_carriers_safety_pack_only_grows,
}

/// The behaviours, each taking one fresh storage.
mod behaviour {
    use super::*;

    pub(crate) async fn a_carrier_is_admitted_once_and_rotates_only_from_its_current_key(
        storage: Arc<dyn Storage>,
    ) {
        assert_eq!(
            storage.admit_carrier(carrier("acme", 1)).await.unwrap(),
            CarrierAdmitted::Admitted
        );
        assert_eq!(
            storage.admit_carrier(carrier("acme", 1)).await.unwrap(),
            CarrierAdmitted::AlreadyAdmitted
        );
        assert_eq!(
            storage.admit_carrier(carrier("acme", 2)).await.unwrap(),
            CarrierAdmitted::Conflict
        );
        assert_eq!(storage.carrier("other").await.unwrap(), None);
        assert!(
            !storage
                .rotate_carrier_key("acme", key(9), key(3), "r0".to_owned())
                .await
                .unwrap(),
            "only the current key rotates"
        );
        assert!(
            storage
                .rotate_carrier_key("acme", key(1), key(3), "r1".to_owned())
                .await
                .unwrap()
        );
        assert!(
            !storage
                .rotate_carrier_key("acme", key(1), key(4), "r2".to_owned())
                .await
                .unwrap(),
            "a rotation from the retired key is stale"
        );
        let stored = storage.carrier("acme").await.unwrap().unwrap();
        assert_eq!(stored.public_key, key(3));
        assert_eq!(stored.rotations, vec!["r1".to_owned()]);
        assert!(
            !storage
                .rotate_carrier_key("nobody", key(1), key(3), "r".to_owned())
                .await
                .unwrap()
        );
    }

    pub(crate) async fn a_line_is_added_once_and_listed_only_for_its_carrier(
        storage: Arc<dyn Storage>,
    ) {
        assert!(storage.add_line(line("h2", "acme", NOW + 1)).await.unwrap());
        assert!(storage.add_line(line("h1", "acme", NOW)).await.unwrap());
        assert!(storage.add_line(line("h3", "other", NOW)).await.unwrap());
        assert!(
            !storage.add_line(line("h1", "other", NOW)).await.unwrap(),
            "a handle is one line, whoever asks"
        );
        let handles = |lines: Vec<LineRecord>| {
            lines
                .into_iter()
                .map(|line| line.handle)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            handles(storage.lines_of("acme").await.unwrap()),
            ["h1", "h2"],
            "oldest first"
        );
        assert_eq!(handles(storage.lines_of("other").await.unwrap()), ["h3"]);
        assert_eq!(
            storage.line("h1").await.unwrap(),
            Some(line("h1", "acme", NOW))
        );
        assert_eq!(storage.line("nope").await.unwrap(), None);
        assert_eq!(storage.line_of_device(&device(1).id).await.unwrap(), None);
    }

    pub(crate) async fn a_line_files_documents_only_for_its_device_and_newer_sequences(
        storage: Arc<dyn Storage>,
    ) {
        storage.add_line(line("h1", "acme", NOW)).await.unwrap();
        let signed = |device_id: &str, sequence| SignedForLine {
            device_id: device_id.to_owned(),
            sequence,
            envelope: format!("e{sequence}"),
        };
        let profile = |device_id: &str, sequence| LineChange::Profile(signed(device_id, sequence));
        assert_eq!(
            storage
                .change_line("h1", "acme", profile(&device(1).id, 1))
                .await
                .unwrap(),
            LineChanged::WrongDevice,
            "no device is bound yet"
        );
        register_on(&storage, 1, "h1", None).await;
        assert_eq!(
            storage
                .change_line("h1", "other", profile(&device(1).id, 1))
                .await
                .unwrap(),
            LineChanged::Unknown
        );
        assert_eq!(
            storage
                .change_line("h9", "acme", profile(&device(1).id, 1))
                .await
                .unwrap(),
            LineChanged::Unknown
        );
        assert_eq!(
            storage
                .change_line("h1", "acme", profile(&device(2).id, 1))
                .await
                .unwrap(),
            LineChanged::WrongDevice
        );
        let LineChanged::Changed(active) = storage
            .change_line("h1", "acme", profile(&device(1).id, 1))
            .await
            .unwrap()
        else {
            panic!("the profile is filed");
        };
        assert_eq!(active.state, LineState::Active);
        assert_eq!(
            storage
                .change_line("h1", "acme", profile(&device(1).id, 1))
                .await
                .unwrap(),
            LineChanged::NotNewer { current: 1 }
        );
        let LineChanged::Changed(updated) = storage
            .change_line("h1", "acme", LineChange::Settings(settings("6-8")))
            .await
            .unwrap()
        else {
            panic!("the settings are kept");
        };
        assert_eq!(updated.state, LineState::AwaitingProfile);
        assert_eq!(updated.pending().unwrap().next_sequence, 2);
        assert_eq!(
            updated.profile.as_deref(),
            Some("e1"),
            "kept until the next"
        );
        storage
            .change_line(
                "h1",
                "acme",
                LineChange::Deactivation(signed(&device(1).id, 2)),
            )
            .await
            .unwrap();
        let stored = storage
            .line_of_device(&device(1).id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, LineState::Deactivated);
        assert_eq!(stored.deactivation.as_deref(), Some("e2"));
        assert_eq!(stored.profile, None);
        assert_eq!(
            storage
                .change_line("h1", "acme", profile(&device(1).id, 3))
                .await
                .unwrap(),
            LineChanged::Deactivated
        );
        assert_eq!(
            storage
                .register_line_device(device(2), "h1", Some(device(1).id), None)
                .await
                .unwrap(),
            LineRegistration::LineUnknown,
            "a deactivated line takes no device"
        );
        assert_eq!(storage.device(&device(2).id).await.unwrap(), None);
    }

    pub(crate) async fn a_line_moves_to_a_new_device_and_keeps_the_previous_one(
        storage: Arc<dyn Storage>,
    ) {
        storage.add_line(line("h1", "acme", NOW)).await.unwrap();
        assert_eq!(
            storage
                .register_line_device(device(1), "h9", None, None)
                .await
                .unwrap(),
            LineRegistration::LineUnknown
        );
        assert_eq!(storage.device(&device(1).id).await.unwrap(), None);
        register_on(&storage, 1, "h1", None).await;
        storage
            .change_line(
                "h1",
                "acme",
                LineChange::Profile(SignedForLine {
                    device_id: device(1).id,
                    sequence: 4,
                    envelope: "p".to_owned(),
                }),
            )
            .await
            .unwrap();
        assert_eq!(
            storage
                .register_line_device(device(2), "h1", None, None)
                .await
                .unwrap(),
            LineRegistration::Raced,
            "the caller did not see the bound device"
        );
        assert_eq!(
            storage
                .register_line_device(device(1), "h1", Some(device(1).id), None)
                .await
                .unwrap(),
            LineRegistration::AlreadyRegistered
        );
        let previous = PreviousDevice {
            device_id: device(1).id,
            public_key: device(1).public_key,
            snapshot: Some("snap".to_owned()),
        };
        let moved = register_on(&storage, 2, "h1", Some(previous.clone())).await;
        assert_eq!(moved.device_id, Some(device(2).id));
        assert_eq!(moved.previous, Some(previous));
        assert_eq!(moved.profile, None);
        assert_eq!(moved.state, LineState::AwaitingProfile);
        assert_eq!(moved.pending().unwrap().next_sequence, 5);
        assert_eq!(storage.line_of_device(&device(1).id).await.unwrap(), None);
        assert_eq!(
            storage.line_of_device(&device(2).id).await.unwrap(),
            Some(moved)
        );
        assert_eq!(
            storage.device(&device(2).id).await.unwrap(),
            Some(device(2))
        );
    }

    pub(crate) async fn a_carriers_safety_pack_only_grows(storage: Arc<dyn Storage>) {
        let pack = |version| SafetyPackRecord {
            version,
            envelope: format!("pack{version}"),
        };
        assert_eq!(
            storage.put_safety_pack("acme", pack(1)).await.unwrap(),
            BundlePut::NotNewer { current: 0 },
            "no such carrier"
        );
        storage.admit_carrier(carrier("acme", 1)).await.unwrap();
        assert_eq!(
            storage.put_safety_pack("acme", pack(2)).await.unwrap(),
            BundlePut::Stored
        );
        assert_eq!(
            storage.put_safety_pack("acme", pack(2)).await.unwrap(),
            BundlePut::NotNewer { current: 2 }
        );
        assert_eq!(
            storage.carrier("acme").await.unwrap().unwrap().safety_pack,
            Some(pack(2))
        );
    }

    pub(crate) async fn a_token_registers_one_device_once(storage: Arc<dyn Storage>) {
        storage
            .add_activation_tokens(&[[1; 32], [2; 32]], NOW)
            .await
            .unwrap();
        assert_eq!(
            storage.register_device([9; 32], device(1)).await.unwrap(),
            DeviceRegistered::TokenRefused,
            "an unknown token registers nothing"
        );
        assert_eq!(storage.device(&device(1).id).await.unwrap(), None);

        assert_eq!(
            storage.register_device([1; 32], device(1)).await.unwrap(),
            DeviceRegistered::Registered
        );
        assert_eq!(
            storage.device(&device(1).id).await.unwrap(),
            Some(device(1))
        );
        assert_eq!(
            storage.register_device([1; 32], device(2)).await.unwrap(),
            DeviceRegistered::TokenRefused,
            "a token is used once"
        );
        assert_eq!(storage.device(&device(2).id).await.unwrap(), None);
        assert_eq!(storage.device("unknown").await.unwrap(), None);
    }

    pub(crate) async fn a_device_already_registered_leaves_the_token_unused(
        storage: Arc<dyn Storage>,
    ) {
        storage
            .add_activation_tokens(&[[1; 32], [2; 32]], NOW)
            .await
            .unwrap();
        storage.register_device([1; 32], device(1)).await.unwrap();
        let again = DeviceRecord {
            country: "US".to_owned(),
            ..device(1)
        };
        assert_eq!(
            storage.register_device([2; 32], again).await.unwrap(),
            DeviceRegistered::AlreadyRegistered
        );
        assert_eq!(
            storage.device(&device(1).id).await.unwrap(),
            Some(device(1)),
            "the first registration stands"
        );
        assert_eq!(
            storage.register_device([2; 32], device(2)).await.unwrap(),
            DeviceRegistered::Registered,
            "the token was not used up"
        );
    }

    pub(crate) async fn a_parent_registers_once(storage: Arc<dyn Storage>) {
        assert!(storage.register_parent(parent(1)).await.unwrap());
        let again = ParentRecord {
            registered_at: NOW + 50,
            ..parent(1)
        };
        assert!(!storage.register_parent(again).await.unwrap());
        assert_eq!(
            storage.parent(&parent(1).id).await.unwrap(),
            Some(parent(1))
        );
        assert_eq!(storage.parent(&parent(2).id).await.unwrap(), None);
    }

    pub(crate) async fn a_nonce_is_accepted_once_per_principal(storage: Arc<dyn Storage>) {
        assert!(
            storage
                .remember_nonce("device:a", "n1", NOW + 300)
                .await
                .unwrap()
        );
        assert!(
            !storage
                .remember_nonce("device:a", "n1", NOW + 300)
                .await
                .unwrap()
        );
        assert!(
            !storage
                .remember_nonce("device:a", "n1", NOW + 900)
                .await
                .unwrap()
        );
        assert!(
            storage
                .remember_nonce("device:b", "n1", NOW + 300)
                .await
                .unwrap()
        );
        assert!(
            storage
                .remember_nonce("device:a", "n2", NOW + 300)
                .await
                .unwrap()
        );
    }

    pub(crate) async fn an_idempotency_key_replays_its_answer_and_refuses_other_bodies(
        storage: Arc<dyn Storage>,
    ) {
        let begin = |device: &'static str, hash: u8, now: u64| {
            let storage = Arc::clone(&storage);
            async move {
                storage
                    .begin_idempotent(device, "key-1", [hash; 32], now)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(begin("a", 1, NOW).await, IdempotencyBegin::Started);
        assert_eq!(begin("a", 1, NOW + 1).await, IdempotencyBegin::InProgress);
        assert_eq!(begin("a", 2, NOW + 1).await, IdempotencyBegin::Mismatch);
        assert_eq!(
            begin("b", 2, NOW + 1).await,
            IdempotencyBegin::Started,
            "keys belong to one device"
        );

        storage
            .finish_idempotent("a", "key-1", 200, b"{\"receipts\":[]}")
            .await
            .unwrap();
        let replay = IdempotencyBegin::Replay {
            status: 200,
            body: b"{\"receipts\":[]}".to_vec(),
        };
        assert_eq!(begin("a", 1, NOW + 2).await, replay);
        assert_eq!(
            begin("a", 1, NOW + 10 * DAY).await,
            replay,
            "an answered key is never stale"
        );
        assert_eq!(begin("a", 2, NOW + 2).await, IdempotencyBegin::Mismatch);

        storage.abandon_idempotent("a", "key-1").await.unwrap();
        assert_eq!(
            begin("a", 1, NOW + 3).await,
            replay,
            "an answered key cannot be released"
        );
    }

    pub(crate) async fn an_abandoned_idempotency_key_can_start_again(storage: Arc<dyn Storage>) {
        assert_eq!(
            storage
                .begin_idempotent("a", "key", [1; 32], NOW)
                .await
                .unwrap(),
            IdempotencyBegin::Started
        );
        storage.abandon_idempotent("a", "key").await.unwrap();
        assert_eq!(
            storage
                .begin_idempotent("a", "key", [2; 32], NOW + 1)
                .await
                .unwrap(),
            IdempotencyBegin::Started,
            "a released key is free, whatever body comes next"
        );
        storage.abandon_idempotent("a", "never-used").await.unwrap();
    }

    pub(crate) async fn a_stale_idempotency_key_is_taken_over(storage: Arc<dyn Storage>) {
        let begin = |hash: u8, now: u64| {
            let storage = Arc::clone(&storage);
            async move {
                storage
                    .begin_idempotent("a", "key", [hash; 32], now)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(begin(1, NOW).await, IdempotencyBegin::Started);
        assert_eq!(
            begin(1, NOW + STALE_IDEMPOTENCY_SECS).await,
            IdempotencyBegin::InProgress
        );
        assert_eq!(
            begin(1, NOW + STALE_IDEMPOTENCY_SECS + 1).await,
            IdempotencyBegin::Started,
            "a key held past the stale limit was abandoned by a crashed server"
        );
        assert_eq!(
            begin(1, NOW + STALE_IDEMPOTENCY_SECS + 2).await,
            IdempotencyBegin::InProgress,
            "the takeover holds the key again, from its own start"
        );
        assert_eq!(
            begin(2, NOW + 3 * STALE_IDEMPOTENCY_SECS).await,
            IdempotencyBegin::Started,
            "an abandoned key is free whatever the body"
        );
        storage
            .finish_idempotent("a", "key", 201, b"done")
            .await
            .unwrap();
        assert_eq!(
            begin(2, NOW + 3 * STALE_IDEMPOTENCY_SECS + 1).await,
            IdempotencyBegin::Replay {
                status: 201,
                body: b"done".to_vec()
            }
        );
    }

    pub(crate) async fn concurrent_requests_with_one_key_start_once(storage: Arc<dyn Storage>) {
        let attempts = (0..50).map(|_| {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move {
                storage
                    .begin_idempotent("a", "shared", [7; 32], NOW)
                    .await
                    .unwrap()
            })
        });
        let mut outcomes = Vec::new();
        for attempt in attempts.collect::<Vec<_>>() {
            outcomes.push(attempt.await.unwrap());
        }
        let started = outcomes
            .iter()
            .filter(|o| **o == IdempotencyBegin::Started)
            .count();
        assert_eq!(
            started, 1,
            "exactly one request holds the key: {outcomes:?}"
        );
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, IdempotencyBegin::Started | IdempotencyBegin::InProgress)),
            "{outcomes:?}"
        );
    }

    pub(crate) async fn a_new_report_is_stored_routed_and_listed(storage: Arc<dyn Storage>) {
        let child = device(1);
        let routed = new_report(
            report(1, ReportKind::Grooming),
            vec![to_parent(&parent(1).id), to_hotline("IWF")],
        );
        let unrouted = new_report(report(2, ReportKind::Bullying), vec![]);
        let outcomes = storage
            .insert_reports(&child, vec![routed.clone(), unrouted.clone()], NOW)
            .await
            .unwrap();

        let routed_status = ReportStatus {
            id: routed.report.id.clone(),
            kind: ReportKind::Grooming,
            state: DeliveryState::Routed,
            received_at: NOW,
            destinations: vec![to_parent(&parent(1).id), to_hotline("IWF")],
        };
        let unrouted_status = ReportStatus {
            id: unrouted.report.id.clone(),
            kind: ReportKind::Bullying,
            state: DeliveryState::Received,
            received_at: NOW,
            destinations: vec![],
        };
        let [
            ReportInsert::Stored(first, routed_places),
            ReportInsert::Stored(second, unrouted_places),
        ] = &outcomes[..]
        else {
            panic!("not both stored: {outcomes:?}");
        };
        assert_eq!((first, second), (&routed_status, &unrouted_status));
        assert!(unrouted_places.is_empty(), "{unrouted_places:?}");
        let [routed_place] = &routed_places[..] else {
            panic!("one parent, one feed item: {routed_places:?}");
        };
        assert_eq!(routed_place.parent_id, parent(1).id);

        let later = new_report(report(3, ReportKind::Sos), vec![to_parent(&parent(1).id)]);
        storage
            .insert_reports(&child, vec![later.clone()], NOW + 5)
            .await
            .unwrap();
        let statuses = storage.report_statuses(&child.id).await.unwrap();
        let ids: Vec<&str> = statuses.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [&routed.report.id, &unrouted.report.id, &later.report.id]
        );
        assert_eq!(statuses[0], routed_status);
        assert_eq!(
            storage
                .report_status(&child.id, &routed.report.id)
                .await
                .unwrap(),
            Some(routed_status)
        );
        assert_eq!(
            storage
                .report_status(&device(2).id, &routed.report.id)
                .await
                .unwrap(),
            None,
            "a device sees only its own reports"
        );
        assert!(
            storage
                .report_statuses(&device(2).id)
                .await
                .unwrap()
                .is_empty()
        );
        // The place the insert named is the feed item the parent reads.
        let feed = storage.feed(&parent(1).id, 0, 10).await.unwrap();
        assert_eq!(feed[0].seq, routed_place.seq);
        assert_eq!(feed[0].report.id, routed.report.id);
    }

    pub(crate) async fn a_repeated_report_is_existing_or_a_conflict(storage: Arc<dyn Storage>) {
        let child = device(1);
        let first = new_report(report(1, ReportKind::Bullying), vec![to_parent("p")]);
        let stored = storage
            .insert_reports(&child, vec![first.clone()], NOW)
            .await
            .unwrap();
        let ReportInsert::Stored(status, _) = &stored[0] else {
            panic!("not stored: {stored:?}");
        };

        let same_again = NewReport {
            destinations: vec![to_parent("someone-else")],
            ..first.clone()
        };
        let changed = NewReport {
            report_hash: [0xee; 32],
            ..first.clone()
        };
        let outcomes = storage
            .insert_reports(&child, vec![same_again.clone(), changed], NOW + 60)
            .await
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                ReportInsert::Existing(status.clone()),
                ReportInsert::Conflict
            ],
            "the same id and hash is the stored report, with its first routing and time"
        );
        assert_eq!(
            storage
                .insert_reports(&device(2), vec![first.clone()], NOW + 60)
                .await
                .unwrap(),
            vec![ReportInsert::Conflict],
            "another device cannot reuse the id"
        );

        let twice = new_report(report(2, ReportKind::Sos), vec![]);
        let outcomes = storage
            .insert_reports(&child, vec![twice.clone(), twice.clone()], NOW + 70)
            .await
            .unwrap();
        assert!(
            matches!(outcomes[0], ReportInsert::Stored(..)),
            "{outcomes:?}"
        );
        assert!(
            matches!(outcomes[1], ReportInsert::Existing(_)),
            "{outcomes:?}"
        );

        assert_eq!(storage.report_statuses(&child.id).await.unwrap().len(), 2);
        assert!(
            storage
                .report_statuses(&device(2).id)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(storage.feed("p", 0, 10).await.unwrap().len(), 1);
        assert!(
            storage
                .feed("someone-else", 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) async fn concurrent_uploads_of_one_report_store_it_once(storage: Arc<dyn Storage>) {
        let upload = new_report(report(1, ReportKind::Grooming), vec![to_parent("p")]);
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let storage = Arc::clone(&storage);
                let upload = upload.clone();
                tokio::spawn(async move {
                    storage
                        .insert_reports(&device(1), vec![upload], NOW)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut stored = 0;
        for attempt in attempts {
            match attempt.await.unwrap().as_slice() {
                [ReportInsert::Stored(..)] => stored += 1,
                [ReportInsert::Existing(_)] => {}
                other => panic!("unexpected outcome {other:?}"),
            }
        }
        assert_eq!(stored, 1);
        assert_eq!(storage.feed("p", 0, 100).await.unwrap().len(), 1);
    }

    pub(crate) async fn reading_the_feed_marks_the_parent_forwarded(storage: Arc<dyn Storage>) {
        let child = device(1);
        let only_parent = new_report(report(1, ReportKind::Sos), vec![to_parent("p")]);
        let with_hotline = new_report(
            report(2, ReportKind::Grooming),
            vec![to_parent("p"), to_hotline("NCMEC")],
        );
        storage
            .insert_reports(&child, vec![only_parent.clone()], NOW)
            .await
            .unwrap();
        storage
            .insert_reports(&child, vec![with_hotline.clone()], NOW + 10)
            .await
            .unwrap();

        let first_page = storage.feed("p", 0, 1).await.unwrap();
        assert_eq!(first_page.len(), 1);
        let item = &first_page[0];
        assert!(item.seq > 0, "seq 0 is the start, never an item");
        assert_eq!(item.device_id, child.id);
        assert_eq!(item.received_at, NOW);
        assert_eq!(item.report, only_parent.report);
        let status = storage
            .report_status(&child.id, &only_parent.report.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.state, DeliveryState::Forwarded);
        assert!(status.destinations[0].forwarded);
        assert_eq!(
            storage
                .report_status(&child.id, &with_hotline.report.id)
                .await
                .unwrap()
                .unwrap()
                .state,
            DeliveryState::Routed,
            "not read yet"
        );

        let second_page = storage.feed("p", item.seq, 10).await.unwrap();
        assert_eq!(second_page.len(), 1);
        assert!(second_page[0].seq > item.seq);
        assert_eq!(second_page[0].report, with_hotline.report);
        let status = storage
            .report_status(&child.id, &with_hotline.report.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            status.state,
            DeliveryState::Routed,
            "the hotline has not taken it yet"
        );
        assert_eq!(
            status.destinations,
            vec![
                Destination {
                    forwarded: true,
                    ..to_parent("p")
                },
                to_hotline("NCMEC")
            ]
        );

        assert!(
            storage
                .feed("p", second_page[0].seq, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(storage.feed("p", u64::MAX, 10).await.unwrap().is_empty());
        assert!(
            storage
                .feed("other-parent", 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            storage.feed("p", 0, 10).await.unwrap().len(),
            2,
            "reading again returns the same items"
        );
    }

    pub(crate) async fn a_feed_read_during_concurrent_ingest_never_skips_an_item(
        storage: Arc<dyn Storage>,
    ) {
        const WRITERS: u64 = 8;
        const BATCHES_EACH: u64 = 8;
        // Batches of several reports keep each writer's first seq uncommitted for a while,
        // which is when a reader could see a later seq of another writer first.
        const BATCH: u64 = 5;
        const TOTAL: u64 = WRITERS * BATCHES_EACH * BATCH;
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let storage = Arc::clone(&storage);
                tokio::spawn(async move {
                    for batch in 0..BATCHES_EACH {
                        let uploads = (0..BATCH)
                            .map(|n| {
                                let id = writer * 10_000 + batch * 100 + n;
                                new_report(report(id, ReportKind::Bullying), vec![to_parent("p")])
                            })
                            .collect();
                        storage
                            .insert_reports(&device(writer), uploads, NOW)
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        let writers_done = Arc::new(AtomicBool::new(false));
        let reader = {
            let storage = Arc::clone(&storage);
            let writers_done = Arc::clone(&writers_done);
            tokio::spawn(async move {
                let mut seen = Vec::new();
                let mut after = 0;
                loop {
                    // Read once more after the writers finish: that page is the last one.
                    let last_round = writers_done.load(Ordering::SeqCst);
                    let page = storage.feed("p", after, 7).await.unwrap();
                    let drained = page.is_empty();
                    for item in page {
                        assert!(item.seq > after);
                        after = item.seq;
                        seen.push(item.report.id);
                    }
                    if last_round && drained {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            })
        };
        for writer in writers {
            writer.await.unwrap();
        }
        writers_done.store(true, Ordering::SeqCst);
        let seen = reader.await.unwrap();
        let distinct: HashSet<_> = seen.iter().collect();
        assert_eq!(distinct.len(), seen.len(), "no item twice");
        assert_eq!(
            seen.len() as u64,
            TOTAL,
            "reading after the last seq seen never skips an item committed later"
        );
    }

    pub(crate) async fn a_helpline_only_report_is_kept_whole_and_out_of_every_feed(
        storage: Arc<dyn Storage>,
    ) {
        let child = device(1);
        let mut report = report(1, ReportKind::Grooming);
        report.helpline_only = true;
        // Routed as the server routes it: no parent, only the hotline.
        let kept = new_report(report, vec![to_hotline("IWF")]);
        storage
            .insert_reports(&child, vec![kept.clone()], NOW)
            .await
            .unwrap();

        assert!(storage.feed("p", 0, 10).await.unwrap().is_empty());
        let queue = storage.hotline_queue().await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].report, kept.report, "stored with its flag");
        assert!(queue[0].report.helpline_only);

        assert!(
            storage
                .mark_hotline_forwarded(&kept.report.id)
                .await
                .unwrap()
        );
        let status = storage
            .report_status(&child.id, &kept.report.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.state, DeliveryState::Forwarded);
        assert_eq!(
            status.destinations,
            vec![Destination {
                forwarded: true,
                ..to_hotline("IWF")
            }]
        );
    }

    pub(crate) async fn the_helpline_queue_lists_and_forwards_only_its_own_destinations(
        storage: Arc<dyn Storage>,
    ) {
        let british = device(1);
        let american = DeviceRecord {
            country: "US".to_owned(),
            ..device(2)
        };
        let mut bullied = report(1, ReportKind::Bullying);
        bullied.helpline_only = true;
        bullied.notes = Some("they post about me every night".to_owned());
        let bullied = new_report(bullied, vec![to_helpline("Childline")]);
        let mut groomed = report(2, ReportKind::Grooming);
        groomed.helpline_only = true;
        let groomed = new_report(
            groomed,
            vec![
                to_hotline("NCMEC"),
                to_helpline("Childhelp National Child Abuse Hotline"),
            ],
        );
        let shared = new_report(
            report(3, ReportKind::Grooming),
            vec![to_parent("p"), to_hotline("IWF")],
        );
        storage
            .insert_reports(&british, vec![bullied.clone(), shared.clone()], NOW + 100)
            .await
            .unwrap();
        storage
            .insert_reports(&american, vec![groomed.clone()], NOW)
            .await
            .unwrap();

        let queue = storage.helpline_queue().await.unwrap();
        assert_eq!(queue.len(), 2, "{queue:?}");
        assert_eq!(queue[0].report, groomed.report, "oldest first");
        assert_eq!(queue[0].helpline, "Childhelp National Child Abuse Hotline");
        assert_eq!(queue[0].country, "US");
        assert_eq!(queue[0].received_at, NOW);
        assert!(!queue[0].forwarded);
        assert_eq!(
            queue[1].report, bullied.report,
            "stored whole, notes and flag"
        );
        assert_eq!(queue[1].helpline, "Childline");
        assert_eq!(queue[1].country, "GB");
        assert!(!queue[1].forwarded);
        let hotline: Vec<String> = storage
            .hotline_queue()
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.report.id)
            .collect();
        assert_eq!(
            hotline,
            [groomed.report.id.clone(), shared.report.id.clone()],
            "a report for the helpline only is not in the hotline queue"
        );
        assert!(storage.feed("p", 0, 10).await.unwrap().len() == 1);

        assert!(
            !storage
                .mark_helpline_forwarded(&shared.report.id)
                .await
                .unwrap(),
            "a report without a helpline destination is not in the helpline queue"
        );
        assert!(
            !storage
                .mark_helpline_forwarded(&report(99, ReportKind::Bullying).id)
                .await
                .unwrap()
        );
        assert!(
            !storage
                .mark_hotline_forwarded(&bullied.report.id)
                .await
                .unwrap(),
            "a report for the helpline only is not in the hotline queue"
        );
        for _ in 0..2 {
            assert!(
                storage
                    .mark_helpline_forwarded(&bullied.report.id)
                    .await
                    .unwrap()
            );
        }
        let status = storage
            .report_status(&british.id, &bullied.report.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.state, DeliveryState::Forwarded);
        assert_eq!(
            status.destinations,
            vec![Destination {
                forwarded: true,
                ..to_helpline("Childline")
            }]
        );

        // Forwarding to the helpline leaves the hotline's destination of the same report alone.
        assert!(
            storage
                .mark_helpline_forwarded(&groomed.report.id)
                .await
                .unwrap()
        );
        let status = storage
            .report_status(&american.id, &groomed.report.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(status.state, DeliveryState::Routed, "the hotline has not");
        assert_eq!(
            status.destinations,
            vec![
                to_hotline("NCMEC"),
                Destination {
                    forwarded: true,
                    ..to_helpline("Childhelp National Child Abuse Hotline")
                }
            ]
        );
        assert!(!storage.hotline_queue().await.unwrap()[0].forwarded);
        let queue = storage.helpline_queue().await.unwrap();
        assert!(queue.iter().all(|entry| entry.forwarded), "{queue:?}");
        assert!(
            storage
                .mark_hotline_forwarded(&groomed.report.id)
                .await
                .unwrap()
        );
        assert_eq!(
            storage
                .report_status(&american.id, &groomed.report.id)
                .await
                .unwrap()
                .unwrap()
                .state,
            DeliveryState::Forwarded
        );
    }

    pub(crate) async fn the_hotline_queue_lists_and_forwards_reports(storage: Arc<dyn Storage>) {
        let british = device(1);
        let american = DeviceRecord {
            country: "US".to_owned(),
            ..device(2)
        };
        let later = new_report(
            report(1, ReportKind::IllegalContent),
            vec![to_hotline("IWF")],
        );
        let earlier = new_report(
            report(2, ReportKind::Grooming),
            vec![to_parent("p"), to_hotline("NCMEC")],
        );
        let parents_only = new_report(report(3, ReportKind::Sos), vec![to_parent("p")]);
        storage
            .insert_reports(&british, vec![later.clone()], NOW + 100)
            .await
            .unwrap();
        storage
            .insert_reports(&american, vec![earlier.clone(), parents_only.clone()], NOW)
            .await
            .unwrap();

        let queue = storage.hotline_queue().await.unwrap();
        assert_eq!(queue.len(), 2, "{queue:?}");
        assert_eq!(queue[0].report, earlier.report, "oldest first");
        assert_eq!(queue[0].hotline, "NCMEC");
        assert_eq!(queue[0].country, "US");
        assert_eq!(queue[0].received_at, NOW);
        assert!(!queue[0].forwarded);
        assert_eq!(queue[1].report, later.report);
        assert_eq!(queue[1].hotline, "IWF");
        assert_eq!(queue[1].country, "GB");

        assert!(
            storage
                .mark_hotline_forwarded(&later.report.id)
                .await
                .unwrap()
        );
        assert!(
            storage
                .mark_hotline_forwarded(&later.report.id)
                .await
                .unwrap()
        );
        assert!(
            !storage
                .mark_hotline_forwarded(&report(99, ReportKind::Sos).id)
                .await
                .unwrap()
        );
        assert!(
            !storage
                .mark_hotline_forwarded(&parents_only.report.id)
                .await
                .unwrap(),
            "a report for parents only is not in the hotline queue"
        );
        let queue = storage.hotline_queue().await.unwrap();
        assert!(queue[1].forwarded);
        assert!(!queue[0].forwarded);
        assert_eq!(
            storage
                .report_status(&british.id, &later.report.id)
                .await
                .unwrap()
                .unwrap()
                .state,
            DeliveryState::Forwarded
        );

        assert!(
            storage
                .mark_hotline_forwarded(&earlier.report.id)
                .await
                .unwrap()
        );
        assert_eq!(
            storage
                .report_status(&american.id, &earlier.report.id)
                .await
                .unwrap()
                .unwrap()
                .state,
            DeliveryState::Routed,
            "its parent has not read it yet"
        );
        storage.feed("p", 0, 10).await.unwrap();
        assert_eq!(
            storage
                .report_status(&american.id, &earlier.report.id)
                .await
                .unwrap()
                .unwrap()
                .state,
            DeliveryState::Forwarded
        );
    }

    pub(crate) async fn an_invite_takes_claims_until_it_expires_or_has_five_wrong_ones(
        storage: Arc<dyn Storage>,
    ) {
        let child = device(1).id;
        assert_eq!(storage.pairing_invite(&child).await.unwrap(), None);
        assert_eq!(
            storage
                .add_pairing_claim(&child, claim("p1", NOW), NOW)
                .await
                .unwrap(),
            ClaimAdded::NoLiveInvite,
            "no invite"
        );
        assert_eq!(storage.count_wrong_pairing_claim(&child).await.unwrap(), 0);

        storage
            .open_pairing_invite(&child, key(7), NOW + 600)
            .await
            .unwrap();
        for (parent, at) in [("p1", NOW), ("p2", NOW + 1), ("p1", NOW + 2)] {
            assert_eq!(
                storage
                    .add_pairing_claim(&child, claim(parent, at), at)
                    .await
                    .unwrap(),
                ClaimAdded::Added
            );
        }
        let invite = storage.pairing_invite(&child).await.unwrap().unwrap();
        assert_eq!(invite.pairing_public_key, key(7));
        assert_eq!(invite.expires_at, NOW + 600);
        assert_eq!(
            invite.claims,
            vec![claim("p2", NOW + 1), claim("p1", NOW + 2)],
            "a parent claiming again replaces its claim"
        );
        assert_eq!(
            storage
                .add_pairing_claim(&child, claim("p3", NOW + 601), NOW + 601)
                .await
                .unwrap(),
            ClaimAdded::NoLiveInvite,
            "expired"
        );

        for wrong in 1..=MAX_WRONG_PAIRING_CLAIMS {
            assert!(invite_is_live(&storage, &child, NOW).await);
            assert_eq!(
                storage.count_wrong_pairing_claim(&child).await.unwrap(),
                wrong
            );
        }
        assert!(!invite_is_live(&storage, &child, NOW).await);
        assert_eq!(
            storage
                .add_pairing_claim(&child, claim("p3", NOW), NOW)
                .await
                .unwrap(),
            ClaimAdded::NoLiveInvite,
            "dead after {MAX_WRONG_PAIRING_CLAIMS} wrong claims"
        );

        let other = device(2).id;
        storage
            .open_pairing_invite(&other, key(8), NOW + 600)
            .await
            .unwrap();
        for n in 0..MAX_PAIRING_CLAIMS {
            let parent = format!("q{n}");
            assert_eq!(
                storage
                    .add_pairing_claim(&other, claim(&parent, NOW), NOW)
                    .await
                    .unwrap(),
                ClaimAdded::Added
            );
        }
        assert_eq!(
            storage
                .add_pairing_claim(&other, claim("one-too-many", NOW), NOW)
                .await
                .unwrap(),
            ClaimAdded::Full
        );
    }

    pub(crate) async fn a_new_invite_replaces_the_old_one_and_its_claims(
        storage: Arc<dyn Storage>,
    ) {
        let child = device(1).id;
        storage
            .open_pairing_invite(&child, key(1), NOW + 600)
            .await
            .unwrap();
        storage
            .add_pairing_claim(&child, claim("p1", NOW), NOW)
            .await
            .unwrap();
        storage.count_wrong_pairing_claim(&child).await.unwrap();
        storage
            .open_pairing_invite(&child, key(2), NOW + 900)
            .await
            .unwrap();
        let invite = storage.pairing_invite(&child).await.unwrap().unwrap();
        assert_eq!(
            (invite.pairing_public_key, invite.expires_at),
            (key(2), NOW + 900)
        );
        assert_eq!(invite.wrong_claims, 0);
        assert!(invite.claims.is_empty());
    }

    pub(crate) async fn concurrent_wrong_claims_are_each_counted(storage: Arc<dyn Storage>) {
        let child = device(1).id;
        storage
            .open_pairing_invite(&child, key(1), NOW + 600)
            .await
            .unwrap();
        let counts: Vec<_> = (0..8)
            .map(|_| {
                let storage = Arc::clone(&storage);
                let child = child.clone();
                tokio::spawn(
                    async move { storage.count_wrong_pairing_claim(&child).await.unwrap() },
                )
            })
            .collect();
        let mut seen = HashSet::new();
        for count in counts {
            assert!(seen.insert(count.await.unwrap()), "each count is its own");
        }
        assert_eq!(seen, (1..=8).collect());
        let invite = storage.pairing_invite(&child).await.unwrap().unwrap();
        assert_eq!(invite.wrong_claims, 8);
    }

    pub(crate) async fn a_parent_statement_pairs_or_unpairs_only_when_newer(
        storage: Arc<dyn Storage>,
    ) {
        let child = device(1).id;
        storage
            .open_pairing_invite(&child, key(1), NOW + 600)
            .await
            .unwrap();
        storage
            .add_pairing_claim(&child, claim("p1", NOW), NOW)
            .await
            .unwrap();
        assert!(
            storage.parents_of(&child).await.unwrap().is_empty(),
            "a claim alone pairs nobody"
        );
        assert!(
            storage
                .apply_parent_statement(
                    &child,
                    "p1",
                    1,
                    ParentChange::Confirm(ParentRole::Owner),
                    NOW + 5
                )
                .await
                .unwrap()
        );
        assert_eq!(
            storage.parents_of(&child).await.unwrap(),
            vec![("p1".to_owned(), NOW + 5)]
        );
        assert_eq!(
            storage.devices_of("p1").await.unwrap(),
            vec![(child.clone(), NOW + 5)]
        );
        assert_eq!(
            storage.pairing_invite(&child).await.unwrap(),
            None,
            "confirming closes the invite"
        );

        assert!(
            storage
                .apply_parent_statement(&child, "p1", 3, ParentChange::Remove, NOW + 6)
                .await
                .unwrap()
        );
        assert!(storage.parents_of(&child).await.unwrap().is_empty());
        assert!(storage.devices_of("p1").await.unwrap().is_empty());
        for seq in [1, 2, 3] {
            assert!(
                !storage
                    .apply_parent_statement(
                        &child,
                        "p1",
                        seq,
                        ParentChange::Confirm(ParentRole::Owner),
                        NOW + 7
                    )
                    .await
                    .unwrap(),
                "an older statement cannot pair again (seq {seq})"
            );
        }
        assert!(storage.parents_of(&child).await.unwrap().is_empty());
        assert!(
            storage
                .apply_parent_statement(
                    &device(2).id,
                    "p1",
                    1,
                    ParentChange::Confirm(ParentRole::Owner),
                    NOW
                )
                .await
                .unwrap(),
            "each device counts its own statements"
        );
    }

    pub(crate) async fn only_the_owner_removes_a_parent_and_an_owner_removed_is_owner_no_more(
        storage: Arc<dyn Storage>,
    ) {
        let child = device(1).id;
        let confirm = |parent: &'static str, role, seq| {
            let storage = Arc::clone(&storage);
            let child = child.clone();
            async move {
                assert!(
                    storage
                        .apply_parent_statement(
                            &child,
                            parent,
                            seq,
                            ParentChange::Confirm(role),
                            NOW
                        )
                        .await
                        .unwrap()
                );
            }
        };
        assert_eq!(
            storage
                .remove_parent_as_owner(&child, "owner", "member")
                .await
                .unwrap(),
            OwnerRemoval::NotOwner,
            "a device without an owner"
        );
        confirm("owner", ParentRole::Owner, 1).await;
        confirm("member", ParentRole::Member, 2).await;
        confirm("other", ParentRole::Member, 3).await;
        assert_eq!(
            storage.device_owner(&child).await.unwrap().as_deref(),
            Some("owner")
        );
        assert_eq!(
            storage
                .remove_parent_as_owner(&child, "member", "other")
                .await
                .unwrap(),
            OwnerRemoval::NotOwner
        );
        assert_eq!(
            storage
                .remove_parent_as_owner(&child, "owner", "stranger")
                .await
                .unwrap(),
            OwnerRemoval::NotPaired
        );
        assert_eq!(
            storage
                .remove_parent_as_owner(&child, "owner", "member")
                .await
                .unwrap(),
            OwnerRemoval::Removed
        );
        let parents: Vec<String> = storage
            .parents_of(&child)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(parents, vec!["other".to_owned(), "owner".to_owned()]);
        assert!(storage.devices_of("member").await.unwrap().is_empty());

        assert!(
            storage
                .apply_parent_statement(&child, "owner", 4, ParentChange::Remove, NOW)
                .await
                .unwrap()
        );
        assert_eq!(storage.device_owner(&child).await.unwrap(), None);
        assert_eq!(
            storage
                .remove_parent_as_owner(&child, "owner", "other")
                .await
                .unwrap(),
            OwnerRemoval::NotOwner,
            "a removed owner owns nothing"
        );
    }

    pub(crate) async fn messages_are_relayed_in_order_per_mailbox(storage: Arc<dyn Storage>) {
        let mut seqs = Vec::new();
        for n in 0..5u64 {
            let seq = storage
                .post_message("parent:p", message(n, NOW + n))
                .await
                .unwrap();
            seqs.push(seq);
        }
        let other = storage
            .post_message("device:d", message(9, NOW))
            .await
            .unwrap();
        assert!(
            seqs[0] > 0 && seqs.windows(2).all(|w| w[0] < w[1]),
            "{seqs:?}"
        );

        let mailbox = storage.messages("parent:p", 0, 100).await.unwrap();
        assert_eq!(mailbox.len(), 5);
        assert_eq!(mailbox.iter().map(|m| m.seq).collect::<Vec<_>>(), seqs);
        assert_eq!(mailbox[2].from, "device:sender");
        assert_eq!(mailbox[2].kind, MessageKind::AccessRequest);
        assert_eq!(mailbox[2].blob, "blob-2");
        assert_eq!(mailbox[2].received_at, NOW + 2);

        let page = storage.messages("parent:p", seqs[1], 2).await.unwrap();
        assert_eq!(page.iter().map(|m| m.seq).collect::<Vec<_>>(), &seqs[2..4]);
        assert!(
            storage
                .messages("parent:p", seqs[4], 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(storage.messages("parent:p", 0, 0).await.unwrap().is_empty());

        let theirs = storage.messages("device:d", 0, 10).await.unwrap();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].seq, other);
        assert!(
            storage
                .messages("parent:nobody", 0, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }

    pub(crate) async fn bundle_versions_never_go_back(storage: Arc<dyn Storage>) {
        assert_eq!(storage.bundle(BundleKind::Keys).await.unwrap(), None);
        assert_eq!(
            storage.bundle_version(BundleKind::Keys).await.unwrap(),
            None
        );
        assert_eq!(
            storage
                .put_bundle(bundle(BundleKind::Keys, 5))
                .await
                .unwrap(),
            BundlePut::Stored
        );
        assert_eq!(
            storage.bundle(BundleKind::Keys).await.unwrap(),
            Some(bundle(BundleKind::Keys, 5))
        );
        assert_eq!(
            storage.bundle_version(BundleKind::Keys).await.unwrap(),
            Some(bundle_version(5))
        );
        for older_or_same in [5, 4, 0] {
            assert_eq!(
                storage
                    .put_bundle(bundle(BundleKind::Keys, older_or_same))
                    .await
                    .unwrap(),
                BundlePut::NotNewer { current: 5 }
            );
        }
        assert_eq!(
            storage.bundle(BundleKind::Keys).await.unwrap(),
            Some(bundle(BundleKind::Keys, 5))
        );
        assert_eq!(
            storage.bundle_version(BundleKind::Keys).await.unwrap(),
            Some(bundle_version(5)),
            "a refused upload leaves the version alone"
        );
        assert_eq!(
            storage
                .put_bundle(bundle(BundleKind::Lists, 1))
                .await
                .unwrap(),
            BundlePut::Stored,
            "each kind has its own versions"
        );
        assert_eq!(
            storage
                .put_bundle(bundle(BundleKind::Keys, 6))
                .await
                .unwrap(),
            BundlePut::Stored
        );
        assert_eq!(
            storage.bundle(BundleKind::Keys).await.unwrap(),
            Some(bundle(BundleKind::Keys, 6))
        );
        assert_eq!(
            storage.bundle_version(BundleKind::Keys).await.unwrap(),
            Some(bundle_version(6))
        );
        assert_eq!(
            storage.bundle_version(BundleKind::Lists).await.unwrap(),
            Some(bundle_version(1))
        );
        assert_eq!(storage.bundle(BundleKind::Directory).await.unwrap(), None);
        assert_eq!(
            storage.bundle_version(BundleKind::Directory).await.unwrap(),
            None
        );
    }

    pub(crate) async fn concurrent_bundle_uploads_never_lower_the_version(
        storage: Arc<dyn Storage>,
    ) {
        // Versions in a scrambled order, so that older ones often arrive after newer ones.
        let versions: Vec<u64> = (1..=30u64).map(|n| (n * 17) % 31).collect();
        let watcher = {
            let storage = Arc::clone(&storage);
            tokio::spawn(async move {
                let mut highest = 0;
                for _ in 0..200 {
                    if let Some(stored) = storage.bundle_version(BundleKind::Lists).await.unwrap() {
                        assert!(stored.version >= highest, "the stored version went back");
                        highest = stored.version;
                    }
                    if let Some(served) = storage.bundle(BundleKind::Lists).await.unwrap() {
                        assert!(served.version >= highest, "the served version went back");
                        assert_eq!(served, bundle(BundleKind::Lists, served.version));
                        highest = served.version;
                    }
                    tokio::task::yield_now().await;
                }
            })
        };
        let uploads: Vec<_> = versions
            .iter()
            .map(|&version| {
                let storage = Arc::clone(&storage);
                tokio::spawn(async move {
                    storage
                        .put_bundle(bundle(BundleKind::Lists, version))
                        .await
                        .unwrap()
                })
            })
            .collect();
        for upload in uploads {
            if let BundlePut::NotNewer { current } = upload.await.unwrap() {
                assert!(current >= 1);
            }
        }
        watcher.await.unwrap();
        assert_eq!(
            storage
                .bundle(BundleKind::Lists)
                .await
                .unwrap()
                .unwrap()
                .version,
            *versions.iter().max().unwrap()
        );
    }

    pub(crate) async fn a_secret_is_stored_once(storage: Arc<dyn Storage>) {
        assert_eq!(
            storage.secret("time-key", b"first".to_vec()).await.unwrap(),
            b"first"
        );
        assert_eq!(
            storage
                .secret("time-key", b"second".to_vec())
                .await
                .unwrap(),
            b"first",
            "replicas agree on the first one stored"
        );
        assert_eq!(
            storage.secret("other", b"second".to_vec()).await.unwrap(),
            b"second"
        );
    }

    pub(crate) async fn a_device_status_is_kept_per_device_and_replaced_by_the_next(
        storage: Arc<dyn Storage>,
    ) {
        let (a, b) = (device(1), device(2));
        assert_eq!(storage.device_status(&a.id).await.unwrap(), None);
        let out_of_date = ReportedDeviceStatus {
            lists_version: Some(7),
            lists_out_of_date_since: Some(NOW - DAY),
            lists_unavailable: false,
            snapshot: Some("c2lnbmVkIGJ5IHRoZSBwaG9uZQ".to_owned()),
            reported_at: NOW,
        };
        storage
            .put_device_status(&a.id, out_of_date.clone())
            .await
            .unwrap();
        assert_eq!(
            storage.device_status(&a.id).await.unwrap(),
            Some(out_of_date)
        );
        assert_eq!(
            storage.device_status(&b.id).await.unwrap(),
            None,
            "one device's status is not another's"
        );
        let unavailable = ReportedDeviceStatus {
            lists_version: None,
            lists_out_of_date_since: None,
            lists_unavailable: true,
            snapshot: None,
            reported_at: NOW + 60,
        };
        storage
            .put_device_status(&a.id, unavailable.clone())
            .await
            .unwrap();
        assert_eq!(
            storage.device_status(&a.id).await.unwrap(),
            Some(unavailable),
            "the latest report replaces the one before"
        );
    }

    pub(crate) async fn purge_removes_helpline_reports_with_the_ordinary_retention(
        storage: Arc<dyn Storage>,
    ) {
        let retention = Retention {
            report_secs: 90 * DAY,
            hotline_secs: 400 * DAY,
            message_secs: 30 * DAY,
            idempotency_secs: DAY,
        };
        let purge_at = NOW + 100 * DAY;
        let child = device(1);
        let mut bullied = report(1, ReportKind::Bullying);
        bullied.helpline_only = true;
        let bullied = new_report(bullied, vec![to_helpline("Childline")]);
        let mut groomed = report(2, ReportKind::Grooming);
        groomed.helpline_only = true;
        let groomed = new_report(groomed, vec![to_hotline("IWF"), to_helpline("Childline")]);
        let mut recent = report(3, ReportKind::Bullying);
        recent.helpline_only = true;
        let recent = new_report(recent, vec![to_helpline("Childline")]);
        storage
            .insert_reports(&child, vec![bullied.clone(), groomed.clone()], NOW)
            .await
            .unwrap();
        storage
            .insert_reports(&child, vec![recent.clone()], purge_at - 90 * DAY)
            .await
            .unwrap();

        let purged = storage.purge(purge_at, retention).await.unwrap();
        assert_eq!(purged.reports, 1);
        let queue: Vec<String> = storage
            .helpline_queue()
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.report.id)
            .collect();
        assert_eq!(
            queue,
            [groomed.report.id.clone(), recent.report.id.clone()],
            "a helpline report goes after the ordinary retention, unless the hotline keeps it"
        );
        assert_eq!(
            storage
                .report_status(&child.id, &bullied.report.id)
                .await
                .unwrap(),
            None
        );
        assert!(
            !storage
                .mark_helpline_forwarded(&bullied.report.id)
                .await
                .unwrap()
        );
    }

    pub(crate) async fn purge_removes_what_retention_no_longer_keeps(storage: Arc<dyn Storage>) {
        let retention = Retention {
            report_secs: 90 * DAY,
            hotline_secs: 400 * DAY,
            message_secs: 30 * DAY,
            idempotency_secs: DAY,
        };
        let purge_at = NOW + 100 * DAY;
        let child = device(1);
        let old = new_report(report(1, ReportKind::Bullying), vec![to_parent("p")]);
        let young = new_report(report(2, ReportKind::Sos), vec![to_parent("p")]);
        let old_for_hotline = new_report(
            report(3, ReportKind::Grooming),
            vec![to_parent("p"), to_hotline("IWF")],
        );
        storage
            .insert_reports(&child, vec![old.clone(), old_for_hotline.clone()], NOW)
            .await
            .unwrap();
        storage
            .insert_reports(&child, vec![young.clone()], purge_at - 90 * DAY)
            .await
            .unwrap();

        storage
            .post_message("parent:p", message(1, purge_at - 31 * DAY))
            .await
            .unwrap();
        let kept_message = storage
            .post_message("parent:p", message(2, purge_at - 30 * DAY))
            .await
            .unwrap();

        storage
            .begin_idempotent("d", "answered-old", [1; 32], purge_at - 2 * DAY)
            .await
            .unwrap();
        storage
            .finish_idempotent("d", "answered-old", 200, b"ok")
            .await
            .unwrap();
        storage
            .begin_idempotent("d", "answered-recent", [1; 32], purge_at - DAY)
            .await
            .unwrap();
        storage
            .finish_idempotent("d", "answered-recent", 200, b"ok")
            .await
            .unwrap();
        storage
            .begin_idempotent("d", "crashed-old", [1; 32], purge_at - 2 * DAY)
            .await
            .unwrap();

        storage
            .remember_nonce("device:d", "expired", purge_at - 1)
            .await
            .unwrap();
        storage
            .remember_nonce("device:d", "current", purge_at)
            .await
            .unwrap();
        storage
            .open_pairing_invite(&child.id, key(1), purge_at - 1)
            .await
            .unwrap();
        storage
            .open_pairing_invite(&device(9).id, key(2), purge_at)
            .await
            .unwrap();

        let purged = storage.purge(purge_at, retention).await.unwrap();
        assert_eq!(
            purged,
            Purged {
                reports: 1,
                messages: 1,
                other: 2 + 1 + 1,
            }
        );
        assert_eq!(storage.pairing_invite(&child.id).await.unwrap(), None);
        assert!(
            storage
                .pairing_invite(&device(9).id)
                .await
                .unwrap()
                .is_some(),
            "an invite at exactly its expiry second stays"
        );

        let kept: Vec<String> = storage
            .report_statuses(&child.id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(
            kept,
            [old_for_hotline.report.id.clone(), young.report.id.clone()],
            "the report at exactly the retention limit stays; the hotline one stays longer"
        );
        assert_eq!(
            storage
                .report_status(&child.id, &old.report.id)
                .await
                .unwrap(),
            None
        );
        let feed: Vec<String> = storage
            .feed("p", 0, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|item| item.report.id)
            .collect();
        assert_eq!(
            feed,
            [old_for_hotline.report.id.clone(), young.report.id.clone()]
        );
        assert_eq!(storage.hotline_queue().await.unwrap().len(), 1);

        let mailbox = storage.messages("parent:p", 0, 10).await.unwrap();
        assert_eq!(mailbox.len(), 1);
        assert_eq!(mailbox[0].seq, kept_message);

        assert_eq!(
            storage
                .begin_idempotent("d", "answered-old", [2; 32], purge_at)
                .await
                .unwrap(),
            IdempotencyBegin::Started,
            "forgotten"
        );
        assert!(matches!(
            storage
                .begin_idempotent("d", "answered-recent", [2; 32], purge_at)
                .await
                .unwrap(),
            IdempotencyBegin::Mismatch
        ));
        assert_eq!(
            storage
                .begin_idempotent("d", "crashed-old", [2; 32], purge_at)
                .await
                .unwrap(),
            IdempotencyBegin::Started
        );
        assert!(
            storage
                .remember_nonce("device:d", "expired", purge_at + 300)
                .await
                .unwrap(),
            "forgotten once expired"
        );
        assert!(
            !storage
                .remember_nonce("device:d", "current", purge_at + 300)
                .await
                .unwrap()
        );

        assert_eq!(
            storage.purge(purge_at, retention).await.unwrap(),
            Purged::default(),
            "a second purge finds nothing"
        );
    }

    pub(crate) async fn purge_keeps_hotline_reports_at_least_a_year(storage: Arc<dyn Storage>) {
        let retention = Retention {
            report_secs: DAY,
            // Configured below the floor: the floor wins.
            hotline_secs: 10 * DAY,
            message_secs: DAY,
            idempotency_secs: DAY,
        };
        let child = device(1);
        let at_floor = new_report(
            report(1, ReportKind::IllegalContent),
            vec![to_hotline("IWF")],
        );
        let past_floor = new_report(
            report(2, ReportKind::IllegalContent),
            vec![to_parent("p"), to_hotline("IWF")],
        );
        storage
            .insert_reports(&child, vec![past_floor.clone()], NOW - 1)
            .await
            .unwrap();
        storage
            .insert_reports(&child, vec![at_floor.clone()], NOW)
            .await
            .unwrap();
        storage
            .mark_hotline_forwarded(&past_floor.report.id)
            .await
            .unwrap();

        let purged = storage
            .purge(NOW + HOTLINE_MIN_RETENTION_SECS, retention)
            .await
            .unwrap();
        assert_eq!(
            purged.reports, 1,
            "even a forwarded one goes only after the floor"
        );
        let queue = storage.hotline_queue().await.unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].report, at_floor.report);
        assert!(storage.feed("p", 0, 10).await.unwrap().is_empty());
        assert_eq!(storage.report_statuses(&child.id).await.unwrap().len(), 1);
    }
}

/// Everything acknowledged survives closing the sled directory and opening it again.
#[tokio::test(flavor = "multi_thread")]
async fn sled_keeps_every_acknowledged_write_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let child = device(1);
    let upload = new_report(
        report(1, ReportKind::Grooming),
        vec![to_parent("p"), to_hotline("IWF")],
    );
    {
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::open(dir.path()).unwrap());
        storage
            .add_activation_tokens(&[[1; 32], [2; 32]], NOW)
            .await
            .unwrap();
        storage
            .register_device([1; 32], child.clone())
            .await
            .unwrap();
        storage.register_parent(parent(1)).await.unwrap();
        storage
            .remember_nonce("device:a", "n", NOW + 300)
            .await
            .unwrap();
        storage
            .begin_idempotent(&child.id, "k", [3; 32], NOW)
            .await
            .unwrap();
        storage
            .insert_reports(&child, vec![upload.clone()], NOW)
            .await
            .unwrap();
        storage
            .finish_idempotent(&child.id, "k", 200, b"receipts")
            .await
            .unwrap();
        assert!(
            storage
                .apply_parent_statement(
                    &child.id,
                    "p",
                    1,
                    ParentChange::Confirm(ParentRole::Owner),
                    NOW
                )
                .await
                .unwrap()
        );
        storage
            .post_message("parent:p", message(1, NOW))
            .await
            .unwrap();
        storage
            .put_bundle(bundle(BundleKind::Directory, 3))
            .await
            .unwrap();
        storage.secret("time-key", b"key".to_vec()).await.unwrap();
    }

    let storage: Arc<dyn Storage> = Arc::new(SledStorage::open(dir.path()).unwrap());
    assert_eq!(
        storage.device(&child.id).await.unwrap(),
        Some(child.clone())
    );
    assert_eq!(
        storage.register_device([2; 32], device(2)).await.unwrap(),
        DeviceRegistered::Registered,
        "the unused token is still there"
    );
    assert_eq!(
        storage.parent(&parent(1).id).await.unwrap(),
        Some(parent(1))
    );
    assert!(
        !storage
            .remember_nonce("device:a", "n", NOW + 300)
            .await
            .unwrap()
    );
    assert_eq!(
        storage
            .begin_idempotent(&child.id, "k", [3; 32], NOW + 1)
            .await
            .unwrap(),
        IdempotencyBegin::Replay {
            status: 200,
            body: b"receipts".to_vec()
        }
    );
    let statuses = storage.report_statuses(&child.id).await.unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state, DeliveryState::Routed);
    assert_eq!(storage.hotline_queue().await.unwrap().len(), 1);
    assert_eq!(
        storage.parents_of(&child.id).await.unwrap(),
        vec![("p".to_owned(), NOW)]
    );
    assert!(
        !storage
            .apply_parent_statement(&child.id, "q", 1, ParentChange::Remove, NOW)
            .await
            .unwrap(),
        "the device's statement counter survived: an old number changes nothing"
    );
    assert_eq!(storage.messages("parent:p", 0, 10).await.unwrap().len(), 1);
    assert_eq!(
        storage.bundle(BundleKind::Directory).await.unwrap(),
        Some(bundle(BundleKind::Directory, 3))
    );
    assert_eq!(
        storage.bundle_version(BundleKind::Directory).await.unwrap(),
        Some(bundle_version(3))
    );
    assert_eq!(
        storage.secret("time-key", b"new".to_vec()).await.unwrap(),
        b"key"
    );

    let feed = storage.feed("p", 0, 10).await.unwrap();
    assert_eq!(feed.len(), 1);
    let more = new_report(report(2, ReportKind::Sos), vec![to_parent("p")]);
    storage
        .insert_reports(&child, vec![more], NOW + 1)
        .await
        .unwrap();
    let next = storage.feed("p", feed[0].seq, 10).await.unwrap();
    assert_eq!(next.len(), 1, "seqs keep increasing after a reopen");
}

/// A bundle read from sled shares sled's own copy of the value: two reads, one allocation.
#[tokio::test(flavor = "multi_thread")]
async fn sled_hands_out_its_own_copy_of_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SledStorage::open(dir.path()).unwrap();
    storage
        .put_bundle(bundle(BundleKind::Lists, 1))
        .await
        .unwrap();
    let first = storage.bundle(BundleKind::Lists).await.unwrap().unwrap();
    let second = storage.bundle(BundleKind::Lists).await.unwrap().unwrap();
    assert_eq!(first, bundle(BundleKind::Lists, 1));
    assert_eq!(
        first.bytes.as_ptr(),
        second.bytes.as_ptr(),
        "each read copied the bundle"
    );
}

/// A database written before versions had a tree of their own still answers
/// `bundle_version`, from the bundle itself.
#[tokio::test(flavor = "multi_thread")]
async fn sled_reads_the_version_of_a_bundle_stored_before_the_version_tree() {
    let dir = tempfile::tempdir().unwrap();
    {
        let storage = SledStorage::open(dir.path()).unwrap();
        storage
            .put_bundle(bundle(BundleKind::Keys, 7))
            .await
            .unwrap();
    }
    {
        // What an older server left: the bundle, and no entry in `bundle_versions`.
        let db = sled::open(dir.path()).unwrap();
        db.open_tree("bundle_versions").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    let storage = SledStorage::open(dir.path()).unwrap();
    assert_eq!(
        storage.bundle_version(BundleKind::Keys).await.unwrap(),
        Some(bundle_version(7))
    );
    assert_eq!(
        storage
            .put_bundle(bundle(BundleKind::Keys, 7))
            .await
            .unwrap(),
        BundlePut::NotNewer { current: 7 }
    );
    storage
        .put_bundle(bundle(BundleKind::Keys, 8))
        .await
        .unwrap();
    assert_eq!(
        storage.bundle_version(BundleKind::Keys).await.unwrap(),
        Some(bundle_version(8))
    );
}

/// A database an older server wrote holds a global `policy` bundle; the kind is gone, and
/// opening drops it.
#[tokio::test(flavor = "multi_thread")]
async fn sled_drops_the_retired_policy_bundle() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path()).unwrap();
        for tree in ["bundles", "bundle_versions"] {
            db.open_tree(tree)
                .unwrap()
                .insert("policy", &b"an old policy bundle"[..])
                .unwrap();
        }
        db.flush().unwrap();
    }
    {
        let storage = SledStorage::open(dir.path()).unwrap();
        for kind in BundleKind::ALL {
            assert_eq!(storage.bundle_version(kind).await.unwrap(), None);
        }
        storage
            .put_bundle(bundle(BundleKind::Keys, 1))
            .await
            .unwrap();
    }
    let db = sled::open(dir.path()).unwrap();
    for tree in ["bundles", "bundle_versions"] {
        assert_eq!(db.open_tree(tree).unwrap().get("policy").unwrap(), None);
    }
}

/// `SledStorage::open` creates the directory it is given.
#[tokio::test(flavor = "multi_thread")]
async fn sled_creates_its_directory() {
    let parent_dir = tempfile::tempdir().unwrap();
    let dir = parent_dir.path().join("not").join("there-yet");
    let storage = SledStorage::open(&dir).unwrap();
    storage.secret("s", b"v".to_vec()).await.unwrap();
    assert!(dir.is_dir());
}

fn carrier(id: &str, key_n: u8) -> CarrierRecord {
    CarrierRecord {
        id: id.to_owned(),
        name: format!("Carrier {id}"),
        public_key: key(key_n),
        rotations: Vec::new(),
        safety_pack: None,
        admitted_at: NOW,
    }
}

fn settings(band: &str) -> LineRequest {
    LineRequest {
        line: String::new(),
        country: "GB".to_owned(),
        band: Some(band.to_owned()),
        birth_month: None,
        extra_blocked_categories: Vec::new(),
        parents_may_relax: Vec::new(),
    }
}

fn line(handle: &str, carrier_id: &str, added_at: u64) -> LineRecord {
    LineRecord {
        handle: handle.to_owned(),
        carrier_id: carrier_id.to_owned(),
        settings: settings("9-12"),
        device_id: None,
        previous: None,
        profile: None,
        deactivation: None,
        sequence: 0,
        state: LineState::AwaitingDevice,
        added_at,
    }
}

/// Registers `device(n)` on the line `handle`, whose device the caller saw as the current one
/// (none or the one before); the line after it.
async fn register_on(
    storage: &Arc<dyn Storage>,
    n: u64,
    handle: &str,
    previous: Option<PreviousDevice>,
) -> LineRecord {
    let seen = storage.line(handle).await.unwrap().unwrap().device_id;
    match storage
        .register_line_device(device(n), handle, seen, previous)
        .await
        .unwrap()
    {
        LineRegistration::Registered(line) => *line,
        other => panic!("device {n} did not register on {handle}: {other:?}"),
    }
}

fn device(n: u64) -> DeviceRecord {
    DeviceRecord {
        id: format!("device-{n:02}"),
        public_key: PublicKey([n as u8; 32]),
        country: "GB".to_owned(),
        registered_at: NOW,
    }
}

fn parent(n: u64) -> ParentRecord {
    ParentRecord {
        id: format!("parent-{n:02}"),
        public_key: PublicKey([100 + n as u8; 32]),
        registered_at: NOW,
    }
}

fn report(n: u64, kind: ReportKind) -> UploadedReport {
    UploadedReport {
        id: format!("{n:032x}"),
        kind,
        created_at: NOW - 5,
        urls: match kind {
            ReportKind::IllegalContent | ReportKind::Grooming => {
                vec![format!("https://example.com/{n}")]
            }
            _ => vec![],
        },
        reported_user: None,
        notes: Some(format!("note {n}")),
        screenshot_text: None,
        location: None,
        helpline_only: false,
    }
}

fn new_report(report: UploadedReport, destinations: Vec<Destination>) -> NewReport {
    let mut report_hash = [0; 32];
    report_hash[..report.id.len().min(32)]
        .copy_from_slice(&report.id.as_bytes()[..report.id.len().min(32)]);
    NewReport {
        report,
        report_hash,
        destinations,
    }
}

fn to_parent(id: &str) -> Destination {
    Destination {
        kind: DestinationKind::Parent,
        name: id.to_owned(),
        forwarded: false,
    }
}

fn to_hotline(name: &str) -> Destination {
    Destination {
        kind: DestinationKind::Hotline,
        name: name.to_owned(),
        forwarded: false,
    }
}

fn to_helpline(name: &str) -> Destination {
    Destination {
        kind: DestinationKind::Helpline,
        name: name.to_owned(),
        forwarded: false,
    }
}

fn message(n: u64, received_at: u64) -> NewMessage {
    NewMessage {
        from: "device:sender".to_owned(),
        kind: MessageKind::AccessRequest,
        blob: format!("blob-{n}"),
        received_at,
    }
}

fn bundle(kind: BundleKind, version: u64) -> StoredBundle {
    StoredBundle {
        kind,
        version,
        expires_at: NOW + 30 * DAY,
        bytes: format!("{} bundle v{version}", kind.as_str())
            .into_bytes()
            .into(),
    }
}

/// The version record of [`bundle`]`(_, version)`.
fn bundle_version(version: u64) -> BundleVersion {
    BundleVersion {
        version,
        expires_at: NOW + 30 * DAY,
    }
}

/// A distinct public key per `n` (never verified here).
fn key(n: u8) -> PublicKey {
    PublicKey([n; 32])
}

/// A pending claim of `parent_id` taken at `at`.
fn claim(parent_id: &str, at: u64) -> PendingClaim {
    PendingClaim {
        parent_id: parent_id.to_owned(),
        parent_public_key: key(200),
        claim_signature: format!("signed-by-{parent_id}"),
        claimed_at: at,
    }
}

/// Whether `device_id` has an invite a claim can still be made on at `now`.
async fn invite_is_live(storage: &Arc<dyn Storage>, device_id: &str, now: u64) -> bool {
    storage
        .pairing_invite(device_id)
        .await
        .unwrap()
        .is_some_and(|invite| invite.is_live(now))
}
