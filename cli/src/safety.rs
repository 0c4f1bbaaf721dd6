//! Safety information from the command line: `childsafe device safety` prints what a device
//! shows the child or a parent; `childsafe safety sign-pack` signs a carrier's own texts and
//! `childsafe safety install` puts a signed pack on a device, as its sync would.
//!
//! A carrier writes its texts in the shape of the SDK's own (`core/data/safety/<lang>.json`: one
//! file per language, every band, audience and topic), so the simplest start is a copy of those
//! files, reworded.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::safety::{LanguageTexts, SafetyAudience, SafetyPack};
use clap::{Args, Subcommand};

use crate::device::print_json;
use crate::keys::read_signing_key;
use crate::phone::{self, DeviceConfig, SDK_LOCALE};

/// How long a signed pack may be installed, unless `--expires-in-days` says otherwise.
const DEFAULT_PACK_VALIDITY_DAYS: u64 = 365;

const DAY_SECS: u64 = 86_400;

/// `childsafe device safety`.
#[derive(Args)]
pub(crate) struct DeviceSafetyArgs {
    /// The device directory.
    #[arg(long)]
    dir: PathBuf,
    /// Who reads it: child or parent.
    #[arg(long)]
    audience: SafetyAudience,
    /// Language: en, fr, es or de (others fall back to English).
    #[arg(long)]
    locale: Option<String>,
}

/// `childsafe safety ...`.
#[derive(Subcommand)]
pub(crate) enum SafetyCommand {
    /// Sign a carrier's safety texts with its carrier key: the pack phones install in place of
    /// the SDK's own texts, in the languages it covers.
    SignPack(SignPackArgs),
    /// Install a signed safety pack on a device, as its sync would (refused if not signed by a
    /// carrier key the device trusts, not newer than the installed pack, or expired).
    Install {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The signed pack (from `childsafe safety sign-pack`).
        #[arg(long, value_name = "FILE")]
        pack: PathBuf,
    },
}

/// `childsafe safety sign-pack`.
#[derive(Args)]
pub(crate) struct SignPackArgs {
    /// The carrier's private key file.
    #[arg(long, value_name = "KEYFILE")]
    key: PathBuf,
    /// The carrier's id (a-z, 0-9, -), as the backend admitted it.
    #[arg(long, value_name = "ID")]
    carrier: String,
    /// The pack's version: higher than any pack the carrier signed before.
    #[arg(long, value_name = "N")]
    version: u64,
    /// The texts of one language, in the shape of `core/data/safety/<lang>.json`; repeat for
    /// each language the pack covers.
    #[arg(long, value_name = "FILE.json", required = true)]
    pack: Vec<PathBuf>,
    /// Days from now until phones refuse to install it.
    #[arg(long, value_name = "DAYS", default_value_t = DEFAULT_PACK_VALIDITY_DAYS)]
    expires_in_days: u64,
    /// Where to write the signed pack.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Runs a `childsafe safety` command.
pub(crate) fn run(command: &SafetyCommand) -> anyhow::Result<ExitCode> {
    match command {
        SafetyCommand::SignPack(args) => sign_pack(args),
        SafetyCommand::Install { dir, pack } => install(dir, pack),
    }
}

/// `childsafe device safety`: the safety information the device shows, as JSON.
pub(crate) fn device_safety(args: &DeviceSafetyArgs) -> anyhow::Result<ExitCode> {
    let config = DeviceConfig::read(&args.dir)?;
    config.require_country(&args.dir)?;
    let locale = args.locale.as_deref().unwrap_or(SDK_LOCALE);
    let information = phone::open(&args.dir, &config, locale)?
        .safety_information(args.audience)
        .context("cannot read the safety information")?;
    print_json(&serde_json::to_value(information)?)
}

fn sign_pack(args: &SignPackArgs) -> anyhow::Result<ExitCode> {
    let key = read_signing_key(&args.key)?;
    let languages = args
        .pack
        .iter()
        .map(|path| read_texts(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let now = childsafe_core::time::system_clock_reading().wall_unix;
    let validity = args
        .expires_in_days
        .checked_mul(DAY_SECS)
        .filter(|secs| *secs > 0)
        .context("--expires-in-days must be at least 1")?;
    let pack = SafetyPack {
        carrier: args.carrier.clone(),
        version: args.version,
        issued_at: now,
        expires_at: now.saturating_add(validity),
        languages,
    };
    let signed = pack.sign(&key).context("cannot sign the safety pack")?;
    std::fs::write(&args.out, signed)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let covered: Vec<&str> = pack
        .languages
        .iter()
        .map(|texts| texts.language.as_str())
        .collect();
    writeln!(
        io::stderr().lock(),
        "signed safety pack version {} for {} ({})",
        pack.version,
        pack.carrier,
        covered.join(", ")
    )?;
    Ok(ExitCode::SUCCESS)
}

fn install(dir: &Path, pack: &Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(pack).with_context(|| format!("cannot read {}", pack.display()))?;
    let version = phone::open_existing(dir)?
        .install_safety_pack(bytes)
        .context("the safety pack was refused")?;
    print_json(&serde_json::json!({ "safety_pack_version": version }))
}

fn read_texts(path: &Path) -> anyhow::Result<LanguageTexts> {
    let text = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&text).with_context(|| {
        format!(
            "{} is not one language's safety texts (the shape of core/data/safety/en.json)",
            path.display()
        )
    })
}
