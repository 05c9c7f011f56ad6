//! The static completion scripts (`capfsh completions <shell>`, committed under `completions/`):
//! clap_complete's script of the one-shot [`command`], and, for bash, zsh and fish, the keyword
//! options clap has no shape for.
//!
//! clap sees a command's keyword options (`auth string 1234 key ec-p256`) as one trailing list of
//! words, so its scripts can neither list `auth`, `by` and `key` after `operation install
//! <device>` nor their values, and they offer the subcommand `file` there again. Each script
//! gets a small function, generated from the tree, that answers where keyword options stand (the
//! words after a command's path and its positional values): the keywords not given yet,
//! `noconfirm`, or the choices of the keyword just typed. Elsewhere clap's script answers, so
//! the two never both offer words at one place; for fish, whose clap script tells command words
//! apart two levels deep only, the words and fixed values come from the tree at every depth and
//! only clap's options are kept.

use clap_complete::Shell;

use super::command;
use crate::cli::global_args::{self, OptionValue};
use crate::cli::tree::{KeywordValue, all_commands};
use crate::error::Program;

/// The script of `shell`: clap's, with the keyword options added for bash, zsh and fish.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut clap = Vec::new();
    clap_complete::generate(shell, &mut command(), "capfsh", &mut clap);
    let clap = String::from_utf8_lossy(&clap).into_owned();
    let table = keyword_commands();
    match shell {
        Shell::Bash => bash(&clap, &table),
        Shell::Zsh => zsh(&clap, &table),
        Shell::Fish => fish(&clap, &table),
        _ => clap,
    }
    .into_bytes()
}

/// A command that takes keyword options, as the scripts read it: its words, how many
/// positional values come before the options, whether it takes `noconfirm`, and its options as
/// `word` (a flag), `word=` (text), `word=@` (a path), `word=a,b,c` (a choice) or
/// `word=a,b,c/b` (a choice whose word `b` takes one more value).
struct KeywordCommand {
    path: String,
    positionals: usize,
    confirms: bool,
    options: String,
}

/// Every command with keyword options, longest path first: a script takes the first whose
/// words the line starts with, so `operation install file` is not read as `operation install`
/// with the device `file`.
fn keyword_commands() -> Vec<KeywordCommand> {
    let mut table: Vec<(usize, KeywordCommand)> = all_commands()
        .into_iter()
        .filter(|(_, node)| !node.repl_only)
        .filter_map(|(path, node)| {
            let run = node.run?;
            (!run.options().is_empty()).then(|| {
                let options = run
                    .options()
                    .iter()
                    .map(|o| match o.value {
                        KeywordValue::Flag => o.word.to_owned(),
                        KeywordValue::Number(..) | KeywordValue::Text(_) => format!("{}=", o.word),
                        KeywordValue::Path(_) => format!("{}=@", o.word),
                        KeywordValue::Choice { words, extra } => {
                            let words: Vec<&str> = words.iter().map(|c| c.word).collect();
                            let extra = extra.map(|(w, _)| format!("/{w}")).unwrap_or_default();
                            format!("{}={}{extra}", o.word, words.join(","))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ");
                (
                    path.len(),
                    KeywordCommand {
                        path: path.join(" "),
                        positionals: run.positionals().len(),
                        confirms: run.confirms(),
                        options,
                    },
                )
            })
        })
        .collect();
    table.sort_by_key(|(len, _)| std::cmp::Reverse(*len));
    table.into_iter().map(|(_, c)| c).collect()
}

/// The options of capfsh whose value is the next word (`--db PATH`), which a script skips when
/// it counts the command's words.
fn options_with_values() -> Vec<String> {
    global_args::OPTIONS
        .iter()
        .filter(|o| o.programs.contains(&Program::Capfsh) && o.value != OptionValue::Flag)
        .flat_map(|o| {
            std::iter::once(format!("--{}", o.long)).chain(o.short.map(|c| format!("-{c}")))
        })
        .collect()
}

/// Replaces the one definition of clap's function `_capfsh` by `_capfsh_tree`, which the
/// script's own `_capfsh` calls where no keyword option is being completed.
fn rename_clap_function(clap: &str) -> String {
    clap.lines()
        .map(|l| {
            if l == "_capfsh() {" {
                "_capfsh_tree() {"
            } else {
                l
            }
        })
        .flat_map(|l| [l, "\n"])
        .collect()
}

/// The table as lines of `path;positionals;y-or-empty;options`, quoted for the shell.
fn table_lines(table: &[KeywordCommand], indent: &str) -> String {
    table
        .iter()
        .map(|c| {
            format!(
                "{indent}'{};{};{};{}'\n",
                c.path,
                c.positionals,
                if c.confirms { "y" } else { "" },
                c.options
            )
        })
        .collect()
}

/// What the bash and zsh scripts share: the table, and `_capfsh`, which asks the keyword
/// function first and clap's `_capfsh_tree` otherwise.
fn sh_preamble(table: &[KeywordCommand]) -> String {
    format!(
        r#"
# Keyword options (generated from capfsh's command tree): where they stand, the keywords not
# given yet, noconfirm, or the choices of the keyword just typed; elsewhere clap's _capfsh_tree.
__capfsh_keyword_commands=(
{})

_capfsh() {{
    __capfsh_keywords && return 0
    _capfsh_tree "$@"
}}
"#,
        table_lines(table, "    ")
    )
}

fn bash(clap: &str, table: &[KeywordCommand]) -> String {
    let mut s = rename_clap_function(clap);
    s.push_str(&sh_preamble(table));
    s.push_str(&format!(
        r#"
# Answers (COMPREPLY) where the cursor stands among a command's keyword options; fails
# elsewhere.
__capfsh_keywords() {{
    local IFS=$' \t\n'
    local cur=${{COMP_WORDS[COMP_CWORD]}}
    [[ $cur == -* ]] && return 1
    local -a words=()
    local i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
            {valued}) ((i++)) ;;
            -*) ;;
            *) words+=("${{COMP_WORDS[i]}}") ;;
        esac
    done
    local entry path npos confirm specs
    for entry in "${{__capfsh_keyword_commands[@]}}"; do
        IFS=';' read -r path npos confirm specs <<< "$entry"
        local -a p=($path)
        [[ "${{words[*]:0:${{#p[@]}}}}" == "$path" ]] || continue
        local skip=$(( ${{#p[@]}} + npos ))
        (( ${{#words[@]}} >= skip )) || return 1
        local state=k spec="" used=" " w s reply=""
        for w in "${{words[@]:skip}}"; do
            case $state in
                k)
                    spec=""
                    for s in $specs; do [[ ${{s%%=*}} == "$w" ]] && spec=$s; done
                    if [[ -z $spec ]]; then COMPREPLY=(); return 0; fi
                    used+="$w "
                    [[ $spec == *=* ]] && state=v ;;
                v)
                    state=k
                    [[ $spec == */* && $w == "${{spec##*/}}" ]] && state=x ;;
                x) state=k ;;
            esac
        done
        case $state in
            k)
                for s in $specs; do
                    [[ $used == *" ${{s%%=*}} "* ]] || reply+=" ${{s%%=*}}"
                done
                [[ -n $confirm ]] && reply+=" noconfirm" ;;
            v)
                local values=${{spec#*=}}
                if [[ $values == @ ]]; then
                    COMPREPLY=($(compgen -f -- "$cur"))
                    return 0
                fi
                values=${{values%/*}}
                reply=${{values//,/ }} ;;
        esac
        COMPREPLY=($(compgen -W "$reply" -- "$cur"))
        # Nothing to offer (a value to type): no file names either.
        [[ ${{#COMPREPLY[@]}} -eq 0 ]] && compopt +o default +o bashdefault 2>/dev/null
        return 0
    done
    return 1
}}
"#,
        valued = options_with_values().join("|"),
    ));
    s
}

fn zsh(clap: &str, table: &[KeywordCommand]) -> String {
    let registration = "\nif [ \"$funcstack[1]\" = \"_capfsh\" ]; then";
    let (body, tail) = clap.rsplit_once(registration).unwrap_or((clap, ""));
    let mut s = rename_clap_function(body);
    s.push_str(&sh_preamble(table));
    s.push_str(&format!(
        r#"
# Offers what may come where the cursor stands among a command's keyword options; fails
# elsewhere.
__capfsh_keywords() {{
    local cur=${{words[CURRENT]}}
    [[ $cur == -* ]] && return 1
    local -a given
    local i=2
    while (( i < CURRENT )); do
        case ${{words[i]}} in
            {valued}) (( i++ )) ;;
            -*) ;;
            *) given+=("${{words[i]}}") ;;
        esac
        (( i++ ))
    done
    local entry path npos confirm specs
    for entry in "${{__capfsh_keyword_commands[@]}}"; do
        IFS=';' read -r path npos confirm specs <<< "$entry"
        local -a p=(${{=path}})
        [[ "${{given[1,${{#p}}]}}" == "$path" ]] || continue
        local skip=$(( ${{#p}} + npos ))
        (( ${{#given}} >= skip )) || return 1
        local state=k spec="" w s
        local -a used offer
        for w in "${{(@)given[skip+1,-1]}}"; do
            case $state in
                k)
                    spec=""
                    for s in ${{=specs}}; do [[ ${{s%%=*}} == "$w" ]] && spec=$s; done
                    [[ -z $spec ]] && return 0
                    used+=("$w")
                    [[ $spec == *=* ]] && state=v ;;
                v)
                    state=k
                    [[ $spec == */* && $w == "${{spec##*/}}" ]] && state=x ;;
                x) state=k ;;
            esac
        done
        case $state in
            k)
                for s in ${{=specs}}; do
                    (( ${{used[(Ie)${{s%%=*}}]}} )) || offer+=("${{s%%=*}}")
                done
                [[ -n $confirm ]] && offer+=(noconfirm) ;;
            v)
                local values=${{spec#*=}}
                if [[ $values == @ ]]; then
                    _files
                    return 0
                fi
                values=${{values%/*}}
                offer=(${{(s:,:)values}}) ;;
        esac
        (( ${{#offer}} )) && compadd -- "${{offer[@]}}"
        return 0
    done
    return 1
}}
{registration}{tail}"#,
        valued = options_with_values().join("|"),
    ));
    s
}

/// clap's fish script keeps only its options (`--db`, `--format`...): it tells command words
/// apart two levels deep only (`capfsh utils capf operation <Tab>` offered capf's words again),
/// so the words and choices come from [`fish_words`] instead.
fn clap_fish_options(clap: &str) -> String {
    let mut entries: Vec<String> = Vec::new();
    for line in clap.lines() {
        match entries.last_mut() {
            // A choice list of an option goes on over several lines.
            Some(entry) if !line.starts_with("complete ") && !line.is_empty() => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_owned()),
        }
    }
    entries
        .into_iter()
        .filter(|e| !e.starts_with("complete ") || e.contains(" -l ") || e.contains(" -s "))
        .map(|e| e + "\n")
        .collect()
}

/// fish lines for the command words under every menu and the fixed values of every positional
/// parameter (modes, `on`/`off`, `all`, `noconfirm`), each offered only where it fits: after
/// exactly its command's words and the values before it.
fn fish_words() -> String {
    fn quote(text: &str) -> String {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
    }
    fn walk(cmd: &clap::Command, path: &mut Vec<String>, out: &mut String) {
        let at = |n: usize| {
            let mut words = vec!["__capfsh_at".to_owned(), n.to_string()];
            words.extend(path.iter().cloned());
            words.join(" ")
        };
        for sub in cmd.get_subcommands() {
            let help = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            out.push_str(&format!(
                "complete -c capfsh -n \"{}\" -f -a {} -d {}\n",
                at(0),
                quote(sub.get_name()),
                quote(&help)
            ));
        }
        for (n, arg) in cmd.get_positionals().enumerate() {
            for value in arg.get_possible_values() {
                out.push_str(&format!(
                    "complete -c capfsh -n \"{}\" -f -a {}\n",
                    at(n),
                    quote(value.get_name())
                ));
            }
        }
        for sub in cmd.get_subcommands() {
            path.push(sub.get_name().to_owned());
            walk(sub, path, out);
            path.pop();
        }
    }
    let mut out = String::new();
    walk(&command(), &mut Vec::new(), &mut out);
    out
}

fn fish(clap: &str, table: &[KeywordCommand]) -> String {
    // clap's completions answer only where no keyword option is being completed.
    let mut s = clap_fish_options(clap).replace(
        "complete -c capfsh -n \"",
        "complete -c capfsh -n \"not __capfsh_keyword_zone; and ",
    );
    s.push_str(&format!(
        r#"
# The command words before the cursor, capfsh's own options left out.
function __capfsh_given
    set -l skip_next 0
    for w in (commandline -opc)[2..-1]
        if test $skip_next = 1
            set skip_next 0
            continue
        end
        switch $w
            case {valued}
                set skip_next 1
            case '-*'
            case '*'
                echo $w
        end
    end
end

# Whether the words before the cursor are the command words $argv[2..] and $argv[1] values.
function __capfsh_at
    set -l given (__capfsh_given)
    set -l n (math (count $argv) - 1)
    test (count $given) -eq (math $n + $argv[1]); or return 1
    test $n -eq 0; and return 0
    test "$given[1..$n]" = "$argv[2..-1]"
end

{words}"#,
        valued = options_with_values().join(" "),
        words = fish_words(),
    ));
    let table: String = table_lines(table, "    ");
    s.push_str(&format!(
        r#"
# Keyword options (generated from capfsh's command tree): where they stand, the keywords not
# given yet, noconfirm, or the choices of the keyword just typed; elsewhere clap's lines.
set -g __capfsh_keyword_commands \
{table_continued}

# Prints what may come where the cursor stands among a command's keyword options; fails
# elsewhere.
function __capfsh_keywords
    string match -q -- '-*' (commandline -ct); and return 1
    set -l given (__capfsh_given)
    for entry in $__capfsh_keyword_commands
        set -l fields (string split ';' -- $entry)
        set -l path (string split ' ' -- $fields[1])
        set -l n (count $path)
        test (count $given) -ge $n; or continue
        test "$given[1..$n]" = "$fields[1]"; or continue
        set -l skip (math $n + $fields[2])
        test (count $given) -ge $skip; or return 1
        set -l specs (string split ' ' -- $fields[4])
        set -l state k
        set -l spec
        set -l used
        set -l typed
        if test (count $given) -gt $skip
            set typed $given[(math $skip + 1)..-1]
        end
        for w in $typed
            switch $state
                case k
                    set spec
                    for s in $specs
                        test (string split -m1 '=' -- $s)[1] = $w; and set spec $s
                    end
                    test -z "$spec"; and return 0
                    set -a used $w
                    string match -q -- '*=*' $spec; and set state v
                case v
                    set state k
                    string match -q -- '*/*' $spec
                    and test $w = (string split '/' -- $spec)[-1]
                    and set state x
                case x
                    set state k
            end
        end
        switch $state
            case k
                for s in $specs
                    set -l word (string split -m1 '=' -- $s)[1]
                    contains -- $word $used; or echo $word
                end
                test -n "$fields[3]"; and echo noconfirm
            case v
                set -l values (string split -m1 '=' -- $spec)[2]
                if test "$values" = @
                    __fish_complete_path (commandline -ct)
                    return 0
                end
                string split ',' -- (string split '/' -- $values)[1]
        end
        return 0
    end
    return 1
end

function __capfsh_keyword_zone
    __capfsh_keywords >/dev/null
end

complete -c capfsh -n "__capfsh_keyword_zone" -f -a "(__capfsh_keywords)"
"#,
        table_continued = table
            .lines()
            .map(|l| format!("{l} \\"))
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end_matches(" \\")
            .to_owned(),
    ));
    s
}
