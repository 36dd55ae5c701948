//! The system messages a call leaves in the chat: `call_started` when it is
//! answered, `call_ended` when it ends (with the talk time if it was answered), in
//! the site's locale. Clients may render them from `kind` alone.

use domain::{Media, SenderKind, kind};
use store::NewMessage;

use super::lifecycle::EndReason;
use super::record::CallRecord;
use crate::state::AppState;

pub fn started_text(media: Media, locale: &str) -> String {
    match (media, locale == "en") {
        (Media::Audio, true) => "Audio call started".into(),
        (Media::Video, true) => "Video call started".into(),
        (Media::Audio, false) => "Аудиозвонок начался".into(),
        (Media::Video, false) => "Видеозвонок начался".into(),
    }
}

/// `duration_secs` is the talk time of an answered call, `None` if nobody answered.
pub fn ended_text(media: Media, locale: &str, reason: EndReason, duration_secs: Option<i64>) -> String {
    let en = locale == "en";
    let (call_en, call_ru) = match media {
        Media::Audio => ("audio call", "аудиозвонок"),
        Media::Video => ("video call", "видеозвонок"),
    };
    match (duration_secs, reason, en) {
        (Some(d), _, true) => format!("{} ended, duration {}", capitalize(call_en), clock(d)),
        (Some(d), _, false) => format!("{} завершён, длительность {}", capitalize(call_ru), clock(d)),
        (None, EndReason::Declined, true) => format!("{} declined", capitalize(call_en)),
        (None, EndReason::Declined, false) => format!("{} отклонён", capitalize(call_ru)),
        (None, _, true) => format!("Missed {call_en}"),
        (None, _, false) => format!("Пропущенный {call_ru}"),
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn clock(secs: i64) -> String {
    let secs = secs.max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m}:{s:02}") }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Stores a system message in the call's session and delivers it as `message:new`.
/// A failure is logged, not returned: the call itself has already changed state.
pub async fn write(state: &AppState, rec: &CallRecord, kind_: &str, text: String) {
    let new = NewMessage {
        session_id: rec.call.session_id,
        sender: SenderKind::System,
        author: None,
        kind: kind_.to_owned(),
        text,
        client_id: None,
    };
    match state.writer.append(new).await {
        Ok(appended) => crate::chat::deliver(state, &appended).await,
        Err(e) => {
            tracing::warn!(error = %e, call = %rec.call.id, kind = kind_, "call system message not stored")
        }
    }
}

pub async fn started(state: &AppState, rec: &CallRecord) {
    write(state, rec, kind::CALL_STARTED, started_text(rec.call.media, &rec.locale)).await;
}

pub async fn ended(state: &AppState, rec: &CallRecord, reason: EndReason) {
    let duration = rec.answered_at.map(|a| (chrono::Utc::now() - a).num_seconds());
    write(state, rec, kind::CALL_ENDED, ended_text(rec.call.media, &rec.locale, reason, duration)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_carry_the_duration_of_answered_calls() {
        assert_eq!(ended_text(Media::Video, "en", EndReason::Hangup, Some(65)), "Video call ended, duration 1:05");
        assert_eq!(ended_text(Media::Audio, "en", EndReason::Hangup, Some(3725)), "Audio call ended, duration 1:02:05");
        assert_eq!(
            ended_text(Media::Audio, "ru", EndReason::Disconnected, Some(9)),
            "Аудиозвонок завершён, длительность 0:09"
        );
        assert_eq!(ended_text(Media::Audio, "en", EndReason::Declined, None), "Audio call declined");
        assert_eq!(ended_text(Media::Video, "en", EndReason::Timeout, None), "Missed video call");
        assert_eq!(started_text(Media::Video, "ru"), "Видеозвонок начался");
    }
}
