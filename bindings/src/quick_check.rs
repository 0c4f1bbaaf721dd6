//! The quick URL check: [`ChildSafe::url_loads_as_is`] as one plain C call, for the browser's
//! subresources, which it checks one by one and most often.
//!
//! A call through UniFFI's generated Kotlin makes several native calls (clone the object's
//! handle, allocate a buffer for the string, the call itself, free) and builds a JNA structure
//! for its call status; together they cost tens of microseconds, a hundred times the check. Here
//! the app asks the object once for a token ([`crate::ChildSafe::quick_check_token`]), then calls
//! [`childsafe_quick_url_loads_as_is`] with the token and the URL's UTF-8 bytes: one direct JNA
//! call with plain arguments, answered with a plain integer.
//!
//! The answer never fails open: only [`LOADS_AS_IS`] lets the URL load as asked. Anything else
//! sends the app to `check_url`, which says what to do, or throws the real error. The registry
//! holds the objects weakly, so a token never keeps a closed SDK alive: once the object is gone
//! its token answers [`UNKNOWN_TOKEN`].

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, Weak};

use childsafe_core::filter::MAX_URL_BYTES;
use childsafe_core::sdk::SdkError;

use childsafe_core::ChildSafe;

/// Allowed, with nothing to rewrite and no header to add: load the URL as asked.
pub const LOADS_AS_IS: i32 = 1;
/// Not as asked (blocked, rewritten, or a header to add): ask `check_url` what to do.
pub const NOT_AS_IS: i32 = 0;
/// No open object has this token (never issued, or the object was closed).
pub const UNKNOWN_TOKEN: i32 = -1;
/// The pointer is null, or the length negative or over [`MAX_URL_BYTES`].
pub const BAD_ARGUMENT: i32 = -2;
/// The bytes are not UTF-8.
pub const NOT_UTF8: i32 = -3;
/// The SDK failed to decide (`check_url` throws the error).
pub const SDK_ERROR: i32 = -4;
/// The check panicked; the panic stopped here, at the boundary.
pub const PANICKED: i32 = -5;

/// Whether `url` (`len` bytes of UTF-8 at `url`) may load exactly as asked, by the object whose
/// [`crate::ChildSafe::quick_check_token`] is `token`: [`LOADS_AS_IS`] (1), [`NOT_AS_IS`] (0), or a
/// negative code when it cannot say (see the constants). Never unwinds.
///
/// # Safety
///
/// When `url` is not null and `len` is positive and at most [`MAX_URL_BYTES`], `url` must point
/// to `len` readable bytes that stay unchanged for the call. Nothing beyond them is read.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn childsafe_quick_url_loads_as_is(
    token: u64,
    url: *const u8,
    len: i32,
) -> i32 {
    let Ok(len) = usize::try_from(len) else {
        return BAD_ARGUMENT;
    };
    if url.is_null() || len > MAX_URL_BYTES {
        return BAD_ARGUMENT;
    }
    // SAFETY: the caller guarantees `len` readable bytes at `url`, unchanged for the call; the
    // pointer is not null and `len` is at most MAX_URL_BYTES, far below isize::MAX.
    let bytes = unsafe { std::slice::from_raw_parts(url, len) };
    let Ok(url) = std::str::from_utf8(bytes) else {
        return NOT_UTF8;
    };
    let Some(sdk) = lookup(token) else {
        return UNKNOWN_TOKEN;
    };
    // The SDK holds no state a panic half-way through a check could leave broken for the next:
    // its locks recover from poisoning and the check writes nothing the store cannot take again.
    catch_unwind(AssertUnwindSafe(|| answer(sdk.url_loads_as_is(url)))).unwrap_or(PANICKED)
}

/// An object's quick-check token, issued once and taken out of the registry when the object goes.
#[derive(Debug, Default)]
pub(crate) struct QuickToken(OnceLock<u64>);

impl QuickToken {
    /// The token of `sdk` (whose `quick` this is), registering it on the first call.
    pub(crate) fn get_or_register(&self, sdk: &Arc<ChildSafe>) -> u64 {
        *self.0.get_or_init(|| {
            let token = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
            registry()
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(token, Arc::downgrade(sdk));
            token
        })
    }
}

impl Drop for QuickToken {
    fn drop(&mut self) {
        if let Some(token) = self.0.get() {
            registry()
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(token);
        }
    }
}

/// The next token to issue. Counting from 1 keeps 0 unissued: a token field left at its default
/// names no object.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

/// The objects that have a token, held weakly.
fn registry() -> &'static RwLock<HashMap<u64, Weak<ChildSafe>>> {
    static REGISTRY: OnceLock<RwLock<HashMap<u64, Weak<ChildSafe>>>> = OnceLock::new();
    REGISTRY.get_or_init(RwLock::default)
}

/// The open object with `token`, kept alive for the call; the read lock is released before the
/// check runs.
fn lookup(token: u64) -> Option<Arc<ChildSafe>> {
    registry()
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&token)
        .and_then(Weak::upgrade)
}

/// The code for the SDK's answer.
fn answer(result: Result<bool, SdkError>) -> i32 {
    match result {
        Ok(true) => LOADS_AS_IS,
        Ok(false) => NOT_AS_IS,
        Err(_) => SDK_ERROR,
    }
}

#[cfg(test)]
mod tests;
