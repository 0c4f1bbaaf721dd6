//! SOS: "I'm in danger". It never waits for the network and never leaves the child without a
//! number: it looks up what to show and dial in the country directory on the phone, queues an
//! urgent report that the sync sends before any other, and returns at once.

use super::directory::{self, CountryCode, EmergencyContacts};
use super::model::{Location, ReportKind};
use super::outbox::{Outbox, OutboxError, Receipt, ReportDraft};
use crate::store::Store;
use crate::time::ClockReading;

/// What the phone shows and does after SOS.
#[derive(Debug)]
pub struct SosAnswer {
    /// The numbers to show and dial, and the child helpline. Always present: they come from
    /// the directory in force, else the one compiled in, else the universal 112 and 911.
    pub contacts: EmergencyContacts,
    /// The queued SOS report, or why it could not be stored. The numbers above do not depend on
    /// it: show them either way.
    pub report: Result<Receipt, OutboxError>,
}

impl<S: Store> Outbox<S> {
    /// Handles an SOS in `country` (the device's, when known): the numbers to show, and an SOS
    /// report queued with `location` only if the child allowed it for this SOS.
    pub fn sos(
        &self,
        country: Option<&CountryCode>,
        location: Option<Location>,
        clock: ClockReading,
    ) -> SosAnswer {
        let contacts = directory::contacts_for(self.store(), country);
        let mut draft = ReportDraft::new(ReportKind::Sos);
        draft.location = location;
        SosAnswer {
            contacts,
            report: self.report(draft, clock),
        }
    }
}
