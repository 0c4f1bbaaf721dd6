//! `childsafe device ...` and `childsafe activation sign`: safe mode of a device kept in a
//! directory, driven the way a phone drives it, for tests, demos and operators.
//!
//! The directory holds the sealed store (`store/`) and, standing in for the phone's Android
//! Keystore or iOS Keychain, the data key in `data.key` (created with mode 0600). On a phone the
//! key never sits next to the data.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::filter::blockpage::Locale;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::settings::{AgeBand, ClockReading, DeviceSetup, PinCheck, SafeMode};
use childsafe_core::store::{FileKeyStoreForTests, SealedStore, SledStore, open_device_store};
use childsafe_core::sync::identity;
use serde_json::json;

use crate::keys::read_signing_key;
use crate::lists::{format_rfc3339, parse_rfc3339};

/// Exit code of `device verify-pin` for a wrong PIN.
const EXIT_WRONG_PIN: u8 = 1;
/// Exit code of `device verify-pin` while locked out.
const EXIT_LOCKED_OUT: u8 = 3;
/// Validity of an activation profile signed without `--expires`: 30 days.
const DEFAULT_PROFILE_VALIDITY_SECS: u64 = 30 * 24 * 60 * 60;

/// `childsafe device init`.
#[derive(clap::Args)]
pub(crate) struct InitArgs {
    /// The device directory (created if missing).
    #[arg(long)]
    dir: PathBuf,
    /// ISO 3166 country code of the device, for the emergency directory.
    #[arg(long, value_name = "CC")]
    country: Option<String>,
    /// A carrier public key (base64url) whose activation profiles the device accepts; repeat
    /// for several.
    // A base64url key starts with `-` one time in 64.
    #[arg(
        long = "trust-carrier",
        value_name = "PUBKEY",
        allow_hyphen_values = true
    )]
    trusted_carriers: Vec<PublicKey>,
}

/// `childsafe activation sign`.
#[derive(clap::Args)]
pub(crate) struct SignActivationArgs {
    /// The carrier's private key (from `childsafe keys generate`).
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// The carrier's name, shown to parents and kept in the audit log.
    #[arg(long, value_name = "NAME")]
    carrier: String,
    /// The child's age band: 0-5, 6-8, 9-12, 13-15 or 16-17.
    #[arg(long, value_name = "BAND")]
    band: AgeBand,
    /// Must grow with every profile the carrier issues for the line.
    #[arg(long, value_name = "N")]
    sequence: u64,
    /// When the profile stops being accepted (default: 30 days from now).
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    expires: Option<u64>,
    /// The carrier's identifier for this profile.
    #[arg(long, value_name = "ID", default_value = "activation")]
    profile_id: String,
    /// A category to block on top of the band's defaults; repeat for several.
    #[arg(long = "block", value_name = "CATEGORY")]
    extra_blocked_categories: Vec<String>,
    /// Where to write the signed profile.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// `childsafe device init`: sets up a device directory and prints its identifier.
pub(crate) fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let safe_mode = open(&args.dir)?;
    // The device key is made now, so that the id parent commands name is the id the backend
    // gives the device when it registers.
    let device_key =
        identity::device_key(safe_mode.store()).context("cannot make the device key")?;
    let device_id = identity::device_id(&device_key);
    let setup = DeviceSetup {
        device_id: device_id.clone(),
        country: args
            .country
            .as_ref()
            .map(|country| country.to_ascii_uppercase()),
        trusted_carriers: args.trusted_carriers.clone(),
    };
    safe_mode
        .init(setup, clock()?)
        .context("cannot set the device up")?;
    print_json(&json!({ "device_id": device_id }))
}

/// `childsafe activation sign`: writes a signed activation profile.
pub(crate) fn sign_activation(args: &SignActivationArgs) -> anyhow::Result<ExitCode> {
    let key = read_signing_key(&args.key)?;
    let now = clock()?.wall_unix;
    let profile = ActivationProfile {
        carrier: args.carrier.clone(),
        profile_id: args.profile_id.clone(),
        band: args.band,
        extra_blocked_categories: args.extra_blocked_categories.clone(),
        issued_at: now,
        expires_at: args.expires.unwrap_or(now + DEFAULT_PROFILE_VALIDITY_SECS),
        sequence: args.sequence,
    };
    let envelope = profile.sign(&key).context("cannot sign the profile")?;
    std::fs::write(&args.out, envelope)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut err = io::stderr().lock();
    writeln!(
        err,
        "signed activation profile {} for {} (band {}, sequence {}), expires {}",
        profile.profile_id,
        profile.carrier,
        profile.band,
        profile.sequence,
        format_rfc3339(profile.expires_at)
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `childsafe device activate`: applies a signed activation profile.
pub(crate) fn activate(dir: &Path, profile_file: &Path) -> anyhow::Result<ExitCode> {
    let envelope = std::fs::read(profile_file)
        .with_context(|| format!("cannot read {}", profile_file.display()))?;
    let profile = open_existing(dir)?
        .activate(&envelope, clock()?)
        .context("the activation profile was refused")?;
    print_json(&json!({
        "safe_mode": true,
        "carrier": profile.carrier,
        "band": profile.band.to_string(),
        "sequence": profile.sequence,
    }))
}

/// `childsafe device set-pin`.
pub(crate) fn set_pin(dir: &Path, pin: &str, old_pin: Option<&str>) -> anyhow::Result<ExitCode> {
    open_existing(dir)?
        .set_pin(pin, old_pin, clock()?)
        .context("the PIN was not set")?;
    print_json(&json!({ "pin_set": true }))
}

/// `childsafe device verify-pin`: exit 0 right, 1 wrong, 3 locked out, with a JSON line.
pub(crate) fn verify_pin(dir: &Path, pin: &str) -> anyhow::Result<ExitCode> {
    let check = open_existing(dir)?
        .verify_pin(pin, clock()?)
        .context("the PIN cannot be checked")?;
    let (value, code) = match check {
        PinCheck::Right => (json!({ "result": "right" }), ExitCode::SUCCESS),
        PinCheck::Wrong {
            attempts_before_wait,
            wait_secs,
        } => (
            json!({
                "result": "wrong",
                "attempts_before_wait": attempts_before_wait,
                "retry_after_secs": wait_secs,
            }),
            ExitCode::from(EXIT_WRONG_PIN),
        ),
        PinCheck::LockedOut { retry_after_secs } => (
            json!({ "result": "locked_out", "retry_after_secs": retry_after_secs }),
            ExitCode::from(EXIT_LOCKED_OUT),
        ),
    };
    print_json(&value)?;
    Ok(code)
}

/// `childsafe device status`.
pub(crate) fn status(dir: &Path) -> anyhow::Result<ExitCode> {
    let status = open_existing(dir)?
        .status(clock()?)
        .context("cannot read the status")?;
    print_json(&serde_json::to_value(status)?)
}

/// `childsafe device rules`: the rules the child sees, one per line.
pub(crate) fn rules(dir: &Path, locale: Option<&str>) -> anyhow::Result<ExitCode> {
    let locale = locale.map_or(Locale::En, Locale::from_tag);
    let lines = open_existing(dir)?
        .rules(locale)
        .context("cannot read the rules")?;
    let mut out = io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Safe mode of a device directory's store.
pub(crate) type DeviceSafeMode = SafeMode<SealedStore<SledStore>>;

fn open(dir: &Path) -> anyhow::Result<DeviceSafeMode> {
    let keys = FileKeyStoreForTests::new(dir.join("data.key"));
    let store = open_device_store(&dir.join("store"), &keys)
        .with_context(|| format!("cannot open the device store in {}", dir.display()))?;
    Ok(SafeMode::new(store))
}

/// Opens a directory that `device init` set up (or at least created the store in).
pub(crate) fn open_existing(dir: &Path) -> anyhow::Result<DeviceSafeMode> {
    anyhow::ensure!(
        dir.join("store").is_dir(),
        "{} is not a device directory: run `childsafe device init --dir {}` first",
        dir.display(),
        dir.display()
    );
    open(dir)
}

/// Prints `value` as one line of JSON.
pub(crate) fn print_json(value: &serde_json::Value) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    writeln!(out, "{value}")?;
    Ok(ExitCode::SUCCESS)
}

/// The machine's clocks, as a phone would report them (see
/// [`system_clock_reading`](childsafe_core::settings::system_clock_reading)).
pub(crate) fn clock() -> anyhow::Result<ClockReading> {
    Ok(childsafe_core::settings::system_clock_reading())
}
