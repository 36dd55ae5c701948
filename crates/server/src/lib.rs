//! The Switchboard node: HTTP routes, Socket.IO namespaces, start-up and drain.
//!
//! Read `ARCHITECTURE.md` at the repository root first: it follows a message and
//! every other request through these modules.

pub mod assistant;
pub mod auth;
pub mod calls;
pub mod chat;
pub mod embedded;
pub mod fanout;
pub mod http;
pub mod ice;
pub mod presence;
pub mod queue;
pub mod settings;
pub mod sockets;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Server;
