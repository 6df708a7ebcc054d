//! Schema migrations by sqlx's migrator: applied in order on start, each once, each in its own
//! transaction, and checksummed, so a migration edited after a database applied it is refused
//! instead of leaving that database different from a new one. Several server processes may
//! start at once against one PostgreSQL: the migrator's advisory lock makes them take turns.
//!
//! Each backend has its own directory, `migrations/sqlite` and `migrations/postgres`. Most
//! migrations are written in the SQL both speak (`TEXT`, `BIGINT`): the PostgreSQL file is then
//! a symbolic link to the SQLite one, and only a migration that needs a dialect of its own
//! (full-text search, triggers) is two files.

use super::{Backend, Db};
use sqlx::migrate::{Migrate, MigrateError, Migrator};
use sqlx::Acquire;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

fn migrator(backend: Backend) -> &'static Migrator {
    match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    }
}

pub async fn run(db: &Db) -> Result<(), MigrateError> {
    let migrator = migrator(db.backend);
    let mut conn = db.pool.acquire().await?;
    adopt_hand_rolled_history(&mut conn, migrator).await?;
    migrator.run(&mut *conn).await
}

/// Until sqlx's migrator, the versions applied were kept in `schema_migrations`, without
/// checksums. A database from then has its tables but not sqlx's record of them, so sqlx would
/// apply migration 1 again and fail. Its versions are carried over once, with the checksums of
/// today's files, which are the files it applied (none of them has changed since).
async fn adopt_hand_rolled_history(
    conn: &mut sqlx::AnyConnection,
    migrator: &Migrator,
) -> Result<(), MigrateError> {
    if old_versions(conn).await.is_none() {
        return Ok(()); // a new database, or one sqlx already keeps
    }
    conn.lock().await?;
    let adopted = async {
        // Read again under the lock: another process may have adopted it meanwhile.
        let Some(old) = old_versions(conn).await else {
            return Ok(());
        };
        conn.ensure_migrations_table().await?;
        let mut tx = conn.begin().await?;
        for version in old {
            let Some(m) = migrator.iter().find(|m| m.version == version) else {
                return Err(MigrateError::VersionMissing(version));
            };
            sqlx::query(
                "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                 VALUES ($1, $2, TRUE, $3, 0)",
            )
            .bind(m.version)
            .bind(&*m.description)
            .bind(&*m.checksum)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DROP TABLE schema_migrations")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    conn.unlock().await?;
    adopted
}

/// The versions the hand-rolled migrator recorded, or None when its table is not there.
async fn old_versions(conn: &mut sqlx::AnyConnection) -> Option<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await
        .ok()?;
    Some(rows.into_iter().map(|(v,)| v).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two directories list the same migrations: a version only one backend has would
    /// leave the two schemas apart.
    #[test]
    fn both_backends_have_the_same_migrations() {
        let list = |m: &Migrator| {
            m.iter()
                .map(|m| (m.version, m.description.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(list(&SQLITE), list(&POSTGRES));
        assert!(SQLITE.iter().count() >= 20);
    }
}
