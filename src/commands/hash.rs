//! Hash commands.

use super::Command;

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[];
