//! The words the jobs share: content categories and the languages a child is written to in.
//!
//! The filter, safe mode and the texts a child reads all speak of the same [`Category`] values
//! and the same [`Locale`]s, so they live here, below the jobs, and each wording table (the
//! block page's, the rules summary's) is keyed by them.

mod category;
mod locale;

pub use category::Category;
pub use locale::Locale;
