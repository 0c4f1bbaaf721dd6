//! The lists as plain text, as they would reach a phone without a compiled bundle: one entry per
//! line, comments allowed. Parsing them into a `HashSet` is the baseline that opening a bundle is
//! compared with.

use std::collections::HashSet;
use std::fmt::Write as _;

use childsafe_core::filter::ExpressionHash;

/// The domain list as text, one domain per line, under a header comment.
pub fn domain_list_text(domains: &[String]) -> String {
    let mut text = String::with_capacity(domains.len() * 20 + 64);
    text.push_str("# category list: one domain per line\n");
    for domain in domains {
        text.push_str(domain);
        text.push('\n');
    }
    text
}

/// The hashed-URL list as text, one SHA-256 per line in lowercase hexadecimal.
pub fn hash_list_text(hashes: &[ExpressionHash]) -> String {
    let mut text = String::with_capacity(hashes.len() * 65 + 64);
    text.push_str("# hashed URL list: one SHA-256 per line\n");
    for hash in hashes {
        for byte in hash.0 {
            // Writing to a String cannot fail.
            let _ = write!(text, "{byte:02x}");
        }
        text.push('\n');
    }
    text
}

/// Reads a text list the way a phone without bundles would have to: every line trimmed and
/// lowercased, blank lines and `#` comments skipped, the rest put in a set.
pub fn parse_text_list(text: &str) -> HashSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_ascii_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_list_reads_back_to_its_entries() {
        let domains = vec!["a.example".to_owned(), "b.example".to_owned()];
        let set = parse_text_list(&domain_list_text(&domains));
        assert_eq!(set.len(), 2);
        assert!(set.contains("a.example"));
        let hashes = parse_text_list(&hash_list_text(&[ExpressionHash([0xab; 32])]));
        assert!(hashes.contains(&"ab".repeat(32)));
    }
}
