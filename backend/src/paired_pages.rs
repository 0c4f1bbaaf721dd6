//! A page of a parent's feed or mailbox showing only what the devices still paired with it sent:
//! a parent a device removed keeps no window on the reports and messages routed to it before
//! (except the phone's receipts for its own commands, see `relay::kept_to_paired`).
//! Pages skip over what is hidden, so a page is empty only at the end, and a parent reading
//! `after` the last seq it saw never misses an item of a device it is still paired with.

use std::future::Future;

use crate::error::ApiResult;
use crate::extract::Page;
use crate::state::AppState;
use crate::storage::StorageResult;

/// Reads pages with `read(after)` from `page.after` on, keeping the items whose device
/// (`device_of`; `None` for an item no device sent) is paired with `parent_id`, until a page
/// keeps something or the end is reached.
pub(crate) async fn paired_page<T, Read, Fut>(
    state: &AppState,
    parent_id: &str,
    page: Page,
    read: Read,
    seq_of: fn(&T) -> u64,
    device_of: fn(&T) -> Option<&str>,
) -> ApiResult<Vec<T>>
where
    Read: Fn(u64) -> Fut,
    Fut: Future<Output = StorageResult<Vec<T>>>,
{
    let paired: Vec<String> = state
        .storage
        .devices_of(parent_id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut after = page.after;
    loop {
        let batch = read(after).await?;
        let full = batch.len() >= page.limit;
        let Some(last) = batch.last().map(seq_of) else {
            return Ok(Vec::new());
        };
        let kept: Vec<T> = batch
            .into_iter()
            .filter(|item| device_of(item).is_none_or(|device| paired.iter().any(|p| p == device)))
            .collect();
        if !kept.is_empty() || !full {
            return Ok(kept);
        }
        after = last;
    }
}
