//! An upload reserves no memory for the length it declares: what the server holds grows with
//! the bytes that arrive. It needs its own global allocator, hence its own test binary, and a
//! single test (SQLite, then PostgreSQL) so no other test allocates while it measures.

#[path = "api/common/mod.rs"]
mod common;
#[path = "alloc/counting.rs"]
mod counting;

use common::evidence::{answer, noise_png, upload_left_open};
use common::{Backend, TestApp};
use counting::{measure_from_here, peak_since};
use portal_api::evidence::SCREENSHOT_MAX_BYTES;
use std::time::Duration;

/// Far below the 10 MiB a reservation for the declared length would take, well above what
/// the server and this test allocate meanwhile for a small body (buffers, queries).
const SMALL: usize = 3 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_reserves_no_memory() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::spawn(backend).await else {
            eprintln!("skipped {backend:?}: PORTAL_TEST_DATABASE_URL is not set");
            continue;
        };
        let c = app.customer("peak", "en").await;
        let cookie = c.cookie_header();
        let file = noise_png(1300, 1300, 7);
        assert!(file.len() > SMALL && file.len() < SCREENSHOT_MAX_BYTES);
        // Mail, sign-in hashing and the first sweep are done before anything is measured.
        tokio::time::sleep(Duration::from_millis(500)).await;

        // 10 MiB declared (as much as is taken), 1000 bytes sent, and the body then cut off.
        let base = measure_from_here();
        let open = upload_left_open(
            &app.base,
            &app.state.db,
            &c.id,
            &cookie,
            SCREENSHOT_MAX_BYTES,
            &file[..1000],
            1,
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let r = answer(open, true).await;
        assert_eq!(r.status, 400, "{backend:?}: {}", r.json());
        let peak = peak_since(base);
        assert!(
            peak < SMALL,
            "{backend:?}: {peak} bytes at the peak for 1000 bytes sent"
        );

        // 1 GiB declared: refused as it is, with nothing reserved either.
        let base = measure_from_here();
        let open = upload_left_open(
            &app.base,
            &app.state.db,
            &c.id,
            &cookie,
            1 << 30,
            &file[..1000],
            2,
        )
        .await;
        let r = answer(open, false).await;
        assert_eq!(r.status, 413, "{backend:?}: {}", r.json());
        let peak = peak_since(base);
        assert!(
            peak < SMALL,
            "{backend:?}: {peak} bytes at the peak for 1 GiB declared"
        );

        // The counter does see an upload that arrives whole, so the bounds above mean something.
        let body = file.clone();
        let base = measure_from_here();
        let r = c
            .client
            .post(c.url("/api/evidence?name=noise.png"))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CREATED, "{backend:?}");
        let peak = peak_since(base);
        assert!(
            peak >= file.len(),
            "{backend:?}: {peak} bytes at the peak for a {} byte upload",
            file.len()
        );
    }
}
