//! Where a report goes. Every report reaches the feed of each parent paired with the device,
//! unless the child kept it from them ("helpline only"); suspected abuse material and grooming
//! also go to the hotline of the device's country, in the incident type that hotline files it
//! under; a helpline-only report goes to the child helpline of the device's country. Bullying
//! and SOS otherwise stay with the parents: they need someone close, not a hotline.
//!
//! Which kinds may be helpline only is the protocol's rule
//! ([`ReportKind::may_be_helpline_only`], grooming and bullying), checked on upload, so a
//! helpline-only report always still has somewhere to go:
//!
//! - bullying kept from the parents goes to the child helpline only;
//! - grooming kept from the parents goes to the hotline, as every grooming report does, and to
//!   the child helpline too: the hotline acts against the adult, but a child who cannot tell the
//!   family about enticement also needs someone to talk to, and that is a helpline's work.

use childsafe_protocol::operator::IncidentType;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::wire::{Destination, DestinationKind};

/// The UK's hotline (Internet Watch Foundation).
pub const HOTLINE_GB: &str = "IWF";
/// The US hotline (NCMEC CyberTipline).
pub const HOTLINE_US: &str = "NCMEC";
/// Everywhere else: the INHOPE network passes the report to the national member hotline.
pub const HOTLINE_ELSEWHERE: &str = "INHOPE";

/// The child helpline where the server knows no national one: Child Helpline International, the
/// network of national child helplines, passes the report to its member in the child's country.
pub const HELPLINE_ELSEWHERE: &str = "Child Helpline International";

/// The national child helplines, by country (ISO 3166-1 alpha-2, upper case), named as each
/// calls itself. The same services as the reviewed directory the phone shows a child
/// (`core/data/directory/helplines.tsv`; a test keeps the two in step), so the helpline a
/// report goes to is the one the child was shown. Sorted by country.
pub const HELPLINES: &[(&str, &str)] = &[
    ("AT", "147 Rat auf Draht"),
    ("AU", "Kids Helpline"),
    ("CA", "Kids Help Phone"),
    ("CH", "Pro Juventute Beratung + Hilfe 147"),
    ("CZ", "Linka bezpečí"),
    ("DE", "Nummer gegen Kummer"),
    ("DK", "BørneTelefonen (Børns Vilkår)"),
    ("ES", "Teléfono ANAR de Ayuda a Niños y Adolescentes"),
    ("FI", "MLL Lasten ja nuorten puhelin"),
    ("FR", "119 Allô Enfance en Danger"),
    ("GB", "Childline"),
    ("IE", "Childline (ISPCC)"),
    ("IN", "CHILDLINE"),
    ("IT", "Telefono Azzurro"),
    ("NO", "Alarmtelefonen for barn og unge"),
    ("PL", "Telefon Zaufania dla Dzieci i Młodzieży"),
    ("SE", "Bris"),
    ("US", "Childhelp National Child Abuse Hotline"),
];

/// The child helpline for a device's country (ISO 3166-1 alpha-2, upper case):
/// [`HELPLINE_ELSEWHERE`] for a country without an entry in [`HELPLINES`].
pub fn helpline_for(country: &str) -> &'static str {
    HELPLINES
        .binary_search_by(|(code, _)| (*code).cmp(country))
        .map_or(HELPLINE_ELSEWHERE, |index| HELPLINES[index].1)
}

/// The incident type a hotline files this kind under, or `None` when the kind never goes to a
/// hotline.
pub fn incident_type(kind: ReportKind) -> Option<IncidentType> {
    match kind {
        ReportKind::IllegalContent => Some(IncidentType::ChildSexualAbuseMaterial),
        ReportKind::Grooming => Some(IncidentType::OnlineEnticement),
        ReportKind::Bullying | ReportKind::Sos => None,
    }
}

/// The hotline for a device's country (ISO 3166-1 alpha-2, upper case).
pub fn hotline_for(country: &str) -> &'static str {
    match country {
        "GB" => HOTLINE_GB,
        "US" => HOTLINE_US,
        _ => HOTLINE_ELSEWHERE,
    }
}

/// The destinations of a new report: each paired parent (in pairing order) unless the report is
/// helpline only, then the hotline if the kind goes to one, then the child helpline if the
/// report is helpline only. None is forwarded yet.
pub fn destinations(
    report: &UploadedReport,
    country: &str,
    parent_ids: &[String],
) -> Vec<Destination> {
    let kind = report.kind;
    let shared_with = if report.helpline_only {
        &[][..]
    } else {
        parent_ids
    };
    let parents = shared_with.iter().map(|id| Destination {
        kind: DestinationKind::Parent,
        name: id.clone(),
        forwarded: false,
    });
    let hotline = incident_type(kind).map(|_| Destination {
        kind: DestinationKind::Hotline,
        name: hotline_for(country).to_owned(),
        forwarded: false,
    });
    let helpline = report.helpline_only.then(|| Destination {
        kind: DestinationKind::Helpline,
        name: helpline_for(country).to_owned(),
        forwarded: false,
    });
    parents.chain(hotline).chain(helpline).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(kind: ReportKind, helpline_only: bool) -> UploadedReport {
        UploadedReport {
            id: "0".repeat(32),
            kind,
            created_at: 0,
            urls: vec!["https://example.com/".to_owned()],
            reported_user: None,
            notes: None,
            screenshot_text: None,
            location: None,
            helpline_only,
        }
    }

    fn routed(kind: ReportKind, country: &str, parents: &[String]) -> Vec<Destination> {
        destinations(&report(kind, false), country, parents)
    }

    fn names(destinations: &[Destination]) -> Vec<(DestinationKind, &str)> {
        destinations
            .iter()
            .map(|d| (d.kind, d.name.as_str()))
            .collect()
    }

    #[test]
    fn abuse_material_and_grooming_reach_the_country_hotline_and_every_parent() {
        let parents = vec!["p1".to_owned(), "p2".to_owned()];
        assert_eq!(
            names(&routed(ReportKind::IllegalContent, "GB", &parents)),
            [
                (DestinationKind::Parent, "p1"),
                (DestinationKind::Parent, "p2"),
                (DestinationKind::Hotline, "IWF")
            ]
        );
        assert_eq!(
            names(&routed(ReportKind::Grooming, "US", &[])),
            [(DestinationKind::Hotline, "NCMEC")]
        );
        assert_eq!(
            names(&routed(ReportKind::Grooming, "DE", &[])),
            [(DestinationKind::Hotline, "INHOPE")]
        );
    }

    #[test]
    fn bullying_and_sos_go_to_parents_only() {
        let parents = vec!["p1".to_owned()];
        for kind in [ReportKind::Bullying, ReportKind::Sos] {
            assert_eq!(incident_type(kind), None);
            assert_eq!(
                names(&routed(kind, "GB", &parents)),
                [(DestinationKind::Parent, "p1")]
            );
            assert!(routed(kind, "US", &[]).is_empty());
        }
    }

    #[test]
    fn a_helpline_only_grooming_report_reaches_the_hotline_and_the_helpline_and_no_parent() {
        let parents = vec!["p1".to_owned(), "p2".to_owned()];
        assert_eq!(
            names(&destinations(
                &report(ReportKind::Grooming, true),
                "GB",
                &parents
            )),
            [
                (DestinationKind::Hotline, "IWF"),
                (DestinationKind::Helpline, "Childline")
            ]
        );
    }

    #[test]
    fn a_helpline_only_bullying_report_reaches_the_country_helpline_and_no_parent() {
        let parents = vec!["p1".to_owned(), "p2".to_owned()];
        assert_eq!(
            names(&destinations(
                &report(ReportKind::Bullying, true),
                "DE",
                &parents
            )),
            [(DestinationKind::Helpline, "Nummer gegen Kummer")]
        );
        // A country without a national entry falls back to the international network.
        assert_eq!(
            names(&destinations(
                &report(ReportKind::Bullying, true),
                "BR",
                &[]
            )),
            [(DestinationKind::Helpline, HELPLINE_ELSEWHERE)]
        );
    }

    #[test]
    fn a_report_the_child_shares_never_goes_to_a_helpline() {
        let parents = vec!["p1".to_owned()];
        for kind in ReportKind::ALL {
            assert!(
                routed(kind, "GB", &parents)
                    .iter()
                    .all(|d| d.kind != DestinationKind::Helpline),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn the_helpline_table_is_sorted_and_each_country_has_one_entry() {
        assert!(HELPLINES.windows(2).all(|pair| pair[0].0 < pair[1].0));
        for (country, name) in HELPLINES {
            assert_eq!(helpline_for(country), *name);
        }
        assert_eq!(helpline_for("GB"), "Childline");
        assert_eq!(helpline_for("gb"), HELPLINE_ELSEWHERE);
        assert_eq!(helpline_for(""), HELPLINE_ELSEWHERE);
    }

    #[test]
    fn the_helpline_table_names_the_services_of_the_reviewed_directory() {
        // The phone shows the child the helpline of the reviewed directory; a report must go
        // to that same service, so the two tables hold the same countries and names.
        let directory = include_str!("../../core/data/directory/helplines.tsv");
        let reviewed: Vec<(&str, &str)> = directory
            .lines()
            .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
            .map(|line| {
                let mut fields = line.split('\t');
                (fields.next().unwrap(), fields.next().unwrap())
            })
            .collect();
        assert_eq!(reviewed, HELPLINES);
    }

    #[test]
    fn every_kind_that_may_be_helpline_only_still_has_somewhere_to_go() {
        // The protocol's rule must fit this routing: a kind kept from the parents has to reach
        // a hotline or a child helpline, or the child's report would reach nobody.
        let parents = vec!["p1".to_owned()];
        for country in ["GB", "DE", "BR"] {
            for kind in ReportKind::ALL
                .into_iter()
                .filter(|kind| kind.may_be_helpline_only())
            {
                let routed = destinations(&report(kind, true), country, &parents);
                assert!(!routed.is_empty(), "{kind:?}");
                assert!(
                    routed.iter().all(|d| d.kind != DestinationKind::Parent),
                    "{kind:?}"
                );
            }
        }
        assert!(!ReportKind::Sos.may_be_helpline_only());
        assert!(!ReportKind::IllegalContent.may_be_helpline_only());
        assert!(ReportKind::Grooming.may_be_helpline_only());
        assert!(ReportKind::Bullying.may_be_helpline_only());
    }
}
