//! Manager accounts: login (rate-limited across nodes), logout, me, creation.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::{Email, Error, Password, Result, Role};
use serde::Deserialize;
use serde_json::{Value, json};
use store::NewManager;

use super::AppJson;
use crate::auth::{AdminAuth, ManagerAuth, bearer_of, new_token, token_hash};
use crate::fanout::token_room;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/manager/auth", post(login))
        .route("/manager/logout", post(logout))
        .route("/manager/me", get(me))
        .route("/manager/create", post(create))
        .route("/manager/managers", get(list))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    AppJson(body): AppJson<LoginBody>,
) -> Result<Json<Value>> {
    let auth = &state.settings.auth;
    let window = Duration::from_secs(auth.login_window_secs);
    let account_key = format!("login:acct:{}", body.email.trim().to_lowercase());
    // Both limits are counted in the coordinator, so they hold across all nodes.
    if let Some(retry) =
        state.coord.rate_hit(&format!("login:addr:{}", peer.ip()), auth.login_attempts_per_address, window).await?
    {
        return Err(Error::rate_limited(retry));
    }
    if let Some(retry) = state.coord.rate_hit(&account_key, auth.login_attempts_per_account, window).await? {
        return Err(Error::rate_limited(retry));
    }
    let found = state.store.manager_credentials(body.email.trim()).await?;
    let ok = state.hashing.verify(&body.password, found.as_ref().map(|(_, h)| h.as_str())).await?;
    let Some((manager, _)) = found.filter(|_| ok) else {
        return Err(Error::new(domain::ErrorCode::Unauthorized, "wrong email or password"));
    };
    state.coord.rate_reset(&account_key).await?;
    let token = new_token("m");
    state.store.insert_manager_token(&token_hash(&token), manager.id).await?;
    Ok(Json(json!({
        "token": token,
        "ice_servers": state.ice.servers(&manager.id.to_string()),
        "manager": manager,
    })))
}

async fn logout(State(state): State<AppState>, ManagerAuth(_): ManagerAuth, headers: HeaderMap) -> Result<StatusCode> {
    let token = bearer_of(&headers).ok_or_else(Error::unauthorized)?;
    let hash = token_hash(token);
    state.store.delete_manager_token(&hash).await?;
    // Sockets opened with the token close on every node; reconnecting is refused.
    state.fanout.disconnect(vec![token_room(&hash)]).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(ManagerAuth(m): ManagerAuth) -> Json<Value> {
    Json(json!({ "manager": m }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    email: String,
    name: String,
    password: String,
    role: Option<Role>,
    max_chats: Option<i32>,
}

async fn create(
    State(state): State<AppState>,
    AdminAuth(admin): AdminAuth,
    AppJson(body): AppJson<CreateBody>,
) -> Result<(StatusCode, Json<Value>)> {
    let email = Email::parse(&body.email)?;
    let password = Password::parse(&body.password)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation("name must be 1-100 characters"));
    }
    if body.max_chats.is_some_and(|n| !(1..=1000).contains(&n)) {
        return Err(Error::validation("max_chats must be between 1 and 1000, or null"));
    }
    let password_hash = state.hashing.hash(password.expose()).await?;
    let manager = state
        .store
        .create_manager(NewManager {
            site_id: admin.site_id,
            email: email.as_str().to_owned(),
            name: name.to_owned(),
            role: body.role.unwrap_or(Role::Manager),
            max_chats: body.max_chats,
            password_hash,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "manager": manager }))))
}

async fn list(State(state): State<AppState>, AdminAuth(admin): AdminAuth) -> Result<Json<Value>> {
    Ok(Json(json!({ "managers": state.store.managers(admin.site_id).await? })))
}
