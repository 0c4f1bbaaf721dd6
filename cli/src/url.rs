//! `childsafe url ...`: canonical forms and lookup expressions of URLs.

use std::ffi::OsStr;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::filter::CanonicalUrl;

/// Prints the canonical form of each URL in `urls`, then of each line of standard input when
/// `read_stdin` is set. A URL that cannot be canonicalized is reported on stderr by its position
/// and the others still go through; the exit code is then non-zero.
pub(crate) fn canonicalize(
    urls: &[impl AsRef<OsStr>],
    read_stdin: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    let mut refused = 0usize;
    let mut emit = |origin: &dyn std::fmt::Display, raw: &[u8]| -> io::Result<()> {
        match CanonicalUrl::parse(raw) {
            Ok(url) => writeln!(out, "{url}"),
            Err(error) => {
                refused += 1;
                let mut err = io::stderr().lock();
                writeln!(err, "childsafe: {origin}: {error}")
            }
        }
    };
    for (index, url) in urls.iter().enumerate() {
        emit(
            &format_args!("argument {}", index + 1),
            &os_bytes(url.as_ref()),
        )
        .context("cannot write the output")?;
    }
    if read_stdin {
        for (index, line) in io::stdin().lock().split(b'\n').enumerate() {
            let line = line.context("cannot read standard input")?;
            if line.trim_ascii().is_empty() {
                continue;
            }
            emit(&format_args!("line {}", index + 1), &line).context("cannot write the output")?;
        }
    }
    out.flush().context("cannot write the output")?;
    Ok(if refused == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints the lookup expressions of `url`, one per line, optionally each with its SHA-256.
pub(crate) fn expressions(url: &OsStr, with_hashes: bool) -> anyhow::Result<ExitCode> {
    let url = CanonicalUrl::parse(&os_bytes(url))?;
    let mut out = BufWriter::new(io::stdout().lock());
    for expression in url.lookup_expressions() {
        if with_hashes {
            writeln!(out, "{expression}\t{}", expression.full_hash())?;
        } else {
            writeln!(out, "{expression}")?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The bytes of a command-line argument, exactly as the OS gave them.
#[cfg(unix)]
pub(crate) fn os_bytes(arg: &OsStr) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(arg.as_bytes())
}

/// The bytes of a command-line argument. Windows arguments are UTF-16; unpaired surrogates
/// become U+FFFD, which canonicalizes (escaped) like any other non-ASCII text.
#[cfg(not(unix))]
pub(crate) fn os_bytes(arg: &OsStr) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(arg.to_string_lossy().into_owned().into_bytes())
}
