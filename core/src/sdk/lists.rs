//! The facade's side of the filter's lists: what the app is told about them. The bundle itself
//! is stored, opened and restored by [`ListsStore`] alone; here, a stored bundle that cannot be
//! put back in force at open is logged, and each change of the lists' state becomes an event and
//! a log line once.

use crate::filter::decision::{ListsStatus, UrlFilter};
use crate::protocol::keys::KeyRole;
use crate::store::Store;
use crate::sync::lists_store::{ListsStore, RestoredLists};
use crate::trust::{KeyRing, TrustedKey, public_keys};

use super::events::{ChildSafeEvent, LogLevel, Logger};

/// A filter with the bundle kept in `store` back in force (see [`ListsStore::restore`]), opened
/// with the list keys `ring` holds whatever their expiry (a bundle installed while its key held
/// stays in force). A ring that cannot be read gives the pinned list keys only, which is told in
/// the log: a bundle a delegated key signed then does not open, and every web address is
/// blocked. A stored bundle that cannot be used is told in the log too.
pub(super) fn restored_filter(
    store: &dyn Store,
    ring: &KeyRing<'_>,
    logger: &dyn Logger,
) -> UrlFilter {
    let keys = ring.keys_to_restore(KeyRole::Lists).unwrap_or_else(|why| {
        logger.log(
            LogLevel::Warn,
            format!("the key ring cannot be read ({why}): only the pinned list keys are trusted"),
        );
        ring.pinned()
            .lists
            .iter()
            .copied()
            .map(TrustedKey::pinned)
            .collect()
    });
    let RestoredLists { filter, failure } = ListsStore::new(store, &public_keys(&keys)).restore();
    if let Some(why) = failure {
        logger.log(
            LogLevel::Warn,
            format!(
                "the stored list bundle cannot be used ({why}): every web address is blocked \
                 until a valid list bundle installs"
            ),
        );
    }
    filter
}

/// What the app has not been told yet about the lists, going from `told` to `now`: each event
/// with its log line.
pub(super) fn news(told: &ListsStatus, now: &ListsStatus) -> Vec<(ChildSafeEvent, String)> {
    let mut news = Vec::new();
    if now.unavailable && !told.unavailable {
        news.push((
            ChildSafeEvent::ListsUnavailable,
            "lists unavailable: every web address is blocked until a valid list bundle installs"
                .to_owned(),
        ));
    }
    if let Some(since_unix) = now.out_of_date_since {
        if told.out_of_date_since != Some(since_unix) {
            news.push((
                ChildSafeEvent::ListsOutOfDate { since_unix },
                format!(
                    "lists out of date since {since_unix} (unix seconds): they stay in force \
                     until a sync brings newer ones"
                ),
            ));
        }
    }
    news
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(told: &ListsStatus, now: &ListsStatus) -> Vec<ChildSafeEvent> {
        news(told, now)
            .into_iter()
            .map(|(event, _)| event)
            .collect()
    }

    #[test]
    fn each_state_is_told_once() {
        let fresh = ListsStatus {
            version: Some(1),
            ..ListsStatus::default()
        };
        let stale = ListsStatus {
            out_of_date_since: Some(100),
            ..fresh.clone()
        };
        assert_eq!(events(&ListsStatus::default(), &fresh), []);
        assert_eq!(
            events(&fresh, &stale),
            [ChildSafeEvent::ListsOutOfDate { since_unix: 100 }]
        );
        assert_eq!(events(&stale, &stale), []);
        let lost = ListsStatus {
            unavailable: true,
            ..ListsStatus::default()
        };
        assert_eq!(
            events(&ListsStatus::default(), &lost),
            [ChildSafeEvent::ListsUnavailable]
        );
        assert_eq!(events(&lost, &lost), []);
    }
}
