//! `childsafe-demo`: the whole system on one machine, told as a short story. A backend on
//! loopback, a carrier's provisioning system driven through the carrier's SDK
//! (`ChildSafeCarrier`), a child's phone driven through the SDK facade (`ChildSafe`) exactly as an
//! app drives it, and a parent's app driven through the parent's SDK (`ChildSafeParent`) talk to
//! each other over real HTTP, and every step prints what happened and the evidence for it.
//!
//! The phone is switched on through its carrier line: it ships only a root key, is protected
//! from its first URL check because its line is a child's line, registers with the line, and
//! takes the profile the carrier signed for that line and device; the story ends with a parent's
//! choices holding under the carrier's next profile.
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
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use childsafe_backend::storage::Storage;
use childsafe_backend::{RunningServer, ServerConfig, clock, open_storage, spawn};
use childsafe_core::carrier::{
    CarrierConfig, CarrierLine, CarrierLineState, ChildSafeCarrier, LineSettings,
};
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::filter::bundle::{BundleBuilder, ListKind};
use childsafe_core::filter::decision::{DecisionReason, UrlDecision, Verdict};
use childsafe_core::filter::{CanonicalUrl, HashedUrlEntry};
use childsafe_core::parent::{
    AccessAnswer, ChildEvent, ChildSafeParent, CommandState, ParentConfig,
};
use childsafe_core::protocol::keys::{Delegation, KeyRole, TrustDocument};
use childsafe_core::protocol::pairing::ParentRole;
use childsafe_core::reports::{ReportDraft, ReportKind, ReportState, ReportedUser};
use childsafe_core::safety::SafetyAudience;
use childsafe_core::sdk::{ChildSafe, ChildSafeConfig, ChildSafeEvent, EventListener, LogLevel};
use childsafe_core::sdk::{LineIdentity, LineInfo, Logger, PairedParentInfo};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::parent_command::ParentAction;
use childsafe_core::store::FileKeyStore;
use childsafe_protocol::carrier::CarrierRegistration;
use childsafe_protocol::operator::HotlineQueue;
use childsafe_protocol::wire::{BundleKind, DeliveryState, DestinationKind};

use childsafe_protocol::rfc3339::format as format_rfc3339;

/// The operator token of the demo's backend: it lives only as long as the demo.
const OPERATOR_TOKEN: &str = "childsafe-demo-operator";
/// The child's country: its emergency numbers and its hotline (the IWF) are the ones shown.
const COUNTRY: &str = "GB";
/// The carrier's id, as the operator admits it; profiles name it.
const CARRIER_ID: &str = "demo-mobile";
/// The carrier's name, shown to parents.
const CARRIER_NAME: &str = "Demo Mobile";
/// The child's line, as the carrier provisions it and the phone's platform reads it.
const CHILD_LINE: &str = "+44 7700 900123";
/// The child's age band, from the carrier's line: gambling always blocked, violence blocked
/// below 13.
const BAND: AgeBand = AgeBand::From9To12;
/// The root's trust document's version (the `keys` bundle's).
const TRUST_VERSION: u64 = 1;
/// A category of the band's defaults, in the carrier's floor: parents may not unblock it.
const GAMBLING: &str = "gambling";
/// A category the carrier blocks on top of the band and lets parents relax.
const GAMES: &str = "games";
/// A category the carrier adds in its second profile for the line.
const SOCIAL: &str = "social-media";
/// What of the carrier's floor parents may relax: games, and violence, so that a parent may
/// open a history page for homework.
const RELAXABLE: [&str; 2] = [GAMES, "violence"];
/// The parent PIN set on the child's phone.
const PIN: &str = "482916";
/// How long the root's trust document and its delegations, the carrier's profiles and the list
/// bundle stay valid.
const VALIDITY_SECS: u64 = 30 * 24 * 3600;
/// How long the parent's approval opens the asked-for site.
const APPROVAL_SECS: u64 = 3600;
/// The list bundle's version.
const BUNDLE_VERSION: u64 = 1;
/// Hosts of the bundle's gambling list.
const GAMBLING_HOSTS: [&str; 3] = ["casino.example", "bets.example", "poker-night.example"];
/// Hosts of the bundle's violence list; the child asks for the first one.
const VIOLENCE_HOSTS: [&str; 2] = ["war-museum.example", "fight-videos.example"];
/// Hosts of the bundle's games list.
const GAMES_HOSTS: [&str; 1] = ["block-world.example"];
/// Hosts of the bundle's social-media list.
const SOCIAL_HOSTS: [&str; 1] = ["friendface.example"];
/// URLs (as path prefixes) on the hashed illegal-material list, standing in for a hotline's list.
const ILLEGAL_URLS: [&str; 2] = [
    "http://abuse-material.example/gallery/",
    "http://abuse-material.example/files/a.jpg",
];
/// How long the parent's app waits on its live stream for the SOS.
const EVENT_WAIT_SECS: u64 = 10;
/// How long the phone waits before its sync, so that the parent's app is on its stream first.
const STREAM_HEAD_START: Duration = Duration::from_millis(500);
/// How much of an id or ETag the story shows: enough to tell them apart.
const SHORT_ID_CHARS: usize = 12;
/// The page the child asks a parent for: blocked as violence, wanted for homework.
const ASKED_URL: &str = "https://war-museum.example/ww2/home-front";
/// A page no list holds: allowed once the carrier's profile is in force.
const SEA_OTTER_URL: &str = "https://en.wikipedia.org/wiki/Sea_otter";
/// A page on the gambling list.
const CASINO_URL: &str = "https://casino.example/slots";
/// A page on the games list.
const GAMES_URL: &str = "https://block-world.example/play";
/// A page on the social-media list.
const SOCIAL_URL: &str = "https://friendface.example/feed";
/// A random-chat site on no list, which the parent denies with a signed command.
const DENIED_HOST: &str = "chat-roulette.example";
/// A page of [`DENIED_HOST`], checked before and after the parent's command.
const DENIED_URL: &str = "https://chat-roulette.example/start";

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
    /// Where to put the backend's, the phone's and the parent's app's data: a new or empty
    /// directory (default: a temporary directory, removed at the end).
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

    story.begin("Carrier admitted; the root key delegated its key")?;
    let (carrier_key, carrier_pkcs8) =
        SigningKey::generate().context("cannot make the carrier key")?;
    let (list_key, _) = SigningKey::generate().context("cannot make the list key")?;
    let (root_key, _) = SigningKey::generate().context("cannot make the root key")?;
    let admitted = backend
        .admit_carrier(&CarrierRegistration {
            carrier_id: CARRIER_ID.to_owned(),
            name: CARRIER_NAME.to_owned(),
            public_key: carrier_key.public_key(),
        })
        .await?;
    let now = clock::unix_now();
    let trust = trust_document(&root_key, &carrier_key, &list_key, now)?;
    let trust_etag = backend
        .upload_bundle(BundleKind::Keys, &trust, TRUST_VERSION, now + VALIDITY_SECS)
        .await?;
    story.evidence(&format!(
        "the operator admitted carrier {CARRIER_ID} ({CARRIER_NAME}) with its key {} ({admitted})",
        short(&carrier_key.public_key().to_base64url())
    ))?;
    story.evidence(&format!(
        "root key {} signed trust document v{TRUST_VERSION}: the carrier key for {CARRIER_ID}, \
         the list key {} for lists; published as the keys bundle (etag {}); the app ships only \
         the root key and the server time key",
        short(&root_key.public_key().to_base64url()),
        short(&list_key.public_key().to_base64url()),
        short(trust_etag.trim_matches('"'))
    ))?;

    story.begin("Carrier added the child's line")?;
    let carrier = ChildSafeCarrier::open(
        CarrierConfig {
            backend_url: backend.url.clone(),
            allow_insecure_loopback: true,
            carrier_id: CARRIER_ID.to_owned(),
        },
        &carrier_pkcs8,
    )?;
    let handle = carrier.add_line(&child_line(&[GAMES], &RELAXABLE)).await?;
    let line = carrier_line(&carrier, &handle).await?;
    ensure!(
        line.state == CarrierLineState::AwaitingDevice && line.device_id.is_none(),
        "a new line is not waiting for its device: {line:?}"
    );
    story.evidence(&format!(
        "line {CHILD_LINE}: band {BAND}, {GAMES} blocked on top of the band, parents may relax \
         {}; the backend keeps only its keyed hash, line handle {}, awaiting a device",
        RELAXABLE.join(" and "),
        short(&handle)
    ))?;

    story.begin("Child's phone opened on its line, protected before any network")?;
    let app = Arc::new(DemoApp::default());
    let phone = open_phone(root, &backend, &root_key, &app)?;
    let status = phone.status()?;
    ensure!(
        status.safe_mode && status.provisional && status.carrier.is_none(),
        "a child's line with no profile is not provisionally protected: {status:?}"
    );
    let first_check = phone.check_url(SEA_OTTER_URL)?;
    ensure!(
        first_check.verdict == Verdict::Block,
        "{SEA_OTTER_URL} is not blocked before the profile: {}",
        describe(&first_check)
    );
    story.evidence(&format!(
        "device {}; the platform says line {CHILD_LINE} is a child's line: safe mode on at band \
         {}, provisional ({})",
        short(&phone.device_id()),
        status.band.as_deref().unwrap_or("?"),
        status
            .provisional_reason
            .as_deref()
            .unwrap_or("no reason given")
    ))?;
    story.evidence(&format!(
        "first URL check, nothing sent or received yet: {SEA_OTTER_URL} -> {}",
        describe(&first_check)
    ))?;

    story.begin("Phone registered with its line")?;
    let registered = phone.register_with_line().await?;
    ensure!(
        registered == phone.device_id(),
        "the backend gave another id"
    );
    let line = carrier_line(&carrier, &handle).await?;
    ensure!(
        line.state == CarrierLineState::AwaitingProfile
            && line.device_id.as_deref() == Some(registered.as_str()),
        "the carrier does not see the phone waiting on its line: {line:?}"
    );
    story.evidence(&format!(
        "no activation token: the backend found the carrier's line and bound device {} to it; \
         the carrier sees line {} awaiting a profile",
        short(&registered),
        short(&handle)
    ))?;

    story.begin("Carrier signed the pending profile")?;
    let signed = carrier.sign_pending(VALIDITY_SECS).await?;
    let [first_profile] = signed.as_slice() else {
        bail!("the carrier signed {} profiles, not 1", signed.len());
    };
    let profile = &first_profile.profile;
    ensure!(
        profile.line == handle && profile.device_id == registered && profile.band == BAND,
        "the profile is not for this line, device and band: {profile:?}"
    );
    story.evidence(&format!(
        "profile #{} of carrier {} for line {} and device {}: band {}, extra blocked {}, \
         parents may relax {}; expires {}",
        profile.sequence,
        profile.carrier,
        short(&profile.line),
        short(&profile.device_id),
        profile.band,
        profile.extra_blocked_categories.join(", "),
        profile.parents_may_relax.join(", "),
        format_rfc3339(profile.expires_at)
    ))?;

    story.begin("Phone synced: the root's keys, then its line's profile")?;
    let summary = phone.sync_now().await?;
    let keys_applied = format!("keys v{TRUST_VERSION}");
    ensure!(
        summary.bundles_applied.contains(&keys_applied),
        "the trust document was not installed: applied {:?}, refused {:?}",
        summary.bundles_applied,
        summary.bundles_refused
    );
    let status = phone.status()?;
    ensure!(
        status.safe_mode
            && !status.provisional
            && status.band.as_deref() == Some(BAND.name())
            && status.carrier.as_deref() == Some(CARRIER_ID),
        "the carrier's profile is not in force: {status:?}; log: {:?}",
        app.warnings()
    );
    ensure!(
        [GAMBLING, GAMES]
            .iter()
            .all(|category| status.blocked_categories.iter().any(|c| c == category)),
        "the profile does not block gambling and games: {:?}",
        status.blocked_categories
    );
    ensure!(
        app.events()
            .contains(&ChildSafeEvent::SafetyInformationAvailable),
        "the app was not told to show the safety information"
    );
    let line = carrier_line(&carrier, &handle).await?;
    ensure!(
        line.state == CarrierLineState::Active,
        "the carrier does not see the line active: {line:?}"
    );
    story.evidence(&format!(
        "applied: {}; the carrier key is trusted through the root's delegation, and the \
         profile names this line and device",
        summary.bundles_applied.join(", ")
    ))?;
    story.evidence(&format!(
        "band {}, carrier {}, no longer provisional; {} categories blocked ({}); {} rules shown \
         to the child; the carrier sees the line active",
        status.band.as_deref().unwrap_or("?"),
        status.carrier.as_deref().unwrap_or("?"),
        status.blocked_categories.len(),
        status.blocked_categories.join(", "),
        phone.rules()?.len()
    ))?;

    story.begin("Safety information shown to the child and the parent")?;
    for audience in SafetyAudience::ALL {
        let info = phone.safety_information(audience)?;
        ensure!(
            info.band == BAND.name() && !info.sections.is_empty(),
            "the {} information is not written for band {BAND}: {} with {} sections",
            audience.name(),
            info.band,
            info.sections.len()
        );
        let helpline = info
            .contacts
            .helpline
            .as_ref()
            .with_context(|| format!("no helpline is shown to the {}", audience.name()))?;
        let titles: Vec<&str> = info
            .sections
            .iter()
            .take(2)
            .map(|section| section.title.as_str())
            .collect();
        story.evidence(&format!(
            "{} ({}, band {}, {} v{}): \"{}\"; {} sections, from \"{}\"; helpline {} {}, \
             emergency {}",
            audience.name(),
            info.language,
            info.band,
            info.source,
            info.version,
            info.title,
            info.sections.len(),
            titles.join("\", \""),
            helpline.name,
            helpline.number,
            info.contacts.emergency_number
        ))?;
    }

    story.begin("Parent PIN set")?;
    phone.set_pin(PIN, None)?;
    ensure!(phone.status()?.pin_set, "no PIN is set");
    story.evidence("only its PBKDF2 hash is kept, in the sealed store; wrong tries are counted")?;

    story.begin("Parent paired")?;
    let parent = open_parent(root, &backend).await?;
    let invite = phone.start_pairing(PIN).await?;
    let started = parent.pair(&invite.qr_payload).await?;
    ensure!(
        started.device_id == phone.device_id(),
        "the parent's app paired with another device"
    );
    let pending = phone.pending_parent().await?;
    ensure!(
        pending.parent_id == parent.parent_id(),
        "the phone sees another parent than the one who scanned its code"
    );
    ensure!(
        pending.confirmation_code == started.confirmation_code,
        "the two screens disagree: the phone shows {}, the parent's app {}",
        pending.confirmation_code,
        started.confirmation_code
    );
    let paired: PairedParentInfo = phone.confirm_parent(PIN, &pending.parent_id).await?;
    ensure!(
        paired.public_key == parent.public_key(),
        "the phone enrolled another key"
    );
    ensure!(
        paired.role == ParentRole::Owner,
        "the first parent is not the owner"
    );
    story.evidence(&format!(
        "phone (PIN entered) shows the QR code {} (expires {}); the parent's app {} scanned \
         it and shows {}",
        invite.qr_payload,
        format_rfc3339(invite.expires_at),
        short(&parent.parent_id()),
        started.confirmation_code
    ))?;
    story.evidence(&format!(
        "the phone shows {} for that parent too; with the PIN entered again it enrolled the \
         parent as {} ({} parent paired)",
        pending.confirmation_code,
        role_name(paired.role),
        phone.status()?.paired_parents
    ))?;

    story.begin("List bundle compiled, signed and published")?;
    let bundle = compile_bundle(&list_key, now + VALIDITY_SECS)?;
    let etag = backend
        .upload_bundle(
            BundleKind::Lists,
            &bundle,
            BUNDLE_VERSION,
            now + VALIDITY_SECS,
        )
        .await?;
    story.evidence(&format!(
        "version {BUNDLE_VERSION}: gambling ({}), violence ({}), {GAMES} ({}), {SOCIAL} ({}), \
         illegal ({}); {} bytes, signed by the delegated list key, uploaded by the operator \
         (etag {})",
        count(GAMBLING_HOSTS.len(), "domain"),
        count(VIOLENCE_HOSTS.len(), "domain"),
        count(GAMES_HOSTS.len(), "domain"),
        count(SOCIAL_HOSTS.len(), "domain"),
        count(ILLEGAL_URLS.len(), "hashed URL"),
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
    story.evidence(&format!(
        "trusted clock checked against the server's signed time first; applied: {}; lists v{} \
         in force, up to date",
        summary.bundles_applied.join(", "),
        BUNDLE_VERSION
    ))?;

    story.begin("Parent's app verified the phone's signed status")?;
    parent.sync().await?;
    let children = parent.children()?;
    ensure!(
        children
            .iter()
            .any(|child| child.device_id == phone.device_id()
                && child.confirmed
                && child.role == Some(ParentRole::Owner)),
        "the parent's app does not see the phone as confirmed with itself as owner: {children:?}"
    );
    let seen_by_parent = parent.status(&phone.device_id()).await?;
    ensure!(
        seen_by_parent.band == BAND
            && seen_by_parent.safe_mode
            && seen_by_parent.safe_search
            && seen_by_parent.lists_version == Some(BUNDLE_VERSION)
            && !seen_by_parent.lists_out_of_date,
        "the parent's app sees another state than the phone's: {seen_by_parent:?}"
    );
    ensure!(
        seen_by_parent
            .parents
            .iter()
            .any(|listed| listed.public_key == parent.public_key()
                && listed.role == ParentRole::Owner),
        "the phone's status does not list the parent as owner: {:?}",
        seen_by_parent.parents
    );
    story.evidence(&format!(
        "children: {} confirmed, with this parent as its {}; status #{} taken {}, verified against \
         the device key checked at pairing",
        short(&phone.device_id()),
        role_name(ParentRole::Owner),
        seen_by_parent.seq,
        format_rfc3339(seen_by_parent.taken_at)
    ))?;
    story.evidence(&format!(
        "band {}, safe mode on, {} categories blocked, SafeSearch on, lists v{} up to date, \
         {} shown to the child",
        seen_by_parent.band,
        seen_by_parent.blocked_categories.len(),
        BUNDLE_VERSION,
        count(seen_by_parent.rules.len(), "rule")
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
    let taken = parent.sync().await?;
    ensure!(
        taken.requests == 1,
        "the parent's app took {} access requests",
        taken.requests
    );
    let request = parent
        .requests()?
        .into_iter()
        .find(|request| request.request_id == request_id)
        .context("the child's request is not among the parent's requests")?;
    ensure!(
        request.answer == AccessAnswer::Pending,
        "the request was answered before the parent saw it: {:?}",
        request.answer
    );
    let approval = parent.approve(&request.request_id, APPROVAL_SECS).await?;
    let answered = parent
        .requests()?
        .into_iter()
        .find(|kept| kept.request_id == request_id)
        .map(|kept| kept.answer);
    let Some(AccessAnswer::Approved { until_unix }) = answered else {
        bail!("the parent's app does not show the approval: {answered:?}");
    };
    story.evidence(&format!(
        "parent's app verified the request with the phone's key from pairing ({}); sent a \
         signed approval (command #{}) until {}",
        request.host,
        approval.sequence,
        format_rfc3339(until_unix)
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

    story.begin("Parent denied a site; the phone's signed receipt came back")?;
    let before = phone.check_url(DENIED_URL)?;
    expect(
        DENIED_URL,
        &before,
        Verdict::Allow,
        DecisionReason::NoRuleApplies,
    )?;
    let denial = parent
        .send(
            &phone.device_id(),
            ParentAction::DenyHost {
                host: DENIED_HOST.to_owned(),
            },
        )
        .await?;
    phone.sync_now().await?;
    let after = phone.check_url(DENIED_URL)?;
    expect(
        DENIED_URL,
        &after,
        Verdict::Block,
        DecisionReason::ParentDenied,
    )?;
    let taken = parent.sync().await?;
    let commands = parent.commands(&phone.device_id())?;
    let states: Vec<String> = commands
        .iter()
        .map(|command| format!("#{} {}", command.sequence, state_name(&command.state)))
        .collect();
    ensure!(
        commands
            .iter()
            .all(|command| command.state == CommandState::Applied)
            && [approval.sequence, denial.sequence]
                .iter()
                .all(|sequence| commands.iter().any(|command| command.sequence == *sequence)),
        "the phone's receipts do not say both commands were applied: {commands:?}"
    );
    story.evidence(&format!(
        "{DENIED_URL} -> {}; command #{} (deny {DENIED_HOST}) signed by the parent's key",
        describe(&before),
        denial.sequence
    ))?;
    story.evidence(&format!(
        "the phone synced: {DENIED_URL} -> {}; the parent's app took {} signed by the \
         phone: {}",
        describe(&after),
        count(
            usize::try_from(taken.receipts).unwrap_or(usize::MAX),
            "receipt"
        ),
        states.join(", ")
    ))?;

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

    story.begin("Phone synced the reports; the SOS reached the parent's live stream")?;
    let device_id = phone.device_id();
    let (heard, (synced, sync_began, sync_returned)) = tokio::join!(
        async {
            let events = parent.wait_for_events(EVENT_WAIT_SECS).await;
            (events, Instant::now())
        },
        async {
            // The parent's app is connected to its stream before the phone syncs.
            tokio::time::sleep(STREAM_HEAD_START).await;
            let began = Instant::now();
            let synced = phone.sync_now().await;
            (synced, began, Instant::now())
        }
    );
    let summary = synced?;
    let (events, heard_at) = (heard.0?, heard.1);
    ensure!(
        usize::try_from(summary.delivered) == Ok(report_ids.len()) && summary.failed == 0,
        "not every report was delivered: {summary:?}"
    );
    let routed = count_in_state(&phone, &report_ids, ReportState::Routed)?;
    ensure!(
        routed == report_ids.len(),
        "only {routed} reports are routed"
    );
    let Some(ChildEvent::Report {
        feed_seq,
        received_at,
        ..
    }) = events.iter().find(|event| {
        matches!(event, ChildEvent::Report { device_id: from, kind: ReportKind::Sos, .. }
            if *from == device_id)
    })
    else {
        bail!("no SOS came on the parent's live stream within {EVENT_WAIT_SECS} s: {events:?}");
    };
    story.evidence(&format!(
        "sent {}, delivered {}, {} delivery events to the app; the phone sees {routed} routed",
        summary.sent,
        summary.delivered,
        app.delivered_events()
    ))?;
    story.evidence(&format!(
        "the parent's app, waiting on its live stream, heard: report (kind sos, feed #{feed_seq}, \
         taken {}) {} after the phone's sync began, {}",
        format_rfc3339(*received_at),
        millis(heard_at.saturating_duration_since(sync_began)),
        relative_to_return(heard_at, sync_returned)
    ))?;

    story.begin("Reports arrived routed at the backend")?;
    let statuses = backend.storage.report_statuses(&phone.device_id()).await?;
    let routed_at_backend = statuses
        .iter()
        .filter(|status| status.state == DeliveryState::Routed)
        .count();
    parent.sync().await?;
    let feed = parent.feed()?;
    let feed_kinds: Vec<&str> = feed.iter().map(|report| report.kind.as_str()).collect();
    let queue = backend.hotline_queue().await?;
    ensure!(
        feed.len() == report_ids.len()
            && feed
                .iter()
                .all(|report| report_ids.contains(&report.report_id)),
        "the parent's feed holds {} reports, not the child's {}",
        feed.len(),
        report_ids.len()
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
        "statuses: {routed_at_backend} of {} routed; parent's feed: {} reports, SOS first \
         ({})",
        statuses.len(),
        feed.len(),
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

    story.begin("Parent let the child play games, which the carrier lets parents relax")?;
    let before = phone.check_url(GAMES_URL)?;
    expect(
        GAMES_URL,
        &before,
        Verdict::Block,
        DecisionReason::BlockedCategory,
    )?;
    let games = parent
        .send(
            &phone.device_id(),
            ParentAction::UnblockCategory {
                category: GAMES.to_owned(),
            },
        )
        .await?;
    // Gambling is in the carrier's floor: the phone refuses it and says so in its receipt.
    let gambling = parent
        .send(
            &phone.device_id(),
            ParentAction::UnblockCategory {
                category: GAMBLING.to_owned(),
            },
        )
        .await?;
    phone.sync_now().await?;
    let after = phone.check_url(GAMES_URL)?;
    expect(
        GAMES_URL,
        &after,
        Verdict::Allow,
        DecisionReason::NoRuleApplies,
    )?;
    let casino = phone.check_url(CASINO_URL)?;
    expect(
        CASINO_URL,
        &casino,
        Verdict::Block,
        DecisionReason::BlockedCategory,
    )?;
    parent.sync().await?;
    let commands = parent.commands(&phone.device_id())?;
    let state_of = |sequence: u64| {
        commands
            .iter()
            .find(|command| command.sequence == sequence)
            .map(|command| command.state.clone())
    };
    ensure!(
        state_of(games.sequence) == Some(CommandState::Applied),
        "the phone did not apply the unblock of {GAMES}: {commands:?}"
    );
    let Some(CommandState::Refused { reason }) = state_of(gambling.sequence) else {
        bail!("the phone did not refuse the unblock of {GAMBLING}: {commands:?}");
    };
    story.evidence(&format!(
        "{GAMES_URL} -> {}; command #{} (unblock {GAMES}) applied: {GAMES_URL} -> {}",
        describe(&before),
        games.sequence,
        describe(&after)
    ))?;
    story.evidence(&format!(
        "command #{} (unblock {GAMBLING}) refused by the phone: {reason}; {CASINO_URL} -> {}",
        gambling.sequence,
        describe(&casino)
    ))?;

    story.begin("Carrier changed the line; the parent's choices held under its new profile")?;
    carrier
        .update_line(&child_line(&[GAMES, SOCIAL], &RELAXABLE))
        .await?;
    let signed = carrier.sign_pending(VALIDITY_SECS).await?;
    let [second_profile] = signed.as_slice() else {
        bail!("the carrier signed {} profiles, not 1", signed.len());
    };
    let profile = &second_profile.profile;
    ensure!(
        profile.sequence > first_profile.profile.sequence && profile.device_id == registered,
        "the new profile does not follow the first for this device: {profile:?}"
    );
    phone.sync_now().await?;
    let status = phone.status()?;
    ensure!(
        status.blocked_categories.iter().any(|c| c == SOCIAL)
            && !status.blocked_categories.iter().any(|c| c == GAMES),
        "the new profile and the parent's unblock are not both in force: {:?}; log: {:?}",
        status.blocked_categories,
        app.warnings()
    );
    let checks = [
        (SOCIAL_URL, Verdict::Block, DecisionReason::BlockedCategory),
        (GAMES_URL, Verdict::Allow, DecisionReason::NoRuleApplies),
        (DENIED_URL, Verdict::Block, DecisionReason::ParentDenied),
    ];
    story.evidence(&format!(
        "carrier's profile #{} for the same line and device: extra blocked {}, parents may \
         relax {}; the phone synced and holds {} blocked categories",
        profile.sequence,
        profile.extra_blocked_categories.join(", "),
        profile.parents_may_relax.join(", "),
        status.blocked_categories.len()
    ))?;
    for (url, verdict, reason) in checks {
        let decision = phone.check_url(url)?;
        story.evidence(&format!("{url} -> {}", describe(&decision)))?;
        expect(url, &decision, verdict, reason)?;
    }

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

    /// Admits a carrier as an operator does (`childsafe carrier admit`); the backend's answer
    /// in words.
    async fn admit_carrier(&self, registration: &CarrierRegistration) -> anyhow::Result<String> {
        let request = self
            .http
            .post(format!("{}/v1/operator/carriers", self.url))
            .json(registration);
        let response = Self::as_operator(request, "admitting the carrier").await?;
        Ok(response.status().to_string())
    }

    /// Publishes a bundle of `kind` as an operator does; its ETag.
    async fn upload_bundle(
        &self,
        kind: BundleKind,
        bundle: &[u8],
        version: u64,
        expires_at: u64,
    ) -> anyhow::Result<String> {
        let request = self
            .http
            .put(format!(
                "{}/v1/operator/bundles/{}",
                self.url,
                kind.as_str()
            ))
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

/// The child's line as the phone's platform reads it: the carrier marked it as a child's line.
struct ChildsLine;

impl LineIdentity for ChildsLine {
    fn current_line(&self) -> Option<LineInfo> {
        Some(LineInfo {
            line_id: CHILD_LINE.to_owned(),
            child_line: true,
        })
    }
}

/// Opens the child's phone in `root/phone` on the child's line, trusting only the root key and
/// the server time key, as an app ships them: the carrier's and the list key come from the
/// root's trust document. The data key sits in a file, standing in for the Android Keystore or
/// the iOS Keychain.
fn open_phone(
    root: &Path,
    backend: &Backend,
    root_key: &SigningKey,
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
        trusted_carrier_keys: Vec::new(),
        trusted_list_keys: Vec::new(),
        trusted_directory_keys: Vec::new(),
        trusted_server_time_keys: vec![backend.time_key],
        trusted_root_keys: vec![root_key.public_key()],
        default_band: None,
        dns_block_addresses: Vec::new(),
        country: COUNTRY.to_owned(),
        locale: "en".to_owned(),
    };
    let logger: Arc<dyn Logger> = app.clone();
    let listener: Arc<dyn EventListener> = app.clone();
    Ok(ChildSafe::open_on_line(
        config,
        &key_store,
        logger,
        listener,
        Arc::new(ChildsLine),
    )?)
}

/// The root's trust document: the carrier's key may sign for [`CARRIER_ID`], the list key may
/// sign list bundles.
fn trust_document(
    root_key: &SigningKey,
    carrier_key: &SigningKey,
    list_key: &SigningKey,
    now: u64,
) -> anyhow::Result<Vec<u8>> {
    let expires_at = now + VALIDITY_SECS;
    let document = TrustDocument {
        version: TRUST_VERSION,
        issued_at: now,
        expires_at,
        delegations: vec![
            Delegation {
                role: KeyRole::Carrier,
                key: carrier_key.public_key(),
                carrier: Some(CARRIER_ID.to_owned()),
                expires_at,
            },
            Delegation {
                role: KeyRole::Lists,
                key: list_key.public_key(),
                carrier: None,
                expires_at,
            },
        ],
        revoked: Vec::new(),
    };
    document
        .sign(root_key)
        .context("cannot sign the trust document")
}

/// The terms of the child's line: the demo's band, `extra` blocked on top of it, `relaxable`
/// left to the parents.
fn child_line(extra: &[&str], relaxable: &[&str]) -> LineSettings {
    let owned = |names: &[&str]| names.iter().map(|name| (*name).to_owned()).collect();
    LineSettings {
        line: CHILD_LINE.to_owned(),
        country: COUNTRY.to_owned(),
        band: Some(BAND),
        birth_month: None,
        extra_blocked_categories: owned(extra),
        parents_may_relax: owned(relaxable),
    }
}

/// The carrier's line `handle`, as the backend lists it to the carrier.
async fn carrier_line(carrier: &ChildSafeCarrier, handle: &str) -> anyhow::Result<CarrierLine> {
    carrier
        .lines()
        .await?
        .into_iter()
        .find(|line| line.handle == handle)
        .with_context(|| format!("the carrier's lines do not list {}", short(handle)))
}

/// Opens the parent's app in `root/parent` and registers it with the backend. Its data key sits
/// in a file, as the phone's does.
async fn open_parent(root: &Path, backend: &Backend) -> anyhow::Result<ChildSafeParent> {
    let data_dir = root
        .join("parent")
        .to_str()
        .context("the demo directory's path is not UTF-8")?
        .to_owned();
    let key_store = FileKeyStore::new(root.join("parent-data.key"));
    let config = ParentConfig {
        data_dir,
        backend_url: backend.url.clone(),
        allow_insecure_loopback: true,
    };
    let parent = ChildSafeParent::open(config, &key_store)?;
    let registered = parent.register().await?;
    ensure!(
        registered == parent.parent_id(),
        "the backend registered the parent under another id"
    );
    Ok(parent)
}

/// The demo's list bundle: four category lists and a hashed illegal-material list.
fn compile_bundle(key: &SigningKey, expires_at: u64) -> anyhow::Result<Vec<u8>> {
    let mut builder = BundleBuilder::new(BUNDLE_VERSION, expires_at);
    let owned =
        |hosts: &[&str]| -> Vec<String> { hosts.iter().map(|host| (*host).to_owned()).collect() };
    builder.add_domains("gambling", ListKind::Category, owned(&GAMBLING_HOSTS))?;
    builder.add_domains("violence", ListKind::Category, owned(&VIOLENCE_HOSTS))?;
    builder.add_domains(GAMES, ListKind::Category, owned(&GAMES_HOSTS))?;
    builder.add_domains(SOCIAL, ListKind::Category, owned(&SOCIAL_HOSTS))?;
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

/// A parent's role, as the story says it.
fn role_name(role: ParentRole) -> &'static str {
    match role {
        ParentRole::Owner => "owner",
        ParentRole::Member => "member",
    }
}

/// A command's state, as its receipt left it.
fn state_name(state: &CommandState) -> String {
    match state {
        CommandState::Pending => "pending".to_owned(),
        CommandState::Applied => "applied".to_owned(),
        CommandState::Refused { reason } => format!("refused ({reason})"),
    }
}

/// A duration in milliseconds, as the story shows it.
fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

/// When `at` was, seen from `returned`: before or after the phone's sync returned.
fn relative_to_return(at: Instant, returned: Instant) -> String {
    match at.checked_duration_since(returned) {
        Some(after) => format!("{} after the sync returned", millis(after)),
        None => format!(
            "{} before the sync returned",
            millis(returned.saturating_duration_since(at))
        ),
    }
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
