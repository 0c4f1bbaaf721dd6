//! The decisions both storage implementations make the same way: what an idempotency key in a
//! given state answers, what a report's delivery state is, what a new report's receipt says and
//! which ages a purge removes. Each implementation only stores and loads; keeping the rules here
//! means sled and PostgreSQL cannot drift apart.

use childsafe_protocol::report::UploadedReport;
use childsafe_protocol::wire::{DeliveryState, Destination, ReportStatus};

use super::reports::{NewReport, ReportInsert};
use super::requests::{IdempotencyBegin, STALE_IDEMPOTENCY_SECS};
use super::retention::{HOTLINE_MIN_RETENTION_SECS, Retention};

/// An idempotency key as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IdempotencyState {
    /// SHA-256 of the body the key was first used with.
    pub(crate) body_hash: [u8; 32],
    /// When the request holding the key started, Unix seconds.
    pub(crate) started_at: u64,
    /// The answer, once the request finished: HTTP status and body.
    pub(crate) answer: Option<(u16, Vec<u8>)>,
}

/// What [`begin_idempotent`] decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum IdempotencyDecision {
    /// Store a fresh in-progress state for this request (replacing an abandoned one, if any)
    /// and answer [`IdempotencyBegin::Started`].
    Start,
    /// Change nothing and answer this.
    Answer(IdempotencyBegin),
}

/// What a request starting under a key with `stored` state (if any) gets. A key held longer
/// than [`STALE_IDEMPOTENCY_SECS`] without an answer belonged to a server that died mid-request,
/// so it is taken over whatever body it was held for.
pub(crate) fn begin_idempotent(
    stored: Option<&IdempotencyState>,
    body_hash: &[u8; 32],
    now: u64,
) -> IdempotencyDecision {
    let Some(stored) = stored else {
        return IdempotencyDecision::Start;
    };
    match &stored.answer {
        Some((status, body)) if stored.body_hash == *body_hash => {
            IdempotencyDecision::Answer(IdempotencyBegin::Replay {
                status: *status,
                body: body.clone(),
            })
        }
        Some(_) => IdempotencyDecision::Answer(IdempotencyBegin::Mismatch),
        None if is_abandoned(stored.started_at, now) => IdempotencyDecision::Start,
        None if stored.body_hash == *body_hash => {
            IdempotencyDecision::Answer(IdempotencyBegin::InProgress)
        }
        None => IdempotencyDecision::Answer(IdempotencyBegin::Mismatch),
    }
}

/// Whether a key started at `started_at` and still unanswered at `now` is abandoned.
pub(crate) fn is_abandoned(started_at: u64, now: u64) -> bool {
    started_at < abandoned_before(now)
}

/// Unanswered keys started before this time are abandoned at `now`.
pub(crate) fn abandoned_before(now: u64) -> u64 {
    now.saturating_sub(STALE_IDEMPOTENCY_SECS)
}

/// Whether a key in `state` is old enough for a purge at `now` to forget: answered keys once
/// they are older than the retention, unanswered ones once they are also abandoned.
pub(crate) fn idempotency_expired(
    state: &IdempotencyState,
    now: u64,
    retention: &Retention,
) -> bool {
    let old = state.started_at < now.saturating_sub(retention.idempotency_secs);
    old && (state.answer.is_some() || is_abandoned(state.started_at, now))
}

/// The state of a report with these destinations.
pub(crate) fn delivery_state(destinations: &[Destination]) -> DeliveryState {
    if destinations.is_empty() {
        DeliveryState::Received
    } else if destinations.iter().all(|d| d.forwarded) {
        DeliveryState::Forwarded
    } else {
        DeliveryState::Routed
    }
}

/// A report's status from what is stored about it.
pub(crate) fn status(
    report: &UploadedReport,
    received_at: u64,
    destinations: Vec<Destination>,
) -> ReportStatus {
    ReportStatus {
        id: report.id.clone(),
        kind: report.kind,
        state: delivery_state(&destinations),
        received_at,
        destinations,
    }
}

/// The destinations a new report is stored with: the server's routing, none of it taken yet
/// (only a feed read or the operator's acknowledgement marks a destination forwarded).
pub(crate) fn fresh_destinations(new: &NewReport) -> Vec<Destination> {
    new.destinations
        .iter()
        .map(|d| Destination {
            forwarded: false,
            ..d.clone()
        })
        .collect()
}

/// The outcome for a report whose id is already stored, by `stored_device` with `stored_hash`.
pub(crate) fn repeated_report(
    device_id: &str,
    report_hash: &[u8; 32],
    stored_device: &str,
    stored_hash: &[u8],
    stored_status: ReportStatus,
) -> ReportInsert {
    if stored_device == device_id && stored_hash == report_hash {
        ReportInsert::Existing(stored_status)
    } else {
        ReportInsert::Conflict
    }
}

/// The ages a purge at `now` removes, each an exclusive upper bound on `received_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PurgeCutoffs {
    /// Reports not in the hotline queue received before this go.
    pub(crate) report: u64,
    /// Reports in the hotline queue received before this go; never after `report`, as the
    /// hotline retention only ever keeps a report longer.
    pub(crate) hotline_report: u64,
    /// Relayed messages received before this go.
    pub(crate) message: u64,
}

impl PurgeCutoffs {
    /// The cutoffs for a purge at `now`. The hotline retention is never shorter than
    /// [`HOTLINE_MIN_RETENTION_SECS`], whatever the configuration says.
    pub(crate) fn at(now: u64, retention: &Retention) -> Self {
        let report = now.saturating_sub(retention.report_secs);
        let hotline = now.saturating_sub(retention.hotline_secs.max(HOTLINE_MIN_RETENTION_SECS));
        Self {
            report,
            hotline_report: hotline.min(report),
            message: now.saturating_sub(retention.message_secs),
        }
    }

    /// Whether a report received at `received_at` goes; `in_hotline_queue` when one of its
    /// destinations is a hotline.
    pub(crate) fn removes_report(&self, received_at: u64, in_hotline_queue: bool) -> bool {
        let cutoff = if in_hotline_queue {
            self.hotline_report
        } else {
            self.report
        };
        received_at < cutoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(answer: Option<(u16, Vec<u8>)>, started_at: u64) -> IdempotencyState {
        IdempotencyState {
            body_hash: [1; 32],
            started_at,
            answer,
        }
    }

    #[test]
    fn a_held_key_is_taken_over_only_once_it_is_stale() {
        let held = key(None, 1_000);
        let at = |now| begin_idempotent(Some(&held), &[1; 32], now);
        assert_eq!(
            at(1_000 + STALE_IDEMPOTENCY_SECS),
            IdempotencyDecision::Answer(IdempotencyBegin::InProgress)
        );
        assert_eq!(
            at(1_001 + STALE_IDEMPOTENCY_SECS),
            IdempotencyDecision::Start
        );
        assert_eq!(
            begin_idempotent(Some(&held), &[2; 32], 1_001 + STALE_IDEMPOTENCY_SECS),
            IdempotencyDecision::Start
        );
    }

    #[test]
    fn an_answered_key_replays_or_refuses_forever() {
        let done = key(Some((200, b"ok".to_vec())), 0);
        assert_eq!(
            begin_idempotent(Some(&done), &[1; 32], u64::MAX),
            IdempotencyDecision::Answer(IdempotencyBegin::Replay {
                status: 200,
                body: b"ok".to_vec()
            })
        );
        assert_eq!(
            begin_idempotent(Some(&done), &[2; 32], 5),
            IdempotencyDecision::Answer(IdempotencyBegin::Mismatch)
        );
    }

    #[test]
    fn hotline_reports_are_kept_at_least_a_year_even_if_configured_shorter() {
        let retention = Retention {
            report_secs: 10,
            hotline_secs: 20,
            message_secs: 30,
            idempotency_secs: 40,
        };
        let now = 2 * HOTLINE_MIN_RETENTION_SECS;
        let cutoffs = PurgeCutoffs::at(now, &retention);
        assert!(cutoffs.removes_report(now - 11, false));
        assert!(!cutoffs.removes_report(now - 11, true));
        assert!(!cutoffs.removes_report(now - HOTLINE_MIN_RETENTION_SECS, true));
        assert!(cutoffs.removes_report(now - HOTLINE_MIN_RETENTION_SECS - 1, true));
    }

    #[test]
    fn purges_before_the_epoch_plus_retention_remove_nothing() {
        let retention = Retention {
            report_secs: 100,
            hotline_secs: 100,
            message_secs: 100,
            idempotency_secs: 100,
        };
        let cutoffs = PurgeCutoffs::at(50, &retention);
        assert!(!cutoffs.removes_report(0, false));
        assert_eq!(cutoffs.message, 0);
    }
}
