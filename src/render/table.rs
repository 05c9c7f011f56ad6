//! CUCM-style text: a header line, a rule of `=`, rows, a closing count.

use std::io::{self, Write};

use super::{Cell, Column, Field, Renderer, escape_controls};
use crate::domain::format_cli;

/// Renders for people.
pub struct TableRenderer<'w> {
    out: Box<dyn Write + 'w>,
    columns: &'static [Column],
    rows: u64,
}

impl<'w> TableRenderer<'w> {
    /// Writes to `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        TableRenderer {
            out,
            columns: &[],
            rows: 0,
        }
    }

    fn line(&mut self, cells: &[String]) -> io::Result<()> {
        let mut s = String::new();
        let last = self.columns.len().saturating_sub(1);
        for (i, (col, cell)) in self.columns.iter().zip(cells).enumerate() {
            if i == last {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  ", w = col.width));
            }
        }
        writeln!(self.out, "{}", s.trim_end())
    }
}

/// A cell as table text (escaped).
pub fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => escape_controls(s).into_owned(),
        Cell::Int(i) => i.to_string(),
        Cell::Time(t) => format_cli(t),
        Cell::MaybeTime(Some(t)) => format_cli(t),
        Cell::MaybeTime(None) | Cell::Null => "-".into(),
    }
}

impl Renderer for TableRenderer<'_> {
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()> {
        self.columns = columns;
        self.rows = 0;
        Ok(())
    }

    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        // The header waits for the first row: an empty listing is only its sentence.
        if self.rows == 0 {
            let titles: Vec<String> = self.columns.iter().map(|c| c.title.to_owned()).collect();
            self.line(&titles)?;
            let rules: Vec<String> = self
                .columns
                .iter()
                .map(|c| "=".repeat(c.width.max(c.title.len())))
                .collect();
            self.line(&rules)?;
        }
        self.rows += 1;
        let texts: Vec<String> = cells.iter().map(cell_text).collect();
        self.line(&texts)
    }

    fn end_list(&mut self, summary: &str) -> io::Result<()> {
        if self.rows > 0 {
            writeln!(self.out)?;
        }
        writeln!(self.out, "{}", escape_controls(summary))
    }

    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        let width = fields.iter().map(|(_, l, _)| l.len()).max().unwrap_or(0);
        for (_, label, cell) in fields {
            let text = cell_text(cell);
            match cell {
                // Multi-line values (PEM) go below their label, unescaped newlines kept.
                Cell::Text(s) if s.contains('\n') => {
                    writeln!(self.out, "{label}:")?;
                    for l in s.lines() {
                        writeln!(self.out, "{}", escape_controls(l))?;
                    }
                }
                _ => writeln!(self.out, "{:<width$} : {text}", label)?,
            }
        }
        Ok(())
    }

    fn outcome(&mut self, text: &str, _fields: &[(&str, Cell)]) -> io::Result<()> {
        for l in text.lines() {
            writeln!(self.out, "{}", escape_controls(l))?;
        }
        Ok(())
    }

    fn text(&mut self, lines: &[String]) -> io::Result<()> {
        for l in lines {
            writeln!(self.out, "{}", escape_controls(l))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
