//! childsafe's URL filter against Brave's adblock-rust and a plain SHA-256 floor, on one generated
//! workload: 1M category domains, 10k hashed URLs, a corpus of 100k URLs a child's browser loads.
//!
//! `cargo bench -p childsafe-benches --bench filter_decisions` (the release profile: opt-level
//! `s`, thin LTO, the profile that ships). It prints its figures and asserts nothing about time;
//! `benches/README.md` says what each figure means. Run without `--bench` (as `cargo test
//! --all-targets` does), it decides a small workload instead, as a quick smoke run.
//!
//! Memory is measured by a counting global allocator: the live heap bytes after loading an engine
//! minus those before. That is the only `unsafe` in the crate, so this file cannot forbid it.
#![allow(clippy::print_stdout)] // A bench binary's output is its result.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use adblock::request::Request;
use childsafe_benches::adblock_peer;
use childsafe_benches::childsafe_side::{self, CATEGORY, NOW_UNIX};
use childsafe_benches::latency::{self, LatencySummary};
use childsafe_benches::text_lists;
use childsafe_benches::workload::{CorpusKind, CorpusUrl, Workload, WorkloadSize};
use childsafe_core::crypto::SigningKey;
use childsafe_core::filter::CanonicalUrl;
use childsafe_core::filter::bundle::{ListBundle, ListKind};
use childsafe_core::filter::decision::{UrlDecision, UrlFilter, Verdict};

/// The seed of the workload; change it to measure another (equally sized) one.
const SEED: u64 = 0x00C5_B3A7_2026_0001;
/// How many times bundle opening is repeated (it is short, so one sample is noisy); the median
/// is reported.
const OPEN_REPEATS: usize = 7;
/// Examples printed per kind of disagreement in the sanity section.
const EXAMPLES_PER_DISAGREEMENT: usize = 4;

/// Counts the live and the peak heap bytes of the whole process.
struct CountingAllocator;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

impl CountingAllocator {
    fn grew(by: usize) {
        let live = LIVE_BYTES.fetch_add(by, Ordering::Relaxed) + by;
        PEAK_BYTES.fetch_max(live, Ordering::Relaxed);
    }

    fn shrank(by: usize) {
        LIVE_BYTES.fetch_sub(by, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the counters are only updated after the system call succeeded and do
// not touch the memory handed out.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller guarantees `layout` has a non-zero size, as `System.alloc` requires.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller guarantees `ptr` came from this allocator (so from `System`) with
        // this `layout`.
        unsafe { System.dealloc(ptr, layout) };
        Self::shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `ptr` came from this allocator with `layout` and that
        // `new_size` is non-zero and does not overflow when rounded to the alignment.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            Self::grew(new_size);
            Self::shrank(layout.size());
        }
        new_ptr
    }
}

/// Live heap bytes now.
fn live_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Starts a new peak measurement from the current live bytes.
fn reset_peak() {
    PEAK_BYTES.store(live_bytes(), Ordering::Relaxed);
}

fn peak_bytes() -> usize {
    PEAK_BYTES.load(Ordering::Relaxed)
}

/// What loading something cost: time, the heap it keeps, the heap it needed on the way.
struct LoadCost {
    time: Duration,
    held_bytes: usize,
    peak_extra_bytes: usize,
}

/// Runs `prepare`, then `load` on what it made, measuring the time of `load` alone and the heap
/// held and peaked at from before `prepare`: what `load` consumes of the prepared input (the
/// bundle bytes a filter keeps, the rule text an engine is built from and frees) is counted as
/// it ends up, held or freed.
fn measure_load<I, T>(prepare: impl FnOnce() -> I, load: impl FnOnce(I) -> T) -> (T, LoadCost) {
    let before = live_bytes();
    reset_peak();
    let input = prepare();
    let start = Instant::now();
    let loaded = load(input);
    let time = start.elapsed();
    let cost = LoadCost {
        time,
        held_bytes: live_bytes().saturating_sub(before),
        peak_extra_bytes: peak_bytes().saturating_sub(before),
    };
    (loaded, cost)
}

/// The heap bytes freed by dropping `value`: what it held at that moment.
fn bytes_freed_by_dropping<T>(value: T) -> usize {
    let before = live_bytes();
    drop(value);
    before.saturating_sub(live_bytes())
}

fn main() -> Result<(), Box<dyn Error>> {
    println!("childsafe filter benchmark");
    if cfg!(debug_assertions) {
        println!("WARNING: built without optimisations; run with `cargo bench`.");
    }
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    println!("seed {SEED:#x}, {cpus} CPUs available, single-threaded measurements");
    // `cargo bench` passes `--bench`; `cargo test` runs bench targets without it.
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let size = if smoke {
        println!("smoke run (no --bench argument): small workload, figures not comparable");
        WorkloadSize::SMOKE
    } else {
        WorkloadSize::ISSUE
    };

    // ---- Workload
    heading("Workload");
    let start = Instant::now();
    let workload = Workload::generate(SEED, size);
    println!(
        "generated in {}: {} category domains, {} hashed URLs, corpora of {} (browsing) and {} \
         (long-tail) URLs",
        secs(start.elapsed()),
        count(workload.category_domains.len()),
        count(workload.hashed_urls.len()),
        count(workload.corpus.len()),
        count(workload.long_tail.len()),
    );
    for (shape, corpus) in [
        ("browsing", &workload.corpus),
        ("long-tail", &workload.long_tail),
    ] {
        let mix: Vec<String> = CorpusKind::ALL
            .iter()
            .filter_map(|&kind| {
                let n = corpus.iter().filter(|url| url.kind == kind).count();
                (n > 0).then(|| format!("{} {}", kind.name(), count(n)))
            })
            .collect();
        println!("{shape} corpus mix: {}", mix.join(", "));
    }
    let hashes: Vec<_> = workload
        .hashed_urls
        .iter()
        .filter_map(|entry| childsafe_side::expression_hash(&entry.url))
        .collect();
    let domain_text = text_lists::domain_list_text(&workload.category_domains);
    let hash_text = text_lists::hash_list_text(&hashes);
    let rule_text = adblock_peer::rule_text(&workload);
    println!(
        "text lists {} (domains) + {} (hashes); adblock rules {}",
        bytes(domain_text.len()),
        bytes(hash_text.len()),
        bytes(rule_text.len()),
    );

    // ---- Building and loading
    heading("Building and loading");
    let (key, _pkcs8) = SigningKey::generate()?;
    let public_key = key.public_key();
    let start = Instant::now();
    let bundle = childsafe_side::build_bundle(&workload, &key)?;
    let compile_time = start.elapsed();
    println!(
        "childsafe  compile + sign bundle           {:>10}   bundle on disk {}",
        millis(compile_time),
        bytes(bundle.len())
    );

    let mut open_times = Vec::with_capacity(OPEN_REPEATS);
    let mut loaded = None;
    for _ in 0..OPEN_REPEATS {
        drop(loaded.take());
        let (filter, cost) = measure_load(
            || bundle.clone(),
            |bytes| {
                let mut filter = UrlFilter::new(vec![public_key]);
                filter.install_bundle(bytes, NOW_UNIX).map(|_| filter)
            },
        );
        open_times.push(cost.time);
        loaded = Some((filter?, cost));
    }
    let Some((filter, childsafe_load)) = loaded else {
        return Err("bundle was never opened".into());
    };
    open_times.sort();
    let open_time = open_times[OPEN_REPEATS / 2];
    println!(
        "childsafe  open (install) bundle           {:>10}   median of {OPEN_REPEATS}",
        millis(open_time)
    );

    adblock_peer::install_domain_resolver();
    let (engine, adblock_load) = measure_load(|| rule_text.clone(), adblock_peer::build_engine);
    println!(
        "adblock    build engine from rules         {:>10}",
        millis(adblock_load.time)
    );

    let serialized = engine.serialize();
    let (restored, restore_load) = measure_load(
        || (),
        |()| {
            let mut restored = adblock::Engine::default();
            restored.deserialize(&serialized).map(|()| restored)
        },
    );
    let restored = restored?;
    println!(
        "adblock    reload serialized engine        {:>10}   serialized {}",
        millis(restore_load.time),
        bytes(serialized.len())
    );

    let (text_sets, text_load) = measure_load(
        || (),
        |()| {
            (
                text_lists::parse_text_list(&domain_text),
                text_lists::parse_text_list(&hash_text),
            )
        },
    );
    println!(
        "text lists parse into HashSet<String>      {:>10}   {} + {} entries",
        millis(text_load.time),
        count(text_sets.0.len()),
        count(text_sets.1.len())
    );
    println!(
        "ratio: text parse / bundle open = {:.0}x (target >= 50x); adblock build / bundle open = \
         {:.0}x; adblock reload / bundle open = {:.1}x",
        ratio(text_load.time, open_time),
        ratio(adblock_load.time, open_time),
        ratio(restore_load.time, open_time),
    );

    // ---- Bytes per entry
    heading("Bytes per entry (bundle)");
    let opened = ListBundle::open(bundle.clone(), &[public_key], NOW_UNIX)?;
    for list in opened.lists() {
        let kind = match list.kind() {
            ListKind::Category => "category",
            ListKind::HashedUrls => "hashed URLs",
            ListKind::Allow => "allowlist",
        };
        let prefix = if list.kind() == ListKind::HashedUrls {
            format!(
                " (prefix part {:.2} B/entry, host prefilter {:.2} B/entry)",
                per(list.prefix_bytes_used(), list.len()),
                per(list.host_filter_bytes_used(), list.len())
            )
        } else {
            String::new()
        };
        println!(
            "{:<14} {:<12} {:>10} entries {:>10}  {:>6.2} B/entry{prefix}",
            list.name(),
            kind,
            count(list.len()),
            bytes(list.bytes_used()),
            per(list.bytes_used(), list.len()),
        );
    }
    drop(opened);
    // The size of the workload's hashed list, ten and a hundred times it (only the first in a
    // smoke run, which has a small list and a debug build).
    let hashed_sizes = [1, 10, 100].map(|times| times * size.hashed_urls.max(1_000));
    for entries in hashed_sizes.into_iter().take(if smoke { 1 } else { 3 }) {
        println!(
            "hashed list of {:>9} entries: prefix part {:.2} B/entry (the least any encoding of \
             that many 4-byte prefixes can take: {:.2})",
            count(entries),
            childsafe_side::hashed_prefix_bytes_per_entry(entries, &key)?,
            childsafe_side::prefix_set_bound_bytes(entries),
        );
    }

    // ---- Memory
    heading("Heap held once loaded (counting allocator; peak = most extra heap while loading)");
    let memory_line = |name: &str, cost: &LoadCost| {
        println!(
            "{name:<34} held {:>10}   peak while loading {:>10}",
            bytes(cost.held_bytes),
            bytes(cost.peak_extra_bytes)
        );
    };
    memory_line("childsafe UrlFilter (bundle bytes)", &childsafe_load);
    memory_line("adblock Engine (built from rules)", &adblock_load);
    memory_line("adblock Engine (reloaded)", &restore_load);
    memory_line("text lists as HashSet<String>", &text_load);
    println!(
        "ratio: adblock / childsafe held = {:.1}x (target >= 5x)",
        adblock_load.held_bytes as f64 / childsafe_load.held_bytes.max(1) as f64
    );
    drop((text_sets, restored, serialized));

    // ---- Per-URL decision time, then what was blocked, for each shape of corpus
    let policy = childsafe_side::policy();
    let clock = latency::clock_cost_ns();
    for (shape, corpus) in [
        ("browsing", &workload.corpus),
        ("long-tail", &workload.long_tail),
    ] {
        let engines = Engines {
            filter: &filter,
            policy: &policy,
            engine: &engine,
        };
        engines.time_each_url(shape, corpus, clock);
        heading(&format!(
            "Sanity, {shape} corpus: what each engine blocked (reported, not asserted)"
        ));
        let decisions: Vec<UrlDecision> = corpus.iter().map(|url| engines.check(url)).collect();
        let adblock_blocks: Vec<Option<bool>> = corpus
            .iter()
            .map(|url| {
                adblock_request(url)
                    .map(|request| engine.check_network_request(&request).should_block())
            })
            .collect();
        print_sanity(corpus, &decisions, &adblock_blocks);
    }

    heading("Heap held after checking the corpus (bytes freed when each engine is dropped)");
    let filter_after = bytes_freed_by_dropping(filter);
    let engine_after = bytes_freed_by_dropping(engine);
    println!(
        "childsafe UrlFilter {}, adblock Engine {}: ratio {:.1}x",
        bytes(filter_after),
        bytes(engine_after),
        engine_after as f64 / filter_after.max(1) as f64
    );
    Ok(())
}

/// Rounds of per-URL timing per engine.
const ROUNDS: usize = 3;

/// The timings of one engine over the corpus, gathered over the rounds.
#[derive(Default)]
struct Runs {
    samples: Vec<f64>,
    items: usize,
    passes: Duration,
}

impl Runs {
    /// One round: a warm-up pass, each item timed alone, then one pass timed as a whole.
    fn measure<T, R>(&mut self, items: &[T], clock: f64, mut work: impl FnMut(&T) -> R) {
        self.samples
            .extend(latency::time_each(items, clock, &mut work));
        self.passes += latency::time_pass(items, &mut work);
        self.items += items.len();
    }

    fn figures(self) -> Figures {
        Figures {
            latency: LatencySummary::from_samples(self.samples),
            urls_per_second: self.items as f64 / self.passes.as_secs_f64(),
        }
    }
}

/// Latency and throughput of one engine over the corpus.
struct Figures {
    latency: LatencySummary,
    urls_per_second: f64,
}

impl Figures {
    fn print(&self, name: &str) {
        println!(
            "{name:<42} {:>6.0} ns {:>6.0} ns {:>6.0} ns {:>8.2} M/s",
            self.latency.median_ns,
            self.latency.p99_ns,
            self.latency.mean_ns,
            self.urls_per_second / 1e6,
        );
    }
}

/// The two engines under test, loaded, with the policy childsafe decides under.
struct Engines<'a> {
    filter: &'a UrlFilter,
    policy: &'a childsafe_core::filter::policy::FilterPolicy,
    engine: &'a adblock::Engine,
}

impl Engines<'_> {
    /// childsafe's decision for a corpus URL, from the string as the browser hands it over.
    fn check(&self, url: &CorpusUrl) -> UrlDecision {
        self.filter.check_str(&url.url, self.policy, NOW_UNIX)
    }

    /// Times every URL of `corpus` with each engine in turn, and prints the figures and ratios.
    fn time_each_url(&self, shape: &str, corpus: &[CorpusUrl], clock: f64) {
        heading(&format!("Per-URL decision time, {shape} corpus"));
        let mean_len = corpus.iter().map(|url| url.url.len()).sum::<usize>() / corpus.len().max(1);
        println!(
            "{} URLs (mean length {mean_len} bytes); {ROUNDS} rounds, each engine in turn within \
             a round: one untimed warm-up pass, then each URL timed alone (clock cost {clock:.0} \
             ns subtracted), then one whole pass for throughput; figures over all rounds",
            count(corpus.len())
        );
        let before_requests = live_bytes();
        let requests: Vec<Option<Request>> = corpus.iter().map(adblock_request).collect();
        let requests_bytes = live_bytes().saturating_sub(before_requests);
        let adblock_prebuilt = |request: &Option<Request>| {
            request
                .as_ref()
                .is_some_and(|request| self.engine.check_network_request(request).should_block())
        };
        let adblock_full = |url: &CorpusUrl| {
            adblock_request(url)
                .is_some_and(|request| self.engine.check_network_request(&request).should_block())
        };
        let floor = |url: &CorpusUrl| sha256_floor(&url.url);
        // The engines take turns, so that a slow spell of the machine falls on each of them.
        let mut childsafe_runs = Runs::default();
        let mut adblock_runs = Runs::default();
        let mut adblock_full_runs = Runs::default();
        let mut floor_runs = Runs::default();
        for _ in 0..ROUNDS {
            childsafe_runs.measure(corpus, clock, |url| self.check(url));
            adblock_runs.measure(&requests, clock, adblock_prebuilt);
            adblock_full_runs.measure(corpus, clock, adblock_full);
            floor_runs.measure(corpus, clock, floor);
        }
        let childsafe_figures = childsafe_runs.figures();
        let adblock_figures = adblock_runs.figures();
        let adblock_full_figures = adblock_full_runs.figures();
        let floor_figures = floor_runs.figures();

        println!(
            "{:<42} {:>9} {:>9} {:>9} {:>13}",
            "engine", "median", "p99", "mean", "throughput"
        );
        childsafe_figures.print("childsafe UrlFilter::check_str");
        adblock_figures.print("adblock check (Request prebuilt)");
        adblock_full_figures.print("adblock Request::new + check");
        floor_figures.print("floor: parse + SHA-256 every expression");
        let median = |figures: &Figures| figures.latency.median_ns.max(1.0);
        println!(
            "ratio ({shape}): adblock / childsafe median, both from the URL string = {:.2}x \
             (target >= 5x); adblock's check alone on a prebuilt Request = {:.2}x",
            median(&adblock_full_figures) / median(&childsafe_figures),
            median(&adblock_figures) / median(&childsafe_figures),
        );
        println!(
            "ratio ({shape}): childsafe / SHA-256 floor median = {:.2}x (target <= 1.5x)",
            median(&childsafe_figures) / median(&floor_figures),
        );
        println!(
            "(the {} prebuilt adblock Requests take {} of heap, not counted as the engine's)",
            count(requests.len()),
            bytes(requests_bytes)
        );
    }
}

/// The request a browser would hand adblock for a corpus URL; `None` when adblock cannot parse
/// the URL (it then cannot block it either).
fn adblock_request(url: &CorpusUrl) -> Option<Request> {
    Request::new(&url.url, &url.source_url, url.request_type, "GET").ok()
}

/// The least a hashed-list lookup costs: canonicalize, then SHA-256 every lookup expression.
fn sha256_floor(url: &str) -> u8 {
    CanonicalUrl::parse(url.as_bytes()).map_or(0, |canonical| {
        canonical
            .lookup_expressions()
            .fold(0, |acc, expression| acc ^ expression.full_hash().0[0])
    })
}

/// Prints blocked counts per corpus kind and where the engines disagree, with examples.
fn print_sanity(corpus: &[CorpusUrl], decisions: &[UrlDecision], adblock: &[Option<bool>]) {
    let childsafe_blocked = |i: usize| decisions[i].verdict == Verdict::Block;
    let adblock_blocked = |i: usize| adblock[i] == Some(true);
    let total_expected = corpus.iter().filter(|url| url.on_list).count();
    println!(
        "blocked: childsafe {}, adblock {}; on a list per the generator {}; childsafe rewrote {}; \
         adblock could not parse {}",
        count((0..corpus.len()).filter(|&i| childsafe_blocked(i)).count()),
        count((0..corpus.len()).filter(|&i| adblock_blocked(i)).count()),
        count(total_expected),
        count(
            decisions
                .iter()
                .filter(|d| d.verdict == Verdict::Rewrite)
                .count()
        ),
        count(adblock.iter().filter(|a| a.is_none()).count()),
    );
    println!(
        "{:<13} {:>7} {:>8} {:>10} {:>8} {:>15} {:>13}",
        "kind", "URLs", "listed", "childsafe", "adblock", "childsafe only", "adblock only"
    );
    let mut examples: BTreeMap<(CorpusKind, &str), Vec<usize>> = BTreeMap::new();
    for kind in CorpusKind::ALL {
        let indices: Vec<usize> = (0..corpus.len())
            .filter(|&i| corpus[i].kind == kind)
            .collect();
        if indices.is_empty() {
            continue;
        }
        let tally = |pick: &dyn Fn(usize) -> bool| indices.iter().filter(|&&i| pick(i)).count();
        let only_childsafe = tally(&|i| childsafe_blocked(i) && !adblock_blocked(i));
        let only_adblock = tally(&|i| !childsafe_blocked(i) && adblock_blocked(i));
        println!(
            "{:<13} {:>7} {:>8} {:>10} {:>8} {:>15} {:>13}",
            kind.name(),
            count(indices.len()),
            count(tally(&|i| corpus[i].on_list)),
            count(tally(&childsafe_blocked)),
            count(tally(&adblock_blocked)),
            count(only_childsafe),
            count(only_adblock),
        );
        for &i in &indices {
            let side = match (childsafe_blocked(i), adblock_blocked(i)) {
                (true, false) => "childsafe only",
                (false, true) => "adblock only",
                _ => continue,
            };
            let list = examples.entry((kind, side)).or_default();
            if list.len() < EXAMPLES_PER_DISAGREEMENT {
                list.push(i);
            }
        }
    }
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for decision in decisions {
        let category = decision.category.as_deref().unwrap_or("-");
        *reasons
            .entry(format!(
                "{:?} {} ({category})",
                decision.verdict,
                decision.reason.code()
            ))
            .or_default() += 1;
    }
    println!("childsafe decisions by reason:");
    for (reason, n) in &reasons {
        println!("  {n:>7}  {reason}");
    }
    let distinct_categories: HashSet<&str> = decisions
        .iter()
        .filter_map(|d| d.category.as_deref())
        .collect();
    if !distinct_categories.contains(CATEGORY) {
        println!("NOTE: no URL was blocked by the {CATEGORY} list");
    }
    println!("examples of disagreements:");
    for ((kind, side), indices) in &examples {
        for &i in indices {
            println!(
                "  {:<12} {side:<14} {}  [childsafe: {}]",
                kind.name(),
                corpus[i].url,
                decisions[i].reason.code()
            );
        }
    }
}

fn heading(title: &str) {
    println!("\n== {title}");
}

fn ratio(slow: Duration, fast: Duration) -> f64 {
    slow.as_secs_f64() / fast.as_secs_f64().max(1e-9)
}

fn per(total: usize, n: usize) -> f64 {
    total as f64 / n.max(1) as f64
}

fn secs(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

/// `n` with thousands separators.
fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A byte count in MiB (or KiB when small), with the exact count.
fn bytes(n: usize) -> String {
    if n >= 1 << 20 {
        format!("{:.2} MiB", n as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}
