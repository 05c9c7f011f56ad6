//! The CUCM pager: in the interactive shell on a terminal, output stops after a screenful with
//! `Press <enter> for 1 line, <space> for one page, or <q> to quit`.
//!
//! It sits between a command's rendered output and the terminal, counting rows (a long line
//! that wraps counts as several). Enter shows one more line, space one more page, `q` (or
//! Ctrl-C) stops the listing as Ctrl-C does: the command is told to stop and whatever it still
//! writes is dropped. `set cli pagination off` turns it off for the session; one-shot commands,
//! scripts, pipes and non-terminals never page.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The question CUCM asks after each screenful.
pub const PAGER_PROMPT: &str = "Press <enter> for 1 line, <space> for one page, or <q> to quit";

/// What the admin answered at the pager's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PagerKey {
    /// One more line.
    Line,
    /// One more page.
    Page,
    /// Stop the listing.
    Quit,
}

/// Reads the answer to the pager's question.
pub trait KeySource {
    /// Waits for a key.
    fn key(&mut self) -> PagerKey;
}

/// A key from the terminal, read in non-canonical mode without echo.
pub struct TerminalKeys {
    /// Set by SIGINT: Ctrl-C at the question quits the listing.
    pub interrupted: Arc<AtomicBool>,
}

impl KeySource for TerminalKeys {
    fn key(&mut self) -> PagerKey {
        loop {
            match super::term::read_key(&self.interrupted) {
                None => return PagerKey::Quit,
                Some(b'\r' | b'\n') => return PagerKey::Line,
                Some(b' ') => return PagerKey::Page,
                Some(b'q' | b'Q' | 3) => return PagerKey::Quit,
                // Anything else (an arrow key's bytes): ask again.
                Some(_) => continue,
            }
        }
    }
}

/// A writer that pages what goes through it.
pub struct Pager<'a, K: KeySource> {
    inner: &'a mut dyn Write,
    keys: K,
    /// Rows of one page (the terminal's height less the question's row).
    page: usize,
    /// Columns of the terminal, for wrapped lines.
    width: usize,
    /// Rows still to show before the next question.
    left: usize,
    /// Columns used on the current row.
    column: usize,
    /// The last character filled the row: a newline right after it starts no new row.
    just_wrapped: bool,
    quit: bool,
    interrupted: Arc<AtomicBool>,
    /// Whether the question may be erased with `\r` and spaces only (basic terminals get no
    /// escape codes).
    plain_erase: bool,
}

impl<'a, K: KeySource> Pager<'a, K> {
    /// Pages `inner` for a terminal of `rows` x `cols`; `interrupted` is set when the admin
    /// quits, so the command stops early.
    pub fn new(
        inner: &'a mut dyn Write,
        keys: K,
        rows: usize,
        cols: usize,
        interrupted: Arc<AtomicBool>,
    ) -> Self {
        let page = rows.saturating_sub(1).max(1);
        Pager {
            inner,
            keys,
            page,
            width: cols.max(1),
            left: page,
            column: 0,
            just_wrapped: false,
            quit: false,
            interrupted,
            plain_erase: true,
        }
    }

    /// Whether the admin quit the listing at the question.
    pub fn quit(&self) -> bool {
        self.quit
    }

    fn ask(&mut self) -> io::Result<()> {
        write!(self.inner, "{PAGER_PROMPT}")?;
        self.inner.flush()?;
        let key = self.keys.key();
        // Erase the question so the listing reads on as if it had not been there.
        let blank = " ".repeat(PAGER_PROMPT.len());
        if self.plain_erase {
            write!(self.inner, "\r{blank}\r")?;
        }
        match key {
            PagerKey::Line => self.left = 1,
            PagerKey::Page => self.left = self.page,
            PagerKey::Quit => {
                self.quit = true;
                self.interrupted.store(true, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

impl<K: KeySource> Write for Pager<'_, K> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut start = 0;
        for (i, b) in buf.iter().enumerate() {
            // Asked only when more is to come: a listing that exactly fills the screen ends
            // without a question.
            if self.left == 0 && !self.quit {
                self.ask()?;
            }
            if self.quit {
                return Ok(buf.len());
            }
            let row_ended = if *b == b'\n' {
                // A line exactly as wide as the terminal already took its row.
                let counted = !self.just_wrapped;
                self.just_wrapped = false;
                self.column = 0;
                counted
            } else if *b & 0xC0 == 0x80 {
                // UTF-8 continuation bytes take no column.
                false
            } else {
                self.just_wrapped = false;
                self.column += 1;
                if self.column >= self.width {
                    self.column = 0;
                    self.just_wrapped = true;
                    true
                } else {
                    false
                }
            };
            if row_ended {
                self.inner.write_all(&buf[start..=i])?;
                start = i + 1;
                self.left = self.left.saturating_sub(1);
            }
        }
        if !self.quit && start < buf.len() {
            self.inner.write_all(&buf[start..])?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keys(Vec<PagerKey>);

    impl KeySource for Keys {
        fn key(&mut self) -> PagerKey {
            if self.0.is_empty() {
                PagerKey::Quit
            } else {
                self.0.remove(0)
            }
        }
    }

    fn lines(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    fn page(text: &str, rows: usize, keys: Vec<PagerKey>) -> (String, bool, bool) {
        let mut out = Vec::new();
        let flag = Arc::new(AtomicBool::new(false));
        let quit = {
            let mut p = Pager::new(&mut out, Keys(keys), rows, 80, flag.clone());
            p.write_all(text.as_bytes()).expect("write");
            p.quit()
        };
        (
            String::from_utf8(out).expect("utf-8"),
            quit,
            flag.load(Ordering::Relaxed),
        )
    }

    #[test]
    fn a_short_listing_is_not_paged() {
        let (out, quit, _) = page(&lines(5), 10, vec![]);
        assert_eq!(out, lines(5));
        assert!(!quit);
    }

    #[test]
    fn a_page_then_the_question_then_a_line_or_a_page() {
        let (out, quit, _) = page(
            &lines(12),
            5,
            vec![PagerKey::Line, PagerKey::Page, PagerKey::Page],
        );
        assert!(!quit);
        let shown: Vec<&str> = out.split('\n').collect();
        // 4 lines, the question, 1 line, the question, the rest.
        assert_eq!(out.matches(PAGER_PROMPT).count(), 3, "{out:?}");
        assert!(shown[0] == "line 1" && shown[3] == "line 4", "{out:?}");
        for i in 1..=12 {
            assert!(
                out.contains(&format!("line {i}\n")),
                "line {i} missing: {out:?}"
            );
        }
    }

    #[test]
    fn q_stops_the_listing_and_tells_the_command() {
        let (out, quit, flag) = page(&lines(20), 5, vec![PagerKey::Quit]);
        assert!(quit && flag);
        assert!(
            out.contains("line 4\n") && !out.contains("line 5\n"),
            "{out:?}"
        );
    }

    #[test]
    fn a_line_as_wide_as_the_terminal_takes_one_row() {
        let full = format!("{}\n", "x".repeat(80));
        let text = format!("{full}{full}{full}{}", lines(1));
        let (out, _, _) = page(&text, 5, vec![PagerKey::Quit]);
        assert!(
            out.contains("line 1\n") && !out.contains(PAGER_PROMPT),
            "{out:?}"
        );
    }

    #[test]
    fn a_long_line_counts_as_the_rows_it_wraps_to() {
        let long = format!("{}\n", "x".repeat(200));
        let (out, _, _) = page(&format!("{long}{}", lines(3)), 4, vec![PagerKey::Quit]);
        // 200 columns on an 80-column terminal: 3 rows, so the question comes after it.
        assert!(out.contains(PAGER_PROMPT));
        assert!(!out.contains("line 1"), "{out:?}");
    }
}
