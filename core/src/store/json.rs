//! Typed values: [`get_json`] and [`put_json`] store any serde type as JSON.

use super::{Store, StoreError, WriteBatch, namespace_of};

/// The value under `key`, read as JSON into a `T`.
pub fn get_json<T: serde::de::DeserializeOwned>(
    store: &dyn Store,
    key: &[u8],
) -> Result<Option<T>, StoreError> {
    store
        .get(key)?
        .map(|bytes| serde_json::from_slice(&bytes).map_err(|e| json_error(key, &e)))
        .transpose()
}

/// Adds to `batch` a put of `value`, as JSON, under `key`.
pub fn put_json<T: serde::Serialize>(
    batch: &mut WriteBatch,
    key: &[u8],
    value: &T,
) -> Result<(), StoreError> {
    let bytes = serde_json::to_vec(value).map_err(|e| json_error(key, &e))?;
    batch.put(key, &bytes);
    Ok(())
}

/// The store's error for a JSON error on `key`. Only the kind of problem is kept: serde_json's
/// messages can quote the value.
fn json_error(key: &[u8], e: &serde_json::Error) -> StoreError {
    use serde_json::error::Category;
    let problem = match e.classify() {
        Category::Io => "an I/O error while (de)serializing",
        Category::Syntax => "not valid JSON",
        Category::Data => "valid JSON of another shape",
        Category::Eof => "JSON that ends early",
    };
    StoreError::Serialization {
        namespace: namespace_of(key),
        problem,
    }
}
