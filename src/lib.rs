//! oxidis: a Redis-compatible in-memory data server.
//!
//! One thread runs a `mio` reactor ([`server`]); requests are parsed by
//! [`protocol`], dispatched through one command table ([`commands`]) to handlers
//! working on one keyspace ([`store`]). Configuration lives in [`config`].

pub mod alloc;
pub mod commands;
pub mod config;
pub mod errors;
pub mod persistence;
pub mod protocol;
pub mod scripting;
pub mod server;
pub mod store;
pub mod util;
