//! Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD, BITFIELD_RO.

use super::Command;

pub static COMMANDS: &[Command] = &[];
