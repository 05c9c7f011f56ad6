//! Runs a parsed command: the role its [`Effect`](super::tree::Effect) needs, its typed values,
//! the handler its node names, and the audit line of a refused change. The one place between
//! the parser and the handlers, so REPL, scripts and one-shot run a command the same way.

use std::sync::atomic::Ordering;

use super::parse::{Invocation, redact_secrets};
use super::tree::Effect;
use crate::commands::{CommandError, Cx, Flow, Prompter, Session};
use crate::render::Renderer;

/// Runs one parsed command. `line` is what the admin typed (for the audit log, with any
/// authentication string masked). A failure of a command that changes the store is audited
/// when the store is open.
pub fn run(
    inv: &Invocation,
    line: &str,
    session: &mut Session,
    prompter: &mut dyn Prompter,
    out: &mut dyn Renderer,
) -> Result<Flow, CommandError> {
    session.talk.interrupted.store(false, Ordering::Relaxed);
    let effect = inv.run.effect;
    // The audit log must never hold an authentication string (`auth string ****`).
    let actor = session.act.actor(&redact_secrets(line));
    if let Err(e) = permitted(inv, session) {
        // A refused role is audited like any refused change, where the user may write at all
        // (a reader cannot write the store by any means, so the refusal is only reported).
        if effect.mutates()
            && let Ok(store) = session.act.store()
        {
            store.log_failure(&actor, e.message());
        }
        out.flush()?;
        return Err(e);
    }
    let result = inv.values().map_err(CommandError::from).and_then(|args| {
        let mut cx = Cx {
            command: inv.canonical(),
            noconfirm: inv.noconfirm,
            args,
            actor: actor.clone(),
            act: &mut session.act,
            talk: &mut session.talk,
            prompter,
            out: &mut *out,
            describe: super::help::describe,
        };
        (inv.run.handler)(&mut cx)
    });
    if let Err(e) = &result
        && effect.mutates()
        && e.is_failure()
        && let Some(store) = session.act.store_for_audit()
    {
        store.log_failure(&actor, e.message());
    }
    out.flush()?;
    result?;
    Ok(if effect == Effect::Ends {
        Flow::Quit
    } else {
        Flow::Continue
    })
}

/// Whether the user running us has the role the command's effect needs.
fn permitted(inv: &Invocation, session: &Session) -> Result<(), CommandError> {
    let Some(needed) = inv.run.effect.role() else {
        return Ok(());
    };
    crate::roles::check_role(&session.location().path, needed, &inv.canonical())
        .map_err(|e| CommandError::refused(e.to_string()))
}
