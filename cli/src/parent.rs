//! `childsafe parent ...`: the parent's app, driven from a parent directory through the SDK's
//! parent object ([`ChildSafeParent`]), as a parent's phone drives it.
//!
//! The directory holds the parent's sealed store (`store/`: its signing key, its children and
//! their device keys, the commands it sent and their receipts, the feed and requests it read),
//! what the app was told (`parent.json`: the backend) and, standing in for the phone's key
//! store, the data key in `data.key` (mode 0600). Every command opens the SDK with that and calls
//! its methods, so what the CLI shows is what a parent's app would: a child's status only as the
//! child's phone signed it, requests and receipts only when the phone's key verifies them.
//!
//! The commands that show what waits (`feed`, `requests`, `commands`) read the backend first
//! (`ChildSafeParent::sync`), as an app does when it comes to the foreground.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::parent::{
    ChildEvent, ChildSafeParent, ChildStatus, CommandState, CommandTicket, ParentConfig,
};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::parent_command::ParentAction;
use childsafe_core::store::FileKeyStore;
use childsafe_protocol::rfc3339::format as format_rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::device::print_json;
use crate::pairing::{answer_json, role_name};
use crate::sync::runtime;

/// The file in a parent directory holding what the app was told.
const CONFIG_FILE: &str = "parent.json";
/// The file in a parent directory holding the store's data key.
const KEY_FILE: &str = "data.key";
/// Longest `parent events --wait`, in seconds: the SDK's own bound on one wait.
const MAX_WAIT_SECS: u64 = childsafe_core::parent::MAX_EVENT_WAIT_SECS;

/// What the parent's app was told, kept in `parent.json`.
#[derive(Debug, Serialize, Deserialize)]
struct AppConfig {
    /// The backend's base URL.
    backend_url: String,
    /// Plain HTTP to a loopback backend (tests and the demo only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    allow_insecure_loopback: bool,
}

/// `childsafe parent ...`.
#[derive(clap::Subcommand)]
pub(crate) enum ParentCommand {
    /// Set up a parent directory: the backend, and the parent's signing key (made once).
    Init {
        /// The parent directory (created if missing).
        #[arg(long)]
        dir: PathBuf,
        /// The backend's base URL (https://...).
        #[arg(long, value_name = "URL")]
        backend: String,
        /// Allow plain HTTP to a loopback backend (tests and the demo only).
        #[arg(long)]
        allow_insecure_loopback: bool,
    },
    /// Register the parent's key with the backend; prints the parent id.
    Register {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Pair with a child's phone from the payload of its QR code (`childsafe device
    /// pairing-code`); prints the six digits to compare with the phone's screen.
    Pair {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The QR payload, `childsafe-pair:1:<device id>:<secret>`.
        #[arg(long, value_name = "PAYLOAD")]
        qr: String,
    },
    /// The children paired here, whether each phone confirmed the pairing, and this parent's
    /// role on it.
    Children {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// A child's status as the phone signed it (verified against the phone's key).
    Status {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
    },
    /// The rules in force as the child reads them on the phone, one per line.
    Rules {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
    },
    /// The children's reports, SOS first, then newest first (reads the backend first).
    Feed {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// The children's access requests and their answers (reads the backend first).
    Requests {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
    },
    /// Approve an access request: the host loads on the child's phone for a while.
    Approve {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The request id (from `parent requests`).
        #[arg(long, value_name = "ID")]
        request: String,
        /// For how long, in minutes.
        #[arg(long, default_value_t = 60)]
        minutes: u64,
    },
    /// Deny an access request; the child sees the answer.
    Deny {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The request id (from `parent requests`).
        #[arg(long, value_name = "ID")]
        request: String,
    },
    /// Send a signed command to a child's phone; prints its sequence number (see `parent
    /// commands` for the phone's receipt).
    Command {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
        /// What to change.
        #[command(subcommand)]
        action: ActionArg,
    },
    /// The commands sent to a child's phone: pending, applied, or refused with the phone's
    /// reason (reads the backend first).
    Commands {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
    },
    /// Remove a parent from a child's phone: another parent (the owner only), or this one.
    Remove {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
        /// The parent to remove: its public key (from `parent status`); this parent's own when
        /// left out.
        #[arg(long, value_name = "PUBKEY", allow_hyphen_values = true)]
        parent: Option<PublicKey>,
    },
    /// The parent code a child's phone accepts now, for a parent standing by it offline.
    OfflineCode {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// The child's device id.
        #[arg(long, value_name = "ID")]
        device: String,
    },
    /// Wait on the live stream for the children's events; prints one JSON line per event.
    Events {
        /// The parent directory.
        #[arg(long)]
        dir: PathBuf,
        /// How long to wait, in seconds (at most 25).
        #[arg(long, default_value_t = 20)]
        wait: u64,
    },
}

/// A change a parent sends to a child's phone.
#[derive(clap::Subcommand)]
pub(crate) enum ActionArg {
    /// Move the child to another age band: 0-5, 6-8, 9-12, 13-15 or 16-17.
    SetBand {
        /// The band.
        band: AgeBand,
    },
    /// Block a filter category.
    BlockCategory {
        /// The category.
        category: String,
    },
    /// Unblock a filter category.
    UnblockCategory {
        /// The category.
        category: String,
    },
    /// Let a host load whatever its category.
    AllowHost {
        /// The host.
        host: String,
    },
    /// Never let a host load.
    DenyHost {
        /// The host.
        host: String,
    },
    /// Remove the parents' own rule for a host.
    ClearHost {
        /// The host.
        host: String,
    },
    /// Force SafeSearch on, or let it go.
    SafeSearch {
        /// on or off.
        state: Switch,
    },
    /// Let only allowlisted hosts load, or not.
    AllowlistOnly {
        /// on or off.
        state: Switch,
    },
    /// Switch safe mode on or off (off is refused under a carrier's profile).
    SafeMode {
        /// on or off.
        state: Switch,
    },
    /// Keep safe mode on after the child turns 18 (owner only), or not.
    KeepAfterEighteen {
        /// on or off.
        state: Switch,
    },
    /// Set a new parent PIN on the phone (sent sealed: the relay cannot read it).
    SetPin {
        /// The new PIN: 4 to 12 digits.
        pin: String,
    },
    /// Invite a second parent (the owner only); prints the QR payload for their app.
    InviteParent,
    /// Release the phone from parental management (the owner only): every parent is dropped
    /// and the parents' rules go; what the carrier requires stays.
    Release,
}

/// `on` or `off`.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Switch {
    /// On.
    On,
    /// Off.
    Off,
}

/// Runs one `childsafe parent` command.
pub(crate) fn run(command: ParentCommand) -> anyhow::Result<ExitCode> {
    match command {
        ParentCommand::Init {
            dir,
            backend,
            allow_insecure_loopback,
        } => init(&dir, backend, allow_insecure_loopback),
        ParentCommand::Register { dir } => {
            let app = open(&dir)?;
            let parent_id = runtime()?.block_on(app.register())?;
            print_json(&json!({ "parent_id": parent_id }))
        }
        ParentCommand::Pair { dir, qr } => {
            let app = open(&dir)?;
            let started = runtime()?.block_on(app.pair(&qr))?;
            print_json(&json!({
                "device_id": started.device_id,
                "confirmation_code": started.confirmation_code,
                "next": "check that the child's phone shows the same six digits, then confirm \
                         there with the parent PIN",
            }))
        }
        ParentCommand::Children { dir } => {
            let children = open(&dir)?.children()?;
            print_json(&Value::Array(
                children
                    .into_iter()
                    .map(|child| {
                        json!({
                            "device_id": child.device_id,
                            "confirmed": child.confirmed,
                            "role": child.role.map(role_name),
                        })
                    })
                    .collect(),
            ))
        }
        ParentCommand::Status { dir, device } => {
            let status = runtime()?.block_on(open(&dir)?.status(&device))?;
            print_json(&status_json(&status))
        }
        ParentCommand::Rules { dir, device } => {
            let rules = runtime()?.block_on(open(&dir)?.rules(&device))?;
            let mut out = String::new();
            for rule in rules {
                out.push_str(&rule);
                out.push('\n');
            }
            std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
        ParentCommand::Feed { dir } => {
            let app = synced(&dir)?;
            print_json(&Value::Array(
                app.feed()?
                    .into_iter()
                    .map(|report| {
                        json!({
                            "device_id": report.device_id,
                            "report_id": report.report_id,
                            "kind": report.kind.as_str(),
                            "created_at": format_rfc3339(report.created_at),
                            "received_at": format_rfc3339(report.received_at),
                            "urls": report.urls,
                            "notes": report.notes,
                            "screenshot_text": report.screenshot_text,
                            "location": report.location.map(|l| json!({
                                "latitude": l.latitude,
                                "longitude": l.longitude,
                                "accuracy_m": l.accuracy_m,
                            })),
                        })
                    })
                    .collect(),
            ))
        }
        ParentCommand::Requests { dir } => {
            let app = synced(&dir)?;
            print_json(&Value::Array(
                app.requests()?
                    .into_iter()
                    .map(|request| {
                        json!({
                            "request_id": request.request_id,
                            "device_id": request.device_id,
                            "host": request.host,
                            "url": request.url,
                            "requested_at": format_rfc3339(request.requested_at),
                            "answer": answer_json(&request.answer),
                        })
                    })
                    .collect(),
            ))
        }
        ParentCommand::Approve {
            dir,
            request,
            minutes,
        } => {
            let secs = minutes.checked_mul(60).context("--minutes is too large")?;
            let ticket = runtime()?.block_on(open(&dir)?.approve(&request, secs))?;
            print_json(&ticket_json(&ticket))
        }
        ParentCommand::Deny { dir, request } => {
            let ticket = runtime()?.block_on(open(&dir)?.deny(&request))?;
            print_json(&ticket_json(&ticket))
        }
        ParentCommand::Command {
            dir,
            device,
            action,
        } => send_command(&dir, &device, action),
        ParentCommand::Commands { dir, device } => {
            let app = synced(&dir)?;
            print_json(&Value::Array(
                app.commands(&device)?
                    .into_iter()
                    .map(|sent| {
                        let (state, reason) = match sent.state {
                            CommandState::Pending => ("pending", None),
                            CommandState::Applied => ("applied", None),
                            CommandState::Refused { reason } => ("refused", Some(reason)),
                        };
                        json!({
                            "sequence": sent.sequence,
                            "action": sent.action,
                            "issued_at": format_rfc3339(sent.issued_at),
                            "state": state,
                            "reason": reason,
                        })
                    })
                    .collect(),
            ))
        }
        ParentCommand::Remove {
            dir,
            device,
            parent,
        } => {
            let app = open(&dir)?;
            let key = parent.unwrap_or_else(|| app.public_key());
            let ticket = runtime()?.block_on(app.remove_parent(&device, key))?;
            print_json(&ticket_json(&ticket))
        }
        ParentCommand::OfflineCode { dir, device } => {
            let code = open(&dir)?.offline_code(&device)?;
            print_json(&json!({ "device_id": device, "code": code }))
        }
        ParentCommand::Events { dir, wait } => {
            anyhow::ensure!(
                wait <= MAX_WAIT_SECS,
                "--wait is at most {MAX_WAIT_SECS} seconds"
            );
            let events = runtime()?.block_on(open(&dir)?.wait_for_events(wait))?;
            let mut out = String::new();
            for event in events {
                out.push_str(&event_json(&event).to_string());
                out.push('\n');
            }
            std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `childsafe parent init`: keeps the configuration and opens the SDK once, which makes the
/// parent's key; prints the parent id.
fn init(
    dir: &Path,
    backend_url: String,
    allow_insecure_loopback: bool,
) -> anyhow::Result<ExitCode> {
    let path = dir.join(CONFIG_FILE);
    anyhow::ensure!(
        !path.exists(),
        "{} is already a parent directory",
        dir.display()
    );
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config = AppConfig {
        backend_url,
        allow_insecure_loopback,
    };
    // Opened before the configuration is kept, so a URL the SDK refuses leaves no directory
    // that looks set up.
    let app = open_with(dir, &config)?;
    std::fs::write(&path, serde_json::to_vec_pretty(&config)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    print_json(&json!({ "parent_id": app.parent_id() }))
}

/// `childsafe parent command`.
fn send_command(dir: &Path, device: &str, action: ActionArg) -> anyhow::Result<ExitCode> {
    let app = open(dir)?;
    let runtime = runtime()?;
    let on = |state: Switch| matches!(state, Switch::On);
    let action = match action {
        ActionArg::SetBand { band } => ParentAction::SetAgeBand { band },
        ActionArg::BlockCategory { category } => ParentAction::BlockCategory { category },
        ActionArg::UnblockCategory { category } => ParentAction::UnblockCategory { category },
        ActionArg::AllowHost { host } => ParentAction::AllowHost { host },
        ActionArg::DenyHost { host } => ParentAction::DenyHost { host },
        ActionArg::ClearHost { host } => ParentAction::ClearHostRule { host },
        ActionArg::SafeSearch { state } => ParentAction::SetSafeSearch { on: on(state) },
        ActionArg::AllowlistOnly { state } => ParentAction::SetAllowlistOnly { on: on(state) },
        ActionArg::SafeMode { state } => ParentAction::SetSafeMode { on: on(state) },
        ActionArg::KeepAfterEighteen { state } => ParentAction::KeepAfterEighteen { on: on(state) },
        ActionArg::SetPin { pin } => {
            let ticket = runtime.block_on(app.set_pin(device, &pin))?;
            return print_json(&ticket_json(&ticket));
        }
        ActionArg::InviteParent => {
            let invite = runtime.block_on(app.invite_parent(device))?;
            let mut out = ticket_json(&invite.ticket);
            out["qr_payload"] = json!(invite.qr_payload);
            return print_json(&out);
        }
        ActionArg::Release => {
            let ticket = runtime.block_on(app.release(device))?;
            return print_json(&ticket_json(&ticket));
        }
    };
    let ticket = runtime.block_on(app.send(device, action))?;
    print_json(&ticket_json(&ticket))
}

/// Opens the parent directory `dir` that `parent init` set up.
fn open(dir: &Path) -> anyhow::Result<ChildSafeParent> {
    let path = dir.join(CONFIG_FILE);
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "{} is not a parent directory: run `childsafe parent init --dir {}` first",
            dir.display(),
            dir.display()
        )
    })?;
    let config: AppConfig = serde_json::from_slice(&text)
        .with_context(|| format!("{} is not a parent configuration", path.display()))?;
    open_with(dir, &config)
}

/// Opens the SDK's parent object in `dir` with `config`.
fn open_with(dir: &Path, config: &AppConfig) -> anyhow::Result<ChildSafeParent> {
    let data_dir = dir
        .to_str()
        .with_context(|| format!("{} is not UTF-8", dir.display()))?
        .to_owned();
    let keys = FileKeyStore::new(dir.join(KEY_FILE));
    ChildSafeParent::open(
        ParentConfig {
            data_dir,
            backend_url: config.backend_url.clone(),
            allow_insecure_loopback: config.allow_insecure_loopback,
        },
        &keys,
    )
    .with_context(|| format!("cannot open the parent's app in {}", dir.display()))
}

/// Opens `dir` and reads what waits at the backend, as an app does when it comes to the front.
fn synced(dir: &Path) -> anyhow::Result<ChildSafeParent> {
    let app = open(dir)?;
    runtime()?.block_on(app.sync())?;
    Ok(app)
}

fn ticket_json(ticket: &CommandTicket) -> Value {
    json!({ "device_id": ticket.device_id, "sequence": ticket.sequence, "state": "pending" })
}

fn status_json(status: &ChildStatus) -> Value {
    json!({
        "device_id": status.device_id,
        "signed_by_the_phone_at": format_rfc3339(status.taken_at),
        "safe_mode": status.safe_mode,
        "band": status.band.to_string(),
        "blocked_categories": status.blocked_categories,
        "allowed_hosts": status.allowed_hosts,
        "denied_hosts": status.denied_hosts,
        "approvals": status.approvals.iter().map(|a| json!({
            "host": a.host,
            "until": format_rfc3339(a.until_unix),
        })).collect::<Vec<_>>(),
        "allowlist_only": status.allowlist_only,
        "safe_search": status.safe_search,
        "lists_version": status.lists_version,
        "lists_out_of_date_since": status.lists_out_of_date_since.map(format_rfc3339),
        "lists_unavailable": status.lists_unavailable,
        "last_sync": status.last_sync.map(format_rfc3339),
        "parents": status.parents.iter().map(|p| json!({
            "parent_id": p.parent_id,
            "public_key": p.public_key.to_base64url(),
            "role": role_name(p.role),
        })).collect::<Vec<_>>(),
    })
}

fn event_json(event: &ChildEvent) -> Value {
    match event {
        ChildEvent::Report {
            device_id,
            feed_seq,
            kind,
            received_at,
        } => json!({
            "event": "report",
            "device_id": device_id,
            "feed_seq": feed_seq,
            "kind": kind.as_str(),
            "received_at": format_rfc3339(*received_at),
        }),
        ChildEvent::AccessRequest {
            device_id,
            mailbox_seq,
        } => json!({ "event": "access_request", "device_id": device_id, "seq": mailbox_seq }),
        ChildEvent::Receipt {
            device_id,
            mailbox_seq,
        } => json!({ "event": "receipt", "device_id": device_id, "seq": mailbox_seq }),
        ChildEvent::Status {
            device_id,
            reported_at,
        } => json!({
            "event": "status",
            "device_id": device_id,
            "reported_at": format_rfc3339(*reported_at),
        }),
    }
}
