//! Rendering at the edge: commands hand over rows and records; this module turns them into a
//! CUCM-style table, JSON or CSV.
//!
//! Lists are streamed: a row is written as soon as the store yields it, so a million-row listing
//! never sits in memory. Table columns have fixed widths from the domain (a device name is at most
//! 15 characters) and the free-text column comes last, so nothing needs to be measured first.

mod csv;
mod escape;
mod json;
mod row;
mod table;

use std::cell::Cell as Flag;
use std::io::{self, Write};
use std::rc::Rc;
use std::str::FromStr;

use crate::domain::Timestamp;

pub use escape::{escape_controls, is_invisible_format};
pub use row::RowCell;

/// The terminal's width when standard output is a terminal that reports one, else `None`.
/// A fresh pseudo-terminal reports 0 columns until someone sets its size (common under
/// automation): that means "unknown", not "zero wide".
pub fn terminal_width() -> Option<usize> {
    comfy_table::Table::new()
        .width()
        .map(usize::from)
        .filter(|w| *w >= 20)
}

/// Output format of command results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// CUCM-style text for people.
    #[default]
    Table,
    /// A JSON array (lists) or object (everything else); timestamps RFC 3339 UTC.
    Json,
    /// RFC 4180 CSV with a header line; timestamps RFC 3339 UTC.
    Csv,
}

impl Format {
    /// Names accepted by `--format`.
    pub const NAMES: [&'static str; 3] = ["table", "json", "csv"];
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format {s:?}: use table, json or csv")),
        }
    }
}

/// A list column: the stable field name scripts rely on, the table title, the table width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// JSON key and CSV header (snake_case, stable: documented in README).
    pub field: &'static str,
    /// Table header.
    pub title: &'static str,
    /// Table width; the last column is never padded.
    pub width: usize,
}

/// One value.
///
/// Text comes in two kinds because they must be printed differently: [`Cell::Text`] may come
/// from a phone or an external CA and is always shown on one line with every control character
/// escaped (a newline in a CSR subject must not forge an output line), while [`Cell::Block`] is
/// multi-line text capfsh produced itself (a PEM block), whose line breaks are real.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text, possibly untrusted: always one line, control characters (newlines included)
    /// escaped; in CSV, a leading formula character is neutralised.
    Text(String),
    /// Multi-line text capfsh produced itself (a PEM block): table output prints it below the
    /// record, CSV as a quoted field with real newlines. Never put untrusted text here; each
    /// line is still escaped, as a second line of defence.
    Block(String),
    /// A whole number.
    Int(i64),
    /// An instant (table: `YYYY-MM-DD HH:MM:SS`; JSON/CSV: RFC 3339).
    Time(Timestamp),
    /// An instant or nothing (table: `-`; JSON: null; CSV: empty).
    MaybeTime(Option<Timestamp>),
    /// Nothing (table: `-`; JSON: null; CSV: empty).
    Null,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// A labelled value of a record: JSON key, table label, value.
pub type Field<'a> = (&'a str, &'a str, Cell);

/// Where command results go.
pub trait Renderer {
    /// Starts a list with these columns.
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()>;
    /// One row, cells in column order.
    fn row(&mut self, cells: &[Cell]) -> io::Result<()>;
    /// One row of borrowed cells, in column order: what long listings stream, so the table and
    /// CSV renderers write it without allocating. Renders exactly as [`Renderer::row`] would.
    fn row_ref(&mut self, cells: &[RowCell<'_>]) -> io::Result<()> {
        let owned: Vec<Cell> = cells.iter().map(|c| c.to_cell()).collect();
        self.row(&owned)
    }
    /// Ends the list; `summary` is the closing line of the table (`3 pending CSRs found`, or
    /// `No pending CSRs found`).
    fn end_list(&mut self, summary: &str) -> io::Result<()>;
    /// A record of labelled values (`show` commands, a CSR dump).
    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()>;
    /// The outcome of a command that changed something: a sentence for people (one line: any
    /// newline in it is escaped), the same facts as fields for scripts.
    fn outcome(&mut self, text: &str, fields: &[(&str, Cell)]) -> io::Result<()> {
        self.outcome_lines(&[text.to_owned()], fields)
    }
    /// An outcome that needs several lines (an import summary with one line per certificate).
    /// Each element is one line: the line breaks are ours, and a newline inside an element
    /// (from a certificate subject, say) is escaped rather than starting a forged line.
    fn outcome_lines(&mut self, lines: &[String], fields: &[(&str, Cell)]) -> io::Result<()>;
    /// Free text (help); JSON wraps it as `{"text": ...}`.
    fn text(&mut self, lines: &[String]) -> io::Result<()>;
    /// Flushes the output.
    fn flush(&mut self) -> io::Result<()>;
}

/// Tells a line filter which lines are a table's frame rather than its data: on while the
/// table renderer writes a list's header, rule, blank line and closing count, so `| count`
/// counts data lines only (IOS counts output lines; a header is not a CSR).
#[derive(Debug, Clone, Default)]
pub struct Framing(Rc<Flag<bool>>);

impl Framing {
    /// Marks the lines written from now on as frame (`true`) or data (`false`).
    pub fn set(&self, on: bool) {
        self.0.set(on);
    }

    /// Whether the line being written is frame.
    pub fn is_on(&self) -> bool {
        self.0.get()
    }
}

/// A renderer of `format` writing to `out`. `width` is the terminal width when output goes to
/// one (tables follow it), `None` otherwise (nothing is wrapped or cut).
pub fn renderer<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    width: Option<usize>,
) -> Box<dyn Renderer + 'w> {
    renderer_framed(format, out, width, Framing::default())
}

/// [`renderer`], marking a table's frame lines on `framing` for a line filter.
pub fn renderer_framed<'w>(
    format: Format,
    out: Box<dyn Write + 'w>,
    width: Option<usize>,
    framing: Framing,
) -> Box<dyn Renderer + 'w> {
    match format {
        Format::Table => Box::new(table::TableRenderer::new(out, width, framing)),
        Format::Json => Box::new(json::JsonRenderer::new(out)),
        Format::Csv => Box::new(csv::CsvRenderer::new(out)),
    }
}

#[cfg(test)]
mod tests;
