//! `childsafe keys ...`: Ed25519 signing keys, the root's trust documents that delegate keys to
//! roles, and a carrier's rotation from one key to the next.
//!
//! A private key stays with its holder, in a PKCS#8 file readable only by its owner; phones are
//! given the public key, printed as unpadded base64url. A trust document travels to phones as the
//! `keys` bundle (`PUT /v1/operator/bundles/keys`); a rotation through the carrier's route.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::protocol::keys::{Delegation, KeyRole, KeyRotation, TrustDocument};
use childsafe_core::time::system_clock_reading;

/// Permissions of a new key file on unix: read and write for its owner only.
#[cfg(unix)]
const KEY_FILE_MODE: u32 = 0o600;

/// How long a trust document may be installed unless `--expires-in-days` says otherwise.
const DEFAULT_TRUST_DOCUMENT_DAYS: u64 = 90;
/// How long a rotated-to key holds unless `--expires-in-days` says otherwise (never longer than
/// the delegation it continues, which the phone enforces).
const DEFAULT_ROTATION_DAYS: u64 = 365;
const DAY_SECS: u64 = 24 * 3600;

/// `childsafe keys trust-document`: what the root signs.
#[derive(clap::Args)]
pub(crate) struct TrustDocumentArgs {
    /// The root's private key (one of the phones' `trusted_root_keys`).
    #[arg(long, value_name = "KEYFILE")]
    root_key: PathBuf,
    /// Must grow with every document; phones refuse one not above the one they hold.
    #[arg(long, value_name = "N")]
    version: u64,
    /// Days from now after which phones no longer install the document.
    #[arg(long, value_name = "D", default_value_t = DEFAULT_TRUST_DOCUMENT_DAYS)]
    expires_in_days: u64,
    /// A key delegated for a role until a Unix time: `ROLE:PUBKEY[:CARRIER]:EXPIRES_UNIX`, with
    /// ROLE one of carrier, lists, directory (a carrier key names its carrier); repeat for
    /// several.
    #[arg(long = "delegate", value_name = "DELEGATION", value_parser = parse_delegation)]
    delegations: Vec<Delegation>,
    /// A key phones must never accept again, whatever delegated it; repeat for several.
    #[arg(long = "revoke", value_name = "PUBKEY", allow_hyphen_values = true)]
    revoked: Vec<PublicKey>,
    /// Where to write the signed document.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// `childsafe keys rotate`: a carrier's move to a new key, signed with the old one.
#[derive(clap::Args)]
pub(crate) struct RotateArgs {
    /// The carrier's id (as its delegation names it).
    #[arg(long, value_name = "ID")]
    carrier: String,
    /// The carrier's current private key, which the rotation retires.
    #[arg(long, value_name = "KEYFILE")]
    old_key: PathBuf,
    /// The public key that takes over (from `childsafe keys generate`).
    #[arg(long, value_name = "PUBKEY", allow_hyphen_values = true)]
    new_public_key: PublicKey,
    /// Days from now until which the new key holds.
    #[arg(long, value_name = "D", default_value_t = DEFAULT_ROTATION_DAYS)]
    expires_in_days: u64,
    /// Where to write the signed rotation.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Signs a trust document with the root key and writes it to `--out`.
pub(crate) fn trust_document(args: &TrustDocumentArgs) -> anyhow::Result<()> {
    let root = read_signing_key(&args.root_key)?;
    let now = system_clock_reading().wall_unix;
    let document = TrustDocument {
        version: args.version,
        issued_at: now,
        expires_at: now + args.expires_in_days.saturating_mul(DAY_SECS),
        delegations: args.delegations.clone(),
        revoked: args.revoked.clone(),
    };
    let signed = document
        .sign(&root)
        .context("cannot sign the trust document")?;
    fs::write(&args.out, signed).with_context(|| format!("cannot write {}", args.out.display()))?;
    writeln!(
        io::stderr(),
        "signed trust document v{} ({} delegation(s), {} revocation(s))",
        document.version,
        document.delegations.len(),
        document.revoked.len()
    )?;
    Ok(())
}

/// Signs a carrier's key rotation with its old key and writes it to `--out`.
pub(crate) fn rotate(args: &RotateArgs) -> anyhow::Result<()> {
    let old_key = read_signing_key(&args.old_key)?;
    let now = system_clock_reading().wall_unix;
    let rotation = KeyRotation {
        carrier: args.carrier.clone(),
        old_key: old_key.public_key(),
        new_key: args.new_public_key,
        issued_at: now,
        expires_at: now + args.expires_in_days.saturating_mul(DAY_SECS),
    };
    let signed = rotation
        .sign(&old_key)
        .context("cannot sign the key rotation")?;
    fs::write(&args.out, signed).with_context(|| format!("cannot write {}", args.out.display()))?;
    writeln!(
        io::stderr(),
        "signed the rotation of {}'s key to {}",
        rotation.carrier,
        rotation.new_key
    )?;
    Ok(())
}

/// Reads `ROLE:PUBKEY[:CARRIER]:EXPIRES_UNIX` (base64url keys hold no colon).
fn parse_delegation(text: &str) -> Result<Delegation, String> {
    const FORM: &str = "expected ROLE:PUBKEY[:CARRIER]:EXPIRES_UNIX";
    let parts: Vec<&str> = text.split(':').collect();
    let (role, key, carrier, expires_at) = match parts.as_slice() {
        [role, key, expires_at] => (*role, *key, None, *expires_at),
        [role, key, carrier, expires_at] => (*role, *key, Some(*carrier), *expires_at),
        _ => return Err(FORM.to_owned()),
    };
    let role = match role {
        "carrier" => KeyRole::Carrier,
        "lists" => KeyRole::Lists,
        "directory" => KeyRole::Directory,
        _ => return Err("the role is one of carrier, lists, directory".to_owned()),
    };
    let key = key
        .parse()
        .map_err(|_| "the key is not an unpadded base64url Ed25519 public key".to_owned())?;
    let expires_at = expires_at
        .parse()
        .map_err(|_| format!("the expiry is not a Unix time in seconds; {FORM}"))?;
    Ok(Delegation {
        role,
        key,
        carrier: carrier.map(str::to_owned),
        expires_at,
    })
}

/// Writes a new Ed25519 private key to `out` (PKCS#8 v2 DER, mode 0600 on unix) and prints its
/// public key on stdout. An existing file is never overwritten: it may be the only copy of a key
/// that phones already trust.
pub(crate) fn generate(out: &Path) -> anyhow::Result<()> {
    let (key, der) = SigningKey::generate().context("cannot generate a key")?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(KEY_FILE_MODE);
    }
    let mut file = options.open(out).with_context(|| {
        if out.exists() {
            format!(
                "{} already exists; refusing to overwrite a key",
                out.display()
            )
        } else {
            format!("cannot create {}", out.display())
        }
    })?;
    let written = file.write_all(&der).and_then(|()| file.sync_all());
    if let Err(error) = written {
        // A partial key file is worse than none: it looks like a key and cannot sign.
        drop(file);
        let _ = fs::remove_file(out);
        return Err(error).with_context(|| format!("cannot write {}", out.display()));
    }
    writeln!(io::stdout(), "{}", key.public_key()).context("cannot write the public key")?;
    Ok(())
}

/// Prints the public key of the private key in `key_file`, for an operator who has the key file
/// but lost the printed public key.
pub(crate) fn public(key_file: &Path) -> anyhow::Result<()> {
    let key = read_signing_key(key_file)?;
    writeln!(io::stdout(), "{}", key.public_key()).context("cannot write the public key")?;
    Ok(())
}

/// Reads a private key file written by [`generate`].
pub(crate) fn read_signing_key(path: &Path) -> anyhow::Result<SigningKey> {
    let der =
        fs::read(path).with_context(|| format!("cannot read the key file {}", path.display()))?;
    SigningKey::from_pkcs8(&der).with_context(|| {
        format!(
            "{} is not a childsafe signing key (an Ed25519 private key in PKCS#8 v2 DER, as \
             `childsafe keys generate` writes)",
            path.display()
        )
    })
}
