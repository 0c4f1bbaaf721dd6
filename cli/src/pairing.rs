//! `childsafe device pairing-code | confirm-parent | parents | remove-parent | requests`: the
//! phone's side of its parents, through the SDK's facade as an app drives it.
//!
//! Pairing is two steps on the phone, as on its screen: `pairing-code` opens an invite and prints
//! the QR payload the parent's app scans (`childsafe parent pair --qr ...`); `confirm-parent`
//! then shows the six digits the phone derives from the secret and both keys, and enrols the
//! parent only when given the digits the parent's app shows and the parent PIN. A parent the
//! relay put in place of the one holding the QR code cannot show the same digits.

use std::path::Path;
use std::process::ExitCode;

use childsafe_core::protocol::pairing::ParentRole;
use childsafe_core::settings::access_request::AccessAnswer;
use childsafe_protocol::rfc3339::format as format_rfc3339;
use serde_json::{Value, json};

use crate::device::print_json;
use crate::phone;
use crate::sync::runtime;

/// Exit code of `device confirm-parent --code` when the digits differ: nobody was enrolled.
const EXIT_CODES_DIFFER: u8 = 4;

/// `childsafe device pairing-code`.
pub(crate) fn pairing_code(dir: &Path, pin: &str) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    let invite = runtime()?.block_on(sdk.start_pairing(pin))?;
    print_json(&json!({
        "qr_payload": invite.qr_payload,
        "secret_code": invite.secret_code,
        "expires_at": format_rfc3339(invite.expires_at),
    }))
}

/// `childsafe device confirm-parent`.
pub(crate) fn confirm_parent(
    dir: &Path,
    pin: &str,
    code: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    let runtime = runtime()?;
    let pending = runtime.block_on(sdk.pending_parent())?;
    let Some(shown_by_parent) = code else {
        return print_json(&json!({
            "parent_id": pending.parent_id,
            "confirmation_code": pending.confirmation_code,
            "enrolled": false,
            "next": "if the parent's app shows the same six digits, run again with --code DIGITS",
        }));
    };
    let typed: String = shown_by_parent
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if typed != pending.confirmation_code {
        print_json(&json!({
            "parent_id": pending.parent_id,
            "enrolled": false,
            "error": "the digits differ from the phone's: this may not be the parent holding the \
                      QR code; nobody was enrolled",
        }))?;
        return Ok(ExitCode::from(EXIT_CODES_DIFFER));
    }
    let paired = runtime.block_on(sdk.confirm_parent(pin, &pending.parent_id))?;
    print_json(&json!({
        "parent_id": paired.parent_id,
        "role": role_name(paired.role),
        "enrolled": true,
    }))
}

/// `childsafe device parents`.
pub(crate) fn parents(dir: &Path) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    print_json(&Value::Array(
        sdk.parents()?
            .into_iter()
            .map(|parent| {
                json!({
                    "parent_id": parent.parent_id,
                    "public_key": parent.public_key.to_base64url(),
                    "role": role_name(parent.role),
                })
            })
            .collect(),
    ))
}

/// `childsafe device remove-parent`.
pub(crate) fn remove_parent(dir: &Path, pin: &str, parent_id: &str) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    runtime()?.block_on(sdk.remove_parent(pin, parent_id))?;
    print_json(&json!({ "parent_id": parent_id, "removed": true }))
}

/// `childsafe device requests`.
pub(crate) fn requests(dir: &Path) -> anyhow::Result<ExitCode> {
    let sdk = phone::open_existing(dir)?;
    print_json(&Value::Array(
        sdk.access_requests()?
            .into_iter()
            .map(|request| {
                json!({
                    "request_id": request.request_id,
                    "host": request.host,
                    "url": request.url,
                    "requested_at": format_rfc3339(request.requested_at),
                    "answer": answer_json(&request.answer),
                })
            })
            .collect(),
    ))
}

/// An access request's answer as JSON: `"pending"`, `"denied"` or `{"approved_until": ...}`.
pub(crate) fn answer_json(answer: &AccessAnswer) -> Value {
    match answer {
        AccessAnswer::Pending => json!("pending"),
        AccessAnswer::Denied => json!("denied"),
        AccessAnswer::Approved { until_unix } => {
            json!({ "approved_until": format_rfc3339(*until_unix) })
        }
    }
}

/// A role as the CLI prints it.
pub(crate) fn role_name(role: ParentRole) -> &'static str {
    match role {
        ParentRole::Owner => "owner",
        ParentRole::Member => "member",
    }
}
