//! Reads the countries of the directory shipped in the SDK from its two data files
//! (`core/data/directory/`): AOSP's emergency-number database, a text protobuf, and the reviewed
//! helpline table, a TSV.
//!
//! Only the subset of the text-protobuf syntax that the AOSP file uses is read (fields, nested
//! messages, double-quoted strings without escapes, `#` comments), and any field this code does
//! not know is an error rather than silently dropped: a number left out of the directory is a
//! number a child in danger does not see.

use std::collections::BTreeMap;

use super::country::{
    CountryCode, CountryEntry, Helpline, Routing, Service, ServiceNumber, is_dialable,
};

/// AOSP's emergency-number database (Apache-2.0; see `core/data/directory/README.md`).
const ECC_DATA: &str = include_str!("../../../data/directory/aosp-eccdata.txt");

/// The reviewed child-helpline table.
const HELPLINES: &str = include_str!("../../../data/directory/helplines.tsv");

/// Deepest nesting of messages in the AOSP file (countries, then their numbers) plus one spare.
const MAX_NESTING: usize = 3;

/// Where and why a data file of the embedded directory did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the embedded directory data file {file} is malformed at line {line}: {problem}")]
pub struct EccDataError {
    /// `aosp-eccdata.txt` or `helplines.tsv`.
    pub file: &'static str,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong there.
    pub problem: &'static str,
}

/// Every country of the directory compiled into the SDK, sorted by code.
pub(super) fn embedded_countries() -> Result<Vec<CountryEntry>, EccDataError> {
    let mut countries = parse_ecc_data(ECC_DATA)?;
    for (line, country, helpline) in parse_helplines(HELPLINES)? {
        let entry = countries.get_mut(&country).ok_or(EccDataError {
            file: HELPLINES_FILE,
            line,
            problem: "a helpline for a country AOSP does not list",
        })?;
        if entry.helpline.replace(helpline).is_some() {
            return Err(EccDataError {
                file: HELPLINES_FILE,
                line,
                problem: "a second helpline for the same country",
            });
        }
    }
    Ok(countries.into_values().collect())
}

/// The number to show first: the general number (police, ambulance and fire in one), else the
/// police, preferring numbers not routed as ordinary calls, and among equals the first listed;
/// AOSP's fallback when the country lists neither.
pub(super) fn first_number(services: &[ServiceNumber], fallback: &str) -> String {
    let reaches = |number: &ServiceNumber, service| number.services.contains(&service);
    services
        .iter()
        .filter(|number| reaches(number, Service::Police))
        .min_by_key(|number| {
            let general = reaches(number, Service::Ambulance) && reaches(number, Service::Fire);
            (!general, number.routing == Routing::Normal)
        })
        .map_or_else(|| fallback.to_owned(), |number| number.number.clone())
}

const ECC_FILE: &str = "aosp-eccdata.txt";
const HELPLINES_FILE: &str = "helplines.tsv";

/// Every country of the AOSP file, keyed (and so sorted) by code.
fn parse_ecc_data(text: &str) -> Result<BTreeMap<CountryCode, CountryEntry>, EccDataError> {
    let mut lexer = Lexer::new(text);
    let fields = parse_fields(&mut lexer, 0)?;
    let mut countries = BTreeMap::new();
    for field in fields {
        match (field.name, field.value) {
            ("revision", Value::Scalar(_)) => {}
            ("countries", Value::Message(fields)) => {
                let entry = country_entry(fields, field.line)?;
                if countries.insert(entry.country, entry).is_some() {
                    return Err(ecc_error(field.line, "a country is listed twice"));
                }
            }
            _ => return Err(ecc_error(field.line, "an unknown top-level field")),
        }
    }
    Ok(countries)
}

fn country_entry(fields: Vec<Field<'_>>, line: usize) -> Result<CountryEntry, EccDataError> {
    let mut country = None;
    let mut fallback = None;
    let mut services = Vec::new();
    for field in fields {
        match (field.name, field.value) {
            ("iso_code", Value::Scalar(code)) => {
                let code = code
                    .parse::<CountryCode>()
                    .map_err(|_| ecc_error(field.line, "iso_code is not a country code"))?;
                country = Some(code);
            }
            ("ecc_fallback", Value::Scalar(number)) => fallback = Some(number),
            ("eccs", Value::Message(fields)) => services.push(service_number(fields, field.line)?),
            _ => return Err(ecc_error(field.line, "an unknown field in a country")),
        }
    }
    let country = country.ok_or(ecc_error(line, "a country without iso_code"))?;
    let fallback = fallback.ok_or(ecc_error(line, "a country without ecc_fallback"))?;
    if !is_dialable(&fallback) {
        return Err(ecc_error(line, "ecc_fallback cannot be dialled"));
    }
    Ok(CountryEntry {
        country,
        emergency_number: first_number(&services, &fallback),
        fallback_number: fallback,
        services,
        helpline: None,
    })
}

fn service_number(fields: Vec<Field<'_>>, line: usize) -> Result<ServiceNumber, EccDataError> {
    let mut number = None;
    let mut services = Vec::new();
    let mut routing = Routing::Unknown;
    for field in fields {
        match (field.name, field.value) {
            ("phone_number", Value::Scalar(text)) if is_dialable(&text) => number = Some(text),
            ("types", Value::Scalar(kind)) => services.push(match kind.as_str() {
                "POLICE" => Service::Police,
                "AMBULANCE" => Service::Ambulance,
                "FIRE" => Service::Fire,
                "MARINE_GUARD" => Service::MarineGuard,
                "MOUNTAIN_RESCUE" => Service::MountainRescue,
                "TYPE_UNSPECIFIED" => Service::Unspecified,
                _ => return Err(ecc_error(field.line, "an unknown service type")),
            }),
            ("routing", Value::Scalar(how)) => {
                routing = match how.as_str() {
                    "EMERGENCY" => Routing::Emergency,
                    "NORMAL" => Routing::Normal,
                    _ => return Err(ecc_error(field.line, "an unknown routing")),
                }
            }
            _ => {
                return Err(ecc_error(
                    field.line,
                    "an unknown field, or an undialable number",
                ));
            }
        }
    }
    Ok(ServiceNumber {
        number: number.ok_or(ecc_error(line, "a number entry without phone_number"))?,
        services,
        routing,
    })
}

/// Each helpline row with its line number: `country TAB name TAB number TAB source`.
fn parse_helplines(text: &str) -> Result<Vec<(usize, CountryCode, Helpline)>, EccDataError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let error = |problem| EccDataError {
            file: HELPLINES_FILE,
            line: line_number,
            problem,
        };
        let [country, name, number, source] = line
            .split('\t')
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| error("a row needs four tab-separated columns"))?;
        let country = country
            .parse::<CountryCode>()
            .map_err(|_| error("the first column is not a country code"))?;
        if name.trim().is_empty() || !is_dialable(number) {
            return Err(error("a row needs a name and a dialable number"));
        }
        // A row without the source it was confirmed by is a guess; guesses do not ship.
        if !source.starts_with("https://") {
            return Err(error("a row needs the https source that confirmed it"));
        }
        let helpline = Helpline {
            name: name.to_owned(),
            number: number.to_owned(),
        };
        rows.push((line_number, country, helpline));
    }
    Ok(rows)
}

fn ecc_error(line: usize, problem: &'static str) -> EccDataError {
    EccDataError {
        file: ECC_FILE,
        line,
        problem,
    }
}

/// A field of a text protobuf: a scalar (`name: value`) or a message (`name { ... }`).
struct Field<'a> {
    name: &'a str,
    value: Value<'a>,
    line: usize,
}

enum Value<'a> {
    Scalar(String),
    Message(Vec<Field<'a>>),
}

/// The fields up to the end of the text (at depth 0) or up to the `}` closing this message.
fn parse_fields<'a>(lexer: &mut Lexer<'a>, depth: usize) -> Result<Vec<Field<'a>>, EccDataError> {
    let mut fields = Vec::new();
    loop {
        let Some((token, line)) = lexer.next_token()? else {
            return if depth == 0 {
                Ok(fields)
            } else {
                Err(ecc_error(lexer.line, "a message is not closed"))
            };
        };
        let name = match token {
            Token::Word(name) => name,
            Token::Close if depth > 0 => return Ok(fields),
            _ => return Err(ecc_error(line, "expected a field name")),
        };
        let value = match lexer.next_token()? {
            Some((Token::Colon, _)) => match lexer.next_token()? {
                Some((Token::Word(word), _)) => Value::Scalar(word.to_owned()),
                Some((Token::Text(text), _)) => Value::Scalar(text.to_owned()),
                _ => return Err(ecc_error(line, "expected a value after ':'")),
            },
            Some((Token::Open, _)) if depth < MAX_NESTING => {
                Value::Message(parse_fields(lexer, depth + 1)?)
            }
            _ => return Err(ecc_error(line, "expected ':' or '{' after a field name")),
        };
        fields.push(Field { name, value, line });
    }
}

enum Token<'a> {
    /// A field name, an enum value or a number.
    Word(&'a str),
    /// The inside of a double-quoted string.
    Text(&'a str),
    Colon,
    Open,
    Close,
}

struct Lexer<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            line: 1,
        }
    }

    /// The next token and its line, or `None` at the end.
    fn next_token(&mut self) -> Result<Option<(Token<'a>, usize)>, EccDataError> {
        loop {
            let trimmed = self.rest.trim_start_matches([' ', '\t', '\r']);
            self.rest = trimmed;
            if let Some(after) = self.rest.strip_prefix('\n') {
                self.line += 1;
                self.rest = after;
            } else if self.rest.starts_with('#') {
                let end = self.rest.find('\n').unwrap_or(self.rest.len());
                self.rest = &self.rest[end..];
            } else {
                break;
            }
        }
        let line = self.line;
        let Some(first) = self.rest.chars().next() else {
            return Ok(None);
        };
        let token = match first {
            ':' => self.take(1, Token::Colon),
            '{' => self.take(1, Token::Open),
            '}' => self.take(1, Token::Close),
            '"' => {
                let inner = &self.rest[1..];
                let end = inner
                    .find(['"', '\\', '\n'])
                    .filter(|&end| inner[end..].starts_with('"'))
                    .ok_or(ecc_error(
                        line,
                        "a string without its closing quote, or with an escape",
                    ))?;
                let text = &inner[..end];
                self.rest = &inner[end + 1..];
                Token::Text(text)
            }
            c if c.is_ascii_alphanumeric() || c == '_' => {
                let end = self
                    .rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(self.rest.len());
                let word = &self.rest[..end];
                self.rest = &self.rest[end..];
                Token::Word(word)
            }
            _ => return Err(ecc_error(line, "an unexpected character")),
        };
        Ok(Some((token, line)))
    }

    fn take(&mut self, len: usize, token: Token<'a>) -> Token<'a> {
        self.rest = &self.rest[len..];
        token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_and_comments_parse() {
        let text = "revision: 2 # a comment\ncountries {\n  iso_code: \"GB\"\n  eccs {\n    \
                    phone_number: \"999\"\n    types: POLICE\n    types: AMBULANCE\n    \
                    types: FIRE\n    routing: EMERGENCY\n  }\n  ecc_fallback: \"112\"\n}\n";
        let countries = parse_ecc_data(text).unwrap();
        let gb = &countries[&"GB".parse().unwrap()];
        assert_eq!(gb.emergency_number, "999");
        assert_eq!(gb.fallback_number, "112");
        assert_eq!(gb.services[0].routing, Routing::Emergency);
    }

    #[test]
    fn broken_or_unknown_input_is_refused_with_its_line() {
        let cases = [
            (
                "countries {\n  iso_code: \"GB\"\n",
                "a message is not closed",
            ),
            (
                "countries {\n  iso_code: \"GB\"\n  colour: \"red\"\n}\n",
                "an unknown field",
            ),
            (
                "countries {\n  iso_code: \"G\\\"B\"\n}\n",
                "a string without",
            ),
            (
                "countries {\n  iso_code: \"GB\"\n}\n",
                "without ecc_fallback",
            ),
            ("revision 2\n", "expected ':' or '{'"),
            ("}\n", "expected a field name"),
        ];
        for (text, problem) in cases {
            let error = parse_ecc_data(text).err().unwrap();
            assert!(error.problem.contains(problem), "{text:?}: {error}");
        }
        let error = parse_ecc_data("revision: 2\n\ncountries {\n  x: 1\n}\n")
            .err()
            .unwrap();
        assert_eq!(error.line, 4);
    }

    #[test]
    fn the_general_number_wins_over_police_and_ordinary_routing_comes_last() {
        let number = |n: &str, services: &[Service], routing| ServiceNumber {
            number: n.to_owned(),
            services: services.to_vec(),
            routing,
        };
        use Service::{Ambulance, Fire, Police};
        let all = [Police, Ambulance, Fire];
        let listed = [
            number("17", &[Police], Routing::Unknown),
            number("100", &all, Routing::Normal),
            number("112", &all, Routing::Unknown),
        ];
        assert_eq!(first_number(&listed, "911"), "112");
        assert_eq!(first_number(&listed[..2], "911"), "100");
        assert_eq!(first_number(&listed[..1], "911"), "17");
        assert_eq!(
            first_number(&[number("118", &[Fire], Routing::Unknown)], "112"),
            "112"
        );
    }

    #[test]
    fn helpline_rows_need_every_column_and_a_source() {
        assert_eq!(
            parse_helplines("# note\nGB\tChildline\t0800 1111\thttps://example.org\n")
                .unwrap()
                .len(),
            1
        );
        for bad in [
            "GB\tChildline\t0800 1111\n",
            "GB\tChildline\t0800 1111\tnone\n",
            "GB\t\t0800 1111\thttps://example.org\n",
            "GB\tChildline\tcall us\thttps://example.org\n",
            "GBR\tChildline\t0800 1111\thttps://example.org\n",
        ] {
            assert!(parse_helplines(bad).is_err(), "{bad:?}");
        }
    }
}
