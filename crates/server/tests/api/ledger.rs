//! The ledger's invariants, on both backends: property tests over random sequences of postings
//! (every entry sums to zero, no wallet ever below zero, replaying the journal gives every balance
//! and every `balance_after`), the race on `(account, seq)`, and many payments at once.

use crate::common::TestApp;
use portal_api::money::Currency;
use portal_server::db::Db;
use portal_server::wallet::ledger::{
    self, Entry, Leg, PostError, Posted, TxError, CARD_CLEARING, MERCHANT, WALLET,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::collections::HashMap;

on_both_backends!(
    random_postings_keep_every_invariant,
    two_writers_of_the_same_balance_cannot_both_append,
    fifty_payments_at_once_never_overspend,
    entries_are_idempotent_by_scope_and_key,
    verify_reports_a_tampered_journal,
);

/// Posts `entry` in a transaction of its own, committing only when it posted.
async fn post_one(db: &Db, entry: &Entry<'_>) -> Result<Posted, PostError> {
    let mut tx = db.pool.begin().await?;
    let posted = ledger::post(&mut tx, db.backend, entry).await?;
    tx.commit().await?;
    Ok(posted)
}

async fn new_account(db: &Db, kind: &str, currency: Currency) -> String {
    let owner = format!("test-{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut conn = db.pool.acquire().await.unwrap();
    ledger::account(&mut conn, kind, &owner, currency)
        .await
        .unwrap()
}

fn legs(pairs: &[(&str, i64)]) -> Vec<Leg> {
    pairs
        .iter()
        .map(|(a, m)| Leg {
            account_id: (*a).to_owned(),
            amount_minor: *m,
        })
        .collect()
}

fn entry<'a>(scope: &'a str, key: &'a str, legs: &'a [Leg]) -> Entry<'a> {
    Entry {
        kind: "test",
        scope,
        key,
        request_hash: key,
        currency: Currency::JPY,
        legs,
        at: 1_700_000_000,
    }
}

async fn balance(db: &Db, account: &str) -> i64 {
    let mut conn = db.pool.acquire().await.unwrap();
    ledger::balance(&mut conn, account).await.unwrap()
}

/// One step of a random history, over 3 wallets (0-2), 2 merchants (3-4) and the card clearing
/// account (5), all in yen; account 6 holds US dollars.
#[derive(Debug, Clone)]
enum Op {
    TopUp {
        wallet: usize,
        amount: i64,
    },
    Pay {
        wallet: usize,
        merchant: usize,
        amount: i64,
    },
    /// One payment split over both merchants: a three-legged entry.
    Split {
        wallet: usize,
        a: i64,
        b: i64,
    },
    Refund {
        merchant: usize,
        wallet: usize,
        amount: i64,
    },
    Transfer {
        from: usize,
        to: usize,
        amount: i64,
    },
    /// Posts an earlier step's key again: with the same request nothing moves, with another it
    /// is refused.
    Repeat {
        step: usize,
        same: bool,
    },
    /// An entry that does not sum to zero.
    Unbalanced {
        wallet: usize,
        amount: i64,
    },
    /// A yen entry touching the dollar account.
    WrongCurrency {
        wallet: usize,
        amount: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let amount = 1i64..60_000;
    prop_oneof![
        3 => (0..3usize, 1i64..50_000).prop_map(|(wallet, amount)| Op::TopUp { wallet, amount }),
        4 => (0..3usize, 3..5usize, amount.clone())
            .prop_map(|(wallet, merchant, amount)| Op::Pay { wallet, merchant, amount }),
        1 => (0..3usize, 1i64..20_000, 1i64..20_000).prop_map(|(wallet, a, b)| Op::Split { wallet, a, b }),
        1 => (3..5usize, 0..3usize, 1i64..10_000)
            .prop_map(|(merchant, wallet, amount)| Op::Refund { merchant, wallet, amount }),
        2 => (0..3usize, 0..3usize, amount.clone())
            .prop_filter("two wallets", |(a, b, _)| a != b)
            .prop_map(|(from, to, amount)| Op::Transfer { from, to, amount }),
        1 => (0..40usize, any::<bool>()).prop_map(|(step, same)| Op::Repeat { step, same }),
        1 => (0..3usize, amount.clone()).prop_map(|(wallet, amount)| Op::Unbalanced { wallet, amount }),
        1 => (0..3usize, amount).prop_map(|(wallet, amount)| Op::WrongCurrency { wallet, amount }),
    ]
}

/// Runs `ops` against fresh accounts and a model of their balances, checking each answer, then
/// replays the journal.
async fn run_ops(db: &Db, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut accounts = Vec::new();
    for kind in [WALLET, WALLET, WALLET, MERCHANT, MERCHANT, CARD_CLEARING] {
        accounts.push(new_account(db, kind, Currency::JPY).await);
    }
    accounts.push(new_account(db, WALLET, Currency::USD).await);
    let scope = format!("prop-{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut model: HashMap<String, i64> = accounts.iter().map(|a| (a.clone(), 0)).collect();
    // Every posted step's key and legs, to repeat.
    let mut posted: Vec<(String, Vec<Leg>)> = Vec::new();
    for (step, op) in ops.into_iter().enumerate() {
        let key = format!("step-{step}");
        let a = |i: usize| accounts[i].as_str();
        let pairs: Vec<(&str, i64)> = match op {
            Op::TopUp { wallet, amount } => vec![(a(5), -amount), (a(wallet), amount)],
            Op::Pay {
                wallet,
                merchant,
                amount,
            } => {
                vec![(a(wallet), -amount), (a(merchant), amount)]
            }
            Op::Split { wallet, a: x, b: y } => {
                vec![(a(wallet), -(x + y)), (a(3), x), (a(4), y)]
            }
            Op::Refund {
                merchant,
                wallet,
                amount,
            } => {
                vec![(a(merchant), -amount), (a(wallet), amount)]
            }
            Op::Transfer { from, to, amount } => vec![(a(from), -amount), (a(to), amount)],
            Op::Repeat { step, same } => {
                let Some((key, earlier)) = posted.get(step).cloned() else {
                    continue;
                };
                let before = model.clone();
                if same {
                    let r = post_one(db, &entry(&scope, &key, &earlier)).await;
                    prop_assert!(matches!(r, Ok(Posted::Existing(_))), "{r:?}");
                } else {
                    let mut e = entry(&scope, &key, &earlier);
                    let other_hash = format!("{key}-other");
                    e.request_hash = &other_hash;
                    let r = post_one(db, &e).await;
                    prop_assert!(matches!(r, Err(PostError::KeyReused)), "{r:?}");
                }
                for acc in &accounts {
                    prop_assert_eq!(balance(db, acc).await, before[acc]);
                }
                continue;
            }
            Op::Unbalanced { wallet, amount } => {
                let l = legs(&[(a(5), -amount), (a(wallet), amount + 1)]);
                let r = post_one(db, &entry(&scope, &key, &l)).await;
                prop_assert!(matches!(r, Err(PostError::Invalid(_))), "{r:?}");
                continue;
            }
            Op::WrongCurrency { wallet, amount } => {
                let l = legs(&[(a(6), -amount), (a(wallet), amount)]);
                let r = post_one(db, &entry(&scope, &key, &l)).await;
                prop_assert!(matches!(r, Err(PostError::Currency)), "{r:?}");
                continue;
            }
        };
        let l = legs(&pairs);
        let overdrawn = pairs
            .iter()
            .any(|(acc, amt)| accounts[..3].iter().any(|w| w == acc) && model[*acc] + amt < 0);
        let r = post_one(db, &entry(&scope, &key, &l)).await;
        if overdrawn {
            prop_assert!(
                matches!(r, Err(PostError::InsufficientFunds { .. })),
                "{r:?}"
            );
        } else {
            prop_assert!(matches!(r, Ok(Posted::New(_))), "{r:?}");
            for (acc, amt) in &pairs {
                *model.get_mut(*acc).unwrap() += amt;
            }
            posted.push((key, l));
        }
        for acc in &accounts {
            prop_assert_eq!(balance(db, acc).await, model[acc], "account {}", acc);
        }
    }
    let report = ledger::verify(db).await.unwrap();
    prop_assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    for acc in &accounts {
        prop_assert_eq!(report.balances[acc], model[acc]);
    }
    for wallet in &accounts[..3] {
        prop_assert!(model[wallet] >= 0);
    }
    prop_assert_eq!(
        model.values().sum::<i64>(),
        0,
        "money is neither made nor lost"
    );
    Ok(())
}

async fn random_postings_keep_every_invariant(app: TestApp) {
    let db = app.state.db.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&proptest::collection::vec(op(), 1..40), |ops| {
                handle.block_on(run_ops(&db, ops))
            })
            .unwrap();
    })
    .await
    .unwrap();
    // Every entry in the store, including those of every case, sums to zero.
    let sums: Vec<(String, i64)> = sqlx::query_as(
        "SELECT entry_id, CAST(SUM(amount_minor) AS BIGINT) FROM postings GROUP BY entry_id HAVING SUM(amount_minor) <> 0",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(sums.is_empty(), "{sums:?}");
    let negative: Vec<(String, i64)> = sqlx::query_as(
        "SELECT p.ledger_account_id, p.balance_after FROM postings p
         JOIN ledger_accounts a ON a.id = p.ledger_account_id
         WHERE a.kind = 'wallet' AND p.balance_after < 0",
    )
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(negative.is_empty(), "{negative:?}");
}

/// Two writers that skip the lock and read the same balance: both try to append the same
/// `(account, seq)`, the store lets one in, and the other's failure is one [`ledger::retrying`]
/// runs again (a unique violation on PostgreSQL, SQLITE_BUSY_SNAPSHOT on SQLite).
async fn two_writers_of_the_same_balance_cannot_both_append(app: TestApp) {
    let db = &app.state.db;
    let wallet = new_account(db, WALLET, Currency::JPY).await;
    let clearing = new_account(db, CARD_CLEARING, Currency::JPY).await;
    post_one(
        db,
        &entry("race", "fund", &legs(&[(&clearing, -500), (&wallet, 500)])),
    )
    .await
    .unwrap();
    let mut a = db.pool.begin().await.unwrap();
    let mut b = db.pool.begin().await.unwrap();
    let head_a = ledger::head(&mut a, &wallet).await.unwrap();
    let head_b = ledger::head(&mut b, &wallet).await.unwrap();
    assert_eq!(head_a, (1, 500));
    assert_eq!(head_a, head_b, "both read the same balance");
    append(&mut a, &wallet, head_a.0 + 1, "race-a")
        .await
        .unwrap();
    a.commit().await.unwrap();
    let lost = append(&mut b, &wallet, head_b.0 + 1, "race-b")
        .await
        .unwrap_err();
    assert!(ledger::is_contention(&lost), "{lost:?}");
    drop(b);
    assert_eq!(balance(db, &wallet).await, 100, "one of the two spent it");
}

/// What a writer that skipped the lock would append: ¥400 out, on top of the balance it read.
async fn append(
    conn: &mut sqlx::AnyConnection,
    wallet: &str,
    seq: i64,
    entry: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO journal_entries (id, kind, idempotency_scope, idempotency_key, request_hash, created_at)
         VALUES ($1, 'test', 'race', $1, $1, 0)",
    )
    .bind(entry)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO postings (ledger_account_id, seq, entry_id, amount_minor, currency, balance_after, created_at)
         VALUES ($1, $2, $3, -400, 'JPY', 100, 0)",
    )
    .bind(wallet)
    .bind(seq)
    .bind(entry)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn fifty_payments_at_once_never_overspend(app: TestApp) {
    let db = app.state.db.clone();
    let wallet = new_account(&db, WALLET, Currency::JPY).await;
    let clearing = new_account(&db, CARD_CLEARING, Currency::JPY).await;
    let merchant = new_account(&db, MERCHANT, Currency::JPY).await;
    post_one(
        &db,
        &entry(
            "fifty",
            "fund",
            &legs(&[(&clearing, -10_000), (&wallet, 10_000)]),
        ),
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (db, wallet, merchant) = (db.clone(), wallet.clone(), merchant.clone());
        tasks.push(tokio::spawn(async move {
            let key = format!("pay-{i}");
            let l = legs(&[(&wallet, -300), (&merchant, 300)]);
            let (db, key, l) = (&db, &key, &l);
            ledger::retrying(|| async move {
                let mut tx = db.pool.begin().await?;
                let posted = ledger::post(&mut tx, db.backend, &entry("fifty", key, l)).await?;
                tx.commit().await?;
                Ok::<_, TxError>(posted)
            })
            .await
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Posted::New(_)) => ok += 1,
            Err(e) if e.code == portal_api::error::ErrorCode::InsufficientFunds => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((ok, refused), (33, 17));
    assert_eq!(balance(&db, &wallet).await, 100);
    assert_eq!(balance(&db, &merchant).await, 9_900);
    let report = ledger::verify(&db).await.unwrap();
    assert!(report.mismatches.is_empty(), "{:?}", report.mismatches);
    assert_eq!(report.balances[&wallet], 100);
}

async fn entries_are_idempotent_by_scope_and_key(app: TestApp) {
    let db = &app.state.db;
    let wallet = new_account(db, WALLET, Currency::JPY).await;
    let clearing = new_account(db, CARD_CLEARING, Currency::JPY).await;
    let l = legs(&[(&clearing, -700), (&wallet, 700)]);
    let first = post_one(db, &entry("idem", "k", &l)).await.unwrap();
    let again = post_one(db, &entry("idem", "k", &l)).await.unwrap();
    assert!(matches!(first, Posted::New(_)));
    assert_eq!(again, Posted::Existing(first.entry_id().to_owned()));
    let mut other = entry("idem", "k", &l);
    other.request_hash = "something else";
    assert!(matches!(
        post_one(db, &other).await,
        Err(PostError::KeyReused)
    ));
    // Another scope is another key.
    assert!(matches!(
        post_one(db, &entry("idem-2", "k", &l)).await,
        Ok(Posted::New(_))
    ));
    assert_eq!(balance(db, &wallet).await, 1_400);
}

async fn verify_reports_a_tampered_journal(app: TestApp) {
    let db = &app.state.db;
    let wallet = new_account(db, WALLET, Currency::JPY).await;
    let clearing = new_account(db, CARD_CLEARING, Currency::JPY).await;
    post_one(
        db,
        &entry("tamper", "a", &legs(&[(&clearing, -900), (&wallet, 900)])),
    )
    .await
    .unwrap();
    assert!(ledger::verify(db).await.unwrap().mismatches.is_empty());
    // Someone edits an amount behind the ledger's back.
    sqlx::query("UPDATE postings SET amount_minor = 9000 WHERE ledger_account_id = $1")
        .bind(&wallet)
        .execute(&db.pool)
        .await
        .unwrap();
    let report = ledger::verify(db).await.unwrap();
    assert!(
        report.mismatches.iter().any(|m| m.contains("sums to 8100")),
        "{:?}",
        report.mismatches
    );
    assert!(
        report
            .mismatches
            .iter()
            .any(|m| m.contains("says balance 900")),
        "{:?}",
        report.mismatches
    );
}
