//! `childsafe url check`: the browser filter's decision for URLs, against a compiled bundle and a
//! policy given on the command line, one JSON object per URL. `childsafe device check` prints a
//! phone's decisions with the same code ([`print_decisions`]), so both give the same fields.

use std::ffi::OsString;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::crypto::PublicKey;
use childsafe_core::filter::decision::{UrlDecision, UrlFilter, Verdict};
use childsafe_core::filter::policy::FilterPolicy;
use serde_json::json;

use crate::lists::unix_now;
use crate::url::os_bytes;

/// What `childsafe url check` is told about the lists and the policy.
#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// The compiled list bundle to check against.
    #[arg(long, value_name = "BUNDLE")]
    bundle: std::path::PathBuf,
    /// A public key (base64url) the bundle may be signed with; repeat for several.
    // A base64url key starts with `-` one time in 64: it is still a value, not an option.
    #[arg(
        long = "trust",
        value_name = "PUBKEY",
        required = true,
        allow_hyphen_values = true
    )]
    trusted_keys: Vec<PublicKey>,
    /// Block a category: a list name of the bundle, or one of the built-in categories
    /// `ip-literal`, `doh`, `unsafe-search`. Repeat for several.
    #[arg(long = "block", value_name = "CATEGORY")]
    blocked_categories: Vec<String>,
    /// Only hosts on an allowlist of the bundle (or allowed with --allow-host) may load.
    #[arg(long)]
    allowlist_only: bool,
    /// A parent allow rule: this host and its subdomains load whatever their category.
    #[arg(long = "allow-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// A parent deny rule: this host and its subdomains never load.
    #[arg(long = "deny-host", value_name = "HOST")]
    denied_hosts: Vec<String>,
    /// Do not force SafeSearch (it is forced by default, as on a child's phone).
    #[arg(long)]
    no_safe_search: bool,
    /// URLs to check (any bytes).
    #[arg(value_name = "URL", required = true)]
    urls: Vec<OsString>,
}

/// Checks each URL against the bundle and policy and prints one JSON object per line.
pub(crate) fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.bundle)
        .with_context(|| format!("cannot read the bundle {}", args.bundle.display()))?;
    let mut filter = UrlFilter::new(args.trusted_keys.clone());
    let now = unix_now()?;
    filter
        .install_bundle(bytes, now)
        .with_context(|| format!("the bundle {} cannot be used", args.bundle.display()))?;

    let mut policy = FilterPolicy {
        allowlist_only: args.allowlist_only,
        safe_search: !args.no_safe_search,
        ..FilterPolicy::default()
    };
    for category in &args.blocked_categories {
        policy.block_category(category);
    }
    for host in &args.allowed_hosts {
        policy
            .allow_host(host)
            .with_context(|| format!("--allow-host {host:?}"))?;
    }
    for host in &args.denied_hosts {
        policy
            .deny_host(host)
            .with_context(|| format!("--deny-host {host:?}"))?;
    }

    print_decisions(args.urls.iter().map(|url| {
        let raw = os_bytes(url);
        let decision = filter.check(&raw, &policy, now);
        (String::from_utf8_lossy(&raw).into_owned(), decision)
    }))
}

/// Prints each URL with its decision as one JSON object per line: `url`, `verdict`, `category`,
/// `reason`, `rewrite_url`, `request_headers`, `via_carried_url`, `bundle_version`.
pub(crate) fn print_decisions(
    decisions: impl IntoIterator<Item = (String, UrlDecision)>,
) -> anyhow::Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    for (url, decision) in decisions {
        writeln!(out, "{}", decision_json(&url, &decision))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn decision_json(url: &str, decision: &UrlDecision) -> serde_json::Value {
    let verdict = match decision.verdict {
        Verdict::Allow => "allow",
        Verdict::Block => "block",
        Verdict::Rewrite => "rewrite",
    };
    let headers: serde_json::Map<String, serde_json::Value> = decision
        .request_headers
        .iter()
        .map(|header| (header.name.clone(), json!(header.value)))
        .collect();
    json!({
        "url": url,
        "verdict": verdict,
        "category": decision.category,
        "reason": decision.reason.code(),
        "rewrite_url": decision.rewrite_url,
        "request_headers": headers,
        "via_carried_url": decision.via_carried_url,
        "bundle_version": decision.bundle_version,
    })
}
