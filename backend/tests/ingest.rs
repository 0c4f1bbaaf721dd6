//! Report ingest as a device lives it: retries with the same `Idempotency-Key` get the first
//! answer and store nothing twice, a reused key with another body is refused, concurrent
//! duplicates store once, each report is routed by its kind and the device's country, and its
//! status moves from received to routed to forwarded as parents and the operator take it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use std::collections::BTreeSet;

use childsafe_protocol::operator::{HelplineQueue, HotlineQueue};
use childsafe_protocol::report::{Location, ReportKind, ReportedUser};
use childsafe_protocol::wire::{
    DeliveryState, DestinationKind, Feed, ReportReceipts, ReportStatus,
};
use common::{TestServer, fresh_key, report};
use serde_json::Value;

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_gets_the_same_answer_and_stores_once() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let sos = report(ReportKind::Sos);
        let first = server
            .upload(&device, "retry-key", std::slice::from_ref(&sos))
            .await
            .expect(200);
        let again = server
            .upload(&device, "retry-key", std::slice::from_ref(&sos))
            .await
            .expect(200);
        assert_eq!(
            first.body, again.body,
            "[{}] a replay is byte for byte",
            server.name
        );
        // A new key for the same report: not a replay, but the report is already stored.
        let other_key = server
            .upload(&device, "another-key", std::slice::from_ref(&sos))
            .await
            .expect(200);
        assert_eq!(
            other_key.json::<ReportReceipts>(),
            first.json::<ReportReceipts>()
        );
        assert_eq!(
            server
                .storage
                .report_statuses(&device.id)
                .await
                .unwrap()
                .len(),
            1
        );

        server
            .upload(&device, "retry-key", &[report(ReportKind::Sos)])
            .await
            .refused(422, "idempotency_key_reused");
        assert_eq!(
            server
                .storage
                .report_statuses(&device.id)
                .await
                .unwrap()
                .len(),
            1
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn concurrent_duplicates_store_one_report() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let grooming = report(ReportKind::Grooming);
        let upload = || server.upload(&device, "same-key", std::slice::from_ref(&grooming));
        let (r1, r2, r3, r4, r5, r6) =
            tokio::join!(upload(), upload(), upload(), upload(), upload(), upload());
        let replies = [r1, r2, r3, r4, r5, r6];
        let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
        assert!(
            statuses.iter().all(|status| [200, 409].contains(status)),
            "{statuses:?}"
        );
        assert!(statuses.contains(&200), "{statuses:?}");
        let successes: BTreeSet<&Vec<u8>> = replies
            .iter()
            .filter(|reply| reply.status == 200)
            .map(|reply| &reply.body)
            .collect();
        assert_eq!(successes.len(), 1, "every 200 is the same answer");
        for reply in replies.iter().filter(|reply| reply.status == 409) {
            assert_eq!(reply.error(), "request_in_progress");
        }
        assert_eq!(
            server
                .storage
                .report_statuses(&device.id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(server.storage.hotline_queue().await.unwrap().len(), 1);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_batch_is_answered_in_order_or_refused_whole() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let batch: Vec<_> = ReportKind::ALL.into_iter().map(report).collect();
        let receipts = server
            .upload(&device, &fresh_key(), &batch)
            .await
            .expect(200)
            .json::<ReportReceipts>()
            .receipts;
        let ids: Vec<&str> = receipts.iter().map(|receipt| receipt.id.as_str()).collect();
        let sent: Vec<&str> = batch.iter().map(|report| report.id.as_str()).collect();
        assert_eq!(ids, sent);

        // One bad report refuses the whole batch, and names it.
        let mut bad = report(ReportKind::IllegalContent);
        bad.urls.clear();
        let refused = server
            .upload(&device, &fresh_key(), &[report(ReportKind::Sos), bad])
            .await
            .refused(400, "invalid_report");
        assert!(
            refused.json::<Value>()["message"]
                .as_str()
                .unwrap()
                .starts_with("report 1:")
        );

        // An id this device already sent, with other contents, refuses the batch before the new
        // report beside it is stored.
        let mut changed = batch[0].clone();
        changed.notes = Some("changed later".to_owned());
        let newcomer = report(ReportKind::Bullying);
        server
            .upload(&device, &fresh_key(), &[newcomer.clone(), changed])
            .await
            .refused(422, "report_id_conflict");
        // The same id in one batch twice with two contents.
        let twin = report(ReportKind::Sos);
        let mut other_twin = twin.clone();
        other_twin.notes = None;
        server
            .upload(&device, &fresh_key(), &[twin.clone(), other_twin])
            .await
            .refused(422, "report_id_conflict");
        // Another device's report id.
        let stranger = server.device("GB").await;
        server
            .upload(&stranger, &fresh_key(), &[batch[1].clone()])
            .await
            .refused(422, "report_id_conflict");

        let too_many: Vec<_> = (0..101).map(|_| report(ReportKind::Sos)).collect();
        server
            .upload(&device, &fresh_key(), &too_many)
            .await
            .refused(400, "bad_batch_size");
        server
            .upload(&device, &fresh_key(), &[])
            .await
            .refused(400, "bad_batch_size");

        let stored = server.storage.report_statuses(&device.id).await.unwrap();
        assert_eq!(
            stored.len(),
            batch.len(),
            "[{}] only the first batch",
            server.name
        );
        assert!(
            server
                .storage
                .report_statuses(&stranger.id)
                .await
                .unwrap()
                .is_empty()
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn reports_are_routed_by_kind_and_country() {
    for server in common::servers().await {
        let parent = server.parent().await;
        for (country, hotline) in [("GB", "IWF"), ("US", "NCMEC"), ("DE", "INHOPE")] {
            let device = server.device(country).await;
            server.pair(&device, &parent).await;
            let batch: Vec<_> = ReportKind::ALL.into_iter().map(report).collect();
            let receipts = server
                .upload(&device, &fresh_key(), &batch)
                .await
                .expect(200)
                .json::<ReportReceipts>()
                .receipts;
            for receipt in receipts {
                let places: Vec<(DestinationKind, String)> = receipt
                    .destinations
                    .iter()
                    .map(|destination| (destination.kind, destination.name.clone()))
                    .collect();
                let mut expected = vec![(DestinationKind::Parent, parent.id.clone())];
                if matches!(
                    receipt.kind,
                    ReportKind::IllegalContent | ReportKind::Grooming
                ) {
                    expected.push((DestinationKind::Hotline, hotline.to_owned()));
                }
                assert_eq!(
                    places, expected,
                    "[{}] {country} {:?}",
                    server.name, receipt.kind
                );
                assert_eq!(receipt.state, DeliveryState::Routed);
            }
        }
        server.stop().await;
    }
}

#[tokio::test]
async fn the_hotline_export_carries_the_hotline_fields_and_no_media_or_location() {
    for server in common::servers().await {
        let device = server.device("US").await;
        let mut grooming = report(ReportKind::Grooming);
        grooming.reported_user = Some(ReportedUser {
            handle: Some("@stranger".to_owned()),
            platform: Some("a game".to_owned()),
        });
        grooming.screenshot_text = Some("send me a photo".to_owned());
        let mut sos = report(ReportKind::Sos);
        sos.location = Some(Location {
            latitude: 51.5,
            longitude: -0.12,
            accuracy_m: Some(20.0),
        });
        server
            .upload(&device, &fresh_key(), &[grooming.clone(), sos])
            .await
            .expect(200);

        let queue = server
            .get("/v1/operator/hotline-queue")
            .operator()
            .send()
            .await
            .expect(200);
        let raw: Value = queue.json();
        let reports = raw["reports"].as_array().unwrap();
        assert_eq!(reports.len(), 1, "the SOS stays with parents");
        let keys: BTreeSet<&str> = reports[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let allowed: BTreeSet<&str> = [
            "report_id",
            "hotline",
            "incident_type",
            "incident_time",
            "received_time",
            "reporter_country",
            "urls",
            "reported_user",
            "notes",
            "forwarded",
        ]
        .into_iter()
        .collect();
        assert_eq!(keys, allowed);
        let exported = &queue.json::<HotlineQueue>().reports[0];
        assert_eq!(exported.report_id, grooming.id);
        assert_eq!(exported.hotline, "NCMEC");
        assert_eq!(exported.reporter_country, "US");
        assert_eq!(exported.incident_time, "2026-05-28T20:26:40Z");
        assert_eq!(exported.urls, grooming.urls);
        assert_eq!(exported.reported_user, grooming.reported_user);
        assert_eq!(
            exported.notes.as_deref(),
            Some("what happened\n\nText from a screenshot: send me a photo")
        );
        assert!(!exported.forwarded);
        server.stop().await;
    }
}

#[tokio::test]
async fn status_moves_from_received_to_routed_to_forwarded() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        // Nobody to route a bullying report to yet: received, with no destination.
        let early = report(ReportKind::Bullying);
        let receipt = first_receipt(
            &server
                .upload(&device, &fresh_key(), std::slice::from_ref(&early))
                .await,
        );
        assert_eq!(receipt.state, DeliveryState::Received);
        assert!(receipt.destinations.is_empty());

        let parent = server.parent().await;
        server.pair(&device, &parent).await;
        let bullying = report(ReportKind::Bullying);
        let illegal = report(ReportKind::IllegalContent);
        server
            .upload(&device, &fresh_key(), &[bullying.clone(), illegal.clone()])
            .await
            .expect(200);
        assert_eq!(
            status(&server, &device, &bullying.id).await.state,
            DeliveryState::Routed
        );

        // The parent's app fetches its feed: the parent-only report is forwarded, the illegal
        // content report still waits for its hotline.
        let feed: Feed = server
            .get("/v1/parent/feed")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        let fed: Vec<&str> = feed
            .items
            .iter()
            .map(|item| item.report.id.as_str())
            .collect();
        assert_eq!(fed, [bullying.id.as_str(), illegal.id.as_str()]);
        assert!(feed.items.iter().all(|item| item.device_id == device.id));
        assert_eq!(
            status(&server, &device, &bullying.id).await.state,
            DeliveryState::Forwarded
        );
        let waiting = status(&server, &device, &illegal.id).await;
        assert_eq!(waiting.state, DeliveryState::Routed);
        assert!(
            waiting
                .destinations
                .iter()
                .any(|d| d.kind == DestinationKind::Parent && d.forwarded)
        );

        server
            .post(&format!(
                "/v1/operator/hotline-queue/{}/forwarded",
                illegal.id
            ))
            .operator()
            .send()
            .await
            .expect(204);
        assert_eq!(
            status(&server, &device, &illegal.id).await.state,
            DeliveryState::Forwarded
        );

        // The feed goes on after the last seq it gave.
        let last = feed.items.last().unwrap().seq;
        let rest: Feed = server
            .get(&format!("/v1/parent/feed?after={last}"))
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        assert!(rest.items.is_empty());
        server.stop().await;
    }
}

#[tokio::test]
async fn a_helpline_only_grooming_report_reaches_the_hotline_and_the_helpline_never_the_parents_feed()
 {
    for server in common::servers().await {
        let device = server.device("GB").await;
        let parent = server.parent().await;
        server.pair(&device, &parent).await;
        let mut kept = report(ReportKind::Grooming);
        kept.helpline_only = true;
        let shared = report(ReportKind::Bullying);
        let receipts = server
            .upload(&device, &fresh_key(), &[kept.clone(), shared.clone()])
            .await
            .expect(200)
            .json::<ReportReceipts>()
            .receipts;
        let places: Vec<(DestinationKind, &str)> = receipts[0]
            .destinations
            .iter()
            .map(|d| (d.kind, d.name.as_str()))
            .collect();
        assert_eq!(
            places,
            [
                (DestinationKind::Hotline, "IWF"),
                (DestinationKind::Helpline, "Childline")
            ],
            "[{}]",
            server.name
        );
        assert_eq!(receipts[0].state, DeliveryState::Routed);

        // The parent's feed shows the shared report only, and reading it forwards nothing of
        // the kept one.
        let feed: Feed = server
            .get("/v1/parent/feed")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        let fed: Vec<&str> = feed.items.iter().map(|i| i.report.id.as_str()).collect();
        assert_eq!(fed, [shared.id.as_str()], "[{}]", server.name);
        assert_eq!(
            status(&server, &device, &kept.id).await.state,
            DeliveryState::Routed
        );

        // The hotline takes it, then the helpline: delivered everywhere it was meant to go.
        server
            .post(&format!("/v1/operator/hotline-queue/{}/forwarded", kept.id))
            .operator()
            .send()
            .await
            .expect(204);
        assert_eq!(
            status(&server, &device, &kept.id).await.state,
            DeliveryState::Routed,
            "[{}] the helpline has not taken it yet",
            server.name
        );
        server
            .post(&format!(
                "/v1/operator/helpline-queue/{}/forwarded",
                kept.id
            ))
            .operator()
            .send()
            .await
            .expect(204);
        let done = status(&server, &device, &kept.id).await;
        assert_eq!(done.state, DeliveryState::Forwarded);
        assert!(
            done.destinations
                .iter()
                .all(|d| d.kind != DestinationKind::Parent)
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn a_helpline_only_bullying_report_reaches_the_country_helpline_and_never_a_parent() {
    for server in common::servers().await {
        let device = server.device("DE").await;
        let parent = server.parent().await;
        server.pair(&device, &parent).await;
        let mut kept = report(ReportKind::Bullying);
        kept.helpline_only = true;
        kept.reported_user = Some(ReportedUser {
            handle: Some("@classmate".to_owned()),
            platform: Some("a chat app".to_owned()),
        });
        kept.urls = vec!["https://example.com/post".to_owned()];
        kept.screenshot_text = Some("nobody likes you".to_owned());
        let receipt = first_receipt(&server.upload(&device, &fresh_key(), &[kept.clone()]).await);
        let places: Vec<(DestinationKind, &str)> = receipt
            .destinations
            .iter()
            .map(|d| (d.kind, d.name.as_str()))
            .collect();
        assert_eq!(
            places,
            [(DestinationKind::Helpline, "Nummer gegen Kummer")],
            "[{}]",
            server.name
        );
        assert_eq!(receipt.state, DeliveryState::Routed);

        let feed: Feed = server
            .get("/v1/parent/feed")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        assert!(feed.items.is_empty(), "[{}] no parent sees it", server.name);
        assert!(
            server
                .get("/v1/operator/hotline-queue")
                .operator()
                .send()
                .await
                .expect(200)
                .json::<HotlineQueue>()
                .reports
                .is_empty(),
            "[{}] bullying never goes to a hotline",
            server.name
        );

        // The export carries what a helpline needs and nothing else: no URL, no location.
        let queue = server
            .get("/v1/operator/helpline-queue")
            .operator()
            .send()
            .await
            .expect(200);
        let raw: Value = queue.json();
        let reports = raw["reports"].as_array().unwrap();
        assert_eq!(reports.len(), 1, "[{}]", server.name);
        let keys: BTreeSet<&str> = reports[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let allowed: BTreeSet<&str> = [
            "report_id",
            "helpline",
            "kind",
            "incident_time",
            "received_time",
            "reporter_country",
            "reported_user",
            "notes",
            "forwarded",
        ]
        .into_iter()
        .collect();
        assert_eq!(keys, allowed);
        let exported = &queue.json::<HelplineQueue>().reports[0];
        assert_eq!(exported.report_id, kept.id);
        assert_eq!(exported.helpline, "Nummer gegen Kummer");
        assert_eq!(exported.kind, ReportKind::Bullying);
        assert_eq!(exported.reporter_country, "DE");
        assert_eq!(exported.incident_time, "2026-05-28T20:26:40Z");
        assert_eq!(exported.reported_user, kept.reported_user);
        assert_eq!(
            exported.notes.as_deref(),
            Some("what happened\n\nText from a screenshot: nobody likes you")
        );
        assert!(!exported.forwarded);

        // Only the operator's acknowledgement delivers it.
        server
            .post(&format!(
                "/v1/operator/helpline-queue/{}/forwarded",
                kept.id
            ))
            .operator()
            .send()
            .await
            .expect(204);
        let done = status(&server, &device, &kept.id).await;
        assert_eq!(done.state, DeliveryState::Forwarded, "[{}]", server.name);
        assert!(done.destinations.iter().all(|d| d.forwarded));
        let queue: HelplineQueue = server
            .get("/v1/operator/helpline-queue")
            .operator()
            .send()
            .await
            .expect(200)
            .json();
        assert!(queue.reports[0].forwarded);

        // A report the helpline queue does not hold cannot be marked.
        let shared = report(ReportKind::Grooming);
        server
            .upload(&device, &fresh_key(), std::slice::from_ref(&shared))
            .await
            .expect(200);
        let reply = server
            .post(&format!(
                "/v1/operator/helpline-queue/{}/forwarded",
                shared.id
            ))
            .operator()
            .send()
            .await;
        assert_eq!(reply.status, 404, "[{}]", server.name);
        assert_eq!(reply.json::<Value>()["error"], "report_unknown");
        server.stop().await;
    }
}

#[tokio::test]
async fn an_sos_or_illegal_content_report_cannot_be_kept_from_the_parents() {
    for server in common::servers().await {
        let device = server.device("GB").await;
        for kind in [ReportKind::Sos, ReportKind::IllegalContent] {
            let mut kept = report(kind);
            kept.helpline_only = true;
            let reply = server.upload(&device, &fresh_key(), &[kept]).await;
            assert_eq!(reply.status, 400, "[{}] {kind:?}", server.name);
            let body: Value = reply.json();
            assert_eq!(
                body["error"], "invalid_report",
                "[{}] {kind:?}",
                server.name
            );
        }
        assert!(
            server
                .storage
                .report_statuses(&device.id)
                .await
                .unwrap()
                .is_empty(),
            "[{}] a refused report stores nothing",
            server.name
        );
        server.stop().await;
    }
}

fn first_receipt(reply: &common::Reply) -> ReportStatus {
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json::<ReportReceipts>().receipts.remove(0)
}

async fn status(server: &TestServer, device: &common::Identity, id: &str) -> ReportStatus {
    server
        .get(&format!("/v1/device/reports/{id}"))
        .signed(device)
        .send()
        .await
        .expect(200)
        .json()
}
