//! Keys delegated from a root key, over a real sealed sled store: a delegated key signs for its
//! role until its delegation expires on trusted time (moving the wall clock back revives
//! nothing); a revoked key signs nothing ever again, whatever a later document says; a carrier's
//! rotation hands its carrier to a new key and retires the old one; a key is trusted only for the
//! role it was delegated; and a trust document that is older, tampered, unsigned or expired
//! changes nothing. Through the facade, a phone configured with only a root key takes lists from
//! the key the root delegates.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod reports_support;

use std::sync::Arc;

use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::bundle::{BundleBuilder, BundleError, ListKind};
use childsafe_core::protocol::keys::{
    Delegation, KeyDocumentError, KeyRole, KeyRotation, TrustDocument,
};
use childsafe_core::sdk::{ChildSafeEvent, EventListener, LogLevel, Logger, SdkError};
use childsafe_core::store::FileKeyStore;
use childsafe_core::sync::lists_store::{ListsError, ListsStore};
use childsafe_core::time::{ClockForTests, ClockReading};
use childsafe_core::trust::{
    KeyRing, PinnedKeys, RotationInstalled, TrustError, TrustedKey, public_keys,
};
use childsafe_core::{ChildSafe, ChildSafeConfig};
use reports_support::{Device, T0, at};

const DAY: u64 = 24 * 3600;

fn key() -> SigningKey {
    SigningKey::generate().unwrap().0
}

/// A root's document of `version`, issued at `T0` and valid for a month.
fn document(version: u64, delegations: Vec<Delegation>, revoked: Vec<PublicKey>) -> TrustDocument {
    TrustDocument {
        version,
        issued_at: T0,
        expires_at: T0 + 30 * DAY,
        delegations,
        revoked,
    }
}

fn delegate(role: KeyRole, key: &SigningKey, carrier: Option<&str>, expires_at: u64) -> Delegation {
    Delegation {
        role,
        key: key.public_key(),
        carrier: carrier.map(str::to_owned),
        expires_at,
    }
}

fn rotation(carrier: &str, old: &SigningKey, new: &SigningKey, expires_at: u64) -> Vec<u8> {
    KeyRotation {
        carrier: carrier.to_owned(),
        old_key: old.public_key(),
        new_key: new.public_key(),
        issued_at: T0,
        expires_at,
    }
    .sign(old)
    .unwrap()
}

/// A signed list bundle of `version`, valid for a month from `T0`.
fn lists(key: &SigningKey, version: u64) -> Vec<u8> {
    let mut builder = BundleBuilder::new(version, T0 + 30 * DAY);
    builder
        .add_domains(
            "gambling",
            ListKind::Category,
            vec!["casino.example".to_owned()],
        )
        .unwrap();
    builder.sign(key).unwrap()
}

fn keys(ring: &KeyRing<'_>, role: KeyRole, clock: ClockReading) -> Vec<PublicKey> {
    public_keys(&ring.keys_at(role, clock).unwrap())
}

#[test]
fn a_delegated_key_signs_for_its_role_until_its_delegation_expires_on_trusted_time() {
    let device = Device::new("keys-delegation");
    let store = device.store();
    let (root, list_key) = (key(), key());
    let pinned = PinnedKeys {
        roots: vec![root.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    assert_eq!(keys(&ring, KeyRole::Lists, at(T0)), []);

    let signed = document(
        1,
        vec![delegate(KeyRole::Lists, &list_key, None, T0 + 100)],
        Vec::new(),
    )
    .sign(&root)
    .unwrap();
    assert_eq!(ring.install_trust_document(&signed, at(T0)).unwrap(), 1);
    assert_eq!(ring.document_version().unwrap(), Some(1));
    let trusted = ring.keys_at(KeyRole::Lists, at(T0 + 50)).unwrap();
    assert_eq!(trusted, [TrustedKey::pinned(list_key.public_key())]);
    let installed = ListsStore::new(&store, &public_keys(&trusted))
        .install(lists(&list_key, 1), at(T0 + 50))
        .unwrap();
    assert_eq!(installed.version, 1);

    // Past the delegation's expiry its key signs nothing new...
    assert_eq!(keys(&ring, KeyRole::Lists, at(T0 + 200)), []);
    // ...and a child who sets the wall clock back, or reboots with it set back, revives nothing.
    let wall_back = ClockReading {
        wall_unix: T0,
        ..at(T0 + 300)
    };
    assert_eq!(keys(&ring, KeyRole::Lists, wall_back), []);
    let rebooted = ClockReading {
        wall_unix: T0,
        monotonic_secs: 5,
        boot_id: 2,
    };
    assert_eq!(keys(&ring, KeyRole::Lists, rebooted), []);
    // A reopened store remembers the same.
    drop(store);
    let reopened = device.store();
    assert_eq!(
        keys(&KeyRing::new(&reopened, &pinned), KeyRole::Lists, rebooted),
        []
    );
    // What it signed while it held stays restorable.
    assert_eq!(
        public_keys(
            &KeyRing::new(&reopened, &pinned)
                .keys_to_restore(KeyRole::Lists)
                .unwrap()
        ),
        [list_key.public_key()]
    );
}

#[test]
fn a_revoked_key_signs_nothing_again_whatever_a_later_document_says() {
    let device = Device::new("keys-revocation");
    let store = device.store();
    let (root, list_key, pinned_list_key) = (key(), key(), key());
    let pinned = PinnedKeys {
        roots: vec![root.public_key()],
        lists: vec![pinned_list_key.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    let delegated = delegate(KeyRole::Lists, &list_key, None, T0 + 10 * DAY);
    let v1 = document(1, vec![delegated.clone()], Vec::new());
    ring.install_trust_document(&v1.sign(&root).unwrap(), at(T0))
        .unwrap();
    let trusted = keys(&ring, KeyRole::Lists, at(T0));
    assert_eq!(
        trusted,
        [pinned_list_key.public_key(), list_key.public_key()]
    );
    ListsStore::new(&store, &trusted)
        .install(lists(&list_key, 1), at(T0))
        .unwrap();

    // The root revokes both the delegated key and the pinned one.
    let v2 = document(
        2,
        Vec::new(),
        vec![list_key.public_key(), pinned_list_key.public_key()],
    );
    ring.install_trust_document(&v2.sign(&root).unwrap(), at(T0 + 10))
        .unwrap();
    let trusted = keys(&ring, KeyRole::Lists, at(T0 + 10));
    assert_eq!(trusted, []);
    let refused = ListsStore::new(&store, &trusted).install(lists(&list_key, 2), at(T0 + 10));
    assert!(
        matches!(
            refused,
            Err(ListsError::Refused(BundleError::NoTrustedKeys))
        ),
        "{:?}",
        refused.err()
    );

    // A later document that omits the revocation, and even delegates the key again, does not
    // bring it back.
    let v3 = document(3, vec![delegated], Vec::new());
    ring.install_trust_document(&v3.sign(&root).unwrap(), at(T0 + 20))
        .unwrap();
    assert_eq!(keys(&ring, KeyRole::Lists, at(T0 + 20)), []);
    assert_eq!(ring.keys_to_restore(KeyRole::Lists).unwrap(), []);
}

#[test]
fn a_rotation_hands_the_carrier_to_the_new_key_and_retires_the_old_one() {
    let device = Device::new("keys-rotation");
    let store = device.store();
    let (root, first, second, third) = (key(), key(), key(), key());
    let pinned = PinnedKeys {
        roots: vec![root.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    let delegation_ends = T0 + 10 * DAY;
    let signed = document(
        1,
        vec![delegate(
            KeyRole::Carrier,
            &first,
            Some("carrier-a"),
            delegation_ends,
        )],
        Vec::new(),
    )
    .sign(&root)
    .unwrap();
    ring.install_trust_document(&signed, at(T0)).unwrap();

    // A rotation not signed by a key trusted now is refused.
    let stranger = key();
    assert!(matches!(
        ring.install_rotation(&rotation("carrier-a", &stranger, &third, T0 + DAY), at(T0)),
        Err(TrustError::Document(KeyDocumentError::BadSignature))
    ));
    // Neither is one for another carrier.
    assert!(matches!(
        ring.install_rotation(&rotation("carrier-b", &first, &third, T0 + DAY), at(T0)),
        Err(TrustError::WrongCarrier)
    ));

    // The carrier's key rotates; the new key holds until the delegation it continues ends.
    let rotated = rotation("carrier-a", &first, &second, T0 + 365 * DAY);
    assert_eq!(
        ring.install_rotation(&rotated, at(T0 + 10)).unwrap(),
        RotationInstalled::New
    );
    assert_eq!(
        ring.keys_at(KeyRole::Carrier, at(T0 + 20)).unwrap(),
        [TrustedKey {
            key: second.public_key(),
            carrier: Some("carrier-a".to_owned()),
        }]
    );
    // The same rotation brought again changes nothing.
    assert_eq!(
        ring.install_rotation(&rotated, at(T0 + 30)).unwrap(),
        RotationInstalled::AlreadyInForce
    );
    // The old key's documents are refused from now on, its rotations included.
    assert!(matches!(
        ring.install_rotation(
            &rotation("carrier-a", &first, &third, T0 + DAY),
            at(T0 + 30)
        ),
        Err(TrustError::Document(KeyDocumentError::BadSignature))
    ));
    // A rotation back to a retired key is refused; one onward to a fresh key installs.
    let back = ring.install_rotation(
        &rotation("carrier-a", &second, &first, T0 + DAY),
        at(T0 + 30),
    );
    assert!(matches!(back, Err(TrustError::KeyNotNew)), "{back:?}");
    ring.install_rotation(
        &rotation("carrier-a", &second, &third, T0 + DAY),
        at(T0 + 40),
    )
    .unwrap();
    assert_eq!(
        keys(&ring, KeyRole::Carrier, at(T0 + 50)),
        [third.public_key()]
    );

    // Revoking the chain's first key ends the chain, rotated-to keys included.
    let revoking = document(2, Vec::new(), vec![first.public_key()])
        .sign(&root)
        .unwrap();
    ring.install_trust_document(&revoking, at(T0 + 60)).unwrap();
    assert_eq!(keys(&ring, KeyRole::Carrier, at(T0 + 60)), []);
}

#[test]
fn a_rotated_key_holds_no_longer_than_its_rotation_or_the_delegation_it_continues() {
    for (rotation_ends, delegation_ends) in [(T0 + DAY, T0 + 10 * DAY), (T0 + 10 * DAY, T0 + DAY)] {
        let device = Device::new("keys-rotation-expiry");
        let store = device.store();
        let (root, first, second) = (key(), key(), key());
        let pinned = PinnedKeys {
            roots: vec![root.public_key()],
            ..PinnedKeys::default()
        };
        let ring = KeyRing::new(&store, &pinned);
        let delegation = delegate(KeyRole::Carrier, &first, Some("a"), delegation_ends);
        ring.install_trust_document(
            &document(1, vec![delegation], Vec::new())
                .sign(&root)
                .unwrap(),
            at(T0),
        )
        .unwrap();
        ring.install_rotation(&rotation("a", &first, &second, rotation_ends), at(T0))
            .unwrap();
        let ends = rotation_ends.min(delegation_ends);
        assert_eq!(
            keys(&ring, KeyRole::Carrier, at(ends - 1)),
            [second.public_key()]
        );
        assert_eq!(keys(&ring, KeyRole::Carrier, at(ends)), []);
    }
}

#[test]
fn a_pinned_carrier_key_rotates_into_a_key_for_that_carrier_only() {
    let device = Device::new("keys-pinned-rotation");
    let store = device.store();
    let (pinned_carrier, next) = (key(), key());
    let pinned = PinnedKeys {
        carriers: vec![pinned_carrier.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    assert_eq!(
        ring.keys_at(KeyRole::Carrier, at(T0)).unwrap(),
        [TrustedKey::pinned(pinned_carrier.public_key())]
    );
    ring.install_rotation(
        &rotation("carrier-a", &pinned_carrier, &next, T0 + DAY),
        at(T0),
    )
    .unwrap();
    let trusted = ring.keys_at(KeyRole::Carrier, at(T0 + 1)).unwrap();
    assert_eq!(
        trusted,
        [TrustedKey {
            key: next.public_key(),
            carrier: Some("carrier-a".to_owned()),
        }]
    );
    assert!(trusted[0].may_sign_for("carrier-a"));
    assert!(!trusted[0].may_sign_for("carrier-b"));
}

#[test]
fn a_key_is_trusted_only_for_the_role_it_was_delegated() {
    let device = Device::new("keys-roles");
    let store = device.store();
    let (root, list_key, carrier_key, directory_key) = (key(), key(), key(), key());
    let pinned = PinnedKeys {
        roots: vec![root.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    let ends = T0 + DAY;
    let signed = document(
        1,
        vec![
            delegate(KeyRole::Lists, &list_key, None, ends),
            delegate(KeyRole::Carrier, &carrier_key, Some("a"), ends),
            delegate(KeyRole::Directory, &directory_key, None, ends),
        ],
        Vec::new(),
    )
    .sign(&root)
    .unwrap();
    ring.install_trust_document(&signed, at(T0)).unwrap();

    assert_eq!(
        ring.keys_at(KeyRole::Carrier, at(T0)).unwrap(),
        [TrustedKey {
            key: carrier_key.public_key(),
            carrier: Some("a".to_owned()),
        }]
    );
    assert_eq!(keys(&ring, KeyRole::Lists, at(T0)), [list_key.public_key()]);
    assert_eq!(
        keys(&ring, KeyRole::Directory, at(T0)),
        [directory_key.public_key()]
    );

    // A list bundle signed by the carrier's key is refused: wrong role.
    let trusted = keys(&ring, KeyRole::Lists, at(T0));
    let refused = ListsStore::new(&store, &trusted).install(lists(&carrier_key, 1), at(T0));
    assert!(matches!(
        refused,
        Err(ListsError::Refused(BundleError::BadSignature))
    ));
    assert_eq!(ListsStore::new(&store, &trusted).stored().unwrap(), None);
    // A list key cannot rotate itself into a carrier key.
    assert!(matches!(
        ring.install_rotation(&rotation("a", &list_key, &key(), ends), at(T0)),
        Err(TrustError::Document(KeyDocumentError::BadSignature))
    ));
}

#[test]
fn an_older_tampered_unsigned_or_expired_document_changes_nothing() {
    let device = Device::new("keys-refusals");
    let store = device.store();
    let (root, other_root, list_key, other_key) = (key(), key(), key(), key());
    let pinned = PinnedKeys {
        roots: vec![root.public_key()],
        ..PinnedKeys::default()
    };
    let ring = KeyRing::new(&store, &pinned);
    let in_force = |key: &SigningKey| vec![delegate(KeyRole::Lists, key, None, T0 + DAY)];
    ring.install_trust_document(
        &document(2, in_force(&list_key), Vec::new())
            .sign(&root)
            .unwrap(),
        at(T0),
    )
    .unwrap();
    let unchanged = |ring: &KeyRing<'_>| {
        assert_eq!(ring.document_version().unwrap(), Some(2));
        assert_eq!(
            keys(ring, KeyRole::Lists, at(T0 + 1)),
            [list_key.public_key()]
        );
    };

    let older = document(1, in_force(&other_key), Vec::new())
        .sign(&root)
        .unwrap();
    assert!(matches!(
        ring.install_trust_document(&older, at(T0)),
        Err(TrustError::NotNewer {
            current: 2,
            offered: 1
        })
    ));
    unchanged(&ring);

    let mut tampered = document(3, in_force(&other_key), Vec::new())
        .sign(&root)
        .unwrap();
    let last_payload_char = tampered
        .windows(3)
        .position(|window| window == b"\",\n")
        .unwrap()
        - 1;
    tampered[last_payload_char] ^= 0x01;
    assert!(ring.install_trust_document(&tampered, at(T0)).is_err());
    unchanged(&ring);

    let unsigned = document(3, in_force(&other_key), Vec::new())
        .sign(&other_root)
        .unwrap();
    assert!(matches!(
        ring.install_trust_document(&unsigned, at(T0)),
        Err(TrustError::Document(KeyDocumentError::BadSignature))
    ));
    unchanged(&ring);

    let expired = document(3, in_force(&other_key), Vec::new())
        .sign(&root)
        .unwrap();
    assert!(matches!(
        ring.install_trust_document(&expired, at(T0 + 31 * DAY)),
        Err(TrustError::Expired)
    ));
    unchanged(&ring);

    // With no root configured, no document can be checked.
    let rootless = PinnedKeys::default();
    assert!(matches!(
        KeyRing::new(&store, &rootless).install_trust_document(&expired, at(T0)),
        Err(TrustError::NoRootKey)
    ));
    unchanged(&ring);
}

/// The app around the SDK, in a test: nothing to show.
struct Quiet;

impl Logger for Quiet {
    fn log(&self, _level: LogLevel, _message: String) {}
}

impl EventListener for Quiet {
    fn on_event(&self, _event: ChildSafeEvent) {}
}

#[test]
fn the_facade_takes_lists_from_the_key_the_root_delegates_while_it_holds() {
    let (root, list_key) = (key(), key());
    let dir = std::env::temp_dir().join(format!("childsafe-keys-facade-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let clock = Arc::new(ClockForTests::new(T0));
    let config = ChildSafeConfig {
        data_dir: dir.join("sdk").display().to_string(),
        trusted_root_keys: vec![root.public_key()],
        country: "GB".to_owned(),
        locale: "en".to_owned(),
        ..ChildSafeConfig::default()
    };
    let keys = FileKeyStore::new(dir.join("data.key"));
    let open = || {
        ChildSafe::open_with_clock(
            config.clone(),
            &keys,
            Arc::new(Quiet),
            Arc::new(Quiet),
            clock.clone(),
        )
        .unwrap()
    };
    let sdk = open();
    assert!(matches!(
        sdk.install_list_bundle(lists(&list_key, 1)),
        Err(SdkError::Refused(_))
    ));
    let signed = document(
        1,
        vec![delegate(KeyRole::Lists, &list_key, None, T0 + DAY)],
        Vec::new(),
    )
    .sign(&root)
    .unwrap();
    assert_eq!(sdk.install_trust_document(signed.clone()).unwrap(), 1);
    assert!(matches!(
        sdk.install_trust_document(signed),
        Err(SdkError::Refused(_))
    ));
    assert_eq!(sdk.install_list_bundle(lists(&list_key, 1)).unwrap(), 1);

    // The delegation ends; the child puts the wall clock back: a newer bundle from the key is
    // still refused, while the one in force stays in force across a restart.
    clock.advance(2 * DAY);
    clock.set_wall(T0);
    assert!(matches!(
        sdk.install_list_bundle(lists(&list_key, 2)),
        Err(SdkError::Refused(_))
    ));
    drop(sdk);
    let sdk = open();
    let lists_in_force = sdk.status().unwrap().lists;
    assert_eq!(lists_in_force.version, Some(1));
    assert!(!lists_in_force.unavailable);
    drop(sdk);
    let _ = std::fs::remove_dir_all(&dir);
}
