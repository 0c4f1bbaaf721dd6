//! `childsafe device ...` and `childsafe activation sign` / `deactivate`: safe mode of a device kept in a
//! directory, driven the way a phone drives it, for tests, demos and operators.
//!
//! Every `device` command opens the directory as the phone opens itself (see [`crate::phone`]):
//! setting up, activating, the PIN, the rules, installing lists and checking URLs are the SDK's
//! own calls, on its trusted clock, with its stored lists and policy. `activation sign` and
//! `activation deactivate` are the carrier's side: they sign a profile or a deactivation for one
//! line and device with a carrier key and touch no device.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::settings::activation::{ActivationProfile, LineDeactivation};
use childsafe_core::settings::{AgeBand, PinCheck};
use serde_json::json;

use crate::check::print_decisions;
use crate::keys::read_signing_key;
use crate::phone::{self, DeviceConfig, SDK_LOCALE};
use crate::url::os_bytes;
use childsafe_protocol::rfc3339::{format as format_rfc3339, parse as parse_rfc3339};

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
    /// A public key (base64url) whose list bundles the device accepts; repeat for several.
    #[arg(
        long = "trusted-list-key",
        value_name = "KEY",
        allow_hyphen_values = true
    )]
    trusted_list_keys: Vec<PublicKey>,
    /// A root public key (base64url) whose trust documents (delegated carrier, list and
    /// directory keys) the device accepts; repeat for several.
    #[arg(long = "trust-root", value_name = "PUBKEY", allow_hyphen_values = true)]
    trusted_roots: Vec<PublicKey>,
    /// The child's line the device is on (an MSISDN or ICCID), as a phone's platform reads it
    /// from the subscription: the device is protected at once until its carrier's profile
    /// arrives, and `device register` can register with the line instead of a token.
    #[arg(long, value_name = "ID")]
    line: Option<String>,
}

/// `childsafe device install-lists`.
#[derive(clap::Args)]
pub(crate) struct InstallListsArgs {
    /// The device directory.
    #[arg(long)]
    dir: PathBuf,
    /// The signed list bundle (from `childsafe lists compile`).
    #[arg(long, value_name = "FILE")]
    bundle: PathBuf,
}

/// `childsafe device check`.
#[derive(clap::Args)]
pub(crate) struct DeviceCheckArgs {
    /// The device directory.
    #[arg(long)]
    dir: PathBuf,
    /// URLs to check, as the phone's browser would hand them over.
    #[arg(value_name = "URL", required = true)]
    urls: Vec<OsString>,
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
    /// The line handle the profile is for (from `GET /v1/carrier/activations`); none for a
    /// device bound to no line.
    #[arg(long, value_name = "HANDLE", default_value = "")]
    line: String,
    /// The id of the device the profile is for (`childsafe device init` prints it).
    #[arg(long = "device", value_name = "ID")]
    device_id: String,
    /// The child's birth month, YYYY-MM: the band then follows the child's age.
    #[arg(long, value_name = "YYYY-MM")]
    birth_month: Option<String>,
    /// What parents may relax of the profile: a category, `safe-search` or `allowlist-only`;
    /// repeat for several.
    #[arg(long = "parents-may-relax", value_name = "WHAT")]
    parents_may_relax: Vec<String>,
    /// Where to write the signed profile.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// `childsafe activation deactivate`.
#[derive(clap::Args)]
pub(crate) struct SignDeactivationArgs {
    /// The carrier's private key.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// The carrier's id.
    #[arg(long, value_name = "ID")]
    carrier: String,
    /// The line handle; none for a device bound to no line.
    #[arg(long, value_name = "HANDLE", default_value = "")]
    line: String,
    /// The id of the device.
    #[arg(long = "device", value_name = "ID")]
    device_id: String,
    /// Above every profile's sequence for the line.
    #[arg(long, value_name = "N")]
    sequence: u64,
    /// Why, for the audit log and the parents.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// Where to write the signed deactivation.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// `childsafe device init`: sets up a device directory, as a phone sets itself up the first
/// time the SDK opens, and prints its identifier (made from the device key made now, so that the
/// id parent commands name is the id the backend gives the device when it registers).
pub(crate) fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    // `device.json` is written last: once it is there, the device is set up.
    anyhow::ensure!(
        DeviceConfig::read(&args.dir).is_err(),
        "cannot set the device up: the device is already set up"
    );
    let config = DeviceConfig {
        country: args
            .country
            .as_ref()
            .map(|country| country.to_ascii_uppercase()),
        trusted_carrier_keys: args.trusted_carriers.clone(),
        trusted_list_keys: args.trusted_list_keys.clone(),
        trusted_root_keys: args.trusted_roots.clone(),
        line: args.line.clone(),
        ..DeviceConfig::default()
    };
    let device_id = phone::open(&args.dir, &config, SDK_LOCALE)
        .context("cannot set the device up")?
        .device_id();
    config.write(&args.dir)?;
    print_json(&json!({ "device_id": device_id }))
}

/// `childsafe device install-lists`: installs a signed list bundle on the device, as a sync
/// would, and prints the version now in force and the state of the lists.
pub(crate) fn install_lists(args: &InstallListsArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.bundle)
        .with_context(|| format!("cannot read the bundle {}", args.bundle.display()))?;
    let sdk = open_with_country(&args.dir)?;
    let version = sdk
        .install_list_bundle(bytes)
        .with_context(|| format!("the bundle {} was refused", args.bundle.display()))?;
    let lists = sdk.status().context("cannot read the status")?.lists;
    print_json(&json!({ "installed_version": version, "lists": lists }))
}

/// `childsafe device check`: what the phone decides for each URL with its stored lists and
/// policy, one JSON object per URL with the fields of `childsafe url check`.
pub(crate) fn check(args: &DeviceCheckArgs) -> anyhow::Result<ExitCode> {
    let sdk = open_with_country(&args.dir)?;
    // The browser hands the SDK text: bytes that are not UTF-8 become U+FFFD, as they would in
    // the platform's string.
    let urls: Vec<String> = args
        .urls
        .iter()
        .map(|url| String::from_utf8_lossy(&os_bytes(url)).into_owned())
        .collect();
    let decisions = sdk
        .check_urls(&urls)
        .context("the URLs cannot be checked")?;
    print_decisions(urls.into_iter().zip(decisions))
}

/// `childsafe activation sign`: writes a signed activation profile.
pub(crate) fn sign_activation(args: &SignActivationArgs) -> anyhow::Result<ExitCode> {
    let key = read_signing_key(&args.key)?;
    let now = childsafe_core::time::system_clock_reading().wall_unix;
    let profile = ActivationProfile {
        line: args.line.clone(),
        device_id: args.device_id.clone(),
        birth_month: args.birth_month.clone(),
        parents_may_relax: args.parents_may_relax.clone(),
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

/// `childsafe activation deactivate`: writes a signed line deactivation.
pub(crate) fn sign_deactivation(args: &SignDeactivationArgs) -> anyhow::Result<ExitCode> {
    let key = read_signing_key(&args.key)?;
    let deactivation = LineDeactivation {
        carrier: args.carrier.clone(),
        line: args.line.clone(),
        device_id: args.device_id.clone(),
        reason: args.reason.clone(),
        issued_at: childsafe_core::time::system_clock_reading().wall_unix,
        sequence: args.sequence,
    };
    let envelope = deactivation
        .sign(&key)
        .context("cannot sign the deactivation")?;
    std::fs::write(&args.out, envelope)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    writeln!(
        io::stderr().lock(),
        "signed the deactivation of device {} for {} (sequence {})",
        deactivation.device_id,
        deactivation.carrier,
        deactivation.sequence
    )?;
    Ok(ExitCode::SUCCESS)
}

/// `childsafe device deactivate`: applies a signed line deactivation.
pub(crate) fn deactivate(dir: &Path, file: &Path) -> anyhow::Result<ExitCode> {
    let envelope =
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let deactivation = phone::open_existing(dir)?
        .deactivate(&envelope)
        .context("the deactivation was refused")?;
    print_json(&json!({
        "safe_mode": false,
        "carrier": deactivation.carrier,
        "reason": deactivation.reason,
        "sequence": deactivation.sequence,
    }))
}

/// `childsafe device install-keys`: installs a trust document or a key rotation.
pub(crate) fn install_keys(
    dir: &Path,
    trust_document: Option<&Path>,
    rotation: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let read = |file: &Path| {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
    };
    let sdk = phone::open_existing(dir)?;
    match (trust_document, rotation) {
        (Some(file), _) => {
            let version = sdk
                .install_trust_document(read(file)?)
                .context("the trust document was refused")?;
            print_json(&json!({ "trust_document_version": version }))
        }
        (None, Some(file)) => {
            sdk.install_key_rotation(read(file)?)
                .context("the key rotation was refused")?;
            print_json(&json!({ "key_rotation": "installed" }))
        }
        (None, None) => anyhow::bail!("give --trust-document or --rotation"),
    }
}

/// `childsafe device activate`: applies a signed activation profile.
pub(crate) fn activate(dir: &Path, profile_file: &Path) -> anyhow::Result<ExitCode> {
    let envelope = std::fs::read(profile_file)
        .with_context(|| format!("cannot read {}", profile_file.display()))?;
    let profile = phone::open_existing(dir)?
        .activate(&envelope)
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
    phone::open_existing(dir)?
        .set_pin(pin, old_pin)
        .context("the PIN was not set")?;
    print_json(&json!({ "pin_set": true }))
}

/// `childsafe device verify-pin`: exit 0 right, 1 wrong, 3 locked out, with a JSON line.
pub(crate) fn verify_pin(dir: &Path, pin: &str) -> anyhow::Result<ExitCode> {
    let check = phone::open_existing(dir)?
        .verify_pin(pin)
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

/// `childsafe device status`: safe mode and the state of the lists, as the phone's status
/// screen reads them.
pub(crate) fn status(dir: &Path) -> anyhow::Result<ExitCode> {
    let status = open_with_country(dir)?
        .status()
        .context("cannot read the status")?;
    print_json(&serde_json::to_value(status)?)
}

/// `childsafe device rules`: the rules the child sees, one per line.
pub(crate) fn rules(dir: &Path, locale: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = DeviceConfig::read(dir)?;
    let lines = phone::open(dir, &config, locale.unwrap_or(SDK_LOCALE))?
        .rules()
        .context("cannot read the rules")?;
    let mut out = io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Opens a device directory for the commands that show the phone's own state (its status, its
/// lists, its decisions), which need the country it was set up with.
fn open_with_country(dir: &Path) -> anyhow::Result<childsafe_core::ChildSafe> {
    let config = DeviceConfig::read(dir)?;
    config.require_country(dir)?;
    phone::open(dir, &config, SDK_LOCALE)
}

/// Prints `value` as one line of JSON.
pub(crate) fn print_json(value: &serde_json::Value) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    writeln!(out, "{value}")?;
    Ok(ExitCode::SUCCESS)
}
