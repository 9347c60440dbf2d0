//! The wire protocol: the request parser and the reply writer.

pub mod parser;
pub mod reply;

pub use parser::{Limits, Parsed, Parser};
pub use reply::Reply;
