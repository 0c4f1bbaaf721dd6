//! `childsafe emergency`: the emergency numbers and child helpline a phone shows in a country,
//! from the directory compiled into the SDK.

use std::process::ExitCode;

use anyhow::Context;
use childsafe_core::reports::{CountryCode, DirectoryBundle};

use crate::device::print_json;
use crate::report::contacts_json;

/// `childsafe emergency --country CC`: prints the numbers as JSON, most important first.
pub(crate) fn emergency(country: &str) -> anyhow::Result<ExitCode> {
    let code: CountryCode = country
        .parse()
        .with_context(|| format!("--country {country:?}"))?;
    let directory = DirectoryBundle::embedded().context("the SDK's directory is unreadable")?;
    anyhow::ensure!(
        directory.country(&code).is_some(),
        "no emergency numbers are known for country {code}; a phone there shows 112 and 911"
    );
    print_json(&contacts_json(&directory.contacts(Some(&code))))
}
