//! Output modifiers, IOS/Junos style: `<command> | include REGEX | exclude REGEX | begin REGEX |
//! count`, applied left to right to the rendered lines; `| json` and `| csv` choose the format.

use std::io::{self, Write};

use regex::Regex;

use super::parse::match_word;
use crate::render::{Format, Framing};

/// Modifier words, in the order `?` lists them.
pub const MODIFIERS: &[(&str, &str)] = &[
    ("begin", "Show lines from the first one matching REGEX"),
    (
        "count",
        "Count the lines instead of showing them (of a table, the data lines only)",
    ),
    ("csv", "Show the result as CSV"),
    ("exclude", "Hide lines matching REGEX"),
    ("include", "Show only lines matching REGEX"),
    ("json", "Show the result as JSON"),
];

/// The longest regular expression accepted (a typed filter, not a program).
const MAX_REGEX_LEN: usize = 1024;

/// One filter stage.
#[derive(Debug, Clone)]
pub enum Modifier {
    /// Keep matching lines.
    Include(Regex),
    /// Drop matching lines.
    Exclude(Regex),
    /// Drop lines until one matches, then keep all.
    Begin(Regex),
    /// Replace the lines by their count.
    Count,
}

/// A command line split into the command and its modifiers.
#[derive(Debug, Clone, Default)]
pub struct Piped {
    /// The command part, before the first `|`.
    pub command: String,
    /// The filter stages, in order.
    pub modifiers: Vec<Modifier>,
    /// `| json` or `| csv`.
    pub format: Option<Format>,
    /// The stages with their words in full (`include SEP`), for the warning scripts print
    /// about abbreviations.
    pub stages: Vec<String>,
    /// Some modifier word was abbreviated (`| inc X`): scripts warn, as for command words.
    pub abbreviated: bool,
}

impl Piped {
    /// The modifiers as they would be written in full: ` | include SEP | count`, or nothing.
    pub fn canonical_suffix(&self) -> String {
        self.stages.iter().map(|s| format!(" | {s}")).collect()
    }
}

/// Byte offsets of the `|` characters outside double quotes.
pub fn pipe_positions(line: &str) -> Vec<usize> {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut out = Vec::new();
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '|' if !in_quotes => out.push(i),
            _ => {}
        }
    }
    out
}

/// Splits `line` at its unquoted `|`s and parses each modifier.
pub fn split(line: &str) -> Result<Piped, String> {
    let pipes = pipe_positions(line);
    let Some(&first) = pipes.first() else {
        return Ok(Piped {
            command: line.to_owned(),
            ..Piped::default()
        });
    };
    let mut piped = Piped {
        command: line[..first].to_owned(),
        ..Piped::default()
    };
    let mut bounds = pipes.clone();
    bounds.push(line.len());
    for pair in bounds.windows(2) {
        let stage = line[pair[0] + 1..pair[1]].trim();
        let (word, rest) = match stage.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (stage, ""),
        };
        add_stage(&mut piped, word, rest)?;
    }
    Ok(piped)
}

/// Builds the modifiers from command-line arguments that follow a lone `|` argument
/// (`capfsh utils capf csr list '|' include 'a|b' '|' count`): each stage is its own run of
/// arguments, so a `|` inside a regular expression stays part of it.
pub fn from_args(args: &[String]) -> Result<Piped, String> {
    let mut piped = Piped::default();
    for stage in args.split(|a| a == "|").skip(1) {
        let Some((word, rest)) = stage.split_first() else {
            return Err("empty output modifier after |".into());
        };
        add_stage(&mut piped, word, &rest.join(" "))?;
    }
    Ok(piped)
}

/// Parses one modifier stage (`include REGEX`, `count`, ...) onto `piped`.
fn add_stage(piped: &mut Piped, word: &str, rest: &str) -> Result<(), String> {
    let Some(&(name, _)) = match_word(MODIFIERS, |(n, _)| n, word) else {
        return Err(format!(
            "Invalid output modifier {word:?} after |: use begin, count, csv, exclude, include or json"
        ));
    };
    piped.abbreviated |= !word.eq_ignore_ascii_case(name);
    piped.stages.push(if rest.is_empty() {
        name.to_owned()
    } else {
        format!("{name} {rest}")
    });
    let regex = || -> Result<Regex, String> {
        if rest.is_empty() {
            return Err(format!(
                "| {name} needs a regular expression, e.g. | {name} SEP00"
            ));
        }
        if rest.len() > MAX_REGEX_LEN {
            return Err(format!(
                "| {name}: regular expression longer than {MAX_REGEX_LEN} characters"
            ));
        }
        let pattern = rest
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(rest);
        Regex::new(pattern).map_err(|e| {
            let first = e
                .to_string()
                .lines()
                .last()
                .unwrap_or("invalid")
                .trim()
                .to_owned();
            format!("| {name}: invalid regular expression {pattern:?}: {first}")
        })
    };
    let no_arg = || -> Result<(), String> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(format!("| {name} takes no argument (got {rest:?})"))
        }
    };
    match name {
        "include" => piped.modifiers.push(Modifier::Include(regex()?)),
        "exclude" => piped.modifiers.push(Modifier::Exclude(regex()?)),
        "begin" => piped.modifiers.push(Modifier::Begin(regex()?)),
        "count" => {
            no_arg()?;
            piped.modifiers.push(Modifier::Count);
        }
        _ => {
            no_arg()?;
            // A filter works on lines; JSON and CSV filtered line by line would be cut
            // documents, so the format is chosen before any filter, once.
            if piped.format.is_some() {
                return Err(format!(
                    "| {name}: the output format is already chosen; use one of | json, | csv"
                ));
            }
            if !piped.modifiers.is_empty() {
                return Err(format!(
                    "| {name} must come right after the command, before any filter \
                     (e.g. <command> | {name} | include REGEX)"
                ));
            }
            piped.format = Some(if name == "json" {
                Format::Json
            } else {
                Format::Csv
            });
        }
    }
    Ok(())
}

/// A writer that passes whole lines through the modifiers. Call [`LineFilter::finish`] at the
/// end to flush a last partial line and write a count.
pub struct LineFilter<'w> {
    out: &'w mut dyn Write,
    modifiers: Vec<Modifier>,
    begun: Vec<bool>,
    counts: Vec<u64>,
    pending: Vec<u8>,
    framing: Framing,
}

impl<'w> LineFilter<'w> {
    /// Filters into `out`.
    pub fn new(out: &'w mut dyn Write, modifiers: Vec<Modifier>) -> Self {
        let n = modifiers.len();
        LineFilter {
            out,
            modifiers,
            begun: vec![false; n],
            counts: vec![0; n],
            pending: Vec::new(),
            framing: Framing::default(),
        }
    }

    /// Lines written while `framing` is on are a table's frame (header, rule, closing count):
    /// they pass the filters but `| count` does not count them.
    pub fn with_framing(mut self, framing: Framing) -> Self {
        self.framing = framing;
        self
    }

    fn line(&mut self, line: &[u8]) -> io::Result<()> {
        let data = !self.framing.is_on();
        self.feed(0, line, data)
    }

    /// Passes `line` through the stages from `from` on. `count` stages absorb their lines,
    /// counting the data lines; the `Count: N` line they write at the end enters the stage
    /// after them, so `| count | count` says 1 and `| count | include X` can drop it, as on IOS.
    fn feed(&mut self, from: usize, line: &[u8], data: bool) -> io::Result<()> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches(['\n', '\r']);
        for (i, m) in self.modifiers.iter().enumerate().skip(from) {
            let keep = match m {
                Modifier::Include(r) => r.is_match(text),
                Modifier::Exclude(r) => !r.is_match(text),
                Modifier::Begin(r) => {
                    self.begun[i] |= r.is_match(text);
                    self.begun[i]
                }
                Modifier::Count => {
                    self.counts[i] += u64::from(data);
                    false
                }
            };
            if !keep {
                return Ok(());
            }
        }
        self.out.write_all(line)
    }

    /// Writes what is left, then each count in stage order through the stages after it.
    pub fn finish(mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.line(&rest)?;
        }
        for i in 0..self.modifiers.len() {
            if matches!(self.modifiers[i], Modifier::Count) {
                let line = format!("Count: {}\n", self.counts[i]);
                self.feed(i + 1, line.as_bytes(), true)?;
            }
        }
        self.out.flush()
    }
}

impl Write for LineFilter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.modifiers.is_empty() {
            return self.out.write(buf);
        }
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let (head, tail) = rest.split_at(nl + 1);
            if self.pending.is_empty() {
                self.line(head)?;
            } else {
                let mut l = std::mem::take(&mut self.pending);
                l.extend_from_slice(head);
                self.line(&l)?;
            }
            rest = tail;
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(line: &str, input: &str) -> String {
        let piped = split(line).expect("split");
        let mut out = Vec::new();
        {
            let mut f = LineFilter::new(&mut out, piped.modifiers);
            f.write_all(input.as_bytes()).expect("write");
            f.finish().expect("finish");
        }
        String::from_utf8(out).expect("utf8")
    }

    const TEXT: &str = "Device\n=====\nSEP001\nSEP002\nCSF003\n\n3 found\n";

    #[test]
    fn include_exclude_begin_count_chain() {
        assert_eq!(filter("x | include SEP", TEXT), "SEP001\nSEP002\n");
        assert_eq!(filter("x | inc SEP | exclude 2$", TEXT), "SEP001\n");
        assert_eq!(filter("x | begin CSF", TEXT), "CSF003\n\n3 found\n");
        assert_eq!(filter("x | include SEP00 | count", TEXT), "Count: 2\n");
    }

    #[test]
    fn the_count_line_flows_through_later_stages() {
        assert_eq!(filter("x | count | count", TEXT), "Count: 1\n");
        assert_eq!(filter("x | count | include ZZZ", TEXT), "");
        assert_eq!(filter("x | count | include Count", TEXT), "Count: 7\n");
        assert_eq!(filter("x | inc SEP | count | exclude 2", TEXT), "");
        assert_eq!(filter("x | count | count | count", TEXT), "Count: 1\n");
    }

    #[test]
    fn errors_are_clear() {
        assert!(
            split("x | include (")
                .err()
                .is_some_and(|e| e.contains("invalid regular expression"))
        );
        assert!(split("x | include").is_err());
        assert!(split("x | frobnicate y").is_err());
        assert!(split("x | count 3").is_err());
    }

    #[test]
    fn a_format_after_a_filter_is_refused() {
        let e = split("x | include SEP | json").err().unwrap_or_default();
        assert!(e.contains("must come right after the command"), "{e}");
        assert!(split("x | count | csv").is_err());
        assert!(split("x | json | csv").is_err());
        let p = split("x | json | include SEP").expect("format first");
        assert_eq!(p.format, Some(Format::Json));
        assert_eq!(p.modifiers.len(), 1);
    }

    #[test]
    fn abbreviated_modifier_words_are_noted() {
        let p = split("x | inc SEP | cou").expect("split");
        assert!(p.abbreviated);
        assert_eq!(p.canonical_suffix(), " | include SEP | count");
        assert!(!split("x | include SEP | COUNT").expect("split").abbreviated);
    }

    #[test]
    fn quoted_pipes_are_not_modifiers() {
        let p = split("help \"a|b\" | json").expect("split");
        assert_eq!(p.command, "help \"a|b\" ");
        assert_eq!(p.format, Some(Format::Json));
    }
}
