//! What the history's indexes (migrations 14 and 15) must never change: text search through the
//! trigram indexes gives exactly the rows `LIKE` gives, and monthly spending read from the daily
//! sums is exactly the plain sum over the rows, for any offset, however the rows were written,
//! changed or deleted.

use crate::common::ledger::{self, NewTransaction};
use crate::common::{Customer, TestApp};
use portal_server::db::{Backend, Db};
use portal_server::wallet::{search, search_text, spending};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use std::sync::Arc;

on_both_backends!(
    text_search_finds_rare_short_and_literal_words,
    text_search_gives_what_like_gives_for_random_words,
    monthly_spending_is_the_plain_sum_over_the_rows_for_any_offset,
);

const T0: i64 = 1_790_000_000; // 2026-09-21T14:13:20Z

/// The ids of every page of `/api/transactions?{query}`, newest first.
async fn search_all(c: &Customer, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/transactions?{query}&cursor={cur}"),
            None => format!("/api/transactions?{query}"),
        };
        let (status, page) = c.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        for t in page["items"].as_array().unwrap() {
            out.push(t["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return out,
        }
    }
}

fn q(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()
}

/// A merchant's name and memo as the ledger writes them, for a direct change to a row.
async fn rewrite(db: &Db, id: &str, merchant: &str, memo: &str) {
    sqlx::query(
        "UPDATE wallet_transactions SET merchant_name = $1, memo = $2, search_text = $3 WHERE id = $4",
    )
    .bind(merchant)
    .bind(memo)
    .bind(search_text(&[Some(merchant), Some(memo)]))
    .bind(id)
    .execute(&db.pool)
    .await
    .unwrap();
}

async fn text_search_finds_rare_short_and_literal_words(app: TestApp) {
    let db = &app.state.db;
    let alice = app.customer("idx-alice", "en").await;
    let bob = app.customer("idx-bob", "en").await;
    let rows = vec![
        NewTransaction::payment(100, "ローソン 渋谷店", Some("ekiben"), T0),
        NewTransaction::payment(100, "FamilyMart", Some("Ekiben and coffee"), T0 + 1),
        NewTransaction::payment(100, "Book_Off 100%", None, T0 + 2),
        NewTransaction::payment(100, "Lawson", Some("50%_off"), T0 + 3),
        NewTransaction::payment(100, "渋谷 Stand", Some("弁当 🍱🍙🍣"), T0 + 4),
        NewTransaction::refund(100, "Lawson", T0 + 5),
    ];
    let id = ledger::insert(db, &alice.id, "JPY", &rows).await;
    // Bob's rows have the same words: they are never Alice's answer.
    ledger::insert(db, &bob.id, "JPY", &rows).await;
    // "coffee" is common in the store, rare in Alice's wallet.
    let filler: Vec<NewTransaction> = (0..search::RARE_IN_STORE + 100)
        .map(|i| NewTransaction::payment(1, "Filler Mart", Some("coffee"), T0 - 100_000 + i))
        .collect();
    ledger::insert(db, &bob.id, "JPY", &filler).await;
    if db.backend == Backend::Sqlite {
        // Both of SQLite's ways are taken below.
        let fts = |w: &str| search::fts_query(&[w.to_owned()]).unwrap();
        assert!(search::rare_in_store(db, &fts("ekiben")).await.unwrap());
        assert!(!search::rare_in_store(db, &fts("coffee")).await.unwrap());
    }

    let find = |text: &'static str| {
        let alice = &alice;
        let id = &id;
        async move {
            let mut got: Vec<usize> = search_all(alice, &q(text))
                .await
                .iter()
                .map(|t| id.iter().position(|i| i == t).expect("Alice's row"))
                .collect();
            got.reverse();
            got
        }
    };
    // Rare words, in any case, and every word must be there.
    assert_eq!(find("ekiben").await, [0, 1]);
    assert_eq!(find("EKIBEN").await, [0, 1]);
    assert_eq!(find("ekiben coffee").await, [1]);
    assert_eq!(find("coffee ekiben").await, [1]);
    assert_eq!(find("ekiben lawson").await, Vec::<usize>::new());
    assert_eq!(find("ekiben ローソン").await, [0]);
    assert_eq!(
        find("ekiben 渋").await,
        [0],
        "a short word beside a long one"
    );
    assert_eq!(find("coffee").await, [1], "common elsewhere, rare here");
    // No match at all.
    assert_eq!(find("zzzz").await, Vec::<usize>::new());
    assert_eq!(find("ekibenx").await, Vec::<usize>::new());
    assert_eq!(find("ローソンローソン").await, Vec::<usize>::new());
    // One and two characters: no trigram, the LIKE alone.
    assert_eq!(find("渋").await, [0, 4]);
    assert_eq!(find("渋谷").await, [0, 4]);
    assert_eq!(find("谷店").await, [0]);
    assert_eq!(find("弁当").await, [4]);
    assert_eq!(find("🍱").await, [4]);
    assert_eq!(find("of").await, [1, 2, 3]);
    assert_eq!(find("x").await, Vec::<usize>::new());
    // Three characters and more in other scripts.
    assert_eq!(find("ローソン").await, [0]);
    assert_eq!(find("渋谷店").await, [0]);
    assert_eq!(find("🍱🍙🍣").await, [4]);
    assert_eq!(find("🍙🍱").await, Vec::<usize>::new());
    // % and _ are themselves, short or long.
    assert_eq!(find("%").await, [2, 3]);
    assert_eq!(find("_").await, [2, 3]);
    assert_eq!(find("%_").await, [3]);
    assert_eq!(find("100%").await, [2]);
    assert_eq!(find("50%_o").await, [3]);
    assert_eq!(find("_off").await, [2, 3]);
    assert_eq!(find("k_o").await, [2]);
    assert_eq!(find("0%_").await, [3]);
    assert_eq!(find("off%").await, Vec::<usize>::new());
    assert_eq!(find("5_%").await, Vec::<usize>::new());
    assert_eq!(find("of_").await, Vec::<usize>::new(), "not 'off'");
    assert_eq!(find("ff%").await, Vec::<usize>::new(), "not 'ff' and more");
    // Merchant and memo are apart: no word runs from one into the other.
    assert_eq!(find("lawson50").await, Vec::<usize>::new());
    // The cursor runs through the index's answer too, and the export has the same rows.
    let (_, page) = alice
        .get(&format!("/api/transactions?{}&limit=1", q("ekiben")))
        .await;
    assert_eq!(page["items"][0]["id"], id[1]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, page) = alice
        .get(&format!(
            "/api/transactions?{}&limit=1&cursor={cursor}",
            q("ekiben")
        ))
        .await;
    assert_eq!(page["items"][0]["id"], id[0]);
    assert!(page["next_cursor"].is_null());
    let csv = alice
        .client
        .get(alice.url(&format!("/api/transactions/export.csv?{}", q("ekiben"))))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.matches("\r\n").count(), 3, "{csv}");

    // The index follows every change to the rows, whoever makes it.
    rewrite(db, &id[3], "Lawson", "lunch bento").await;
    assert_eq!(find("50%_o").await, Vec::<usize>::new());
    assert_eq!(find("bento").await, [3]);
    assert_eq!(find("lunch lawson").await, [3]);
    sqlx::query("DELETE FROM wallet_transactions WHERE id = $1")
        .bind(&id[0])
        .execute(&db.pool)
        .await
        .unwrap();
    assert_eq!(find("ekiben").await, [1]);
    assert_eq!(find("ローソン").await, Vec::<usize>::new());
    assert_search_index_in_step(db).await;
}

/// On SQLite, that the trigram index holds exactly the text of the rows (FTS5 compares the two
/// and fails otherwise). PostgreSQL keeps its indexes itself.
async fn assert_search_index_in_step(db: &Db) {
    if db.backend == Backend::Sqlite {
        sqlx::query("INSERT INTO wallet_search(wallet_search, rank) VALUES ('integrity-check', 1)")
            .execute(&db.pool)
            .await
            .unwrap();
    }
}

/// Pieces of text that make words overlap, repeat and straddle: short and long, several scripts,
/// the LIKE wildcards and the escape character.
const PIECES: &[&str] = &[
    "a", "b", "ab", "abc", "bca", "cab", "%", "_", "\\", "渋", "谷", "渋谷", "ロー", "ソン", "é",
    "É", "Ａ", "ｂ", "🙂", "x1", "-", " ", "  ",
];

fn random_text(rng: &mut impl Rng, max_pieces: usize) -> String {
    (0..rng.gen_range(0..=max_pieces))
        .map(|_| PIECES[rng.gen_range(0..PIECES.len())])
        .collect()
}

async fn text_search_gives_what_like_gives_for_random_words(app: TestApp) {
    let db = app.state.db.clone();
    let me = Arc::new(app.customer("idx-random", "en").await);
    let other = app.customer("idx-random-other", "en").await;
    let corpus_seed: u64 = rand::random();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(corpus_seed);
    let rows: Vec<NewTransaction> = (0..300)
        .map(|i| {
            let merchant = random_text(&mut rng, 5);
            let memo = random_text(&mut rng, 4);
            NewTransaction::payment(
                1,
                &merchant,
                (!memo.is_empty()).then_some(memo.as_str()),
                T0 + i / 3,
            )
        })
        .collect();
    let ids = ledger::insert(&db, &me.id, "JPY", &rows).await;
    ledger::insert(&db, &other.id, "JPY", &rows).await;
    // Words with "abc" and "bca" are common in the store: SQLite reads the wallet for them.
    let common: Vec<NewTransaction> = (0..search::RARE_IN_STORE + 1)
        .map(|i| NewTransaction::payment(1, "abcabc", None, T0 - 10_000 + i))
        .collect();
    ledger::insert(&db, &other.id, "JPY", &common).await;
    // Newest first, ties by id, as the history orders them.
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| (rows[b].created_at, &ids[b]).cmp(&(rows[a].created_at, &ids[a])));
    let texts: Vec<String> = rows
        .iter()
        .map(|r| search_text(&[r.merchant.as_deref(), r.memo.as_deref()]))
        .collect();
    let rows = Arc::new((ids, texts, order));

    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 64,
            failure_persistence: None,
            ..Config::default()
        });
        // A query: words cut from the stored texts (so that many match) or made up.
        let word = prop_oneof![
            (0..300usize, 0..12usize, 1..6usize),
            (300..301usize, 0..1usize, 1..4usize),
        ];
        runner
            .run(
                &(proptest::collection::vec(word, 1..4), any::<u64>()),
                |(words, seed)| {
                    let me = me.clone();
                    let rows = rows.clone();
                    handle.block_on(async move {
                        let (ids, texts, order) = &*rows;
                        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                        let query: Vec<String> = words
                            .iter()
                            .map(|&(row, start, len)| match texts.get(row) {
                                Some(text) => text.chars().skip(start).take(len).collect(),
                                None => random_text(&mut rng, len),
                            })
                            .collect();
                        let query = query.join(" ");
                        let words = search::words(&query);
                        let expected: Vec<&String> = order
                            .iter()
                            .filter(|&&i| words.iter().all(|w| texts[i].contains(w.as_str())))
                            .map(|&i| &ids[i])
                            .collect();
                        let got = search_all(&me, &format!("{}&limit=100", q(&query))).await;
                        let got: Vec<&String> = got.iter().collect();
                        prop_assert_eq!(got, expected, "q={:?} corpus seed {}", query, corpus_seed);
                        Ok::<(), TestCaseError>(())
                    })
                },
            )
            .unwrap();
    })
    .await
    .unwrap();
}

/// Sets one column of one row, as any module could.
async fn set<T>(db: &Db, column: &str, value: T, id: &str)
where
    T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
{
    let sql = format!("UPDATE wallet_transactions SET {column} = $1 WHERE id = $2");
    sqlx::query(&sql)
        .bind(value)
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
}

/// When a row is created, near the places where a sum could go wrong.
#[derive(Debug, Clone)]
enum When {
    /// Within seconds (or a day or so) of the start of a local month, `back` months before this
    /// one (UTC), in the offset of one of the case's queries or in any.
    MonthStart {
        back: i64,
        offset: Offset,
        jitter: i64,
    },
    /// Within seconds of a UTC midnight, `back` days ago.
    Midnight { back: i64, jitter: i64 },
    /// Any second of the last 800 days or the next one.
    Anywhere { ago: i64 },
}

#[derive(Debug, Clone)]
enum Offset {
    /// That of the case's query `n` (modulo their number).
    Query(usize),
    Any(i64),
}

impl When {
    fn at(&self, now: i64, queries: &[(u32, i32)]) -> i64 {
        use portal_server::clock::{civil_from_days, days_from_civil};
        match *self {
            When::MonthStart {
                back,
                ref offset,
                jitter,
            } => {
                let offset_minutes = match *offset {
                    Offset::Query(n) => i64::from(queries[n % queries.len()].1),
                    Offset::Any(minutes) => minutes,
                };
                let (y, m, _) = civil_from_days(now.div_euclid(86_400));
                let index = y * 12 + i64::from(m) - 1 - back;
                let start =
                    days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1);
                start * 86_400 - offset_minutes * 60 + jitter
            }
            When::Midnight { back, jitter } => (now.div_euclid(86_400) - back) * 86_400 + jitter,
            When::Anywhere { ago } => now - ago,
        }
    }
}

fn when() -> impl Strategy<Value = When> {
    // Right at a month's start (one second either side included) or within the day or so that a
    // boundary cuts.
    let offset = prop_oneof![
        3 => any::<usize>().prop_map(Offset::Query),
        1 => (-840..=840i64).prop_map(Offset::Any),
    ];
    let jitter = prop_oneof![Just(0i64), -1..=1i64, -110_000..=110_000i64];
    prop_oneof![
        2 => (0..26i64, offset, jitter).prop_map(|(back, offset, jitter)| When::MonthStart {
            back,
            offset,
            jitter,
        }),
        1 => (0..800i64, -2..=2i64).prop_map(|(back, jitter)| When::Midnight { back, jitter }),
        1 => (-86_400..800 * 86_400i64).prop_map(|ago| When::Anywhere { ago }),
    ]
}

/// Mostly what the chart counts: completed payments and refunds.
const KINDS: &[&str] = &["payment", "payment", "refund", "top_up"];
const STATUSES: &[&str] = &["completed", "completed", "completed", "pending", "declined"];

/// One change to the history, as any writer could make it.
#[derive(Debug, Clone)]
enum Change {
    /// A new row of the customer (or of another wallet), in yen or dollars.
    Add {
        mine: bool,
        kind: usize,
        status: usize,
        amount: i64,
        usd: bool,
        when: When,
    },
    Status {
        row: usize,
        status: usize,
    },
    Kind {
        row: usize,
        kind: usize,
    },
    Amount {
        row: usize,
        amount: i64,
    },
    Move {
        row: usize,
        when: When,
    },
    Currency {
        row: usize,
        usd: bool,
    },
    Delete {
        row: usize,
    },
}

fn change() -> impl Strategy<Value = Change> {
    let amount = -100_000..100_000i64;
    prop_oneof![
        6 => (any::<bool>(), 0..KINDS.len(), 0..STATUSES.len(), amount.clone(), prop::bool::weighted(0.2), when())
            .prop_map(|(mine, kind, status, amount, usd, when)| Change::Add {
                mine, kind, status, amount, usd, when,
            }),
        1 => (any::<usize>(), 0..STATUSES.len()).prop_map(|(row, status)| Change::Status { row, status }),
        1 => (any::<usize>(), 0..KINDS.len()).prop_map(|(row, kind)| Change::Kind { row, kind }),
        1 => (any::<usize>(), amount).prop_map(|(row, amount)| Change::Amount { row, amount }),
        1 => (any::<usize>(), when()).prop_map(|(row, when)| Change::Move { row, when }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(row, usd)| Change::Currency { row, usd }),
        1 => any::<usize>().prop_map(|row| Change::Delete { row }),
    ]
}

async fn monthly_spending_is_the_plain_sum_over_the_rows_for_any_offset(app: TestApp) {
    let db = app.state.db.clone();
    let me = Arc::new(app.customer("idx-stats", "en").await);
    let other = app.customer("idx-stats-other", "en").await.id;
    let handle = tokio::runtime::Handle::current();
    let (db2, other2) = (db.clone(), other.clone());
    tokio::task::spawn_blocking(move || {
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        let queries = proptest::collection::vec(
            (
                1..=24u32,
                prop_oneof![
                    -840..=840i32,
                    Just(0),
                    Just(540),
                    Just(-840),
                    Just(840),
                    Just(345)
                ],
            ),
            1..5,
        );
        runner
            .run(
                &(proptest::collection::vec(change(), 1..40), queries),
                |(changes, queries)| {
                    handle.block_on(check_spending(&db2, &me, &other2, changes, queries))
                },
            )
            .unwrap();
    })
    .await
    .unwrap();
    // Deleting a customer deletes their rows (ON DELETE CASCADE): the triggers run for those too.
    sqlx::query("DELETE FROM accounts WHERE id = $1")
        .bind(&other)
        .execute(&db.pool)
        .await
        .unwrap();
    let (left,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM wallet_spending_days WHERE account_id = $1 AND amount_minor <> 0",
    )
    .bind(&other)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(left, 0);
    assert_search_index_in_step(&db).await;
}

async fn check_spending(
    db: &Db,
    me: &Customer,
    other: &str,
    changes: Vec<Change>,
    queries: Vec<(u32, i32)>,
) -> Result<(), TestCaseError> {
    // Each case starts from empty wallets: the previous case's rows are deleted, one by one.
    for account in [me.id.as_str(), other] {
        sqlx::query("DELETE FROM wallet_transactions WHERE account_id = $1")
            .bind(account)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let now = portal_server::clock::now();
    let mut written: Vec<String> = Vec::new();
    for change in changes {
        let pick = |row: usize| written[row % written.len()].clone();
        match change {
            Change::Add {
                mine,
                kind,
                status,
                amount,
                usd,
                when,
            } => {
                let row = NewTransaction {
                    kind: KINDS[kind],
                    status: STATUSES[status],
                    amount_minor: amount,
                    merchant: Some("Lawson".to_owned()),
                    memo: None,
                    created_at: when.at(now, &queries),
                };
                let account = if mine { me.id.as_str() } else { other };
                let currency = if usd { "USD" } else { "JPY" };
                written.extend(ledger::insert(db, account, currency, &[row]).await);
            }
            _ if written.is_empty() => {}
            Change::Status { row, status } => {
                set(db, "status", STATUSES[status].to_owned(), &pick(row)).await
            }
            Change::Kind { row, kind } => set(db, "kind", KINDS[kind].to_owned(), &pick(row)).await,
            Change::Amount { row, amount } => set(db, "amount_minor", amount, &pick(row)).await,
            Change::Move { row, when } => {
                set(db, "created_at", when.at(now, &queries), &pick(row)).await
            }
            Change::Currency { row, usd } => {
                let currency = if usd { "USD" } else { "JPY" };
                set(db, "currency", currency.to_owned(), &pick(row)).await
            }
            Change::Delete { row } => {
                sqlx::query("DELETE FROM wallet_transactions WHERE id = $1")
                    .bind(pick(row))
                    .execute(&db.pool)
                    .await
                    .unwrap();
            }
        }
    }

    for (count, offset) in queries {
        let before = spending::months(portal_server::clock::now(), count, offset);
        let (status, body) = me
            .get(&format!(
                "/api/transactions/stats?months={count}&utc_offset_minutes={offset}"
            ))
            .await;
        prop_assert_eq!(status, StatusCode::OK, "{}", body);
        let after = spending::months(portal_server::clock::now(), count, offset);
        if before != after {
            continue; // A month began during the request: nothing to compare against.
        }
        let currency = body["months"][0]["spent"]["currency"]
            .as_str()
            .unwrap()
            .to_owned();
        for (i, &(year, month, from, until)) in before.iter().enumerate() {
            let (sum,): (i64,) = sqlx::query_as(
                "SELECT COALESCE(CAST(SUM(amount_minor) AS BIGINT), 0) FROM wallet_transactions
                 WHERE account_id = $1 AND currency = $2 AND status = 'completed'
                   AND kind IN ('payment', 'refund') AND created_at >= $3 AND created_at < $4",
            )
            .bind(&me.id)
            .bind(&currency)
            .bind(from)
            .bind(until)
            .fetch_one(&db.pool)
            .await
            .unwrap();
            let got = &body["months"][i];
            let label = format!("{year:04}-{month:02}");
            prop_assert_eq!(got["month"].as_str(), Some(label.as_str()));
            prop_assert_eq!(
                got["spent"]["minor"].as_i64(),
                Some(-sum),
                "months={} offset={} month {}: {}",
                count,
                offset,
                i,
                body
            );
        }
    }

    // And the daily sums are those of the rows, in every wallet of the store.
    let sums = |sql: &'static str| async move {
        let mut rows: Vec<(String, String, i64, i64)> =
            sqlx::query_as(sql).fetch_all(&db.pool).await.unwrap();
        rows.sort();
        rows
    };
    let kept = sums(
        "SELECT account_id, currency, day_start, amount_minor FROM wallet_spending_days
         WHERE amount_minor <> 0",
    )
    .await;
    let plain = sums(
        "SELECT account_id, currency, created_at - (created_at % 86400 + 86400) % 86400,
                CAST(SUM(amount_minor) AS BIGINT)
         FROM wallet_transactions WHERE status = 'completed' AND kind IN ('payment', 'refund')
         GROUP BY account_id, currency, created_at - (created_at % 86400 + 86400) % 86400
         HAVING SUM(amount_minor) <> 0",
    )
    .await;
    prop_assert_eq!(kept, plain);
    Ok(())
}
