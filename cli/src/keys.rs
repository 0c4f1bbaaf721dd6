//! `childsafe keys ...`: the Ed25519 key that signs list bundles.
//!
//! The private key stays with the operator, in a PKCS#8 file readable only by its owner; phones
//! are given the public key, printed as unpadded base64url.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;
use childsafe_core::crypto::SigningKey;

/// Permissions of a new key file on unix: read and write for its owner only.
#[cfg(unix)]
const KEY_FILE_MODE: u32 = 0o600;

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
