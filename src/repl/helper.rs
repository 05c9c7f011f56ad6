//! rustyline glue: Tab completion and the `?` key, both answered by [`crate::cli::complete`].

use std::io::Write;
use std::sync::Arc;

use rustyline::completion::{Completer, Pair};
use rustyline::{
    Cmd, ConditionalEventHandler, Context, Event, EventContext, Helper, Highlighter, Hinter,
    RepeatCount, Validator,
};

use crate::cli::complete::{ChoiceKind, DEVICE_LIMIT, complete};
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
        let pairs = c
            .choices
            .iter()
            .filter(|ch| ch.insertable())
            .map(|ch| Pair {
                display: match ch.kind {
                    ChoiceKind::Command(true) => format!("{}*", ch.word),
                    _ => ch.word.clone(),
                },
                replacement: format!("{} ", ch.word),
            })
            .collect();
        Ok((c.start, pairs))
    }
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
