//! The shape of the safety texts of one language, the rules every set of texts keeps, and the
//! SDK's own texts compiled in from `core/data/safety/<language>.json`.
//!
//! A language's texts are a list of packs, each for one audience and one or more age bands:
//! neighbouring bands whose children read at the same level may share a pack, but every band
//! must find exactly one pack for each audience, and every pack has every topic once, with a
//! title and at least one paragraph, none empty. A carrier's signed pack holds texts of this
//! same shape and is held to the same rules before it is installed.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::model::{SafetyAudience, SafetySection, SafetyTopic};
use crate::settings::AgeBand;
use crate::vocabulary::Locale;

/// Most paragraphs in one section.
pub const MAX_PARAGRAPHS: usize = 12;

/// Longest title or paragraph, in characters.
pub const MAX_TEXT_CHARS: usize = 2_000;

/// Most packs in one language (one per band and audience, when none is shared).
pub const MAX_PACKS_PER_LANGUAGE: usize = AgeBand::ALL.len() * SafetyAudience::ALL.len();

/// The SDK's own texts, one file per locale (the project's wording; see the data's README).
const BUILT_IN_FILES: [(Locale, &str); 4] = [
    (Locale::En, include_str!("../../data/safety/en.json")),
    (Locale::Fr, include_str!("../../data/safety/fr.json")),
    (Locale::Es, include_str!("../../data/safety/es.json")),
    (Locale::De, include_str!("../../data/safety/de.json")),
];

/// The safety texts of one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageTexts {
    /// The language: `en`, `fr`, `es` or `de`.
    pub language: String,
    /// The packs, each for one audience and the bands it names.
    pub packs: Vec<BandTexts>,
}

/// One pack: the texts for one audience in the bands named.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandTexts {
    /// Who it is written for.
    pub audience: SafetyAudience,
    /// The age bands it serves.
    pub bands: Vec<AgeBand>,
    /// The heading of the whole.
    pub title: String,
    /// One section per topic.
    pub sections: Vec<SafetySection>,
}

/// Why a set of safety texts breaks the rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the safety texts for {language:?} are malformed: {problem}")]
pub struct TextsError {
    /// The language the texts name (as written, which may be the problem).
    pub language: String,
    /// What is wrong.
    pub problem: &'static str,
}

impl LanguageTexts {
    /// The texts' [`Locale`], if they keep every rule of the module's documentation.
    pub fn check(&self) -> Result<Locale, TextsError> {
        let fail = |problem| TextsError {
            language: self.language.clone(),
            problem,
        };
        let locale = Locale::ALL
            .into_iter()
            .find(|locale| locale.tag() == self.language)
            .ok_or_else(|| fail("the language is not one of en, fr, es, de"))?;
        if self.packs.len() > MAX_PACKS_PER_LANGUAGE {
            return Err(fail("more packs than bands and audiences"));
        }
        for audience in SafetyAudience::ALL {
            for band in AgeBand::ALL {
                let serving = self
                    .packs
                    .iter()
                    .filter(|pack| pack.audience == audience && pack.bands.contains(&band))
                    .count();
                match serving {
                    1 => {}
                    0 => return Err(fail("a band has no pack for an audience")),
                    _ => return Err(fail("a band has two packs for the same audience")),
                }
            }
        }
        for pack in &self.packs {
            pack.check().map_err(fail)?;
        }
        Ok(locale)
    }

    /// The pack for `audience` in `band`, if there is one.
    pub fn for_band(&self, band: AgeBand, audience: SafetyAudience) -> Option<&BandTexts> {
        self.packs
            .iter()
            .find(|pack| pack.audience == audience && pack.bands.contains(&band))
    }
}

impl BandTexts {
    fn check(&self) -> Result<(), &'static str> {
        if self.bands.is_empty() {
            return Err("a pack serves no band");
        }
        for (index, band) in self.bands.iter().enumerate() {
            if self.bands[..index].contains(band) {
                return Err("a pack names a band twice");
            }
        }
        check_text(&self.title)?;
        if self.sections.len() != SafetyTopic::ALL.len() {
            return Err("a pack does not have exactly one section per topic");
        }
        for topic in SafetyTopic::ALL {
            if !self.sections.iter().any(|section| section.topic == topic) {
                return Err("a pack is missing a topic");
            }
        }
        for section in &self.sections {
            check_text(&section.title)?;
            if section.paragraphs.is_empty() || section.paragraphs.len() > MAX_PARAGRAPHS {
                return Err("a section has no paragraph, or too many");
            }
            for paragraph in &section.paragraphs {
                check_text(paragraph)?;
            }
        }
        Ok(())
    }
}

/// A title or paragraph: not blank, not too long, no control characters.
fn check_text(text: &str) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        return Err("a title or paragraph is empty");
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err("a title or paragraph is too long");
    }
    if text.chars().any(char::is_control) {
        return Err("a title or paragraph holds a control character");
    }
    Ok(())
}

/// The SDK's own texts in `locale`, parsed and checked once.
pub fn built_in(locale: Locale) -> Result<&'static LanguageTexts, TextsError> {
    static BUILT_IN: OnceLock<Result<Vec<(Locale, LanguageTexts)>, TextsError>> = OnceLock::new();
    let all = BUILT_IN
        .get_or_init(|| BUILT_IN_FILES.iter().map(parse_built_in).collect())
        .as_ref()
        .map_err(Clone::clone)?;
    all.iter()
        .find(|(of, _)| *of == locale)
        .map(|(_, texts)| texts)
        .ok_or_else(|| TextsError {
            language: locale.tag().to_owned(),
            problem: "no built-in texts for this locale",
        })
}

fn parse_built_in(&(locale, file): &(Locale, &str)) -> Result<(Locale, LanguageTexts), TextsError> {
    let texts: LanguageTexts = serde_json::from_str(file).map_err(|_| TextsError {
        language: locale.tag().to_owned(),
        problem: "the data file is not the expected JSON",
    })?;
    if texts.check()? != locale {
        return Err(TextsError {
            language: texts.language,
            problem: "the data file names another language",
        });
    }
    Ok((locale, texts))
}
