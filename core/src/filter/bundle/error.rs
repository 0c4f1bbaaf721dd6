//! Why a bundle could not be built, opened or installed.

use crate::crypto::CryptoError;

/// Why a bundle could not be built, opened or installed. When opening or installing fails, the
/// bundle already in force stays in force. Messages name the check that failed and never a list
/// entry: entries can be addresses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bytes end before the bundle does: an interrupted download or a cut file.
    #[error("the bundle is truncated: it is shorter than its header says (download it again)")]
    Truncated,
    /// The bytes do not start with the bundle magic: this is not a compiled list bundle.
    #[error("not a childsafe list bundle (the magic bytes are wrong)")]
    BadMagic,
    /// The bundle is in a format version this build cannot read.
    #[error(
        "the bundle is in format version {found}, this build reads versions {} to {supported} \
         (compile it with a matching CLI or update the SDK)",
        super::format::OLDEST_FORMAT_VERSION
    )]
    UnsupportedFormat {
        /// The format version in the bundle.
        found: u16,
        /// The newest format version this build reads (and the one it writes).
        supported: u16,
    },
    /// No trusted public key was given, so no bundle can be accepted.
    #[error("no trusted public key was given to verify the bundle with")]
    NoTrustedKeys,
    /// The signature does not verify under any trusted key: the bundle was altered after
    /// signing, or signed with a key the caller does not trust.
    #[error(
        "the bundle's signature does not verify with any trusted key \
         (it was altered, or signed with another key)"
    )]
    BadSignature,
    /// The bundle's expiry time has passed.
    #[error("the bundle expired at {expires_at} (unix seconds); the time now is {now}")]
    Expired {
        /// When the bundle expired, in unix seconds.
        expires_at: u64,
        /// The time the caller gave as now, in unix seconds.
        now: u64,
    },
    /// The offered bundle is not newer than the one in force (a rollback or a replay).
    #[error("the bundle's version {offered} is not newer than the version in force, {current}")]
    NotNewer {
        /// Version of the bundle in force.
        current: u64,
        /// Version of the refused bundle.
        offered: u64,
    },
    /// A signed bundle whose structure is inconsistent: only a faulty compiler makes these.
    #[error("the bundle is malformed: {0}")]
    Malformed(&'static str),
    /// Something is over a size limit of the format.
    #[error("{what} is over the limit of {limit}")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// A list given to the builder cannot go into a bundle.
    #[error("invalid list: {0}")]
    InvalidList(&'static str),
    /// An entry of a domain list is not a canonical host.
    #[error(
        "entry {index} of a domain list is not a canonical host \
         (lowercase ASCII, punycode, no empty label, no trailing dot, at most 253 bytes)"
    )]
    InvalidDomain {
        /// Position of the entry in the order it was given, from 0.
        index: usize,
    },
    /// An entry of a hashed URL list has a host that no lookup expression can have.
    #[error(
        "entry {index} of a hashed URL list has an invalid host \
         (it must be printable ASCII without '/', not empty)"
    )]
    InvalidHashedEntry {
        /// Position of the entry in the order it was given, from 0.
        index: usize,
    },
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}
