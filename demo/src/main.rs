//! `childsafe-demo`: the whole system on one machine, told as a short story. A backend on
//! loopback, a carrier, a child's phone driven through the SDK facade exactly as an app drives
//! it, and a parent's app with its own key talk to each other over real HTTP, and every step
//! prints what happened and the evidence for it.
//!
//! The demo is also a check: each step verifies its outcome (a URL that should be blocked is
//! blocked, a report that should reach the hotline is in its queue), and the first step that does
//! not hold ends the demo with a non-zero exit.
//!
//! It is its own binary because it is the one place that runs the backend in-process: the
//! operator CLI (`childsafe`) does not link the backend.
#![forbid(unsafe_code)]

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Context, bail, ensure};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, operator, spawn};
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, UrlDecision, Verdict};
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};
use childsafe_core::reports::{ReportDraft, ReportKind, ReportState, ReportedUser};
use childsafe_core::sdk::{ChildSafe, ChildSafeConfig, ChildSafeEvent, EventListener, LogLevel};
use childsafe_core::sdk::{Logger, PairedParentInfo};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::access_request::AccessRequest;
use childsafe_core::settings::activation::ActivationProfile;
use childsafe_core::settings::parent_command::{ParentAction, ParentCommand};
use childsafe_core::store::FileKeyStore;
use childsafe_core::sync::client::SyncClient;
use childsafe_protocol::operator::HotlineQueue;
use childsafe_protocol::wire::{
    DeliveryState, DestinationKind, MessageKind, OutgoingMessage, PairedPeer,
};

use childsafe_protocol::rfc3339::format as format_rfc3339;

/// The operator token of the demo's backend: it lives only as long as the demo.
const OPERATOR_TOKEN: &str = "childsafe-demo-operator";
/// The child's country: its emergency numbers and its hotline (the IWF) are the ones shown.
const COUNTRY: &str = "GB";
/// The child's age band: gambling always blocked, violence blocked below 13.
const BAND: AgeBand = AgeBand::From9To12;
/// The parent PIN set on the child's phone.
const PIN: &str = "482916";
/// How long the carrier's activation profile and the list bundle stay valid.
const VALIDITY_SECS: u64 = 30 * 24 * 3600;
/// How long the parent's approval opens the asked-for site.
const APPROVAL_SECS: u64 = 3600;
/// The list bundle's version.
const BUNDLE_VERSION: u64 = 1;
/// Hosts of the bundle's gambling list.
const GAMBLING_HOSTS: [&str; 3] = ["casino.example", "bets.example", "poker-night.example"];
/// Hosts of the bundle's violence list; the child asks for the first one.
const VIOLENCE_HOSTS: [&str; 2] = ["war-museum.example", "fight-videos.example"];
/// URLs (as path prefixes) on the hashed illegal-material list, standing in for a hotline's list.
const ILLEGAL_URLS: [&str; 2] = [
    "http://abuse-material.example/gallery/",
    "http://abuse-material.example/files/a.jpg",
];
/// How much of an id or ETag the story shows: enough to tell them apart.
const SHORT_ID_CHARS: usize = 12;
/// The page the child asks a parent for: blocked as violence, wanted for homework.
const ASKED_URL: &str = "https://war-museum.example/ww2/home-front";

/// `childsafe-demo`.
#[derive(clap::Parser)]
#[command(
    name = "childsafe-demo",
    version,
    about = "Run the whole system on this machine and tell it as a story: a backend on loopback, \
             a carrier, a child's phone through the SDK and a parent's app; exits non-zero if a \
             step does not hold"
)]
struct DemoArgs {
    /// Where to put the backend's and the phone's data: a new or empty directory (default: a
    /// temporary directory, removed at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the demo's temporary directory (and print where it is) instead of removing it.
    #[arg(long)]
    keep: bool,
}

fn main() -> ExitCode {
    let args = <DemoArgs as clap::Parser>::parse();
    match demo(&args) {
        Ok(code) => code,
        Err(error) => {
            #[allow(clippy::print_stderr)] // the binary's one place that reports a fatal error
            {
                eprintln!("childsafe-demo: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Runs the demo and prints its story on standard output.
fn demo(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    let (root, temp) = workspace(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut story = Story::new();
    story.intro(&root)?;
    let outcome = runtime.block_on(run(&root, &mut story));
    drop(runtime);
    match (temp, args.keep) {
        (Some(temp), true) => {
            let kept = temp.keep();
            story.line(&format!("The demo's data is kept in {}.", kept.display()))?;
        }
        (Some(temp), false) => temp
            .close()
            .context("cannot remove the demo's temporary directory")?,
        (None, _) => {}
    }
    outcome.with_context(|| format!("step {} failed", story.step))?;
    story.line("Every step held.")?;
    Ok(ExitCode::SUCCESS)
}

/// The demo's directory, and the temporary directory guard when the demo made it.
fn workspace(args: &DemoArgs) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    let Some(dir) = &args.dir else {
        let temp = tempfile::Builder::new()
            .prefix("childsafe-demo-")
            .tempdir()
            .context("cannot make a temporary directory")?;
        return Ok((temp.path().to_path_buf(), Some(temp)));
    };
    // A directory from an earlier run holds a registered phone and a bundle of the same
    // version: the story would not be the one told here.
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        ensure!(
            entries.next().is_none(),
            "{} is not empty: give a new or empty directory",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok((dir.clone(), None))
}

/// The story, step by step. Each step returns as soon as something does not hold.
async fn run(root: &Path, story: &mut Story) -> anyhow::Result<()> {
    story.begin("Backend started")?;
    let backend = Backend::start(&root.join("backend")).await?;
    story.evidence(&format!(
        "listening on {} (sled storage in backend/, operator token set, server time signed \
         with the operator's time key {})",
        backend.url,
        short(&backend.time_key.to_base64url())
    ))?;

    story.begin("Carrier key made, activation profile signed")?;
    let (carrier_key, _) = SigningKey::generate().context("cannot make the carrier key")?;
    let (list_key, _) = SigningKey::generate().context("cannot make the list key")?;
    let now = clock::unix_now();
    let profile = ActivationProfile {
        carrier: "Demo Mobile".to_owned(),
        profile_id: "demo-line-1".to_owned(),
        band: BAND,
        extra_blocked_categories: Vec::new(),
        issued_at: now,
        expires_at: now + VALIDITY_SECS,
        sequence: 1,
    };
    let signed_profile = profile
        .sign(&carrier_key)
        .context("cannot sign the profile")?;
    story.evidence(&format!(
        "carrier {}, band {}, sequence {}, expires {}; {} signed bytes",
        profile.carrier,
        profile.band,
        profile.sequence,
        format_rfc3339(profile.expires_at),
        signed_profile.len()
    ))?;

    story.begin("Child's phone opened through the SDK")?;
    let app = Arc::new(DemoApp::default());
    let phone = open_phone(root, &backend, &carrier_key, &list_key, &app)?;
    let status = phone.status()?;
    ensure!(!status.safe_mode, "safe mode is on before activation");
    story.evidence(&format!(
        "device {}, safe mode off until the carrier's profile arrives",
        short(&phone.device_id())
    ))?;

    story.begin("Phone registered with the backend")?;
    let token = operator::mint_activation_tokens(backend.storage.as_ref(), 1, now)
        .await?
        .pop()
        .context("no activation token was minted")?;
    let registered = phone.register(&token).await?;
    ensure!(
        registered == phone.device_id(),
        "the backend gave another id"
    );
    story.evidence(&format!(
        "one-use activation token minted by the operator; the backend knows device {}",
        short(&registered)
    ))?;

    story.begin("Safe mode activated")?;
    phone.activate(&signed_profile)?;
    let status = phone.status()?;
    ensure!(status.safe_mode, "safe mode is still off");
    ensure!(
        status.blocked_categories.iter().any(|c| c == "gambling"),
        "the band does not block gambling"
    );
    story.evidence(&format!(
        "band {}, {} categories blocked ({}), {} rules shown to the child",
        status.band.as_deref().unwrap_or("?"),
        status.blocked_categories.len(),
        status.blocked_categories.join(", "),
        phone.rules()?.len()
    ))?;

    story.begin("Parent PIN set")?;
    phone.set_pin(PIN, None)?;
    ensure!(phone.status()?.pin_set, "no PIN is set");
    story.evidence("only its PBKDF2 hash is kept, in the sealed store; wrong tries are counted")?;

    story.begin("Parent paired")?;
    let parent = Parent::register(&backend.url).await?;
    let code = phone.pairing_code().await?;
    let device_seen_by_parent = parent.claim(&code.code).await?;
    ensure!(
        device_seen_by_parent.id == phone.device_id(),
        "the parent paired with another device"
    );
    let paired: PairedParentInfo = phone.pair_parent(PIN).await?;
    ensure!(
        paired.public_key == parent.key.public_key(),
        "the phone enrolled another key"
    );
    story.evidence(&format!(
        "phone showed code {} (expires {}); parent {} claimed it; the phone enrolled the \
         parent's key behind the PIN ({} parent paired)",
        code.code,
        format_rfc3339(code.expires_at),
        short(&paired.parent_id),
        phone.status()?.paired_parents
    ))?;

    story.begin("List bundle compiled, signed and published")?;
    let bundle = compile_bundle(&list_key, now + VALIDITY_SECS)?;
    let etag = backend
        .upload_lists(&bundle, BUNDLE_VERSION, now + VALIDITY_SECS)
        .await?;
    story.evidence(&format!(
        "version {BUNDLE_VERSION}: gambling ({} domains), violence ({} domains), illegal ({} \
         hashed URLs); {} bytes, uploaded by the operator (etag {})",
        GAMBLING_HOSTS.len(),
        VIOLENCE_HOSTS.len(),
        ILLEGAL_URLS.len(),
        bundle.len(),
        short(etag.trim_matches('"'))
    ))?;

    story.begin("Phone synced and loaded the lists")?;
    let summary = phone.sync_now().await?;
    ensure!(
        summary
            .bundles_applied
            .iter()
            .any(|b| b.starts_with("lists")),
        "no list bundle was applied: {:?}",
        summary.bundles_applied
    );
    let lists = phone.status()?.lists;
    ensure!(
        lists.version == Some(BUNDLE_VERSION) && lists.out_of_date_since.is_none(),
        "the lists in force are not the fresh bundle: {lists:?}"
    );
    ensure!(
        !app.warnings()
            .iter()
            .any(|line| line.contains("trusted clock")),
        "the phone did not take the server's signed time: {:?}",
        app.warnings()
    );
    let seen_by_parent = parent
        .key_client
        .parent_devices(&parent.key)
        .await?
        .peers
        .into_iter()
        .find(|peer| peer.id == phone.device_id())
        .and_then(|peer| peer.status);
    ensure!(
        seen_by_parent
            .as_ref()
            .is_some_and(|status| status.lists_version == Some(BUNDLE_VERSION)
                && status.lists_out_of_date_since.is_none()),
        "the parent does not see the phone's lists: {seen_by_parent:?}"
    );
    story.evidence(&format!(
        "trusted clock checked against the server's signed time first; applied: {}; lists v{} \
         in force, up to date, and so the parent's app sees them",
        summary.bundles_applied.join(", "),
        BUNDLE_VERSION
    ))?;

    story.begin("URLs checked")?;
    let expectations: [(&str, Verdict, DecisionReason); 4] = [
        (
            "https://en.wikipedia.org/wiki/Sea_otter",
            Verdict::Allow,
            DecisionReason::NoRuleApplies,
        ),
        (
            "https://casino.example/slots",
            Verdict::Block,
            DecisionReason::BlockedCategory,
        ),
        (
            "https://abuse-material.example/gallery/page2",
            Verdict::Block,
            DecisionReason::IllegalMaterial,
        ),
        (
            "https://www.google.com/search?q=sea+otters",
            Verdict::Rewrite,
            DecisionReason::SafeSearchEnforced,
        ),
    ];
    for (url, verdict, reason) in expectations {
        let decision = phone.check_url(url)?;
        story.evidence(&format!("{url} -> {}", describe(&decision)))?;
        expect(url, &decision, verdict, reason)?;
    }

    story.begin("Bypass attempts caught (one check_urls call)")?;
    let bypasses = [
        "http://3232235777/",
        "https://homework.example@casino.example/",
        "https://casino-example.translate.goog/slots?_x_tr_sl=auto&_x_tr_tl=en",
    ];
    let decisions = phone.check_urls(&bypasses)?;
    for (url, decision) in bypasses.iter().zip(&decisions) {
        story.evidence(&format!("{url} -> {}", describe(decision)))?;
        ensure!(
            decision.verdict == Verdict::Block,
            "{url} was not blocked: {decision:?}"
        );
    }

    story.begin("Child asked a parent to open a blocked page")?;
    let before = phone.check_url(ASKED_URL)?;
    expect(
        ASKED_URL,
        &before,
        Verdict::Block,
        DecisionReason::BlockedCategory,
    )?;
    let request_id = phone.request_access(ASKED_URL).await?;
    story.evidence(&format!(
        "{ASKED_URL} -> {}; request {} signed by the phone and relayed",
        describe(&before),
        short(&request_id)
    ))?;

    story.begin("Parent approved it")?;
    let request = parent
        .read_access_request(&device_seen_by_parent.public_key)
        .await?;
    ensure!(
        request.request_id == request_id,
        "the parent read another request"
    );
    let until = parent
        .approve(&request, &device_seen_by_parent.id, clock::unix_now())
        .await?;
    story.evidence(&format!(
        "parent verified the request with the phone's key from pairing ({}); sent a signed \
         approval until {}",
        request.host,
        format_rfc3339(until)
    ))?;

    story.begin("Phone applied the approval")?;
    phone.sync_now().await?;
    ensure!(
        app.events().iter().any(|event| matches!(
            event,
            ChildSafeEvent::ApprovalReceived { host, .. } if *host == request.host
        )),
        "the app heard of no approval; log: {:?}",
        app.warnings()
    );
    let after = phone.check_url(ASKED_URL)?;
    story.evidence(&format!(
        "the app was told \"approval received\"; {ASKED_URL} -> {}",
        describe(&after)
    ))?;
    expect(
        ASKED_URL,
        &after,
        Verdict::Allow,
        DecisionReason::ApprovedRequest,
    )?;

    story.begin("Reports filed, and an SOS")?;
    let filed = file_reports(&phone)?;
    let sos = phone.sos(None);
    let sos_receipt = sos
        .report
        .with_context(|| format!("the SOS report was not stored: {:?}", app.warnings()))?;
    let helpline = sos
        .contacts
        .helpline
        .as_ref()
        .map_or_else(String::new, |h| format!(", {} {}", h.name, h.number));
    story.evidence(&format!(
        "{} sealed on disk: {}",
        filed.len() + 1,
        filed
            .iter()
            .map(|(kind, _)| kind.as_str())
            .chain([ReportKind::Sos.as_str()])
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    story.evidence(&format!(
        "SOS screen: dial {} (fallback {}{helpline}); no location sent",
        sos.contacts.emergency_number, sos.contacts.fallback_number
    ))?;
    let report_ids: Vec<String> = filed
        .into_iter()
        .map(|(_, id)| id)
        .chain([sos_receipt.id])
        .collect();

    story.begin("Phone synced the reports")?;
    let summary = phone.sync_now().await?;
    ensure!(
        usize::try_from(summary.delivered) == Ok(report_ids.len()) && summary.failed == 0,
        "not every report was delivered: {summary:?}"
    );
    let routed = count_in_state(&phone, &report_ids, ReportState::Routed)?;
    ensure!(
        routed == report_ids.len(),
        "only {routed} reports are routed"
    );
    story.evidence(&format!(
        "sent {}, delivered {}, {} delivery events to the app; the phone sees {routed} routed",
        summary.sent,
        summary.delivered,
        app.delivered_events()
    ))?;

    story.begin("Reports arrived routed at the backend")?;
    let statuses = backend.storage.report_statuses(&phone.device_id()).await?;
    let routed_at_backend = statuses
        .iter()
        .filter(|status| status.state == DeliveryState::Routed)
        .count();
    let feed = parent.key_client.parent_feed(&parent.key, 0).await?;
    let feed_kinds: Vec<&str> = feed
        .items
        .iter()
        .map(|item| item.report.kind.as_str())
        .collect();
    let queue = backend.hotline_queue().await?;
    ensure!(
        feed.items.len() == report_ids.len(),
        "the parent's feed holds {} reports",
        feed.items.len()
    );
    ensure!(
        feed_kinds.first() == Some(&ReportKind::Sos.as_str()),
        "the SOS was not delivered first: {feed_kinds:?}"
    );
    ensure!(
        queue.reports.len() == 2,
        "the hotline queue holds {} reports",
        queue.reports.len()
    );
    story.evidence(&format!(
        "statuses: {routed_at_backend} of {} routed; parent feed: {} reports, most urgent \
         first ({})",
        statuses.len(),
        feed.items.len(),
        feed_kinds.join(", ")
    ))?;
    story.evidence(&format!(
        "hotline queue: {}",
        queue
            .reports
            .iter()
            .map(|report| format!(
                "{} for {} ({})",
                serde_json::to_value(report.incident_type)
                    .ok()
                    .and_then(|value| value.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                report.hotline,
                count(report.urls.len(), "URL")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    ))?;

    story.begin("Hotline took its reports; every report forwarded")?;
    for report in &queue.reports {
        backend.mark_forwarded(&report.report_id).await?;
    }
    phone.sync_now().await?;
    let forwarded = count_in_state(&phone, &report_ids, ReportState::Forwarded)?;
    ensure!(
        forwarded == report_ids.len(),
        "only {forwarded} of {} reports are forwarded",
        report_ids.len()
    );
    let hotline_names: BTreeSet<String> = backend
        .storage
        .report_statuses(&phone.device_id())
        .await?
        .into_iter()
        .flat_map(|status| status.destinations)
        .filter(|destination| destination.kind == DestinationKind::Hotline)
        .map(|destination| destination.name)
        .collect();
    story.evidence(&format!(
        "operator marked {} forwarded to {}; the parent's app fetched its feed; the phone \
         now shows {forwarded} of {} forwarded",
        queue.reports.len(),
        hotline_names.into_iter().collect::<Vec<_>>().join(", "),
        report_ids.len()
    ))?;

    backend.server.shutdown().await?;
    Ok(())
}

/// The story on standard output: numbered steps, each with a line or two of evidence.
struct Story {
    out: io::Stdout,
    step: usize,
}

impl Story {
    fn new() -> Self {
        Self {
            out: io::stdout(),
            step: 0,
        }
    }

    fn intro(&mut self, root: &Path) -> anyhow::Result<()> {
        self.line(&format!(
            "childsafe demo: a backend, a carrier, a child's phone and a parent's app, all on \
             this machine (data in {})",
            root.display()
        ))?;
        self.line("")
    }

    fn begin(&mut self, title: &str) -> anyhow::Result<()> {
        self.step += 1;
        self.line(&format!("{:>2}. {title}", self.step))
    }

    fn evidence(&mut self, text: &str) -> anyhow::Result<()> {
        self.line(&format!("    {text}"))
    }

    fn line(&mut self, text: &str) -> anyhow::Result<()> {
        let mut out = self.out.lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }
}

/// The backend, in-process on loopback, with the operator's side of it.
struct Backend {
    storage: Arc<dyn Storage>,
    server: RunningServer,
    url: String,
    http: reqwest::Client,
    /// The public half of the key that signs the server's time, which the phone is configured
    /// to trust (as an app ships it).
    time_key: PublicKey,
}

impl Backend {
    async fn start(dir: &Path) -> anyhow::Result<Self> {
        let storage = open_storage(Some(dir), None).await?;
        let mut config = ServerConfig::new(([127, 0, 0, 1], 0).into());
        config.operator_token = Some(OPERATOR_TOKEN.to_owned());
        // The operator makes the time key and gives it to the server (`serve --time-key-file`),
        // so that the app can ship its public half.
        let (time_key, time_pkcs8) =
            SigningKey::generate().context("cannot make the server time key")?;
        config.time_key = Some(time_pkcs8);
        let server = spawn(Arc::clone(&storage), config).await?;
        let url = server.url();
        Ok(Self {
            storage,
            server,
            url,
            http: reqwest::Client::new(),
            time_key: time_key.public_key(),
        })
    }

    /// Publishes a list bundle as an operator does; its ETag.
    async fn upload_lists(
        &self,
        bundle: &[u8],
        version: u64,
        expires_at: u64,
    ) -> anyhow::Result<String> {
        let request = self
            .http
            .put(format!("{}/v1/operator/bundles/lists", self.url))
            .header("x-bundle-version", version.to_string())
            .header("x-bundle-expires-at", expires_at.to_string())
            .body(bundle.to_vec());
        let response = Self::as_operator(request, "the bundle upload").await?;
        let info: serde_json::Value = response.json().await?;
        Ok(info["etag"].as_str().unwrap_or_default().to_owned())
    }

    /// The hotline queue as a hotline reads it.
    async fn hotline_queue(&self) -> anyhow::Result<HotlineQueue> {
        let request = self
            .http
            .get(format!("{}/v1/operator/hotline-queue", self.url));
        let response = Self::as_operator(request, "the hotline queue").await?;
        Ok(response.json().await?)
    }

    /// Records that the hotline took a report.
    async fn mark_forwarded(&self, report_id: &str) -> anyhow::Result<()> {
        let request = self.http.post(format!(
            "{}/v1/operator/hotline-queue/{report_id}/forwarded",
            self.url
        ));
        Self::as_operator(request, "marking forwarded").await?;
        Ok(())
    }

    /// Sends `request` with the operator's token; the response, or an error saying `what` was
    /// refused.
    async fn as_operator(
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> anyhow::Result<reqwest::Response> {
        let response = request.bearer_auth(OPERATOR_TOKEN).send().await?;
        let status = response.status();
        ensure!(status.is_success(), "{what} was refused: {status}");
        Ok(response)
    }
}

/// The parent's app: its own key and its own client to the backend.
struct Parent {
    key: SigningKey,
    key_client: SyncClient,
}

impl Parent {
    async fn register(url: &str) -> anyhow::Result<Self> {
        let (key, _) = SigningKey::generate().context("cannot make the parent key")?;
        let key_client = SyncClient::for_parent(url, true)?;
        key_client.register_parent(&key).await?;
        Ok(Self { key, key_client })
    }

    async fn claim(&self, code: &str) -> anyhow::Result<PairedPeer> {
        Ok(self.key_client.claim_pairing_code(&self.key, code).await?)
    }

    /// The first access request in the parent's mailbox, checked against the phone's key.
    async fn read_access_request(&self, device_key: &PublicKey) -> anyhow::Result<AccessRequest> {
        let mailbox = self.key_client.parent_messages(&self.key, 0).await?;
        let Some(message) = mailbox
            .messages
            .iter()
            .find(|message| message.kind == MessageKind::AccessRequest)
        else {
            bail!("no access request reached the parent");
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(&message.blob)
            .context("the relayed request is not base64url")?;
        Ok(AccessRequest::verify(&bytes, device_key)?)
    }

    /// Approves `request` for [`APPROVAL_SECS`] with a signed command; the approval's end.
    async fn approve(
        &self,
        request: &AccessRequest,
        device_id: &str,
        now: u64,
    ) -> anyhow::Result<u64> {
        let until_unix = now + APPROVAL_SECS;
        let command = ParentCommand {
            device_id: device_id.to_owned(),
            sequence: 1,
            issued_at: now,
            action: ParentAction::ApproveAccess {
                host: request.host.clone(),
                until_unix,
                request_id: None,
            },
        };
        let envelope = command.sign(&self.key)?;
        self.key_client
            .send_to_device(
                &self.key,
                device_id,
                &OutgoingMessage {
                    kind: MessageKind::Decision,
                    blob: URL_SAFE_NO_PAD.encode(envelope),
                },
            )
            .await?;
        Ok(until_unix)
    }
}

/// The app around the SDK: a logger that keeps warnings for the error message, and a listener
/// that keeps the events for the story.
#[derive(Default)]
struct DemoApp {
    warnings: Mutex<Vec<String>>,
    events: Mutex<Vec<ChildSafeEvent>>,
}

impl DemoApp {
    fn events(&self) -> Vec<ChildSafeEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn delivered_events(&self) -> usize {
        self.events()
            .iter()
            .filter(|event| matches!(event, ChildSafeEvent::ReportDelivered { .. }))
            .count()
    }
}

impl Logger for DemoApp {
    fn log(&self, level: LogLevel, message: String) {
        if level == LogLevel::Warn {
            self.warnings
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(message);
        }
    }
}

impl EventListener for DemoApp {
    fn on_event(&self, event: ChildSafeEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}

/// Opens the child's phone in `root/phone`, trusting the demo's carrier, list and server time
/// keys. The data key sits in a file, standing in for the Android Keystore or the iOS Keychain.
fn open_phone(
    root: &Path,
    backend: &Backend,
    carrier_key: &SigningKey,
    list_key: &SigningKey,
    app: &Arc<DemoApp>,
) -> anyhow::Result<ChildSafe> {
    let data_dir = root
        .join("phone")
        .to_str()
        .context("the demo directory's path is not UTF-8")?
        .to_owned();
    let key_store = FileKeyStore::new(root.join("phone-data.key"));
    let config = ChildSafeConfig {
        data_dir,
        backend_url: Some(backend.url.clone()),
        allow_insecure_loopback: true,
        trusted_carrier_keys: vec![carrier_key.public_key()],
        trusted_list_keys: vec![list_key.public_key()],
        trusted_directory_keys: Vec::new(),
        trusted_server_time_keys: vec![backend.time_key],
        country: COUNTRY.to_owned(),
        locale: "en".to_owned(),
    };
    let logger: Arc<dyn Logger> = app.clone();
    let listener: Arc<dyn EventListener> = app.clone();
    Ok(ChildSafe::open(config, &key_store, logger, listener)?)
}

/// The demo's list bundle: two category lists and a hashed illegal-material list.
fn compile_bundle(key: &SigningKey, expires_at: u64) -> anyhow::Result<Vec<u8>> {
    let mut builder = BundleBuilder::new(BUNDLE_VERSION, expires_at);
    let owned =
        |hosts: &[&str]| -> Vec<String> { hosts.iter().map(|host| (*host).to_owned()).collect() };
    builder.add_domains("gambling", ListKind::Category, owned(&GAMBLING_HOSTS))?;
    builder.add_domains("violence", ListKind::Category, owned(&VIOLENCE_HOSTS))?;
    let mut entries = Vec::with_capacity(ILLEGAL_URLS.len());
    for url in ILLEGAL_URLS {
        let canonical = CanonicalUrl::parse(url.as_bytes())?;
        let first = canonical
            .lookup_expressions()
            .next()
            .context("a URL without lookup expressions")?;
        entries.push(HashedUrlEntry::from(first));
    }
    builder.add_hashed_urls("illegal", entries)?;
    Ok(builder.sign(key)?)
}

/// Files the demo's three reports; their kinds and ids.
fn file_reports(phone: &ChildSafe) -> anyhow::Result<Vec<(ReportKind, String)>> {
    let mut bullying = ReportDraft::new(ReportKind::Bullying);
    bullying.notes = Some("They keep posting mean things about me in the class chat".to_owned());
    let mut illegal = ReportDraft::new(ReportKind::IllegalContent);
    illegal.urls = vec!["https://abuse-material.example/gallery/page2".to_owned()];
    let mut grooming = ReportDraft::new(ReportKind::Grooming);
    grooming.reported_user = Some(ReportedUser {
        handle: Some("cool_coach_22".to_owned()),
        platform: Some("a game chat".to_owned()),
    });
    grooming.notes = Some("He asked me to keep our chats secret".to_owned());
    [bullying, illegal, grooming]
        .into_iter()
        .map(|draft| {
            let kind = draft.kind;
            Ok((kind, phone.report(draft)?.id))
        })
        .collect()
}

/// How many of `ids` the phone holds in `state`.
fn count_in_state(phone: &ChildSafe, ids: &[String], state: ReportState) -> anyhow::Result<usize> {
    Ok(phone
        .reports()?
        .iter()
        .filter(|record| ids.contains(&record.id) && record.state == state)
        .count())
}

/// Fails unless `decision` has the verdict and reason the story expects.
fn expect(
    url: &str,
    decision: &UrlDecision,
    verdict: Verdict,
    reason: DecisionReason,
) -> anyhow::Result<()> {
    ensure!(
        decision.verdict == verdict && decision.reason == reason,
        "{url}: expected {verdict:?} ({}), got {}",
        reason.code(),
        describe(decision)
    );
    Ok(())
}

/// A decision in one line: verdict, reason, list, rewrite, bundle version.
fn describe(decision: &UrlDecision) -> String {
    let verdict = match decision.verdict {
        Verdict::Allow => "ALLOW",
        Verdict::Block => "BLOCK",
        Verdict::Rewrite => "REWRITE",
    };
    let mut text = format!("{verdict} ({}", decision.reason.code());
    if let Some(category) = &decision.category {
        text.push_str(&format!(": {category}"));
    }
    if decision.via_carried_url {
        text.push_str(", via the URL it carries");
    }
    text.push(')');
    if let Some(rewrite) = &decision.rewrite_url {
        text.push_str(&format!(" to {rewrite}"));
    }
    if let Some(version) = decision.bundle_version {
        text.push_str(&format!(" [lists v{version}]"));
    }
    text
}

/// `n` things, in words: "1 URL", "2 URLs".
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The first characters of an id, enough to tell ids apart in the story.
fn short(id: &str) -> String {
    match id.char_indices().nth(SHORT_ID_CHARS) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_owned(),
    }
}
