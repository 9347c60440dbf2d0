//! Checks `Server::call` makes before running or queueing a command that are
//! about the server's state, not the command's arguments: the memory limit
//! (`maxmemory`, after trying to evict) and the replicas a write needs
//! (`min-replicas-to-write`). EXEC counts as the commands it would run: as a
//! write if one of them writes, as using memory if one of them may grow the
//! data set. Commands run by EXEC are not checked again; a script's are, the
//! memory check answering with the state found when the script started (see
//! `Server::maxmemory_allows`).

use crate::commands::{self, CmdId};
use crate::config::D;
use crate::errors;

use super::{Client, Server};

impl Server {
    /// True if `min-replicas-to-write` asks for replicas. oxidis has none
    /// yet, so writes are then refused.
    pub fn lacks_good_replicas(&self) -> bool {
        self.config.int(D::MinReplicasToWrite) > 0 && self.config.int(D::MinReplicasMaxLag) > 0
    }

    /// The error refusing command `id` from `c` in the server's current
    /// state, if any.
    pub(super) fn state_refusal(&mut self, c: &Client, id: CmdId) -> Option<&'static str> {
        let e = &self.commands.entries[id];
        let is_exec = e.fullname == "exec";
        let mut flags = e.spec.flags | if is_exec { c.tx.flags } else { 0 };
        // Inside MULTI nothing may be queued while over the limit: the
        // transaction could not run anyway.
        if c.tx.active && !matches!(e.fullname.as_str(), "exec" | "discard" | "quit" | "reset") {
            flags |= commands::DENYOOM;
        }
        if !self.maxmemory_allows(flags) {
            return Some(errors::OOM);
        }
        if flags & commands::WRITE != 0 && self.lacks_good_replicas() {
            return Some(errors::NOREPLICAS);
        }
        None
    }
}
