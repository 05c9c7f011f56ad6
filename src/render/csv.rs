//! CSV for spreadsheets and scripts (RFC 4180 quoting, control characters escaped).

use std::io::{self, Write};

use super::{Cell, Column, Field, Renderer, escape_controls};
use crate::domain::format_rfc3339;

/// Renders CSV.
pub struct CsvRenderer<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> CsvRenderer<'w> {
    /// Writes to `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        CsvRenderer { out }
    }

    fn line(&mut self, values: impl Iterator<Item = String>) -> io::Result<()> {
        let fields: Vec<String> = values.map(|v| quote(&v)).collect();
        writeln!(self.out, "{}", fields.join(","))
    }
}

/// Quotes a field when it holds a comma, quote or leading/trailing space; control characters
/// (newlines included) were escaped before, so a record is always one line.
fn quote(v: &str) -> String {
    let v = escape_controls(v);
    if v.contains([',', '"']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.into_owned()
    }
}

/// A cell as CSV text (before quoting).
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Block(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Time(t) | Cell::MaybeTime(Some(t)) => format_rfc3339(t),
        Cell::MaybeTime(None) | Cell::Null => String::new(),
    }
}

impl Renderer for CsvRenderer<'_> {
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()> {
        self.line(columns.iter().map(|c| c.field.to_owned()))
    }

    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        self.line(cells.iter().map(cell_text))
    }

    fn end_list(&mut self, _summary: &str) -> io::Result<()> {
        Ok(())
    }

    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        self.line(fields.iter().map(|(k, _, _)| (*k).to_owned()))?;
        self.line(fields.iter().map(|(_, _, v)| cell_text(v)))
    }

    fn outcome_lines(&mut self, _lines: &[String], fields: &[(&str, Cell)]) -> io::Result<()> {
        self.line(fields.iter().map(|(k, _)| (*k).to_owned()))?;
        self.line(fields.iter().map(|(_, v)| cell_text(v)))
    }

    fn text(&mut self, lines: &[String]) -> io::Result<()> {
        self.line(std::iter::once("text".to_owned()))?;
        self.line(std::iter::once(lines.join("\n")))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
