//! `seed-demo`: a customer who can sign in and has months of consistent history, a merchant key
//! that works, and a second run that changes nothing.

mod common;

use common::wallet::{new_key, yen};
use common::TestApp;
use portal_server::wallet::demo;
use reqwest::StatusCode;
use serde_json::json;

on_both_backends!(the_demo_is_real_consistent_and_made_once);

const TABLES: &[&str] = &[
    "accounts",
    "merchants",
    "cards",
    "ledger_accounts",
    "journal_entries",
    "postings",
    "wallet_transactions",
    "top_ups",
    "top_up_usage",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in TABLES {
        out.push(app.scalar(&format!("SELECT COUNT(*) FROM {t}")).await);
    }
    out
}

async fn the_demo_is_real_consistent_and_made_once(app: TestApp) {
    let started = std::time::Instant::now();
    let made = demo::seed(&app.state).await.unwrap();
    let took = started.elapsed();
    assert!(made.created);
    assert!(made.payments >= 3_000, "{made:?}");
    assert!(made.top_ups >= 100 && made.declined >= 1, "{made:?}");
    assert!(made.to - made.from >= 540 * 86_400, "about eighteen months");
    assert!(took.as_secs() < 60, "seeding took {took:?}");
    app.assert_ledger_consistent().await;
    let negative = app
        .scalar(
            "SELECT COUNT(*) FROM postings p JOIN ledger_accounts a ON a.id = p.ledger_account_id
             WHERE a.kind = 'wallet' AND p.balance_after < 0",
        )
        .await;
    assert_eq!(negative, 0);
    // Stores from several scripts, memos with line breaks, Arabic and emoji.
    for needle in ["ローソン", "Bäckerei", "مقهى", "Seoul"] {
        let n = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM wallet_transactions WHERE merchant_name LIKE '%{needle}%'"
            ))
            .await;
        assert!(n > 0, "{needle}");
    }
    for needle in ["\n", "قهوة", "🧀"] {
        let n: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM wallet_transactions WHERE memo LIKE '%' || $1 || '%'",
        )
        .bind(needle)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert!(n.0 > 0, "{needle:?}");
    }
    let before = counts(&app).await;
    let again = demo::seed(&app.state).await.unwrap();
    assert!(!again.created);
    assert_eq!(counts(&app).await, before, "a second run changes nothing");
    assert_eq!(again.merchant_key, made.merchant_key);
    assert_eq!(
        (again.balance, again.payments),
        (made.balance, made.payments)
    );

    // The customer signs in with the documented password and sees the balance of the journal.
    let (status, me) = app.sign_in(demo::EMAIL, demo::PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["totp_enabled"], false);
    assert_eq!(me["display_name"], demo::DISPLAY_NAME);
    assert_eq!(app.balance().await, made.balance);
    let (_, cards) = app.get("/api/cards").await;
    assert_eq!(cards[0]["last4"], "4242");
    // The printed merchant key redeems a fresh code.
    let code = app.payment_code().await;
    let (status, paid) = app
        .redeem(
            &made.merchant_key,
            &new_key(),
            json!({"code": code, "amount": yen(1)}),
        )
        .await;
    let expected = if made.balance >= 1 {
        StatusCode::CREATED
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    assert_eq!(status, expected, "{paid}");
    app.assert_ledger_consistent().await;
}
