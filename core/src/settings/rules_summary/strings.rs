//! Every sentence of the rules summary, for every locale, in one table.
//!
//! Each locale is one [`SummaryText`] value with a field per sentence and a `match` over every
//! [`Category`] for the category lines, so a locale cannot be added with a sentence missing, nor a
//! category without its line: the compiler refuses it. The sentences speak to the child
//! ("you"), say what is blocked rather than why it is bad, and use the same words for a parent as
//! the block page does in each language. `{youngest}`, `{oldest}` and `{hosts}` are filled in by
//! the summary; apostrophes are typographic and French puts a narrow no-break space (U+202F)
//! before a colon, as on the block page.

use crate::vocabulary::{Category, Locale};

/// Everything the summary says in one locale.
pub(super) struct SummaryText {
    /// The only line when safe mode is off.
    pub(super) safe_mode_off: &'static str,
    /// The band's ages; `{youngest}` and `{oldest}` are replaced by numbers.
    pub(super) ages: &'static str,
    /// Allowlist-only mode is on.
    pub(super) allowlist_only: &'static str,
    /// SafeSearch is forced.
    pub(super) safe_search: &'static str,
    /// The parent's allowed hosts; `{hosts}` is replaced by the list.
    pub(super) allowed_hosts: &'static str,
    /// The parent's denied hosts; `{hosts}` is replaced by the list.
    pub(super) denied_hosts: &'static str,
    /// The child may make some changes that tighten the rules.
    pub(super) child_may_tighten: &'static str,
    /// Only a parent may change anything.
    pub(super) parent_only: &'static str,
    /// A blocked site can be asked for.
    pub(super) ask_parent: &'static str,
    /// The phone company's protection for the line holds some rules in place.
    pub(super) carrier_floor: &'static str,
    /// The rules are temporary, until the phone company's settings for the line arrive.
    pub(super) provisional: &'static str,
    /// The line for each blocked category the SDK knows; anonymizers, proxies, VPNs and DoH
    /// endpoints share one.
    pub(super) categories: fn(Category) -> &'static str,
    /// Blocked categories without their own wording.
    pub(super) other_categories: &'static str,
}

/// The sentences of `locale`.
pub(super) fn summary_text(locale: Locale) -> &'static SummaryText {
    match locale {
        Locale::En => &ENGLISH,
        Locale::Fr => &FRENCH,
        Locale::Es => &SPANISH,
        Locale::De => &GERMAN,
    }
}

const ENGLISH: SummaryText = SummaryText {
    safe_mode_off: "Safe mode is switched off on this phone.",
    ages: "These rules are for ages {youngest} to {oldest}.",
    allowlist_only: "You can open only the websites a parent has picked for you.",
    safe_search: "Search results are filtered so that things meant for grown-ups stay hidden.",
    allowed_hosts: "A parent has said yes to these websites: {hosts}.",
    denied_hosts: "A parent has said no to these websites: {hosts}.",
    child_may_tighten: "You can make these rules stricter yourself. Only a parent can make them \
                        less strict.",
    parent_only: "Only a parent can change these rules.",
    ask_parent: "If a website you need is blocked, you can ask a parent to open it for you.",
    carrier_floor: "Your phone company keeps some of these rules on for your line. Not even a \
                    parent can switch those off.",
    provisional: "These rules keep you safe for now, until your phone company sends the \
                  settings for your line.",
    categories: english_category_line,
    other_categories: "Some other kinds of websites are blocked too.",
};

/// The summary line for each blocked category, in English.
fn english_category_line(category: Category) -> &'static str {
    match category {
        Category::Adult => "Websites made for adults are blocked.",
        Category::Gambling => "Betting and gambling websites are blocked.",
        Category::Dating => "Dating websites are blocked.",
        Category::Violence => "Websites with violent pictures or videos are blocked.",
        Category::Drugs => "Websites about taking drugs are blocked.",
        Category::Weapons => "Websites about weapons are blocked.",
        Category::Hate => "Websites that spread hate against groups of people are blocked.",
        Category::SelfHarm => {
            "Websites about hurting yourself are blocked. If you are having a hard time, \
            talking to someone you trust can help."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Tools that get around these rules, such as VPNs and proxies, are blocked."
        }
        Category::IpLiteral => {
            "Web addresses made only of numbers are blocked, because they cannot be \
            checked."
        }
        Category::UnsafeSearch => "Search engines that cannot hide grown-up results are blocked.",
    }
}

const FRENCH: SummaryText = SummaryText {
    safe_mode_off: "Le mode sécurisé est désactivé sur ce téléphone.",
    ages: "Ces règles sont prévues pour les {youngest} à {oldest} ans.",
    allowlist_only: "Tu peux ouvrir uniquement les sites qu’un parent a choisis pour toi.",
    safe_search: "Les résultats de recherche sont filtrés pour cacher ce qui est destiné aux \
                  adultes.",
    allowed_hosts: "Un parent a dit oui à ces sites\u{202F}: {hosts}.",
    denied_hosts: "Un parent a dit non à ces sites\u{202F}: {hosts}.",
    child_may_tighten: "Tu peux rendre ces règles plus strictes toi-même. Seul un parent peut \
                        les assouplir.",
    parent_only: "Seul un parent peut modifier ces règles.",
    ask_parent: "Si un site dont tu as besoin est bloqué, tu peux demander à un parent de \
                 l’ouvrir pour toi.",
    carrier_floor: "Ton opérateur garde certaines de ces règles pour ta ligne. Même un parent \
                    ne peut pas les enlever.",
    provisional: "Ces règles te protègent pour l’instant, en attendant que ton opérateur envoie \
                  les réglages de ta ligne.",
    categories: french_category_line,
    other_categories: "D’autres types de sites sont aussi bloqués.",
};

/// The summary line for each blocked category, in French.
fn french_category_line(category: Category) -> &'static str {
    match category {
        Category::Adult => "Les sites réservés aux adultes sont bloqués.",
        Category::Gambling => "Les sites de paris et de jeux d’argent sont bloqués.",
        Category::Dating => "Les sites de rencontres sont bloqués.",
        Category::Violence => {
            "Les sites qui montrent des images ou des vidéos violentes sont bloqués."
        }
        Category::Drugs => "Les sites qui parlent de prendre de la drogue sont bloqués.",
        Category::Weapons => "Les sites consacrés aux armes sont bloqués.",
        Category::Hate => {
            "Les sites qui répandent la haine contre des groupes de personnes sont bloqués."
        }
        Category::SelfHarm => {
            "Les sites qui parlent de se faire du mal sont bloqués. Si tu traverses un \
            moment difficile, en parler à une personne de confiance peut t’aider."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Les outils qui contournent ces règles, comme les VPN et les proxys, sont \
                bloqués."
        }
        Category::IpLiteral => {
            "Les adresses web faites seulement de chiffres sont bloquées, car elles ne \
            peuvent pas être vérifiées."
        }
        Category::UnsafeSearch => {
            "Les moteurs de recherche qui ne peuvent pas cacher les résultats pour \
            adultes sont bloqués."
        }
    }
}

const SPANISH: SummaryText = SummaryText {
    safe_mode_off: "El modo seguro está desactivado en este teléfono.",
    ages: "Estas reglas son para edades de {youngest} a {oldest} años.",
    allowlist_only: "Solo puedes abrir los sitios web que tu familia ha elegido para ti.",
    safe_search: "Los resultados de búsqueda se filtran para ocultar lo que es para adultos.",
    allowed_hosts: "Tu familia ha dicho que sí a estos sitios web: {hosts}.",
    denied_hosts: "Tu familia ha dicho que no a estos sitios web: {hosts}.",
    child_may_tighten: "Puedes hacer estas reglas más estrictas por tu cuenta. Solo tu familia \
                        puede suavizarlas.",
    parent_only: "Solo tu familia puede cambiar estas reglas.",
    ask_parent: "Si necesitas un sitio web que está bloqueado, puedes pedir a tu familia que lo \
                 abra para ti.",
    carrier_floor: "Tu compañía de teléfono mantiene algunas de estas reglas para tu línea. Ni \
                    siquiera tu familia puede quitarlas.",
    provisional: "Estas reglas te protegen por ahora, hasta que tu compañía de teléfono envíe \
                  los ajustes de tu línea.",
    categories: spanish_category_line,
    other_categories: "Otros tipos de sitios web también están bloqueados.",
};

/// The summary line for each blocked category, in Spanish.
fn spanish_category_line(category: Category) -> &'static str {
    match category {
        Category::Adult => "Los sitios web para adultos están bloqueados.",
        Category::Gambling => "Los sitios web de apuestas y juegos de azar están bloqueados.",
        Category::Dating => "Los sitios web de citas están bloqueados.",
        Category::Violence => "Los sitios web con imágenes o vídeos violentos están bloqueados.",
        Category::Drugs => "Los sitios web sobre consumir drogas están bloqueados.",
        Category::Weapons => "Los sitios web sobre armas están bloqueados.",
        Category::Hate => {
            "Los sitios web que difunden odio contra grupos de personas están bloqueados."
        }
        Category::SelfHarm => {
            "Los sitios web sobre hacerse daño están bloqueados. Si lo estás pasando mal, \
            hablar con alguien de confianza puede ayudarte."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Las herramientas para saltarse estas reglas, como las VPN y los proxies, \
                están bloqueadas."
        }
        Category::IpLiteral => {
            "Las direcciones web formadas solo por números están bloqueadas, porque no \
            se pueden comprobar."
        }
        Category::UnsafeSearch => {
            "Los buscadores que no pueden ocultar resultados para adultos están \
            bloqueados."
        }
    }
}

const GERMAN: SummaryText = SummaryText {
    safe_mode_off: "Der Schutzmodus ist auf diesem Handy ausgeschaltet.",
    ages: "Diese Regeln gelten für das Alter von {youngest} bis {oldest} Jahren.",
    allowlist_only: "Du kannst nur die Internetseiten öffnen, die deine Eltern für dich \
                     ausgesucht haben.",
    safe_search: "Suchergebnisse werden gefiltert, damit Inhalte für Erwachsene verborgen \
                  bleiben.",
    allowed_hosts: "Diese Internetseiten haben deine Eltern erlaubt: {hosts}.",
    denied_hosts: "Diese Internetseiten haben deine Eltern gesperrt: {hosts}.",
    child_may_tighten: "Du kannst diese Regeln selbst strenger machen. Lockern können sie nur \
                        deine Eltern.",
    parent_only: "Nur deine Eltern können diese Regeln ändern.",
    ask_parent: "Wenn eine Internetseite gesperrt ist, die du brauchst, kannst du deine Eltern \
                 bitten, sie für dich freizugeben.",
    carrier_floor: "Dein Mobilfunkanbieter hält einige dieser Regeln für deine Nummer fest. \
                    Auch deine Eltern können sie nicht ausschalten.",
    provisional: "Diese Regeln schützen dich vorerst, bis dein Mobilfunkanbieter die \
                  Einstellungen für deine Nummer schickt.",
    categories: german_category_line,
    other_categories: "Einige weitere Arten von Internetseiten sind ebenfalls gesperrt.",
};

/// The summary line for each blocked category, in German.
fn german_category_line(category: Category) -> &'static str {
    match category {
        Category::Adult => "Internetseiten für Erwachsene sind gesperrt.",
        Category::Gambling => "Internetseiten für Wetten und Glücksspiel sind gesperrt.",
        Category::Dating => "Dating-Seiten sind gesperrt.",
        Category::Violence => "Internetseiten mit gewalttätigen Bildern oder Videos sind gesperrt.",
        Category::Drugs => "Internetseiten über Drogenkonsum sind gesperrt.",
        Category::Weapons => "Internetseiten über Waffen sind gesperrt.",
        Category::Hate => {
            "Internetseiten, die Hass gegen Gruppen von Menschen verbreiten, sind gesperrt."
        }
        Category::SelfHarm => {
            "Internetseiten über Selbstverletzung sind gesperrt. Wenn es dir gerade \
            schlecht geht, kann es helfen, mit jemandem zu sprechen, dem du vertraust."
        }
        Category::Anonymizers | Category::Proxies | Category::Vpn | Category::Doh => {
            "Werkzeuge, mit denen man diese Regeln umgehen kann, etwa VPNs und Proxys, \
                sind gesperrt."
        }
        Category::IpLiteral => {
            "Internetadressen, die nur aus Zahlen bestehen, sind gesperrt, weil sie sich \
            nicht prüfen lassen."
        }
        Category::UnsafeSearch => {
            "Suchmaschinen, die Ergebnisse für Erwachsene nicht ausblenden können, \
            sind gesperrt."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl SummaryText {
        /// Every sentence of the locale, in field order, so locales compare slot by slot.
        fn every_string(&self) -> Vec<&'static str> {
            let mut strings = vec![
                self.safe_mode_off,
                self.ages,
                self.allowlist_only,
                self.safe_search,
                self.allowed_hosts,
                self.denied_hosts,
                self.child_may_tighten,
                self.parent_only,
                self.ask_parent,
                self.other_categories,
            ];
            strings.extend(Category::ALL.map(self.categories));
            strings
        }
    }

    #[test]
    fn every_locale_translates_every_sentence() {
        let english = summary_text(Locale::En).every_string();
        for locale in Locale::ALL {
            let strings = summary_text(locale).every_string();
            assert_eq!(strings.len(), english.len());
            for (slot, (text, english)) in strings.iter().zip(&english).enumerate() {
                assert!(!text.trim().is_empty(), "{locale:?} slot {slot} is empty");
                if locale != Locale::En {
                    assert_ne!(text, english, "{locale:?} slot {slot} is still English");
                }
                for placeholder in ["{youngest}", "{oldest}", "{hosts}"] {
                    assert_eq!(
                        text.contains(placeholder),
                        english.contains(placeholder),
                        "{locale:?} slot {slot}: {placeholder}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_table_is_plain_text() {
        for locale in Locale::ALL {
            for text in summary_text(locale).every_string() {
                assert!(
                    !text.contains(['<', '>', '&', '"', '\'', '\n', '\t']),
                    "{text:?}"
                );
                assert!(
                    !text.contains("  "),
                    "{locale:?} has a double space: {text:?}"
                );
            }
        }
    }
}
