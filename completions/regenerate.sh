#!/usr/bin/env bash
# Regenerates the committed completion scripts from the command tree.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --bin capfsh
bin=target/debug/capfsh
"$bin" completions bash > completions/capfsh.bash
"$bin" completions zsh > completions/_capfsh
"$bin" completions fish > completions/capfsh.fish
"$bin" completions elvish > completions/capfsh.elv
"$bin" completions powershell > completions/_capfsh.ps1
