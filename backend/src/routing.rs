//! Where a report goes. Every report reaches the feed of each parent paired with the device,
//! unless the child kept it to the hotline ("helpline only"); suspected abuse material and
//! grooming also go to the hotline of the device's country, in the incident type that hotline
//! files it under. Bullying and SOS stay with the parents: they need someone close, not a
//! hotline. Which kinds may be helpline only is the protocol's rule
//! ([`ReportKind::may_be_helpline_only`]), checked on upload, so a helpline-only report always
//! still has the hotline and never loses its destination.

use childsafe_protocol::operator::IncidentType;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::wire::{Destination, DestinationKind};

/// The UK's hotline (Internet Watch Foundation).
pub const HOTLINE_GB: &str = "IWF";
/// The US hotline (NCMEC CyberTipline).
pub const HOTLINE_US: &str = "NCMEC";
/// Everywhere else: the INHOPE network passes the report to the national member hotline.
pub const HOTLINE_ELSEWHERE: &str = "INHOPE";

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
/// helpline only, then the hotline if the kind goes to one. None is forwarded yet.
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
    parents.chain(hotline).collect()
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
    fn a_helpline_only_report_reaches_the_hotline_and_no_parent() {
        let parents = vec!["p1".to_owned(), "p2".to_owned()];
        assert_eq!(
            names(&destinations(
                &report(ReportKind::Grooming, true),
                "GB",
                &parents
            )),
            [(DestinationKind::Hotline, "IWF")]
        );
    }

    #[test]
    fn every_kind_that_may_be_helpline_only_still_has_somewhere_to_go() {
        // The protocol's rule must fit this routing: a kind kept from the parents has to reach
        // a hotline, or the child's report would reach nobody.
        let parents = vec!["p1".to_owned()];
        for kind in ReportKind::ALL
            .into_iter()
            .filter(|kind| kind.may_be_helpline_only())
        {
            let routed = destinations(&report(kind, true), "DE", &parents);
            assert!(!routed.is_empty(), "{kind:?}");
            assert!(
                routed.iter().all(|d| d.kind != DestinationKind::Parent),
                "{kind:?}"
            );
        }
        assert!(!ReportKind::Sos.may_be_helpline_only());
        assert!(!ReportKind::Bullying.may_be_helpline_only());
    }
}
