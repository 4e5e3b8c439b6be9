//! The HTTP JSON API: health and runbook CRUD.

use std::net::SocketAddr;

use autogen_runtime as runtime;
use autogen_runtime::config::DatabaseUrl;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use entity::runbook;
use migration::Migrator;
use sea_orm_migration::sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::Deserialize;
use serde_json::{Value, json};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

#[derive(Clone)]
pub struct AppState {
    /// Reads: behind a transaction pooler each statement commits before the
    /// request answers (`ServingConnection`); on a SQLite file a pool of
    /// readers (see `sqlite_serving`).
    pub db: runtime::ServingConnection,
    /// Inserts, updates and deletes: on a SQLite file one connection of its
    /// own, elsewhere the same pool as `db`.
    pub writer: runtime::ServingConnection,
    pub url: DatabaseUrl,
}

/// Bind the API's address: done before migrating, so that a port in use is
/// reported at once (with the address) rather than after the migrations ran.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}; stop what uses that port, or pick another with --port or PORT"
        )
    })
}

/// Serve on `listener`; with `access_log`, one line per request at info
/// (`RUST_LOG=tower_http=off` or `ACCESS_LOG=false` silences it).
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    access_log: bool,
) -> anyhow::Result<()> {
    let mut app = Router::new()
        .route("/health", get(health))
        .route("/runbooks", get(list_runbooks).post(create_runbook))
        .route(
            "/runbooks/{id}",
            get(get_runbook).put(update_runbook).delete(delete_runbook),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    if access_log {
        app = app.layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        );
    }
    tracing::info!("Serving on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("Shut down cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

/// An API error: a status and a one-sentence JSON message.
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        let text = e.to_string();
        if text.contains("unique") || text.contains("UNIQUE") || text.contains("Duplicate") {
            ApiError(
                StatusCode::CONFLICT,
                "a runbook with this name already exists".into(),
            )
        } else {
            tracing::error!("database error: {text}");
            ApiError(StatusCode::INTERNAL_SERVER_ERROR, "database error".into())
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(e: JsonRejection) -> Self {
        ApiError(e.status(), e.body_text())
    }
}

type ApiResult<T> = Result<T, ApiError>;

async fn health(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let status = runtime::checksum::read_applied(&state.db)
        .await
        .map(|rows| runtime::checksum::status_of::<Migrator>(&rows))
        .map_err(|e| {
            // The detail is for the log; callers learn only that it failed.
            tracing::error!("health: cannot read the migration status: {e}");
            ApiError(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database cannot be read".into(),
            )
        })?;
    // Revisions another (newer) build applied: the database is ahead of
    // this binary, which still serves but should be replaced.
    let ahead = status.unknown_applied();
    let database_head = ahead.last().copied().or(status.current());
    let mut body = json!({
        "status": if ahead.is_empty() { "ok" } else { "ahead" },
        "database": state.url.backend().name(),
        "revision": status.current(),
        "database_head": database_head,
        "head": status.head(),
        "pending": status.pending().len(),
        "ahead_of_binary": ahead,
    });
    if !ahead.is_empty() {
        body["note"] = json!(format!(
            "the database has {} migration(s) this binary does not contain ({}): deploy the build that has them",
            ahead.len(),
            ahead.join(", ")
        ));
    }
    Ok(Json(body))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunbookInput {
    name: String,
    description: Option<String>,
    category: String,
    enabled: Option<bool>,
    tags: Option<Value>,
}

impl RunbookInput {
    fn validate(&self) -> ApiResult<()> {
        let bad = |m: &str| Err(ApiError(StatusCode::UNPROCESSABLE_ENTITY, m.into()));
        if self.name.trim().is_empty() || chars(&self.name) > 255 {
            return bad("name must be 1 to 255 characters");
        }
        if self.category.trim().is_empty() || chars(&self.category) > 100 {
            return bad("category must be 1 to 100 characters");
        }
        if let Some(tags) = &self.tags
            && !(tags.is_array() || tags.is_object())
        {
            return bad("tags must be a JSON array or object");
        }
        // PostgreSQL stores no NUL in text or jsonb; SQLite would cut the string.
        let texts = [
            Some(&self.name),
            Some(&self.category),
            self.description.as_ref(),
        ];
        if texts.into_iter().flatten().any(|t| t.contains('\0'))
            || self.tags.as_ref().is_some_and(holds_nul)
        {
            return bad("text must not contain NUL characters");
        }
        Ok(())
    }
}

/// Whether a JSON value holds a NUL in any key or string.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// A name's or category's length in characters (what the database's
/// `varchar(N)` counts), not in UTF-8 bytes.
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `GET /runbooks?limit=&after=`: a page of at most `limit` runbooks with an
/// id above `after`, in id order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Page {
    limit: Option<u64>,
    after: Option<i32>,
}

/// Runbooks per page when the request does not say, and the most it may ask.
const DEFAULT_PAGE: u64 = 100;
const MAX_PAGE: u64 = 1000;

fn to_json(m: &runbook::Model) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "description": m.description,
        "category": m.category,
        "enabled": m.enabled,
        "created_at": m.created_at.to_rfc3339(),
        "updated_at": m.updated_at.to_rfc3339(),
        "tags": m.tags,
    })
}

/// The `{id}` of a runbook URL; anything but an integer is a 400 with a JSON body.
fn runbook_id(id: Result<Path<i32>, PathRejection>) -> ApiResult<i32> {
    id.map(|Path(id)| id).map_err(|_| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "runbook id must be a 32-bit integer".into(),
        )
    })
}

async fn unknown_route() -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        "no such route: see GET /health, /runbooks".into(),
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this route".into(),
    )
}

fn not_found(id: i32) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("runbook {id} not found"))
}

async fn list_runbooks(
    State(state): State<AppState>,
    page: Result<Query<Page>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(page) = page.map_err(|_| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "query parameters are limit (1 to 1000) and after (a runbook id)".into(),
        )
    })?;
    let limit = page.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("limit must be 1 to {MAX_PAGE}"),
        ));
    }
    let mut query = runbook::Entity::find().order_by_asc(runbook::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(runbook::Column::Id.gt(after));
    }
    let rows = query.limit(limit).all(&state.db).await?;
    let body = Json(Value::Array(rows.iter().map(to_json).collect()));
    // A full page may have a next one: say where it starts (RFC 8288).
    match rows.last() {
        Some(last) if rows.len() as u64 == limit => Ok((
            [(
                header::LINK,
                format!("</runbooks?limit={limit}&after={}>; rel=\"next\"", last.id),
            )],
            body,
        )
            .into_response()),
        _ => Ok(body.into_response()),
    }
}

async fn get_runbook(
    State(state): State<AppState>,
    id: Result<Path<i32>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let id = runbook_id(id)?;
    let row = runbook::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Json(to_json(&row)))
}

async fn create_runbook(
    State(state): State<AppState>,
    input: Result<Json<RunbookInput>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let Json(input) = input?;
    input.validate()?;
    let now = chrono::Utc::now().fixed_offset();
    let model = runbook::ActiveModel {
        name: Set(input.name),
        description: Set(input.description),
        category: Set(input.category),
        enabled: Set(input.enabled.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        tags: Set(input.tags.unwrap_or_else(|| json!([]))),
        ..Default::default()
    }
    .insert(&state.writer)
    .await?;
    Ok((StatusCode::CREATED, Json(to_json(&model))))
}

async fn update_runbook(
    State(state): State<AppState>,
    id: Result<Path<i32>, PathRejection>,
    input: Result<Json<RunbookInput>, JsonRejection>,
) -> ApiResult<Json<Value>> {
    let id = runbook_id(id)?;
    let Json(input) = input?;
    input.validate()?;
    let existing = runbook::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| not_found(id))?;
    // PUT replaces the whole runbook: a field left out takes the value a
    // POST would give it (description null, enabled true, tags []).
    let mut active: runbook::ActiveModel = existing.into();
    active.name = Set(input.name);
    active.description = Set(input.description);
    active.category = Set(input.category);
    active.enabled = Set(input.enabled.unwrap_or(true));
    active.tags = Set(input.tags.unwrap_or_else(|| json!([])));
    active.updated_at = Set(chrono::Utc::now().fixed_offset());
    // Deleted since it was read (a DELETE racing this PUT): gone, not an error.
    let model = active.update(&state.writer).await.map_err(|e| match e {
        DbErr::RecordNotUpdated | DbErr::RecordNotFound(_) => not_found(id),
        other => other.into(),
    })?;
    Ok(Json(to_json(&model)))
}

async fn delete_runbook(
    State(state): State<AppState>,
    id: Result<Path<i32>, PathRejection>,
) -> ApiResult<StatusCode> {
    let id = runbook_id(id)?;
    let res = runbook::Entity::delete_by_id(id)
        .exec(&state.writer)
        .await?;
    if res.rows_affected == 0 {
        return Err(not_found(id));
    }
    Ok(StatusCode::NO_CONTENT)
}
