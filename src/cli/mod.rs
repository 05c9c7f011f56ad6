//! The command line: the one command tree, naming each command's handler, and the functions
//! over it (parsing, completion, help, running a parsed command).

pub mod clap_cmd;
pub mod complete;
pub mod global_args;
pub mod help;
pub mod man;
pub mod modifiers;
pub mod parse;
pub mod run;
pub mod tree;
