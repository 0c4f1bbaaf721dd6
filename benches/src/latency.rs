//! Per-URL latency figures: each URL is timed on its own with [`Instant`], and the fixed cost of
//! reading the clock twice is measured and taken off every sample.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// How many empty measurements calibrate the clock's own cost.
const CALIBRATION_SAMPLES: usize = 200_000;

/// Median, tail and mean of a set of per-URL timings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatencySummary {
    /// Half of the URLs took at most this long, in nanoseconds.
    pub median_ns: f64,
    /// 99% of the URLs took at most this long, in nanoseconds.
    pub p99_ns: f64,
    /// The mean, in nanoseconds.
    pub mean_ns: f64,
}

impl LatencySummary {
    /// Summarises per-URL samples (nanoseconds, clock cost already taken off).
    pub fn from_samples(mut samples: Vec<f64>) -> Self {
        if samples.is_empty() {
            return Self {
                median_ns: 0.0,
                p99_ns: 0.0,
                mean_ns: 0.0,
            };
        }
        samples.sort_by(f64::total_cmp);
        let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction).round() as usize];
        let mean_ns = samples.iter().sum::<f64>() / samples.len() as f64;
        Self {
            median_ns: at(0.5),
            p99_ns: at(0.99),
            mean_ns,
        }
    }
}

/// The median cost, in nanoseconds, of two back-to-back `Instant::now()` calls: what every
/// per-URL sample carries on top of the work it times.
pub fn clock_cost_ns() -> f64 {
    let mut samples: Vec<u128> = (0..CALIBRATION_SAMPLES)
        .map(|_| {
            let start = Instant::now();
            black_box(());
            start.elapsed().as_nanos()
        })
        .collect();
    samples.sort_unstable();
    samples[samples.len() / 2] as f64
}

/// Runs `work` once per item: one untimed warm-up pass, then one pass timing each call on its
/// own. Returns the per-item samples (nanoseconds, `clock_cost_ns` taken off, never below 0).
pub fn time_each<T, R>(items: &[T], clock_cost_ns: f64, mut work: impl FnMut(&T) -> R) -> Vec<f64> {
    for item in items {
        black_box(work(black_box(item)));
    }
    items
        .iter()
        .map(|item| {
            let start = Instant::now();
            black_box(work(black_box(item)));
            (start.elapsed().as_nanos() as f64 - clock_cost_ns).max(0.0)
        })
        .collect()
}

/// The time of one pass of `work` over all items, timed as a whole (no clock cost per item):
/// the figure throughput is computed from.
pub fn time_pass<T, R>(items: &[T], mut work: impl FnMut(&T) -> R) -> Duration {
    let start = Instant::now();
    for item in items {
        black_box(work(black_box(item)));
    }
    start.elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_tail_come_from_the_sorted_samples() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let summary = LatencySummary::from_samples(samples);
        assert_eq!(summary.median_ns, 51.0);
        assert_eq!(summary.p99_ns, 99.0);
        assert_eq!(summary.mean_ns, 50.5);
    }
}
