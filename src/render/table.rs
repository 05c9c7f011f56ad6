//! CUCM-style text: a header line, a rule of `=`, rows, a closing count.

use std::io::{self, Write};

use comfy_table::{ContentArrangement, Table, presets};

use super::row::{InstantWriter, RowBatch, RowCell, plain_ascii};
use super::{Cell, Column, Field, Framing, Renderer, escape_controls};
use crate::domain::format_cli;

/// Renders for people.
pub struct TableRenderer<'w> {
    out: Box<dyn Write + 'w>,
    columns: &'static [Column],
    rows: u64,
    width: Option<usize>,
    framing: Framing,
    /// Rows [`Renderer::row_ref`] built and has not written out yet.
    batch: RowBatch,
    instants: InstantWriter,
}

impl<'w> TableRenderer<'w> {
    /// Writes to `out`; `width` is the terminal's width (the last column wraps to it), or
    /// `None` for pipes and files, where nothing is ever wrapped or cut.
    /// `framing` is on while a list's header, rule, blank line and closing count are written.
    pub fn new(out: Box<dyn Write + 'w>, width: Option<usize>, framing: Framing) -> Self {
        TableRenderer {
            out,
            columns: &[],
            rows: 0,
            width,
            framing,
            batch: RowBatch::default(),
            instants: InstantWriter::default(),
        }
    }

    /// The header line and the `=` rule, before the first row (frame, not data).
    fn header(&mut self) -> io::Result<()> {
        self.header_without(&[])
    }

    /// The header, leaving out the columns marked in `skip` (those holding blocks).
    fn header_without(&mut self, skip: &[bool]) -> io::Result<()> {
        self.frame(|t| {
            let shown: Vec<&Column> = t
                .columns
                .iter()
                .enumerate()
                .filter(|(i, _)| !skip.get(*i).copied().unwrap_or(false))
                .map(|(_, c)| c)
                .collect();
            let titles: Vec<String> = shown.iter().map(|c| c.title.to_owned()).collect();
            let rules: Vec<String> = shown
                .iter()
                .map(|c| "=".repeat(c.width.max(c.title.len())))
                .collect();
            t.line(&titles)?;
            t.line(&rules)
        })
    }

    /// Writes out the rows gathered so far.
    fn flush_rows(&mut self) -> io::Result<()> {
        self.batch.flush(&mut *self.out)
    }

    /// Writes frame lines (not data) with `f`.
    fn frame(&mut self, f: impl FnOnce(&mut Self) -> io::Result<()>) -> io::Result<()> {
        self.framing.set(true);
        let result = f(self);
        self.framing.set(false);
        result
    }

    fn line(&mut self, cells: &[String]) -> io::Result<()> {
        let mut s = String::new();
        let last = self.columns.len().saturating_sub(1);
        let mut tail = "";
        for (i, (col, cell)) in self.columns.iter().zip(cells).enumerate() {
            if i == last {
                tail = cell;
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = col.width));
            }
        }
        let indent = s.chars().count();
        match self.width {
            // Wrap the free-text column under itself when the terminal is too narrow for it.
            Some(w) if w > indent + 10 && indent + tail.chars().count() > w => {
                let chars: Vec<char> = tail.chars().collect();
                for (n, chunk) in chars.chunks(w - indent).enumerate() {
                    let text: String = chunk.iter().collect();
                    if n == 0 {
                        writeln!(self.out, "{s}{text}")?;
                    } else {
                        writeln!(self.out, "{:indent$}{text}", "")?;
                    }
                }
                Ok(())
            }
            _ => writeln!(self.out, "{}", format!("{s}{tail}").trim_end()),
        }
    }
}

impl Drop for TableRenderer<'_> {
    /// A listing that stops early (an error, Ctrl-C) still shows the rows it produced.
    fn drop(&mut self) {
        let _ = self.flush_rows();
    }
}

/// A cell as table text (escaped).
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) | Cell::Block(s) => escape_controls(s).into_owned(),
        Cell::Int(i) => i.to_string(),
        Cell::Time(t) => format_cli(t),
        Cell::MaybeTime(Some(t)) => format_cli(t),
        Cell::MaybeTime(None) | Cell::Null => "-".into(),
    }
}

impl Renderer for TableRenderer<'_> {
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()> {
        self.flush_rows()?;
        self.columns = columns;
        self.rows = 0;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        self.flush_rows()?;
        // Our own multi-line values (an LSC's PEM, in the last column) are not table cells:
        // they follow their row, newlines kept, and their column has no title.
        let blocks: Vec<bool> = cells.iter().map(|c| matches!(c, Cell::Block(_))).collect();
        // The header waits for the first row: an empty listing is only its sentence.
        if self.rows == 0 {
            self.header_without(&blocks)?;
        }
        self.rows += 1;
        let texts: Vec<String> = cells
            .iter()
            .filter(|c| !matches!(c, Cell::Block(_)))
            .map(cell_text)
            .collect();
        self.line(&texts)?;
        // Part of the row, not rows of their own: `| count` counts the rows.
        self.frame(|t| {
            for cell in cells {
                if let Cell::Block(text) = cell {
                    for l in text.lines() {
                        writeln!(t.out, "{}", escape_controls(l))?;
                    }
                }
            }
            Ok(())
        })
    }

    fn row_ref(&mut self, cells: &[RowCell<'_>]) -> io::Result<()> {
        if self.width.is_some() {
            // On a terminal the free-text column may wrap: the general path does that.
            let owned: Vec<Cell> = cells.iter().map(|c| c.to_cell()).collect();
            return self.row(&owned);
        }
        if self.rows == 0 {
            self.header()?;
        }
        self.rows += 1;
        // The same line as `row` writes (padded columns, two spaces between them, the last
        // column unpadded, trailing whitespace trimmed), built in the row batch.
        let line = self.batch.line();
        let row_start = line.len();
        let mut ascii = true;
        let last = self.columns.len().saturating_sub(1);
        for (i, (col, cell)) in self.columns.iter().zip(cells).enumerate() {
            let start = line.len();
            let chars = match cell {
                RowCell::Text(s) if plain_ascii(s) => {
                    line.extend_from_slice(s.as_bytes());
                    s.len()
                }
                RowCell::Text(s) => {
                    let e = escape_controls(s);
                    line.extend_from_slice(e.as_bytes());
                    ascii &= e.is_ascii();
                    e.chars().count()
                }
                RowCell::Micros(v) => {
                    self.instants.cli(line, *v);
                    line.len() - start
                }
            };
            if i != last {
                line.resize(line.len() + col.width.saturating_sub(chars) + 2, b' ');
            }
        }
        // Trailing whitespace goes, as `str::trim_end` would take it.
        let end = if ascii {
            line[row_start..]
                .iter()
                .rposition(|b| *b != b' ')
                .map_or(row_start, |p| row_start + p + 1)
        } else {
            std::str::from_utf8(&line[row_start..])
                .map_or(line.len(), |l| row_start + l.trim_end().len())
        };
        line.truncate(end);
        self.batch.end_row(&mut *self.out)
    }

    fn end_list(&mut self, summary: &str) -> io::Result<()> {
        self.flush_rows()?;
        self.frame(|t| {
            if t.rows > 0 {
                writeln!(t.out)?;
            }
            writeln!(t.out, "{}", escape_controls(summary))
        })
    }

    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        self.flush_rows()?;
        let mut table = Table::new();
        table.load_style(presets::NOTHING);
        match self.width {
            Some(w) => {
                table
                    .set_width(u16::try_from(w).unwrap_or(u16::MAX))
                    .set_content_arrangement(ContentArrangement::Dynamic);
            }
            None => {
                table
                    .force_no_tty()
                    .set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        let mut blocks = Vec::new();
        for (_, label, cell) in fields {
            match cell {
                // Our own multi-line values (PEM) go below the table, newlines kept, each line
                // escaped. Untrusted text (`Cell::Text`) stays on its row, newlines escaped.
                Cell::Block(s) => blocks.push((label, s)),
                _ => {
                    table.add_row(vec![format!("{label}:"), cell_text(cell)]);
                }
            }
        }
        if let Some(col) = table.column_mut(0) {
            col.set_padding((0, 1));
        }
        if let Some(col) = table.column_mut(1) {
            col.set_padding((0, 0));
        }
        for line in table.lines() {
            writeln!(self.out, "{}", line.trim_end())?;
        }
        for (label, text) in blocks {
            writeln!(self.out, "{label}:")?;
            for l in text.lines() {
                writeln!(self.out, "{}", escape_controls(l))?;
            }
        }
        Ok(())
    }

    fn outcome_lines(&mut self, lines: &[String], _fields: &[(&str, Cell)]) -> io::Result<()> {
        self.flush_rows()?;
        for l in lines {
            writeln!(self.out, "{}", escape_controls(l))?;
        }
        Ok(())
    }

    fn text(&mut self, lines: &[String]) -> io::Result<()> {
        self.flush_rows()?;
        for l in lines {
            writeln!(self.out, "{}", escape_controls(l))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_rows()?;
        self.out.flush()
    }
}
