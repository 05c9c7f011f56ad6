//! Help texts over the tree: the `?` listing, the syntax block and `help <command>`.

use super::complete::{Choice, ChoiceKind, Completion};
use super::parse::{split_words, walk};
use super::tree::{NOCONFIRM, Node, Runnable, need, syntax_line};

/// Lines of a `?` listing: one per choice, `*` marking words with subcommands.
pub fn choice_lines(choices: &[Choice]) -> Vec<String> {
    let label = |c: &Choice| match c.kind {
        ChoiceKind::Command(true) => format!("{}*", c.word),
        _ => c.word.clone(),
    };
    let width = choices.iter().map(|c| label(c).len()).max().unwrap_or(0);
    choices
        .iter()
        .map(|c| format!("  {:<width$}  {}", label(c), c.help))
        .collect()
}

/// The CUCM syntax block of a command.
pub fn syntax_block(path: &[&str], run: &Runnable) -> Vec<String> {
    let mut lines = vec!["Syntax:".to_owned(), syntax_line(path, run)];
    let rows = run.rows();
    let width = rows
        .iter()
        .map(|r| r.name.len())
        .chain(run.confirms().then_some(NOCONFIRM.len()))
        .max()
        .unwrap_or(0);
    for r in rows {
        lines.push(format!(
            "{:<width$}  {:<9}  {}",
            r.name,
            need(r.optional),
            r.help
        ));
    }
    if run.confirms() {
        lines.push(format!(
            "{NOCONFIRM:<width$}  {:<9}  do not ask for confirmation",
            need(true)
        ));
    }
    lines
}

/// What `?` prints for a cursor position: the syntax block right after a complete command
/// word, otherwise the choices; an error line when the words before the cursor are wrong.
pub fn question_mark(c: &Completion) -> Vec<String> {
    if let Some(e) = &c.error {
        return vec![e.to_string()];
    }
    let mut lines = Vec::new();
    if let Some((path, run)) = &c.command {
        let at_command_word = c.partial.is_empty()
            && c.choices
                .iter()
                .any(|ch| ch.kind == ChoiceKind::Cr || ch.kind == ChoiceKind::Placeholder);
        // Every complete command shows its syntax, parameters or not, so `?` reads the same
        // after `utils capf csr list` as after `utils capf set keep_alive`.
        if at_command_word {
            lines.extend(syntax_block(path, run));
            lines.push(String::new());
        }
    }
    if c.choices.is_empty() {
        lines.push(format!("% No command or value starts with {:?}", c.partial));
    } else {
        lines.extend(choice_lines(&c.choices));
    }
    lines
}

/// What `help [command]` prints: how to get around, or the command's description and syntax
/// (an error line for words that name no command). The dispatcher hands this to the `help`
/// handler, which sits below the tree and so cannot read it itself.
pub fn describe(words: Option<&str>, repl: bool) -> Result<Vec<String>, String> {
    match words {
        None => Ok(general_help()),
        Some(words) => command_help(words, repl),
    }
}

/// `help` with no command: how to get around.
pub fn general_help() -> Vec<String> {
    [
        "capfsh: the CAPF admin CLI.",
        "",
        "  ?                 lists what may come next, anywhere on the line",
        "  Tab               completes a word, or lists the choices (* = has subcommands)",
        "  help <command>    describes a command and its syntax",
        "  Abbreviations     any unambiguous prefix works: ut ca cs li = utils capf csr list",
        "  noconfirm         at the end of a destructive command, skips the question",
        "  quit, exit        end the session",
        "",
        "Commands:",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(
        super::tree::all_commands()
            .into_iter()
            .filter(|(_, n)| !n.repl_only)
            .filter_map(|(path, n)| n.run.map(|r| format!("  {}", syntax_line(&path, &r)))),
    )
    .collect()
}

/// `help <words>`: the description and syntax of a command, or the choices of a menu.
pub fn command_help(words_line: &str, repl: bool) -> Result<Vec<String>, String> {
    let words = split_words(words_line)?;
    let w = walk(&words, repl).map_err(|e| e.to_string())?;
    if let Some(extra) = words.get(w.consumed) {
        return Err(format!(
            "Invalid command: {extra:?} is not a command{}; type help for the list",
            if w.path.is_empty() {
                String::new()
            } else {
                format!(" after '{}'", w.path.join(" "))
            }
        ));
    }
    let node: &Node = w.node;
    let mut lines = Vec::new();
    if let Some(run) = node.run {
        lines.push(format!("{} help:", w.path.join(" ")));
        lines.extend(wrap(run.description, 78));
        lines.push(String::new());
        lines.extend(syntax_block(&w.path, &run));
    }
    if !node.children.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("{} commands:", w.path.join(" ")));
        let choices: Vec<Choice> = node
            .visible_children(repl)
            .map(|c| Choice {
                word: c.word.into(),
                help: c.help.into(),
                kind: ChoiceKind::Command(!c.children.is_empty()),
            })
            .collect();
        lines.extend(choice_lines(&choices));
    }
    Ok(lines)
}

/// Wraps text at word boundaries.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::complete::complete;
    use crate::cli::tree::DeviceSource;

    fn none(_: DeviceSource, _: &str) -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn each_mode_has_its_own_line() {
        let c = complete("utils capf set mode ", true, &none);
        let lines = question_mark(&c);
        for (mode, what) in [
            ("capf", "CAPF signs"),
            ("online", "external CA"),
            ("offline", "export/import"),
        ] {
            let line = lines
                .iter()
                .find(|l| l.trim_start().starts_with(mode))
                .unwrap_or_else(|| panic!("{mode} in {lines:?}"));
            assert!(line.ends_with(what), "{line:?}");
        }
    }

    #[test]
    fn a_long_device_list_says_how_many_more() {
        let many = |_: DeviceSource, _: &str| {
            let mut v: Vec<String> = (0..50).map(|i| format!("SEP0000000{i:05}")).collect();
            v.push(crate::cli::complete::more_marker(49_950));
            v
        };
        let lines = question_mark(&complete("utils capf csr dump ", true, &many));
        assert!(
            lines
                .last()
                .is_some_and(|l| l.contains("and 49,950 more: type more letters")),
            "{lines:?}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.contains("SEP0000000")).count(),
            50
        );
    }

    #[test]
    fn question_mark_after_a_command_prints_the_syntax_block() {
        let c = complete("utils capf set keep_alive ", true, &none);
        let lines = question_mark(&c);
        assert_eq!(lines[0], "Syntax:");
        assert_eq!(lines[1], "utils capf set keep_alive [minutes]");
        assert_eq!(lines[2], "minutes  optional   5-60, default 15");
    }

    #[test]
    fn question_mark_after_a_command_without_parameters_prints_its_syntax_too() {
        let c = complete("utils capf csr list ", true, &none);
        assert_eq!(
            question_mark(&c),
            [
                "Syntax:",
                "utils capf csr list",
                "",
                "  <cr>  Run the command",
                "  |     Output modifiers",
            ]
        );
    }

    #[test]
    fn question_mark_on_a_menu_marks_submenus() {
        let c = complete("utils capf ", true, &none);
        assert_eq!(
            question_mark(&c),
            [
                "  backup      Copy the store and its CA keys to a new folder",
                "  cert*       Certificates signed by an external CA",
                "  csr*        Pending certificate signing requests",
                "  lsc*        Issued LSCs: revoke, export",
                "  online-ca*  The online CA (EST server) of mode online",
                "  operation*  Per-device certificate operations for phones",
                "  set*        Change CAPF settings",
                "  stale-lsc*  LSCs issued but never installed",
                "  tidy        Delete expired LSCs and superseded CSRs past a margin",
                "  trust*      CA certificates trusted to issue LSCs",
            ]
        );
    }

    #[test]
    fn help_describes_commands_and_menus() {
        let lines = command_help("ut ca st del", true).expect("help");
        assert_eq!(lines[0], "utils capf stale-lsc delete help:");
        assert!(
            lines
                .iter()
                .any(|l| l == "utils capf stale-lsc delete {all|<device>} [noconfirm]")
        );
        assert!(
            command_help("utils capf", true)
                .expect("help")
                .iter()
                .any(|l| l.contains("csr*"))
        );
        assert!(command_help("utils nothing", true).is_err());
    }
}
