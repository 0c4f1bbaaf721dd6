//! Where a report goes. Every report reaches the feed of each parent paired with the device;
//! suspected abuse material and grooming also go to the hotline of the device's country, in the
//! incident type that hotline files it under. Bullying and SOS stay with the parents: they need
//! someone close, not a hotline.

use childsafe_protocol::operator::IncidentType;
use childsafe_protocol::report::ReportKind;
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

/// The destinations of a new report: each paired parent (in pairing order), then the hotline
/// if the kind goes to one. None is forwarded yet.
pub fn destinations(kind: ReportKind, country: &str, parent_ids: &[String]) -> Vec<Destination> {
    let parents = parent_ids.iter().map(|id| Destination {
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
            names(&destinations(ReportKind::IllegalContent, "GB", &parents)),
            [
                (DestinationKind::Parent, "p1"),
                (DestinationKind::Parent, "p2"),
                (DestinationKind::Hotline, "IWF")
            ]
        );
        assert_eq!(
            names(&destinations(ReportKind::Grooming, "US", &[])),
            [(DestinationKind::Hotline, "NCMEC")]
        );
        assert_eq!(
            names(&destinations(ReportKind::Grooming, "DE", &[])),
            [(DestinationKind::Hotline, "INHOPE")]
        );
    }

    #[test]
    fn bullying_and_sos_go_to_parents_only() {
        let parents = vec!["p1".to_owned()];
        for kind in [ReportKind::Bullying, ReportKind::Sos] {
            assert_eq!(incident_type(kind), None);
            assert_eq!(
                names(&destinations(kind, "GB", &parents)),
                [(DestinationKind::Parent, "p1")]
            );
            assert!(destinations(kind, "US", &[]).is_empty());
        }
    }
}
