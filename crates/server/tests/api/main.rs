//! The server's integration tests, linked as one binary: `cargo test -p portal-server --test
//! api`, one file's tests with `--test api identity_api::`. Each module is one file of tests,
//! `common` the harness they share (the server on a random port, SQLite or PostgreSQL, a real
//! SMTP server). One binary links the server once, not once per file; a test that needs a
//! process of its own is a binary of its own (see Cargo.toml).

// First, so that `on_both_backends!` is in scope in every module after it.
#[macro_use]
mod common;

mod demo_api;
mod device_verification_api;
mod disputes_api;
mod email_change_api;
mod evidence_crash;
mod evidence_uploads_api;
mod fraud_report_api;
mod history_api;
mod history_indexes;
mod identity_api;
mod image_real_encoders;
mod ledger;
mod new_device_api;
mod payment_api;
mod platform_api;
mod proxy_api;
mod recovery_api;
mod second_factor_api;
mod sign_in_history_api;
mod support_api;
mod throttle_api;
mod top_up_api;
mod totp_interop;
mod two_step_sign_in_api;
