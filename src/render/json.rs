//! JSON for scripts: a list is an array of objects written row by row; anything else is one
//! object. serde_json escapes C0 control characters; [`escape_invisible`] does the rest.

use std::io::{self, Write};

use serde_json::{Map, Value};

use super::{Cell, Column, Field, Renderer, is_invisible_format};
use crate::domain::format_rfc3339;

/// Renders JSON.
pub struct JsonRenderer<'w> {
    out: Box<dyn Write + 'w>,
    columns: &'static [Column],
    rows: u64,
}

impl<'w> JsonRenderer<'w> {
    /// Writes to `out`.
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        JsonRenderer {
            out,
            columns: &[],
            rows: 0,
        }
    }

    fn object(&mut self, map: Map<String, Value>) -> io::Result<()> {
        let text = serde_json::to_string_pretty(&Value::Object(map))?;
        writeln!(self.out, "{}", escape_invisible(&text))
    }
}

/// serde_json escapes only the C0 controls (below U+0020). DEL, the C1 controls (U+0080 to
/// U+009F: U+009B is a one-character CSI to many terminals) and bidi/zero-width characters would
/// reach a terminal raw, so write them as `\uXXXX` escapes: the same string once parsed.
/// Outside strings, JSON holds only ASCII punctuation and whitespace, so nothing else is touched.
fn escape_invisible(json: &str) -> std::borrow::Cow<'_, str> {
    if !json.chars().any(needs_json_escape) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if needs_json_escape(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// What serde_json leaves raw but a terminal would act on.
fn needs_json_escape(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}') || is_invisible_format(c)
}

/// A cell as a JSON value.
pub fn cell_value(cell: &Cell) -> Value {
    match cell {
        Cell::Text(s) | Cell::Block(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::from(*i),
        Cell::Time(t) | Cell::MaybeTime(Some(t)) => Value::String(format_rfc3339(t)),
        Cell::MaybeTime(None) | Cell::Null => Value::Null,
    }
}

impl Renderer for JsonRenderer<'_> {
    fn begin_list(&mut self, columns: &'static [Column]) -> io::Result<()> {
        self.columns = columns;
        self.rows = 0;
        write!(self.out, "[")
    }

    fn row(&mut self, cells: &[Cell]) -> io::Result<()> {
        let map: Map<String, Value> = self
            .columns
            .iter()
            .zip(cells)
            .map(|(c, v)| (c.field.to_owned(), cell_value(v)))
            .collect();
        write!(self.out, "{}\n  ", if self.rows == 0 { "" } else { "," })?;
        let text = serde_json::to_string(&Value::Object(map))?;
        write!(self.out, "{}", escape_invisible(&text))?;
        self.rows += 1;
        Ok(())
    }

    fn end_list(&mut self, _summary: &str) -> io::Result<()> {
        writeln!(self.out, "{}]", if self.rows == 0 { "" } else { "\n" })
    }

    fn record(&mut self, fields: &[Field<'_>]) -> io::Result<()> {
        let map = fields
            .iter()
            .map(|(k, _, v)| ((*k).to_owned(), cell_value(v)))
            .collect();
        self.object(map)
    }

    fn outcome_lines(&mut self, _lines: &[String], fields: &[(&str, Cell)]) -> io::Result<()> {
        let map = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), cell_value(v)))
            .collect();
        self.object(map)
    }

    fn text(&mut self, lines: &[String]) -> io::Result<()> {
        let mut map = Map::new();
        map.insert("text".into(), Value::String(lines.join("\n")));
        self.object(map)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
