//! Prints how long canonicalization and expression enumeration take per URL.
//!
//! `cargo bench -p childsafe-core --bench url_canonicalization`. Each figure is the median of
//! several timed rounds over a fixed mix of URLs: plain pages, long query strings, nested escapes,
//! IP spellings and internationalised hosts, the shapes a filtering browser sees.
#![allow(missing_docs, clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use childsafe_core::filter::CanonicalUrl;

const URLS: &[&str] = &[
    "https://www.example.com/",
    "https://en.wikipedia.org/wiki/Child_safety",
    "http://a.b.c.d.e.f.g/1/2/3/4/5/6.html?param=1&other=2",
    "https://www.google.com/search?q=homework+help&client=firefox-b-d&sca_esv=1234567890abcdef",
    "http://host/%2525252525252525/%2E%2E/x",
    "http://0x7f.1/admin",
    "http://3279880203/blah",
    "https://bücher.de/straße?x=1",
    "HTTP://User:Pw@WWW.Example.COM.:8443//a/./b/../c#frag",
    "https://cdn.example.net/assets/js/app.5f3c9e1b.js",
];
const ROUNDS: usize = 15;
const ITERATIONS_PER_ROUND: usize = 20_000;

fn main() {
    report("canonicalize", || {
        for url in URLS {
            black_box(CanonicalUrl::parse(black_box(url.as_bytes())).ok());
        }
    });
    let parsed: Vec<CanonicalUrl> = URLS
        .iter()
        .filter_map(|url| CanonicalUrl::parse(url.as_bytes()).ok())
        .collect();
    report("expressions (iterate)", || {
        for url in &parsed {
            black_box(url.lookup_expressions().count());
        }
    });
    report("expressions + SHA-256 each", || {
        for url in &parsed {
            for expression in url.lookup_expressions() {
                black_box(expression.full_hash());
            }
        }
    });
}

fn report(name: &str, mut work: impl FnMut()) {
    let mut per_url = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let start = Instant::now();
        for _ in 0..ITERATIONS_PER_ROUND {
            work();
        }
        per_url.push(start.elapsed() / (ITERATIONS_PER_ROUND * URLS.len()) as u32);
    }
    per_url.sort();
    let median: Duration = per_url[ROUNDS / 2];
    println!(
        "{name:<28} median {:>7.0} ns/URL  (min {:.0}, max {:.0}; {} URLs x {} x {} rounds)",
        median.as_nanos() as f64,
        per_url[0].as_nanos() as f64,
        per_url[ROUNDS - 1].as_nanos() as f64,
        URLS.len(),
        ITERATIONS_PER_ROUND,
        ROUNDS
    );
}
