//! rustyline glue: Tab completion and the `?` key, both answered by [`crate::cli::complete`].

use std::io::Write;
use std::sync::Arc;

use rustyline::completion::{Completer, Pair};
use rustyline::{
    Cmd, ConditionalEventHandler, Context, Event, EventContext, Helper, Highlighter, Hinter,
    RepeatCount, Validator,
};

use crate::cli::complete::{Choice, ChoiceKind, Completion, DEVICE_LIMIT, complete};
use crate::cli::help::question_mark;
use crate::store::StoreDevices;

/// Completes words from the command tree and device names from the store.
#[derive(Helper, Hinter, Highlighter, Validator)]
pub struct CapfHelper {
    devices: Arc<StoreDevices>,
}

impl CapfHelper {
    /// A helper drawing device names from `devices`.
    pub fn new(devices: Arc<StoreDevices>) -> Self {
        CapfHelper { devices }
    }
}

impl Completer for CapfHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let lookup = |s, p: &str| self.devices.lookup(s, p, DEVICE_LIMIT);
        let c = complete(&line[..pos], true, &lookup);
        Ok((c.start, tab_candidates(&c)))
    }
}

/// What Tab offers rustyline for a completion.
///
/// Words that can be typed are inserted (a single one at once, several by their common
/// prefix). The modifier bar alone is not: where the command takes a value or may end
/// (`utils capf set keep_alive <Tab>`), inserting `| ` would guess the admin wants a filter.
/// There every choice is listed as `?` lists it, each leaving the line as it is, so the
/// second Tab shows `<minutes>  <cr>  |` and nothing is inserted (the shells insert nothing
/// there either).
fn tab_candidates(c: &Completion) -> Vec<Pair> {
    let label = |ch: &Choice| match ch.kind {
        ChoiceKind::Command(true) => format!("{}*", ch.word),
        _ => ch.word.clone(),
    };
    let mut insertable = c.choices.iter().filter(|ch| ch.insertable()).peekable();
    let only_the_bar = insertable.peek().is_some() && insertable.all(|ch| ch.word == "|");
    if only_the_bar && c.choices.iter().any(|ch| !ch.insertable()) {
        return c
            .choices
            .iter()
            .map(|ch| Pair {
                display: label(ch),
                replacement: c.partial.clone(),
            })
            .collect();
    }
    let mut pairs: Vec<Pair> = c
        .choices
        .iter()
        .filter(|ch| ch.insertable())
        .map(|ch| Pair {
            display: label(ch),
            replacement: format!("{} ", ch.word),
        })
        .collect();
    // Only the first device names were fetched: the list says how many more there are. Its
    // replacement is what the names have in common, so it never changes what Tab inserts.
    if let Some(more) = c
        .choices
        .iter()
        .find(|ch| ch.word == "..." && !ch.insertable())
    {
        let common = pairs
            .iter()
            .map(|p| p.replacement.trim_end())
            .reduce(|a, b| {
                let n = a
                    .char_indices()
                    .zip(b.chars())
                    .take_while(|((_, x), y)| x.eq_ignore_ascii_case(y))
                    .last()
                    .map_or(0, |((i, x), _)| i + x.len_utf8());
                &a[..n]
            })
            .unwrap_or(&c.partial)
            .to_owned();
        pairs.push(Pair {
            display: format!("... {}", more.help),
            replacement: common,
        });
    }
    pairs
}

/// The `?` key: prints what may come next below the line, then redraws the prompt and the line
/// as typed, so the admin goes on editing (CUCM behaviour).
pub struct QuestionMark {
    devices: Arc<StoreDevices>,
}

impl QuestionMark {
    /// A handler drawing device names from `devices`.
    pub fn new(devices: Arc<StoreDevices>) -> Self {
        QuestionMark { devices }
    }
}

impl ConditionalEventHandler for QuestionMark {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        let line = ctx.line();
        let pos = ctx.pos().min(line.len());
        // Inside quotes `?` is text (a regular expression after `| include`): insert it.
        if super::inside_quotes(&line[..pos]) {
            return None;
        }
        let lookup = |s, p: &str| self.devices.lookup(s, p, DEVICE_LIMIT);
        let lines = question_mark(&complete(&line[..pos], true, &lookup));
        let mut text = String::from("?\r\n");
        for l in lines {
            text.push_str(&crate::render::escape_controls(&l));
            text.push_str("\r\n");
        }
        let mut out = std::io::stdout();
        // The terminal is in raw mode here: write CR LF ourselves, then let rustyline repaint the
        // prompt and the line on the fresh row below.
        if out
            .write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .is_err()
        {
            return None;
        }
        Some(Cmd::Repaint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tree::DeviceSource;

    fn tab(line: &str) -> Vec<(String, String)> {
        let none = |_: DeviceSource, _: &str| Vec::<String>::new();
        tab_candidates(&complete(line, true, &none))
            .into_iter()
            .map(|p| (p.display, p.replacement))
            .collect()
    }

    /// Where a value is expected or the command may end, Tab lists the choices and inserts
    /// nothing: never the bar of the output modifiers on its own.
    #[test]
    fn tab_never_inserts_the_bar_on_its_own() {
        for line in [
            "utils capf set keep_alive ",
            "show capf audit ",
            "utils capf csr list ",
            "utils capf csr list | include SEP ",
        ] {
            let offered = tab(line);
            assert!(offered.len() > 1, "{line:?}: {offered:?}");
            assert!(
                offered.iter().all(|(_, r)| r.is_empty()),
                "{line:?}: {offered:?}"
            );
            assert!(offered.iter().any(|(d, _)| d == "<cr>"), "{line:?}");
        }
        assert_eq!(
            tab("utils capf set keep_alive "),
            [
                ("<minutes>".to_owned(), String::new()),
                ("<cr>".to_owned(), String::new()),
                ("|".to_owned(), String::new()),
            ]
        );
        // Words are still inserted as before.
        assert_eq!(tab("ut"), [("utils*".to_owned(), "utils ".to_owned())]);
        assert_eq!(
            tab("utils capf set mode o"),
            [
                ("online".to_owned(), "online ".to_owned()),
                ("offline".to_owned(), "offline ".to_owned()),
            ]
        );
    }
}
