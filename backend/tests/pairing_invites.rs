//! Pairing that no relay can hijack, as the attacks on it play out against a real server: a
//! second claimant without the secret is refused and counted against the invite; five wrong
//! claims from anyone close it, even to the right signature; a parent is sent nothing until the
//! phone confirms it with a statement only the phone can sign; and a parent the phone or its
//! owner removed sees nothing more, neither reports nor messages, while its pages still reach
//! everything its other children send.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;
mod support;

use childsafe_backend::limits::MAX_WRONG_PAIRING_CLAIMS;
use childsafe_protocol::pairing::{PairingSecret, confirmation_code, verify_claim};
use childsafe_protocol::report::ReportKind;
use childsafe_protocol::wire::{
    ClaimedDevice, DestinationKind, Feed, Mailbox, MessageKind, OutgoingMessage, PairedPeers,
    PendingClaims, ReportReceipts,
};
use common::{Identity, TestServer, confirmed, confirmed_member, fresh_key, removed, report};

#[tokio::test]
async fn a_second_claimant_without_the_secret_is_refused_and_counted() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        let stranger = server.parent().await;
        let secret = server.invite(&child).await;

        let guessed = PairingSecret::generate().unwrap().pairing_key().unwrap();
        server
            .claim_invite(&stranger, &child.id, &guessed)
            .await
            .refused(403, "bad_claim");
        assert_eq!(wrong_claims(&server, &child).await, 1, "[{}]", server.name);

        let claimed: ClaimedDevice = server
            .claim_invite(&parent, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202)
            .json();
        assert_eq!(claimed.device_public_key, child.key.public_key());

        // The phone sees only the parent's claim, and checks it with the key it derives itself.
        let claims = pending_claims(&server, &child).await;
        assert_eq!(claims.len(), 1, "[{}]", server.name);
        let claim = &claims[0];
        assert_eq!(claim.parent_id, parent.id);
        let pairing_public_key = secret.pairing_key().unwrap().public_key();
        assert!(verify_claim(
            &pairing_public_key,
            &child.id,
            &claim.parent_public_key,
            &claim.claim_signature
        ));
        // Both screens show the same code; a key the relay put in would show another.
        let on_the_phone =
            confirmation_code(&secret, &child.key.public_key(), &claim.parent_public_key);
        let on_the_parents_app = confirmation_code(
            &secret,
            &claimed.device_public_key,
            &parent.key.public_key(),
        );
        assert_eq!(on_the_phone, on_the_parents_app);
        assert_ne!(
            on_the_phone,
            confirmation_code(&secret, &child.key.public_key(), &stranger.key.public_key())
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn the_claim_after_five_wrong_ones_is_refused_even_when_signed_right() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        let secret = server.invite(&child).await;

        // Five wrong claims from five different parents: the count is the invite's, not theirs.
        for _ in 0..MAX_WRONG_PAIRING_CLAIMS {
            let guesser = server.parent().await;
            let guessed = PairingSecret::generate().unwrap().pairing_key().unwrap();
            server
                .claim_invite(&guesser, &child.id, &guessed)
                .await
                .refused(403, "bad_claim");
        }
        server
            .claim_invite(&parent, &child.id, &secret.pairing_key().unwrap())
            .await
            .refused(404, "pairing_invite_unknown");
        assert!(pending_claims(&server, &child).await.is_empty());

        // The phone starts again with a new secret.
        let fresh = server.invite(&child).await;
        server
            .claim_invite(&parent, &child.id, &fresh.pairing_key().unwrap())
            .await
            .expect(202);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_parent_is_sent_no_reports_before_the_device_confirms_it() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&parent, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);

        let before = report(ReportKind::Sos);
        let receipts: ReportReceipts = server
            .upload(&child, &fresh_key(), std::slice::from_ref(&before))
            .await
            .expect(200)
            .json();
        assert!(
            receipts.receipts[0]
                .destinations
                .iter()
                .all(|destination| destination.kind != DestinationKind::Parent),
            "[{}] a pending parent is no destination",
            server.name
        );
        assert!(feed(&server, &parent).await.is_empty());
        assert!(devices(&server, &parent).await.is_empty());
        server
            .post("/v1/device/messages")
            .signed(&child)
            .json(&message(MessageKind::AccessRequest))
            .send()
            .await
            .refused(409, "not_paired");

        server
            .post_statement(&child, &child.key, &confirmed(&child, &parent, 1))
            .await
            .expect(200);
        let after = report(ReportKind::Sos);
        server
            .upload(&child, &fresh_key(), std::slice::from_ref(&after))
            .await
            .expect(200);
        let seen: Vec<String> = feed(&server, &parent)
            .await
            .into_iter()
            .map(|item| item.report.id)
            .collect();
        assert_eq!(seen, vec![after.id], "[{}]", server.name);
        assert_eq!(devices(&server, &parent).await, vec![child.id.clone()]);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_confirmation_signed_by_another_device_is_refused() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let other_device = server.device("GB").await;
        let parent = server.parent().await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&parent, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);

        // Sealed by the other device, posted as the child: the child's key did not sign it.
        server
            .post_statement(&child, &other_device.key, &confirmed(&child, &parent, 1))
            .await
            .refused(403, "bad_statement");
        // The other device signs for the child, under its own name: it may speak only for itself.
        server
            .post_statement(
                &other_device,
                &other_device.key,
                &confirmed(&child, &parent, 1),
            )
            .await
            .refused(403, "bad_statement");
        assert!(
            devices(&server, &parent).await.is_empty(),
            "[{}]",
            server.name
        );
        assert_eq!(pending_claims(&server, &child).await.len(), 1);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_removed_parent_sees_nothing() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let parent = server.parent().await;
        server.pair_by_invite(&child, &parent, 1).await;
        server
            .upload(&child, &fresh_key(), &[report(ReportKind::Bullying)])
            .await
            .expect(200);
        server
            .post("/v1/device/messages")
            .signed(&child)
            .json(&message(MessageKind::AccessRequest))
            .send()
            .await
            .expect(201);
        // The phone's receipt for the command that ends the pairing goes out just before the
        // statement that ends it.
        server
            .post("/v1/device/messages")
            .signed(&child)
            .json(&message(MessageKind::Receipt))
            .send()
            .await
            .expect(201);
        assert_eq!(feed(&server, &parent).await.len(), 1, "[{}]", server.name);
        assert_eq!(mailbox(&server, &parent).await, 2);

        server
            .post_statement(&child, &child.key, &removed(&child, &parent, 2))
            .await
            .expect(200);
        assert!(feed(&server, &parent).await.is_empty(), "[{}]", server.name);
        // Only the receipt stays: it answers a command this parent sent, and nothing else of
        // the child's is readable.
        assert_eq!(mailbox(&server, &parent).await, 1, "[{}]", server.name);
        assert!(devices(&server, &parent).await.is_empty());
        server
            .post(&format!("/v1/parent/devices/{}/messages", child.id))
            .signed(&parent)
            .json(&message(MessageKind::Command))
            .send()
            .await
            .refused(404, "device_unknown");
        let later: ReportReceipts = server
            .upload(&child, &fresh_key(), &[report(ReportKind::Sos)])
            .await
            .expect(200)
            .json();
        assert!(later.receipts[0].destinations.is_empty());
        assert!(feed(&server, &parent).await.is_empty());

        // The old confirmation cannot be played again to bring the parent back.
        server
            .post_statement(&child, &child.key, &confirmed(&child, &parent, 1))
            .await
            .refused(409, "stale_statement");
        assert!(devices(&server, &parent).await.is_empty());
        server.stop().await;
    }
}

#[tokio::test]
async fn the_owner_removes_a_second_parent_at_once_and_nobody_else_can() {
    for server in common::servers().await {
        let child = server.device("GB").await;
        let owner = server.parent().await;
        let second = server.parent().await;
        server.pair_by_invite(&child, &owner, 1).await;
        let secret = server.invite(&child).await;
        server
            .claim_invite(&second, &child.id, &secret.pairing_key().unwrap())
            .await
            .expect(202);
        server
            .post_statement(&child, &child.key, &confirmed_member(&child, &second, 2))
            .await
            .expect(200);
        assert_eq!(devices(&server, &second).await, vec![child.id.clone()]);

        server
            .remove_as_owner(&second, &child, &owner)
            .await
            .refused(404, "device_unknown");
        assert_eq!(devices(&server, &owner).await, vec![child.id.clone()]);

        server
            .upload(&child, &fresh_key(), &[report(ReportKind::Sos)])
            .await
            .expect(200);
        server
            .remove_as_owner(&owner, &child, &second)
            .await
            .expect(204);
        assert!(
            devices(&server, &second).await.is_empty(),
            "[{}]",
            server.name
        );
        assert!(feed(&server, &second).await.is_empty());
        assert_eq!(feed(&server, &owner).await.len(), 1);
        server.stop().await;
    }
}

#[tokio::test]
async fn a_page_skips_what_a_removed_device_sent_and_misses_nothing_else() {
    for server in common::servers().await {
        let left = server.device("GB").await;
        let stays = server.device("GB").await;
        let parent = server.parent().await;
        server.pair_by_invite(&left, &parent, 1).await;
        server.pair_by_invite(&stays, &parent, 1).await;
        for _ in 0..3 {
            server
                .upload(&left, &fresh_key(), &[report(ReportKind::Bullying)])
                .await
                .expect(200);
        }
        let kept = report(ReportKind::Sos);
        server
            .upload(&stays, &fresh_key(), std::slice::from_ref(&kept))
            .await
            .expect(200);
        server
            .post_statement(&left, &left.key, &removed(&left, &parent, 2))
            .await
            .expect(200);

        // One item a page: the three hidden ones do not end the feed early.
        let page: Feed = server
            .get("/v1/parent/feed?limit=1")
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        let ids: Vec<&str> = page
            .items
            .iter()
            .map(|item| item.report.id.as_str())
            .collect();
        assert_eq!(ids, vec![kept.id.as_str()], "[{}]", server.name);
        let after = page.items[0].seq;
        let rest: Feed = server
            .get(&format!("/v1/parent/feed?after={after}&limit=1"))
            .signed(&parent)
            .send()
            .await
            .expect(200)
            .json();
        assert!(rest.items.is_empty());
        server.stop().await;
    }
}

async fn mailbox(server: &TestServer, parent: &Identity) -> usize {
    server
        .get("/v1/parent/messages")
        .signed(parent)
        .send()
        .await
        .expect(200)
        .json::<Mailbox>()
        .messages
        .len()
}

async fn wrong_claims(server: &TestServer, device: &Identity) -> u32 {
    server
        .storage
        .pairing_invite(&device.id)
        .await
        .unwrap()
        .unwrap()
        .wrong_claims
}

async fn pending_claims(
    server: &TestServer,
    device: &Identity,
) -> Vec<childsafe_protocol::wire::PendingClaim> {
    server
        .get("/v1/device/pairing-claims")
        .signed(device)
        .send()
        .await
        .expect(200)
        .json::<PendingClaims>()
        .claims
}

async fn feed(server: &TestServer, parent: &Identity) -> Vec<childsafe_protocol::wire::FeedItem> {
    server
        .get("/v1/parent/feed")
        .signed(parent)
        .send()
        .await
        .expect(200)
        .json::<Feed>()
        .items
}

async fn devices(server: &TestServer, parent: &Identity) -> Vec<String> {
    server
        .get("/v1/parent/devices")
        .signed(parent)
        .send()
        .await
        .expect(200)
        .json::<PairedPeers>()
        .peers
        .into_iter()
        .map(|peer| peer.id)
        .collect()
}

fn message(kind: MessageKind) -> OutgoingMessage {
    OutgoingMessage {
        kind,
        blob: "c2lnbmVk".to_owned(),
    }
}
