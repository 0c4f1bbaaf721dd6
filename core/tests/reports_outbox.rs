//! The report outbox on a real sealed sled store, told as stories: a child files reports, the
//! app is killed and restarted, the sync sends them and the server's receipts come back, and old
//! delivered reports are pruned. Nothing the child filed is ever lost or changed on the way.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use childsafe_core::protocol::wire::{DeliveryState, ReportStatus};
use childsafe_core::reports::model::is_report_id;
use childsafe_core::reports::outbox::KEEP_DELIVERED_SECS;
use childsafe_core::reports::{
    Location, OutboxError, ReportDraft, ReportError, ReportKind, ReportState, ReportedUser,
};
use childsafe_core::store::Store;
use reports_support::{Device, T0, at};

fn draft(kind: ReportKind) -> ReportDraft {
    let mut draft = ReportDraft::new(kind);
    if kind == ReportKind::IllegalContent {
        draft.urls.push("https://bad.example/page".to_owned());
    }
    draft
}

fn receipt(id: &str, kind: ReportKind, state: DeliveryState) -> ReportStatus {
    ReportStatus {
        id: id.to_owned(),
        kind,
        state,
        received_at: T0 + 500,
        destinations: Vec::new(),
    }
}

#[test]
fn a_filed_report_is_on_disk_when_report_returns_and_survives_a_restart() {
    let device = Device::new("durable");
    let outbox = device.outbox();
    let mut grooming = draft(ReportKind::Grooming);
    grooming.reported_user = Some(ReportedUser {
        handle: Some("stranger_42".to_owned()),
        platform: Some("a game chat".to_owned()),
    });
    grooming.notes = Some("they asked for pictures".to_owned());
    let receipt = outbox.report(grooming, at(T0)).unwrap();
    assert!(is_report_id(&receipt.id));
    assert_eq!(receipt.state, ReportState::Queued);
    assert_eq!(receipt.created_at, T0);
    let filed = outbox.pending(10).unwrap();
    drop(outbox);

    // A new process: everything filed before is still there, exactly.
    let reopened = device.outbox();
    assert_eq!(reopened.pending(10).unwrap(), filed);
    let statuses = reopened.statuses().unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].id, receipt.id);
    assert_eq!(statuses[0].state, ReportState::Queued);
    assert_eq!(filed[0].notes.as_deref(), Some("they asked for pictures"));
    assert_eq!(filed[0].id, receipt.id);
}

#[test]
fn pending_sends_sos_first_then_by_urgency_then_oldest_first() {
    let device = Device::new("order");
    let outbox = device.outbox();
    let kinds = [
        ReportKind::Bullying,
        ReportKind::IllegalContent,
        ReportKind::Grooming,
        ReportKind::Bullying,
        ReportKind::Sos,
    ];
    let ids: Vec<String> = kinds
        .iter()
        .enumerate()
        .map(|(i, kind)| outbox.report(draft(*kind), at(T0 + i as u64)).unwrap().id)
        .collect();

    let order: Vec<String> = outbox
        .pending(10)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        order,
        [&ids[4], &ids[2], &ids[1], &ids[0], &ids[3]].map(String::clone)
    );
    let first_two: Vec<ReportKind> = outbox.pending(2).unwrap().iter().map(|r| r.kind).collect();
    assert_eq!(first_two, [ReportKind::Sos, ReportKind::Grooming]);
    // Filing order is kept for the status list.
    let listed: Vec<String> = outbox
        .statuses()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, ids);
}

#[test]
fn receipts_move_a_report_forward_and_never_back() {
    let device = Device::new("receipts");
    let outbox = device.outbox();
    let id = outbox
        .report(draft(ReportKind::IllegalContent), at(T0))
        .unwrap()
        .id;
    let other = outbox
        .report(draft(ReportKind::Bullying), at(T0 + 1))
        .unwrap()
        .id;

    assert_eq!(
        outbox
            .mark_sending(std::slice::from_ref(&id), at(T0 + 10))
            .unwrap(),
        1
    );
    let sending = &outbox.statuses().unwrap()[0];
    assert_eq!(sending.state, ReportState::Sending);
    assert_eq!(sending.attempts, 1);
    assert_eq!(sending.last_sent_at, Some(T0 + 10));
    // Sent but not acknowledged: still pending, so the next sync sends it again.
    assert_eq!(outbox.pending(10).unwrap().len(), 2);

    // Receipts that cannot be this phone's are ignored: unknown id, wrong kind, not an id.
    let ignored = [
        receipt(
            &"0".repeat(32),
            ReportKind::Bullying,
            DeliveryState::Received,
        ),
        receipt(&id, ReportKind::Bullying, DeliveryState::Received),
        receipt(
            "../settings/pin",
            ReportKind::Bullying,
            DeliveryState::Received,
        ),
    ];
    assert_eq!(outbox.record_receipts(&ignored, at(T0 + 20)).unwrap(), 0);

    let delivered = [receipt(
        &id,
        ReportKind::IllegalContent,
        DeliveryState::Received,
    )];
    assert_eq!(outbox.record_receipts(&delivered, at(T0 + 30)).unwrap(), 1);
    let pending: Vec<String> = outbox
        .pending(10)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(pending, [other]);
    // Once delivered, a late "sending" changes nothing.
    assert_eq!(
        outbox
            .mark_sending(std::slice::from_ref(&id), at(T0 + 31))
            .unwrap(),
        0
    );

    let routed = [receipt(
        &id,
        ReportKind::IllegalContent,
        DeliveryState::Routed,
    )];
    assert_eq!(outbox.record_receipts(&routed, at(T0 + 40)).unwrap(), 1);
    // An older status arriving late does not move it back.
    assert_eq!(outbox.record_receipts(&delivered, at(T0 + 50)).unwrap(), 0);
    let forwarded = [receipt(
        &id,
        ReportKind::IllegalContent,
        DeliveryState::Forwarded,
    )];
    assert_eq!(outbox.record_receipts(&forwarded, at(T0 + 60)).unwrap(), 1);
    drop(outbox);

    let record = device.outbox().statuses().unwrap().remove(0);
    assert_eq!(record.state, ReportState::Forwarded);
    assert_eq!(record.delivered_at, Some(T0 + 30));
    assert_eq!(record.server_received_at, Some(T0 + 500));
    assert_eq!(record.routed_at, Some(T0 + 40));
    assert_eq!(record.forwarded_at, Some(T0 + 60));
}

#[test]
fn a_report_sent_without_an_answer_is_sent_again_after_a_restart() {
    let device = Device::new("resend");
    let outbox = device.outbox();
    let id = outbox.report(draft(ReportKind::Sos), at(T0)).unwrap().id;
    outbox
        .mark_sending(std::slice::from_ref(&id), at(T0 + 1))
        .unwrap();
    drop(outbox);

    let outbox = device.outbox();
    assert_eq!(outbox.pending(10).unwrap()[0].id, id);
    outbox
        .mark_sending(std::slice::from_ref(&id), at(T0 + 2))
        .unwrap();
    let record = outbox.statuses().unwrap().remove(0);
    assert_eq!((record.state, record.attempts), (ReportState::Sending, 2));
}

#[test]
fn the_stored_body_of_a_report_never_changes_after_filing() {
    let device = Device::new("body");
    let outbox = device.outbox();
    let mut sos = draft(ReportKind::Sos);
    sos.location = Some(Location {
        latitude: 51.5,
        longitude: -0.12,
        accuracy_m: Some(20.0),
    });
    let id = outbox.report(sos, at(T0)).unwrap().id;
    let body_prefix = b"reports/body/";
    let sealed_before = outbox.store().backend().scan_prefix(body_prefix).unwrap();
    let report_before = outbox.pending(1).unwrap();
    assert_eq!(sealed_before.len(), 1);

    // Every later step rewrites the status. The sealed body must stay byte for byte the same:
    // a rewrite would carry a fresh nonce even if the report were equal.
    outbox
        .mark_sending(std::slice::from_ref(&id), at(T0 + 1))
        .unwrap();
    outbox
        .mark_sending(std::slice::from_ref(&id), at(T0 + 2))
        .unwrap();
    outbox
        .record_receipts(
            &[receipt(&id, ReportKind::Sos, DeliveryState::Routed)],
            at(T0 + 3),
        )
        .unwrap();
    outbox.prune(at(T0 + 4), KEEP_DELIVERED_SECS).unwrap();
    drop(outbox);

    let outbox = device.outbox();
    assert_eq!(
        outbox.store().backend().scan_prefix(body_prefix).unwrap(),
        sealed_before
    );
    let statuses = outbox.statuses().unwrap();
    assert_eq!(statuses[0].state, ReportState::Routed);
    // A receipt never removes the body: it stays until pruned, readable as filed.
    let body = outbox
        .store()
        .get(&[&body_prefix[..], id.as_bytes()].concat())
        .unwrap()
        .unwrap();
    let stored: childsafe_core::reports::Report = serde_json::from_slice(&body).unwrap();
    assert_eq!(vec![stored], report_before);
}

#[test]
fn keys_name_only_the_random_id_and_values_are_sealed() {
    let device = Device::new("privacy");
    let outbox = device.outbox();
    let mut report = draft(ReportKind::Grooming);
    report
        .urls
        .push("https://chat.example/room/secret-room".to_owned());
    report.notes = Some("Alice from class 7b".to_owned());
    let id = outbox.report(report, at(T0)).unwrap().id;

    let raw = outbox.store().backend().scan_prefix(b"").unwrap();
    let report_keys: Vec<String> = raw
        .iter()
        .map(|(key, _)| String::from_utf8(key.clone()).unwrap())
        .filter(|key| key.starts_with("reports/"))
        .collect();
    assert_eq!(
        report_keys,
        [
            format!("reports/body/{id}"),
            "reports/next-sequence".to_owned(),
            format!("reports/status/{id}"),
        ]
    );
    for (key, value) in &raw {
        for secret in [&b"secret-room"[..], b"Alice", b"grooming"] {
            assert!(!contains(key, secret), "{secret:?} in a key");
            assert!(!contains(value, secret), "{secret:?} in a stored value");
        }
    }
}

#[test]
fn a_report_that_breaks_the_rules_is_refused_and_nothing_is_stored() {
    let device = Device::new("refused");
    let outbox = device.outbox();
    let before = outbox.store().backend().scan_prefix(b"").unwrap();

    let no_url = ReportDraft::new(ReportKind::IllegalContent);
    let mut located_bullying = draft(ReportKind::Bullying);
    located_bullying.location = Some(Location {
        latitude: 1.0,
        longitude: 1.0,
        accuracy_m: None,
    });
    let mut bad_url = draft(ReportKind::Grooming);
    bad_url.urls.push("javascript:alert(1)".to_owned());
    for refused in [no_url, located_bullying, bad_url] {
        let error = outbox.report(refused, at(T0)).unwrap_err();
        assert!(
            matches!(error, OutboxError::Report(ReportError::Invalid(_))),
            "{error}"
        );
    }
    assert_eq!(outbox.store().backend().scan_prefix(b"").unwrap(), before);
    assert!(outbox.statuses().unwrap().is_empty());
}

#[test]
fn only_a_grooming_or_bullying_report_can_be_kept_from_the_parents_and_nothing_else_is_stored() {
    let device = Device::new("helpline-rules");
    let outbox = device.outbox();
    let before = outbox.store().backend().scan_prefix(b"").unwrap();

    // SOS always reaches the parents; illegal content always tells them.
    for kind in [ReportKind::Sos, ReportKind::IllegalContent] {
        let mut kept = draft(kind);
        kept.helpline_only = true;
        let error = outbox.report(kept, at(T0)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid report: only a grooming or bullying report can be kept from the parents \
             (helpline only)",
            "{kind:?}"
        );
    }
    assert_eq!(outbox.store().backend().scan_prefix(b"").unwrap(), before);

    // Grooming goes to the hotline and the child helpline, bullying to the child helpline.
    let mut ids = Vec::new();
    for kind in [ReportKind::Grooming, ReportKind::Bullying] {
        let mut kept = draft(kind);
        kept.helpline_only = true;
        let receipt = outbox.report(kept, at(T0)).unwrap();
        assert_eq!(receipt.state, ReportState::Queued, "{kind:?}");
        ids.push(receipt.id);
    }
    let pending = outbox.pending(10).unwrap();
    for id in &ids {
        let stored = pending.iter().find(|r| &r.id == id).unwrap();
        assert!(stored.to_upload().helpline_only, "{:?}", stored.kind);
    }
}

#[test]
fn helpline_only_survives_a_restart_and_an_entry_without_it_reads_as_shared() {
    let device = Device::new("helpline-outbox");
    let outbox = device.outbox();
    let mut kept = draft(ReportKind::Grooming);
    kept.helpline_only = true;
    let kept_id = outbox.report(kept, at(T0)).unwrap().id;
    let shared_id = outbox
        .report(draft(ReportKind::Grooming), at(T0 + 1))
        .unwrap()
        .id;
    drop(outbox);

    let outbox = device.outbox();
    let pending = outbox.pending(10).unwrap();
    let find = |id: &str| pending.iter().find(|r| r.id == id).unwrap().clone();
    assert!(find(&kept_id).helpline_only);
    assert!(find(&kept_id).to_upload().helpline_only);
    assert!(!find(&shared_id).helpline_only);

    // A report that is not helpline-only is stored exactly as before the field existed, so
    // entries written by an older app and new ones read the same way.
    let body = outbox
        .store()
        .get(&[&b"reports/body/"[..], shared_id.as_bytes()].concat())
        .unwrap()
        .unwrap();
    assert!(!contains(&body, b"helpline_only"));
    let old_entry = format!(
        r#"{{"id":"{shared_id}","kind":"grooming","created_at":{T0},"urls":["https://x.example/"]}}"#
    );
    let old: childsafe_core::reports::Report = serde_json::from_str(&old_entry).unwrap();
    assert!(!old.helpline_only);
    assert!(!old.to_upload().helpline_only);
}

#[test]
fn prune_removes_only_reports_delivered_long_enough_ago() {
    let device = Device::new("prune");
    let outbox = device.outbox();
    let delivered = outbox
        .report(draft(ReportKind::Bullying), at(T0))
        .unwrap()
        .id;
    let queued = outbox
        .report(draft(ReportKind::Bullying), at(T0 + 1))
        .unwrap()
        .id;
    let sending = outbox
        .report(draft(ReportKind::Sos), at(T0 + 2))
        .unwrap()
        .id;
    outbox
        .mark_sending(std::slice::from_ref(&sending), at(T0 + 3))
        .unwrap();
    let receipts = [receipt(
        &delivered,
        ReportKind::Bullying,
        DeliveryState::Received,
    )];
    outbox.record_receipts(&receipts, at(T0 + 10)).unwrap();

    assert_eq!(
        outbox
            .prune(at(T0 + 10 + KEEP_DELIVERED_SECS - 1), KEEP_DELIVERED_SECS)
            .unwrap(),
        0
    );
    assert_eq!(
        outbox
            .prune(at(T0 + 10 + KEEP_DELIVERED_SECS), KEEP_DELIVERED_SECS)
            .unwrap(),
        1
    );
    // Years later, what never got a receipt is still there, waiting to be sent.
    let years = 5 * 365 * 24 * 60 * 60;
    assert_eq!(outbox.prune(at(T0 + years), 0).unwrap(), 0);
    drop(outbox);

    let outbox = device.outbox();
    let left: Vec<String> = outbox
        .statuses()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, [queued, sending]);
    assert!(
        outbox
            .store()
            .backend()
            .scan_prefix(format!("reports/body/{delivered}").as_bytes())
            .unwrap()
            .is_empty()
    );
    // Filing numbers never go back after a prune.
    let next = outbox
        .report(draft(ReportKind::Bullying), at(T0 + years))
        .unwrap()
        .id;
    let last = outbox.statuses().unwrap().pop().unwrap();
    assert_eq!((last.id, last.sequence), (next, 3));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}
