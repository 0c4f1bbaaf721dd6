//! The one table of every route of the protocol: method, path, operation id (the `operationId`
//! in `docs/protocol/openapi.json`) and who may call it. The reference backend mounts its router
//! from it, the phone's client builds each request's method and path from it
//! ([`Operation::route`], [`Route::path_with`]), and the backend's conformance test compares it
//! with the OpenAPI document, so neither side nor the document can drift.

use crate::wire::BundleKind;

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
    /// A carrier the operator admitted, signing the request; it sees only its own lines.
    Carrier,
}

/// Every operation of protocol v1; the variant name is the OpenAPI `operationId`. The variants
/// are in the order of [`ROUTES`], which [`Operation::route`] relies on (checked when compiling).
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
    /// `POST /v1/device/messages`.
    SendToParents,
    /// `GET /v1/device/messages`.
    ReadDeviceMailbox,
    /// `POST /v1/device/pairing-invites`.
    CreatePairingInvite,
    /// `GET /v1/device/pairing-claims`.
    ListPairingClaims,
    /// `POST /v1/device/parent-statements`.
    PostParentStatement,
    /// `POST /v1/parent/pairing-claims`.
    ClaimPairingInvite,
    /// `POST /v1/parent/devices/{device_id}/parent-removals`.
    RemoveParentAsOwner,
    /// `GET /v1/parent/devices`.
    ListParentDevices,
    /// `POST /v1/parent/devices/{device_id}/messages`.
    SendToDevice,
    /// `GET /v1/parent/messages`.
    ReadParentMailbox,
    /// `GET /v1/parent/feed`.
    ReadFeed,
    /// `GET /v1/parent/events`: the parent's live stream of [`ParentEvent`]s (server-sent
    /// events).
    ///
    /// [`ParentEvent`]: crate::wire::ParentEvent
    StreamParentEvents,
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
    /// `GET /v1/operator/helpline-queue`.
    GetHelplineQueue,
    /// `POST /v1/operator/helpline-queue/{report_id}/forwarded`.
    MarkHelplineForwarded,
    /// `GET /v1/device/line`: the signed documents for the calling device's line.
    ReadLineDocuments,
    /// `POST /v1/operator/carriers`.
    RegisterCarrier,
    /// `POST /v1/carrier/lines`.
    AddLine,
    /// `POST /v1/carrier/line-updates`.
    UpdateLine,
    /// `GET /v1/carrier/lines`.
    ListLines,
    /// `GET /v1/carrier/activations`.
    ListPendingActivations,
    /// `POST /v1/carrier/profiles`.
    UploadProfile,
    /// `POST /v1/carrier/line-deactivations`.
    DeactivateLine,
    /// `POST /v1/carrier/key-rotations`.
    RotateCarrierKey,
    /// `POST /v1/carrier/safety-packs`.
    UploadSafetyPack,
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

/// Every route the server answers, in the order of [`Operation`].
pub const ROUTES: &[Route] = {
    use Access::{Carrier, Device, Operator, Parent, Public};
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
        route(Post, "/v1/device/messages", SendToParents, Device),
        route(Get, "/v1/device/messages", ReadDeviceMailbox, Device),
        route(
            Post,
            "/v1/device/pairing-invites",
            CreatePairingInvite,
            Device,
        ),
        route(Get, "/v1/device/pairing-claims", ListPairingClaims, Device),
        route(
            Post,
            "/v1/device/parent-statements",
            PostParentStatement,
            Device,
        ),
        route(
            Post,
            "/v1/parent/pairing-claims",
            ClaimPairingInvite,
            Parent,
        ),
        route(
            Post,
            "/v1/parent/devices/{device_id}/parent-removals",
            RemoveParentAsOwner,
            Parent,
        ),
        route(Get, "/v1/parent/devices", ListParentDevices, Parent),
        route(
            Post,
            "/v1/parent/devices/{device_id}/messages",
            SendToDevice,
            Parent,
        ),
        route(Get, "/v1/parent/messages", ReadParentMailbox, Parent),
        route(Get, "/v1/parent/feed", ReadFeed, Parent),
        route(Get, "/v1/parent/events", StreamParentEvents, Parent),
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
        route(
            Get,
            "/v1/operator/helpline-queue",
            GetHelplineQueue,
            Operator,
        ),
        route(
            Post,
            "/v1/operator/helpline-queue/{report_id}/forwarded",
            MarkHelplineForwarded,
            Operator,
        ),
        route(Get, "/v1/device/line", ReadLineDocuments, Device),
        route(Post, "/v1/operator/carriers", RegisterCarrier, Operator),
        route(Post, "/v1/carrier/lines", AddLine, Carrier),
        route(Post, "/v1/carrier/line-updates", UpdateLine, Carrier),
        route(Get, "/v1/carrier/lines", ListLines, Carrier),
        route(
            Get,
            "/v1/carrier/activations",
            ListPendingActivations,
            Carrier,
        ),
        route(Post, "/v1/carrier/profiles", UploadProfile, Carrier),
        route(
            Post,
            "/v1/carrier/line-deactivations",
            DeactivateLine,
            Carrier,
        ),
        route(Post, "/v1/carrier/key-rotations", RotateCarrierKey, Carrier),
        route(Post, "/v1/carrier/safety-packs", UploadSafetyPack, Carrier),
    ]
};

// `Operation::route` indexes the table by the operation: each entry must sit at its operation's
// position, and every operation must have one.
const _: () = {
    let mut index = 0;
    while index < ROUTES.len() {
        assert!(ROUTES[index].operation as usize == index);
        index += 1;
    }
    assert!(ROUTES.len() == Operation::UploadSafetyPack as usize + 1);
};

impl Operation {
    /// The route of this operation.
    pub fn route(self) -> &'static Route {
        &ROUTES[self as usize]
    }
}

/// A value for one `{name}` parameter of a route's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathParam<'a> {
    /// `{report_id}`: a report id.
    ReportId(&'a str),
    /// `{device_id}`: a device id.
    DeviceId(&'a str),
    /// `{kind}`: a bundle kind.
    Kind(BundleKind),
}

impl PathParam<'_> {
    /// The parameter's name in the path template.
    pub fn name(&self) -> &'static str {
        match self {
            PathParam::ReportId(_) => "report_id",
            PathParam::DeviceId(_) => "device_id",
            PathParam::Kind(_) => "kind",
        }
    }

    /// The text that takes the parameter's place.
    pub fn value(&self) -> &str {
        match self {
            PathParam::ReportId(id) | PathParam::DeviceId(id) => id,
            PathParam::Kind(kind) => kind.as_str(),
        }
    }
}

impl Route {
    /// This route's path with each `{name}` segment replaced by the value of the parameter of that
    /// name in `params`, e.g. `/v1/bundles/lists`. A parameter left out keeps its template text,
    /// which the server answers as an unknown id or kind.
    pub fn path_with(&self, params: &[PathParam<'_>]) -> String {
        self.path
            .split('/')
            .map(|segment| {
                segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
                    .and_then(|name| params.iter().find(|param| param.name() == name))
                    .map_or(segment, PathParam::value)
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_finds_its_own_route() {
        for route in ROUTES {
            assert_eq!(route.operation.route().operation, route.operation);
        }
    }

    #[test]
    fn every_parameter_of_the_table_can_be_filled() {
        let params = [
            PathParam::ReportId("r1"),
            PathParam::DeviceId("d1"),
            PathParam::Kind(BundleKind::Lists),
        ];
        for route in ROUTES {
            let path = route.path_with(&params);
            assert!(!path.contains('{'), "{path}");
        }
    }

    #[test]
    fn parameters_fill_their_own_segments() {
        assert_eq!(
            Operation::SendToDevice
                .route()
                .path_with(&[PathParam::DeviceId("abc")]),
            "/v1/parent/devices/abc/messages"
        );
        assert_eq!(
            Operation::GetBundle
                .route()
                .path_with(&[PathParam::Kind(BundleKind::Directory)]),
            "/v1/bundles/directory"
        );
        assert_eq!(
            Operation::GetReportStatus.route().path_with(&[]),
            "/v1/device/reports/{report_id}"
        );
    }
}
