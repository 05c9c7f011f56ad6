//! Streamed list rows rendered from borrowed data: a million-row listing allocates nothing per
//! row, and timestamps are written digit by digit instead of through a general formatter.

use std::io::{self, Write};

use chrono::DateTime;

use super::Cell;
use crate::domain::{format_cli, format_rfc3339};

/// One value of a streamed list row, borrowed from the store's current row (or from a buffer the
/// command reuses), so rendering it needs no allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCell<'a> {
    /// Text, possibly untrusted: escaped and neutralised exactly as [`Cell::Text`].
    Text(&'a str),
    /// An instant as the store keeps it, microseconds since the Unix epoch (UTC); rendered as
    /// [`Cell::Time`].
    Micros(i64),
}

impl RowCell<'_> {
    /// The owned cell this stands for (renderers without a borrowed path, such as JSON).
    pub fn to_cell(self) -> Cell {
        match self {
            RowCell::Text(s) => Cell::Text(s.to_owned()),
            RowCell::Micros(v) => match DateTime::from_timestamp_micros(v) {
                Some(t) => Cell::Time(t),
                None => Cell::Int(v),
            },
        }
    }
}

/// Bytes of rows a [`RowBatch`] gathers before writing them out.
const ROW_BATCH: usize = 64 * 1024;

/// The rows a renderer's `row_ref` built and has not written out yet. They go out together
/// every 64 KiB or before anything else is written: one write through the output layers per
/// batch instead of per row. The buffer is kept between batches for its capacity.
#[derive(Debug, Default)]
pub(super) struct RowBatch {
    buf: Vec<u8>,
}

impl RowBatch {
    /// The buffer the current row is appended to.
    pub(super) fn line(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Ends the current row, writing the batch out to `out` once it is full.
    pub(super) fn end_row(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.buf.push(b'\n');
        if self.buf.len() >= ROW_BATCH {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Writes out the rows gathered so far (the buffer is emptied even when that fails).
    pub(super) fn flush(&mut self, out: &mut dyn Write) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = out.write_all(&self.buf);
        self.buf.clear();
        written
    }
}

/// Whether `s` can be printed as it is: printable ASCII only, so no control or invisible format
/// character to escape and every byte is one column. The common case, checked byte by byte.
pub(super) fn plain_ascii(s: &str) -> bool {
    scan(s).plain
}

/// What one pass over a text found (see [`scan`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scan {
    /// Printable ASCII only.
    pub(super) plain: bool,
    /// Holds a `,` or a `"` (a CSV field that must be quoted).
    pub(super) special: bool,
    /// Holds a `"` (doubled inside a quoted CSV field).
    pub(super) quote: bool,
}

/// One pass over `s`. No early exit, so the compiler can check many bytes at a time.
pub(super) fn scan(s: &str) -> Scan {
    let mut odd = 0u8;
    let mut comma = 0u8;
    let mut quote = 0u8;
    for &b in s.as_bytes() {
        // Bytes outside 0x20..=0x7e wrap to 0x5f and above.
        odd |= u8::from(b.wrapping_sub(0x20) > 0x5e);
        comma |= u8::from(b == b',');
        quote |= u8::from(b == b'"');
    }
    Scan {
        plain: odd == 0,
        special: comma | quote != 0,
        quote: quote != 0,
    }
}

/// The proleptic Gregorian date of a day number counted from 1970-01-01 (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// 0000-01-01T00:00:00Z and the last microsecond of 9999: the range written digit by digit.
const FAST_MIN: i64 = -62_167_219_200_000_000;
const FAST_MAX: i64 = 253_402_300_799_999_999;

/// Broken-down UTC time of `micros` when its year has four digits.
fn fields(micros: i64) -> Option<[u32; 7]> {
    if !(FAST_MIN..=FAST_MAX).contains(&micros) {
        return None;
    }
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000) as u32;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400) as u32;
    Some([y as u32, m, d, sod / 3600, sod / 60 % 60, sod % 60, frac])
}

/// The two digits of every number below 100, so a pair is one lookup instead of two divisions.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `v` (below 100) as two digits at `out[at..at + 2]`.
fn put2(out: &mut [u8], at: usize, v: u32) {
    let i = (v as usize % 100) * 2;
    out[at..at + 2].copy_from_slice(&PAIRS[i..i + 2]);
}

/// Writes instants into byte lines, remembering the dates of the last days it wrote: a listing
/// sorted by time repeats the same day for many rows, so most rows only need the time of day. A
/// few days, each in the slot its day number picks, so a row of several instants (the stale
/// list's issued, expiry and superseded times) does not evict one column's day with another's.
#[derive(Debug, Default)]
pub(super) struct InstantWriter {
    days: [Option<(i64, [u8; 10])>; DAY_SLOTS],
}

/// Days remembered by [`InstantWriter`] (a power of two).
const DAY_SLOTS: usize = 4;

impl InstantWriter {
    /// `YYYY-MM-DD`, then `sep`, then `HH:MM:SS`, then `.ffffffZ` when `rfc3339`.
    fn push(&mut self, out: &mut Vec<u8>, micros: i64, rfc3339: bool) {
        if !(FAST_MIN..=FAST_MAX).contains(&micros) {
            let mut s = String::new();
            if rfc3339 {
                push_rfc3339(&mut s, micros);
            } else {
                push_cli(&mut s, micros);
            }
            out.extend_from_slice(s.as_bytes());
            return;
        }
        let secs = micros.div_euclid(1_000_000);
        let day = secs.div_euclid(86_400);
        let slot = &mut self.days[day.rem_euclid(DAY_SLOTS as i64) as usize];
        let date = match *slot {
            Some((d, date)) if d == day => date,
            _ => {
                let (y, m, d) = civil_from_days(day);
                let mut date = *b"0000-00-00";
                put2(&mut date, 0, y as u32 / 100);
                put2(&mut date, 2, y as u32 % 100);
                put2(&mut date, 5, m);
                put2(&mut date, 8, d);
                *slot = Some((day, date));
                date
            }
        };
        out.extend_from_slice(&date);
        let sod = secs.rem_euclid(86_400) as u32;
        let mut t = *b" 00:00:00.000000Z";
        if rfc3339 {
            t[0] = b'T';
        }
        put2(&mut t, 1, sod / 3600);
        put2(&mut t, 4, sod / 60 % 60);
        put2(&mut t, 7, sod % 60);
        if rfc3339 {
            let f = micros.rem_euclid(1_000_000) as u32;
            put2(&mut t, 10, f / 10_000);
            put2(&mut t, 12, f / 100 % 100);
            put2(&mut t, 14, f % 100);
            out.extend_from_slice(&t);
        } else {
            out.extend_from_slice(&t[..9]);
        }
    }

    /// Appends `YYYY-MM-DD HH:MM:SS`, as [`push_cli`].
    pub(super) fn cli(&mut self, out: &mut Vec<u8>, micros: i64) {
        self.push(out, micros, false);
    }

    /// Appends RFC 3339 with microseconds, as [`push_rfc3339`].
    pub(super) fn rfc3339(&mut self, out: &mut Vec<u8>, micros: i64) {
        self.push(out, micros, true);
    }
}

/// Fills the `YYYY-MM-DD?HH:MM:SS` digits at the start of `b` (both forms share them).
fn put_date_time(b: &mut [u8], [y, mo, d, h, mi, s]: [u32; 6]) {
    put2(b, 0, y / 100);
    put2(b, 2, y % 100);
    put2(b, 5, mo);
    put2(b, 8, d);
    put2(b, 11, h);
    put2(b, 14, mi);
    put2(b, 17, s);
}

/// Writes `YYYY-MM-DD HH:MM:SS` (the CUCM listing form) of `micros` to `out`.
pub(super) fn push_cli(out: &mut String, micros: i64) {
    match fields(micros) {
        Some([y, mo, d, h, mi, s, _]) => {
            let mut b = *b"0000-00-00 00:00:00";
            put_date_time(&mut b, [y, mo, d, h, mi, s]);
            // Only ASCII digits and punctuation were written.
            out.push_str(std::str::from_utf8(&b).unwrap_or_default());
        }
        None => match DateTime::from_timestamp_micros(micros) {
            Some(t) => out.push_str(&format_cli(&t)),
            None => out.push_str(&micros.to_string()),
        },
    }
}

/// Writes RFC 3339 in UTC with microseconds (`2026-11-25T08:00:00.000000Z`) of `micros`.
pub(super) fn push_rfc3339(out: &mut String, micros: i64) {
    match fields(micros) {
        Some([y, mo, d, h, mi, s, f]) => {
            let mut b = *b"0000-00-00T00:00:00.000000Z";
            put_date_time(&mut b, [y, mo, d, h, mi, s]);
            put2(&mut b, 20, f / 10_000);
            put2(&mut b, 22, f / 100 % 100);
            put2(&mut b, 24, f % 100);
            out.push_str(std::str::from_utf8(&b).unwrap_or_default());
        }
        None => match DateTime::from_timestamp_micros(micros) {
            Some(t) => out.push_str(&format_rfc3339(&t)),
            None => out.push_str(&micros.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(v: i64) -> String {
        let mut s = String::new();
        push_cli(&mut s, v);
        s
    }

    fn rfc(v: i64) -> String {
        let mut s = String::new();
        push_rfc3339(&mut s, v);
        s
    }

    #[test]
    fn digit_by_digit_matches_chrono_across_the_range() {
        // Edges of the fast range, leap days, century rules, negative instants, and a spread of
        // pseudo-random instants over the whole four-digit-year range.
        let mut values = vec![
            0,
            -1,
            1,
            FAST_MIN,
            FAST_MIN + 1,
            FAST_MAX,
            FAST_MAX - 1,
            951_782_400_000_000,   // 2000-02-29
            4_107_542_400_000_000, // 2100-03-01
            1_767_225_602_000_000,
            -2_208_988_800_000_001,
        ];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let span = (FAST_MAX - FAST_MIN) as u64;
            values.push(FAST_MIN + (x % span) as i64);
        }
        for v in values {
            let t = DateTime::from_timestamp_micros(v).expect("in range");
            assert_eq!(cli(v), format_cli(&t), "{v}");
            assert_eq!(rfc(v), format_rfc3339(&t), "{v}");
        }
    }

    #[test]
    fn the_day_cache_writes_what_the_plain_formatters_write() {
        let mut w = InstantWriter::default();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut at = 1_767_225_602_000_000i64;
        for i in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Mostly small steps within a day, now and then a jump anywhere.
            at = if i % 97 == 0 {
                FAST_MIN + (x % (FAST_MAX - FAST_MIN) as u64) as i64
            } else {
                (at + (x % 7_000_000_000) as i64).min(FAST_MAX)
            };
            for v in [at, FAST_MAX + 1, at] {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                w.cli(&mut a, v);
                w.rfc3339(&mut b, v);
                assert_eq!(String::from_utf8(a).expect("utf8"), cli(v), "{v}");
                assert_eq!(String::from_utf8(b).expect("utf8"), rfc(v), "{v}");
            }
        }
    }

    #[test]
    fn outside_four_digit_years_falls_back_to_chrono() {
        for v in [FAST_MAX + 1, FAST_MIN - 1, i64::MAX / 1000] {
            let t = DateTime::from_timestamp_micros(v).expect("in chrono's range");
            assert_eq!(cli(v), format_cli(&t));
            assert_eq!(rfc(v), format_rfc3339(&t));
        }
        assert_eq!(cli(i64::MAX), i64::MAX.to_string());
    }

    /// The borrowed path writes byte for byte what the owned path writes, hostile text included.
    #[test]
    fn borrowed_rows_render_exactly_as_owned_rows() {
        use crate::render::{Column, Format, renderer};
        const COLUMNS: &[Column] = &[
            Column {
                field: "device",
                title: "Device Name",
                width: 15,
            },
            Column {
                field: "at",
                title: "At (UTC)",
                width: 19,
            },
            Column {
                field: "subject",
                title: "Subject",
                width: 0,
            },
        ];
        let texts = [
            "SEP001122AABBCC",
            "CN=A, O=B",
            "=HYPERLINK(\"x\")",
            "+1",
            "-1",
            "@x",
            "\tx",
            "\rx",
            " lead",
            "trail ",
            "say \"hi\"",
            "a\u{1b}[2Jb\nforged",
            "bidi\u{202e}x",
            "Zürich",
            "wide\u{3000}",
            "nbsp\u{a0}",
            "",
            "ümlaut device",
            "\u{9b}c1",
        ];
        let instants = [0, 1_767_225_602_123_456, FAST_MAX + 1, -1];
        for format in [Format::Table, Format::Csv, Format::Json] {
            let render = |borrowed: bool| -> String {
                let mut out = Vec::new();
                {
                    let mut r = renderer(format, Box::new(&mut out), None);
                    r.begin_list(COLUMNS).expect("begin");
                    for (i, a) in texts.iter().enumerate() {
                        let b = texts[(i * 7 + 3) % texts.len()];
                        let at = instants[i % instants.len()];
                        if borrowed {
                            r.row_ref(&[RowCell::Text(a), RowCell::Micros(at), RowCell::Text(b)])
                                .expect("row");
                        } else {
                            let t = DateTime::from_timestamp_micros(at).expect("time");
                            r.row(&[
                                Cell::Text((*a).to_owned()),
                                Cell::Time(t),
                                Cell::Text(b.to_owned()),
                            ])
                            .expect("row");
                        }
                    }
                    r.end_list("19 rows found").expect("end");
                    r.flush().expect("flush");
                }
                String::from_utf8(out).expect("utf8")
            };
            let (owned, borrowed) = (render(false), render(true));
            assert_eq!(borrowed, owned, "{format:?}");
            assert!(owned.lines().count() >= texts.len(), "{format:?}: {owned}");
        }
    }

    #[test]
    fn plain_ascii_is_printable_ascii_only() {
        assert!(plain_ascii("CN=SEP001122AABBCC, O=Example"));
        let f = |plain, special, quote| Scan {
            plain,
            special,
            quote,
        };
        assert_eq!(scan("CN=A, O=B"), f(true, true, false));
        assert_eq!(scan("CN=\"A\""), f(true, true, true));
        assert_eq!(scan("CN=A\x1b"), f(false, false, false));
        assert_eq!(scan("CN=\u{e9}\","), f(false, true, true));
        assert_eq!(scan(""), f(true, false, false));
        assert!(!plain_ascii("a\tb"));
        assert!(!plain_ascii("a\u{7f}"));
        assert!(!plain_ascii("Zürich"));
    }
}
