//! Any bytes as a list bundle: opening must never panic, whatever the damage. The input is also
//! re-signed with a trusted key, so the fuzzer reaches the structure checks behind the signature,
//! and every list of a bundle that opens is looked up.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use childsafe_core::crypto::{SIGNATURE_LEN, SigningKey};
use childsafe_core::filter::ExpressionHash;
use childsafe_core::filter::bundle::{ListBundle, signed_message};
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_800_000_000;

fn key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate().expect("key generation").0)
}

fuzz_target!(|bytes: &[u8]| {
    let key = key();
    let trusted = [key.public_key()];
    let _ = ListBundle::open(bytes.to_vec(), &trusted, NOW);

    if bytes.len() > SIGNATURE_LEN {
        let body = &bytes[..bytes.len() - SIGNATURE_LEN];
        let mut signed = body.to_vec();
        signed.extend_from_slice(&key.sign(&signed_message(body)));
        if let Ok(bundle) = ListBundle::open(signed, &trusted, NOW) {
            for list in bundle.lists() {
                let _ = list.contains_domain("example.com");
                let _ = list.contains_hash(&ExpressionHash([0x5a; 32]));
                let _ = list.contains_address(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)));
                let _ = list.contains_address(IpAddr::V6(Ipv6Addr::LOCALHOST));
            }
        }
    }
});
