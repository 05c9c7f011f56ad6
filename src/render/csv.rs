//! CSV for spreadsheets and scripts: RFC 4180 quoting, control characters in untrusted text
//! escaped, formula-like text neutralised; only capfsh's own multi-line text spans lines.

use std::io::{self, Write};

use std::borrow::Cow;

use super::row::{InstantWriter, RowBatch, RowCell, scan};
use super::{Cell, Column, Field, Renderer, escape_controls};
use crate::domain::format_rfc3339;

/// Renders CSV.
pub struct CsvRenderer<'w> {
    out: Box<dyn Write + 'w>,
    /// Rows [`Renderer::row_ref`] built and has not written out yet.
    batch: RowBatch,
    instants: InstantWriter,
}

impl<'w> CsvRenderer<'w> {
    /// Writes to `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        CsvRenderer {
            out,
            batch: RowBatch::default(),
            instants: InstantWriter::default(),
        }
    }

    /// Writes one record of fields already made safe by [`cell_field`] or [`quote`].
    fn line(&mut self, fields: impl Iterator<Item = String>) -> io::Result<()> {
        let fields: Vec<String> = fields.collect();
        writeln!(self.out, "{}", fields.join(","))
    }
}

impl CsvRenderer<'_> {
    /// Writes out the rows gathered so far.
    fn flush_rows(&mut self) -> io::Result<()> {
        self.batch.flush(&mut *self.out)
    }
}

impl Drop for CsvRenderer<'_> {
    /// A listing that stops early (an error, Ctrl-C) still shows the rows it produced.
    fn drop(&mut self) {
        let _ = self.flush_rows();
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Quotes a one-line field when it holds a comma, quote or leading/trailing space; control
/// characters (newlines included) are escaped first, so such a field never spans lines.
fn quote(v: &str) -> String {
    let v = escape_controls(v);
    if v.contains([',', '"']) || v.starts_with(' ') || v.ends_with(' ') {
        quoted(&v)
    } else {
        v.into_owned()
    }
}

/// A field in double quotes, inner quotes doubled (RFC 4180).
fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('"', "\"\""))
}

/// Multi-line text capfsh produced (a PEM, help): one quoted field whose line breaks are real
/// newlines, as RFC 4180 allows, so a spreadsheet or CSV reader gets the text back intact.
/// Each line is still escaped.
fn block<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let text: Vec<String> = lines.map(|l| escape_controls(l).into_owned()).collect();
    quoted(&text.join("\n"))
}

/// Appends the field [`cell_field`] makes of `Cell::Text(s)`, without building it apart.
fn push_text_field(line: &mut Vec<u8>, s: &str) {
    // Every formula-starting character is ASCII: the first byte tells.
    let formula = s
        .as_bytes()
        .first()
        .is_some_and(|&b| FORMULA_START.contains(&char::from(b)));
    let found = scan(s);
    let v: Cow<'_, str> = if found.plain {
        Cow::Borrowed(s)
    } else {
        escape_controls(s)
    };
    // Escaping adds neither commas nor quotes. With the `'` in front, the field cannot start
    // with a space.
    let (v_starts, v_ends) = (v.as_bytes().first(), v.as_bytes().last());
    if found.special || (!formula && v_starts == Some(&b' ')) || v_ends == Some(&b' ') {
        line.push(b'"');
        if formula {
            line.push(b'\'');
        }
        if found.quote {
            for (i, part) in v.split('"').enumerate() {
                if i > 0 {
                    line.extend_from_slice(b"\"\"");
                }
                line.extend_from_slice(part.as_bytes());
            }
        } else {
            // The common case (a DN with commas): nothing to double.
            line.extend_from_slice(v.as_bytes());
        }
        line.push(b'"');
    } else {
        if formula {
            line.push(b'\'');
        }
        line.extend_from_slice(v.as_bytes());
    }
}

/// A cell as a CSV field. Text may come from a phone or an external CA: one that starts like a
/// formula gets a leading `'`, so a spreadsheet shows it instead of evaluating it. Numbers and
/// timestamps are their own cell kinds and are never touched.
fn cell_field(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) if s.starts_with(FORMULA_START) => quote(&format!("'{s}")),
        Cell::Text(s) => quote(s),
        Cell::Block(s) => block(s.lines()),
        Cell::Int(i) => i.to_string(),
        Cell::Time(t) | Cell::MaybeTime(Some(t)) => format_rfc3339(t),
        Cell::MaybeTime(None) | Cell::Null => String::new(),
    }
}

impl Renderer for CsvRenderer<'_> {
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()> {
        self.flush_rows()?;
        self.line(columns.iter().map(|c| quote(c.field)))
    }

    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        self.flush_rows()?;
        self.line(cells.iter().map(cell_field))
    }

    fn row_ref(&mut self, cells: &[RowCell<'_>]) -> io::Result<()> {
        let line = self.batch.line();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            match cell {
                RowCell::Text(s) => push_text_field(line, s),
                RowCell::Micros(v) => self.instants.rfc3339(line, *v),
            }
        }
        self.batch.end_row(&mut *self.out)
    }

    fn end_list(&mut self, _summary: &str) -> io::Result<()> {
        self.flush_rows()?;
        Ok(())
    }

    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        self.flush_rows()?;
        self.line(fields.iter().map(|(k, _, _)| quote(k)))?;
        self.line(fields.iter().map(|(_, _, v)| cell_field(v)))
    }

    fn outcome_lines(&mut self, _lines: &[String], fields: &[(&str, Cell)]) -> io::Result<()> {
        self.flush_rows()?;
        self.line(fields.iter().map(|(k, _)| quote(k)))?;
        self.line(fields.iter().map(|(_, v)| cell_field(v)))
    }

    fn text(&mut self, lines: &[String]) -> io::Result<()> {
        self.flush_rows()?;
        self.line(std::iter::once("text".to_owned()))?;
        self.line(std::iter::once(block(lines.iter().map(String::as_str))))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_rows()?;
        self.out.flush()
    }
}
