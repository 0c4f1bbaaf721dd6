//! `childsafe`: operator tooling for the childsafe SDK: URL checks, list compiling, keys and
//! signing, carrier activation profiles, a carrier's lines on a backend, and devices kept in a
//! directory.
//!
//! It runs the same code as the phone, so an operator can see exactly how the SDK reads a URL and
//! which list entries would match it. Arguments are taken as raw bytes: a URL copied from a log may
//! hold bytes that are not UTF-8, and those must reach the canonicalizer unchanged. The commands
//! that act as a phone (`device`, `report`, `reports`, `sync`, and `dns serve`, the SDK's DNS
//! filter as a local server) open the SDK's facade as an app does (see `phone`). The whole system
//! told as a story is another binary, `childsafe-demo`, the only one that links the backend.
#![forbid(unsafe_code)]

mod carrier;
mod check;
mod device;
mod dns;
mod emergency;
mod keys;
mod lists;
mod pairing;
mod parent;
mod phone;
mod report;
mod safety;
mod sync;
mod url;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "childsafe",
    version,
    about = "Operator tooling for the childsafe child-safety SDK"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Canonicalize URLs, list their lookup expressions, and check them against compiled lists.
    #[command(subcommand)]
    Url(UrlCommand),
    /// Make the Ed25519 key that signs list bundles, or show its public key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Compile text lists into the signed bundle phones load.
    #[command(subcommand)]
    Lists(ListsCommand),
    /// Safe mode of a device kept in a directory: set up, activate, PIN, status, rules.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Carrier activation profiles.
    #[command(subcommand)]
    Activation(ActivationCommand),
    /// A carrier's children's lines on a backend: admit the carrier (operator), add, update,
    /// list and deactivate lines, and sign the profiles their devices wait for.
    #[command(subcommand)]
    Carrier(carrier::CarrierCommand),
    /// The parent's app kept in a directory: pair with a child's phone by its QR code, see the
    /// child's signed status, reports and requests, and send signed commands.
    #[command(subcommand)]
    Parent(parent::ParentCommand),
    /// File an emergency report into a device's outbox, as the phone's buttons do; prints the
    /// receipt as JSON (an SOS also prints the numbers to call).
    Report(report::ReportArgs),
    /// Print a device's reports with their delivery status, as a JSON list.
    Reports {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Send a device's outbox to its backend, refresh report statuses and apply new signed
    /// bundles; prints a JSON summary.
    Sync {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Carriers' own safety information: sign a pack, install one on a device.
    #[command(subcommand)]
    Safety(safety::SafetyCommand),
    /// The SDK's DNS filter as a local DNS server, answering with a device's stored lists and
    /// policy.
    #[command(subcommand)]
    Dns(dns::DnsCommand),
    /// Print the emergency numbers and child helpline a phone shows in a country, as JSON.
    Emergency {
        /// ISO 3166-1 alpha-2 country code, such as GB.
        #[arg(long, value_name = "CC")]
        country: String,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Set up a device directory: its identifier, country and trusted carrier and list keys.
    Init(device::InitArgs),
    /// Register the device with a backend, with the carrier's activation token.
    Register(sync::RegisterArgs),
    /// Apply a signed carrier activation profile (switches safe mode on).
    Activate {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The signed profile (from `childsafe activation sign`).
        #[arg(long, value_name = "FILE")]
        profile: PathBuf,
    },
    /// Apply a carrier's signed deactivation of the line (switches safe mode off).
    Deactivate {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The signed deactivation (from `childsafe activation deactivate`).
        #[arg(long, value_name = "FILE")]
        deactivation: PathBuf,
    },
    /// Set the parent PIN; changing it needs the old one.
    SetPin {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The new PIN: 4 to 12 digits.
        #[arg(long)]
        pin: String,
        /// The current PIN, when one is set.
        #[arg(long)]
        old_pin: Option<String>,
    },
    /// Check a PIN: exit 0 right, 1 wrong, 3 locked out; prints JSON with the attempts left or
    /// the seconds until the next try.
    VerifyPin {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The PIN to check.
        #[arg(long)]
        pin: String,
    },
    /// Install a root-signed trust document (`childsafe keys trust-document`) or a carrier's
    /// key rotation (`childsafe keys rotate`) on the device, as a sync would.
    InstallKeys {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// A signed trust document.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with = "rotation",
            required_unless_present = "rotation"
        )]
        trust_document: Option<PathBuf>,
        /// A signed carrier key rotation.
        #[arg(long, value_name = "FILE")]
        rotation: Option<PathBuf>,
    },
    /// Install a signed list bundle on the device, as a sync would (refused if not newer,
    /// expired on the device's trusted clock, or not signed by a key the device trusts).
    InstallLists(device::InstallListsArgs),
    /// Decide allow / block / rewrite for each URL as the phone does, with its stored lists and
    /// policy, and print one JSON object per URL (the fields of `childsafe url check`).
    Check(device::DeviceCheckArgs),
    /// Print the device's safe-mode state and the state of its lists as JSON.
    Status {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Start pairing a parent's app (needs the parent PIN): prints the QR payload for the
    /// parent's app to scan, and the same secret written for typing.
    PairingCode {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The parent PIN.
        #[arg(long)]
        pin: String,
    },
    /// Show the confirmation code of the parent that claimed the pairing code; with `--code`,
    /// the code the parent's app shows, enrol that parent (needs the parent PIN).
    ConfirmParent {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The parent PIN.
        #[arg(long)]
        pin: String,
        /// The six digits the parent's app shows; the parent is enrolled only if they are the
        /// phone's own.
        #[arg(long, value_name = "DIGITS")]
        code: Option<String>,
    },
    /// Print the parents enrolled on the device, with their roles, as JSON.
    Parents {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Remove an enrolled parent (needs the parent PIN).
    RemoveParent {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// The parent PIN.
        #[arg(long)]
        pin: String,
        /// The parent's id (from `device parents`).
        #[arg(long, value_name = "ID")]
        parent: String,
    },
    /// Print the child's access requests and the parents' answers, newest first, as JSON.
    Requests {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Print the safety information the device shows the child or a parent, as JSON.
    Safety(safety::DeviceSafetyArgs),
    /// Print the rules in force as the child sees them, one per line.
    Rules {
        /// The device directory.
        #[arg(long)]
        dir: PathBuf,
        /// Language: en, fr, es or de (others fall back to English).
        #[arg(long)]
        locale: Option<String>,
    },
}

#[derive(Subcommand)]
enum ActivationCommand {
    /// Sign an activation profile with a carrier key.
    Sign(device::SignActivationArgs),
    /// Sign the deactivation of a line (no longer a child's) with a carrier key.
    Deactivate(device::SignDeactivationArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Write a new private key (PKCS#8, mode 0600) and print its public key (base64url).
    Generate {
        /// Where to write the private key; an existing file is never overwritten.
        #[arg(long, value_name = "KEYFILE")]
        out: PathBuf,
    },
    /// Print the public key (base64url) of a private key file.
    Public {
        /// The private key file.
        #[arg(long, value_name = "KEYFILE")]
        key: PathBuf,
    },
    /// Sign, with a root key, a trust document delegating keys to roles and revoking keys (the
    /// `keys` bundle).
    TrustDocument(keys::TrustDocumentArgs),
    /// Sign, with a carrier's current key, its rotation to a new key.
    Rotate(keys::RotateArgs),
}

#[derive(Subcommand)]
enum ListsCommand {
    /// Compile category, hashed-URL and allow lists into one signed bundle.
    Compile(lists::CompileArgs),
}

#[derive(Subcommand)]
enum UrlCommand {
    /// Print the canonical form of each URL, one per line.
    Canonicalize {
        /// URLs to canonicalize (any bytes).
        #[arg(value_name = "URL", required_unless_present = "stdin")]
        urls: Vec<OsString>,
        /// Also read URLs from standard input, one per line; blank lines are skipped.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the lookup expressions of a URL, one per line, in lookup order.
    Expressions {
        /// The URL (any bytes).
        #[arg(value_name = "URL")]
        url: OsString,
        /// Print each expression's SHA-256 after it, tab-separated, as hashed lists store it.
        #[arg(long)]
        hashes: bool,
    },
    /// Decide allow / block / rewrite for each URL against a compiled bundle and a policy, and
    /// print one JSON object per URL.
    Check(check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Url(UrlCommand::Canonicalize { urls, stdin }) => url::canonicalize(&urls, stdin),
        Command::Url(UrlCommand::Expressions { url, hashes }) => url::expressions(&url, hashes),
        Command::Url(UrlCommand::Check(args)) => check::check(&args),
        Command::Keys(KeysCommand::Generate { out }) => {
            keys::generate(&out).map(|()| ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Public { key }) => {
            keys::public(&key).map(|()| ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::TrustDocument(args)) => {
            keys::trust_document(&args).map(|()| ExitCode::SUCCESS)
        }
        Command::Keys(KeysCommand::Rotate(args)) => keys::rotate(&args).map(|()| ExitCode::SUCCESS),
        Command::Lists(ListsCommand::Compile(args)) => {
            lists::compile(&args).map(|()| ExitCode::SUCCESS)
        }
        Command::Device(DeviceCommand::Init(args)) => device::init(&args),
        Command::Device(DeviceCommand::Register(args)) => sync::register(&args),
        Command::Device(DeviceCommand::Activate { dir, profile }) => {
            device::activate(&dir, &profile)
        }
        Command::Device(DeviceCommand::SetPin { dir, pin, old_pin }) => {
            device::set_pin(&dir, &pin, old_pin.as_deref())
        }
        Command::Device(DeviceCommand::VerifyPin { dir, pin }) => device::verify_pin(&dir, &pin),
        Command::Device(DeviceCommand::InstallLists(args)) => device::install_lists(&args),
        Command::Device(DeviceCommand::Check(args)) => device::check(&args),
        Command::Device(DeviceCommand::Status { dir }) => device::status(&dir),
        Command::Device(DeviceCommand::Rules { dir, locale }) => {
            device::rules(&dir, locale.as_deref())
        }
        Command::Device(DeviceCommand::PairingCode { dir, pin }) => {
            pairing::pairing_code(&dir, &pin)
        }
        Command::Device(DeviceCommand::ConfirmParent { dir, pin, code }) => {
            pairing::confirm_parent(&dir, &pin, code.as_deref())
        }
        Command::Device(DeviceCommand::Parents { dir }) => pairing::parents(&dir),
        Command::Device(DeviceCommand::RemoveParent { dir, pin, parent }) => {
            pairing::remove_parent(&dir, &pin, &parent)
        }
        Command::Device(DeviceCommand::Requests { dir }) => pairing::requests(&dir),
        Command::Device(DeviceCommand::Safety(args)) => safety::device_safety(&args),
        Command::Safety(command) => safety::run(&command),
        Command::Activation(ActivationCommand::Sign(args)) => device::sign_activation(&args),
        Command::Activation(ActivationCommand::Deactivate(args)) => {
            device::sign_deactivation(&args)
        }
        Command::Device(DeviceCommand::InstallKeys {
            dir,
            trust_document,
            rotation,
        }) => device::install_keys(&dir, trust_document.as_deref(), rotation.as_deref()),
        Command::Device(DeviceCommand::Deactivate { dir, deactivation }) => {
            device::deactivate(&dir, &deactivation)
        }
        Command::Parent(command) => parent::run(command),
        Command::Carrier(command) => carrier::run(command),
        Command::Report(args) => report::report(&args),
        Command::Reports { dir } => report::reports(&dir),
        Command::Sync { dir } => sync::sync(&dir),
        Command::Emergency { country } => emergency::emergency(&country),
        Command::Dns(command) => dns::run(&command),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            #[allow(clippy::print_stderr)] // the binary's one place that reports a fatal error
            {
                eprintln!("childsafe: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
