//! Online backups. On SQLite, `VACUUM INTO` writes a consistent, compacted copy while the server keeps
//! serving. On PostgreSQL the right tool is `pg_dump` (see the operations guide), so this refuses.

use std::path::Path;

use crate::{Db, Dialect, StoreError};

pub async fn backup_to(db: &Db, target: &Path) -> Result<(), StoreError> {
    match db.dialect() {
        Dialect::Sqlite => {
            if target.exists() {
                return Err(StoreError::Conflict(format!("{} already exists; choose a new file", target.display())));
            }
            sqlx::query("VACUUM INTO $1").bind(target.display().to_string()).execute(db.pool()).await?;
            Ok(())
        }
        Dialect::Postgres => Err(StoreError::Conflict(
            "On PostgreSQL, back up with pg_dump: pg_dump --format=custom --file=FILE \"$KINDLING_DATABASE_URL\""
                .into(),
        )),
    }
}
