//! AI mode: the assistant's reply to each visitor message while a session is in `ai`.

use store::Appended;

use crate::state::AppState;

/// Called once per stored visitor message in status `ai` (on the node that stored it).
pub fn on_visitor_message(_state: &AppState, _appended: &Appended) {}
