//! `childsafe carrier ...`: a carrier's provisioning against a backend. The operator admits the
//! carrier with its key (`admit`); the carrier then adds and updates its children's lines, lists
//! them and the activations they wait for, signs each pending device's activation profile with
//! its key (`sign-pending`), deactivates a line and uploads a key rotation. Every answer is
//! printed as JSON.
//!
//! The carrier's requests are signed as `carrier:<carrier id>` with the carrier's key, the key
//! that also signs its profiles and deactivations; the phone verifies those itself.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_core::crypto::{PublicKey, SigningKey, envelope};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::activation::{ActivationProfile, LineDeactivation};
use childsafe_protocol::carrier::{
    CarrierRegistration, DEACTIVATION_CONTEXT, LineAccepted, LineRequest, LineSummary, Lines,
    PROFILE_CONTEXT, PendingActivation, PendingActivations, SignedUpload,
};
use childsafe_protocol::error::ErrorBody;
use childsafe_protocol::request_signing::{PrincipalKind, sign_request_as};
use childsafe_protocol::rfc3339;
use childsafe_protocol::routes::Operation;
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::device::print_json;
use crate::keys::read_signing_key;
use crate::sync::runtime;

/// How long a profile `sign-pending` signs holds, unless told otherwise.
const DEFAULT_PROFILE_DAYS: u64 = 365;
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
        #[arg(long, value_name = "TOKEN")]
        operator_token: String,
        /// The carrier's id: 1 to 64 characters of a-z, 0-9 and -.
        #[arg(long, value_name = "ID")]
        carrier_id: String,
        /// The name shown to parents.
        #[arg(long)]
        name: String,
        /// The carrier's public key (base64url, from `childsafe keys generate`).
        #[arg(long, value_name = "PUB")]
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
    /// Upload a key rotation (an envelope signed with the carrier's current key); the new key
    /// signs the carrier's requests and documents from then on.
    RotateKey {
        #[command(flatten)]
        carrier: CarrierArgs,
        /// The signed rotation envelope.
        #[arg(long, value_name = "FILE")]
        rotation: PathBuf,
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
        CarrierCommand::Line(LineCommand::Add(args)) => {
            runtime.block_on(send_line(&args, Operation::AddLine))
        }
        CarrierCommand::Line(LineCommand::Update(args)) => {
            runtime.block_on(send_line(&args, Operation::UpdateLine))
        }
        CarrierCommand::Line(LineCommand::List(args)) => runtime.block_on(async {
            let lines: Lines = CarrierClient::open(&args)?
                .get(Operation::ListLines)
                .await?;
            print_json(&serde_json::to_value(lines)?)
        }),
        CarrierCommand::Line(LineCommand::Deactivate {
            carrier,
            handle,
            reason,
        }) => runtime.block_on(deactivate(&carrier, &handle, reason)),
        CarrierCommand::Activations(args) => runtime.block_on(async {
            let pending: PendingActivations = CarrierClient::open(&args)?
                .get(Operation::ListPendingActivations)
                .await?;
            print_json(&serde_json::to_value(pending)?)
        }),
        CarrierCommand::SignPending {
            carrier,
            expires_in_days,
        } => runtime.block_on(sign_pending(&carrier, expires_in_days)),
        CarrierCommand::RotateKey { carrier, rotation } => runtime.block_on(async {
            let bytes = std::fs::read(&rotation)
                .with_context(|| format!("cannot read {}", rotation.display()))?;
            // The envelope as `seal` writes it (JSON), or already in base64url.
            let envelope = if bytes.trim_ascii_start().starts_with(b"{") {
                URL_SAFE_NO_PAD.encode(&bytes)
            } else {
                String::from_utf8(bytes.trim_ascii().to_vec())
                    .context("the rotation file is neither an envelope nor base64url text")?
            };
            CarrierClient::open(&carrier)?
                .post_empty(Operation::RotateCarrierKey, &SignedUpload { envelope })
                .await?;
            print_json(&json!({"rotated": true, "carrier_id": carrier.carrier_id}))
        }),
    }
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
    let base = backend_url(backend)?;
    let route = Operation::RegisterCarrier.route();
    let response = http_client()?
        .post(base.join(route.path)?)
        .bearer_auth(operator_token)
        .json(&CarrierRegistration {
            carrier_id,
            name,
            public_key,
        })
        .send()
        .await
        .context("the backend could not be reached")?;
    let admitted: CarrierRegistration = answer(response).await?;
    print_json(&serde_json::to_value(admitted)?)
}

async fn send_line(args: &LineArgs, operation: Operation) -> anyhow::Result<ExitCode> {
    let request = LineRequest {
        line: args.line.clone(),
        country: args.country.clone(),
        band: args.band.clone(),
        birth_month: args.birth_month.clone(),
        extra_blocked_categories: args.extra.clone(),
        parents_may_relax: args.parents_may_relax.clone(),
    };
    let accepted: LineAccepted = CarrierClient::open(&args.carrier)?
        .post(operation, &request)
        .await?;
    print_json(&serde_json::to_value(accepted)?)
}

async fn deactivate(args: &CarrierArgs, handle: &str, reason: String) -> anyhow::Result<ExitCode> {
    let client = CarrierClient::open(args)?;
    let lines: Lines = client.get(Operation::ListLines).await?;
    let Some(line) = lines
        .lines
        .into_iter()
        .find(|line| line.line_handle == handle)
    else {
        bail!("none of the carrier's lines has the handle {handle}");
    };
    let Some(device_id) = line.device_id else {
        bail!("no device has registered with this line yet: there is nothing to deactivate");
    };
    let deactivation = LineDeactivation {
        carrier: args.carrier_id.clone(),
        line: line.line_handle,
        device_id,
        reason,
        issued_at: unix_now(),
        sequence: line.sequence.unwrap_or(0) + 1,
    };
    let sealed = envelope::seal(&deactivation, DEACTIVATION_CONTEXT, &client.key)
        .map_err(|error| anyhow::anyhow!("cannot sign the deactivation: {error:?}"))?;
    let summary: LineSummary = client
        .post(
            Operation::DeactivateLine,
            &SignedUpload {
                envelope: URL_SAFE_NO_PAD.encode(sealed),
            },
        )
        .await?;
    print_json(&json!({"deactivation": deactivation, "line": summary}))
}

async fn sign_pending(args: &CarrierArgs, expires_in_days: u64) -> anyhow::Result<ExitCode> {
    let client = CarrierClient::open(args)?;
    let pending: PendingActivations = client.get(Operation::ListPendingActivations).await?;
    let now = unix_now();
    let mut signed = Vec::new();
    for activation in pending.activations {
        let profile = profile_for(&args.carrier_id, &activation, now, expires_in_days)?;
        let sealed = envelope::seal(&profile, PROFILE_CONTEXT, &client.key)
            .map_err(|error| anyhow::anyhow!("cannot sign the profile: {error:?}"))?;
        let _: LineSummary = client
            .post(
                Operation::UploadProfile,
                &SignedUpload {
                    envelope: URL_SAFE_NO_PAD.encode(sealed),
                },
            )
            .await
            .with_context(|| format!("uploading the profile of line {}", activation.line_handle))?;
        signed.push(profile);
    }
    print_json(&json!({ "signed": signed }))
}

/// The profile of one pending activation, signed at `now`.
fn profile_for(
    carrier_id: &str,
    activation: &PendingActivation,
    now: u64,
    expires_in_days: u64,
) -> anyhow::Result<ActivationProfile> {
    let settings = &activation.settings;
    let band = match (&settings.band, &settings.birth_month) {
        (Some(band), _) => band
            .parse::<AgeBand>()
            .map_err(|_| anyhow::anyhow!("the line's band {band} is not a band"))?,
        (None, Some(month)) => band_for_birth_month(month, now)?,
        (None, None) => bail!(
            "line {} has neither a band nor a birth month",
            activation.line_handle
        ),
    };
    Ok(ActivationProfile {
        carrier: carrier_id.to_owned(),
        profile_id: format!(
            "{}-{}",
            &activation.line_handle[..12.min(activation.line_handle.len())],
            activation.next_sequence
        ),
        line: activation.line_handle.clone(),
        device_id: activation.device_id.clone(),
        band,
        birth_month: settings.birth_month.clone(),
        extra_blocked_categories: settings.extra_blocked_categories.clone(),
        parents_may_relax: settings.parents_may_relax.clone(),
        issued_at: now,
        expires_at: now.saturating_add(expires_in_days.saturating_mul(DAY_SECS)),
        sequence: activation.next_sequence,
    })
}

/// The band of a child born in `birth_month` (`YYYY-MM`) at `now`. The birthday is taken to
/// come at the end of the birth month, so in doubt the child is the younger age (the stricter
/// band); a child of 18 or more has no band.
fn band_for_birth_month(birth_month: &str, now: u64) -> anyhow::Result<AgeBand> {
    let month_index = |text: &str| -> Option<i64> {
        let (year, month) = text.get(..7)?.split_once('-')?;
        let (year, month): (i64, i64) = (year.parse().ok()?, month.parse().ok()?);
        (1..=12).contains(&month).then_some(year * 12 + month - 1)
    };
    let born = month_index(birth_month)
        .ok_or_else(|| anyhow::anyhow!("birth month {birth_month} is not YYYY-MM"))?;
    let today = month_index(&rfc3339::format(now))
        .ok_or_else(|| anyhow::anyhow!("the clock gives no date"))?;
    let months = today - born - 1;
    if months < 0 {
        bail!("birth month {birth_month} has not passed yet");
    }
    let years = u8::try_from(months / 12).unwrap_or(u8::MAX);
    AgeBand::for_age(years).ok_or_else(|| {
        anyhow::anyhow!("a child born in {birth_month} is {years}: deactivate the line instead")
    })
}

/// A client signing as one carrier.
struct CarrierClient {
    http: reqwest::Client,
    base: Url,
    principal: String,
    key: SigningKey,
}

impl CarrierClient {
    fn open(args: &CarrierArgs) -> anyhow::Result<Self> {
        Ok(Self {
            http: http_client()?,
            base: backend_url(&args.backend)?,
            principal: format!("{}:{}", PrincipalKind::Carrier.as_str(), args.carrier_id),
            key: read_signing_key(&args.key)?,
        })
    }

    async fn get<T: DeserializeOwned>(&self, operation: Operation) -> anyhow::Result<T> {
        answer(self.send(operation, Vec::new()).await?).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        operation: Operation,
        body: &impl Serialize,
    ) -> anyhow::Result<T> {
        answer(self.send(operation, serde_json::to_vec(body)?).await?).await
    }

    async fn post_empty(&self, operation: Operation, body: &impl Serialize) -> anyhow::Result<()> {
        let response = self.send(operation, serde_json::to_vec(body)?).await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(refusal(response).await)
    }

    async fn send(&self, operation: Operation, body: Vec<u8>) -> anyhow::Result<reqwest::Response> {
        let route = operation.route();
        let method = route.method.as_str();
        let signed = sign_request_as(
            &self.key,
            self.principal.clone(),
            method,
            route.path,
            unix_now(),
            "",
            &body,
        )?;
        let mut request = self.http.request(
            Method::from_bytes(method.as_bytes())?,
            self.base.join(route.path)?,
        );
        for (name, value) in signed.pairs() {
            request = request.header(name, value);
        }
        if !body.is_empty() {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        request
            .send()
            .await
            .context("the backend could not be reached")
    }
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("cannot build the HTTP client")
}

/// The backend's URL: HTTPS, or plain HTTP to a loopback address when allowed.
fn backend_url(args: &BackendArgs) -> anyhow::Result<Url> {
    let url = Url::parse(&args.backend).context("--backend is not a URL")?;
    let loopback = match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if args.allow_insecure_loopback && loopback => Ok(url),
        _ => bail!(
            "--backend must be https:// (plain http only to loopback with --allow-insecure-loopback)"
        ),
    }
}

/// The JSON of a successful answer, or the backend's refusal as an error.
async fn answer<T: DeserializeOwned>(response: reqwest::Response) -> anyhow::Result<T> {
    if !response.status().is_success() {
        return Err(refusal(response).await);
    }
    response
        .json()
        .await
        .context("the backend's answer is not the expected JSON")
}

async fn refusal(response: reqwest::Response) -> anyhow::Error {
    let status = response.status().as_u16();
    match response.json::<ErrorBody>().await {
        Ok(body) => anyhow::anyhow!(
            "the backend refused ({status} {}): {}",
            body.error,
            body.message
        ),
        Err(_) => anyhow::anyhow!("the backend refused ({status})"),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
