//! Every word the block page shows, for every locale, in one table.
//!
//! Each locale is one [`PageText`] value whose fields name every sentence and label the page can
//! show, with a `match` over every [`Category`] for the category sentences, so a locale cannot be
//! added with a sentence missing, nor a category without its words: the compiler refuses it. The
//! texts are plain text (the renderer escapes them), written for a child: short sentences, no
//! blame, no frightening detail. Apostrophes are typographic (`’`), which keeps the table free of
//! characters that HTML gives a meaning to; French puts a narrow no-break space (U+202F) before a
//! colon.
//!
//! The wording for illegal material follows what hotlines ask of block pages (say plainly that the
//! address is on a list of pages known to contain child sexual abuse images; no detail beyond
//! that) and adds what a child needs to hear: it is not their fault, and a trusted adult can help.

use crate::vocabulary::{Category, Locale};

/// Which way a locale's text runs; it becomes the page's `dir` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TextDirection {
    /// Left to right.
    Ltr,
    /// Right to left (Arabic, Hebrew, ...). No such locale yet; the page's layout uses logical
    /// CSS properties so that adding one needs only a table entry.
    #[allow(
        dead_code,
        reason = "kept so that the page's layout is written for both directions"
    )]
    Rtl,
}

impl TextDirection {
    /// The value of the HTML `dir` attribute.
    pub(super) fn attribute(self) -> &'static str {
        match self {
            Self::Ltr => "ltr",
            Self::Rtl => "rtl",
        }
    }
}

/// Everything the page says in one locale.
pub(super) struct PageText {
    /// The direction the locale's script runs.
    pub(super) direction: TextDirection,
    /// The page title and main heading.
    pub(super) heading: &'static str,
    /// Label before the blocked site's host name, with the punctuation the language puts there.
    pub(super) site_label: &'static str,
    /// Label before a category name in the small print meant for a grown-up; punctuated too.
    pub(super) category_label: &'static str,
    /// Shown above the "ask a parent" button.
    pub(super) ask_parent_hint: &'static str,
    /// The "ask a parent" button.
    pub(super) ask_parent_button: &'static str,
    /// The "report" button.
    pub(super) report_button: &'static str,
    /// Shown with illegal-material blocks: whom to turn to.
    pub(super) trusted_adult_hint: &'static str,
    /// Why the page is blocked, per reason.
    pub(super) reasons: ReasonText,
}

/// The sentence a child reads for each block reason.
pub(super) struct ReasonText {
    /// The address is on a known child-sexual-abuse-material list.
    pub(super) illegal_material: &'static str,
    /// A parent's own deny rule.
    pub(super) parent_denied: &'static str,
    /// Allowlist-only mode and the site is not on the list.
    pub(super) not_on_allowlist: &'static str,
    /// Not a web address, or not readable as one.
    pub(super) not_a_web_address: &'static str,
    /// The phone's lists cannot be opened, so nothing can be checked.
    pub(super) lists_unavailable: &'static str,
    /// The sentence for each category the SDK knows; the ways around the filter (anonymizers,
    /// proxies, VPNs, DoH endpoints) share one, as a child needs no more detail than that.
    pub(super) categories: fn(Category) -> &'static str,
    /// A category without its own wording.
    pub(super) other_category: &'static str,
}

/// The texts of `locale`.
pub(super) fn page_text(locale: Locale) -> &'static PageText {
    match locale {
        Locale::En => &ENGLISH,
        Locale::Fr => &FRENCH,
        Locale::Es => &SPANISH,
        Locale::De => &GERMAN,
    }
}

impl ReasonText {
    /// The sentence for category `name`, or the general one when it has no wording of its own.
    pub(super) fn category(&self, name: &str) -> &'static str {
        worded_category(name).map_or(self.other_category, self.categories)
    }
}

/// The category named `name` if it has wording of its own, ignoring ASCII case and surrounding
/// whitespace: the app may pass a name as it wrote it.
pub(super) fn worded_category(name: &str) -> Option<Category> {
    let name = name.trim();
    Category::ALL
        .into_iter()
        .find(|category| category.name().eq_ignore_ascii_case(name))
}

const ENGLISH: PageText = PageText {
    direction: TextDirection::Ltr,
    heading: "This page is blocked",
    site_label: "Website:",
    category_label: "Category:",
    ask_parent_hint: "If you need this page, you can ask a parent.",
    ask_parent_button: "Ask a parent",
    report_button: "Report",
    trusted_adult_hint: "If something you saw online upset or worried you, talk to an adult you \
                         trust.",
    reasons: ReasonText {
        illegal_material: "This page is on a list of web addresses known to contain images of \
                           child sexual abuse, so it cannot be opened. This is not your fault.",
        parent_denied: "A parent has chosen to block this website.",
        not_on_allowlist: "On this device you can visit only the websites a parent has chosen. \
                           This one is not on the list yet.",
        not_a_web_address: "This link is not a normal web address, so it cannot be opened here.",
        lists_unavailable: "The safety lists on this device need to be updated, so no \
                            website can be checked right now. Please ask a parent for help.",
        categories: english_category_reason,
        other_category: "This kind of page is blocked by the safety settings on this device.",
    },
};

/// The sentence explaining each category on the English page.
fn english_category_reason(category: Category) -> &'static str {
    match category {
        Category::Adult => "This page is for adults only.",
        Category::Gambling => "This page is about gambling, which is only for adults.",
        Category::Dating => "This is a dating website. Dating websites are for adults.",
        Category::Violence => "This page may show violence that is not right for children.",
        Category::Drugs => "This page is about drugs and is not right for children.",
        Category::Weapons => "This page is about weapons and is not right for children.",
        Category::Hate => "This page may contain hurtful words about groups of people.",
        Category::SelfHarm => {
            "This page may be upsetting. If something is making you sad or worried, \
            please talk to someone you trust. It is always OK to ask for help."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "This page could be used to get around your safety settings."
        }
        Category::IpLiteral => {
            "This web address is written as numbers instead of a name, so it cannot \
            be checked."
        }
        Category::UnsafeSearch => {
            "This search engine cannot hide results that are not right for \
            children. Please use a different one."
        }
    }
}

const FRENCH: PageText = PageText {
    direction: TextDirection::Ltr,
    heading: "Cette page est bloquée",
    site_label: "Site web\u{202F}:",
    category_label: "Catégorie\u{202F}:",
    ask_parent_hint: "Si tu as besoin de cette page, tu peux demander à un parent.",
    ask_parent_button: "Demander à un parent",
    report_button: "Signaler",
    trusted_adult_hint: "Si quelque chose que tu as vu en ligne t’a bouleversé ou inquiété, \
                         parles-en à un adulte de confiance.",
    reasons: ReasonText {
        illegal_material: "Cette page figure sur une liste d’adresses web connues pour contenir \
                           des images d’abus sexuels sur des enfants. Elle ne peut donc pas être \
                           ouverte. Ce n’est pas ta faute.",
        parent_denied: "Un parent a choisi de bloquer ce site.",
        not_on_allowlist: "Sur cet appareil, tu peux aller seulement sur les sites choisis par un \
                           parent. Celui-ci n’est pas encore sur la liste.",
        not_a_web_address: "Ce lien n’est pas une adresse web normale. Il ne peut donc pas \
                            s’ouvrir ici.",
        lists_unavailable: "Les listes de sécurité de cet appareil doivent être mises à jour. \
                            Aucun site ne peut donc être vérifié pour l’instant. Demande de \
                            l’aide à un parent.",
        categories: french_category_reason,
        other_category: "Ce type de page est bloqué par les réglages de sécurité de cet \
                         appareil.",
    },
};

/// The sentence explaining each category on the French page.
fn french_category_reason(category: Category) -> &'static str {
    match category {
        Category::Adult => "Cette page est réservée aux adultes.",
        Category::Gambling => "Cette page parle de jeux d’argent, qui sont réservés aux adultes.",
        Category::Dating => "C’est un site de rencontres. Ces sites sont réservés aux adultes.",
        Category::Violence => {
            "Cette page peut montrer de la violence qui ne convient pas aux enfants."
        }
        Category::Drugs => "Cette page parle de drogues et ne convient pas aux enfants.",
        Category::Weapons => "Cette page parle d’armes et ne convient pas aux enfants.",
        Category::Hate => {
            "Cette page peut contenir des propos blessants envers des groupes de \
            personnes."
        }
        Category::SelfHarm => {
            "Cette page pourrait te faire de la peine. Si quelque chose te rend triste \
            ou t’inquiète, parles-en à une personne de confiance. Tu as toujours le \
            droit de demander de l’aide."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Cette page pourrait servir à contourner tes réglages de sécurité."
        }
        Category::IpLiteral => {
            "Cette adresse web est écrite avec des chiffres au lieu d’un nom. Elle ne \
            peut donc pas être vérifiée."
        }
        Category::UnsafeSearch => {
            "Ce moteur de recherche ne peut pas masquer les résultats qui ne \
            conviennent pas aux enfants. Utilise-en un autre."
        }
    }
}

const SPANISH: PageText = PageText {
    direction: TextDirection::Ltr,
    heading: "Esta página está bloqueada",
    site_label: "Sitio web:",
    category_label: "Categoría:",
    ask_parent_hint: "Si necesitas esta página, puedes pedir permiso a tu familia.",
    ask_parent_button: "Pedir permiso",
    report_button: "Denunciar",
    trusted_adult_hint: "Si algo que has visto en internet te ha molestado o preocupado, habla \
                         con un adulto de confianza.",
    reasons: ReasonText {
        illegal_material: "Esta página está en una lista de direcciones web que se sabe que \
                           contienen imágenes de abuso sexual infantil. Por eso no se puede \
                           abrir. No es culpa tuya.",
        parent_denied: "Tu familia ha decidido bloquear este sitio web.",
        not_on_allowlist: "En este dispositivo solo puedes visitar los sitios web que ha elegido \
                           tu familia. Este todavía no está en la lista.",
        not_a_web_address: "Este enlace no es una dirección web normal. Por eso no se puede \
                            abrir aquí.",
        lists_unavailable: "Las listas de seguridad de este dispositivo necesitan \
                            actualizarse, así que ahora no se puede comprobar ningún sitio web. \
                            Pide ayuda a tu familia.",
        categories: spanish_category_reason,
        other_category: "Los ajustes de seguridad de este dispositivo bloquean este tipo de \
                         página.",
    },
};

/// The sentence explaining each category on the Spanish page.
fn spanish_category_reason(category: Category) -> &'static str {
    match category {
        Category::Adult => "Esta página es solo para adultos.",
        Category::Gambling => "Esta página trata de apuestas, que son solo para adultos.",
        Category::Dating => "Es un sitio web de citas. Esos sitios son para adultos.",
        Category::Violence => "Esta página puede mostrar violencia que no es adecuada para niños.",
        Category::Drugs => "Esta página trata de drogas y no es adecuada para niños.",
        Category::Weapons => "Esta página trata de armas y no es adecuada para niños.",
        Category::Hate => "Esta página puede tener palabras que hacen daño a grupos de personas.",
        Category::SelfHarm => {
            "Esta página puede hacerte sentir mal. Si algo te pone triste o te \
            preocupa, habla con una persona de confianza. Pedir ayuda siempre está \
            bien."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Esta página podría servir para saltarse tus ajustes de seguridad."
        }
        Category::IpLiteral => {
            "Esta dirección web está escrita con números en lugar de un nombre. Por \
            eso no se puede comprobar."
        }
        Category::UnsafeSearch => {
            "Este buscador no puede ocultar los resultados que no son adecuados \
            para niños. Por favor, usa otro."
        }
    }
}

const GERMAN: PageText = PageText {
    direction: TextDirection::Ltr,
    heading: "Diese Seite ist gesperrt",
    site_label: "Internetseite:",
    category_label: "Kategorie:",
    ask_parent_hint: "Wenn du diese Seite brauchst, kannst du deine Eltern fragen.",
    ask_parent_button: "Eltern fragen",
    report_button: "Melden",
    trusted_adult_hint: "Wenn dich etwas im Internet erschreckt oder beunruhigt hat, sprich mit \
                         einem Erwachsenen, dem du vertraust.",
    reasons: ReasonText {
        illegal_material: "Diese Seite steht auf einer Liste von Internetadressen, die bekanntlich \
                           Bilder von sexuellem Missbrauch von Kindern enthalten. Deshalb kann \
                           sie nicht geöffnet werden. Das ist nicht deine Schuld.",
        parent_denied: "Deine Eltern haben diese Internetseite gesperrt.",
        not_on_allowlist: "Auf diesem Gerät kannst du nur Internetseiten besuchen, die deine \
                           Eltern ausgewählt haben. Diese Seite ist noch nicht dabei.",
        not_a_web_address: "Dieser Link ist keine normale Internetadresse. Deshalb kann er hier \
                            nicht geöffnet werden.",
        lists_unavailable: "Die Sicherheitslisten auf diesem Gerät müssen erneuert werden. \
                            Deshalb kann gerade keine Internetseite geprüft werden. Bitte frag \
                            deine Eltern um Hilfe.",
        categories: german_category_reason,
        other_category: "Diese Art von Seite ist durch die Sicherheitseinstellungen auf diesem \
                         Gerät gesperrt.",
    },
};

/// The sentence explaining each category on the German page.
fn german_category_reason(category: Category) -> &'static str {
    match category {
        Category::Adult => "Diese Seite ist nur für Erwachsene.",
        Category::Gambling => {
            "Auf dieser Seite geht es um Glücksspiel. Das ist nur für Erwachsene."
        }
        Category::Dating => "Das ist eine Dating-Seite. Dating-Seiten sind für Erwachsene.",
        Category::Violence => "Diese Seite kann Gewalt zeigen, die nicht für Kinder geeignet ist.",
        Category::Drugs => "Auf dieser Seite geht es um Drogen. Sie ist nicht für Kinder geeignet.",
        Category::Weapons => {
            "Auf dieser Seite geht es um Waffen. Sie ist nicht für Kinder geeignet."
        }
        Category::Hate => "Diese Seite kann verletzende Worte über Gruppen von Menschen enthalten.",
        Category::SelfHarm => {
            "Diese Seite könnte dich belasten. Wenn dich etwas traurig macht oder dir \
            Sorgen bereitet, sprich mit jemandem, dem du vertraust. Es ist immer \
            okay, um Hilfe zu bitten."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Mit dieser Seite könnte man deine Sicherheitseinstellungen umgehen."
        }
        Category::IpLiteral => {
            "Diese Internetadresse besteht aus Zahlen statt aus einem Namen. Deshalb \
            kann sie nicht geprüft werden."
        }
        Category::UnsafeSearch => {
            "Diese Suchmaschine kann Ergebnisse, die nicht für Kinder geeignet \
            sind, nicht ausblenden. Bitte nimm eine andere."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl PageText {
        /// Every string of the locale, in field order, so locales can be compared slot by slot.
        fn every_string(&self) -> Vec<&'static str> {
            let reasons = &self.reasons;
            let mut strings = vec![
                self.heading,
                self.site_label,
                self.category_label,
                self.ask_parent_hint,
                self.ask_parent_button,
                self.report_button,
                self.trusted_adult_hint,
                reasons.illegal_material,
                reasons.parent_denied,
                reasons.not_on_allowlist,
                reasons.not_a_web_address,
                reasons.lists_unavailable,
                reasons.other_category,
            ];
            strings.extend(Category::ALL.map(reasons.categories));
            strings
        }
    }

    #[test]
    fn every_locale_translates_every_string() {
        let english = page_text(Locale::En).every_string();
        for locale in Locale::ALL {
            let strings = page_text(locale).every_string();
            for (slot, (text, english)) in strings.iter().zip(&english).enumerate() {
                assert!(!text.trim().is_empty(), "{locale:?} slot {slot} is empty");
                if locale != Locale::En {
                    assert_ne!(text, english, "{locale:?} slot {slot} is still English");
                }
            }
        }
    }

    #[test]
    fn the_table_is_plain_text() {
        for locale in Locale::ALL {
            for text in page_text(locale).every_string() {
                assert!(
                    !text.contains(['<', '>', '&', '"', '\'', '\n', '\t']),
                    "{locale:?}: {text:?}"
                );
                assert!(
                    !text.contains("  "),
                    "{locale:?} has a double space: {text:?}"
                );
            }
        }
    }

    #[test]
    fn category_names_match_without_regard_to_case_or_padding() {
        let reasons = &page_text(Locale::En).reasons;
        assert_eq!(
            reasons.category(" Self-Harm "),
            (reasons.categories)(Category::SelfHarm)
        );
        assert_eq!(reasons.category("DOH"), (reasons.categories)(Category::Doh));
        assert_eq!(reasons.category("self_harm"), reasons.other_category);
        assert_eq!(reasons.category(""), reasons.other_category);
    }
}
