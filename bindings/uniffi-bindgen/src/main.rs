//! Generates the Kotlin and Swift bindings of `childsafe-ffi`; see `bindings/generate.sh`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
