//! Safety information: what the phone tells a child, and the child's parents, about grooming,
//! bullying, sharing images, strangers online, the report buttons and where to get help.
//!
//! The texts come in one pack per age band, language (en, fr, es, de) and audience (the child,
//! or a parent). The SDK ships its own, written for this project and compiled in from
//! `core/data/safety/` ([`texts`]); a carrier may replace them with a pack it signs ([`pack`]).
//! The numbers to call are never part of a text: they come from the country directory at the
//! moment the information is read ([`crate::reports::directory::contacts_for`]), so a corrected
//! helpline reaches the safety information as it reaches SOS.
//!
//! Which text is shown, in order:
//! 1. The installed carrier pack, if it covers the locale's language (a carrier may cover only
//!    some languages). It stays in force after it expires: expiry refuses installing a stale
//!    pack, it never takes the information away.
//! 2. Otherwise, or if the store cannot be read, the SDK's own text in that language. Every
//!    [`Locale`] has one; a phone language without a translation reads as English
//!    ([`Locale::from_tag`]).
//!
//! This module uses the age band of [`crate::settings`] and the directory of
//! [`crate::reports`], and nothing of either job's state: the facade says which band and country
//! apply.

mod model;
pub mod pack;
pub mod texts;

pub use model::{SafetyAudience, SafetyInformation, SafetySection, SafetyTopic};
pub use pack::{
    MAX_PACK_BYTES, PACK_CONTEXT, SafetyError, SafetyPack, install_safety_pack, installed_pack,
};
pub use texts::{BandTexts, LanguageTexts, TextsError};

use crate::reports::directory::{self, CountryCode};
use crate::settings::AgeBand;
use crate::store::Store;
use crate::vocabulary::Locale;

/// The `source` of the SDK's own texts.
pub const BUILT_IN_SOURCE: &str = "childsafe";

/// The `version` of the SDK's own texts; it grows when their wording changes.
pub const BUILT_IN_VERSION: u64 = 1;

/// The band whose texts a phone without safe mode shows: one that has none has no band of its
/// own, and this band's texts speak to a teenager without talking down to an older one.
pub const BAND_WITHOUT_SAFE_MODE: AgeBand = AgeBand::From13To15;

/// The safety information for `audience` in `band` and `locale`, with the contacts of
/// `country` (see the module's documentation for which text is chosen). Fails only if the
/// SDK's own texts do not parse, a defect of this build that the data tests catch.
pub fn safety_information(
    store: &dyn Store,
    band: AgeBand,
    locale: Locale,
    audience: SafetyAudience,
    country: Option<&CountryCode>,
) -> Result<SafetyInformation, SafetyError> {
    let contacts = directory::contacts_for(store, country);
    // A pack that cannot be read is as good as none: the SDK's own text is shown instead.
    let installed = installed_pack(store).ok().flatten();
    let carrier_texts = installed.as_ref().and_then(|pack| {
        pack.language(locale)
            .and_then(|texts| texts.for_band(band, audience))
            .map(|texts| (pack.carrier.as_str(), pack.version, texts))
    });
    let (source, version, texts) = match carrier_texts {
        Some(found) => found,
        None => {
            let texts = texts::built_in(locale)
                .map_err(SafetyError::BuiltIn)?
                .for_band(band, audience)
                .ok_or(SafetyError::BuiltIn(TextsError {
                    language: locale.tag().to_owned(),
                    problem: "a band has no pack for this audience",
                }))?;
            (BUILT_IN_SOURCE, BUILT_IN_VERSION, texts)
        }
    };
    Ok(SafetyInformation {
        audience,
        band: band.name().to_owned(),
        language: locale.tag().to_owned(),
        source: source.to_owned(),
        version,
        title: texts.title.clone(),
        sections: texts.sections.clone(),
        contacts,
    })
}
