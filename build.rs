//! Tells the tests whether the real-world casts are beside the project
//! (`../shared/realworld-casts`, present in CI): without them the test that
//! plays them is counted as ignored, never as passed. CI must have them.

use std::path::Path;

fn main() {
    const CASTS: &str = "../shared/realworld-casts";
    println!("cargo::rustc-check-cfg=cfg(realworld_casts)");
    println!("cargo::rerun-if-changed={CASTS}");
    println!("cargo::rerun-if-env-changed=CI");
    if Path::new(CASTS).is_dir() {
        println!("cargo::rustc-cfg=realworld_casts");
    } else if std::env::var_os("CI").is_some() {
        panic!("CI must have {CASTS} beside the project (the real-world casts the players judge)");
    }
}
