//! The connection pool, the dialect, migrations and write transactions.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Transaction};

/// Which database is behind the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Everything that can go wrong in storage, described by outcome.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use postgres://… or sqlite://…")]
    UnsupportedUrl(String),
    #[error("could not prepare the data directory {path}: {source}")]
    DataDir { path: String, source: std::io::Error },
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the database did not answer within {0} seconds")]
    Timeout(u64),
}

impl StoreError {
    /// Whether the database could not be reached (as opposed to refusing or failing a query), so the
    /// caller can say "unavailable, try again" rather than "error".
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Timeout(_))
            || matches!(
                self,
                StoreError::Database(
                    sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_)
                )
            )
    }
}

/// A write transaction. On SQLite it began with `BEGIN IMMEDIATE`, so it holds the write lock from the
/// start and cannot fail later with "database is locked" when a read turns into a write.
pub type WriteTx = Transaction<'static, Any>;

/// A handle to the database: cheap to clone, shared by every request.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
}

static MIGRATE_SQLITE: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static MIGRATE_POSTGRES: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Opens (creating if needed) the embedded SQLite database in `dir`.
    pub async fn open_data_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|source| StoreError::DataDir { path: dir.display().to_string(), source })?;
        let file = dir.join("kindling.sqlite3");
        Self::connect(&format!("sqlite://{}?mode=rwc", file.display())).await
    }

    /// Connects to `postgres://…` or `sqlite://…` and checks the connection works.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let dialect = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5)).max_connections(match dialect {
            Dialect::Sqlite => 8,
            Dialect::Postgres => 16,
        });
        let options = match dialect {
            // NORMAL is durable in WAL mode except against power loss, which is the trade SQLite's
            // own documentation recommends for WAL; foreign keys and a busy timeout are set by sqlx.
            // An embedded file has no connection to lose, so connections are not pinged before each
            // use (a ping is a round trip to the connection's thread, as costly as a small query).
            Dialect::Sqlite => options.test_before_acquire(false).after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    Ok(())
                })
            }),
            Dialect::Postgres => options,
        };
        let pool = options.connect(url).await?;
        if dialect == Dialect::Sqlite {
            // WAL lets readers carry on while one writer writes; the setting persists in the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        Ok(Self { pool, dialect })
    }

    /// Brings the schema up to date. Safe to run on every start, from any number of nodes.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.dialect {
            Dialect::Sqlite => MIGRATE_SQLITE.run(&self.pool).await?,
            Dialect::Postgres => MIGRATE_POSTGRES.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers a trivial query (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Starts a write transaction (see [`WriteTx`]).
    pub async fn write(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The migration names for each dialect, for the tidy check that keeps the two folders in step.
pub fn migration_names() -> (Vec<String>, Vec<String>) {
    let names =
        |m: &sqlx::migrate::Migrator| m.iter().map(|m| format!("{}_{}", m.version, m.description)).collect::<Vec<_>>();
    (names(&MIGRATE_SQLITE), names(&MIGRATE_POSTGRES))
}

/// Hides the password in a database URL before it is shown or logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_folders_are_in_step() {
        let (sqlite, postgres) = migration_names();
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://app:secret@db:5432/k"), "postgres://app:***@db:5432/k");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
