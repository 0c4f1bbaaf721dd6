//! `childsafe device register` and `childsafe sync`: the phone's side of the backend, driven from
//! a device directory. Registration makes the device key (kept sealed in the store) and presents
//! it with the carrier's activation token; a sync sends the outbox, refreshes report statuses and
//! applies new signed bundles.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::reports::Outbox;
use childsafe_core::sync::bundles::{self, BundleTrust};
use childsafe_core::sync::client::SyncClient;
use childsafe_core::sync::engine::{SyncRun, SyncSummary};
use childsafe_core::sync::identity::{self, Registration};
use serde_json::json;

use crate::device::{clock, open_existing, print_json};

/// `childsafe device register`.
#[derive(clap::Args)]
pub(crate) struct RegisterArgs {
    /// The device directory (from `childsafe device init`).
    #[arg(long)]
    dir: PathBuf,
    /// The backend's base URL (https://...).
    #[arg(long, value_name = "URL")]
    backend: String,
    /// The one-use activation token from the carrier.
    #[arg(long, value_name = "TOKEN")]
    activation_token: String,
    /// Allow plain HTTP to a loopback backend (tests and the demo only).
    #[arg(long)]
    allow_insecure_loopback: bool,
    /// A key whose list bundles the device accepts (unpadded base64url); repeat for several.
    #[arg(
        long = "trusted-list-key",
        value_name = "KEY",
        allow_hyphen_values = true
    )]
    trusted_list_keys: Vec<PublicKey>,
    /// A key whose directory bundles the device accepts; repeat for several.
    #[arg(
        long = "trusted-directory-key",
        value_name = "KEY",
        allow_hyphen_values = true
    )]
    trusted_directory_keys: Vec<PublicKey>,
}

/// `childsafe device register`: registers the device and prints its id.
pub(crate) fn register(args: &RegisterArgs) -> anyhow::Result<ExitCode> {
    let safe_mode = open_existing(&args.dir)?;
    let store = safe_mode.store();
    if let Some(existing) = identity::registration(store)? {
        anyhow::bail!(
            "this device is already registered with {} as {}",
            existing.backend_url,
            existing.device_id
        );
    }
    let country = safe_mode
        .setup()?
        .country
        .context("the device has no country: run `childsafe device init --country CC`")?;
    let client = SyncClient::new(&args.backend, args.allow_insecure_loopback)?;
    let key = identity::device_key(store)?;
    let device_id = runtime()?
        .block_on(client.register_device(&key, &args.activation_token, &country))
        .context("the backend refused the registration")?;
    let registration = Registration {
        backend_url: client.base_url().to_owned(),
        device_id: device_id.clone(),
        country,
        allow_insecure_loopback: args.allow_insecure_loopback,
        registered_at: clock()?.wall_unix,
        trust: BundleTrust {
            lists: args.trusted_list_keys.clone(),
            directory: args.trusted_directory_keys.clone(),
        },
    };
    identity::save_registration(store, &registration)?;
    print_json(&json!({ "device_id": device_id, "backend": registration.backend_url }))
}

/// `childsafe sync`: one sync run; prints its summary.
pub(crate) fn sync(dir: &std::path::Path) -> anyhow::Result<ExitCode> {
    let safe_mode = open_existing(dir)?;
    let store = safe_mode.store();
    let registration = identity::registration(store)?
        .context("the device is not registered: run `childsafe device register` first")?;
    let client = SyncClient::new(
        &registration.backend_url,
        registration.allow_insecure_loopback,
    )?;
    let key = identity::device_key(store)?;
    let outbox = Outbox::new(store);
    // Read again at each step; should a later reading fail, the first one stands in.
    let first_reading = clock()?;
    let read_clock = move || clock().unwrap_or(first_reading);
    let run = SyncRun::new(&outbox, &client, &key, &read_clock);
    let mut summary = SyncSummary::default();
    let runtime = runtime()?;
    runtime.block_on(run.send_outbox(&mut summary))?;
    let applied = runtime.block_on(bundles::fetch_and_apply(
        &client,
        &safe_mode,
        &registration.trust,
        &read_clock,
    ));
    summary.bundles_applied = applied.applied.iter().map(ToString::to_string).collect();
    print_json(&json!({
        "sent": summary.sent,
        "delivered": summary.delivered,
        "failed": summary.failed,
        "refused": summary.refused,
        "statuses_updated": summary.statuses_updated,
        "bundles_applied": summary.bundles_applied,
        "bundles_refused": applied.refused.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "stopped_by": summary.stopped_by,
    }))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
