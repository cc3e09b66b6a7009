//! Link settings of the `.wasm`.

fn main() {
    // A 256 KB shadow stack instead of wasm-ld's 1 MB: the module's initial memory drops
    // from 19 to 7 pages (the wasm tests pass in debug builds with 128 KB). wasm-ld puts
    // the stack first, so an overflow traps below address 0 instead of corrupting data.
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg=-zstack-size=262144");
    }
}
