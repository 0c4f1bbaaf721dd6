//! `childsafe report` and `childsafe reports`: file a report into a device directory's outbox as
//! the phone's report buttons do (the SDK's `report` and `sos`), and list the outbox with each
//! report's delivery status.
//!
//! The report is on disk, sealed, when the receipt is printed. Sending is the sync's job.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::reports::{
    DeliveryRecord, EmergencyContacts, Receipt, ReportDraft, ReportKind,
};
use serde_json::json;

use crate::device::print_json;
use crate::phone::open_existing;

/// `childsafe report`.
#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    /// The device directory (from `childsafe device init`).
    #[arg(long)]
    dir: PathBuf,
    /// The button pressed: illegal-content, grooming, bullying or sos.
    #[arg(long)]
    kind: ReportKind,
    /// An address involved (illegal content needs one); repeat for several.
    #[arg(long = "url", value_name = "URL")]
    urls: Vec<String>,
    /// The child's own words.
    #[arg(long, value_name = "TEXT")]
    text: Option<String>,
    /// Keep the report from the parents: the country's child helpline gets it instead (and the
    /// hotline too, for grooming). Grooming and bullying only; an SOS always reaches the parents.
    #[arg(long)]
    helpline_only: bool,
}

/// `childsafe report`: files the report and prints its receipt; an SOS also prints the numbers
/// the phone shows.
pub(crate) fn report(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let sdk = open_existing(&args.dir)?;
    if args.kind == ReportKind::Sos {
        anyhow::ensure!(
            !args.helpline_only,
            "an SOS always reaches the parents: it cannot be helpline only"
        );
        anyhow::ensure!(
            args.urls.is_empty() && args.text.is_none(),
            "an SOS carries no URL or text: it is queued at once, with the numbers to call"
        );
        // A device set up without a country still gets the universal numbers.
        let answer = sdk.sos(None);
        let mut shown = contacts_json(&answer.contacts);
        let Some(receipt) = answer.report else {
            // The numbers matter more than the report: show them before the failure, which the
            // SDK's warning above has told.
            print_json(&shown)?;
            anyhow::bail!("the SOS report could not be stored");
        };
        if let (Some(shown), serde_json::Value::Object(filed)) =
            (shown.as_object_mut(), receipt_json(&receipt))
        {
            shown.extend(filed);
        }
        return print_json(&shown);
    }
    let mut draft = ReportDraft::new(args.kind);
    draft.urls.clone_from(&args.urls);
    draft.notes.clone_from(&args.text);
    draft.helpline_only = args.helpline_only;
    let receipt = sdk.report(draft).context("the report was not filed")?;
    print_json(&receipt_json(&receipt))
}

/// `childsafe reports`: every report in the outbox, in filing order, as one JSON list.
pub(crate) fn reports(dir: &Path) -> anyhow::Result<ExitCode> {
    let records = open_existing(dir)?
        .reports()
        .context("cannot read the outbox")?;
    print_json(&records.iter().map(record_json).collect())
}

fn receipt_json(receipt: &Receipt) -> serde_json::Value {
    json!({
        "id": receipt.id,
        "kind": receipt.kind.as_str(),
        "status": receipt.state.as_str(),
        "created_at": receipt.created_at,
    })
}

fn record_json(record: &DeliveryRecord) -> serde_json::Value {
    json!({
        "id": record.id,
        "kind": record.kind.as_str(),
        "status": record.state.as_str(),
        "created_at": record.created_at,
        "attempts": record.attempts,
        "last_sent_at": record.last_sent_at,
        "delivered_at": record.delivered_at,
        "routed_at": record.routed_at,
        "forwarded_at": record.forwarded_at,
    })
}

/// The numbers to show, as `childsafe emergency` prints them.
pub(crate) fn contacts_json(contacts: &EmergencyContacts) -> serde_json::Value {
    json!({
        "country": contacts.country.map(|code| code.to_string()),
        "numbers": contacts.numbers(),
        "emergency_number": contacts.emergency_number,
        "fallback_number": contacts.fallback_number,
        "helpline": contacts.helpline,
        "services": contacts.services,
    })
}
