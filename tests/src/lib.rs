//! Cross-crate tests of childsafe. The tests live in `tests/tests/`, one file per story; this
//! library is empty on purpose and exists so that Cargo can hold them in one package.
#![forbid(unsafe_code)]
