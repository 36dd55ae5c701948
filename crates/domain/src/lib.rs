//! The contract's vocabulary: objects, validated inputs and the one error type.
//!
//! No I/O lives here: `store`, `cluster` and `server` all speak these types, so the
//! shapes the clients see are defined exactly once.

mod error;
mod input;
mod model;

pub use error::{Error, ErrorCode, Result};
pub use input::{ClientId, Email, MessageText, Password, parse_uuid};
pub use model::*;
