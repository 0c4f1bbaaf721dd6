//! `childsafe`: operator tooling for the childsafe SDK.
//!
//! It runs the same code as the phone, so an operator can see exactly how the SDK reads a URL and
//! which list entries would match it. Arguments are taken as raw bytes: a URL copied from a log may
//! hold bytes that are not UTF-8, and those must reach the canonicalizer unchanged.
#![forbid(unsafe_code)]

mod url;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "childsafe",
    version,
    about = "Operator tooling for the childsafe child-safety SDK"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Canonicalize URLs and list their lookup expressions, as the phone does.
    #[command(subcommand)]
    Url(UrlCommand),
}

#[derive(Subcommand)]
enum UrlCommand {
    /// Print the canonical form of each URL, one per line.
    Canonicalize {
        /// URLs to canonicalize (any bytes).
        #[arg(value_name = "URL", required_unless_present = "stdin")]
        urls: Vec<OsString>,
        /// Also read URLs from standard input, one per line; blank lines are skipped.
        #[arg(long)]
        stdin: bool,
    },
    /// Print the lookup expressions of a URL, one per line, in lookup order.
    Expressions {
        /// The URL (any bytes).
        #[arg(value_name = "URL")]
        url: OsString,
        /// Print each expression's SHA-256 after it, tab-separated, as hashed lists store it.
        #[arg(long)]
        hashes: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Url(UrlCommand::Canonicalize { urls, stdin }) => url::canonicalize(&urls, stdin),
        Command::Url(UrlCommand::Expressions { url, hashes }) => url::expressions(&url, hashes),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            #[allow(clippy::print_stderr)] // the binary's one place that reports a fatal error
            {
                eprintln!("childsafe: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
