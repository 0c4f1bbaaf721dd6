//! Why a URL could not be canonicalized: the one error of the whole path from raw bytes to a
//! canonical URL, from the scheme and length checks (`canonical.rs`) to the host (`host.rs`).

/// Why a URL could not be canonicalized. Messages never repeat the URL: it is browsing history.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Nothing but whitespace was given.
    #[error("the URL is empty")]
    Empty,
    /// The input is longer than [`MAX_URL_BYTES`](super::MAX_URL_BYTES).
    #[error("the URL is longer than the limit of {limit} bytes")]
    TooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The scheme carries no network address (`javascript:`, `data:`, `mailto:`, `about:` ...).
    #[error(
        "the URL's scheme has no network address to check (as with javascript:, data: or mailto:)"
    )]
    NoNetworkAddress,
    /// The URL has an empty host (`http:///path`, `file:///etc`).
    #[error("the URL has no host")]
    NoHost,
    /// The host is a bracketed IP literal that is not a valid IPv6 address, or has text after
    /// its closing bracket that is not a port.
    #[error("the URL's host is a malformed IP literal")]
    MalformedIpLiteral,
}
