//! The one object a handset maker integrates: [`ChildSafe`] owns the device store and exposes
//! the three jobs — safe mode, the browser policy, emergency reports — plus pairing and sync.
//! The FFI (`childsafe-ffi`) wraps it with one-line delegates and adds no behaviour.
//!
//! Platform services come in as traits the app implements: the [`KeyStore`] that gives the
//! store's data key (Android Keystore, iOS Keychain), a [`Logger`], and an [`EventListener`] for
//! the UI. Nothing the child browses is logged or sent: log lines name operations and outcomes,
//! never URLs or report contents.
//!
//! The facade reads the platform's clocks through one [`ClockSource`] (the system's, unless a test
//! opens it with [`ChildSafe::open_with_clock`]) and judges everything on the trusted clock that
//! those readings advance; every sync starts by correcting that clock with the server's signed
//! time. The filter's lists never fail open: the lists in force stay in force, across restarts
//! and whatever the clocks say, until a newer valid bundle replaces them. Out of date, they keep
//! filtering and the state shows in [`ChildSafe::status`], as a [`ChildSafeEvent`], in the log, and
//! to the parents through the backend; lists that cannot be opened at all block every web address.

mod ask_link;
mod dns;
mod error;
mod events;
mod line;
mod lists;
mod pairing;
mod tools;

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub use error::SdkError;
pub use events::{ChildSafeEvent, EventListener, LogLevel, Logger};
pub use line::{LineIdentity, LineInfo, NoLine};
pub use pairing::{PairingInviteInfo, ParentInfo, PendingParent};

use self::ask_link::AskLinks;
use crate::crypto::{PublicKey, SigningKey};
use crate::dns::BlockAnswer;
use crate::filter::blockpage::BlockPage;
use crate::filter::decision::{ListsStatus, UrlDecision, UrlFilter};
use crate::filter::policy::FilterPolicy;
use crate::filter::{CanonicalUrl, HostDecision};
use crate::protocol::keys::KeyRole;
use crate::protocol::pairing::ParentRole;
use crate::protocol::wire::{MessageKind, OutgoingMessage};
use crate::reports::directory::{self, CountryCode, EmergencyContacts};
use crate::reports::{DeliveryRecord, Location, Outbox, Receipt, ReportDraft, SosAnswer};
use crate::safety::{self, SafetyAudience, SafetyError, SafetyInformation};
use crate::settings::access_request::{AccessAnswer, AccessRequest, SentAccessRequest};
use crate::settings::activation::{ActivationProfile, LineDeactivation};
use crate::settings::parent_command::ParentAction;
use crate::settings::{AgeBand, DeviceSetup, PinCheck, SafeMode, SafeModeError, SafeModeStatus};
use crate::store::{KeyStore, SealedStore, SledStore, open_device_store};
use crate::sync::client::SyncClient;
use crate::sync::engine::SyncSummary;
use crate::sync::identity::{self, Registration};
use crate::sync::invites::OwnerInviteNews;
use crate::sync::line::LineNews;
use crate::sync::lists_store::{ListsError, ListsStore};
use crate::sync::run::{Phone, SyncNews};
use crate::time::{ClockSource, SystemClock, TrustedNow, advance_trusted_clock, trusted_now};
use crate::trust::{KeyRing, PinnedKeys, TrustError, TrustedKey, public_keys};
use crate::vocabulary::Locale;

type DeviceStore = Arc<SealedStore<SledStore>>;

pub use self::ask_link::ASK_PARENT_SCHEME;
/// Where the block page's "report" button leads.
pub const REPORT_SCHEME: &str = "childsafe://report";

/// What the app tells the SDK when it opens it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChildSafeConfig {
    /// A directory private to the app, where the sealed store lives (a path, as text, so that
    /// it crosses to Kotlin and Swift as a string).
    pub data_dir: String,
    /// The backend's base URL (HTTPS), if the device syncs.
    pub backend_url: Option<String>,
    /// Allow plain HTTP to a loopback backend: tests and demos only.
    pub allow_insecure_loopback: bool,
    /// Carrier keys whose activation profiles the device accepts, for any carrier (sealed in the
    /// store when the device is first set up).
    pub trusted_carrier_keys: Vec<PublicKey>,
    /// Keys that sign list bundles.
    pub trusted_list_keys: Vec<PublicKey>,
    /// Keys that sign directory updates.
    pub trusted_directory_keys: Vec<PublicKey>,
    /// Keys that sign the backend's time (its `GET /v1/server` `time_key`, which the operator
    /// can fix with `childsafe-backend serve --time-key-file`). Every sync corrects the trusted
    /// clock with the signed time; with no key here the clock is never corrected by the server,
    /// and each sync logs a warning saying so.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub trusted_server_time_keys: Vec<PublicKey>,
    /// Root keys: they sign the trust documents (the `keys` bundle) that delegate carrier, list
    /// and directory keys with an expiry, and revoke keys (see [`crate::trust`]). With none, only
    /// the keys pinned in the fields above are trusted.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub trusted_root_keys: Vec<PublicKey>,
    /// The band a phone on a child's line is protected at from its first open until the
    /// carrier's profile arrives (the carrier's default for the country); without one, the
    /// strictest band. Read only when the platform's [`LineIdentity`] says the line is a child's.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub default_band: Option<AgeBand>,
    /// How the DNS filter answers a blocked name: empty for NXDOMAIN, or the addresses (IPv4
    /// and/or IPv6, as text) of the handset maker's block page, given to A and AAAA queries.
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub dns_block_addresses: Vec<String>,
    /// ISO 3166-1 alpha-2 country of the line (emergency numbers, report routing).
    pub country: String,
    /// The child's language for rules and block pages (en, fr, es, de; others fall back to en).
    pub locale: String,
}

/// A parent the phone has just enrolled.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairedParentInfo {
    /// The parent's id at the backend.
    pub parent_id: String,
    /// The parent's command-signing key.
    pub public_key: PublicKey,
    /// Owner (the first parent) or member.
    pub role: ParentRole,
}

/// What the app shows and does after SOS: the numbers, always, and the receipt of the urgent
/// report. Unlike the outbox's [`SosAnswer`], the failure is logged rather than carried, so that
/// the outcome crosses to Kotlin and Swift as a plain record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SosOutcome {
    /// The numbers to show and dial, and the child helpline.
    pub contacts: EmergencyContacts,
    /// The queued SOS report; `None` when it could not be stored (the logger says why). Show
    /// the numbers either way.
    pub report: Option<Receipt>,
}

/// The SDK on one device.
pub struct ChildSafe {
    config: ChildSafeConfig,
    store: DeviceStore,
    safe_mode: SafeMode<DeviceStore>,
    outbox: Outbox<DeviceStore>,
    filter: RwLock<UrlFilter>,
    device_key: SigningKey,
    logger: Arc<dyn Logger>,
    listener: Arc<dyn EventListener>,
    /// One sync at a time: two at once would only send the same batches twice.
    syncing: tokio::sync::Mutex<()>,
    /// The filter policy and trusted time last read, for the URL checks.
    policy_cache: Mutex<Option<CachedPolicy>>,
    /// Where the platform's clocks are read.
    clock: Arc<dyn ClockSource>,
    /// Where the platform reads the phone's line.
    line: Arc<dyn LineIdentity>,
    /// The state of the lists last told to the app, so that each state is told once.
    lists_told: Mutex<ListsStatus>,
    /// The nonces of the ask links on the block pages rendered.
    ask_links: AskLinks,
    /// How the DNS filter answers blocked names.
    dns_block: BlockAnswer,
}

/// The policy in force as last read, with the trusted time and boot clock of that moment.
struct CachedPolicy {
    policy: Arc<FilterPolicy>,
    trusted_unix: u64,
    monotonic_secs: u64,
    boot_id: u64,
}

/// The band a phone on a child's line is protected at until its carrier's profile arrives, when
/// the configuration names no default: the strictest, since nothing is known of the child.
pub const PROVISIONAL_BAND: AgeBand = AgeBand::UpTo5;

/// How long the URL checks ([`ChildSafe::check_url`] and the rest) use the policy they read
/// before reading it again.
pub const POLICY_REFRESH_SECS: u64 = 60;

impl std::fmt::Debug for ChildSafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildSafe")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl ChildSafe {
    /// Opens (or, the first time, sets up) the SDK in `config.data_dir`, with the store sealed
    /// under the key from `key_store`, reading the system's clocks.
    pub fn open(
        config: ChildSafeConfig,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
    ) -> Result<Self, SdkError> {
        Self::open_with_clock(config, key_store, logger, listener, Arc::new(SystemClock))
    }

    /// [`ChildSafe::open`] reading the platform's clocks from `clock`: tests set the wall clock,
    /// the time since boot and the boot to see what a child who moves them would see.
    pub fn open_with_clock(
        config: ChildSafeConfig,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
        clock: Arc<dyn ClockSource>,
    ) -> Result<Self, SdkError> {
        Self::open_on_line_with_clock(config, key_store, logger, listener, clock, Arc::new(NoLine))
    }

    /// [`ChildSafe::open`] on a phone whose platform reads its carrier line: it can register
    /// with the line ([`ChildSafe::register_with_line`]), and on a child's line it is protected
    /// from its first URL check, even when its data was wiped, until the carrier's profile
    /// arrives.
    pub fn open_on_line(
        config: ChildSafeConfig,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
        line: Arc<dyn LineIdentity>,
    ) -> Result<Self, SdkError> {
        Self::open_on_line_with_clock(
            config,
            key_store,
            logger,
            listener,
            Arc::new(SystemClock),
            line,
        )
    }

    /// [`ChildSafe::open_on_line`] reading the platform's clocks from `clock` (tests).
    pub fn open_on_line_with_clock(
        config: ChildSafeConfig,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
        clock: Arc<dyn ClockSource>,
        line: Arc<dyn LineIdentity>,
    ) -> Result<Self, SdkError> {
        let country: CountryCode = config
            .country
            .parse()
            .map_err(|_| SdkError::InvalidInput("country must be an ISO 3166-1 alpha-2 code"))?;
        Self::open_in(
            config,
            Some(country),
            key_store,
            logger,
            listener,
            clock,
            line,
        )
    }

    /// Opens the SDK in `config.data_dir`, setting the device up the first time with `country`
    /// (`None` only for tools: see [`ChildSafe::open_without_country`]).
    fn open_in(
        config: ChildSafeConfig,
        country: Option<CountryCode>,
        key_store: &dyn KeyStore,
        logger: Arc<dyn Logger>,
        listener: Arc<dyn EventListener>,
        clock: Arc<dyn ClockSource>,
        line: Arc<dyn LineIdentity>,
    ) -> Result<Self, SdkError> {
        let dns_block = BlockAnswer::parse(&config.dns_block_addresses).ok_or(
            SdkError::InvalidInput("dns_block_addresses must be IPv4 or IPv6 addresses"),
        )?;
        let data_dir = Path::new(&config.data_dir);
        std::fs::create_dir_all(data_dir)
            .map_err(|_| SdkError::InvalidInput("the data directory cannot be created"))?;
        let store: DeviceStore = Arc::new(open_device_store(&data_dir.join("store"), key_store)?);
        let device_key = identity::device_key(&store)?;
        let safe_mode = SafeMode::new(Arc::clone(&store));
        match safe_mode.setup() {
            Ok(_) => {}
            Err(SafeModeError::NotInitialised) => {
                safe_mode.init(
                    DeviceSetup {
                        device_id: identity::device_id(&device_key),
                        country: country.map(|country| country.as_str().to_owned()),
                        trusted_carriers: config.trusted_carrier_keys.clone(),
                    },
                    clock.reading(),
                )?;
                logger.log(LogLevel::Info, "device set up".to_owned());
            }
            Err(error) => return Err(error.into()),
        }
        if line.current_line().is_some_and(|line| line.child_line) {
            let band = config.default_band.unwrap_or(PROVISIONAL_BAND);
            if safe_mode.start_provisional(band, clock.reading())? {
                logger.log(
                    LogLevel::Warn,
                    format!(
                        "a child's line with no carrier profile: safe mode on at band {band} \
                         until the profile arrives"
                    ),
                );
            }
        }
        let pinned = pinned_keys(&config, safe_mode.setup()?);
        let filter = lists::restored_filter(&*store, &KeyRing::new(&*store, &pinned), &*logger);
        let sdk = ChildSafe {
            outbox: Outbox::new(Arc::clone(&store)),
            safe_mode,
            store,
            filter: RwLock::new(filter),
            device_key,
            logger,
            listener,
            config,
            syncing: tokio::sync::Mutex::new(()),
            policy_cache: Mutex::new(None),
            ask_links: AskLinks::default(),
            clock,
            line,
            lists_told: Mutex::new(ListsStatus::default()),
            dns_block,
        };
        sdk.check_lists()?;
        Ok(sdk)
    }

    /// This device's id (the backend's, and the one parent commands name).
    pub fn device_id(&self) -> String {
        identity::device_id(&self.device_key)
    }

    // ---- Safe mode -------------------------------------------------------------------------

    /// Safe mode as it stands, with the state of the filter's lists.
    pub fn status(&self) -> Result<SafeModeStatus, SdkError> {
        let lists = self.lists_status()?;
        Ok(self.safe_mode.status(self.clock.reading(), lists)?)
    }

    /// The rules in force, as the child reads them, in the configured language.
    pub fn rules(&self) -> Result<Vec<String>, SdkError> {
        Ok(self.safe_mode.rules(self.locale())?)
    }

    /// Sets the parent PIN (changing it needs the old one).
    pub fn set_pin(&self, new_pin: &str, old_pin: Option<&str>) -> Result<(), SdkError> {
        self.safe_mode
            .set_pin(new_pin, old_pin, self.clock.reading())?;
        self.changed("parent PIN set");
        Ok(())
    }

    /// Checks the parent PIN; a wrong one is counted towards the lockout.
    pub fn verify_pin(&self, pin: &str) -> Result<PinCheck, SdkError> {
        Ok(self.safe_mode.verify_pin(pin, self.clock.reading())?)
    }

    /// Checks a parent's offline code (works without network).
    pub fn verify_parent_code(&self, code: &str) -> Result<(), SdkError> {
        Ok(self
            .safe_mode
            .verify_parent_code(code, self.clock.reading())?)
    }

    /// Sets a new PIN on the word of the parent's offline code.
    pub fn reset_pin_with_parent_code(&self, code: &str, new_pin: &str) -> Result<(), SdkError> {
        self.safe_mode
            .reset_pin_with_parent_code(code, new_pin, self.clock.reading())?;
        self.changed("parent PIN reset with the parent code");
        Ok(())
    }

    /// Applies a carrier's signed activation profile.
    pub fn activate(&self, profile: &[u8]) -> Result<ActivationProfile, SdkError> {
        let applied = self.safe_mode.activate(
            profile,
            &self.trusted_keys(KeyRole::Carrier)?,
            self.clock.reading(),
        )?;
        self.changed("activation profile applied");
        self.listener
            .on_event(ChildSafeEvent::SafetyInformationAvailable);
        Ok(applied)
    }

    /// Applies a carrier's signed deactivation of the line: safe mode goes off, the parents
    /// stay paired.
    pub fn deactivate(&self, deactivation: &[u8]) -> Result<LineDeactivation, SdkError> {
        let applied = self.safe_mode.deactivate(
            deactivation,
            &self.trusted_keys(KeyRole::Carrier)?,
            self.clock.reading(),
        )?;
        self.changed("line deactivated by the carrier");
        Ok(applied)
    }

    /// Applies a paired parent's signed command (handed over without the backend). The receipt
    /// the parent is owed, applied or refused, leaves at the next sync.
    pub fn apply_parent_command(&self, command: &[u8]) -> Result<ParentAction, SdkError> {
        let action = self
            .safe_mode
            .answer_parent_command(command, self.clock.reading())
            .outcome?;
        self.command_applied(&action);
        Ok(action)
    }

    // ---- The browser policy ----------------------------------------------------------------

    /// What to do with one URL the browser is about to load.
    pub fn check_url(&self, url: &str) -> Result<UrlDecision, SdkError> {
        let (policy, now) = self.policy_now()?;
        let filter = self.filter.read().unwrap_or_else(PoisonError::into_inner);
        Ok(filter.check_str(url, &policy, now))
    }

    /// Whether the browser may load `url` exactly as asked ([`UrlDecision::loads_as_is`]): the
    /// answer for most subresources, in a form that crosses the FFI without a record. `false`
    /// says only that it may not load as is: [`ChildSafe::check_url`] says what to do instead
    /// (the block page, the rewritten URL, the headers to add). An error is an error, never an
    /// answer: the caller blocks, as for `check_url`.
    pub fn url_loads_as_is(&self, url: &str) -> Result<bool, SdkError> {
        Ok(self.check_url(url)?.loads_as_is())
    }

    /// What to do with each of `urls` (a page and its subresources), in one call.
    pub fn check_urls<U: AsRef<str>>(&self, urls: &[U]) -> Result<Vec<UrlDecision>, SdkError> {
        let (policy, now) = self.policy_now()?;
        let filter = self.filter.read().unwrap_or_else(PoisonError::into_inner);
        Ok(urls
            .iter()
            .map(|url| filter.check_str(url.as_ref(), &policy, now))
            .collect())
    }

    /// What to do with a host alone (a DNS name or an IP address), by the same lists, policy
    /// and parent rules as [`ChildSafe::check_url`]: it blocks a host exactly when `check_url`
    /// blocks `https://<host>/`, for the same reason. Rules for one page of a host (a path) cannot
    /// apply; see [`crate::filter::host_decision`].
    pub fn check_host(&self, host: &str) -> Result<HostDecision, SdkError> {
        let (policy, now) = self.policy_now()?;
        let filter = self.filter.read().unwrap_or_else(PoisonError::into_inner);
        Ok(filter.check_host(host, &policy, now))
    }

    /// The block page for a blocked `url`, in the child's language, or `None` when `decision`
    /// does not block. Its "ask a parent" button leads to [`ASK_PARENT_SCHEME`] with the URL and
    /// a nonce issued for this page, which [`ChildSafe::ask_parent`] honours once.
    pub fn block_page(&self, url: &str, decision: &UrlDecision) -> Option<String> {
        let reason = decision.block_reason()?;
        let host = CanonicalUrl::parse(url.as_bytes())
            .ok()
            .map(|canonical| canonical.host().to_owned());
        let ask = self.ask_links.issue(url);
        Some(
            BlockPage {
                reason: &reason,
                locale: self.locale(),
                host: host.as_deref(),
                ask_parent_action: ask.as_deref(),
                report_action: Some(REPORT_SCHEME),
            }
            .render(),
        )
    }

    /// Installs a signed list bundle (also what `sync_now` does with one from the backend);
    /// refused, keeping the one in force, if it is not newer, expired on trusted time or not
    /// trusted. A store that fails is reported as [`SdkError::Store`], not as a refusal.
    pub fn install_list_bundle(&self, bytes: Vec<u8>) -> Result<u64, SdkError> {
        let trusted = public_keys(&self.trusted_keys(KeyRole::Lists)?);
        let installed = ListsStore::new(&*self.store, &trusted)
            .install(bytes, self.clock.reading())
            .map_err(|error| match error {
                ListsError::Refused(why) => {
                    self.logger
                        .log(LogLevel::Warn, format!("list bundle refused: {why}"));
                    SdkError::Refused(
                        "the list bundle is not newer than the one in force, has expired, or is \
                         not signed by a trusted list key",
                    )
                }
                ListsError::Store(error) => SdkError::Store(error),
            })?;
        *self.filter.write().unwrap_or_else(PoisonError::into_inner) = installed.filter;
        self.check_lists()?;
        Ok(installed.version)
    }

    /// Installs a root-signed trust document (also what `sync_now` does with the `keys` bundle)
    /// and returns its version: the keys it delegates sign from now on, the keys it revokes
    /// never again. Refused, keeping the one in force, if no configured root key signed it, it is
    /// not newer or it has expired on trusted time.
    pub fn install_trust_document(&self, bytes: Vec<u8>) -> Result<u64, SdkError> {
        let version = KeyRing::new(&*self.store, &self.pinned_keys()?)
            .install_trust_document(&bytes, self.clock.reading())
            .map_err(|error| {
                self.trust_refused(
                    error,
                    "the trust document is not newer than the one in force, has expired, or is \
                     not signed by a configured root key",
                )
            })?;
        self.logger.log(
            LogLevel::Info,
            format!("trust document v{version} installed"),
        );
        Ok(version)
    }

    /// Installs a carrier's key rotation, signed with its current key: the new key signs for
    /// that carrier from now on, and the old one is retired. Installing the same rotation again
    /// changes nothing. Refused if the signing key is not trusted now for the carrier it names
    /// (revoked, expired, retired or another carrier's), the rotation has expired, or the new key
    /// is already known.
    pub fn install_key_rotation(&self, bytes: Vec<u8>) -> Result<(), SdkError> {
        KeyRing::new(&*self.store, &self.pinned_keys()?)
            .install_rotation(&bytes, self.clock.reading())
            .map_err(|error| {
                self.trust_refused(
                    error,
                    "the key rotation is not signed by a key trusted now for its carrier, has \
                     expired, or moves to a key already known",
                )
            })?;
        self.logger
            .log(LogLevel::Info, "carrier key rotation installed".to_owned());
        Ok(())
    }

    /// The keys trusted now (trusted time) to sign documents of `role`. A key ring that cannot be
    /// read is an error, never an empty or pinned-only ring: what it would check is refused.
    pub(crate) fn trusted_keys(&self, role: KeyRole) -> Result<Vec<TrustedKey>, SdkError> {
        let now = self.trusted_now()?.unix_secs();
        KeyRing::new(&*self.store, &self.pinned_keys()?)
            .keys_for(role, now)
            .map_err(|error| match error {
                TrustError::Store(error) => SdkError::Store(error),
                _ => SdkError::Refused("the key ring cannot be read"),
            })
    }

    /// Carries out a block page's "ask a parent" link: the app hands over every
    /// `childsafe://ask` link the browser meets, whatever page it came from. Only a link from a
    /// block page this SDK rendered, for the URL it blocked, is honoured, and only once; any other
    /// is refused as [`SdkError::InvalidInput`] and logged, and nothing is sent. Returns the
    /// request's id, as [`ChildSafe::request_access`] does.
    pub async fn ask_parent(&self, link: &str) -> Result<String, SdkError> {
        let url = self.ask_links.redeem(link).map_err(|refusal| {
            self.logger.log(
                LogLevel::Warn,
                format!("ask a parent ignored: {}", refusal.describe()),
            );
            SdkError::InvalidInput(refusal.describe())
        })?;
        let sent = self.request_access(&url).await;
        if sent.is_err() {
            self.ask_links.give_back(link);
        }
        sent
    }

    /// Asks the paired parents, through the backend, to open a blocked page. Returns the
    /// request's id.
    pub async fn request_access(&self, url: &str) -> Result<String, SdkError> {
        let canonical =
            CanonicalUrl::parse(url.as_bytes()).map_err(|_| SdkError::InvalidInput("not a URL"))?;
        let request = AccessRequest {
            request_id: crate::reports::model::new_report_id()
                .map_err(|_| SdkError::InvalidInput("no randomness"))?,
            device_id: self.device_id(),
            url: canonical.to_string(),
            host: canonical.host().to_owned(),
            requested_at: self.clock.reading().wall_unix,
        };
        let blob = URL_SAFE_NO_PAD.encode(request.sign(&self.device_key)?);
        self.client()?
            .send_message(
                &self.device_key,
                &OutgoingMessage {
                    kind: MessageKind::AccessRequest,
                    blob,
                },
            )
            .await?;
        self.safe_mode.record_access_request(SentAccessRequest {
            request_id: request.request_id.clone(),
            host: request.host,
            url: request.url,
            requested_at: request.requested_at,
            answer: AccessAnswer::Pending,
        })?;
        self.logger
            .log(LogLevel::Info, "access request sent".to_owned());
        Ok(request.request_id)
    }

    // ---- Reports ---------------------------------------------------------------------------

    /// Files a report; the receipt means it is sealed on disk.
    pub fn report(&self, draft: ReportDraft) -> Result<Receipt, SdkError> {
        let receipt = self.outbox.report(draft, self.clock.reading())?;
        self.logger.log(LogLevel::Info, "report filed".to_owned());
        Ok(receipt)
    }

    /// Every report with its delivery status, oldest first.
    pub fn reports(&self) -> Result<Vec<DeliveryRecord>, SdkError> {
        Ok(self.outbox.statuses()?)
    }

    /// The emergency numbers and child helpline for the device's country.
    pub fn emergency_contacts(&self) -> EmergencyContacts {
        directory::contacts_for(&*self.store, self.country().as_ref())
    }

    /// SOS: the numbers to show and dial at once, and an urgent report queued (with the
    /// location only if the child allowed it for this SOS).
    pub fn sos(&self, location: Option<Location>) -> SosOutcome {
        let SosAnswer { contacts, report } =
            self.outbox
                .sos(self.country().as_ref(), location, self.clock.reading());
        let report = match report {
            Ok(receipt) => {
                self.logger.log(LogLevel::Info, "SOS filed".to_owned());
                Some(receipt)
            }
            Err(error) => {
                self.logger
                    .log(LogLevel::Warn, format!("SOS report not stored: {error}"));
                None
            }
        };
        SosOutcome { contacts, report }
    }

    // ---- Safety information ----------------------------------------------------------------

    /// The safety information for `audience`, in the configured language and written for the
    /// device's age band (for [`safety::BAND_WITHOUT_SAFE_MODE`] when safe mode is off), with
    /// the emergency numbers and child helpline of the device's country. A carrier's installed
    /// pack replaces the SDK's texts in the languages it covers.
    pub fn safety_information(
        &self,
        audience: SafetyAudience,
    ) -> Result<SafetyInformation, SdkError> {
        let status = self.status()?;
        let band = status
            .band
            .filter(|_| status.safe_mode)
            .and_then(|band| band.parse().ok())
            .unwrap_or(safety::BAND_WITHOUT_SAFE_MODE);
        let country = self.country();
        safety::safety_information(
            &*self.store,
            band,
            self.locale(),
            audience,
            country.as_ref(),
        )
        .map_err(|error| self.safety_error(error))
    }

    /// Installs a carrier's signed safety pack, signed by a trusted carrier key that may sign
    /// for the carrier it names, newer than the installed one and unexpired on trusted time.
    /// Returns its version; a refused pack changes nothing.
    pub fn install_safety_pack(&self, bytes: Vec<u8>) -> Result<u64, SdkError> {
        let trusted = self.trusted_keys(KeyRole::Carrier)?;
        let version =
            safety::install_safety_pack(&*self.store, &bytes, &trusted, self.clock.reading())
                .map_err(|error| self.safety_error(error))?;
        self.logger.log(
            LogLevel::Info,
            format!("safety pack version {version} installed"),
        );
        self.listener
            .on_event(ChildSafeEvent::SafetyInformationAvailable);
        Ok(version)
    }

    /// A safety error as the facade reports it: logged with its reason; a store failure as
    /// such, a refusal with a fixed reason.
    fn safety_error(&self, error: SafetyError) -> SdkError {
        self.logger
            .log(LogLevel::Warn, format!("safety information: {error}"));
        SdkError::Refused(match error {
            SafetyError::Store(error) => return SdkError::Store(error),
            SafetyError::Malformed(_) | SafetyError::Texts(_) => {
                "the safety pack is malformed or does not cover every band, audience and topic"
            }
            SafetyError::BadSignature => "the safety pack is not signed by a trusted carrier key",
            SafetyError::WrongCarrier => {
                "the key that signed the safety pack may not sign for its carrier"
            }
            SafetyError::Expired => "the safety pack has expired",
            SafetyError::NotNewer { .. } => "the safety pack is not newer than the installed one",
            SafetyError::BuiltIn(_) => "the safety texts built into this SDK are broken",
        })
    }

    // ---- Backend: registration, pairing, sync ----------------------------------------------

    /// Registers the device with the backend, with the carrier's activation token.
    pub async fn register(&self, activation_token: &str) -> Result<String, SdkError> {
        if identity::registration(&*self.store)?.is_some() {
            return Ok(self.device_id());
        }
        let registered = self
            .client()?
            .register_device(
                &self.device_key,
                activation_token,
                None,
                &self.config.country,
            )
            .await?;
        self.registered(&registered.id)?;
        Ok(registered.id)
    }

    /// Registers the device with the backend with the line the platform reads (the carrier told
    /// the backend it is a child's line), and binds the phone to that line: from then on only the
    /// carrier's documents for this line and device apply, and each sync fetches them. Refused
    /// by the backend if the carrier has not registered the line.
    pub async fn register_with_line(&self) -> Result<String, SdkError> {
        if identity::registration(&*self.store)?.is_some() && self.safe_mode.line()?.is_some() {
            return Ok(self.device_id());
        }
        let line = self
            .line
            .current_line()
            .ok_or(SdkError::NotReady("the platform reads no line"))?;
        let registered = self
            .client()?
            .register_device(
                &self.device_key,
                "",
                Some(&line.line_id),
                &self.config.country,
            )
            .await?;
        let handle = registered.line_handle.ok_or(SdkError::Refused(
            "the backend registered the device without a line handle",
        ))?;
        // Bound first: a phone that registered is then never left unbound to its line.
        self.safe_mode.bind_line(&handle, self.clock.reading())?;
        self.registered(&registered.id)?;
        Ok(registered.id)
    }

    /// Keeps the registration the backend answered.
    fn registered(&self, device_id: &str) -> Result<(), SdkError> {
        let client = self.client()?;
        identity::save_registration(
            &*self.store,
            &Registration {
                backend_url: client.base_url().to_owned(),
                device_id: device_id.to_owned(),
                country: self.config.country.clone(),
                allow_insecure_loopback: self.config.allow_insecure_loopback,
                registered_at: self.clock.reading().wall_unix,
                trust: self.pinned_keys()?,
            },
        )?;
        self.logger
            .log(LogLevel::Info, "registered with the backend".to_owned());
        Ok(())
    }

    /// One sync (see [`crate::sync::run`]): first the server's signed time for the trusted
    /// clock, then the outbox (SOS first), statuses, new bundles, the parents' decisions and
    /// commands waiting in the mailbox, the phone's statements and receipts, and last the
    /// device's signed status for its parents.
    pub async fn sync_now(&self) -> Result<SyncSummary, SdkError> {
        let _one_at_a_time = self.syncing.lock().await;
        let client = self.client()?;
        if identity::registration(&*self.store)?.is_none() {
            return Err(SdkError::NotReady("the device is not registered"));
        }
        let trust = self.pinned_keys()?;
        let phone = Phone {
            safe_mode: &self.safe_mode,
            outbox: &self.outbox,
            filter: &self.filter,
            device_key: &self.device_key,
            clock: &*self.clock,
            trust: &trust,
            server_time_keys: &self.config.trusted_server_time_keys,
            locale: self.locale(),
        };
        let summary = phone.sync(&client, &|news| self.tell(news)).await?;
        self.logger.log(
            LogLevel::Info,
            format!(
                "sync: {} sent, {} delivered, {} waiting",
                summary.sent, summary.delivered, summary.failed
            ),
        );
        Ok(summary)
    }

    // ---- Helpers ---------------------------------------------------------------------------

    /// The policy in force and the trusted time now. The browser asks for every URL it loads,
    /// so the policy is read from the store (and the trusted clock advanced and flushed) at most
    /// every [`POLICY_REFRESH_SECS`] and after every change made through this object; in
    /// between, trusted time moves on by the boot clock, which the child cannot set.
    fn policy_now(&self) -> Result<(Arc<FilterPolicy>, u64), SdkError> {
        let reading = self.clock.reading();
        let mut cache = self
            .policy_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(cached) = cache.as_ref() {
            let elapsed = reading.monotonic_secs.checked_sub(cached.monotonic_secs);
            if cached.boot_id == reading.boot_id
                && elapsed.is_some_and(|secs| secs < POLICY_REFRESH_SECS)
            {
                let now = cached.trusted_unix + elapsed.unwrap_or(0);
                return Ok((Arc::clone(&cached.policy), now));
            }
        }
        let policy = Arc::new(self.safe_mode.filter_policy(reading)?);
        // `filter_policy` has just advanced and stored the trusted clock with this reading; this
        // reads the same time back without writing again.
        let (trusted, _) = advance_trusted_clock(&*self.store, reading)?;
        let fresh = CachedPolicy {
            policy: Arc::clone(&policy),
            trusted_unix: trusted.unix_secs(),
            monotonic_secs: reading.monotonic_secs,
            boot_id: reading.boot_id,
        };
        let now = fresh.trusted_unix;
        *cache = Some(fresh);
        drop(cache);
        // Lists that expire while the app runs offline are told about here, at the same pace.
        self.check_lists_at(now);
        Ok((policy, now))
    }

    /// The state of the lists now, on trusted time.
    fn lists_status(&self) -> Result<ListsStatus, SdkError> {
        Ok(self.lists_status_at(self.trusted_now()?.unix_secs()))
    }

    /// The state of the lists at `now_unix`, trusted time.
    fn lists_status_at(&self, now_unix: u64) -> ListsStatus {
        self.filter
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .lists_status(now_unix)
    }

    /// The state of the lists, told to the app (an event and a log line) when it is new.
    fn check_lists(&self) -> Result<ListsStatus, SdkError> {
        Ok(self.check_lists_at(self.trusted_now()?.unix_secs()))
    }

    /// [`Self::check_lists`] at `now_unix`, trusted time.
    fn check_lists_at(&self, now_unix: u64) -> ListsStatus {
        let status = self.lists_status_at(now_unix);
        self.tell_lists(&status);
        status
    }

    /// Tells the app (an event and a log line) the state of the lists if it is new.
    fn tell_lists(&self, status: &ListsStatus) {
        let news = {
            let mut told = self
                .lists_told
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let news = lists::news(&told, status);
            *told = status.clone();
            news
        };
        // Told with no lock held: the app may call back into the SDK from its listener.
        for (event, line) in news {
            self.logger.log(LogLevel::Warn, line);
            self.listener.on_event(event);
        }
    }

    /// The trusted time now, with the trusted clock advanced and kept.
    fn trusted_now(&self) -> Result<TrustedNow, SdkError> {
        Ok(trusted_now(&*self.store, self.clock.reading())?)
    }

    /// Turns what a sync run met into what the app sees: events, log lines, and a fresh read
    /// of the policy where the run changed what it depends on.
    fn tell(&self, news: SyncNews) {
        match news {
            SyncNews::NoServerTimeKey => self.logger.log(
                LogLevel::Warn,
                "no server time key is configured: the server cannot correct the trusted clock"
                    .to_owned(),
            ),
            SyncNews::ClockCorrected => {
                // The cached policy carries a trusted time that may just have moved.
                self.forget_policy();
                self.logger
                    .log(LogLevel::Info, "trusted clock set by the server".to_owned());
            }
            SyncNews::ClockNotCorrected(error) => self.logger.log(
                LogLevel::Warn,
                format!("the server's time was not taken, the trusted clock is unchanged: {error}"),
            ),
            SyncNews::ReportDelivered(id) => {
                self.listener
                    .on_event(ChildSafeEvent::ReportDelivered { id });
            }
            SyncNews::BundleApplied(_) => {}
            SyncNews::BundleRefused(refusal) => self
                .logger
                .log(LogLevel::Warn, format!("bundle refused: {refusal}")),
            SyncNews::ListsChecked(status) => self.tell_lists(&status),
            SyncNews::StatusNotSent(error) => self
                .logger
                .log(LogLevel::Warn, format!("device status not sent: {error}")),
            SyncNews::MessageNotBase64 => self.logger.log(
                LogLevel::Warn,
                "a relayed message is not base64url".to_owned(),
            ),
            SyncNews::SnapshotNotTaken(error) => self.logger.log(
                LogLevel::Warn,
                format!("status sent without its snapshot: {error}"),
            ),
            SyncNews::CommandApplied(action) => self.command_applied(&action),
            SyncNews::CommandRefused(error) => self
                .logger
                .log(LogLevel::Warn, format!("relayed command refused: {error}")),
            SyncNews::OwnerInvite(OwnerInviteNews::Enrolled(_)) => {
                self.changed("second parent paired on the owner's invitation");
            }
            SyncNews::OwnerInvite(OwnerInviteNews::Abandoned) => self.logger.log(
                LogLevel::Warn,
                "the owner's invitation was claimed by more than one parent: no one was paired"
                    .to_owned(),
            ),
            SyncNews::OwnerInvite(OwnerInviteNews::Expired) => self.logger.log(
                LogLevel::Info,
                "the owner's invitation expired unclaimed".to_owned(),
            ),
            SyncNews::OwnerInvite(OwnerInviteNews::Waiting { ignored }) if ignored > 0 => {
                self.logger.log(
                    LogLevel::Warn,
                    format!("{ignored} claim(s) on the owner's invitation not signed: ignored"),
                );
            }
            SyncNews::OwnerInvite(OwnerInviteNews::Waiting { .. }) => {}
            SyncNews::OwnerInviteStalled(error) => self.logger.log(
                LogLevel::Warn,
                format!("the owner's invitation waits for the next sync: {error}"),
            ),
            SyncNews::OwedSent(sent) => self.logger.log(
                LogLevel::Info,
                format!(
                    "{} statement(s) and receipt(s) sent, {} refused by the backend and dropped",
                    sent.sent, sent.dropped
                ),
            ),
            SyncNews::OwedNotSent(error) => self.logger.log(
                LogLevel::Warn,
                format!("statements and receipts wait for the next sync: {error}"),
            ),
            SyncNews::Line(news) => self.tell_line(news),
            SyncNews::LineNotRead(why) => self.logger.log(
                LogLevel::Warn,
                format!("the line's documents wait for the next sync: {why}"),
            ),
            SyncNews::Pruned(pruned) => self.logger.log(
                LogLevel::Info,
                format!("{pruned} delivered reports past their keep time removed"),
            ),
        }
    }

    /// What the line step met, as the app sees it.
    fn tell_line(&self, news: LineNews) {
        match news {
            LineNews::KeyRotated => self
                .logger
                .log(LogLevel::Info, "carrier key rotation installed".to_owned()),
            LineNews::ProfileApplied { sequence } => {
                self.changed(&format!("carrier profile {sequence} applied"));
                // Activation is when the child and the parent are shown the safety information.
                self.listener
                    .on_event(ChildSafeEvent::SafetyInformationAvailable);
            }
            LineNews::Deactivated { reason } => {
                self.changed(&format!("line deactivated by the carrier: {reason}"));
            }
            LineNews::Restored(0) => {}
            LineNews::Restored(changes) => self.changed(&format!(
                "{changes} rule(s) taken back from the line's previous device"
            )),
            LineNews::RotationRefused(why) => self.logger.log(
                LogLevel::Warn,
                format!("carrier key rotation refused: {why}"),
            ),
            LineNews::DocumentRefused(error) => self
                .logger
                .log(LogLevel::Warn, format!("carrier document refused: {error}")),
            LineNews::RestoreRefused(why) => self.logger.log(
                LogLevel::Warn,
                format!("the previous device's settings were not taken back: {why}"),
            ),
            LineNews::SafetyPackInstalled(version) => {
                self.logger.log(
                    LogLevel::Info,
                    format!("carrier safety pack v{version} installed"),
                );
                self.listener
                    .on_event(ChildSafeEvent::SafetyInformationAvailable);
            }
            LineNews::SafetyPackRefused(why) => self.logger.log(
                LogLevel::Warn,
                format!("carrier safety pack refused: {why}"),
            ),
        }
    }

    fn client(&self) -> Result<SyncClient, SdkError> {
        let url = self
            .config
            .backend_url
            .as_deref()
            .ok_or(SdkError::NotReady("no backend URL is configured"))?;
        Ok(SyncClient::new(url, self.config.allow_insecure_loopback)?)
    }

    /// The keys the handset maker pinned: the configuration's, and the carrier keys sealed at
    /// set-up.
    fn pinned_keys(&self) -> Result<PinnedKeys, SdkError> {
        Ok(pinned_keys(&self.config, self.safe_mode.setup()?))
    }

    /// A key ring refusal as the facade's error, its reason logged.
    fn trust_refused(&self, error: TrustError, refused: &'static str) -> SdkError {
        match error {
            TrustError::Store(error) => SdkError::Store(error),
            TrustError::NoRootKey => SdkError::NotReady("no root key is configured"),
            why => {
                self.logger.log(LogLevel::Warn, format!("refused: {why}"));
                SdkError::Refused(refused)
            }
        }
    }

    fn country(&self) -> Option<CountryCode> {
        self.config.country.parse().ok()
    }

    fn locale(&self) -> Locale {
        Locale::from_tag(&self.config.locale)
    }

    fn changed(&self, what: &str) {
        self.forget_policy();
        self.logger.log(LogLevel::Info, what.to_owned());
        self.listener.on_event(ChildSafeEvent::SettingsChanged);
    }

    /// A parent's command is in force, applied here or relayed through a sync.
    fn command_applied(&self, action: &ParentAction) {
        self.changed("parent command applied");
        match action {
            ParentAction::ApproveAccess {
                host, until_unix, ..
            } => self.listener.on_event(ChildSafeEvent::ApprovalReceived {
                host: host.clone(),
                until_unix: *until_unix,
            }),
            ParentAction::DenyAccess { request_id, host } => {
                self.listener.on_event(ChildSafeEvent::AccessDenied {
                    request_id: request_id.clone(),
                    host: host.clone(),
                });
            }
            _ => {}
        }
    }

    /// Drops the cached policy, so that the next check reads it again.
    fn forget_policy(&self) {
        *self
            .policy_cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// The keys pinned by `config`, with the carrier keys sealed in the device's `setup`.
fn pinned_keys(config: &ChildSafeConfig, setup: DeviceSetup) -> PinnedKeys {
    PinnedKeys {
        roots: config.trusted_root_keys.clone(),
        carriers: setup.trusted_carriers,
        lists: config.trusted_list_keys.clone(),
        directory: config.trusted_directory_keys.clone(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_facade_can_be_shared_between_threads() {
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<super::ChildSafe>();
    }
}
