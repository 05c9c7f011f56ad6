//! Statements run through the connection's prepared-statement cache.
//!
//! `Connection::execute` and `query_row` compile their SQL on every call, and with the store's
//! triggers (stale marking, upper-case names, the LSC DER moves) an insert into `csr` or `lsc`
//! compiles each trigger program too: on a phone session's path that compiling cost more than
//! the writes themselves. Statements that run once per request go through here instead, so each
//! connection compiles them once (SQLite recompiles a cached statement itself after a schema
//! change).

use rusqlite::{Connection, Params, Row};

/// Most statements one connection keeps compiled (rusqlite's default of 16 is less than one
/// phone session's statements plus the engine's).
pub(super) const CACHE_CAPACITY: usize = 64;

/// `execute` and `query_row` through the statement cache.
pub(crate) trait CachedSql {
    /// [`Connection::execute`] with the statement compiled once per connection.
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;

    /// [`Connection::query_row`] with the statement compiled once per connection.
    fn query_row_cached<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl CachedSql for Connection {
    fn execute_cached<P: Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn query_row_cached<T, P: Params, F: FnOnce(&Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}
