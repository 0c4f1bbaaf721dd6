//! Properties that must hold for every input, checked on generated inputs: canonicalization is a
//! fixed point, arbitrary bytes never panic, and canonical URLs keep their promises.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::{CanonicalUrl, HostKind, MAX_HOST_SUFFIXES, MAX_PATH_PREFIXES};
use proptest::prelude::*;

/// URL-shaped bytes: a likely scheme, userinfo, a host made of the pieces bypasses use, a port,
/// a path with dot segments and escapes, a query and a fragment, with arbitrary bytes mixed in.
fn url_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"http://".to_vec()),
        Just(b"HTTPS:\\\\".to_vec()),
        Just(b"user:pw@".to_vec()),
        Just(b"www.".to_vec()),
        Just(b"Example".to_vec()),
        Just(b".com".to_vec()),
        Just(b"..".to_vec()),
        Just(b"0x7f".to_vec()),
        Just(b"017".to_vec()),
        Just(b"255".to_vec()),
        Just(b"[::ffff:1.2.3.4]".to_vec()),
        Just(b":8080".to_vec()),
        Just(b"/".to_vec()),
        Just(b"/./".to_vec()),
        Just(b"/../".to_vec()),
        Just(b"//".to_vec()),
        Just(b"%25".to_vec()),
        Just(b"%2".to_vec()),
        Just(b"%2e".to_vec()),
        Just(b"%23".to_vec()),
        Just(b"%3F".to_vec()),
        Just(b"%40".to_vec()),
        Just(b"?".to_vec()),
        Just(b"#".to_vec()),
        Just("bü".as_bytes().to_vec()),
        Just("。".as_bytes().to_vec()),
        Just(b"\t".to_vec()),
        Just(b" ".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..4),
    ];
    proptest::collection::vec(piece, 0..14).prop_map(|pieces| pieces.concat())
}

fn check_canonical_promises(raw: &[u8]) -> Result<(), TestCaseError> {
    let Ok(url) = CanonicalUrl::parse(raw) else {
        return Ok(());
    };
    let text = url.as_str();
    prop_assert!(
        text.bytes().all(|b| (0x21..0x7f).contains(&b)),
        "not printable ASCII: {text:?}"
    );
    prop_assert!(url.path().starts_with('/'));
    prop_assert_eq!(
        format!("{}://{}{}", url.scheme(), url.host(), url.path()),
        text.split('?').next().unwrap_or("")
    );

    let again = CanonicalUrl::parse(text.as_bytes());
    prop_assert_eq!(
        again.as_ref().map(CanonicalUrl::as_str),
        Ok(text),
        "not a fixed point"
    );

    let expressions: Vec<String> = url.lookup_expressions().map(|e| e.to_string()).collect();
    prop_assert!(!expressions.is_empty());
    prop_assert!(expressions.len() <= MAX_HOST_SUFFIXES * MAX_PATH_PREFIXES);
    let mut unique = expressions.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), expressions.len(), "repeated expression");
    let query = url
        .query()
        .map(|query| format!("?{query}"))
        .unwrap_or_default();
    let exact = format!("{}{}{}", url.host(), url.path(), query);
    prop_assert!(
        expressions.first() == Some(&exact),
        "first expression is not the exact URL"
    );
    if url.host_kind() != HostKind::Domain {
        prop_assert!(expressions.iter().all(|e| e.starts_with(url.host())));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        // Failures are reported with their minimal input; nothing is written into the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic_and_keep_the_promises(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
        check_canonical_promises(&raw)?;
    }

    #[test]
    fn url_shaped_input_keeps_the_promises(raw in url_like()) {
        check_canonical_promises(&raw)?;
    }
}
