//! History rows written straight into the store, standing in for the ledger (branch `money`)
//! until it exists: the wallet's `ledger_accounts` row, a `merchants` row per store name, and
//! `wallet_transactions` rows with their search text made by `wallet::search_text`, as the
//! ledger will write them. Replace the bodies with real ledger calls once it lands.
//!
//! Only `portal_server` and `sqlx` here: the history benchmark includes this file too.
#![allow(dead_code)]

use portal_server::db::Db;
use portal_server::wallet::search_text;

/// One history row to write.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// `top_up`, `payment` or `refund`.
    pub kind: &'static str,
    /// `pending`, `completed` or `declined`.
    pub status: &'static str,
    /// Signed, from the customer's side.
    pub amount_minor: i64,
    pub merchant: Option<String>,
    pub memo: Option<String>,
    pub created_at: i64,
}

impl NewTransaction {
    pub fn payment(amount: i64, merchant: &str, memo: Option<&str>, created_at: i64) -> Self {
        Self {
            kind: "payment",
            status: "completed",
            amount_minor: -amount.abs(),
            merchant: Some(merchant.to_owned()),
            memo: memo.map(str::to_owned),
            created_at,
        }
    }

    pub fn refund(amount: i64, merchant: &str, created_at: i64) -> Self {
        Self {
            kind: "refund",
            status: "completed",
            amount_minor: amount.abs(),
            merchant: Some(merchant.to_owned()),
            memo: None,
            created_at,
        }
    }

    pub fn top_up(amount: i64, status: &'static str, created_at: i64) -> Self {
        Self {
            kind: "top_up",
            status,
            amount_minor: amount.abs(),
            merchant: None,
            memo: Some("Visa •••• 4242".to_owned()),
            created_at,
        }
    }
}

pub fn new_id() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

/// The customer's wallet account in `currency`, made on first use.
pub async fn wallet(db: &Db, account_id: &str, currency: &str) -> String {
    let id = format!("wallet-{account_id}-{currency}");
    sqlx::query(
        "INSERT INTO ledger_accounts (id, kind, owner_id, currency, created_at)
         VALUES ($1, 'wallet', $2, $3, 0) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(account_id)
    .bind(currency)
    .execute(&db.pool)
    .await
    .unwrap();
    id
}

/// The merchant called `name`, made on first use.
pub async fn merchant(db: &Db, name: &str) -> String {
    let id = format!("merchant-{}", hex::encode(name.as_bytes()));
    let id: String = id.chars().take(120).collect();
    sqlx::query(
        "INSERT INTO merchants (id, name, api_key_hash, created_at)
         VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(name)
    .bind(new_id())
    .execute(&db.pool)
    .await
    .unwrap();
    id
}

/// Writes `rows` to the customer's history in `currency`; returns their ids, in order.
pub async fn insert(
    db: &Db,
    account_id: &str,
    currency: &str,
    rows: &[NewTransaction],
) -> Vec<String> {
    let wallet_id = wallet(db, account_id, currency).await;
    let mut merchants = std::collections::HashMap::new();
    for name in rows.iter().filter_map(|r| r.merchant.as_deref()) {
        if !merchants.contains_key(name) {
            merchants.insert(name.to_owned(), merchant(db, name).await);
        }
    }
    let ids: Vec<String> = rows.iter().map(|_| new_id()).collect();
    let mut tx = db.pool.begin().await.unwrap();
    for chunk in rows.iter().zip(&ids).collect::<Vec<_>>().chunks(BATCH_ROWS) {
        insert_batch(
            &mut tx,
            chunk.iter().map(|(row, id)| Prepared {
                id: id.as_str(),
                account_id,
                wallet_id: &wallet_id,
                currency,
                merchant_id: row.merchant.as_deref().map(|m| merchants[m].as_str()),
                row,
            }),
        )
        .await;
    }
    tx.commit().await.unwrap();
    ids
}

/// Rows per multi-row INSERT: 12 parameters each, well under SQLite's and PostgreSQL's limits.
pub const BATCH_ROWS: usize = 500;

pub struct Prepared<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub wallet_id: &'a str,
    pub currency: &'a str,
    pub merchant_id: Option<&'a str>,
    pub row: &'a NewTransaction,
}

/// One multi-row INSERT of up to [`BATCH_ROWS`] rows.
pub async fn insert_batch<'a>(
    conn: &mut sqlx::AnyConnection,
    rows: impl Iterator<Item = Prepared<'a>>,
) {
    let rows: Vec<Prepared> = rows.collect();
    if rows.is_empty() {
        return;
    }
    let mut sql = String::from(
        "INSERT INTO wallet_transactions (id, account_id, wallet_id, kind, status, amount_minor, currency, merchant_id, merchant_name, memo, search_text, created_at) VALUES ",
    );
    for i in 0..rows.len() {
        if i > 0 {
            sql.push(',');
        }
        let b = i * 12;
        sql.push('(');
        for c in 1..=12 {
            if c > 1 {
                sql.push(',');
            }
            sql.push_str(&format!("${}", b + c));
        }
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for p in &rows {
        let r = p.row;
        q = q
            .bind(p.id)
            .bind(p.account_id)
            .bind(p.wallet_id)
            .bind(r.kind)
            .bind(r.status)
            .bind(r.amount_minor)
            .bind(p.currency)
            .bind(p.merchant_id)
            .bind(r.merchant.as_deref())
            .bind(r.memo.as_deref())
            .bind(search_text(&[r.merchant.as_deref(), r.memo.as_deref()]))
            .bind(r.created_at);
    }
    q.execute(conn).await.unwrap();
}
