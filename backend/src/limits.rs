//! Every limit of protocol v1 the server enforces, in one place. `docs/protocol/openapi.json`
//! and `docs/protocol/README.md` state the same numbers; the tests use these constants.

/// Largest JSON body accepted, in bytes (a full report batch is far below it).
pub const MAX_JSON_BODY_BYTES: usize = 1024 * 1024;
/// Largest bundle the operator may upload, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 32 * 1024 * 1024;
/// Largest relayed blob, decoded, in bytes: signed documents, not media.
pub const MAX_BLOB_BYTES: usize = 16 * 1024;
/// Longest `Idempotency-Key`, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;
/// Longest request nonce, in characters (the SDK sends 22).
pub const MAX_NONCE_CHARS: usize = 64;
/// Longest signed-time challenge, in characters (safe mode sends 22).
pub const MAX_CHALLENGE_CHARS: usize = 128;
/// Messages or feed items per page when the client does not say.
pub const DEFAULT_PAGE_LIMIT: usize = 100;
/// Most messages or feed items per page.
pub const MAX_PAGE_LIMIT: usize = 500;
/// Most activation tokens minted by one request or command.
pub const MAX_TOKENS_PER_REQUEST: u32 = 10_000;
/// Digits in a pairing code.
pub const PAIRING_CODE_DIGITS: usize = 8;
/// Wrong pairing codes a parent may try in one [`PAIRING_FAILURE_WINDOW_SECS`].
pub const MAX_PAIRING_FAILURES: u32 = 10;
/// The window over which wrong pairing codes are counted, in seconds.
pub const PAIRING_FAILURE_WINDOW_SECS: u64 = 600;
