//! `childsafe device register` and `childsafe sync`: the phone's side of the backend, driven from
//! a device directory through the SDK (`register`, `sync_now`). Registration presents the device
//! key (kept sealed in the store) with the carrier's activation token and keeps the backend in
//! `device.json`; a sync is the phone's sync: the outbox, report statuses, new signed bundles,
//! the device's status for its parents and their commands waiting in the mailbox.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::sdk::SdkError;
use childsafe_core::sync::client::SyncError;
use serde_json::json;

use crate::device::print_json;
use crate::phone::{self, DeviceConfig, SDK_LOCALE};

/// `childsafe device register`.
#[derive(clap::Args)]
pub(crate) struct RegisterArgs {
    /// The device directory (from `childsafe device init`).
    #[arg(long)]
    dir: PathBuf,
    /// The backend's base URL (https://...).
    #[arg(long, value_name = "URL")]
    backend: String,
    /// The one-use activation token from the carrier; without one, the device registers with
    /// the line given to `device init --line`.
    // A base64url token starts with `-` one time in 64.
    #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
    activation_token: Option<String>,
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
    let mut config = DeviceConfig::read(&args.dir)?;
    config.backend_url = Some(args.backend.clone());
    config.allow_insecure_loopback = args.allow_insecure_loopback;
    // One set of list keys, as on a phone: those given now join those given at `device init`.
    for key in &args.trusted_list_keys {
        if !config.trusted_list_keys.contains(key) {
            config.trusted_list_keys.push(*key);
        }
    }
    config
        .trusted_directory_keys
        .clone_from(&args.trusted_directory_keys);
    let sdk = phone::open(&args.dir, &config, SDK_LOCALE)?;
    if let Some(existing) = sdk.registration()? {
        anyhow::bail!(
            "this device is already registered with {} as {}",
            existing.backend_url,
            existing.device_id
        );
    }
    anyhow::ensure!(
        config.country.is_some(),
        "the device has no country: run `childsafe device init --country CC`"
    );
    let registered = match (&args.activation_token, &config.line) {
        (Some(token), _) => runtime()?.block_on(sdk.register(token)),
        (None, Some(_)) => runtime()?.block_on(sdk.register_with_line()),
        (None, None) => anyhow::bail!(
            "give --activation-token, or set the device up on its line with `device init --line`"
        ),
    };
    let device_id = match registered {
        Ok(device_id) => device_id,
        // A URL the SDK will not use is the operator's mistake, not the backend's refusal.
        Err(error @ SdkError::Sync(SyncError::BadUrl(_))) => return Err(error.into()),
        Err(error) => return Err(error).context("the backend refused the registration"),
    };
    let registration = sdk
        .registration()?
        .context("the registration was not kept")?;
    config.write(&args.dir)?;
    print_json(&json!({ "device_id": device_id, "backend": registration.backend_url }))
}

/// `childsafe sync`: one sync run, as the phone runs it; prints its summary.
pub(crate) fn sync(dir: &Path) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    sdk.registration()?
        .context("the device is not registered: run `childsafe device register` first")?;
    let summary = runtime()?.block_on(sdk.sync_now())?;
    print_json(&json!({
        "sent": summary.sent,
        "delivered": summary.delivered,
        "failed": summary.failed,
        "refused": summary.refused,
        "statuses_updated": summary.statuses_updated,
        "bundles_applied": summary.bundles_applied,
        "bundles_refused": summary.bundles_refused,
        "stopped_by": summary.stopped_by,
    }))
}

/// A runtime for one command's network calls.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
