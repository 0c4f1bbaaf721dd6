//! The `childsafe keys` and `childsafe lists` commands, run as an operator runs them: the real
//! binary makes a key, compiles text lists into a bundle, and the bundle opens in the SDK with the
//! public key the binary printed.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

use childsafe_core::filter::CanonicalUrl;
use childsafe_core::filter::bundle::{BundleError, ListBundle, ListKind};
use common::{Scratch, arg, childsafe, generate_key, text};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn keys_generate_writes_a_private_key_file_and_prints_the_public_key() {
    let scratch = Scratch::new();
    let (key_file, public) = generate_key(&scratch);
    assert_eq!(public.to_base64url().len(), 43);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The public key can be printed again from the file.
    let output = childsafe(&["keys", "public", "--key", arg(&key_file)]);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(text(&output.stdout).trim(), public.to_string());

    // A second generate to the same file is refused and leaves the key alone.
    let before = fs::read(&key_file).unwrap();
    let output = childsafe(&["keys", "generate", "--out", arg(&key_file)]);
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("already exists"),
        "{output:?}"
    );
    assert_eq!(fs::read(&key_file).unwrap(), before);
}

#[test]
fn lists_compile_builds_a_bundle_the_sdk_opens_with_the_printed_key() {
    let scratch = Scratch::new();
    let (key_file, public) = generate_key(&scratch);
    let adult = scratch.file(
        "adult.hosts",
        "# a hosts file\n127.0.0.1 localhost\n0.0.0.0 porn.example\n0.0.0.0 WWW.Adult.Example.\nnot a domain line !!\n",
    );
    let csam = scratch.file(
        "csam.txt",
        "# hotline list\nhttp://bad.example/dir/\nbad.example/page.html\n",
    );
    let school = scratch.file("school.txt", "school.example\nwiki.example\n");
    let bundle_file = scratch.path("lists.bundle");

    let output = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&bundle_file),
        "--key",
        arg(&key_file),
        "--version",
        "7",
        "--expires",
        "2099-01-01T00:00:00Z",
        "--category",
        &format!("adult={}", arg(&adult)),
        "--hashed-urls",
        &format!("csam={}", arg(&csam)),
        "--allow",
        &format!("school={}", arg(&school)),
    ]);
    assert!(output.status.success(), "{output:?}");
    let summary = text(&output.stderr);
    for expected in [
        "adult (category): 2 entries",
        "csam (hashed URLs): 2 entries",
        "school (allowlist): 2 entries",
        "bytes/entry",
        "version 7",
        "2099-01-01T00:00:00Z",
    ] {
        assert!(
            summary.contains(expected),
            "{expected:?} missing from {summary}"
        );
    }
    assert!(summary.contains("1 invalid"), "{summary}");

    let bundle = ListBundle::open(fs::read(&bundle_file).unwrap(), &[public], now()).unwrap();
    assert_eq!(bundle.version(), 7);
    assert_eq!(bundle.expires_at(), 4_070_908_800);
    let adult = bundle.list("adult").unwrap();
    assert_eq!(adult.kind(), ListKind::Category);
    assert!(adult.contains_domain("porn.example"));
    assert!(adult.contains_domain("www.adult.example"));
    assert!(!adult.contains_domain("localhost"));
    let csam = bundle.list("csam").unwrap();
    let url = CanonicalUrl::parse(b"http://bad.example/dir/image.jpg").unwrap();
    assert!(
        url.lookup_expressions()
            .any(|e| csam.contains_hash(&e.full_hash()))
    );
    assert!(
        bundle
            .list("school")
            .unwrap()
            .contains_domain("wiki.example")
    );
}

#[test]
fn lists_compile_counts_ip_addresses_and_cidr_ranges_and_url_check_matches_every_spelling() {
    let scratch = Scratch::new();
    let (key_file, public) = generate_key(&scratch);
    let vpn = scratch.file(
        "vpn.txt",
        "# VPN and DoH endpoints\n203.0.113.7\n198.51.100.0/24\n2001:db8::/32\n\
         [2001:db8:ffff::1]\n192.0.2.9/32\n0.0.0.0 vpn.example\n198.51.100.0/33\n\
         ||203.0.113.8^\n",
    );
    let kids = scratch.file("kids.txt", "192.0.2.10\n");
    let bundle_file = scratch.path("lists.bundle");
    let output = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&bundle_file),
        "--key",
        arg(&key_file),
        "--version",
        "2",
        "--category",
        &format!("vpn={}", arg(&vpn)),
        "--allow",
        &format!("kids={}", arg(&kids)),
    ]);
    assert!(output.status.success(), "{output:?}");
    let summary = text(&output.stderr);
    // Six address entries are read: the hosts line's sink address is none, and /33 is invalid.
    // Stored, the address inside 2001:db8::/32 adds nothing and 203.0.113.7 and .8 are one range.
    for expected in [
        "vpn (category): 5 entries (1 domain, 4 address ranges)",
        "9 lines read (1 domain, 4 IP addresses, 2 CIDR ranges), 1 comments and 1 invalid lines",
        "kids (allowlist): 1 entries (0 domains, 1 address range)",
        "1 lines read (0 domains, 1 IP address, 0 CIDR ranges)",
    ] {
        assert!(
            summary.contains(expected),
            "{expected:?} missing from {summary}"
        );
    }

    let bundle = ListBundle::open(fs::read(&bundle_file).unwrap(), &[public], now()).unwrap();
    let list = bundle.list("vpn").unwrap();
    for inside in [
        "203.0.113.7",
        "203.0.113.8",
        "198.51.100.200",
        "2001:db8::9",
    ] {
        assert!(list.contains_address(inside.parse().unwrap()), "{inside}");
    }
    assert!(!list.contains_address("0.0.0.0".parse().unwrap()));

    let output = childsafe(&[
        "url",
        "check",
        "--bundle",
        arg(&bundle_file),
        "--trust",
        &public.to_string(),
        "--block",
        "vpn",
        "http://3405803783/",
        "http://[::ffff:cb00:7107]/",
        "http://0xc6.0x33.0x64.1/",
        "http://[2001:DB8:0:0:0:0:0:1]/",
        "http://203.0.113.9/",
    ]);
    assert!(output.status.success(), "{output:?}");
    let verdicts: Vec<(String, String)> = text(&output.stdout)
        .lines()
        .map(|line| {
            let decision: serde_json::Value = serde_json::from_str(line).unwrap();
            (
                decision["verdict"].as_str().unwrap().to_owned(),
                decision["category"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let block = ("block".to_owned(), "vpn".to_owned());
    let allow = ("allow".to_owned(), String::new());
    assert_eq!(
        verdicts,
        [block.clone(), block.clone(), block.clone(), block, allow]
    );
}

#[test]
fn lists_compile_defaults_to_thirty_days_of_validity() {
    let scratch = Scratch::new();
    let (key_file, public) = generate_key(&scratch);
    let list = scratch.file("list.txt", "gambling.example\n");
    let bundle_file = scratch.path("lists.bundle");
    let before = now();
    let output = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&bundle_file),
        "--key",
        arg(&key_file),
        "--version",
        "1",
        "--category",
        &format!("gambling={}", arg(&list)),
    ]);
    assert!(output.status.success(), "{output:?}");
    let bundle = ListBundle::open(fs::read(&bundle_file).unwrap(), &[public], before).unwrap();
    let thirty_days = 30 * 24 * 60 * 60;
    assert!((before + thirty_days..=now() + thirty_days).contains(&bundle.expires_at()));
    // Another key's public key does not open it.
    let other = Scratch::new();
    let (_, other_public) = generate_key(&other);
    assert_eq!(
        ListBundle::open(fs::read(&bundle_file).unwrap(), &[other_public], before).unwrap_err(),
        BundleError::BadSignature
    );
}

#[test]
fn lists_compile_explains_what_is_wrong_and_fails() {
    let scratch = Scratch::new();
    let (key_file, _) = generate_key(&scratch);
    let list = scratch.file("list.txt", "gambling.example\n");
    let not_a_key = scratch.file("not.key", "-----BEGIN NOTHING-----\n");
    let missing_key = scratch.path("missing.key");
    let out = scratch.path("lists.bundle");
    let category = format!("gambling={}", arg(&list));
    let compile = |extra: &[&str]| {
        let mut args = vec!["lists", "compile", "--out", arg(&out), "--version", "1"];
        args.extend_from_slice(extra);
        childsafe(&args)
    };
    let cases: [(Vec<&str>, &str); 6] = [
        (
            vec!["--key", arg(&not_a_key), "--category", &category],
            "not a childsafe signing key",
        ),
        (
            vec!["--key", arg(&missing_key), "--category", &category],
            "cannot read the key file",
        ),
        (
            vec!["--key", arg(&key_file), "--category", "gambling"],
            "NAME=FILE",
        ),
        (
            vec![
                "--key",
                arg(&key_file),
                "--category",
                "gambling=/nonexistent/list.txt",
            ],
            "cannot open",
        ),
        (
            vec![
                "--key",
                arg(&key_file),
                "--category",
                &category,
                "--expires",
                "2020-01-01T00:00:00Z",
            ],
            "not in the future",
        ),
        (
            vec![
                "--key",
                arg(&key_file),
                "--category",
                &category,
                "--expires",
                "tomorrow",
            ],
            "RFC 3339",
        ),
    ];
    for (extra, expected) in cases {
        let output = compile(&extra);
        assert!(!output.status.success(), "{extra:?} succeeded");
        assert!(
            text(&output.stderr).contains(expected),
            "{extra:?}: {}",
            text(&output.stderr)
        );
    }
    assert!(!out.exists(), "a failed compile wrote a bundle");
}

#[test]
fn url_check_prints_one_json_decision_per_url_from_a_compiled_bundle() {
    let scratch = Scratch::new();
    let (key_file, public) = generate_key(&scratch);
    let adult = scratch.file("adult.txt", "||adult.example^\n");
    let csam = scratch.file("csam.txt", "http://bad.example/dir/page.html\n");
    let bundle_file = scratch.path("lists.bundle");
    let compiled = childsafe(&[
        "lists",
        "compile",
        "--out",
        arg(&bundle_file),
        "--key",
        arg(&key_file),
        "--version",
        "3",
        "--category",
        &format!("adult={}", arg(&adult)),
        "--hashed-urls",
        &format!("csam={}", arg(&csam)),
    ]);
    assert!(compiled.status.success(), "{compiled:?}");

    let public = public.to_string();
    let output = childsafe(&[
        "url",
        "check",
        "--bundle",
        arg(&bundle_file),
        "--trust",
        &public,
        "--block",
        "adult",
        "--allow-host",
        "bad.example",
        "http://WWW.ADULT.example./",
        "http://bad.example/dir/page.html",
        "https://www.google.de/search?q=cats&safe=off",
        "https://fine.example/",
    ]);
    assert!(output.status.success(), "{output:?}");
    let decisions: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(decisions.len(), 4);
    assert_eq!(decisions[0]["verdict"], "block");
    assert_eq!(decisions[0]["category"], "adult");
    assert_eq!(decisions[0]["reason"], "blocked-category");
    // The parent's allow rule does not open a hashed illegal-material entry.
    assert_eq!(decisions[1]["verdict"], "block");
    assert_eq!(decisions[1]["reason"], "illegal-material");
    assert_eq!(decisions[2]["verdict"], "rewrite");
    assert!(
        decisions[2]["rewrite_url"]
            .as_str()
            .unwrap()
            .contains("safe=active")
    );
    assert_eq!(decisions[3]["verdict"], "allow");
    assert_eq!(decisions[3]["category"], serde_json::Value::Null);
    assert_eq!(decisions[3]["bundle_version"], 3);

    // A bundle checked with a key that did not sign it is refused with a clear error.
    let (_, stranger) = generate_key(&Scratch::new());
    let refused = childsafe(&[
        "url",
        "check",
        "--bundle",
        arg(&bundle_file),
        "--trust",
        &stranger.to_string(),
        "http://x.example/",
    ]);
    assert!(!refused.status.success());
    assert!(refused.stdout.is_empty());
    assert!(
        text(&refused.stderr).contains("cannot be used"),
        "{refused:?}"
    );
}
