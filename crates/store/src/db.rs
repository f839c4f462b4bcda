//! The connection pool, the dialect, migrations and write transactions.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow, install_default_drivers};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, Connection, Transaction};

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
    /// On SQLite, read-only connections for single-statement reads (see [`KeptReaders`]).
    readers: Option<std::sync::Arc<KeptReaders>>,
}

/// How many read-only connections an SQLite database keeps beside the pool.
const KEPT_READERS: usize = 8;

/// Each SQLite connection's page cache, in KiB (SQLite's default is 2,000). A server holds up to 16
/// connections, and each cache fills towards its limit as the database grows, so the limit is paid 16
/// times over in resident memory; pages it does not hold are read back from the operating system's
/// file cache, which every connection shares.
const SQLITE_CACHE_KIB: i64 = 512;

/// Runs the settings every SQLite connection of a server takes (a pragma cannot take a parameter).
async fn tune_sqlite(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let cache = format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}");
    sqlx::query(sqlx::AssertSqlSafe(cache)).execute(&mut *conn).await?;
    Ok(())
}

/// Read-only SQLite connections that single-statement reads borrow and give back without the pool's
/// round trips.
///
/// Why not the pool: sqlx's pool pings every connection it is given back, and on SQLite a ping is a
/// message to the connection's own thread and back, as costly as the query itself; a signed-in page
/// reads twice, so half its database round trips were pings. The ping exists to catch a connection
/// left mid-transaction or broken. Neither can happen here: these connections are opened read-only and
/// only ever run one statement outside a transaction (the [`SingleRead`] methods); when a request is
/// dropped mid-query, the connection's thread sees its row channel close, resets the statement and
/// takes the next command in order; and a connection whose query failed for any reason other than
/// the statement itself is closed rather than kept.
struct KeptReaders {
    url: String,
    idle: std::sync::Mutex<Vec<AnyConnection>>,
    permits: tokio::sync::Semaphore,
}

impl std::fmt::Debug for KeptReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptReaders").field("url", &redact_url(&self.url)).finish_non_exhaustive()
    }
}

impl KeptReaders {
    fn new(url: &str) -> Self {
        Self {
            url: read_only_url(url),
            idle: std::sync::Mutex::new(Vec::with_capacity(KEPT_READERS)),
            permits: tokio::sync::Semaphore::new(KEPT_READERS),
        }
    }

    /// Runs `work` on a kept connection, opening one if none is idle.
    async fn with<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T, sqlx::Error>,
    ) -> Result<T, sqlx::Error> {
        let _permit = match tokio::time::timeout(ACQUIRE_TIMEOUT, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_closed)) => return Err(sqlx::Error::PoolClosed),
            Err(_elapsed) => return Err(sqlx::Error::PoolTimedOut),
        };
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => {
                let mut conn = AnyConnection::connect(&self.url).await?;
                tune_sqlite(&mut conn).await?;
                conn
            }
        };
        // If this future is dropped while `work` runs, `conn` is dropped with it and closes.
        let result = work(&mut conn).await;
        let statement_only = match &result {
            Ok(_) | Err(sqlx::Error::RowNotFound | sqlx::Error::Database(_)) => true,
            Err(_) => false,
        };
        if statement_only && !self.permits.is_closed() {
            self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(conn);
        }
        result
    }

    fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// The same SQLite URL opened read-only (`mode=ro`), whatever mode it asked for.
fn read_only_url(url: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("mode=")).collect();
    params.push("mode=ro");
    format!("{base}?{}", params.join("&"))
}

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Single-statement reads outside a transaction: on SQLite they run on a kept read-only connection
/// (see [`KeptReaders`]), on PostgreSQL on the pool. Named like sqlx's `fetch_*` so that a read reads
/// the same either way: `sqlx::query("…").bind(x).read_all(db).await?`.
pub(crate) trait SingleRead {
    async fn read_all(self, db: &Db) -> Result<Vec<AnyRow>, sqlx::Error>;
    async fn read_optional(self, db: &Db) -> Result<Option<AnyRow>, sqlx::Error>;
    async fn read_one(self, db: &Db) -> Result<AnyRow, sqlx::Error>;
}

impl SingleRead for Query<'_, Any, AnyArguments> {
    async fn read_all(self, db: &Db) -> Result<Vec<AnyRow>, sqlx::Error> {
        match &db.readers {
            Some(readers) => readers.with(async |conn| self.fetch_all(conn).await).await,
            None => self.fetch_all(&db.pool).await,
        }
    }

    async fn read_optional(self, db: &Db) -> Result<Option<AnyRow>, sqlx::Error> {
        match &db.readers {
            Some(readers) => readers.with(async |conn| self.fetch_optional(conn).await).await,
            None => self.fetch_optional(&db.pool).await,
        }
    }

    async fn read_one(self, db: &Db) -> Result<AnyRow, sqlx::Error> {
        match &db.readers {
            Some(readers) => readers.with(async |conn| self.fetch_one(conn).await).await,
            None => self.fetch_one(&db.pool).await,
        }
    }
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
        let options = AnyPoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT).max_connections(match dialect {
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
                    tune_sqlite(conn).await
                })
            }),
            Dialect::Postgres => options,
        };
        let pool = options.connect(url).await?;
        if dialect == Dialect::Sqlite {
            // WAL lets readers carry on while one writer writes; the setting persists in the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        // An in-memory database is private to its connection: a second connection would see another.
        let readers = (dialect == Dialect::Sqlite && !url.contains(":memory:"))
            .then(|| std::sync::Arc::new(KeptReaders::new(url)));
        Ok(Self { pool, dialect, readers })
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

    /// Lets SQLite's write-ahead log start again from its beginning, and empties its file. SQLite's own
    /// checkpoints after each write copy the log into the database but only restart the log when no
    /// reader is using it, which under steady concurrent reads never happens: the log then grows
    /// without bound (160 MB in a minute of the soak), and every read and write slows as it does. A
    /// `TRUNCATE` checkpoint waits (within the busy timeout) for the readers of older snapshots to
    /// finish, holding new writers back meanwhile; reads are short, so the wait is too. The server runs
    /// it every few seconds; PostgreSQL has nothing to do here.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.dialect == Dialect::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
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
        if let Some(readers) = &self.readers {
            readers.close();
        }
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

    /// Every connection a server reads or writes with has the smaller page cache: the pool's and the
    /// kept readers'.
    #[tokio::test]
    async fn every_sqlite_connection_has_the_smaller_page_cache() -> Result<(), Box<dyn std::error::Error>> {
        use sqlx::Row;
        let dir = std::env::temp_dir().join(format!("kindling-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let db = Db::connect(&format!("sqlite://{}/t.db?mode=rwc", dir.display())).await?;
        let setting = |r: AnyRow| r.try_get::<i64, _>(0);
        let pooled = setting(sqlx::query("PRAGMA cache_size").fetch_one(db.pool()).await?)?;
        let kept = setting(sqlx::query("PRAGMA cache_size").read_one(&db).await?)?;
        assert_eq!((pooled, kept), (-SQLITE_CACHE_KIB, -SQLITE_CACHE_KIB));
        db.close().await;
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn readers_open_the_same_file_read_only() {
        assert_eq!(read_only_url("sqlite:///d/k.sqlite3?mode=rwc"), "sqlite:///d/k.sqlite3?mode=ro");
        assert_eq!(read_only_url("sqlite://k.db"), "sqlite://k.db?mode=ro");
        assert_eq!(read_only_url("sqlite://k.db?cache=private&mode=rw"), "sqlite://k.db?cache=private&mode=ro");
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://app:secret@db:5432/k"), "postgres://app:***@db:5432/k");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
