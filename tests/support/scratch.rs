//! Scratch folders for the integration tests: `target/tmp/<name>`, emptied when asked for, so
//! that each run reuses the last run's folders instead of leaving new ones in the system's
//! temp folder (named after the process, a `cargo test` left about 85 MB there every time).

use std::path::PathBuf;

/// The folder `name` under cargo's scratch folder for integration tests, with whatever an
/// earlier run left there removed; not created.
pub fn fresh(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
