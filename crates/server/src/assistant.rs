//! AI mode: exactly one assistant reply to each visitor message stored while its
//! session is in `ai`, and the handoff note for managers.
//!
//! Exactly once, however many nodes: only the node whose writer stored the visitor
//! message runs the reply, and the reply's `client_id` (`ai-<message id>`) makes any
//! retry return the stored reply. The store refuses an `ai` message once the session
//! left `ai`, so a reply still being computed at handoff is dropped, never shown.

use assistant::{
    AssistantSettings, FaqEntry, Locale, ReplyRequest, Role, Turn, handoff_confirmation, summarize, wants_human,
};
use domain::{Error, Result, SenderKind, Site, kind};
use serde_json::json;
use store::{Appended, NewMessage};
use uuid::Uuid;

use crate::fanout::visitor_room;
use crate::state::AppState;

/// How much of the conversation the assistant sees.
const CONTEXT: i64 = 20;

/// Called once per stored visitor message in status `ai` (on the node that stored it).
pub fn on_visitor_message(state: &AppState, appended: &Appended) {
    let (state, appended) = (state.clone(), appended.clone());
    tokio::spawn(async move {
        if let Err(e) = reply(&state, &appended).await {
            tracing::warn!(error = %e, session = %appended.message.session_id, "assistant reply failed");
        }
    });
}

async fn reply(state: &AppState, a: &Appended) -> Result<()> {
    let site = state.store.site(a.site_id).await?.ok_or_else(|| Error::not_found("site"))?;
    let locale = Locale::parse(&site.locale);
    let session_id = a.message.session_id;
    let question = a.message.text.clone();
    if wants_human(&question) {
        // Confirm first (while still in `ai`), then hand off as the widget button does.
        store_reply(state, a, handoff_confirmation(locale).to_owned()).await?;
        let visitor = state.store.visitor(a.visitor_id).await?.ok_or_else(|| Error::not_found("visitor"))?;
        crate::chat::request_manager(state, &visitor).await?;
        return Ok(());
    }
    let settings = AssistantSettings::parse(&state.store.assistant_settings(site.id).await?).unwrap_or_default();
    let faq = faq_of(state, site.id).await?;
    let provider = state.assistants.provider(site.id, &settings, &faq);
    let request =
        ReplyRequest { locale, site_name: site.name.clone(), history: history(state, session_id).await?, question };

    // Stream deltas to the visitor's tabs while the provider produces them.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let fanout = state.fanout.clone();
    let room = visitor_room(a.visitor_id);
    let reply_to = a.message.id;
    let forward = tokio::spawn(async move {
        while let Some(delta) = rx.recv().await {
            let payload = json!({ "session_id": session_id, "reply_to": reply_to, "delta": delta });
            fanout.emit("/chat", vec![room.clone()], "message:delta", &payload).await;
        }
    });
    let reply = provider.reply(&request, Some(tx)).await;
    let _ = forward.await;
    store_reply(state, a, reply.text).await
}

async fn store_reply(state: &AppState, a: &Appended, text: String) -> Result<()> {
    let stored = state
        .writer
        .append(NewMessage {
            session_id: a.message.session_id,
            sender: SenderKind::Ai,
            author: None,
            kind: kind::TEXT.to_owned(),
            text,
            client_id: Some(format!("ai-{}", a.message.id.simple())),
        })
        .await;
    match stored {
        Ok(appended) if !appended.duplicate => {
            crate::chat::deliver(state, &appended).await;
            Ok(())
        }
        Ok(_) => Ok(()),
        // The session left `ai` meanwhile: the assistant goes quiet.
        Err(e) if e.code == domain::ErrorCode::Conflict => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn faq_of(state: &AppState, site_id: Uuid) -> Result<Vec<FaqEntry>> {
    Ok(state
        .store
        .faq_entries(site_id)
        .await?
        .into_iter()
        .map(|r| FaqEntry { id: r.id, questions: r.questions, answer: r.answer })
        .collect())
}

async fn history(state: &AppState, session_id: Uuid) -> Result<Vec<Turn>> {
    let (all, _) = state.store.messages(session_id, 0, 500).await?;
    let start = all.len().saturating_sub(CONTEXT as usize);
    Ok(all[start..]
        .iter()
        .filter_map(|m| {
            let role = match m.sender {
                SenderKind::Visitor => Role::Visitor,
                SenderKind::Ai => Role::Ai,
                SenderKind::Manager => Role::Manager,
                SenderKind::System => return None,
            };
            Some(Turn { role, text: m.text.clone() })
        })
        .collect())
}

/// When a session leaves `ai`, leave its managers a short note of what was asked.
pub async fn handoff_note(state: &AppState, site: &Site, session_id: Uuid) -> Result<()> {
    let history = history(state, session_id).await?;
    if !history.iter().any(|t| t.role == Role::Visitor) {
        return Ok(());
    }
    let note = summarize(&history, Locale::parse(&site.locale));
    if !note.trim().is_empty() {
        state.store.add_note(session_id, &note).await?;
    }
    Ok(())
}
