//! The capfsh(1) man page: one page for the whole CLI, from the clap command and the tree.
//!
//! clap_mangen renders one page per clap command and points at `capfsh-utils(1)` and the like
//! for subcommands, pages nobody installs. The `admin:` CLI is one language, so the page renders
//! the root (name, synopsis, options) with clap_mangen and then every command of the tree with
//! its syntax and description, the output modifiers, scripting, exit codes and environment.

use std::io::{self, Write};

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::clap_cmd;
use super::modifiers::MODIFIERS;
use super::tree::{NOCONFIRM, all_commands, need, syntax_line};
use crate::store::{BUSY_TIMEOUT_ENV, DB_ENV};

/// The sections clap_mangen writes from a `Command`: title, name, synopsis, description and
/// options (capfsh's page and capfd's both start so).
pub fn render_head(man: &Man, out: &mut dyn Write) -> io::Result<()> {
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)
}

/// Writes the page (roff) to `out`.
pub fn render(out: &mut dyn Write) -> io::Result<()> {
    let man = Man::new(clap_cmd::command());
    render_head(&man, out)?;
    let mut roff = Roff::new();
    commands(&mut roff);
    modifiers(&mut roff);
    scripting(&mut roff);
    interactive(&mut roff);
    roles(&mut roff);
    completion(&mut roff);
    exit_status(&mut roff);
    environment(&mut roff);
    files(&mut roff);
    roff.to_writer(out)?;
    man.render_version_section(out)
}

fn section(roff: &mut Roff, title: &str) {
    roff.control("SH", [title]);
}

fn paragraph(roff: &mut Roff, text: &str) {
    roff.control("PP", []);
    roff.text([roman(text)]);
}

/// A tagged paragraph: `tag` in bold, then `text` indented below it.
fn item(roff: &mut Roff, tag: &str, text: &str) {
    roff.control("TP", []);
    roff.text([bold(tag)]);
    roff.text([roman(text)]);
}

fn commands(roff: &mut Roff) {
    section(roff, "COMMANDS");
    paragraph(
        roff,
        "The same commands run one-shot (capfsh <command>), from a script, and at the \
         interactive admin: prompt. Every word may be abbreviated to an unambiguous prefix \
         (ut ca cs li is utils capf csr list).",
    );
    for (path, node) in all_commands() {
        let Some(run) = node.run else { continue };
        roff.control("TP", []);
        roff.text([bold(syntax_line(&path, &run))]);
        let mut text = run.description.to_owned();
        if node.repl_only {
            text.push_str(" Interactive shell and scripts only.");
        }
        roff.text([roman(text)]);
        for r in run.rows() {
            roff.control("br", []);
            roff.text([
                italic(r.name),
                roman(format!(" ({}): {}", need(r.optional), r.help)),
            ]);
        }
        if run.confirms() {
            roff.control("br", []);
            roff.text([
                italic(NOCONFIRM),
                roman(" (optional): do not ask for confirmation (same as --yes)"),
            ]);
        }
    }
}

fn modifiers(roff: &mut Roff) {
    section(roff, "OUTPUT MODIFIERS");
    paragraph(
        roff,
        "After a complete command, | and a modifier filter the rendered lines, chained left to \
         right: utils capf csr list | include SEP00 | count. In one-shot use quote the bar: \
         capfsh utils capf csr list '|' count. Options go before the command.",
    );
    for (word, help) in MODIFIERS {
        let tag = match *word {
            "include" | "exclude" | "begin" => format!("| {word} REGEX"),
            _ => format!("| {word}"),
        };
        item(roff, &tag, help);
    }
    paragraph(
        roff,
        "| count writes one line, Count: N, which later stages see like any other line. \
         | json and | csv choose the format and must come right after the command, before \
         any filter. A bad regular expression is a usage error.",
    );
}

fn scripting(roff: &mut Roff) {
    section(roff, "SCRIPTING");
    paragraph(
        roff,
        "Without command words and with standard input not a terminal, capfsh reads commands \
         line by line; capfsh -f FILE reads them from FILE. Blank lines and lines starting \
         with # or ! are comments. A script stops at the first failure and names its line; \
         --keep-going runs every line and exits 1 if any failed. Commands never ask in a \
         script: a destructive one needs noconfirm or --yes. An abbreviated word (command, \
         value, noconfirm or modifier) runs but prints a warning naming the full command \
         line; --quiet silences it. quit and exit end a script. Under sshd's ForceCommand, \
         SSH_ORIGINAL_COMMAND runs as a one-line script.",
    );
}

fn roles(roff: &mut Roff) {
    section(roff, "ROLES");
    paragraph(
        roff,
        "Three roles, as CUCM's privilege levels, mapped from OS groups by the store's roles \
         file (written by capfd setup): read-only runs every show and list, dump, count and \
         help; operator also every change but the CA and trust ones; admin everything (the \
         issuer mode, the trust list, backups). A refused command names the role it needs and \
         the role the user has, changes nothing and is audited as failed where the user may \
         write the store. Without a roles file, root and the store file's owner are admin and \
         everyone else read-only. See capfd(1), capfd setup.",
    );
}

fn interactive(roff: &mut Roff) {
    section(roff, "INTERACTIVE SHELL");
    paragraph(
        roff,
        "On a terminal without command words, capfsh is the admin: shell. ? lists what may \
         come next (the syntax block after a complete command); Tab completes a word or lists \
         the choices, * marking words with subcommands; help <command> describes a command. \
         A failed command prints its reason and the line Executed command unsuccessfully, \
         which automation searches for. On basic terminals (TERM vt100, dumb) lines are read \
         plain so the echo of a typed line is exactly the line. Long output pages as on CUCM: \
         after a screenful, Press <enter> for 1 line, <space> for one page, or <q> to quit; \
         set cli pagination off turns paging off for the session. One-shot commands, scripts \
         and pipes never page.",
    );
}

fn completion(roff: &mut Roff) {
    section(roff, "SHELL COMPLETION");
    paragraph(
        roff,
        "Dynamic completion, with device names from the store: add source <(COMPLETE=bash \
         capfsh) to ~/.bashrc; autoload -U compinit && compinit, then source <(COMPLETE=zsh \
         capfsh) to ~/.zshrc; COMPLETE=fish capfsh | source to fish's config. Static scripts: \
         capfsh completions <shell>.",
    );
}

fn exit_status(roff: &mut Roff) {
    section(roff, "EXIT STATUS");
    item(roff, "0", "Success.");
    item(
        roff,
        "1",
        "The command ran and failed; in a script with --keep-going, some line failed. (A \
         declined confirmation is not a failure: it exits 0 with a Cancelled line; Ctrl-C at \
         a one-shot question interrupts capfsh, exit 130, with nothing changed.)",
    );
    item(
        roff,
        "2",
        "Usage error: the line is not a valid command (unknown or ambiguous word, missing or \
         bad value, bad modifier, misplaced option).",
    );
}

fn environment(roff: &mut Roff) {
    section(roff, "ENVIRONMENT");
    item(
        roff,
        DB_ENV,
        "The store to use when --db is not given (--db PATH wins).",
    );
    item(
        roff,
        BUSY_TIMEOUT_ENV,
        "How long to wait for a store locked by another writer, in milliseconds.",
    );
    item(
        roff,
        "CAPFSH_PLAIN",
        "1 reads interactive lines plain, as on a basic terminal.",
    );
    item(
        roff,
        "TERM",
        "vt100, dumb and other basic terminals get plain line reading.",
    );
    item(
        roff,
        "NO_COLOR",
        "Honoured: capfsh never writes colour or other escape sequences to its output.",
    );
    item(
        roff,
        "SSH_ORIGINAL_COMMAND",
        "Set by sshd under ForceCommand capfsh: the line runs as a one-line script.",
    );
    item(
        roff,
        "COMPLETE",
        "COMPLETE=<shell> capfsh prints the shell's dynamic completion registration.",
    );
    item(
        roff,
        "USER, LOGNAME",
        "The operating-system user recorded in the audit log.",
    );
}

fn files(roff: &mut Roff) {
    section(roff, "FILES");
    item(
        roff,
        "<data dir>/capfsh/capf.db",
        "The default store (e.g. ~/.local/share/capfsh/capf.db), created mode 0600 on first use.",
    );
    item(
        roff,
        "<state dir>/capfsh/history",
        "History of the interactive shell, mode 0600.",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one page describes every command, not only the root's options.
    #[test]
    fn the_page_covers_the_whole_tree() {
        let mut out = Vec::new();
        render(&mut out).expect("render");
        let page = String::from_utf8(out).expect("utf8");
        for (path, _) in all_commands() {
            // roff writes a hyphen as \-.
            let words = path.join(" ").replace('-', "\\-");
            assert!(page.contains(&words), "{path:?} missing");
        }
        for needle in [
            ".TH capfsh",
            "utils capf stale\\-lsc delete {all|<device>} [noconfirm]",
            "| include REGEX",
            "EXIT STATUS",
            "Usage error",
            "CAPFSH_DB",
            "\\-\\-db",
            "SCRIPTING",
        ] {
            assert!(page.contains(needle), "{needle:?} missing:\n{page}");
        }
        assert!(
            !page.contains("capfsh\\-utils(1)"),
            "no pages of subcommands"
        );
    }
}
