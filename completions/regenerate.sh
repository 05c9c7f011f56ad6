#!/usr/bin/env bash
# Regenerates the committed completion scripts and man pages from the command definitions
# (tests fail when they are out of date).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --bin capfsh --bin capfd
for prog in capfsh capfd; do
  bin=target/debug/$prog
  "$bin" completions bash > completions/$prog.bash
  "$bin" completions zsh > completions/_$prog
  "$bin" completions fish > completions/$prog.fish
  "$bin" completions elvish > completions/$prog.elv
  "$bin" completions powershell > completions/_$prog.ps1
done
mkdir -p man
target/debug/capfsh man > man/capfsh.1
target/debug/capfd man > man/capfd.1
