//! [`Category`]: the kinds of content the SDK knows by name.
//!
//! Categories travel as strings: list names in signed bundles, names in the stored profile, in
//! activation profiles and parent commands. Those strings stay as they are on the wire and in the
//! store, because a newer list bundle may bring a category this version has never heard of, and
//! the filter must block it by name all the same. Where the SDK needs to know *what* a category
//! is (to word it for a child, or to name an age band's defaults), the name is read into a
//! [`Category`] with [`Category::from_name`]; a name it does not know stays a string and is
//! treated as "some other category".

use std::fmt;

/// A content category the SDK has words and defaults for. Its [`name`](Category::name) is the
/// spelling lists, profiles and commands use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Content for adults only.
    Adult,
    /// Betting and gambling.
    Gambling,
    /// Dating sites.
    Dating,
    /// Violent pictures and videos.
    Violence,
    /// Taking drugs.
    Drugs,
    /// Weapons.
    Weapons,
    /// Hate against groups of people.
    Hate,
    /// Hurting oneself.
    SelfHarm,
    /// Anonymizing services: a way around the filter.
    Anonymizers,
    /// Web proxies: a way around the filter.
    Proxies,
    /// VPN services: a way around the filter.
    Vpn,
    /// DNS-over-HTTPS endpoints: a browser that resolves through one escapes DNS-level
    /// filtering. Built into the filter (a table of public resolvers and the RFC 8484
    /// `/dns-query` path), on top of any bundle list of the same name.
    Doh,
    /// Hosts written as an IPv4 or IPv6 address. Real sites are reached by name; a bare address
    /// is the classic way around a domain list. Built into the filter: it follows from the URL.
    IpLiteral,
    /// Search engines that offer no way to force safe results. Built into the filter.
    UnsafeSearch,
}

impl Category {
    /// Every category, in the order the rules summary lists them.
    pub const ALL: [Category; 14] = [
        Category::Adult,
        Category::Gambling,
        Category::Dating,
        Category::Violence,
        Category::Drugs,
        Category::Weapons,
        Category::Hate,
        Category::SelfHarm,
        Category::Anonymizers,
        Category::Proxies,
        Category::Vpn,
        Category::Doh,
        Category::IpLiteral,
        Category::UnsafeSearch,
    ];

    /// The name as lists, profiles and commands spell it (`"self-harm"`, `"ip-literal"` ...).
    pub const fn name(self) -> &'static str {
        match self {
            Category::Adult => "adult",
            Category::Gambling => "gambling",
            Category::Dating => "dating",
            Category::Violence => "violence",
            Category::Drugs => "drugs",
            Category::Weapons => "weapons",
            Category::Hate => "hate",
            Category::SelfHarm => "self-harm",
            Category::Anonymizers => "anonymizers",
            Category::Proxies => "proxies",
            Category::Vpn => "vpn",
            Category::Doh => "doh",
            Category::IpLiteral => "ip-literal",
            Category::UnsafeSearch => "unsafe-search",
        }
    }

    /// The category spelled exactly `name`, or `None` for a name this version does not know
    /// (which still blocks a list of that name; it only has no words of its own).
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|category| category.name() == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_exactly() {
        for category in Category::ALL {
            assert_eq!(Category::from_name(category.name()), Some(category));
        }
        for unknown in ["crypto-mining", "Adult", " adult", "self_harm", ""] {
            assert_eq!(Category::from_name(unknown), None, "{unknown:?}");
        }
    }
}
