//! A child's phone played from the protocol's parts, one step per run, for the Kotlin test of the
//! parent's app (`tests/kotlin`, `ParentAppTest`): the JVM drives `ChildSafeParent` and this
//! binary plays the phone it pairs with. The phone's key and pairing secret are kept in `DIR`
//! between steps.
//!
//! - `phone_player invite DIR URL TOKEN`: registers a new phone with the activation `TOKEN`, opens
//!   a pairing invite and prints the QR payload.
//! - `phone_player confirm DIR URL`: checks the one claim on the invite as the phone does,
//!   confirms that parent as the owner with a signed statement, sends a signed status snapshot
//!   listing it, and prints the confirmation code the phone shows.
//! - `phone_player commands DIR URL PARENT_KEY`: prints the sequence number of each command in
//!   the phone's mailbox that verifies under `PARENT_KEY`, one a line.
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::protocol::pairing::{PairingSecret, ParentRole};
use childsafe_tests::played_phone::PlayedPhone;

const USAGE: &str =
    "usage: phone_player invite DIR URL TOKEN | confirm DIR URL | commands DIR URL PARENT_KEY";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail(&format!("no runtime: {error}")),
    };
    let outcome = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["invite", dir, url, token] => runtime.block_on(invite(Path::new(dir), url, token)),
        ["confirm", dir, url] => runtime.block_on(confirm(Path::new(dir), url)),
        ["commands", dir, url, parent] => runtime.block_on(commands(Path::new(dir), url, parent)),
        _ => Err(USAGE.to_owned()),
    };
    match outcome {
        Ok(output) => match writeln!(std::io::stdout(), "{output}") {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => fail(&format!("stdout: {error}")),
        },
        Err(error) => fail(&error),
    }
}

async fn invite(dir: &Path, url: &str, token: &str) -> Result<String, String> {
    let phone = PlayedPhone::register(url, token).await;
    let (qr, secret) = phone.invite().await;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    std::fs::write(key_file(dir), &phone.pkcs8).map_err(|e| e.to_string())?;
    std::fs::write(secret_file(dir), secret.to_base32()).map_err(|e| e.to_string())?;
    Ok(qr)
}

async fn confirm(dir: &Path, url: &str) -> Result<String, String> {
    let mut phone = load(dir, url)?;
    let text = std::fs::read_to_string(secret_file(dir)).map_err(|e| e.to_string())?;
    let secret = PairingSecret::from_base32(text.trim()).map_err(|e| e.to_string())?;
    let (code, parent) = phone.confirm(&secret, ParentRole::Owner).await;
    let snapshot = phone.snapshot(&[(parent, ParentRole::Owner)]);
    phone
        .send_status(&snapshot.sign(&phone.key).map_err(|e| e.to_string())?)
        .await;
    Ok(code)
}

async fn commands(dir: &Path, url: &str, parent: &str) -> Result<String, String> {
    let phone = load(dir, url)?;
    let parent = PublicKey::from_base64url(parent).map_err(|e| e.to_string())?;
    let sequences: Vec<String> = phone
        .commands_from(&parent)
        .await
        .iter()
        .map(|command| command.sequence.to_string())
        .collect();
    Ok(sequences.join("\n"))
}

fn load(dir: &Path, url: &str) -> Result<PlayedPhone, String> {
    let der = std::fs::read(key_file(dir)).map_err(|e| e.to_string())?;
    SigningKey::from_pkcs8(&der).map_err(|e| e.to_string())?;
    Ok(PlayedPhone::from_pkcs8(url, der))
}

fn key_file(dir: &Path) -> PathBuf {
    dir.join("device.key")
}

fn secret_file(dir: &Path) -> PathBuf {
    dir.join("pairing.secret")
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "phone_player: {message}");
    ExitCode::FAILURE
}
