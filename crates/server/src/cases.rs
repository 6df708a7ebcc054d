//! The support queue's table, `cases`: one row per dispute (`evidence::disputes`) and fraud report
//! (`evidence::reports`), written in the same transaction as the dispute or report it mirrors, so
//! the queue never misses or invents one. Written by those two, read by `support`; a module of
//! its own so that neither needs `support`.

use portal_api::agent::CaseKind;
use portal_api::money::Money;
use portal_api::wallet::DisputeStatus;
use sqlx::AnyConnection;

/// A new case number (a dispute's `D`, a fraud report's `F`): `prefix`, then twelve Crockford
/// base-32 characters (60 random bits) in groups of four, e.g. `D-7KQ2-M9XA-4TRB`.
pub fn number(prefix: char) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let bits = rand::random::<u64>();
    let mut out = String::from(prefix);
    for i in 0..12 {
        if i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[((bits >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// Puts a new dispute or report in the queue (status `submitted`).
pub async fn open(
    conn: &mut AnyConnection,
    id: &str,
    kind: CaseKind,
    account_id: &str,
    amount: Money,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO cases (id, kind, account_id, status, is_open, amount_minor, currency, created_at, updated_at)
         VALUES ($1, $2, $3, 'submitted', 1, $4, $5, $6, $6)",
    )
    .bind(id)
    .bind(crate::db::codec::enum_str(&kind))
    .bind(account_id)
    .bind(amount.minor.abs())
    .bind(crate::db::codec::enum_str(&amount.currency))
    .bind(at)
    .execute(&mut *conn)
    .await?;
    crate::events::count(
        conn,
        match kind {
            CaseKind::Dispute => crate::events::DISPUTE,
            CaseKind::FraudReport => crate::events::FRAUD_REPORT,
        },
        at,
    )
    .await
}

/// Mirrors a status change of the dispute or report `id`.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: DisputeStatus,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE cases SET status = $1, is_open = $2, updated_at = $3 WHERE id = $4")
        .bind(crate::db::codec::enum_str(&status))
        .bind(i64::from(status.is_open()))
        .bind(at)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
