//! `childsafe-demo`, the README's first command: it runs to the end on a fresh machine with no
//! setup, exits 0, and its story shows every step the README promises, with the evidence of
//! each (the verdict and reason of every URL checked, the reports arriving routed and
//! forwarded).

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::{Command, Output};

/// Runs the real `childsafe-demo` binary with `args`.
fn demo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_childsafe-demo"))
        .args(args)
        .output()
        .expect("the childsafe-demo binary runs")
}

/// Bytes printed by the binary, as text.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each step's title, in order, with a piece of evidence its lines must show.
const STEPS: [(&str, &str); 25] = [
    ("Backend started", "listening on http://127.0.0.1:"),
    (
        "Carrier admitted; the root key delegated its key",
        "the operator admitted carrier demo-mobile (Demo Mobile)",
    ),
    (
        "Carrier added the child's line",
        "band 9-12, games blocked on top of the band, parents may relax games and violence",
    ),
    (
        "Child's phone opened on its line, protected before any network",
        "safe mode on at band 0-5, provisional",
    ),
    (
        "Phone registered with its line",
        "no activation token: the backend found the carrier's line",
    ),
    (
        "Carrier signed the pending profile",
        "profile #1 of carrier demo-mobile for line",
    ),
    (
        "Phone synced: the root's keys, then its line's profile",
        "band 9-12, carrier demo-mobile, no longer provisional",
    ),
    (
        "Safety information shown to the child and the parent",
        "helpline Childline 0800 1111",
    ),
    ("Parent PIN set", "PBKDF2"),
    (
        "Parent paired",
        "enrolled the parent as owner (1 parent paired)",
    ),
    (
        "List bundle compiled, signed and published",
        "illegal (2 hashed URLs)",
    ),
    ("Phone synced and loaded the lists", "applied: lists v1"),
    (
        "Parent's app verified the phone's signed status",
        "verified against the device key checked at pairing",
    ),
    (
        "URLs checked",
        "https://casino.example/slots -> BLOCK (blocked-category: gambling) [lists v1]",
    ),
    (
        "Bypass attempts caught (one check_urls call)",
        "via the URL it carries",
    ),
    (
        "Child asked a parent to open a blocked page",
        "BLOCK (blocked-category: violence)",
    ),
    (
        "Parent approved it",
        "verified the request with the phone's key",
    ),
    (
        "Phone applied the approval",
        "ALLOW (approved-request) [lists v1]",
    ),
    (
        "Parent denied a site; the phone's signed receipt came back",
        "-> BLOCK (parent-denied) [lists v1]",
    ),
    ("Reports filed, and an SOS", "SOS screen: dial 999"),
    (
        "Phone synced the reports; the SOS reached the parent's live stream",
        "heard: report (kind sos",
    ),
    (
        "Reports arrived routed at the backend",
        "child-sexual-abuse-material for IWF (1 URL)",
    ),
    (
        "Hotline took its reports; every report forwarded",
        "the phone now shows 4 of 4 forwarded",
    ),
    (
        "Parent let the child play games, which the carrier lets parents relax",
        "(unblock gambling) refused by the phone",
    ),
    (
        "Carrier changed the line; the parent's choices held under its new profile",
        "https://block-world.example/play -> ALLOW (no-rule-applies) [lists v1]",
    ),
];

/// What the phone on a child's line shows before it has talked to anyone, and what the
/// carrier's profiles set: the first URL check already filtered, the trust document installed
/// at the first sync, and the carrier's new rule in force next to the parent's choices.
const LINE: [&str; 5] = [
    "nothing sent or received yet: https://en.wikipedia.org/wiki/Sea_otter -> BLOCK",
    "applied: keys v1; the carrier key is trusted through the root's delegation",
    "https://block-world.example/play -> ALLOW (no-rule-applies) [lists v1]",
    "https://friendface.example/feed -> BLOCK (blocked-category: social-media) [lists v1]",
    "https://chat-roulette.example/start -> BLOCK (parent-denied) [lists v1]\nEvery step held.",
];

/// The verdicts of the URL checks the README lists: allowed, blocked by category, blocked as
/// illegal, rewritten to SafeSearch, and each bypass caught.
const DECISIONS: [&str; 7] = [
    "https://en.wikipedia.org/wiki/Sea_otter -> ALLOW (no-rule-applies)",
    "https://abuse-material.example/gallery/page2 -> BLOCK (illegal-material: illegal)",
    "-> REWRITE (safe-search-enforced) to https://www.google.com/search?q=sea+otters&safe=active",
    "http://3232235777/ -> BLOCK (blocked-category: ip-literal)",
    "https://homework.example@casino.example/ -> BLOCK (blocked-category: gambling)",
    "translate.goog/slots?_x_tr_sl=auto&_x_tr_tl=en -> BLOCK (blocked-category: gambling, via",
    "statuses: 4 of 4 routed; parent's feed: 4 reports, SOS first (sos,",
];

/// What the parent's app shows: the phone's verified status, both commands applied as the
/// phone's receipts say, and the reports all delivered with the SOS heard live.
const PARENT_APP: [&str; 4] = [
    "band 9-12, safe mode on, 15 categories blocked, SafeSearch on, lists v1 up to date",
    "the parent's app took 2 receipts signed by the phone: #1 applied, #2 applied",
    "sent 4, delivered 4",
    "https://chat-roulette.example/start -> ALLOW (no-rule-applies) [lists v1]; command #2",
];

/// The six digits that follow `marker` in `story`.
fn code_after<'a>(story: &'a str, marker: &str) -> &'a str {
    let (_, rest) = story
        .split_once(marker)
        .unwrap_or_else(|| panic!("{marker:?} missing:\n{story}"));
    let code = rest.get(..6).unwrap_or_default();
    assert!(
        code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit()),
        "{marker:?} is not followed by six digits:\n{story}"
    );
    code
}

#[test]
fn the_demo_runs_to_the_end_and_tells_every_step() {
    let output = demo(&[]);
    let story = text(&output.stdout);
    assert!(
        output.status.success(),
        "exit {:?}\n{story}\n{}",
        output.status,
        text(&output.stderr)
    );

    let mut rest = story.as_str();
    for (number, (title, evidence)) in STEPS.iter().enumerate() {
        let heading = format!("{:>2}. {title}\n", number + 1);
        let start = rest
            .find(&heading)
            .unwrap_or_else(|| panic!("step {heading:?} is missing or out of order:\n{story}"));
        rest = &rest[start + heading.len()..];
        let body = rest
            .split_once(&format!("{:>2}. ", number + 2))
            .map_or(rest, |(body, _)| body);
        assert!(
            body.contains(evidence),
            "step {title:?} does not show {evidence:?}:\n{body}"
        );
    }
    for line in DECISIONS.iter().chain(&PARENT_APP).chain(&LINE) {
        assert!(story.contains(line), "{line:?} missing:\n{story}");
    }
    assert_eq!(
        code_after(&story, "scanned it and shows "),
        code_after(&story, "the phone shows "),
        "both screens show the same confirmation code"
    );
    assert!(story.trim_end().ends_with("Every step held."), "{story}");

    let data = story
        .split_once("(data in ")
        .and_then(|(_, rest)| rest.split_once(")\n"))
        .map(|(path, _)| path)
        .expect("the story says where its data is");
    assert!(
        !std::path::Path::new(data).exists(),
        "the temporary directory {data} is removed at the end"
    );
}

#[test]
fn the_demo_leaves_a_directory_it_was_given_and_refuses_one_in_use() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("demo");
    let dir_arg = dir.to_str().unwrap();

    let output = demo(&["--dir", dir_arg]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(dir.join("backend").is_dir(), "the backend's data is kept");
    assert!(
        dir.join("phone").join("store").is_dir(),
        "the phone's store is kept"
    );
    assert!(
        dir.join("parent").join("store").is_dir(),
        "the parent's app store is kept"
    );

    // A second run would meet a registered phone and a published bundle: it is refused before
    // anything starts.
    let again = demo(&["--dir", dir_arg]);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("is not empty"),
        "{}",
        text(&again.stderr)
    );
    assert!(text(&again.stdout).is_empty(), "{}", text(&again.stdout));
}
