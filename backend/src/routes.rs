//! The server's router, mounted from the protocol's one table of routes
//! ([`ROUTES`](childsafe_protocol::routes::ROUTES): method, path, operation, access), which the
//! phone's client builds its requests from too. This module only maps each operation to its
//! handler; the conformance test compares the table with `docs/protocol/openapi.json`.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodFilter, MethodRouter, on};
use childsafe_protocol::routes::{HttpMethod, Operation, ROUTES};

use crate::bundles;
use crate::error;
use crate::limits::{MAX_BUNDLE_BYTES, MAX_JSON_BODY_BYTES, MAX_SAFETY_PACK_BODY_BYTES};
use crate::state::AppState;
use crate::{
    carriers, device_status, event_stream, operator, pairing, pairing_invites, registration, relay,
    reports, server_time,
};

/// axum's filter for a protocol method.
fn method_filter(method: HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
    }
}

/// The router serving [`ROUTES`], with ErrorBody answers for unknown routes and methods.
pub(crate) fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in ROUTES {
        router = router.route(
            route.path,
            handler(route.operation, method_filter(route.method)),
        );
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
        SendToParents => on(method, relay::device_sends),
        ReadDeviceMailbox => on(method, relay::device_reads),
        CreatePairingInvite => on(method, pairing_invites::open),
        ListPairingClaims => on(method, pairing_invites::claims),
        PostParentStatement => on(method, pairing_invites::statement),
        ClaimPairingInvite => on(method, pairing_invites::claim),
        RemoveParentAsOwner => on(method, pairing_invites::remove_as_owner),
        ListParentDevices => on(method, pairing::devices_of_parent),
        SendToDevice => on(method, relay::parent_sends),
        ReadParentMailbox => on(method, relay::parent_reads),
        ReadFeed => on(method, reports::feed),
        StreamParentEvents => on(method, event_stream::stream),
        GetBundle => on(method, bundles::fetch),
        // The only route that takes more than a JSON body's worth.
        PutBundle => on(method, bundles::upload).layer(DefaultBodyLimit::max(MAX_BUNDLE_BYTES)),
        CreateActivationTokens => on(method, operator::create_tokens),
        GetHotlineQueue => on(method, operator::hotline_queue),
        MarkHotlineForwarded => on(method, operator::mark_forwarded),
        GetHelplineQueue => on(method, operator::helpline_queue),
        MarkHelplineForwarded => on(method, operator::mark_helpline_forwarded),
        ReadLineDocuments => on(method, carriers::line_documents),
        RegisterCarrier => on(method, carriers::register),
        AddLine => on(method, carriers::add_line),
        UpdateLine => on(method, carriers::update_line),
        ListLines => on(method, carriers::list_lines),
        ListPendingActivations => on(method, carriers::pending_activations),
        UploadProfile => on(method, carriers::upload_profile),
        DeactivateLine => on(method, carriers::deactivate_line),
        RotateCarrierKey => on(method, carriers::rotate_key),
        // A pack holds texts for every band, language and audience.
        UploadSafetyPack => on(method, carriers::upload_safety_pack)
            .layer(DefaultBodyLimit::max(MAX_SAFETY_PACK_BODY_BYTES)),
    }
}
