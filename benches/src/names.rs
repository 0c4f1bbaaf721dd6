//! The raw material of the generated workload: pronounceable host labels, a top-level domain mix
//! like the one category lists carry, and words for paths, queries and searches.

use crate::rng::SplitMix64;

/// Top-level domains with a weight each (roughly their share of adult and gambling lists: mostly
/// `.com`, a long tail of country and new generic domains, a few two-level public suffixes).
const TLDS: &[(&str, usize)] = &[
    ("com", 460),
    ("net", 70),
    ("org", 40),
    ("ru", 40),
    ("de", 30),
    ("xyz", 30),
    ("info", 25),
    ("co.uk", 25),
    ("com.br", 20),
    ("top", 20),
    ("pl", 15),
    ("nl", 15),
    ("fr", 15),
    ("online", 15),
    ("site", 15),
    ("club", 12),
    ("io", 12),
    ("tv", 12),
    ("me", 10),
    ("cc", 10),
    ("biz", 10),
    ("it", 10),
    ("es", 10),
    ("jp", 10),
    ("co.jp", 8),
    ("com.au", 8),
    ("in", 8),
    ("live", 8),
    ("cam", 8),
    ("xxx", 8),
    ("sex", 5),
    ("porn", 5),
    ("adult", 5),
    ("bet", 5),
    ("win", 5),
    ("vip", 5),
    ("cz", 5),
    ("se", 5),
    ("ua", 5),
    ("to", 5),
];

const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fl", "gr", "pl", "pr", "st", "tr", "ch", "sh", "th", "sl", "sp",
];
const VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y", "ee", "oo",
];
const CODAS: &[&str] = &[
    "", "", "", "", "n", "r", "s", "t", "x", "m", "l", "ck", "ng",
];

/// Words that category sites glue onto their names.
const CATEGORY_WORDS: &[&str] = &[
    "hot", "cam", "cams", "live", "tube", "club", "bet", "bets", "casino", "slots", "date",
    "dating", "chat", "girls", "xxx", "vid", "vids", "pics", "free", "best", "top", "spin",
    "poker", "lotto", "match", "meet", "flirt", "sexy", "mature", "teen", "amateur", "hd",
];

/// Ordinary words, for the paths, queries and searches of everyday browsing.
pub(crate) const WORDS: &[&str] = &[
    "news",
    "sport",
    "football",
    "weather",
    "homework",
    "maths",
    "science",
    "history",
    "music",
    "video",
    "games",
    "minecraft",
    "roblox",
    "lego",
    "animals",
    "dogs",
    "cats",
    "horses",
    "space",
    "planets",
    "dinosaurs",
    "recipes",
    "cake",
    "pizza",
    "school",
    "holiday",
    "summer",
    "winter",
    "drawing",
    "art",
    "books",
    "stories",
    "comics",
    "cartoons",
    "movies",
    "trailer",
    "songs",
    "guitar",
    "piano",
    "dance",
    "swimming",
    "bike",
    "skate",
    "fashion",
    "makeup",
    "hair",
    "phone",
    "tablet",
    "review",
    "how",
    "to",
    "make",
    "best",
    "new",
    "free",
    "kids",
    "easy",
    "fun",
    "facts",
    "quiz",
    "puzzle",
    "maps",
    "world",
    "city",
    "travel",
    "zoo",
    "museum",
    "coding",
    "python",
    "robot",
    "chemistry",
    "volcano",
    "ocean",
    "shark",
    "whale",
    "birthday",
    "party",
    "gift",
    "friends",
    "family",
    "help",
    "login",
    "account",
    "profile",
    "settings",
    "search",
    "shop",
    "cart",
    "product",
    "item",
    "article",
    "post",
    "comment",
    "forum",
    "topic",
    "thread",
    "wiki",
];

/// File endings of the subresources a page pulls in, with the request type a browser reports.
pub(crate) const SUBRESOURCES: &[(&str, &str)] = &[
    ("js", "script"),
    ("css", "stylesheet"),
    ("png", "image"),
    ("jpg", "image"),
    ("webp", "image"),
    ("svg", "image"),
    ("woff2", "font"),
    ("mp4", "media"),
    ("json", "xmlhttprequest"),
];

/// Sum of the [`TLDS`] weights.
fn tld_weight_total() -> usize {
    TLDS.iter().map(|(_, weight)| weight).sum()
}

/// A top-level domain drawn from the weighted mix.
pub(crate) fn tld(rng: &mut SplitMix64) -> &'static str {
    let mut draw = rng.below(tld_weight_total());
    for (tld, weight) in TLDS {
        if draw < *weight {
            return tld;
        }
        draw -= weight;
    }
    "com"
}

/// A made-up word that can be read aloud, of `syllables` syllables.
pub(crate) fn pronounceable(rng: &mut SplitMix64, syllables: usize, out: &mut String) {
    for _ in 0..syllables {
        out.push_str(rng.pick(ONSETS));
        out.push_str(rng.pick(VOWELS));
        out.push_str(rng.pick(CODAS));
    }
}

/// A registrable name (without TLD) for a category site: a made-up word, often joined to a
/// category word, sometimes with a hyphen or a number, as such sites are named.
pub(crate) fn category_label(rng: &mut SplitMix64, out: &mut String) {
    let syllables = 1 + rng.below(3);
    match rng.below(10) {
        0..=3 => pronounceable(rng, syllables + 1, out),
        4..=6 => {
            out.push_str(rng.pick(CATEGORY_WORDS));
            pronounceable(rng, syllables, out);
        }
        7 => {
            pronounceable(rng, syllables, out);
            out.push('-');
            out.push_str(rng.pick(CATEGORY_WORDS));
        }
        _ => {
            pronounceable(rng, syllables, out);
            out.push_str(rng.pick(CATEGORY_WORDS));
            if rng.percent(50) {
                out.push_str(&(rng.below(999) + 1).to_string());
            }
        }
    }
}

/// A short lowercase hexadecimal string, like the content hashes in asset file names.
pub(crate) fn hex(rng: &mut SplitMix64, digits: usize, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..digits {
        out.push(char::from(HEX[rng.below(16)]));
    }
}
