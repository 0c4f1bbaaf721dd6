//! `childsafe lists ...`: compiling text lists into the signed bundle phones load.
//!
//! `lists compile` reads each list with the same importers the SDK documents (hosts files, plain
//! domain lists, AdBlock domain rules, IP addresses and CIDR ranges; URL lists for hashed lists),
//! compiles them with [`BundleBuilder`], signs the bundle, opens it again with the public key as a
//! phone would, and reports per list what was read, what was skipped and what it costs.

use std::fs::{self, File};
use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use childsafe_core::filter::bundle::{BundleBuilder, ListBundle, ListKind};
use childsafe_core::filter::import::{ListFormat, import_domains, import_url_hashes};
use indicatif::{ProgressBar, ProgressStyle};

use crate::keys;
use childsafe_protocol::rfc3339::{format as format_rfc3339, parse as parse_rfc3339};

/// How long a bundle stays valid when `--expires` is not given: 30 days. Phones refuse an expired
/// bundle, so lists must be recompiled and shipped at least this often.
const DEFAULT_VALIDITY: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Inputs at least this large (1 MiB) get a progress bar while they are read, when stderr is a
/// terminal; smaller ones read too fast for a bar to help.
const PROGRESS_MIN_BYTES: u64 = 1 << 20;
/// Bytes read from an input file at a time, between progress updates.
const READ_CHUNK_BYTES: usize = 1 << 20;
/// How often a spinner redraws.
const SPINNER_TICK: Duration = Duration::from_millis(100);

/// Arguments of `childsafe lists compile`.
#[derive(clap::Args, Debug)]
pub(crate) struct CompileArgs {
    /// Where to write the bundle (replaced atomically if it exists).
    #[arg(long, value_name = "BUNDLE")]
    pub(crate) out: PathBuf,
    /// The private key to sign with, as written by `childsafe keys generate`.
    #[arg(long, value_name = "KEYFILE")]
    pub(crate) key: PathBuf,
    /// The bundle's version. Phones only accept a bundle with a larger version than the one they
    /// hold, so every release needs a new, larger number (a date such as 2026061501 works).
    #[arg(long, value_name = "N")]
    pub(crate) version: u64,
    /// When phones stop accepting the bundle, in RFC 3339 (2026-07-01T00:00:00Z or with an
    /// offset, 2026-07-01T02:00:00+02:00). Default: 30 days from now.
    #[arg(long, value_name = "RFC3339", value_parser = parse_rfc3339)]
    pub(crate) expires: Option<u64>,
    /// A category list of domains: a hosts file, a plain domain list or AdBlock domain rules
    /// (the format is recognised line by line). Repeat for more lists.
    #[arg(long = "category", value_name = "NAME=FILE", value_parser = parse_list_source)]
    pub(crate) categories: Vec<ListSource>,
    /// A list of URLs, one per line, stored only as hashes (for known illegal material). Repeat
    /// for more lists.
    #[arg(long = "hashed-urls", value_name = "NAME=FILE", value_parser = parse_list_source)]
    pub(crate) hashed_urls: Vec<ListSource>,
    /// An allowlist of domains, in the formats `--category` reads. Repeat for more lists.
    #[arg(long = "allow", value_name = "NAME=FILE", value_parser = parse_list_source)]
    pub(crate) allow: Vec<ListSource>,
}

/// One `NAME=FILE` argument: a list's name in the bundle and the text file it is read from.
#[derive(Clone, Debug)]
pub(crate) struct ListSource {
    name: String,
    path: PathBuf,
}

/// What importing one list read and skipped, for the summary.
struct ImportSummary {
    name: String,
    counts: ImportCounts,
}

/// The lines an importer read and skipped, and the entries it found.
struct ImportCounts {
    lines: usize,
    skipped_comments: usize,
    skipped_invalid: usize,
    /// For a domain list, the distinct entries of each form read.
    hosts: Option<HostCounts>,
}

/// The distinct entries of each form a domain list was read with.
struct HostCounts {
    domains: usize,
    ip_addresses: usize,
    cidr_ranges: usize,
}

/// Reads `source`, imports it with `import` behind a spinner, and records what it read and
/// skipped in `summaries`.
fn import_source<T>(
    source: &ListSource,
    doing: &str,
    summaries: &mut Vec<ImportSummary>,
    import: impl FnOnce(&[u8]) -> (T, ImportCounts),
) -> anyhow::Result<T> {
    let text = read_input(&source.path)?;
    let spinner = spinner(format!("{doing} {}", source.name));
    let (imported, counts) = import(&text);
    spinner.finish_and_clear();
    summaries.push(ImportSummary {
        name: source.name.clone(),
        counts,
    });
    Ok(imported)
}

/// Compiles the lists named in `args` into a signed bundle at `args.out`, and prints a summary
/// per list and for the bundle on stderr.
pub(crate) fn compile(args: &CompileArgs) -> anyhow::Result<()> {
    let now = unix_now()?;
    let expires = match args.expires {
        Some(expires) => expires,
        None => now + DEFAULT_VALIDITY.as_secs(),
    };
    if expires <= now {
        bail!(
            "--expires {} is not in the future: phones would refuse the bundle",
            format_rfc3339(expires)
        );
    }
    let key = keys::read_signing_key(&args.key)?;
    let mut builder = BundleBuilder::new(args.version, expires);
    let mut summaries = Vec::new();

    let domain_lists = args
        .categories
        .iter()
        .map(|source| (source, ListKind::Category))
        .chain(args.allow.iter().map(|source| (source, ListKind::Allow)));
    for (source, kind) in domain_lists {
        let imported = import_source(source, "importing", &mut summaries, |text| {
            let imported = import_domains(text, ListFormat::Auto);
            let counts = ImportCounts {
                lines: imported.lines,
                skipped_comments: imported.skipped_comments,
                skipped_invalid: imported.skipped_invalid,
                hosts: Some(HostCounts {
                    domains: imported.domains.len(),
                    ip_addresses: imported.ip_addresses(),
                    cidr_ranges: imported.cidr_ranges(),
                }),
            };
            (imported, counts)
        })?;
        builder
            .add_hosts(&source.name, kind, imported.domains, imported.ip_ranges)
            .with_context(|| format!("cannot add the list {}", source.name))?;
    }
    for source in &args.hashed_urls {
        let imported = import_source(source, "importing and hashing", &mut summaries, |text| {
            let imported = import_url_hashes(text);
            let counts = ImportCounts {
                lines: imported.lines,
                skipped_comments: imported.skipped_comments,
                skipped_invalid: imported.skipped_invalid,
                hosts: None,
            };
            (imported.entries, counts)
        })?;
        builder
            .add_hashed_urls(&source.name, imported)
            .with_context(|| format!("cannot add the list {}", source.name))?;
    }

    let spinner = spinner("compiling and signing".to_owned());
    let bytes = builder.sign(&key).context("cannot compile the bundle")?;
    // Open the result as a phone would: this proves the signature and the structure before the
    // file is written, and gives the sizes for the summary.
    let bundle = ListBundle::open(bytes, &[key.public_key()], now)
        .context("the compiled bundle does not open (this is a bug in childsafe)")?;
    spinner.finish_and_clear();
    write_atomically(&args.out, bundle.as_bytes())?;

    let mut err = io::stderr().lock();
    for list in bundle.lists() {
        let counts = summaries
            .iter()
            .find(|summary| summary.name == list.name())
            .map(|summary| &summary.counts);
        write_list_summary(&mut err, list, counts)?;
    }
    writeln!(
        err,
        "bundle {}: version {}, {} lists, {} bytes, expires {}",
        args.out.display(),
        bundle.version(),
        bundle.lists().count(),
        bundle.as_bytes().len(),
        format_rfc3339(bundle.expires_at()),
    )?;
    Ok(())
}

/// One line for `list`: its entries and their cost in the bundle, then, with `counts`, what its
/// file was read as.
fn write_list_summary(
    out: &mut impl Write,
    list: childsafe_core::filter::bundle::BundleList<'_>,
    counts: Option<&ImportCounts>,
) -> io::Result<()> {
    let kind = match list.kind() {
        ListKind::Category => "category",
        ListKind::HashedUrls => "hashed URLs",
        ListKind::Allow => "allowlist",
    };
    let per_entry = |bytes: usize| {
        if list.is_empty() {
            0.0
        } else {
            bytes as f64 / list.len() as f64
        }
    };
    write!(out, "{} ({kind}): {} entries", list.name(), list.len())?;
    if list.kind().holds_domains() {
        let ranges = list.address_range_count();
        write!(
            out,
            " ({}, {})",
            counted(list.len() - ranges, "domain", "domains"),
            counted(ranges, "address range", "address ranges")
        )?;
    }
    write!(out, ", {:.2} bytes/entry", per_entry(list.bytes_used()))?;
    if list.kind() == ListKind::HashedUrls {
        write!(
            out,
            " ({:.2} in the prefix set, {:.2} in the host prefilter)",
            per_entry(list.prefix_bytes_used()),
            per_entry(list.host_filter_bytes_used())
        )?;
    }
    if let Some(counts) = counts {
        write!(out, "; {} lines read", counts.lines)?;
        if let Some(hosts) = &counts.hosts {
            write!(
                out,
                " ({}, {}, {})",
                counted(hosts.domains, "domain", "domains"),
                counted(hosts.ip_addresses, "IP address", "IP addresses"),
                counted(hosts.cidr_ranges, "CIDR range", "CIDR ranges")
            )?;
        }
        write!(
            out,
            ", {} comments and {} invalid lines skipped",
            counts.skipped_comments, counts.skipped_invalid
        )?;
    }
    if list.is_empty() {
        write!(out, "; WARNING: the list is empty")?;
    }
    writeln!(out)
}

/// `count` followed by the noun for it: `1 IP address`, `2 IP addresses`.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Reads an input file, with a progress bar on a terminal when the file is large.
fn read_input(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|meta| meta.len()).unwrap_or(0);
    let bar = if size >= PROGRESS_MIN_BYTES && io::stderr().is_terminal() {
        let style = ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        ProgressBar::new(size)
            .with_style(style)
            .with_message(format!("reading {}", path.display()))
    } else {
        ProgressBar::hidden()
    };
    let mut text = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut chunk = vec![0u8; READ_CHUNK_BYTES];
    loop {
        let read = file
            .read(&mut chunk)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if read == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..read]);
        bar.inc(read as u64);
    }
    bar.finish_and_clear();
    Ok(text)
}

/// A spinner with `message` on a terminal, nothing otherwise.
fn spinner(message: String) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.enable_steady_tick(SPINNER_TICK);
    spinner
}

/// Writes `bytes` to `path` through a temporary file beside it, so that a reader (or a server
/// handing the file to phones) never sees half a bundle.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    fs::write(&partial, bytes).with_context(|| format!("cannot write {}", partial.display()))?;
    fs::rename(&partial, path).with_context(|| format!("cannot write {}", path.display()))
}

fn parse_list_source(text: &str) -> Result<ListSource, String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok(ListSource {
            name: name.to_owned(),
            path: PathBuf::from(path),
        }),
        _ => Err("expected NAME=FILE, such as adult=lists/adult.txt".to_owned()),
    }
}

/// The system clock in seconds since the Unix epoch.
pub(crate) fn unix_now() -> anyhow::Result<u64> {
    Ok(SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the system clock is before 1970")?
        .as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_sources_are_name_equals_file() {
        let source = parse_list_source("adult=lists/a=b.txt").unwrap();
        assert_eq!(
            (source.name.as_str(), source.path.as_path()),
            ("adult", Path::new("lists/a=b.txt"))
        );
        assert!(parse_list_source("adult").is_err());
        assert!(parse_list_source("=file").is_err());
        assert!(parse_list_source("adult=").is_err());
    }
}
