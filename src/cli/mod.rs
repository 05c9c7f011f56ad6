//! The command line: the one command tree and the functions over it (parsing, completion, help).

pub mod clap_cmd;
pub mod complete;
pub mod global_args;
pub mod help;
pub mod man;
pub mod modifiers;
pub mod parse;
pub mod tree;
