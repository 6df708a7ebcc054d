//! `seed-demo`: a customer who can sign in and has months of consistent history, a merchant key
//! that works, other customers' cases in several states for the support queue (the demo
//! customer's own wallet never frozen), and a second run that changes nothing.

use crate::common::wallet::{new_key, yen};
use crate::common::TestApp;
use portal_server::demo;
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
    "cases",
    "disputes",
    "dispute_events",
    "fraud_reports",
    "evidence_entries",
    "wallet_freezes",
    "mail_outbox",
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
    the_queue_holds_other_customers_cases(&app, &made).await;
    let before = counts(&app).await;
    let again = demo::seed(&app.state).await.unwrap();
    assert!(!again.created);
    assert_eq!(counts(&app).await, before, "a second run changes nothing");
    assert_eq!(again.merchant_key, made.merchant_key);
    assert_eq!(
        (again.balance, again.payments, again.cases),
        (made.balance, made.payments, made.cases)
    );

    // The customer signs in with the documented password and sees the balance of the journal.
    let me = app
        .sign_in_new_browser(&app.client, demo::EMAIL, demo::PASSWORD)
        .await;
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["totp_enabled"], false);
    assert_eq!(me["display_name"], demo::DISPLAY_NAME);
    assert_eq!(app.balance().await, made.balance);
    let (_, wallet) = app.get("/api/wallet").await;
    assert!(
        wallet["freeze"].is_null(),
        "the demo customer's wallet is not frozen: {wallet}"
    );
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

/// Disputes open, under review, waiting for the customer and declined, and a fraud report with
/// its chain and freeze, all of other customers: none of the demo customer's.
async fn the_queue_holds_other_customers_cases(app: &TestApp, made: &demo::Demo) {
    let demo_id = app
        .scalar_text(&format!(
            "SELECT id FROM accounts WHERE email = '{}'",
            demo::EMAIL
        ))
        .await;
    let mine = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM cases WHERE account_id = '{demo_id}'"
        ))
        .await;
    assert_eq!(mine, 0, "no case of the demo customer");
    let frozen = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM wallet_freezes WHERE account_id = '{demo_id}' AND lifted_at IS NULL"
        ))
        .await;
    assert_eq!(frozen, 0);
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.kind, c.status, a.email FROM cases c JOIN accounts a ON a.id = c.account_id
         ORDER BY c.kind, c.status",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let kinds: Vec<(&str, &str)> = rows
        .iter()
        .map(|(k, s, _)| (k.as_str(), s.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("dispute", "declined"),
            ("dispute", "more_info_needed"),
            ("dispute", "submitted"),
            ("dispute", "under_review"),
            ("fraud_report", "submitted"),
        ]
    );
    assert_eq!(made.cases, rows.len());
    for (_, _, email) in &rows {
        assert!(demo::NEIGHBOURS.iter().any(|n| n.email == email), "{email}");
    }
    // Made the way the customer's requests make them: the question and the reason on the
    // timeline, the report's chain sealed, its customer's wallet frozen.
    let notes = app
        .scalar(
            "SELECT COUNT(*) FROM dispute_events WHERE note IS NOT NULL
             AND status IN ('more_info_needed', 'declined')",
        )
        .await;
    assert_eq!(notes, 2);
    let verdicts =
        portal_server::evidence::chain::verify_all(&app.state.db, app.state.evidence.as_ref())
            .await
            .unwrap();
    assert_eq!(verdicts.len(), 1);
    assert!(verdicts[0].result.is_ok(), "{:?}", verdicts[0].result);
    let frozen = app
        .scalar("SELECT COUNT(*) FROM wallet_freezes WHERE lifted_at IS NULL")
        .await;
    assert_eq!(frozen, 1, "the reporting customer's wallet");
}
