//! [`Locale`]: the languages the SDK writes in, and how a phone's language tag is read as one.
//!
//! Every text a child reads (the block page, the rules summary) has one table per locale, each
//! keyed by [`Locale`] with a `match`, so adding a locale without its words does not compile.

/// A language the SDK writes to a child in (the block page, the rules summary).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English; also the language for any tag without a translation.
    #[default]
    En,
    /// French.
    Fr,
    /// Spanish.
    Es,
    /// German.
    De,
}

/// Language codes recognised as the first subtag of a locale tag: ISO 639-1 and the ISO 639-2
/// codes some platforms report instead (Java's `getISO3Language`, for one).
const LANGUAGE_CODES: [(&str, Locale); 10] = [
    ("en", Locale::En),
    ("eng", Locale::En),
    ("fr", Locale::Fr),
    ("fra", Locale::Fr),
    ("fre", Locale::Fr),
    ("es", Locale::Es),
    ("spa", Locale::Es),
    ("de", Locale::De),
    ("deu", Locale::De),
    ("ger", Locale::De),
];

impl Locale {
    /// Every locale, for anything that must cover them all.
    pub const ALL: [Locale; 4] = [Locale::En, Locale::Fr, Locale::Es, Locale::De];

    /// The locale for a language tag as phones report it: BCP 47 (`fr-CA`), POSIX (`de_AT.UTF-8`)
    /// or Unicode (`es_419`). Only the language counts; a language without a translation, or an
    /// unreadable tag, gives English.
    pub fn from_tag(tag: &str) -> Locale {
        let language = tag
            .trim()
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or_default();
        LANGUAGE_CODES
            .iter()
            .find(|(code, _)| code.eq_ignore_ascii_case(language))
            .map_or(Locale::En, |&(_, locale)| locale)
    }

    /// The BCP 47 language tag, as used in the page's `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Es => "es",
            Locale::De => "de",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_tags_are_read_by_their_language() {
        let cases = [
            ("en", Locale::En),
            ("en-GB", Locale::En),
            ("fr-CA", Locale::Fr),
            ("FR", Locale::Fr),
            ("fra", Locale::Fr),
            ("es_419", Locale::Es),
            ("es-MX", Locale::Es),
            ("de_AT.UTF-8", Locale::De),
            ("deu", Locale::De),
            ("  de-CH  ", Locale::De),
            ("pt-BR", Locale::En),
            ("ar", Locale::En),
            ("C", Locale::En),
            ("", Locale::En),
            ("-fr", Locale::En),
        ];
        for (tag, locale) in cases {
            assert_eq!(Locale::from_tag(tag), locale, "{tag:?}");
        }
        for locale in Locale::ALL {
            assert_eq!(Locale::from_tag(locale.tag()), locale);
        }
    }
}
