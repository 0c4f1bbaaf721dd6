//! `childsafe keys trust-document` and `childsafe keys rotate`, run as a root's and a carrier's
//! operators run them: what the real binary signs opens with the public keys phones are given,
//! and a document that does not hold together is refused with nothing written.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use childsafe_core::crypto::PublicKey;
use childsafe_core::protocol::keys::{KeyRole, KeyRotation, TrustDocument};
use common::{Scratch, arg, childsafe, text};

/// Generates a key called `name` in `scratch`: its file and its public key.
fn key(scratch: &Scratch, name: &str) -> (PathBuf, PublicKey) {
    let file = scratch.path(name);
    let output = childsafe(&["keys", "generate", "--out", arg(&file)]);
    assert!(output.status.success(), "{output:?}");
    (file, text(&output.stdout).trim().parse().unwrap())
}

#[test]
fn a_trust_document_delegates_and_revokes_as_asked_and_opens_with_the_root_key() {
    let scratch = Scratch::new();
    let (root_file, root) = key(&scratch, "root.key");
    let (_, lists) = key(&scratch, "lists.key");
    let (_, carrier) = key(&scratch, "carrier.key");
    let (_, gone) = key(&scratch, "gone.key");
    let out = scratch.path("keys.json");
    let lists_delegation = format!("lists:{lists}:2000000000");
    let carrier_delegation = format!("carrier:{carrier}:carrier-a:2000000001");
    let gone = gone.to_base64url();
    let output = childsafe(&[
        "keys",
        "trust-document",
        "--root-key",
        arg(&root_file),
        "--version",
        "3",
        "--delegate",
        &lists_delegation,
        "--delegate",
        &carrier_delegation,
        "--revoke",
        &gone,
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{output:?}");
    let document = TrustDocument::open(&std::fs::read(&out).unwrap(), &[root]).unwrap();
    assert_eq!(document.version, 3);
    assert_eq!(document.delegations.len(), 2);
    assert_eq!(document.delegations[0].role, KeyRole::Lists);
    assert_eq!(document.delegations[0].key, lists);
    assert_eq!(document.delegations[0].expires_at, 2_000_000_000);
    assert_eq!(document.delegations[1].role, KeyRole::Carrier);
    assert_eq!(
        document.delegations[1].carrier.as_deref(),
        Some("carrier-a")
    );
    assert_eq!(document.revoked.len(), 1);
    assert_eq!(document.revoked[0].to_base64url(), gone);
    assert!(document.expires_at > document.issued_at);

    // A carrier key that names no carrier is refused, and nothing is written.
    let refused_out = scratch.path("refused.json");
    let no_carrier = format!("carrier:{carrier}:2000000000");
    let output = childsafe(&[
        "keys",
        "trust-document",
        "--root-key",
        arg(&root_file),
        "--version",
        "4",
        "--delegate",
        &no_carrier,
        "--out",
        arg(&refused_out),
    ]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("a carrier key must name its carrier"),
        "{output:?}"
    );
    assert!(!refused_out.exists());
    // So is a delegation that is not of the documented form.
    let output = childsafe(&[
        "keys",
        "trust-document",
        "--root-key",
        arg(&root_file),
        "--version",
        "4",
        "--delegate",
        "owner:abc",
        "--out",
        arg(&refused_out),
    ]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("ROLE:PUBKEY[:CARRIER]:EXPIRES_UNIX"),
        "{output:?}"
    );
}

#[test]
fn a_rotation_is_signed_by_the_old_key_and_names_the_new_one() {
    let scratch = Scratch::new();
    let (old_file, old) = key(&scratch, "old.key");
    let (_, new) = key(&scratch, "new.key");
    let out = scratch.path("rotation.json");
    let new_text = new.to_base64url();
    let output = childsafe(&[
        "keys",
        "rotate",
        "--carrier",
        "carrier-a",
        "--old-key",
        arg(&old_file),
        "--new-public-key",
        &new_text,
        "--expires-in-days",
        "30",
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{output:?}");
    let rotation = KeyRotation::open(&std::fs::read(&out).unwrap(), &[old]).unwrap();
    assert_eq!(rotation.carrier, "carrier-a");
    assert_eq!(rotation.old_key, old);
    assert_eq!(rotation.new_key, new);
    assert_eq!(rotation.expires_at - rotation.issued_at, 30 * 24 * 3600);
}
