//! The connection pool, the dialect, migrations and write transactions.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyArguments, AnyPoolOptions, AnyRow, install_default_drivers};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection, AnyPool, Execute, Transaction};

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

/// Read-only SQLite connections on which single-statement reads run on the calling thread.
///
/// Why not sqlx: sqlx drives each SQLite connection from a thread of its own, so every query is a
/// message to that thread and its rows messages back, each a wake-up of a sleeping thread; its pool
/// also pings every connection given back, another round trip. On a signed-in page those hand-offs
/// cost more than the two small reads themselves (`docs/PERFORMANCE.md`, issue 21). Here a read takes
/// an idle connection from a list, steps the statement on the thread that asked, and gives the
/// connection back: no other thread is involved.
///
/// Why that is safe for the async runtime: a read of an embedded database is work in this process,
/// like rendering the page it feeds, not a wait on a network; in WAL mode a reader never waits for
/// the writer. The rare exception (SQLite resetting the write-ahead log while a `TRUNCATE`
/// checkpoint runs) is bounded by the busy timeout, as the pool's reads are.
///
/// Why that is safe for the data: these connections are opened read-only and only ever run one
/// statement outside a transaction (the [`SingleRead`] methods), which is reset when its rows are
/// dropped, so a connection goes back to the list as it came out; one whose read failed is closed
/// rather than kept, whatever the failure was.
struct KeptReaders {
    path: String,
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
    closed: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for KeptReaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptReaders").field("path", &self.path).finish_non_exhaustive()
    }
}

/// How many statements each kept reader keeps prepared (sqlx's own cache holds 100 per connection).
const PREPARED_STATEMENTS: usize = 100;

/// How long a read waits for SQLite's locks before it fails, as sqlx's connections do.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

impl KeptReaders {
    fn new(url: &str) -> Self {
        Self {
            path: sqlite_path(url),
            idle: std::sync::Mutex::new(Vec::with_capacity(KEPT_READERS)),
            closed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn open(&self) -> Result<rusqlite::Connection, rusqlite::Error> {
        use rusqlite::OpenFlags;
        // No mutex inside SQLite: a connection is used by one thread at a time, out of the list.
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
        conn.execute_batch(&format!("PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))?;
        Ok(conn)
    }

    /// Runs `sql` with `arguments` on a kept connection (opening one if none is idle) and returns up
    /// to `most` rows.
    fn read(&self, sql: &str, arguments: Option<AnyArguments>, most: usize) -> Result<Vec<AnyRow>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        if self.closed.load(Ordering::Acquire) {
            return Err(sqlx::Error::PoolClosed);
        }
        let idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().map_err(sqlite_error)?,
        };
        let rows = read_rows(&conn, sql, arguments, most);
        if rows.is_ok() && !self.closed.load(Ordering::Acquire) {
            let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if idle.len() < KEPT_READERS {
                idle.push(conn);
            }
        }
        rows
    }

    fn close(&self) {
        self.closed.store(true, std::sync::atomic::Ordering::Release);
        self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// Steps one prepared statement, turning its rows into the rows the Any driver would have given:
/// the values keep the type SQLite stored them with (integers as `BigInt`, reals as `Double`), as
/// sqlx's SQLite driver maps them, so that every `try_get` decodes exactly as it does on the pool.
fn read_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    arguments: Option<AnyArguments>,
    most: usize,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    use sqlx_core::any::{AnyColumn, AnyTypeInfo, AnyTypeInfoKind, AnyValue, AnyValueKind};
    use sqlx_core::ext::ustr::UStr;

    let mut statement = conn.prepare_cached(sql).map_err(sqlite_error)?;
    let values = arguments.map(|a| a.values.0).unwrap_or_default();
    let mut next_unnamed = 0;
    for parameter in 1..=statement.parameter_count() {
        // As sqlx binds: `$N` and `?N` take the Nth argument (SQLite numbers named parameters in the
        // order they first appear, not by their number); a bare `?` takes the next one; a parameter
        // past the last argument stays NULL.
        let argument = match statement.parameter_name(parameter) {
            Some(name) => match name.strip_prefix('$').or_else(|| name.strip_prefix('?')).map(str::parse::<usize>) {
                Some(Ok(n)) => n,
                _ => return Err(sqlx::Error::Protocol(format!("unsupported SQL parameter {name}"))),
            },
            None => {
                next_unnamed += 1;
                next_unnamed
            }
        };
        let Some(value) = argument.checked_sub(1).and_then(|i| values.get(i)) else { break };
        bind(&mut statement, parameter, value)?;
    }
    // Nothing in Kindling asks a column for its type: each value carries its own.
    let columns: Vec<AnyColumn> = statement
        .column_names()
        .into_iter()
        .enumerate()
        .map(|(ordinal, name)| AnyColumn {
            ordinal,
            name: UStr::new(name),
            type_info: AnyTypeInfo { kind: AnyTypeInfoKind::Null },
        })
        .collect();
    let names: std::sync::Arc<sqlx_core::HashMap<UStr, usize>> =
        std::sync::Arc::new(columns.iter().map(|c| (c.name.clone(), c.ordinal)).collect());
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while out.len() < most {
        let Some(row) = rows.next().map_err(sqlite_error)? else { break };
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            use rusqlite::types::ValueRef;
            let kind = match row.get_ref(i).map_err(sqlite_error)? {
                ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                ValueRef::Integer(n) => AnyValueKind::BigInt(n),
                ValueRef::Real(x) => AnyValueKind::Double(x),
                ValueRef::Text(bytes) => {
                    let text = std::str::from_utf8(bytes)
                        .map_err(|e| sqlx::Error::ColumnDecode { index: i.to_string(), source: Box::new(e) })?;
                    AnyValueKind::Text(std::sync::Arc::new(text.to_owned()))
                }
                ValueRef::Blob(bytes) => AnyValueKind::Blob(std::sync::Arc::new(bytes.to_vec())),
            };
            values.push(AnyValue { kind });
        }
        out.push(AnyRow { column_names: names.clone(), columns: columns.clone(), values });
    }
    Ok(out)
}

/// Binds one argument as sqlx's SQLite driver would (booleans as 0 or 1, every integer as an
/// integer, every float as a double).
fn bind(
    statement: &mut rusqlite::CachedStatement<'_>,
    index: usize,
    value: &sqlx_core::any::AnyValueKind,
) -> Result<(), sqlx::Error> {
    use sqlx_core::any::AnyValueKind as V;
    let bound = match value {
        V::Null(_) => statement.raw_bind_parameter(index, rusqlite::types::Null),
        V::Bool(b) => statement.raw_bind_parameter(index, i64::from(*b)),
        V::SmallInt(n) => statement.raw_bind_parameter(index, i64::from(*n)),
        V::Integer(n) => statement.raw_bind_parameter(index, i64::from(*n)),
        V::BigInt(n) => statement.raw_bind_parameter(index, *n),
        V::Real(x) => statement.raw_bind_parameter(index, f64::from(*x)),
        V::Double(x) => statement.raw_bind_parameter(index, *x),
        V::Text(text) => statement.raw_bind_parameter(index, text.as_str()),
        V::TextSlice(text) => statement.raw_bind_parameter(index, &**text),
        V::Blob(bytes) => statement.raw_bind_parameter(index, bytes.as_slice()),
        other => return Err(sqlx::Error::Protocol(format!("cannot bind {other:?} to an SQLite read"))),
    };
    bound.map_err(sqlite_error)
}

fn sqlite_error(error: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::AnyDriverError(Box::new(error))
}

/// The file an `sqlite:` URL names, as sqlx reads it: after `sqlite://` or `sqlite:`, before any
/// `?`, percent-decoded.
fn sqlite_path(url: &str) -> String {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split_once('?').map_or(rest, |(path, _)| path);
    sqlx_core::percent_encoding::percent_decode_str(path).decode_utf8_lossy().into_owned()
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
            Some(readers) => read_kept(readers, self, usize::MAX),
            None => self.fetch_all(&db.pool).await,
        }
    }

    async fn read_optional(self, db: &Db) -> Result<Option<AnyRow>, sqlx::Error> {
        match &db.readers {
            Some(readers) => Ok(read_kept(readers, self, 1)?.pop()),
            None => self.fetch_optional(&db.pool).await,
        }
    }

    async fn read_one(self, db: &Db) -> Result<AnyRow, sqlx::Error> {
        match &db.readers {
            Some(readers) => read_kept(readers, self, 1)?.pop().ok_or(sqlx::Error::RowNotFound),
            None => self.fetch_one(&db.pool).await,
        }
    }
}

/// Takes a query's SQL and arguments apart and reads up to `most` rows on a kept reader.
fn read_kept(
    readers: &KeptReaders,
    mut query: Query<'_, Any, AnyArguments>,
    most: usize,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let arguments = query.take_arguments().map_err(sqlx::Error::Encode)?;
    readers.read(query.sql().as_str(), arguments, most)
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

    /// A kept reader answers exactly as sqlx's own SQLite driver does through the pool: the same
    /// values of every type, the same column names, numbered parameters taken by number whatever
    /// their order, and an argument given twice read twice.
    #[tokio::test]
    async fn kept_readers_answer_as_the_pool_does() -> Result<(), Box<dyn std::error::Error>> {
        use sqlx::{Column, Row};
        let dir = std::env::temp_dir().join(format!("kindling-kept-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let db = Db::connect(&format!("sqlite://{}/t.db?mode=rwc", dir.display())).await?;
        sqlx::query("CREATE TABLE t (n INTEGER, x REAL, s TEXT, b BLOB, maybe TEXT)").execute(db.pool()).await?;
        sqlx::query("INSERT INTO t VALUES (1, 0.5, 'één', x'00ff', NULL), (2, -1e300, '', x'', 'yes')")
            .execute(db.pool())
            .await?;
        let sql = "SELECT n, x, s, b, maybe, $2 AS second, $1 AS first, $2 || s AS again FROM t \
                   WHERE n >= $3 AND ($4 OR n = 1) ORDER BY n";
        let query = || sqlx::query(sql).bind(7_i32).bind("two").bind(1_i64).bind(true);
        let describe = |rows: Vec<AnyRow>| -> Result<Vec<String>, sqlx::Error> {
            rows.iter()
                .map(|r| {
                    let names: Vec<&str> = r.columns().iter().map(|c| c.name()).collect();
                    Ok(format!(
                        "{names:?} {} {} {} {:?} {:?} {} {} {}",
                        r.try_get::<i64, _>("n")?,
                        r.try_get::<f64, _>("x")?,
                        r.try_get::<String, _>("s")?,
                        r.try_get::<Vec<u8>, _>("b")?,
                        r.try_get::<Option<String>, _>("maybe")?,
                        r.try_get::<String, _>("second")?,
                        r.try_get::<i64, _>("first")?,
                        r.try_get::<String, _>("again")?,
                    ))
                })
                .collect()
        };
        let pooled = describe(query().fetch_all(db.pool()).await?)?;
        let kept = describe(query().read_all(&db).await?)?;
        assert_eq!(pooled.len(), 2);
        assert_eq!(kept, pooled);
        let first = query().read_optional(&db).await?.map(|r| r.try_get::<i64, _>("n")).transpose()?;
        assert_eq!(first, Some(1));
        let none = sqlx::query("SELECT n FROM t WHERE n = $1").bind(9_i64).read_optional(&db).await?;
        assert!(none.is_none());
        assert!(matches!(
            sqlx::query("SELECT n FROM t WHERE n = $1").bind(9_i64).read_one(&db).await,
            Err(sqlx::Error::RowNotFound)
        ));
        // A statement that fails is an error, and the readers go on answering after it.
        assert!(sqlx::query("SELECT nothing FROM t").read_all(&db).await.is_err());
        assert_eq!(sqlx::query("SELECT COUNT(*) FROM t").read_one(&db).await?.try_get::<i64, _>(0)?, 2);
        // They are read-only.
        assert!(sqlx::query("DELETE FROM t RETURNING n").read_all(&db).await.is_err());
        db.close().await;
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }

    #[test]
    fn readers_open_the_file_the_url_names() {
        assert_eq!(sqlite_path("sqlite:///d/k.sqlite3?mode=rwc"), "/d/k.sqlite3");
        assert_eq!(sqlite_path("sqlite://k.db"), "k.db");
        assert_eq!(sqlite_path("sqlite:k.db?cache=private"), "k.db");
        assert_eq!(sqlite_path("sqlite:///d/a%20b.db"), "/d/a b.db");
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://app:secret@db:5432/k"), "postgres://app:***@db:5432/k");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
