//! Schema migrations, applied in order on start, each once, each in its own transaction.
//! Several server processes may start at once against one PostgreSQL: an advisory lock
//! makes them take turns. The schema is written in the SQL both backends speak (`TEXT`,
//! `BIGINT`); a migration that needs a dialect of its own carries a PostgreSQL text beside it.

use super::{Backend, Db};
use sqlx::Acquire;

struct Migration {
    version: i64,
    name: &'static str,
    /// The text for both backends, or SQLite's alone when `postgres` is given.
    sql: &'static str,
    /// PostgreSQL's own text, for a migration whose SQL differs per backend.
    postgres: Option<&'static str>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "identity",
        sql: include_str!("migrations/0001_identity.sql"),
        postgres: None,
    },
    Migration {
        version: 2,
        name: "session ids",
        sql: include_str!("migrations/0002_session_ids.sql"),
        postgres: None,
    },
    Migration {
        version: 3,
        name: "password resets",
        sql: include_str!("migrations/0003_password_resets.sql"),
        postgres: None,
    },
    Migration {
        version: 4,
        name: "second factor",
        sql: include_str!("migrations/0004_second_factor.sql"),
        postgres: None,
    },
    Migration {
        version: 5,
        name: "pending sign-ins",
        sql: include_str!("migrations/0005_pending_sign_ins.sql"),
        postgres: None,
    },
    Migration {
        version: 6,
        name: "first sign-in",
        sql: include_str!("migrations/0006_first_sign_in.sql"),
        postgres: None,
    },
    Migration {
        version: 7,
        name: "email changes",
        sql: include_str!("migrations/0007_email_changes.sql"),
        postgres: None,
    },
    Migration {
        version: 8,
        name: "ledger",
        sql: include_str!("migrations/0008_ledger.sql"),
        postgres: None,
    },
    Migration {
        version: 9,
        name: "cards and top-ups",
        sql: include_str!("migrations/0009_cards_and_top_ups.sql"),
        postgres: None,
    },
    Migration {
        version: 10,
        name: "payment codes",
        sql: include_str!("migrations/0010_payment_codes.sql"),
        postgres: None,
    },
    Migration {
        version: 12,
        name: "history filters",
        sql: include_str!("migrations/0012_history.sql"),
        postgres: None,
    },
    Migration {
        version: 13,
        name: "disputes",
        sql: include_str!("migrations/0013_disputes.sql"),
        postgres: None,
    },
    Migration {
        version: 14,
        name: "history text search index",
        sql: include_str!("migrations/0014_search.sqlite.sql"),
        postgres: Some(include_str!("migrations/0014_search.postgres.sql")),
    },
    Migration {
        version: 15,
        name: "spending per day",
        sql: include_str!("migrations/0015_spending_days.sqlite.sql"),
        postgres: Some(include_str!("migrations/0015_spending_days.postgres.sql")),
    },
    Migration {
        version: 16,
        name: "evidence",
        sql: include_str!("migrations/0016_evidence.sql"),
        postgres: None,
    },
    Migration {
        version: 17,
        name: "support",
        sql: include_str!("migrations/0017_support.sql"),
        postgres: None,
    },
    Migration {
        version: 18,
        name: "audit log append-only",
        sql: include_str!("migrations/0018_audit_append_only.sqlite.sql"),
        postgres: Some(include_str!(
            "migrations/0018_audit_append_only.postgres.sql"
        )),
    },
    Migration {
        version: 19,
        name: "queue of every status",
        sql: include_str!("migrations/0019_queue_any_status.sql"),
        postgres: None,
    },
    Migration {
        version: 20,
        name: "refund allocations",
        sql: include_str!("migrations/0020_refund_allocations.sql"),
        postgres: None,
    },
    Migration {
        version: 21,
        name: "dispute answers",
        sql: include_str!("migrations/0021_dispute_answers.sql"),
        postgres: None,
    },
];

const LOCK_ID: i64 = 0x706f_7274_616c; // "portal"

pub async fn run(db: &Db) -> Result<(), sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_ID)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply_pending(&mut conn, db.backend).await;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_ID)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply_pending(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )",
    )
    .execute(&mut *conn)
    .await?;
    for m in MIGRATIONS {
        let mut tx = conn.begin().await?;
        let done: Option<(i64,)> =
            sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut *tx)
                .await?;
        if done.is_some() {
            continue;
        }
        let sql = match (backend, m.postgres) {
            (Backend::Postgres, Some(postgres)) => postgres,
            _ => m.sql,
        };
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(crate::clock::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
    }
    Ok(())
}
