//! The one table of every route the server answers: method, path, operation id (the
//! `operationId` in `docs/protocol/openapi.json`) and who may call it. The router is built from
//! it, and the conformance test compares it with the OpenAPI document, so the two cannot drift.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodFilter, MethodRouter, on};

use crate::bundles;
use crate::error;
use crate::limits::{MAX_BUNDLE_BYTES, MAX_JSON_BODY_BYTES};
use crate::state::AppState;
use crate::{device_status, operator, pairing, registration, relay, reports, server_time};

/// An HTTP method the protocol uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// Reads.
    Get,
    /// Creations and actions.
    Post,
    /// Replacing a bundle.
    Put,
}

impl HttpMethod {
    /// Upper case, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            HttpMethod::Get => MethodFilter::GET,
            HttpMethod::Post => MethodFilter::POST,
            HttpMethod::Put => MethodFilter::PUT,
        }
    }
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Public,
    /// A registered device, signing the request.
    Device,
    /// A registered parent app, signing the request.
    Parent,
    /// The operator, with the bearer token.
    Operator,
}

/// Every operation of protocol v1; the variant name is the OpenAPI `operationId`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `GET /v1/server`.
    GetServerInfo,
    /// `POST /v1/devices`.
    RegisterDevice,
    /// `POST /v1/parents`.
    RegisterParent,
    /// `POST /v1/device/reports`.
    UploadReports,
    /// `GET /v1/device/reports`.
    ListReportStatuses,
    /// `GET /v1/device/reports/{report_id}`.
    GetReportStatus,
    /// `POST /v1/device/time`.
    GetSignedTime,
    /// `POST /v1/device/status`.
    ReportDeviceStatus,
    /// `POST /v1/device/pairing-codes`.
    CreatePairingCode,
    /// `GET /v1/device/parents`.
    ListDeviceParents,
    /// `POST /v1/device/messages`.
    SendToParents,
    /// `GET /v1/device/messages`.
    ReadDeviceMailbox,
    /// `POST /v1/parent/pairings`.
    ClaimPairingCode,
    /// `GET /v1/parent/devices`.
    ListParentDevices,
    /// `POST /v1/parent/devices/{device_id}/messages`.
    SendToDevice,
    /// `GET /v1/parent/messages`.
    ReadParentMailbox,
    /// `GET /v1/parent/feed`.
    ReadFeed,
    /// `GET /v1/bundles/{kind}`.
    GetBundle,
    /// `PUT /v1/operator/bundles/{kind}`.
    PutBundle,
    /// `POST /v1/operator/activation-tokens`.
    CreateActivationTokens,
    /// `GET /v1/operator/hotline-queue`.
    GetHotlineQueue,
    /// `POST /v1/operator/hotline-queue/{report_id}/forwarded`.
    MarkHotlineForwarded,
}

/// One route.
#[derive(Clone, Copy, Debug)]
pub struct Route {
    /// Its method.
    pub method: HttpMethod,
    /// Its path, with `{name}` for a parameter (the OpenAPI form).
    pub path: &'static str,
    /// What it does.
    pub operation: Operation,
    /// Who may call it.
    pub access: Access,
}

const fn route(
    method: HttpMethod,
    path: &'static str,
    operation: Operation,
    access: Access,
) -> Route {
    Route {
        method,
        path,
        operation,
        access,
    }
}

/// Every route the server answers.
pub const ROUTES: &[Route] = {
    use Access::{Device, Operator, Parent, Public};
    use HttpMethod::{Get, Post, Put};
    use Operation::*;
    &[
        route(Get, "/v1/server", GetServerInfo, Public),
        route(Post, "/v1/devices", RegisterDevice, Public),
        route(Post, "/v1/parents", RegisterParent, Public),
        route(Post, "/v1/device/reports", UploadReports, Device),
        route(Get, "/v1/device/reports", ListReportStatuses, Device),
        route(
            Get,
            "/v1/device/reports/{report_id}",
            GetReportStatus,
            Device,
        ),
        route(Post, "/v1/device/time", GetSignedTime, Device),
        route(Post, "/v1/device/status", ReportDeviceStatus, Device),
        route(Post, "/v1/device/pairing-codes", CreatePairingCode, Device),
        route(Get, "/v1/device/parents", ListDeviceParents, Device),
        route(Post, "/v1/device/messages", SendToParents, Device),
        route(Get, "/v1/device/messages", ReadDeviceMailbox, Device),
        route(Post, "/v1/parent/pairings", ClaimPairingCode, Parent),
        route(Get, "/v1/parent/devices", ListParentDevices, Parent),
        route(
            Post,
            "/v1/parent/devices/{device_id}/messages",
            SendToDevice,
            Parent,
        ),
        route(Get, "/v1/parent/messages", ReadParentMailbox, Parent),
        route(Get, "/v1/parent/feed", ReadFeed, Parent),
        route(Get, "/v1/bundles/{kind}", GetBundle, Public),
        route(Put, "/v1/operator/bundles/{kind}", PutBundle, Operator),
        route(
            Post,
            "/v1/operator/activation-tokens",
            CreateActivationTokens,
            Operator,
        ),
        route(Get, "/v1/operator/hotline-queue", GetHotlineQueue, Operator),
        route(
            Post,
            "/v1/operator/hotline-queue/{report_id}/forwarded",
            MarkHotlineForwarded,
            Operator,
        ),
    ]
};

/// The router serving [`ROUTES`], with ErrorBody answers for unknown routes and methods.
pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(route.path, handler(route.operation, route.method.filter()));
    }
    router
        .method_not_allowed_fallback(error::wrong_method)
        .fallback(error::unknown_route)
        .layer(DefaultBodyLimit::max(MAX_JSON_BODY_BYTES))
        .with_state(state)
}

fn handler(operation: Operation, method: MethodFilter) -> MethodRouter<AppState> {
    use Operation::*;
    match operation {
        GetServerInfo => on(method, server_time::info),
        RegisterDevice => on(method, registration::register_device),
        RegisterParent => on(method, registration::register_parent),
        UploadReports => on(method, reports::upload),
        ListReportStatuses => on(method, reports::statuses),
        GetReportStatus => on(method, reports::status),
        GetSignedTime => on(method, server_time::signed_time),
        ReportDeviceStatus => on(method, device_status::report),
        CreatePairingCode => on(method, pairing::create_code),
        ListDeviceParents => on(method, pairing::parents_of_device),
        SendToParents => on(method, relay::device_sends),
        ReadDeviceMailbox => on(method, relay::device_reads),
        ClaimPairingCode => on(method, pairing::claim),
        ListParentDevices => on(method, pairing::devices_of_parent),
        SendToDevice => on(method, relay::parent_sends),
        ReadParentMailbox => on(method, relay::parent_reads),
        ReadFeed => on(method, reports::feed),
        GetBundle => on(method, bundles::fetch),
        // The only route that takes more than a JSON body's worth.
        PutBundle => on(method, bundles::upload).layer(DefaultBodyLimit::max(MAX_BUNDLE_BYTES)),
        CreateActivationTokens => on(method, operator::create_tokens),
        GetHotlineQueue => on(method, operator::hotline_queue),
        MarkHotlineForwarded => on(method, operator::mark_forwarded),
    }
}
