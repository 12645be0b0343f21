//! Scratch folders for the integration tests: `$TMPDIR/idflow-tests-<checkout>/<name>`,
//! emptied when asked for, so that each run reuses the last run's folders instead of leaving new
//! ones (named after the process, a `cargo test` left about 85 MB in the temp folder every
//! time). Outside the checkout on purpose: idflow shows paths under its working directory (the
//! checkout) relative, and the tests compare the paths it shows with absolute ones.

use std::hash::{Hash as _, Hasher as _};
use std::path::PathBuf;

/// The folder `name` of this checkout's scratch folders, with whatever an earlier run left
/// there removed; not created.
pub fn fresh(name: &str) -> PathBuf {
    // Two checkouts' test runs never share folders.
    let mut checkout = std::hash::DefaultHasher::new();
    env!("CARGO_MANIFEST_DIR").hash(&mut checkout);
    let dir = std::env::temp_dir()
        .join(format!("idflow-tests-{:016x}", checkout.finish()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
