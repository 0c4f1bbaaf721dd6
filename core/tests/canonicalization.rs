//! The canonicalization and lookup-expression examples published with the Safe Browsing (Web Risk)
//! rules, each checked end to end through the public API.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use childsafe_core::filter::CanonicalUrl;

fn canonical(raw: &[u8]) -> String {
    match CanonicalUrl::parse(raw) {
        Ok(url) => url.to_string(),
        Err(error) => panic!("{:?} was refused: {error}", String::from_utf8_lossy(raw)),
    }
}

#[test]
fn published_canonicalization_examples() {
    let examples: &[(&[u8], &str)] = &[
        (b"http://host/%25%32%35", "http://host/%25"),
        (b"http://host/%25%32%35%25%32%35", "http://host/%25%25"),
        (b"http://host/%2525252525252525", "http://host/%25"),
        (b"http://host/asdf%25%32%35asd", "http://host/asdf%25asd"),
        (b"http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"),
        (b"http://www.google.com/", "http://www.google.com/"),
        (
            b"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
            "http://168.188.99.26/.secure/www.ebay.com/",
        ),
        (
            b"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
            "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
        ),
        (
            b"http://host%23.com/%257Ea%2521b%2540c%2523d%2524e%25f%255E00%252611%252A22%252833%252944_55%252B",
            "http://host%23.com/~a!b@c%23d$e%25f^00&11*22(33)44_55+",
        ),
        (b"http://3279880203/blah", "http://195.127.0.11/blah"),
        (b"http://www.google.com/blah/..", "http://www.google.com/"),
        (b"www.google.com/", "http://www.google.com/"),
        (b"www.google.com", "http://www.google.com/"),
        (b"http://www.evil.com/blah#frag", "http://www.evil.com/blah"),
        (b"http://www.GOOgle.com/", "http://www.google.com/"),
        (b"http://www.google.com.../", "http://www.google.com/"),
        (b"http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"),
        (b"http://www.google.com/q?", "http://www.google.com/q?"),
        (b"http://www.google.com/q?r?", "http://www.google.com/q?r?"),
        (b"http://www.google.com/q?r?s", "http://www.google.com/q?r?s"),
        (b"http://evil.com/foo#bar#baz", "http://evil.com/foo"),
        (b"http://evil.com/foo;", "http://evil.com/foo;"),
        (b"http://evil.com/foo?bar;", "http://evil.com/foo?bar;"),
        (b"http://\x01\x80.com/", "http://%01%80.com/"),
        (b"http://notrailingslash.com", "http://notrailingslash.com/"),
        (b"http://www.gotaport.com:1234/", "http://www.gotaport.com/"),
        (b"  http://www.google.com/  ", "http://www.google.com/"),
        (b"http:// leadingspace.com/", "http://%20leadingspace.com/"),
        (b"http://%20leadingspace.com/", "http://%20leadingspace.com/"),
        (b"%20leadingspace.com/", "http://%20leadingspace.com/"),
        (b"https://www.securesite.com/", "https://www.securesite.com/"),
        (b"http://host.com/ab%23cd", "http://host.com/ab%23cd"),
        (b"http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"),
    ];
    for (raw, expected) in examples {
        assert_eq!(
            canonical(raw),
            *expected,
            "input {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn rules_the_examples_do_not_show() {
    let cases: &[(&[u8], &str)] = &[
        // Dot segments resolve, and never climb above the root.
        (b"http://h/a/b/../../../c/./d/.", "http://h/c/d/"),
        (b"http://h/%2E%2E/%2e/x", "http://h/x"),
        // Userinfo is dropped; the host is what follows the last `@`.
        (b"http://www.good.com@evil.com/", "http://evil.com/"),
        // An escaped `@` is not a delimiter: the parts are found before unescaping, as a browser
        // finds them. A browser refuses this host (an `@` in a host), so it loads nothing; the
        // filter keeps it as one host, escaped so that reading it again finds the same host.
        (
            b"http://www.good.com%40evil.com/",
            "http://www.good.com%40evil.com/",
        ),
        (b"http://www.good.com%2F@evil.com/", "http://evil.com/"),
        // IPv4 in octal, hex and short forms.
        (b"http://0300.0250.0.01/", "http://192.168.0.1/"),
        (b"http://0xc0.0xa8.0x0.0x1/", "http://192.168.0.1/"),
        (b"http://192.168.1/", "http://192.168.0.1/"),
        (b"http://0xc0a80001/", "http://192.168.0.1/"),
        // Internationalised names become punycode; raw UTF-8 and escaped UTF-8 agree.
        ("http://bücher.de/".as_bytes(), "http://xn--bcher-kva.de/"),
        (b"http://b%C3%BCcher.de/", "http://xn--bcher-kva.de/"),
        // Bytes outside printable ASCII in the path are escaped with uppercase hex.
        (
            b"http://h/\xff\xfe caf\xc3\xa9",
            "http://h/%FF%FE%20caf%C3%A9",
        ),
    ];
    for (raw, expected) in cases {
        assert_eq!(
            canonical(raw),
            *expected,
            "input {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[test]
fn published_lookup_expression_examples() {
    let expressions = |raw: &str| -> Vec<String> {
        CanonicalUrl::parse(raw.as_bytes())
            .expect("canonical")
            .lookup_expressions()
            .map(|expression| expression.to_string())
            .collect()
    };
    assert_eq!(
        expressions("http://a.b.c/1/2.html?param=1"),
        [
            "a.b.c/1/2.html?param=1",
            "a.b.c/1/2.html",
            "a.b.c/",
            "a.b.c/1/",
            "b.c/1/2.html?param=1",
            "b.c/1/2.html",
            "b.c/",
            "b.c/1/",
        ]
    );
    assert_eq!(
        expressions("http://a.b.c.d.e.f.g/1.html"),
        [
            "a.b.c.d.e.f.g/1.html",
            "a.b.c.d.e.f.g/",
            "c.d.e.f.g/1.html",
            "c.d.e.f.g/",
            "d.e.f.g/1.html",
            "d.e.f.g/",
            "e.f.g/1.html",
            "e.f.g/",
            "f.g/1.html",
            "f.g/",
        ]
    );
    assert_eq!(expressions("http://1.2.3.4/1/"), ["1.2.3.4/1/", "1.2.3.4/"]);
}
