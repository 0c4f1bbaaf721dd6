//! `GET /v1/parent/events`: the route that hands a parent its stream of live events from the
//! hub in [`events`](crate::events), as server-sent events.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};

use crate::admission::ReleasesAddressSlot;
use crate::auth::ParentCaller;
use crate::error::{ApiError, ApiResult};
use crate::events::Refusal;
use crate::state::AppState;

/// `GET /v1/parent/events`: the caller's events as server-sent events until the stream ends.
pub(crate) async fn stream(
    State(state): State<AppState>,
    caller: ParentCaller,
) -> ApiResult<Response> {
    let events = &state.events;
    let deliveries = events
        .open_stream(&caller.parent.id)
        .map_err(|refusal| match refusal {
            Refusal::ParentFull => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "this parent has {} event streams open already; close one first",
                    events.limits().per_parent
                ),
            ),
            Refusal::ServerFull => ApiError::streams_full(),
        })?;
    let sse =
        Sse::new(deliveries).keep_alive(KeepAlive::new().interval(events.limits().keep_alive));
    let mut response = sse.into_response();
    response.extensions_mut().insert(ReleasesAddressSlot);
    Ok(response)
}
