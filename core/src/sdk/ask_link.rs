//! The "ask a parent" links of the SDK's own block pages.
//!
//! A block page's ask button leads to `childsafe://ask?url=<blocked URL>&nonce=<nonce>`, and the
//! app hands whatever `childsafe://ask` link the browser meets to [`ChildSafe::ask_parent`]. Any
//! page can write such a link, so a link is honoured only when it carries a nonce this SDK put on
//! a block page it rendered, for that same URL, and only once. Without the rule, a page could make
//! the phone send device-signed access requests for hosts of the page's choosing.
//!
//! The nonces live in memory only: a block page shown before the app restarted is shown again,
//! with a new nonce, when the child reloads it.
//!
//! [`ChildSafe::ask_parent`]: super::ChildSafe::ask_parent

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Where the block page's "ask a parent" button leads, followed by `?url=` (the blocked URL in
/// unpadded base64url) and `&nonce=`: the app catches it and hands it to
/// [`ChildSafe::ask_parent`](super::ChildSafe::ask_parent).
pub const ASK_PARENT_SCHEME: &str = "childsafe://ask";

/// How many block pages' nonces are kept: the pages a child may still have in the browser's
/// tabs and history. The oldest is forgotten first.
pub(super) const ASK_LINKS_KEPT: usize = 32;

/// The longest ask link read, in bytes: the URLs the SDK checks are a few kilobytes at most, and a
/// page cannot make the SDK decode an unbounded string.
const MAX_LINK_LEN: usize = 16 * 1024;

/// Bytes of randomness in one nonce.
const NONCE_LEN: usize = 16;

/// Why an ask link was not honoured. The app shows nothing for it: the page that wrote the link
/// is not the SDK's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AskLinkRefusal {
    /// Not `childsafe://ask?url=...&nonce=...`, or a part of it does not decode.
    Malformed,
    /// The nonce is not one this SDK issued (or it was used already), or it was issued for
    /// another URL.
    NotFromABlockPage,
}

impl AskLinkRefusal {
    /// What the log says.
    pub(super) const fn describe(self) -> &'static str {
        match self {
            Self::Malformed => "the ask-a-parent link is malformed",
            Self::NotFromABlockPage => "the ask-a-parent link is not from a block page of this SDK",
        }
    }
}

/// One nonce issued with a block page, and the URL that page blocked.
struct Issued {
    nonce: String,
    url: String,
}

/// The nonces of the block pages rendered and not yet used.
#[derive(Default)]
pub(super) struct AskLinks {
    issued: Mutex<VecDeque<Issued>>,
}

impl AskLinks {
    /// The ask link for a new block page about `url`; `None` when no randomness could be had
    /// (the page then has no ask button, rather than one anybody could forge).
    pub(super) fn issue(&self, url: &str) -> Option<String> {
        let nonce = URL_SAFE_NO_PAD.encode(crate::crypto::random_bytes::<NONCE_LEN>().ok()?);
        let link = format!(
            "{ASK_PARENT_SCHEME}?url={}&nonce={nonce}",
            URL_SAFE_NO_PAD.encode(url.as_bytes())
        );
        let mut issued = self.lock();
        if issued.len() == ASK_LINKS_KEPT {
            issued.pop_front();
        }
        issued.push_back(Issued {
            nonce,
            url: url.to_owned(),
        });
        Some(link)
    }

    /// The blocked URL `link` asks about, when its nonce was issued for that URL and not used;
    /// the nonce is used up. [`AskLinks::give_back`] returns it when the request could not leave.
    pub(super) fn redeem(&self, link: &str) -> Result<String, AskLinkRefusal> {
        let (url, nonce) = read_link(link).ok_or(AskLinkRefusal::Malformed)?;
        let mut issued = self.lock();
        let found = issued
            .iter()
            .position(|entry| same_secret(&entry.nonce, &nonce) && entry.url == url)
            .ok_or(AskLinkRefusal::NotFromABlockPage)?;
        issued.remove(found);
        Ok(url)
    }

    /// Makes a redeemed link good again, so that the child can press the button once more after
    /// a request that failed to leave.
    pub(super) fn give_back(&self, link: &str) {
        if let Some((url, nonce)) = read_link(link) {
            let mut issued = self.lock();
            if issued.len() == ASK_LINKS_KEPT {
                issued.pop_front();
            }
            issued.push_back(Issued { nonce, url });
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Issued>> {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The URL and nonce of `childsafe://ask?url=<base64url>&nonce=<base64url>`: both parameters
/// exactly once, nothing else, the URL valid UTF-8 and not empty.
fn read_link(link: &str) -> Option<(String, String)> {
    if link.len() > MAX_LINK_LEN {
        return None;
    }
    let prefix = format!("{ASK_PARENT_SCHEME}?");
    let head = link.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(&prefix) {
        return None;
    }
    let mut url = None;
    let mut nonce = None;
    for parameter in link[prefix.len()..].split('&') {
        let (name, value) = parameter.split_once('=')?;
        let slot = match name {
            "url" => &mut url,
            "nonce" => &mut nonce,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    let url = String::from_utf8(URL_SAFE_NO_PAD.decode(url?).ok()?).ok()?;
    let nonce = nonce?;
    let nonce_bytes = URL_SAFE_NO_PAD.decode(nonce).ok()?;
    (!url.is_empty() && nonce_bytes.len() == NONCE_LEN).then(|| (url, nonce.to_owned()))
}

/// Compares two nonces in time that does not depend on where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |differ, (x, y)| differ | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCKED: &str = "https://casino.example/slots";

    fn nonce_of(link: &str) -> String {
        read_link(link).expect("an issued link reads back").1
    }

    #[test]
    fn an_issued_link_is_honoured_once() {
        let links = AskLinks::default();
        let link = links.issue(BLOCKED).expect("randomness");
        assert!(link.starts_with("childsafe://ask?url="));
        assert_eq!(links.redeem(&link), Ok(BLOCKED.to_owned()));
        assert_eq!(links.redeem(&link), Err(AskLinkRefusal::NotFromABlockPage));
    }

    #[test]
    fn a_link_without_an_issued_nonce_is_refused() {
        let links = AskLinks::default();
        let issued = links.issue(BLOCKED).expect("randomness");
        let without = format!(
            "childsafe://ask?url={}",
            URL_SAFE_NO_PAD.encode(BLOCKED.as_bytes())
        );
        assert_eq!(links.redeem(&without), Err(AskLinkRefusal::Malformed));
        let invented = format!(
            "childsafe://ask?url={}&nonce={}",
            URL_SAFE_NO_PAD.encode(BLOCKED.as_bytes()),
            URL_SAFE_NO_PAD.encode([7u8; NONCE_LEN])
        );
        assert_eq!(
            links.redeem(&invented),
            Err(AskLinkRefusal::NotFromABlockPage)
        );
        // The real link still works after the forgeries.
        assert_eq!(links.redeem(&issued), Ok(BLOCKED.to_owned()));
    }

    #[test]
    fn a_nonce_moved_to_another_url_is_refused() {
        let links = AskLinks::default();
        let issued = links.issue(BLOCKED).expect("randomness");
        let moved = format!(
            "childsafe://ask?url={}&nonce={}",
            URL_SAFE_NO_PAD.encode(b"https://other.example/"),
            nonce_of(&issued)
        );
        assert_eq!(links.redeem(&moved), Err(AskLinkRefusal::NotFromABlockPage));
        assert_eq!(links.redeem(&issued), Ok(BLOCKED.to_owned()));
    }

    #[test]
    fn malformed_links_are_refused() {
        let links = AskLinks::default();
        let issued = links.issue(BLOCKED).expect("randomness");
        let nonce = nonce_of(&issued);
        let url = URL_SAFE_NO_PAD.encode(BLOCKED.as_bytes());
        for link in [
            String::new(),
            "childsafe://report".to_owned(),
            format!("childsafe://ask?nonce={nonce}"),
            format!("childsafe://ask?url={url}&nonce={nonce}&url={url}"),
            format!("childsafe://ask?url={url}&nonce={nonce}&extra=1"),
            format!("childsafe://ask?url=***&nonce={nonce}"),
            format!("childsafe://ask?url=&nonce={nonce}"),
            format!("childsafe://ask?url={url}&nonce=abc"),
            format!(
                "childsafe://ask?url={}&nonce={nonce}",
                URL_SAFE_NO_PAD.encode([0xff, 0xfe])
            ),
            format!(
                "childsafe://ask?url={url}&nonce={nonce}{}",
                "a".repeat(MAX_LINK_LEN)
            ),
            format!("https://ask?url={url}&nonce={nonce}"),
        ] {
            assert_eq!(
                links.redeem(&link),
                Err(AskLinkRefusal::Malformed),
                "{link}"
            );
        }
        assert_eq!(links.redeem(&issued), Ok(BLOCKED.to_owned()));
    }

    #[test]
    fn the_oldest_pages_are_forgotten_first() {
        let links = AskLinks::default();
        let oldest = links.issue(BLOCKED).expect("randomness");
        let kept: Vec<String> = (0..ASK_LINKS_KEPT)
            .map(|i| {
                links
                    .issue(&format!("https://blocked{i}.example/"))
                    .expect("randomness")
            })
            .collect();
        assert_eq!(
            links.redeem(&oldest),
            Err(AskLinkRefusal::NotFromABlockPage)
        );
        for (i, link) in kept.iter().enumerate() {
            assert_eq!(
                links.redeem(link),
                Ok(format!("https://blocked{i}.example/"))
            );
        }
    }

    #[test]
    fn a_link_given_back_works_again() {
        let links = AskLinks::default();
        let link = links.issue(BLOCKED).expect("randomness");
        assert_eq!(links.redeem(&link), Ok(BLOCKED.to_owned()));
        links.give_back(&link);
        assert_eq!(links.redeem(&link), Ok(BLOCKED.to_owned()));
    }

    #[test]
    fn the_scheme_is_read_without_regard_to_case() {
        let links = AskLinks::default();
        let link = links.issue(BLOCKED).expect("randomness");
        let shouted = link.replacen("childsafe://ask", "CHILDSAFE://ASK", 1);
        assert_eq!(links.redeem(&shouted), Ok(BLOCKED.to_owned()));
    }
}
