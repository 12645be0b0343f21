//! `cargo test --test features`: every feature against the simulator (or `IDFLOW_ENV`).

fn main() -> std::process::ExitCode {
    idflow::runner::cargo_test_main()
}
