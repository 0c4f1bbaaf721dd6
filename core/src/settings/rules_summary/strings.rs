//! Every sentence of the rules summary, for every locale, in one table.
//!
//! Each locale is one [`SummaryText`] value with a field per sentence, so a locale cannot be
//! added with a sentence missing: the compiler refuses it. The sentences speak to the child
//! ("you"), say what is blocked rather than why it is bad, and use the same words for a parent as
//! the block page does in each language. `{youngest}`, `{oldest}` and `{hosts}` are filled in by
//! the summary; apostrophes are typographic and French puts a narrow no-break space (U+202F)
//! before a colon, as on the block page.

use crate::filter::blockpage::Locale;

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
    /// One sentence per category with its own wording.
    pub(super) categories: CategoryLines,
    /// Blocked categories without their own wording.
    pub(super) other_categories: &'static str,
}

/// One sentence per blocked category; see [`CATEGORY_SENTENCES`].
pub(super) struct CategoryLines {
    pub(super) adult: &'static str,
    pub(super) gambling: &'static str,
    pub(super) dating: &'static str,
    pub(super) violence: &'static str,
    pub(super) drugs: &'static str,
    pub(super) self_harm: &'static str,
    pub(super) weapons: &'static str,
    pub(super) hate: &'static str,
    /// Anonymizers, proxies, VPNs and DoH endpoints share one sentence.
    pub(super) filter_bypass: &'static str,
    pub(super) ip_literal: &'static str,
    pub(super) unsafe_search: &'static str,
}

/// Picks one category's sentence out of a locale's [`CategoryLines`].
type CategorySentence = fn(&CategoryLines) -> &'static str;

/// Category names, as lists and the policy spell them, mapped to their sentence, in the order
/// the summary lists them.
pub(super) const CATEGORY_SENTENCES: [(&str, CategorySentence); 14] = [
    ("adult", |text| text.adult),
    ("gambling", |text| text.gambling),
    ("dating", |text| text.dating),
    ("violence", |text| text.violence),
    ("drugs", |text| text.drugs),
    ("weapons", |text| text.weapons),
    ("hate", |text| text.hate),
    ("self-harm", |text| text.self_harm),
    ("anonymizers", |text| text.filter_bypass),
    ("proxies", |text| text.filter_bypass),
    ("vpn", |text| text.filter_bypass),
    ("doh", |text| text.filter_bypass),
    ("ip-literal", |text| text.ip_literal),
    ("unsafe-search", |text| text.unsafe_search),
];

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
    categories: CategoryLines {
        adult: "Websites made for adults are blocked.",
        gambling: "Betting and gambling websites are blocked.",
        dating: "Dating websites are blocked.",
        violence: "Websites with violent pictures or videos are blocked.",
        drugs: "Websites about taking drugs are blocked.",
        self_harm: "Websites about hurting yourself are blocked. If you are having a hard time, \
                    talking to someone you trust can help.",
        weapons: "Websites about weapons are blocked.",
        hate: "Websites that spread hate against groups of people are blocked.",
        filter_bypass: "Tools that get around these rules, such as VPNs and proxies, are blocked.",
        ip_literal: "Web addresses made only of numbers are blocked, because they cannot be \
                     checked.",
        unsafe_search: "Search engines that cannot hide grown-up results are blocked.",
    },
    other_categories: "Some other kinds of websites are blocked too.",
};

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
    categories: CategoryLines {
        adult: "Les sites réservés aux adultes sont bloqués.",
        gambling: "Les sites de paris et de jeux d’argent sont bloqués.",
        dating: "Les sites de rencontres sont bloqués.",
        violence: "Les sites qui montrent des images ou des vidéos violentes sont bloqués.",
        drugs: "Les sites qui parlent de prendre de la drogue sont bloqués.",
        self_harm: "Les sites qui parlent de se faire du mal sont bloqués. Si tu traverses un \
                    moment difficile, en parler à une personne de confiance peut t’aider.",
        weapons: "Les sites consacrés aux armes sont bloqués.",
        hate: "Les sites qui répandent la haine contre des groupes de personnes sont bloqués.",
        filter_bypass: "Les outils qui contournent ces règles, comme les VPN et les proxys, sont \
                        bloqués.",
        ip_literal: "Les adresses web faites seulement de chiffres sont bloquées, car elles ne \
                     peuvent pas être vérifiées.",
        unsafe_search: "Les moteurs de recherche qui ne peuvent pas cacher les résultats pour \
                        adultes sont bloqués.",
    },
    other_categories: "D’autres types de sites sont aussi bloqués.",
};

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
    categories: CategoryLines {
        adult: "Los sitios web para adultos están bloqueados.",
        gambling: "Los sitios web de apuestas y juegos de azar están bloqueados.",
        dating: "Los sitios web de citas están bloqueados.",
        violence: "Los sitios web con imágenes o vídeos violentos están bloqueados.",
        drugs: "Los sitios web sobre consumir drogas están bloqueados.",
        self_harm: "Los sitios web sobre hacerse daño están bloqueados. Si lo estás pasando mal, \
                    hablar con alguien de confianza puede ayudarte.",
        weapons: "Los sitios web sobre armas están bloqueados.",
        hate: "Los sitios web que difunden odio contra grupos de personas están bloqueados.",
        filter_bypass: "Las herramientas para saltarse estas reglas, como las VPN y los proxies, \
                        están bloqueadas.",
        ip_literal: "Las direcciones web formadas solo por números están bloqueadas, porque no \
                     se pueden comprobar.",
        unsafe_search: "Los buscadores que no pueden ocultar resultados para adultos están \
                        bloqueados.",
    },
    other_categories: "Otros tipos de sitios web también están bloqueados.",
};

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
    categories: CategoryLines {
        adult: "Internetseiten für Erwachsene sind gesperrt.",
        gambling: "Internetseiten für Wetten und Glücksspiel sind gesperrt.",
        dating: "Dating-Seiten sind gesperrt.",
        violence: "Internetseiten mit gewalttätigen Bildern oder Videos sind gesperrt.",
        drugs: "Internetseiten über Drogenkonsum sind gesperrt.",
        self_harm: "Internetseiten über Selbstverletzung sind gesperrt. Wenn es dir gerade \
                    schlecht geht, kann es helfen, mit jemandem zu sprechen, dem du vertraust.",
        weapons: "Internetseiten über Waffen sind gesperrt.",
        hate: "Internetseiten, die Hass gegen Gruppen von Menschen verbreiten, sind gesperrt.",
        filter_bypass: "Werkzeuge, mit denen man diese Regeln umgehen kann, etwa VPNs und Proxys, \
                        sind gesperrt.",
        ip_literal: "Internetadressen, die nur aus Zahlen bestehen, sind gesperrt, weil sie sich \
                     nicht prüfen lassen.",
        unsafe_search: "Suchmaschinen, die Ergebnisse für Erwachsene nicht ausblenden können, \
                        sind gesperrt.",
    },
    other_categories: "Einige weitere Arten von Internetseiten sind ebenfalls gesperrt.",
};

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
            strings.extend(
                CATEGORY_SENTENCES
                    .iter()
                    .map(|(_, sentence)| sentence(&self.categories)),
            );
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
