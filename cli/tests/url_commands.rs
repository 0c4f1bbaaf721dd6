//! The `childsafe url` commands, run as an operator runs them: the real binary, real arguments
//! (including bytes that are not UTF-8), real standard input, exit codes and stderr.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn childsafe(args: &[&[u8]], stdin: &[u8]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_childsafe"));
    for arg in args {
        command.arg(os_arg(arg));
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the childsafe binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin)
        .expect("stdin accepts input");
    child
        .wait_with_output()
        .expect("the childsafe binary finishes")
}

#[cfg(unix)]
fn os_arg(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_owned()
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .expect("output is ASCII")
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn canonicalize_prints_one_canonical_url_per_argument() {
    let output = childsafe(
        &[
            b"url",
            b"canonicalize",
            b"http://3279880203/blah",
            b"http://www.google.com/blah/..",
            b"www.GOOgle.com",
        ],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout_lines(&output),
        [
            "http://195.127.0.11/blah",
            "http://www.google.com/",
            "http://www.google.com/"
        ]
    );
}

#[test]
fn raw_bytes_that_are_not_utf8_reach_the_canonicalizer() {
    let output = childsafe(&[b"url", b"canonicalize", b"http://\x01\x80.com/\xff"], b"");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout_lines(&output), ["http://%01%80.com/%FF"]);
}

#[test]
fn stdin_is_read_line_by_line_after_the_arguments() {
    let output = childsafe(
        &[b"url", b"canonicalize", b"--stdin", b"first.example"],
        b"HTTP://Second.Example:8080/a/./b\r\n\n  \nthird.example/x#frag\n",
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout_lines(&output),
        [
            "http://first.example/",
            "http://second.example/a/b",
            "http://third.example/x"
        ]
    );
}

#[test]
fn a_refused_url_is_reported_on_stderr_by_position_and_the_rest_still_print() {
    let output = childsafe(
        &[
            b"url",
            b"canonicalize",
            b"javascript:alert(1)",
            b"http://ok.example/",
        ],
        b"",
    );
    assert!(!output.status.success());
    assert_eq!(stdout_lines(&output), ["http://ok.example/"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("argument 1"), "{stderr}");
    assert!(stderr.contains("no network address"), "{stderr}");
    assert!(
        !stderr.contains("alert"),
        "the error repeats the URL: {stderr}"
    );
}

#[test]
fn expressions_prints_the_eight_published_expressions() {
    let output = childsafe(
        &[b"url", b"expressions", b"http://a.b.c/1/2.html?param=1"],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        stdout_lines(&output),
        [
            "a.b.c/1/2.html?param=1",
            "a.b.c/1/2.html",
            "a.b.c/",
            "a.b.c/1/",
            "b.c/1/2.html?param=1",
            "b.c/1/2.html",
            "b.c/",
            "b.c/1/",
        ]
    );
}

#[test]
fn expressions_with_hashes_prints_the_sha256_of_each_expression() {
    let output = childsafe(
        &[b"url", b"expressions", b"--hashes", b"http://1.2.3.4/1/"],
        b"",
    );
    assert!(output.status.success(), "{output:?}");
    // sha256("1.2.3.4/") computed independently: printf '1.2.3.4/' | sha256sum
    assert_eq!(
        stdout_lines(&output)[1],
        "1.2.3.4/\t3f008b863ca6e954c31859665454f9cbcb10760acb7ebc536d6da1ccac94618d"
    );
}

#[test]
fn expressions_of_an_invalid_url_fail_with_a_clear_error() {
    let output = childsafe(&[b"url", b"expressions", b"http://[::1junk/"], b"");
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("malformed IP literal"));
}
