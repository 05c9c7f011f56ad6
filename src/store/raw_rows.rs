//! A bare row reader for the listings that stream a whole table: one SQLite call per value read,
//! where rusqlite's typed `Row::get_ref` makes four (a column-count check, the column type, the
//! value, its length) and validates UTF-8 on top. On `csr list` at 100k pending CSRs that was a
//! sixth of the process's CPU time.
//!
//! Everything else goes through rusqlite; this module only borrows its connection. It is the one
//! place in `store/` that calls SQLite's C API directly, so every `unsafe` block is here.
//!
//! Soundness rests on three SQLite rules (<https://sqlite.org/c3ref/column_blob.html>):
//! - a value read from a row stays valid until the statement steps, resets or is finalized: a
//!   [`RawRow`] mutably borrows its [`RawQuery`], so no row outlives the next step;
//! - `sqlite3_column_text` may convert the value in place, invalidating an earlier pointer to the
//!   *same* column, but only when the earlier read was of another kind; [`RawRow::text`] is the
//!   only accessor that returns a pointer, so a column read twice as text keeps one buffer, and
//!   `sqlite3_column_int64` reads without converting;
//! - the length is read with `sqlite3_column_bytes` after `sqlite3_column_text`, the order the
//!   documentation prescribes.

use std::ffi::{CStr, c_int};
use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use rusqlite::types::Type;
use rusqlite::{Connection, ffi};

use super::StoreError;
use crate::domain::Timestamp;

/// A prepared statement with no parameters, stepped row by row; finalized when dropped.
pub(super) struct RawQuery<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    /// The last step said the query is done (another step would start it over).
    done: bool,
    /// The connection must outlive the statement (and stays on this thread: `&Connection` is
    /// not `Send`, since `Connection` is not `Sync`).
    _conn: PhantomData<&'c Connection>,
}

impl<'c> RawQuery<'c> {
    /// Compiles `sql` (one statement, no parameters) on `conn`.
    pub(super) fn prepare(conn: &'c Connection, sql: &CStr) -> Result<Self, StoreError> {
        // SAFETY: the handle is valid while `conn` is borrowed, and the statement is finalized
        // in `drop` before that borrow ends.
        let db = unsafe { conn.handle() };
        let mut stmt = ptr::null_mut();
        // SAFETY: `sql` is NUL-terminated (length -1); `stmt` is a valid out-pointer.
        let rc =
            unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut stmt, ptr::null_mut()) };
        match NonNull::new(stmt) {
            Some(stmt) if rc == ffi::SQLITE_OK => Ok(RawQuery {
                stmt,
                db,
                done: false,
                _conn: PhantomData,
            }),
            Some(stmt) => {
                let e = failure(db, rc);
                // SAFETY: a statement SQLite handed out, finalized once.
                unsafe { ffi::sqlite3_finalize(stmt.as_ptr()) };
                Err(e)
            }
            // An empty statement (only a comment) compiles to nothing: the caller's SQL is wrong.
            None if rc == ffi::SQLITE_OK => Err(StoreError::from(rusqlite::Error::InvalidQuery)),
            None => Err(failure(db, rc)),
        }
    }

    /// Hands every row to `each`, one at a time; returns how many there were (as `each_row`
    /// does for rusqlite statements).
    pub(super) fn each<E: From<StoreError>>(
        mut self,
        mut each: impl FnMut(&RawRow<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut n = 0;
        while let Some(row) = self.next()? {
            each(&row)?;
            n += 1;
        }
        Ok(n)
    }

    /// The next row, or `None` when the query is done. Busy waits follow the connection's
    /// busy timeout, as for any rusqlite statement.
    #[inline]
    pub(super) fn next(&mut self) -> Result<Option<RawRow<'_>>, StoreError> {
        if self.done {
            return Ok(None);
        }
        // SAFETY: the statement is live (finalized only in `drop`).
        match unsafe { ffi::sqlite3_step(self.stmt.as_ptr()) } {
            ffi::SQLITE_ROW => Ok(Some(RawRow {
                stmt: self.stmt,
                _query: PhantomData,
            })),
            ffi::SQLITE_DONE => {
                self.done = true;
                Ok(None)
            }
            rc => {
                self.done = true;
                Err(failure(self.db, rc))
            }
        }
    }
}

impl Drop for RawQuery<'_> {
    fn drop(&mut self) {
        // SAFETY: finalized exactly once; no `RawRow` can be alive (each borrows `self`).
        unsafe { ffi::sqlite3_finalize(self.stmt.as_ptr()) };
    }
}

/// The statement's current row: its values borrow the row, so none outlives the next step.
pub(super) struct RawRow<'q> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    _query: PhantomData<&'q mut ()>,
}

impl<'q> RawRow<'q> {
    /// Column `i` as UTF-8 bytes, exactly as stored (not validated: the caller does, or treats
    /// them as bytes); `None` for NULL, or when SQLite could not allocate the text.
    pub(super) fn text(&self, i: c_int) -> Option<&'q [u8]> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: the statement is on a row (this `RawRow` exists only between a step that
        // returned a row and the next one); text first, then its length, as SQLite prescribes.
        unsafe {
            let p = ffi::sqlite3_column_text(stmt, i);
            if p.is_null() {
                return None;
            }
            let n = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
            Some(std::slice::from_raw_parts(p, n))
        }
    }

    /// Column `i`, a NOT NULL text column, as `&str`. NULL, or bytes that are not UTF-8 (a store
    /// edited by hand), fail the listing as rusqlite's typed read would. ASCII, the common case,
    /// is checked word by word and needs no decoding.
    pub(super) fn str(&self, i: c_int) -> Result<&'q str, StoreError> {
        let bytes = self.text(i).ok_or_else(|| null_in(i))?;
        if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8.
            return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
        }
        std::str::from_utf8(bytes).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(column(i), Type::Text, Box::new(e)).into()
        })
    }

    /// Column `i` as an integer, `None` for NULL. Text is parsed as SQLite does (0 when it is not
    /// a number): read integers only from INTEGER columns of STRICT tables, which hold no text.
    pub(super) fn opt_int(&self, i: c_int) -> Option<i64> {
        let stmt = self.stmt.as_ptr();
        // SAFETY: as in `text`; reading an integer or the type never converts the stored value.
        unsafe {
            let v = ffi::sqlite3_column_int64(stmt, i);
            // NULL reads as 0: only a 0 needs the type to tell them apart.
            (v != 0 || ffi::sqlite3_column_type(stmt, i) != ffi::SQLITE_NULL).then_some(v)
        }
    }

    /// Column `i`, a NOT NULL integer column (as [`RawRow::opt_int`]); NULL fails the listing.
    pub(super) fn int(&self, i: c_int) -> Result<i64, StoreError> {
        self.opt_int(i).ok_or_else(|| null_in(i))
    }

    /// Column `i`, a NOT NULL instant in microseconds, refused (as `ts_col` does) when no
    /// timestamp can hold it.
    pub(super) fn micros(&self, i: c_int) -> Result<i64, StoreError> {
        Ok(checked_micros(self.int(i)?, column(i))?)
    }
}

/// A stored instant as microseconds, refused (like [`super::ts_col`]) when no timestamp has it.
fn checked_micros(v: i64, idx: usize) -> rusqlite::Result<i64> {
    // Years 0000 to 9999, the common case, are always representable.
    const FOUR_DIGIT_YEARS: std::ops::RangeInclusive<i64> =
        -62_167_219_200_000_000..=253_402_300_799_999_999;
    if FOUR_DIGIT_YEARS.contains(&v) || Timestamp::from_timestamp_micros(v).is_some() {
        Ok(v)
    } else {
        Err(rusqlite::Error::IntegralValueOutOfRange(idx, v))
    }
}

/// Column `i` as rusqlite numbers columns in its errors.
fn column(i: c_int) -> usize {
    usize::try_from(i).unwrap_or(usize::MAX)
}

/// NULL where the schema says NOT NULL.
#[cold]
fn null_in(i: c_int) -> StoreError {
    rusqlite::Error::InvalidColumnType(column(i), String::new(), Type::Null).into()
}

/// The error SQLite reported for `rc`, with its message, through the one rusqlite mapping.
#[cold]
fn failure(db: *mut ffi::sqlite3, rc: c_int) -> StoreError {
    // SAFETY: `db` is the live connection; the message is copied before any other call.
    let message = unsafe {
        let m = ffi::sqlite3_errmsg(db);
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    StoreError::from(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn() -> Connection {
        let c = Connection::open_in_memory().expect("open");
        c.execute_batch(
            "CREATE TABLE t (a TEXT, b INTEGER);
             INSERT INTO t VALUES ('one', 1), (NULL, NULL), (CAST(X'FF00' AS TEXT), 3), ('4', 4);",
        )
        .expect("fill");
        c
    }

    #[test]
    fn reads_every_row_as_stored_and_finalizes_its_statement() {
        let c = conn();
        let mut q = RawQuery::prepare(&c, c"SELECT a, b FROM t ORDER BY rowid").expect("prepare");
        let mut rows = Vec::new();
        while let Some(r) = q.next().expect("step") {
            let a = r.text(0);
            // An integer read of a text column and a second text read leave the first intact.
            let (b, parsed, again) = (r.opt_int(1), r.opt_int(0), r.text(0));
            assert_eq!(a, again);
            rows.push((a.map(<[u8]>::to_vec), b, parsed));
        }
        assert_eq!(
            rows,
            vec![
                (Some(b"one".to_vec()), Some(1), Some(0)),
                (None, None, None),
                (Some(vec![0xff, 0x00]), Some(3), Some(0)),
                (Some(b"4".to_vec()), Some(4), Some(4)),
            ]
        );
        // Done stays done.
        assert!(q.next().expect("after the end").is_none());
        drop(q);
        // rusqlite refuses to close a connection with a statement left unfinalized.
        c.close()
            .map_err(|(_, e)| e)
            .expect("nothing left unfinalized");
    }

    #[test]
    fn a_query_sqlite_refuses_is_an_error_with_sqlites_reason() {
        let c = conn();
        let e = RawQuery::prepare(&c, c"SELECT nope FROM t")
            .err()
            .expect("no such column");
        assert!(e.to_string().contains("no such column: nope"), "{e}");
        let e = RawQuery::prepare(&c, c"-- nothing").err().expect("empty");
        assert!(matches!(e, StoreError::Sqlite(_)), "{e:?}");
        c.close().map_err(|(_, e)| e).expect("closed");
    }

    #[test]
    fn a_failing_step_is_an_error_not_a_short_listing() {
        let c = conn();
        // abs() of the smallest integer overflows at run time, on the second row.
        c.execute_batch("INSERT INTO t VALUES ('x', -9223372036854775808)")
            .expect("row");
        let mut q = RawQuery::prepare(&c, c"SELECT abs(b) FROM t WHERE b IS NOT NULL ORDER BY b")
            .expect("prepare");
        let e = q.next().err().expect("integer overflow");
        assert!(e.to_string().contains("integer overflow"), "{e}");
    }
}
