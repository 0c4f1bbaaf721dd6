//! `childsafe carrier ...`: a carrier's provisioning against a backend. The operator admits the
//! carrier with its key (`admit`); the carrier then adds and updates its children's lines, lists
//! them and the activations they wait for, signs each pending device's activation profile with
//! its key (`sign-pending`), deactivates a line and uploads a key rotation. Every answer is
//! printed as JSON.
//!
//! Every carrier command is a thin wrapper over core's
//! [`ChildSafeCarrier`](childsafe_core::carrier::ChildSafeCarrier), the SDK carriers' own systems
//! use: one way to talk to the backend as a carrier. Its requests are signed as
//! `carrier:<carrier id>` with the carrier's key, the key that also signs its profiles and
//! deactivations; the phone verifies those itself. Admitting a carrier is the operator's
//! action, made here with the operator's token.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_core::carrier::{CarrierConfig, CarrierError, ChildSafeCarrier, LineSettings};
use childsafe_core::crypto::PublicKey;
use childsafe_core::protocol::carrier::{
    CarrierRegistration, LineAccepted, Lines, PendingActivations,
};
use childsafe_core::protocol::error::ErrorBody;
use childsafe_core::protocol::routes::Operation;
use childsafe_core::settings::AgeBand;
use childsafe_core::sync::client::{SyncError, parse_backend_url};
use serde_json::json;

use crate::device::print_json;
use crate::sync::runtime;

/// How long a profile `sign-pending` signs holds, unless told otherwise.
const DEFAULT_PROFILE_DAYS: u64 = 365;
/// How long a rotated-to key holds with `rotate-key --new-key`, unless told otherwise.
const DEFAULT_ROTATION_DAYS: u64 = 365;
/// Seconds in a day.
const DAY_SECS: u64 = 86_400;

/// `childsafe carrier ...`.
#[derive(clap::Subcommand)]
pub(crate) enum CarrierCommand {
    /// (Operator) admit a carrier with its id, name and public key.
    Admit {
        #[command(flatten)]
        backend: BackendArgs,
        /// The operator's bearer token.
        #[arg(long, value_name = "TOKEN", allow_hyphen_values = true)]
        operator_token: String,
        /// The carrier's id: 1 to 64 characters of a-z, 0-9 and -.
        #[arg(long, value_name = "ID")]
        carrier_id: String,
        /// The name shown to parents.
        #[arg(long)]
        name: String,
        /// The carrier's public key (base64url, from `childsafe keys generate`).
        // A base64url key starts with `-` one time in 64.
        #[arg(long, value_name = "PUB", allow_hyphen_values = true)]
        public_key: String,
    },
    /// The carrier's children's lines.
    #[command(subcommand)]
    Line(LineCommand),
    /// The lines whose device waits for a profile, as JSON.
    Activations(CarrierArgs),
    /// Sign and upload the profile of every pending activation; prints what it signed as JSON.
    SignPending {
        #[command(flatten)]
        carrier: CarrierArgs,
        /// How many days each profile holds.
        #[arg(long, value_name = "D", default_value_t = DEFAULT_PROFILE_DAYS)]
        expires_in_days: u64,
    },
    /// Move the carrier to a new key: sign the rotation with the current key and upload it
    /// (`--new-key`), or upload a rotation signed elsewhere (`--rotation`, from `childsafe keys
    /// rotate`). The new key signs the carrier's requests and documents from then on.
    RotateKey {
        #[command(flatten)]
        carrier: CarrierArgs,
        /// The signed rotation envelope.
        #[arg(
            long,
            value_name = "FILE",
            required_unless_present = "new_key",
            conflicts_with = "new_key"
        )]
        rotation: Option<PathBuf>,
        /// The new private key file (from `childsafe keys generate`).
        #[arg(long, value_name = "FILE")]
        new_key: Option<PathBuf>,
        /// With `--new-key`: how many days the new key holds.
        #[arg(long, value_name = "D", default_value_t = DEFAULT_ROTATION_DAYS, requires = "new_key")]
        expires_in_days: u64,
    },
}

/// `childsafe carrier line ...`.
#[derive(clap::Subcommand)]
pub(crate) enum LineCommand {
    /// Add a child's line; prints its line handle.
    Add(LineArgs),
    /// New settings for one of the carrier's lines; its device then waits for a new profile.
    Update(LineArgs),
    /// The carrier's lines, as JSON.
    List(CarrierArgs),
    /// Sign and upload the deactivation of a line (its device leaves safe mode).
    Deactivate {
        #[command(flatten)]
        carrier: CarrierArgs,
        /// The line handle (from `carrier line list`).
        #[arg(long, value_name = "H")]
        handle: String,
        /// Why, for the audit log and the parents.
        #[arg(long, value_name = "R")]
        reason: String,
    },
}

/// Which backend.
#[derive(clap::Args)]
pub(crate) struct BackendArgs {
    /// The backend's base URL (https://...).
    #[arg(long, value_name = "URL")]
    backend: String,
    /// Allow plain HTTP to a loopback backend (tests and the demo only).
    #[arg(long)]
    allow_insecure_loopback: bool,
}

/// Which carrier, signing with which key.
#[derive(clap::Args)]
pub(crate) struct CarrierArgs {
    #[command(flatten)]
    backend: BackendArgs,
    /// The carrier's id, as the operator admitted it.
    #[arg(long, value_name = "ID")]
    carrier_id: String,
    /// The carrier's private key file (from `childsafe keys generate`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
}

/// A line and its settings.
#[derive(clap::Args)]
pub(crate) struct LineArgs {
    #[command(flatten)]
    carrier: CarrierArgs,
    /// The line identifier (phone number or ICCID); the backend keeps only its keyed hash.
    #[arg(long, value_name = "L")]
    line: String,
    /// ISO 3166-1 alpha-2 country of the line, such as GB.
    #[arg(long, value_name = "CC")]
    country: String,
    /// The child's age band (0-5, 6-8, 9-12, 13-15, 16-17).
    #[arg(
        long,
        value_name = "B",
        required_unless_present = "birth_month",
        conflicts_with = "birth_month"
    )]
    band: Option<String>,
    /// The child's birth month, YYYY-MM: the band then follows the child's age.
    #[arg(long, value_name = "YYYY-MM")]
    birth_month: Option<String>,
    /// A category blocked on top of the band's defaults (repeatable).
    #[arg(long = "extra", value_name = "CATEGORY")]
    extra: Vec<String>,
    /// What parents may relax: a category, safe-search or allowlist-only (repeatable).
    #[arg(long, value_name = "X")]
    parents_may_relax: Vec<String>,
}

/// Runs a `childsafe carrier` command.
pub(crate) fn run(command: CarrierCommand) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    match command {
        CarrierCommand::Admit {
            backend,
            operator_token,
            carrier_id,
            name,
            public_key,
        } => runtime.block_on(admit(
            &backend,
            &operator_token,
            carrier_id,
            name,
            &public_key,
        )),
        CarrierCommand::Line(LineCommand::Add(args)) => runtime.block_on(async {
            let line_handle = open(&args.carrier)?.add_line(&args.settings()?).await?;
            print_json(&serde_json::to_value(LineAccepted { line_handle })?)
        }),
        CarrierCommand::Line(LineCommand::Update(args)) => runtime.block_on(async {
            let line_handle = open(&args.carrier)?.update_line(&args.settings()?).await?;
            print_json(&serde_json::to_value(LineAccepted { line_handle })?)
        }),
        CarrierCommand::Line(LineCommand::List(args)) => runtime.block_on(async {
            let lines = open(&args)?.lines().await?;
            let lines = Lines {
                lines: lines.iter().map(|line| line.to_wire()).collect(),
            };
            print_json(&serde_json::to_value(lines)?)
        }),
        CarrierCommand::Line(LineCommand::Deactivate {
            carrier,
            handle,
            reason,
        }) => runtime.block_on(async {
            let done = open(&carrier)?.deactivate(&handle, &reason).await?;
            print_json(&json!({"deactivation": done.deactivation, "line": done.line.to_wire()}))
        }),
        CarrierCommand::Activations(args) => runtime.block_on(async {
            let pending = open(&args)?.pending_activations().await?;
            let pending = PendingActivations {
                activations: pending.iter().map(|pending| pending.to_wire()).collect(),
            };
            print_json(&serde_json::to_value(pending)?)
        }),
        CarrierCommand::SignPending {
            carrier,
            expires_in_days,
        } => runtime.block_on(async {
            let signed = open(&carrier)?
                .sign_pending(expires_in_days.saturating_mul(DAY_SECS))
                .await?;
            let profiles: Vec<_> = signed.into_iter().map(|signed| signed.profile).collect();
            print_json(&json!({ "signed": profiles }))
        }),
        CarrierCommand::RotateKey {
            carrier,
            rotation,
            new_key,
            expires_in_days,
        } => runtime.block_on(async {
            let client = open(&carrier)?;
            let new_key = match (rotation, new_key) {
                (Some(rotation), _) => {
                    client
                        .upload_key_rotation(&read_rotation(&rotation)?)
                        .await?
                        .new_key
                }
                (None, Some(new_key)) => {
                    client
                        .rotate_key(
                            &read_file(&new_key)?,
                            expires_in_days.saturating_mul(DAY_SECS),
                        )
                        .await?
                }
                (None, None) => anyhow::bail!("give --rotation or --new-key"),
            };
            print_json(&json!({
                "rotated": true,
                "carrier_id": carrier.carrier_id,
                "new_key": new_key.to_string(),
            }))
        }),
    }
}

impl LineArgs {
    /// The line's settings, the band read by its name.
    fn settings(&self) -> anyhow::Result<LineSettings> {
        let band = match &self.band {
            Some(name) => Some(name.parse::<AgeBand>().map_err(|_| {
                anyhow::anyhow!("--band {name} is not a band (0-5, 6-8, 9-12, 13-15 or 16-17)")
            })?),
            None => None,
        };
        Ok(LineSettings {
            line: self.line.clone(),
            country: self.country.clone(),
            band,
            birth_month: self.birth_month.clone(),
            extra_blocked_categories: self.extra.clone(),
            parents_may_relax: self.parents_may_relax.clone(),
        })
    }
}

/// The carrier's SDK for these arguments.
fn open(args: &CarrierArgs) -> anyhow::Result<ChildSafeCarrier> {
    let key = read_file(&args.key)?;
    let config = CarrierConfig {
        backend_url: args.backend.backend.clone(),
        allow_insecure_loopback: args.backend.allow_insecure_loopback,
        carrier_id: args.carrier_id.clone(),
    };
    ChildSafeCarrier::open(config, &key).map_err(|error| match error {
        CarrierError::Sync(SyncError::BadUrl(_)) => {
            anyhow::Error::new(error).context(BACKEND_URL_RULE)
        }
        CarrierError::Crypto(_) => anyhow::Error::new(error).context(format!(
            "{} is not a childsafe signing key (as `childsafe keys generate` writes)",
            args.key.display()
        )),
        other => other.into(),
    })
}

/// What `--backend` must be.
const BACKEND_URL_RULE: &str =
    "--backend must be https:// (plain http only to loopback with --allow-insecure-loopback)";

fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A rotation file: the envelope as `keys rotate` writes it (JSON), or in base64url.
fn read_rotation(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = read_file(path)?;
    if bytes.trim_ascii_start().starts_with(b"{") {
        return Ok(bytes);
    }
    URL_SAFE_NO_PAD
        .decode(bytes.trim_ascii())
        .context("the rotation file is neither an envelope nor base64url text")
}

async fn admit(
    backend: &BackendArgs,
    operator_token: &str,
    carrier_id: String,
    name: String,
    public_key: &str,
) -> anyhow::Result<ExitCode> {
    let public_key: PublicKey = public_key
        .parse()
        .map_err(|_| anyhow::anyhow!("--public-key is not a base64url Ed25519 public key"))?;
    let base = parse_backend_url(&backend.backend, backend.allow_insecure_loopback)
        .context(BACKEND_URL_RULE)?;
    let route = Operation::RegisterCarrier.route();
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")?
        .post(base.join(route.path.trim_start_matches('/'))?)
        .bearer_auth(operator_token)
        .json(&CarrierRegistration {
            carrier_id,
            name,
            public_key,
        })
        .send()
        .await
        .context("the backend could not be reached")?;
    let status = response.status().as_u16();
    if !response.status().is_success() {
        return Err(match response.json::<ErrorBody>().await {
            Ok(body) => anyhow::anyhow!(
                "the backend refused ({status} {}): {}",
                body.error,
                body.message
            ),
            Err(_) => anyhow::anyhow!("the backend refused ({status})"),
        });
    }
    let admitted: CarrierRegistration = response
        .json()
        .await
        .context("the backend's answer is not the expected JSON")?;
    print_json(&serde_json::to_value(admitted)?)
}
