//! The customer's history: keyset pages, filters, text search, CSV export and monthly spending,
//! always only the signed-in customer's own rows (T11, T13, T15).

use crate::common;
use crate::common::ledger::{self, NewTransaction};
use crate::common::{error_code, Customer, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

on_both_backends!(
    pages_run_newest_first_through_the_cursor_without_gaps_or_repeats,
    filters_combine_and_every_bound_is_inclusive,
    text_search_folds_case_and_width_and_takes_wildcards_literally,
    cursors_cannot_be_forged_edited_or_shared,
    bad_filters_are_clean_400s,
    every_history_endpoint_needs_a_session,
    another_customers_rows_are_never_reached,
    the_export_is_rfc_4180_with_every_matching_row,
    the_export_keeps_cents_and_defuses_formulas,
    monthly_spending_is_payments_less_refunds_in_local_months,
    a_search_no_index_narrows_reads_a_window_at_a_time_and_goes_on,
);

const T0: i64 = 1_790_000_000; // 2026-09-21T14:13:20Z

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every page of `query` (which has no cursor), following next_cursor.
async fn all_pages(c: &Customer, query: &str) -> (Vec<String>, usize) {
    let mut out = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let sep = if query.is_empty() { "" } else { "&" };
        let path = match &cursor {
            Some(cur) => format!("/api/transactions?{query}{sep}cursor={cur}"),
            None => format!("/api/transactions?{query}"),
        };
        let (status, page) = c.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        pages += 1;
        out.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(page.get("next_cursor").is_none_or(Value::is_null));
                return (out, pages);
            }
        }
    }
}

async fn pages_run_newest_first_through_the_cursor_without_gaps_or_repeats(app: TestApp) {
    let c = app.customer("pages", "en").await;
    // 123 rows; many share a second, so ties are broken by id.
    let rows: Vec<NewTransaction> = (0..123)
        .map(|i| NewTransaction::payment(100 + i, "Lawson", None, T0 + i / 4))
        .collect();
    let written = ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;
    let mut expected: Vec<(i64, String)> = rows
        .iter()
        .zip(&written)
        .map(|(r, id)| (r.created_at, id.clone()))
        .collect();
    expected.sort_by(|a, b| b.cmp(a));
    let expected: Vec<String> = expected.into_iter().map(|(_, id)| id).collect();

    let (status, first) = c.get("/api/transactions").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        ids(&first),
        expected[..50],
        "default page of 50, newest first"
    );
    let t = &first["items"][0];
    assert_eq!(t["kind"], "payment");
    assert_eq!(t["status"], "completed");
    let newest = written.iter().position(|w| *w == expected[0]).unwrap();
    assert_eq!(t["amount"]["minor"], rows[newest].amount_minor);
    assert_eq!(t["amount"]["currency"], "JPY");
    assert_eq!(t["merchant"], "Lawson");
    assert!(t["memo"].is_null() && t["dispute"].is_null());

    for (limit, pages) in [(1, 123), (7, 18), (50, 3), (100, 2)] {
        let (got, n) = all_pages(&c, &format!("limit={limit}")).await;
        assert_eq!(got, expected, "limit {limit}");
        assert_eq!(n, pages, "limit {limit}");
    }
    let (_, n) = all_pages(&c, &format!("from={}", T0 + 1)).await;
    assert_eq!(n, 3, "119 rows: 50 + 50 + 19");
    let (got, n) = all_pages(&c, &format!("to={}&limit=4", T0)).await;
    assert_eq!((got.len(), n), (4, 1), "a full last page has no cursor");

    // A row that arrives while paging shows up on a fresh first page, never in the middle.
    let (_, p1) = c.get("/api/transactions?limit=10").await;
    ledger::insert(
        &app.state.db,
        &c.id,
        "JPY",
        &[NewTransaction::payment(1, "Lawson", None, T0 + 1000)],
    )
    .await;
    let cur = p1["next_cursor"].as_str().unwrap();
    let (_, p2) = c
        .get(&format!("/api/transactions?limit=10&cursor={cur}"))
        .await;
    assert_eq!(ids(&p2), expected[10..20]);
}

async fn filters_combine_and_every_bound_is_inclusive(app: TestApp) {
    let c = app.customer("filters", "en").await;
    let rows = vec![
        NewTransaction::top_up(5000, "completed", T0),
        NewTransaction::top_up(3000, "pending", T0 + 10),
        NewTransaction::top_up(9000, "declined", T0 + 20),
        NewTransaction::payment(500, "Lawson", Some("coffee"), T0 + 30),
        NewTransaction::payment(1500, "FamilyMart", Some("lunch"), T0 + 40),
        NewTransaction::payment(3000, "Lawson", Some("dinner"), T0 + 50),
        NewTransaction::refund(500, "Lawson", T0 + 60),
        NewTransaction::payment(501, "lawson", None, T0 + 70),
    ];
    let id = ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;
    let q = |query: String| {
        let c = &c;
        let id = &id;
        async move {
            let (status, page) = c.get(&format!("/api/transactions?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            let mut got: Vec<usize> = ids(&page)
                .iter()
                .map(|t| id.iter().position(|i| i == t).unwrap())
                .collect();
            got.reverse();
            got
        }
    };
    assert_eq!(q("kind=top_up".into()).await, [0, 1, 2]);
    assert_eq!(q("kind=refund".into()).await, [6]);
    assert_eq!(q("status=pending".into()).await, [1]);
    assert_eq!(q("kind=top_up&status=completed".into()).await, [0]);
    // Dates: both ends inclusive.
    assert_eq!(
        q(format!("from={}&to={}", T0 + 10, T0 + 30)).await,
        [1, 2, 3]
    );
    assert_eq!(q(format!("from={0}&to={0}", T0 + 40)).await, [4]);
    // Amounts: the size, whatever the sign; both ends inclusive.
    assert_eq!(q("min_minor=500&max_minor=501".into()).await, [3, 6, 7]);
    assert_eq!(q("min_minor=3000&kind=payment".into()).await, [5]);
    assert_eq!(q("max_minor=3000&min_minor=3000".into()).await, [1, 5]);
    // Merchant: exact, so `lawson` is another store.
    assert_eq!(q("merchant=Lawson".into()).await, [3, 5, 6]);
    assert_eq!(q("merchant=lawson".into()).await, [7]);
    assert_eq!(q("merchant=Laws".into()).await, Vec::<usize>::new());
    assert_eq!(
        q("merchant=Lawson&kind=payment&max_minor=1000".into()).await,
        [3]
    );
    // Everything at once, and empty values for the text filters mean "no filter" for q only.
    assert_eq!(
        q(format!(
            "kind=payment&status=completed&from={}&to={}&min_minor=1&max_minor=99999&merchant=Lawson&q=dinner&limit=100",
            T0,
            T0 + 50
        ))
        .await,
        [5]
    );
    assert_eq!(q("q=".into()).await.len(), 8);
    assert_eq!(q("q=%20%20".into()).await.len(), 8);
}

async fn text_search_folds_case_and_width_and_takes_wildcards_literally(app: TestApp) {
    let c = app.customer("search", "en").await;
    let rows = vec![
        NewTransaction::payment(100, "ＬＡＷＳＯＮ 渋谷店", Some("Coffee ÉCLAIR"), T0),
        NewTransaction::payment(100, "Book_Off", Some("50% off"), T0 + 1),
        NewTransaction::payment(100, "BookXOff", Some("500 off"), T0 + 2),
        NewTransaction::payment(100, "متجر", Some("قهوة"), T0 + 3),
        NewTransaction::payment(100, "Back\\slash", Some("a\nb"), T0 + 4),
    ];
    let id = ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;
    let q = |text: &str| {
        let c = &c;
        let id = &id;
        let query = serde_urlencoded::to_string([("q", text)]).unwrap();
        async move {
            let (status, page) = c.get(&format!("/api/transactions?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            let mut got: Vec<usize> = ids(&page)
                .iter()
                .map(|t| id.iter().position(|i| i == t).unwrap())
                .collect();
            got.reverse();
            got
        }
    };
    assert_eq!(q("lawson").await, [0], "full-width folds to ASCII");
    assert_eq!(q("LAWSON").await, [0]);
    assert_eq!(q("ｌａｗｓｏｎ").await, [0]);
    assert_eq!(q("渋谷").await, [0]);
    assert_eq!(q("éclair").await, [0], "non-ASCII case folds too");
    assert_eq!(q("lawson coffee").await, [0], "every word, anywhere");
    assert_eq!(q("lawson tea").await, Vec::<usize>::new());
    assert_eq!(q("%").await, [1], "% is a percent sign");
    assert_eq!(q("50%").await, [1]);
    assert_eq!(q("_").await, [1], "_ is an underscore");
    assert_eq!(q("book_off").await, [1]);
    assert_eq!(q("\\").await, [4], "a backslash is itself");
    assert_eq!(q("قهوة").await, [3], "right-to-left text");
    assert_eq!(q("off").await, [0, 1, 2], "inside words too: c-off-ee");
    assert_eq!(q("'; DROP TABLE wallet_transactions;--").await.len(), 0);
    assert_eq!(q("\u{7}").await.len(), 0);
}

async fn cursors_cannot_be_forged_edited_or_shared(app: TestApp) {
    let alice = app.customer("cur-a", "en").await;
    let bob = app.customer("cur-b", "en").await;
    let rows: Vec<NewTransaction> = (0..5)
        .map(|i| NewTransaction::payment(100, "Lawson", None, T0 + i))
        .collect();
    ledger::insert(&app.state.db, &alice.id, "JPY", &rows).await;
    ledger::insert(&app.state.db, &bob.id, "JPY", &rows).await;
    let (_, page) = alice.get("/api/transactions?limit=2").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    assert!(
        !cursor.contains(&alice.id) && !cursor.contains(&ids(&page)[1]),
        "opaque: {cursor}"
    );
    let refused = |c: &Customer, cursor: String| {
        let path = format!(
            "/api/transactions?limit=2&cursor={}",
            serde_urlencoded::to_string([("x", cursor)]).unwrap()[2..].to_owned()
        );
        let c = c.client.clone();
        let url = alice.url(&path);
        async move {
            let (status, body) = common::read(c.get(url).send().await.unwrap()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(error_code(&body), "filter_invalid");
            assert_eq!(body["error"]["field"], "cursor");
        }
    };
    let mut edited = cursor.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    refused(&alice, String::from_utf8(edited).unwrap()).await;
    refused(&alice, format!("{cursor}A")).await;
    refused(&alice, cursor[..cursor.len() - 1].to_owned()).await;
    for junk in [
        "",
        "garbage",
        "!!!",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%00",
        "€",
    ] {
        refused(&alice, junk.to_owned()).await;
    }
    refused(&alice, "A".repeat(10_000)).await;
    // A cursor made up of the same facts, signed with another key, is refused.
    let forged = portal_server::db::cursor::encode(
        &[0u8; 32],
        &alice.id,
        &portal_server::db::cursor::Key {
            created_at: T0 + 3,
            id: ids(&page)[1].clone(),
        },
    );
    refused(&alice, forged).await;
    // Alice's cursor in Bob's hands is nothing.
    refused(&bob, cursor.clone()).await;
    let (status, _) = alice
        .get(&format!("/api/transactions?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn bad_filters_are_clean_400s(app: TestApp) {
    let c = app.customer("badq", "en").await;
    let long = "x".repeat(201);
    let many_words = "a ".repeat(11);
    let bad: Vec<(String, Option<&str>)> = vec![
        ("page=2".into(), None),
        ("offset=50".into(), None),
        ("kind=bogus".into(), None),
        ("kind=TopUp".into(), None),
        ("status=refunded".into(), None),
        ("from=yesterday".into(), None),
        ("from=1.5".into(), None),
        ("from=".into(), None),
        ("from=99999999999999999999".into(), None),
        ("from=-1".into(), Some("from")),
        ("to=-5".into(), Some("to")),
        (format!("from={}&to={}", T0 + 1, T0), Some("from")),
        ("min_minor=-1".into(), Some("min_minor")),
        ("max_minor=-100".into(), Some("max_minor")),
        ("min_minor=10&max_minor=9".into(), Some("min_minor")),
        ("min_minor=ten".into(), None),
        ("limit=0".into(), Some("limit")),
        ("limit=101".into(), Some("limit")),
        ("limit=-1".into(), None),
        ("limit=4294967296".into(), None),
        ("limit=99999999999999999999999".into(), None),
        ("kind=payment&kind=refund".into(), None),
        (format!("q={long}"), Some("q")),
        (format!("merchant={long}"), Some("merchant")),
        (
            serde_urlencoded::to_string([("q", &many_words)]).unwrap(),
            Some("q"),
        ),
        ("merchant=a%00b".into(), Some("merchant")),
        ("q=%00".into(), Some("q")),
    ];
    for (query, field) in &bad {
        for path in ["/api/transactions", "/api/transactions/export.csv"] {
            let (status, body) = c.get(&format!("{path}?{query}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}?{query}: {body}");
            assert_eq!(error_code(&body), "filter_invalid", "{query}");
            if let Some(field) = field {
                assert_eq!(body["error"]["field"], *field, "{query}");
            }
        }
    }
    // The export reads everything: paging parameters make no sense there.
    for query in ["limit=10", "cursor=abc"] {
        let (status, body) = c
            .get(&format!("/api/transactions/export.csv?{query}"))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(error_code(&body), "filter_invalid");
    }
    for query in [
        "months=0",
        "months=25",
        "months=-1",
        "months=twelve",
        "months=99999999999",
        "utc_offset_minutes=841",
        "utc_offset_minutes=-841",
        "utc_offset_minutes=9.5",
        "utc_offset_minutes=99999999999",
        "offset=540",
        "months=1&months=2",
    ] {
        let (status, body) = c.get(&format!("/api/transactions/stats?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(error_code(&body), "filter_invalid", "{query}");
    }
    // The widest legal values are fine.
    for query in [
        "months=24&utc_offset_minutes=840",
        "months=1&utc_offset_minutes=-840",
    ] {
        let (status, body) = c.get(&format!("/api/transactions/stats?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
    }
    let (status, _) = c
        .get(&format!(
            "/api/transactions?from=0&to={}&min_minor=0&max_minor={}&limit=100",
            i64::MAX,
            i64::MAX
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn every_history_endpoint_needs_a_session(app: TestApp) {
    let anonymous = reqwest::Client::new();
    for path in [
        "/api/transactions",
        "/api/transactions?kind=payment",
        "/api/transactions?bogus=1",
        "/api/transactions/export.csv",
        "/api/transactions/stats",
        "/api/disputes",
        "/api/disputes/D-0000-0000-0000",
    ] {
        let (status, body) = common::read(anonymous.get(app.url(path)).send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(error_code(&body), "not_signed_in");
    }
    let r = anonymous
        .post(app.url("/api/transactions/x/disputes"))
        .json(&serde_json::json!({"reason": "other", "details": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn another_customers_rows_are_never_reached(app: TestApp) {
    let alice = app.customer("iso-a", "en").await;
    let bob = app.customer("iso-b", "en").await;
    let now = portal_server::clock::now();
    ledger::insert(
        &app.state.db,
        &alice.id,
        "JPY",
        &[NewTransaction::payment(
            700,
            "Lawson",
            Some("alice's coffee"),
            now - 60,
        )],
    )
    .await;
    let bobs = ledger::insert(
        &app.state.db,
        &bob.id,
        "JPY",
        &[
            NewTransaction::payment(9_999, "Bob's Secret Shop", Some("bob only"), now - 30),
            NewTransaction::payment(1_234, "Lawson", Some("bob's coffee"), now - 20),
        ],
    )
    .await;
    for query in [
        "",
        "merchant=Bob%27s%20Secret%20Shop",
        "q=bob",
        "q=secret",
        "min_minor=9999",
        "merchant=Lawson",
        "q=coffee",
    ] {
        let (status, page) = alice.get(&format!("/api/transactions?{query}")).await;
        assert_eq!(status, StatusCode::OK);
        let got: HashSet<String> = ids(&page).into_iter().collect();
        assert!(
            got.iter().all(|id| !bobs.contains(id)),
            "{query}: Bob's rows leaked: {page}"
        );
        let csv = alice
            .client
            .get(alice.url(&format!("/api/transactions/export.csv?{query}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for secret in [
            "Bob's Secret Shop",
            "bob only",
            "bob's coffee",
            &bobs[0],
            &bobs[1],
        ] {
            assert!(!csv.contains(secret), "{query}: {csv}");
        }
    }
    let (_, page) = alice.get("/api/transactions?q=coffee").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);

    // One transaction by id: her own reads as in the list; Bob's answers exactly like none.
    let own = &page["items"][0];
    let (status, one) = alice
        .get(&format!(
            "/api/transactions/{}",
            own["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&one, own);
    let (status, theirs) = alice.get(&format!("/api/transactions/{}", bobs[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, unknown) = alice.get("/api/transactions/no-such-id").await;
    assert_eq!(theirs, unknown);
    let (status, _) = alice.get("/api/transactions/a%00b").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let spent = |stats: Value| -> i64 {
        stats["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["spent"]["minor"].as_i64().unwrap())
            .sum()
    };
    assert_eq!(
        spent(alice.get("/api/transactions/stats?months=2").await.1),
        700
    );
    assert_eq!(
        spent(bob.get("/api/transactions/stats?months=2").await.1),
        9_999 + 1_234
    );
}

/// The export read by the `csv` crate, every record the same length, plus what RFC 4180 asks and
/// the crate lets pass: every record ends in CRLF, the last one too.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).expect("CSV") {
        // The reader stops between a record's CR and its LF.
        let end = reader.position().byte() as usize;
        assert!(
            text.as_bytes()[end.saturating_sub(1)..].starts_with(b"\r\n"),
            "record {} does not end in CRLF: {:?}",
            records.len(),
            &text[..(end + 1).min(text.len())]
        );
        records.push(record.iter().map(str::to_owned).collect());
    }
    records
}

async fn export(c: &Customer, query: &str) -> (reqwest::header::HeaderMap, String) {
    let r = c
        .client
        .get(c.url(&format!("/api/transactions/export.csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap())
}

async fn the_export_is_rfc_4180_with_every_matching_row(app: TestApp) {
    let c = app.customer("csv", "en").await;
    let awkward = "He said \"hi\", then left.\r\nSecond line\nThird, with comma\r\n";
    let mut rows = vec![
        NewTransaction::payment(500, "Lawson, Shibuya", Some(awkward), T0),
        NewTransaction::payment(700, "\"Quoted\" Store", Some("絵文字 🧾 and متجر"), T0 + 1),
        NewTransaction::top_up(10_000, "pending", T0 + 2),
        NewTransaction::refund(500, "Lawson, Shibuya", T0 + 3),
    ];
    // More than one chunk of the stream (1,000 rows each).
    for i in 0..2_345 {
        rows.push(NewTransaction::payment(1 + i, "Bulk", None, T0 + 10 + i));
    }
    let id = ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;

    let (headers, text) = export(&c, "").await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"transactions-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a UTF-8 byte-order mark");
    let records = parse_csv(text);
    assert_eq!(
        records[0],
        ["id", "date", "kind", "status", "amount", "currency", "merchant", "memo", "dispute"]
    );
    assert_eq!(records.len(), 1 + rows.len());
    let exported: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    let unique: HashSet<&str> = exported.iter().copied().collect();
    assert_eq!(unique.len(), rows.len(), "every row exactly once");
    assert_eq!(exported[0], id[id.len() - 1], "newest first");
    let by_id = |want: &str| records.iter().find(|r| r[0] == want).unwrap().clone();
    assert_eq!(
        by_id(&id[0]),
        [
            id[0].as_str(),
            "2026-09-21T14:13:20Z",
            "payment",
            "completed",
            "-500",
            "JPY",
            "Lawson, Shibuya",
            awkward,
            ""
        ]
    );
    let r = by_id(&id[1]);
    assert_eq!(
        (r[6].as_str(), r[7].as_str()),
        ("\"Quoted\" Store", "絵文字 🧾 and متجر")
    );
    let r = by_id(&id[2]);
    assert_eq!(
        (r[2].as_str(), r[3].as_str(), r[4].as_str(), r[6].as_str()),
        ("top_up", "pending", "10000", "")
    );
    assert_eq!(by_id(&id[3])[4], "500");

    // The same filters as the list.
    let (_, text) = export(&c, "merchant=Lawson%2C%20Shibuya").await;
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    assert_eq!(records.len(), 3);
    assert_eq!(
        (records[1][0].as_str(), records[2][0].as_str()),
        (id[3].as_str(), id[0].as_str())
    );
    let (_, text) = export(&c, "kind=top_up&status=pending").await;
    assert_eq!(parse_csv(text.trim_start_matches('\u{feff}')).len(), 2);
    let (_, text) = export(&c, "q=nothing-matches-this").await;
    assert_eq!(
        parse_csv(text.trim_start_matches('\u{feff}')).len(),
        1,
        "the header alone"
    );
}

async fn the_export_keeps_cents_and_defuses_formulas(app: TestApp) {
    let c = app.customer("csv-usd", "en").await;
    let rows = vec![
        NewTransaction::payment(
            1205,
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            Some("+1+1"),
            T0,
        ),
        NewTransaction::payment(5, "@SUM(A1:A9)", Some("-2+3"), T0 + 1),
        NewTransaction::payment(100_000_001, "\tTabbed", Some("\rCR first"), T0 + 2),
        NewTransaction::refund(7, "Safe = fine", T0 + 3),
    ];
    let id = ledger::insert(&app.state.db, &c.id, "USD", &rows).await;
    let (_, text) = export(&c, "").await;
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    let by_id = |want: &str| records.iter().find(|r| r[0] == want).unwrap().clone();
    let r = by_id(&id[0]);
    assert_eq!(r[4], "-12.05");
    assert_eq!(r[5], "USD");
    assert_eq!(r[6], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(r[7], "'+1+1");
    let r = by_id(&id[1]);
    assert_eq!(
        (r[4].as_str(), r[6].as_str(), r[7].as_str()),
        ("-0.05", "'@SUM(A1:A9)", "'-2+3")
    );
    let r = by_id(&id[2]);
    assert_eq!(
        (r[4].as_str(), r[6].as_str(), r[7].as_str()),
        ("-1000000.01", "'\tTabbed", "'\rCR first")
    );
    let r = by_id(&id[3]);
    assert_eq!((r[4].as_str(), r[6].as_str()), ("0.07", "Safe = fine"));
    // The JSON list gives the same text untouched.
    let (_, page) = c.get("/api/transactions?q=hyperlink").await;
    assert_eq!(
        page["items"][0]["merchant"],
        "=HYPERLINK(\"http://evil.example\",\"x\")"
    );
}

async fn monthly_spending_is_payments_less_refunds_in_local_months(app: TestApp) {
    use portal_server::clock::{civil_from_days, days_from_civil};
    let c = app.customer("stats", "en").await;
    let now = portal_server::clock::now();
    let (y, m, _) = civil_from_days(now.div_euclid(86_400));
    let month_start = |back: i64| {
        let index = y * 12 + i64::from(m) - 1 - back;
        days_from_civil(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1) * 86_400
    };
    let this = month_start(0);
    let last = month_start(1);
    let label = |back: i64| {
        let (yy, mm, _) = civil_from_days(month_start(back).div_euclid(86_400));
        format!("{yy:04}-{mm:02}")
    };
    let rows = vec![
        // This month (UTC): 1,000 + 2,500 paid, 500 refunded; top-ups, pending and declined rows
        // are not spending.
        NewTransaction::payment(1_000, "Lawson", None, this + 60),
        NewTransaction::payment(2_500, "FamilyMart", None, this + 120),
        NewTransaction::refund(500, "Lawson", this + 180),
        NewTransaction::top_up(50_000, "completed", this + 240),
        NewTransaction {
            status: "pending",
            ..NewTransaction::payment(7_777, "Lawson", None, this + 300)
        },
        NewTransaction {
            status: "declined",
            ..NewTransaction::payment(8_888, "Lawson", None, this + 360)
        },
        // Last month, one second before this month began (UTC): still last month in UTC, but
        // this month in Japan (UTC+9).
        NewTransaction::payment(300, "Lawson", None, this - 1),
        NewTransaction::payment(4_000, "Lawson", None, last),
        // Two years ago: outside every range.
        NewTransaction::payment(99_000, "Lawson", None, month_start(25)),
    ];
    ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;

    let (status, stats) = c.get("/api/transactions/stats").await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    let months = stats["months"].as_array().unwrap();
    assert_eq!(months.len(), 12, "default twelve months, every one present");
    assert_eq!(months[11]["month"], label(0));
    assert_eq!(months[0]["month"], label(11));
    assert_eq!(
        months[11]["spent"],
        serde_json::json!({"minor": 3_000, "currency": "JPY"})
    );
    assert_eq!(months[10]["spent"]["minor"], 4_300);
    for month in &months[..10] {
        assert_eq!(month["spent"]["minor"], 0, "{month}");
    }
    let labels: Vec<&str> = months
        .iter()
        .map(|m| m["month"].as_str().unwrap())
        .collect();
    let mut sorted = labels.clone();
    sorted.sort();
    assert_eq!(labels, sorted, "oldest first");

    // In Japan the second before UTC midnight is already this month -- unless this month in
    // Japan has moved on too (the last nine hours of a UTC month).
    let (_, tokyo) = c
        .get("/api/transactions/stats?months=2&utc_offset_minutes=540")
        .await;
    let tokyo = tokyo["months"].as_array().unwrap();
    assert_eq!(tokyo.len(), 2);
    if tokyo[1]["month"] == label(0) {
        assert_eq!(tokyo[1]["spent"]["minor"], 3_300, "{tokyo:?}");
        assert_eq!(tokyo[0]["spent"]["minor"], 4_000);
    }
    let (_, two_years) = c.get("/api/transactions/stats?months=24").await;
    let two_years = two_years["months"].as_array().unwrap();
    assert_eq!(two_years.len(), 24);
    let total: i64 = two_years
        .iter()
        .map(|m| m["spent"]["minor"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 7_300, "the payment of 25 months ago is outside");

    // No history at all: every month zero, in the wallet's currency.
    let empty = app.customer("stats-empty", "en").await;
    let (_, stats) = empty.get("/api/transactions/stats?months=3").await;
    assert_eq!(
        stats["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["spent"]["minor"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [0, 0, 0]
    );
    let usd = app.customer("stats-usd", "en").await;
    ledger::insert(
        &app.state.db,
        &usd.id,
        "USD",
        &[NewTransaction::payment(1_205, "Cafe", None, this + 60)],
    )
    .await;
    let (_, stats) = usd.get("/api/transactions/stats?months=1").await;
    assert_eq!(
        stats["months"][0]["spent"],
        serde_json::json!({"minor": 1_205, "currency": "USD"})
    );
}

/// Rows one request reads for a search of one- and two-character words (`UNINDEXED_SEARCH_ROWS`).
const WINDOW: usize = 5_000;

async fn a_search_no_index_narrows_reads_a_window_at_a_time_and_goes_on(app: TestApp) {
    let c = app.customer("window", "en").await;
    // 12,000 rows, oldest first at T0 + i: two windows of 5,000 and 2,000 more. 渋谷 (no trigram)
    // is in the 7,000th newest row and the oldest; "ekiben" (trigrams) in the oldest.
    let n = 12_000;
    let rows: Vec<NewTransaction> = (0..n)
        .map(|i| {
            let memo = match n - 1 - i {
                6_999 => Some("渋谷"),
                newest_first if newest_first == n - 1 => Some("渋谷 ekiben"),
                _ => None,
            };
            NewTransaction::payment(100, "Lawson", memo, T0 + i as i64)
        })
        .collect();
    let id = ledger::insert(&app.state.db, &c.id, "JPY", &rows).await;
    let newest_first = |k: usize| T0 + (n - 1 - k) as i64;

    let (status, p1) = c
        .get("/api/transactions?q=%E6%B8%8B%E8%B0%B7&limit=10")
        .await;
    assert_eq!(status, StatusCode::OK, "{p1}");
    assert!(ids(&p1).is_empty(), "nothing in the newest window: {p1}");
    assert_eq!(p1["searched_to"], newest_first(WINDOW - 1), "{p1}");
    let cur = p1["next_cursor"].as_str().expect("the search goes on");

    let (_, p2) = c
        .get(&format!(
            "/api/transactions?q=%E6%B8%8B%E8%B0%B7&limit=10&cursor={cur}"
        ))
        .await;
    assert_eq!(ids(&p2), [id[n - 1 - 6_999].clone()], "{p2}");
    assert_eq!(p2["searched_to"], newest_first(2 * WINDOW - 1), "{p2}");
    let cur = p2["next_cursor"].as_str().expect("the search goes on");

    let (_, p3) = c
        .get(&format!(
            "/api/transactions?q=%E6%B8%8B%E8%B0%B7&limit=10&cursor={cur}"
        ))
        .await;
    assert_eq!(ids(&p3), [id[0].clone()], "the last window: {p3}");
    assert!(
        p3.get("searched_to").is_none() && p3["next_cursor"].is_null(),
        "{p3}"
    );

    // A page that fills inside its window ends at its last row, as any page does.
    let (_, full) = c.get("/api/transactions?q=la&limit=3").await;
    assert_eq!(
        ids(&full),
        id[n - 3..].iter().rev().cloned().collect::<Vec<_>>(),
        "{full}"
    );
    assert!(full.get("searched_to").is_none(), "{full}");
    let cur = full["next_cursor"].as_str().unwrap();
    let (_, next) = c
        .get(&format!("/api/transactions?q=la&limit=3&cursor={cur}"))
        .await;
    assert_eq!(
        ids(&next),
        id[n - 6..n - 3].iter().rev().cloned().collect::<Vec<_>>(),
        "{next}"
    );

    // Nothing found anywhere: a window a page, then the end.
    let (found, pages) = all_pages(&c, "q=zq&limit=100").await;
    assert_eq!((found.len(), pages), (0, 3));
    // Within a date range the window starts at the range: 4,501 rows, searched in one read.
    let (from, to) = (newest_first(7_500), newest_first(3_000));
    let (_, dated) = c
        .get(&format!(
            "/api/transactions?q=%E6%B8%8B%E8%B0%B7&from={from}&to={to}"
        ))
        .await;
    assert_eq!(ids(&dated), [id[n - 1 - 6_999].clone()], "{dated}");
    assert!(
        dated.get("searched_to").is_none() && dated["next_cursor"].is_null(),
        "{dated}"
    );

    // A word an index finds is not read window by window: one page, to the oldest row.
    let (_, indexed) = c.get("/api/transactions?q=ekiben").await;
    assert_eq!(ids(&indexed), [id[0].clone()], "{indexed}");
    assert!(indexed.get("searched_to").is_none() && indexed["next_cursor"].is_null());

    // The export goes through every window.
    let (_, text) = export(&c, "q=%E6%B8%8B%E8%B0%B7").await;
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    let exported: Vec<&str> = records[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(exported, [id[n - 1 - 6_999].as_str(), id[0].as_str()]);
}
