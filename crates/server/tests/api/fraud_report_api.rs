//! Fraud reports (docs/threat-model.md#t11): a report freezes money out of the wallet in the
//! transaction that stores it, never hides the history, seals the history and screenshots into a
//! hash chain, and gives the customer a bundle with the same bytes for the same state.

use crate::common;
use crate::common::evidence as fixtures;

use crate::common::wallet::{new_key, yen};
use crate::common::{error_code, unique_email, TestApp};
use portal_server::evidence::chain;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;

on_both_backends!(
    a_report_freezes_money_out_and_keeps_everything_readable,
    the_bundle_holds_the_sealed_evidence_and_is_the_same_every_time,
    additions_chain_to_the_manifest_and_verify_finds_any_change,
    a_payment_racing_a_report_is_in_the_snapshot_or_refused,
    uploads_are_limited_per_customer_whatever_becomes_of_them,
    the_snapshot_holds_half_a_year_and_every_reported_row,
    a_day_old_upload_can_no_longer_be_attached,
    a_report_holds_at_most_thirty_screenshots,
);

const DESCRIPTION: &str = "I never went to these shops.\r\nمتجر غير معروف 🤔\n<script>alert(1)</script> '; DROP TABLE fraud_reports;--";

use fixtures::{png, sha256_hex as sha256};

async fn upload(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let r = app
        .client
        .post(app.url("/api/evidence"))
        .query(&[("name", name)])
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let (status, body) = common::read(r).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

/// A customer with money and two payments at stores; answers the payments' ids, newest first.
async fn customer_with_payments(app: &TestApp, tag: &str) -> (String, Vec<String>) {
    let email = unique_email(tag);
    app.wallet_customer(&email).await;
    app.funded(20_000).await;
    let key = app.merchant("Kissa Midori 喫茶みどり").await;
    let mut ids = Vec::new();
    for amount in [1_200, 3_400] {
        let code = app.payment_code().await;
        let (status, paid) = app
            .redeem(
                &key,
                &new_key(),
                json!({"code": code, "amount": yen(amount)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{paid}");
        ids.insert(0, paid["id"].as_str().unwrap().to_owned());
    }
    (email, ids)
}

async fn report(app: &TestApp, transactions: &[String], screenshots: &[&Value]) -> Value {
    let ids: Vec<&str> = screenshots
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    let (status, body) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": transactions, "description": DESCRIPTION, "screenshots": ids}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn bundle(app: &TestApp, report: &Value) -> Vec<u8> {
    let r = app
        .client
        .get(app.url(report["bundle_url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let len: usize = r.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let bytes = r.bytes().await.unwrap().to_vec();
    assert_eq!(bytes.len(), len);
    bytes
}

fn unzip(zip: &[u8]) -> BTreeMap<String, Vec<u8>> {
    fixtures::zip_entries(zip).into_iter().collect()
}

async fn a_report_freezes_money_out_and_keeps_everything_readable(app: TestApp) {
    let (email, payments) = customer_with_payments(&app, "freeze").await;
    let card = {
        let (_, cards) = app.get("/api/cards").await;
        cards[0]["id"].as_str().unwrap().to_owned()
    };
    let merchant = app.merchant("After the freeze").await;
    let code_before = app.payment_code().await;
    let (_, dispute) = app
        .post(
            &format!("/api/transactions/{}/disputes", payments[1]),
            json!({"reason": "wrong_amount", "details": "Charged twice"}),
        )
        .await;
    let shot = upload(&app, "スクリーンショット 1.png", png(64, 48, 10)).await;
    let balance = app.balance().await;

    let r = report(&app, &payments, &[&shot]).await;
    let id = r["id"].as_str().unwrap();
    assert!(id.starts_with("F-") && id.len() == 16, "{id}");
    assert_eq!(r["description"], DESCRIPTION);
    assert_eq!(r["status"], "submitted");
    assert_eq!(r["transactions"].as_array().unwrap().len(), 2);
    assert_eq!(r["screenshots"][0]["sha256"], shot["sha256"]);
    assert_eq!(r["timeline"].as_array().unwrap().len(), 1);
    assert_eq!(r["timeline"][0]["sha256"], r["manifest_sha256"]);
    assert!(r["snapshot_rows"].as_u64().unwrap() >= 3, "{r}");

    let (_, wallet) = app.get("/api/wallet").await;
    assert_eq!(wallet["freeze"]["report_id"], id);
    // Every way money leaves, refused through the API; the code shown before is void.
    let (status, body) = app.top_up(&card, 1_000, &new_key()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "wallet_frozen")
    );
    // A session that has not stepped up hears of the freeze first, not of step-up.
    let fresh = app.new_client();
    app.sign_in_with_totp(&fresh, &email).await;
    let (status, body) = app.top_up_with(&fresh, &card, 1_000, &new_key()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "wallet_frozen")
    );
    let (status, body) = app.post("/api/payment-codes", json!({})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "wallet_frozen")
    );
    let (status, body) = app
        .redeem(
            &merchant,
            &new_key(),
            json!({"code": code_before, "amount": yen(100)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.balance().await, balance);
    // The ledger itself refuses, whatever the entry point.
    let wallet_id = app
        .scalar_text(&format!(
            "SELECT id FROM ledger_accounts WHERE kind = 'wallet' AND owner_id = (SELECT account_id FROM fraud_reports WHERE id = '{id}')"
        ))
        .await;
    let merchant_account = app
        .scalar_text("SELECT id FROM ledger_accounts WHERE kind = 'merchant' LIMIT 1")
        .await;
    let mut tx = app.state.db.pool.begin().await.unwrap();
    let legs = [
        portal_server::wallet::ledger::Leg {
            account_id: wallet_id,
            amount_minor: -1,
        },
        portal_server::wallet::ledger::Leg {
            account_id: merchant_account,
            amount_minor: 1,
        },
    ];
    let posted = portal_server::wallet::ledger::post(
        &mut tx,
        app.state.db.backend,
        &portal_server::wallet::ledger::Entry {
            kind: "payment",
            scope: "test",
            key: "frozen",
            request_hash: "x",
            currency: portal_api::money::Currency::JPY,
            legs: &legs,
            at: portal_server::clock::now(),
        },
    )
    .await;
    assert!(
        matches!(
            posted,
            Err(portal_server::wallet::ledger::PostError::Frozen)
        ),
        "{posted:?}"
    );
    drop(tx);

    // Nothing is hidden.
    let (status, page) = app.get("/api/transactions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["items"].as_array().unwrap().len() >= 3, "{page}");
    let (status, d) = app
        .get(&format!(
            "/api/disputes/{}",
            dispute["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let (status, again) = app.get(&format!("/api/fraud-reports/{id}")).await;
    assert_eq!((status, &again), (StatusCode::OK, &r));
    let (status, list) = app.get("/api/fraud-reports").await;
    assert_eq!((status, list), (StatusCode::OK, json!([r])));
    let shot_url = r["screenshots"][0]["url"].as_str().unwrap();
    let image = app.client.get(app.url(shot_url)).send().await.unwrap();
    assert_eq!(image.status(), StatusCode::OK);
    assert_eq!(sha256(&image.bytes().await.unwrap()), shot["sha256"]);

    // The receipt names the report and the manifest's hash.
    let mut mail = None;
    for _ in 0..200 {
        mail = app
            .mailbox
            .all_for(&email)
            .into_iter()
            .find(|m| m.body.contains(id));
        if mail.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mail = mail.expect("a report mail");
    assert!(
        mail.body.contains(r["manifest_sha256"].as_str().unwrap()),
        "{}",
        mail.body
    );
    app.assert_ledger_consistent().await;
}

async fn the_bundle_holds_the_sealed_evidence_and_is_the_same_every_time(app: TestApp) {
    let (_, payments) = customer_with_payments(&app, "bundle").await;
    let a = upload(&app, "a.png", png(32, 32, 1)).await;
    let b = upload(&app, "b <b>.png", png(40, 20, 2)).await;
    let r = report(&app, &payments, &[&a, &b]).await;
    let zip = bundle(&app, &r).await;
    // Past the ZIP's two-second clock: nothing of the moment of download may reach the bytes.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    assert_eq!(
        bundle(&app, &r).await,
        zip,
        "the same bytes for the same state"
    );

    let files = unzip(&zip);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    for expected in [
        "SHA256SUMS",
        "history.csv",
        "history.json",
        "manifest.json",
        "summary.txt",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    assert_eq!(sha256(&files["manifest.json"]), r["manifest_sha256"]);
    let shots: Vec<&String> = files
        .keys()
        .filter(|n| n.starts_with("screenshots/"))
        .collect();
    assert_eq!(shots.len(), 2);
    assert_eq!(sha256(&files[shots[0]]), a["sha256"]);
    assert_eq!(sha256(&files[shots[1]]), b["sha256"]);

    let manifest: chain::Body = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let sealed = manifest.sealed.as_ref().unwrap();
    assert_eq!(sealed.description, DESCRIPTION);
    assert_eq!(sealed.reported_transactions.len(), 2);
    assert_eq!(sha256(&files["history.json"]), sealed.snapshot.json.sha256);
    assert_eq!(sha256(&files["history.csv"]), sealed.snapshot.csv.sha256);
    let history: Value = serde_json::from_slice(&files["history.json"]).unwrap();
    let rows = history["transactions"].as_array().unwrap();
    assert_eq!(rows.len() as u64, sealed.snapshot.rows);
    for p in &payments {
        assert!(rows.iter().any(|t| t["id"] == p.as_str()), "{p} sealed");
        assert!(String::from_utf8_lossy(&files["history.csv"]).contains(p.as_str()));
    }
    // SHA256SUMS lists every other file with its true hash.
    let sums = String::from_utf8(files["SHA256SUMS"].clone()).unwrap();
    let mut listed = 0;
    for line in sums.lines() {
        let (hash, name) = line.split_once("  ").unwrap();
        assert_eq!(sha256(&files[name]), hash, "{name}");
        listed += 1;
    }
    assert_eq!(
        listed,
        files.len() - 2,
        "all but summary.txt and SHA256SUMS"
    );
    let summary = String::from_utf8(files["summary.txt"].clone()).unwrap();
    for needle in [
        r["id"].as_str().unwrap(),
        r["manifest_sha256"].as_str().unwrap(),
        "喫茶みどり",
        "1,200",
    ] {
        assert!(summary.contains(needle), "{needle} in {summary}");
    }
}

async fn additions_chain_to_the_manifest_and_verify_finds_any_change(app: TestApp) {
    let (_, payments) = customer_with_payments(&app, "chain").await;
    let r = report(&app, &payments[..1], &[]).await;
    let id = r["id"].as_str().unwrap();
    let before = bundle(&app, &r).await;
    let shot = upload(&app, "later.png", png(16, 16, 9)).await;
    let (status, added) = app
        .post(
            &format!("/api/fraud-reports/{id}/evidence"),
            json!({"screenshots": [shot["id"]], "note": "Found one more 📎\nline two"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{added}");
    let timeline = added["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[1]["kind"], "evidence_added");
    assert_eq!(timeline[1]["note"], "Found one more 📎\nline two");
    assert_eq!(timeline[1]["screenshots"], json!([shot["id"]]));
    assert_eq!(
        added["manifest_sha256"], r["manifest_sha256"],
        "the manifest never changes"
    );

    let after = bundle(&app, &added).await;
    assert_ne!(after, before);
    let files = unzip(&after);
    let entry: chain::Body = serde_json::from_slice(&files["chain/0002.json"]).unwrap();
    assert_eq!(entry.prev_sha256.as_deref(), r["manifest_sha256"].as_str());
    assert_eq!(sha256(&files["chain/0002.json"]), timeline[1]["sha256"]);
    assert_eq!(sha256(&files["manifest.json"]), r["manifest_sha256"]);

    let verdict = |v: Vec<chain::Verdict>| {
        v.into_iter()
            .find(|v| v.report_id == id)
            .map(|v| v.result)
            .unwrap()
    };
    let verify = || chain::verify_all(&app.state.db, app.state.evidence.as_ref());
    assert_eq!(
        verdict(verify().await.unwrap()),
        Ok(3),
        "the snapshot's JSON and CSV, and the screenshot added later"
    );

    // A byte changed on disk.
    let sha = shot["sha256"].as_str().unwrap();
    let path = app
        .state
        .config
        .data_dir
        .join("evidence")
        .join(&sha[..2])
        .join(&sha[2..]);
    let original = std::fs::read(&path).unwrap();
    let mut changed = original.clone();
    let last = changed.len() - 20;
    changed[last] ^= 1;
    std::fs::write(&path, &changed).unwrap();
    // The bundle is cut off rather than hand over a file that is not the evidence.
    let cut = app
        .client
        .get(app.url(added["bundle_url"].as_str().unwrap()))
        .send()
        .await;
    let whole = match cut {
        Ok(r) => r.bytes().await.is_ok(),
        Err(_) => false,
    };
    assert!(!whole, "a changed file ends the download");
    let broken = verdict(verify().await.unwrap()).unwrap_err();
    assert!(
        broken.contains(sha) && broken.contains("changed"),
        "{broken}"
    );
    std::fs::write(&path, &original).unwrap();
    assert!(verdict(verify().await.unwrap()).is_ok());

    // Entries edited in the database, their hashes made to match: what only the chain's links
    // and the manifest hash recorded (and mailed) at the start can tell.
    let entry = |seq: i64| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT body FROM evidence_entries WHERE report_id = $1 AND seq = $2",
            )
            .bind(id)
            .bind(seq)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let rewrite = |seq: i64, body: String| {
        let pool = app.state.db.pool.clone();
        async move {
            sqlx::query("UPDATE evidence_entries SET body = $1, sha256 = $2 WHERE report_id = $3 AND seq = $4")
                .bind(&body)
                .bind(sha256(body.as_bytes()))
                .bind(id)
                .bind(seq)
                .execute(&pool)
                .await
                .unwrap();
        }
    };
    let (first, second) = (entry(1).await, entry(2).await);

    // The text alone changed: its hash no longer matches.
    sqlx::query("UPDATE evidence_entries SET body = $1 WHERE report_id = $2 AND seq = 2")
        .bind(second.replace("line two", "line 2"))
        .bind(id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let broken = verdict(verify().await.unwrap()).unwrap_err();
    assert!(
        broken.contains("entry 2") && broken.contains("SHA-256"),
        "{broken}"
    );

    // Entry 2 rehashed, but naming another predecessor.
    let manifest = r["manifest_sha256"].as_str().unwrap();
    rewrite(2, second.replace(manifest, &"0".repeat(64))).await;
    let broken = verdict(verify().await.unwrap()).unwrap_err();
    assert!(
        broken.contains("entry 2 does not follow entry 1"),
        "{broken}"
    );

    // The whole chain rewritten consistently: only the manifest hash recorded when the report
    // was made gives it away.
    let forged = first.replace("I never went to these shops.", "I went to these shops.");
    assert_ne!(forged, first);
    rewrite(1, forged.clone()).await;
    rewrite(2, second.replace(manifest, &sha256(forged.as_bytes()))).await;
    let broken = verdict(verify().await.unwrap()).unwrap_err();
    assert!(
        broken.contains("manifest is not the one recorded"),
        "{broken}"
    );

    rewrite(1, first).await;
    rewrite(2, second).await;
    assert!(verdict(verify().await.unwrap()).is_ok());
}

async fn a_payment_racing_a_report_is_in_the_snapshot_or_refused(app: TestApp) {
    let (_, payments) = customer_with_payments(&app, "race").await;
    let merchant = app.merchant("Racing till").await;
    let code = app.payment_code().await;
    let pay = {
        let app = &app;
        async move {
            app.redeem(
                &merchant,
                &new_key(),
                json!({"code": code, "amount": yen(700)}),
            )
            .await
        }
    };
    let (paid, r) = tokio::join!(pay, report(&app, &payments[..1], &[]));
    let files = unzip(&bundle(&app, &r).await);
    let history: Value = serde_json::from_slice(&files["history.json"]).unwrap();
    let sealed: Vec<&str> = history["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    match paid {
        (StatusCode::CREATED, body) => {
            let id = body["id"].as_str().unwrap();
            assert!(
                sealed.contains(&id),
                "a payment before the freeze is sealed"
            );
        }
        (status, body) => {
            // The report came first: the code was voided with the freeze.
            assert!(
                matches!(error_code(&body), "payment_code_invalid" | "wallet_frozen"),
                "{status} {body}"
            );
            let (_, page) = app.get("/api/transactions").await;
            assert_eq!(
                page["items"].as_array().unwrap().len(),
                sealed.len(),
                "nothing moved after the seal"
            );
        }
    }
    app.assert_ledger_consistent().await;
}

/// A phone on a slow link takes longer than an ordinary request may: the upload has its own,
/// longer deadline, and everything else keeps the short one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upload_has_a_deadline_of_its_own() {
    use fixtures::{raw_post, Framing};
    let app = TestApp::spawn_with(
        common::Backend::Sqlite,
        &[
            ("PORTAL_REQUEST_TIMEOUT_SECS", "1"),
            ("PORTAL_UPLOAD_TIMEOUT_SECS", "30"),
        ],
    )
    .await
    .unwrap();
    let c = app.customer("slow", "en").await;
    let cookie = c.cookie_header();
    let addr = app.base.trim_start_matches("http://").to_owned();
    let file = png(300, 200, 77);
    let parts: Vec<Vec<u8>> = file
        .chunks(file.len() / 4 + 1)
        .map(<[u8]>::to_vec)
        .collect();
    let headers = [("Cookie", cookie.clone()), ("Origin", app.base.clone())];
    let slow = std::time::Duration::from_millis(700);
    // About 2.8 s in all: past the ordinary deadline, well inside the upload's.
    let r = raw_post(
        &addr,
        "/api/evidence?name=slow.png",
        &headers,
        Framing::Length(file.len()),
        parts.clone(),
        slow,
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["original_sha256"], sha256(&file));
    // The same trickle to any other endpoint is cut off at the ordinary deadline.
    let body = br#"{"transaction_ids":[],"description":"slow","screenshots":[]}"#.to_vec();
    let parts: Vec<Vec<u8>> = body.chunks(16).map(<[u8]>::to_vec).collect();
    let mut json_headers = headers.to_vec();
    json_headers.push(("Content-Type", "application/json".to_owned()));
    let r = raw_post(
        &addr,
        "/api/fraud-reports",
        &json_headers,
        Framing::Length(body.len()),
        parts,
        slow,
    )
    .await;
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));
}

/// Uploading and removing again and again would fill the disk (a removed upload's file stays
/// stored): every upload counts, removed or refused.
async fn uploads_are_limited_per_customer_whatever_becomes_of_them(app: TestApp) {
    app.wallet_customer(&unique_email("many")).await;
    let limit = portal_server::evidence::uploads::UPLOADS_PER_WINDOW;
    let small = png(2, 2, 3);
    for i in 0..limit {
        let r = app
            .client
            .post(app.url("/api/evidence"))
            .body(if i % 2 == 0 {
                small.clone()
            } else {
                Vec::new()
            })
            .send()
            .await
            .unwrap();
        let (status, body) = common::read(r).await;
        if i % 2 == 0 {
            assert_eq!(status, StatusCode::CREATED, "{body}");
            let (status, _) = {
                let r = app
                    .client
                    .delete(app.url(&format!("/api/evidence/{}", body["id"].as_str().unwrap())))
                    .send()
                    .await
                    .unwrap();
                common::read(r).await
            };
            assert_eq!(status, StatusCode::NO_CONTENT);
        } else {
            assert_eq!(error_code(&body), "file_empty");
        }
    }
    let r = app
        .client
        .post(app.url("/api/evidence"))
        .body(small.clone())
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("retry-after"));
    let (status, body) = common::read(r).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    // Another customer is not affected.
    let other = app.another_browser();
    other.wallet_customer(&unique_email("other")).await;
    upload(&other, "other.png", small).await;
}

async fn the_snapshot_holds_half_a_year_and_every_reported_row(app: TestApp) {
    use crate::common::ledger::{self, NewTransaction};
    app.wallet_customer(&unique_email("snapshot")).await;
    let (_, me) = app.get("/api/me").await;
    let now = portal_server::clock::now();
    let days_ago = |d: i64| now - d * 86_400;
    let ids = ledger::insert(
        &app.state.db,
        me["id"].as_str().unwrap(),
        "JPY",
        &[
            NewTransaction::payment(1_000, "Reported long ago", None, days_ago(300)),
            NewTransaction::payment(2_000, "Not reported, too old", None, days_ago(200)),
            NewTransaction::payment(3_000, "Not reported, recent", None, days_ago(179)),
            NewTransaction::payment(4_000, "Reported yesterday", None, days_ago(1)),
        ],
    )
    .await;
    let r = report(&app, &[ids[0].clone(), ids[3].clone()], &[]).await;
    let files = unzip(&bundle(&app, &r).await);
    let history: Value = serde_json::from_slice(&files["history.json"]).unwrap();
    let sealed: Vec<&str> = history["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(sealed, [&ids[3], &ids[2], &ids[0]], "newest first");
    assert_eq!(r["snapshot_rows"], 3);
}

async fn a_day_old_upload_can_no_longer_be_attached(app: TestApp) {
    let (_, payments) = customer_with_payments(&app, "stale").await;
    let stale = upload(&app, "stale.png", png(8, 8, 1)).await;
    sqlx::query("UPDATE uploads SET created_at = created_at - 86401 WHERE id = $1")
        .bind(stale["id"].as_str().unwrap())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, body) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": payments, "description": "x", "screenshots": [stale["id"]]}),
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(body["error"]["field"], "screenshots");
    let (_, wallet) = app.get("/api/wallet").await;
    assert!(wallet["freeze"].is_null(), "nothing happened: {wallet}");
    // Nor does it count against the ten waiting.
    for i in 0..10 {
        upload(&app, &format!("{i}.png"), png(4, 4, i)).await;
    }
}

async fn a_report_holds_at_most_thirty_screenshots(app: TestApp) {
    let (_, payments) = customer_with_payments(&app, "thirty").await;
    let batch = |from: u32| {
        let app = &app;
        async move {
            let mut ids = Vec::new();
            for i in from..from + 10 {
                ids.push(upload(app, &format!("{i}.png"), png(4, 4, i)).await["id"].clone());
            }
            ids
        }
    };
    let first: Vec<Value> = batch(0).await;
    let (status, r) = app
        .post(
            "/api/fraud-reports",
            json!({"transaction_ids": payments, "description": "x", "screenshots": first}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let add = format!("/api/fraud-reports/{}/evidence", r["id"].as_str().unwrap());
    for from in [10, 20] {
        let ids = batch(from).await;
        let (status, body) = app.post(&add, json!({"screenshots": ids})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let one = upload(&app, "31.png", png(4, 4, 31)).await;
    let (status, body) = app.post(&add, json!({"screenshots": [one["id"]]})).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_many_files")
    );
    let (_, r) = app
        .get(&format!("/api/fraud-reports/{}", r["id"].as_str().unwrap()))
        .await;
    assert_eq!(r["screenshots"].as_array().unwrap().len(), 30);
}
