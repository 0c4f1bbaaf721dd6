//! A device directory opened as a phone opens itself: the one way the CLI's `device`, `report`,
//! `reports` and `sync` commands reach a device.
//!
//! The directory holds the sealed store (`store/`), what the device was told (`device.json`: the
//! country, the keys it trusts and, once registered, its backend; the part of an app's
//! [`ChildSafeConfig`] a phone is built with) and, standing in for the phone's Android Keystore or
//! iOS Keychain, the data key in `data.key` ([`FileKeyStore`], created with mode 0600). On a phone
//! the key never sits next to the data.
//!
//! Every command opens the SDK's facade ([`ChildSafe`]) with that configuration and calls its
//! methods, so what the CLI shows and stores is what the phone would. The SDK's warnings (lists
//! out of date, lists unavailable, a bundle refused) go to standard error.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::sdk::{
    ChildSafeEvent, EventListener, LineIdentity, LineInfo, LogLevel, Logger, NoLine,
};
use childsafe_core::store::FileKeyStore;
use childsafe_core::{ChildSafe, ChildSafeConfig};
use serde::{Deserialize, Serialize};

/// The file in a device directory holding what the device was told.
const CONFIG_FILE: &str = "device.json";
/// The file in a device directory holding the store's data key.
const KEY_FILE: &str = "data.key";
/// The directory in a device directory holding the sealed store.
const STORE_DIR: &str = "store";
/// The language the SDK is opened in unless a command asks for another: the CLI prints codes,
/// not sentences for the child.
pub(crate) const SDK_LOCALE: &str = "en";

/// What the device was told, kept in the device directory (`device.json`) so that every command
/// opens the phone with the same configuration: what `device init` was given, and what
/// `device register` added.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct DeviceConfig {
    /// ISO 3166 country code, upper case.
    pub(crate) country: Option<String>,
    /// Carrier keys whose activation profiles the device accepts.
    pub(crate) trusted_carrier_keys: Vec<PublicKey>,
    /// Keys whose list bundles the device accepts.
    pub(crate) trusted_list_keys: Vec<PublicKey>,
    /// Keys whose directory bundles the device accepts (given at registration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) trusted_directory_keys: Vec<PublicKey>,
    /// The backend the device registered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) backend_url: Option<String>,
    /// Plain HTTP to a loopback backend was allowed at registration (tests and the demo only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) allow_insecure_loopback: bool,
    /// The child's line the device is on, standing in for what a phone's platform reads from
    /// the subscription (`device init --line`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<String>,
    /// Root keys whose trust documents the device accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) trusted_root_keys: Vec<PublicKey>,
}

impl DeviceConfig {
    /// Reads what a device directory was told. The directory must have been set up with
    /// `device init`.
    pub(crate) fn read(dir: &Path) -> anyhow::Result<Self> {
        anyhow::ensure!(
            dir.join(STORE_DIR).is_dir(),
            "{} is not a device directory: run `childsafe device init --dir {}` first",
            dir.display(),
            dir.display()
        );
        let path = config_path(dir);
        let text = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {}: set the device up with `childsafe device init --dir {}`",
                path.display(),
                dir.display()
            )
        })?;
        serde_json::from_slice(&text)
            .with_context(|| format!("{} is not a device configuration", path.display()))
    }

    /// Keeps this configuration in the device directory, for every later command.
    pub(crate) fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let path = config_path(dir);
        std::fs::write(&path, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// The country, which the commands that show the phone's own state need (emergency numbers
    /// and report routing are part of it).
    pub(crate) fn require_country(&self, dir: &Path) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.country.is_some(),
            "{} was set up without a country, which the SDK needs (emergency numbers, report \
             routing): set a device up with `childsafe device init --country CC`",
            dir.display()
        );
        Ok(())
    }
}

/// `device.json` of the device directory `dir`.
fn config_path(dir: &Path) -> PathBuf {
    dir.join(CONFIG_FILE)
}

/// Opens a device directory that `device init` set up, as the phone opens itself, in the SDK's
/// default language.
pub(crate) fn open_existing(dir: &Path) -> anyhow::Result<ChildSafe> {
    let config = DeviceConfig::read(dir)?;
    open(dir, &config, SDK_LOCALE)
}

/// [`open_existing`], with what a command sets in the SDK's configuration on top of what the
/// device was told (`dns serve`'s block page addresses).
pub(crate) fn open_existing_with(
    dir: &Path,
    adjust: impl FnOnce(&mut ChildSafeConfig),
) -> anyhow::Result<ChildSafe> {
    let config = DeviceConfig::read(dir)?;
    open_adjusted(dir, &config, SDK_LOCALE, adjust)
}

/// Opens (or, the first time, sets up) the device in `dir` through the SDK's facade, configured
/// with `config`, with the data key from `data.key` and the child's language `locale`.
pub(crate) fn open(dir: &Path, config: &DeviceConfig, locale: &str) -> anyhow::Result<ChildSafe> {
    open_adjusted(dir, config, locale, |_| {})
}

/// [`open`], with `adjust` applied to the SDK's configuration before it opens.
fn open_adjusted(
    dir: &Path,
    config: &DeviceConfig,
    locale: &str,
    adjust: impl FnOnce(&mut ChildSafeConfig),
) -> anyhow::Result<ChildSafe> {
    let data_dir = dir
        .to_str()
        .with_context(|| format!("{} is not UTF-8", dir.display()))?
        .to_owned();
    let mut sdk_config = ChildSafeConfig {
        data_dir,
        backend_url: config.backend_url.clone(),
        allow_insecure_loopback: config.allow_insecure_loopback,
        trusted_carrier_keys: config.trusted_carrier_keys.clone(),
        trusted_list_keys: config.trusted_list_keys.clone(),
        trusted_directory_keys: config.trusted_directory_keys.clone(),
        trusted_root_keys: config.trusted_root_keys.clone(),
        country: config.country.clone().unwrap_or_default(),
        locale: locale.to_owned(),
        ..ChildSafeConfig::default()
    };
    adjust(&mut sdk_config);
    let keys = FileKeyStore::new(dir.join(KEY_FILE));
    let console = Arc::new(Console);
    let opened = if config.country.is_some() {
        let line: Arc<dyn LineIdentity> = match &config.line {
            Some(line_id) => Arc::new(ChildsLine(line_id.clone())),
            None => Arc::new(NoLine),
        };
        ChildSafe::open_on_line(sdk_config, &keys, console.clone(), console, line)
    } else {
        ChildSafe::open_without_country(sdk_config, &keys, console.clone(), console)
    };
    opened.with_context(|| format!("cannot open the device in {}", dir.display()))
}

/// The line `device init --line` recorded, read as a phone's platform reads a child's line.
struct ChildsLine(String);

impl LineIdentity for ChildsLine {
    fn current_line(&self) -> Option<LineInfo> {
        Some(LineInfo {
            line_id: self.0.clone(),
            child_line: true,
        })
    }
}

/// The app around the SDK, for the CLI: warnings go to standard error, where an operator sees
/// them; routine lines and events (which the warnings already tell) are dropped.
struct Console;

impl Logger for Console {
    fn log(&self, level: LogLevel, message: String) {
        if level == LogLevel::Warn {
            let _ = writeln!(io::stderr().lock(), "childsafe: warning: {message}");
        }
    }
}

impl EventListener for Console {
    fn on_event(&self, _event: ChildSafeEvent) {}
}
