//! The child's phone played from the protocol's building blocks (its device key, its pairing
//! invite, its signed statements, snapshots, access requests and receipts), for tests of the
//! parent's app while the phone's own SDK is not the subject: the parent-app test in Rust and,
//! through the `phone_player` binary, the Kotlin test. Every request is signed as the phone's
//! client signs it; every document as the phone signs it.
#![allow(clippy::expect_used, clippy::missing_panics_doc)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use childsafe_core::crypto::{PublicKey, SigningKey};
use childsafe_core::protocol::pairing::{
    PairingQr, PairingSecret, ParentRole, ParentStatement, confirmation_code, verify_claim,
};
use childsafe_core::protocol::report::{ReportKind, UploadedReport, new_report_id};
use childsafe_core::protocol::request_signing::{self, PrincipalKind, key_id};
use childsafe_core::protocol::wire::{
    DeviceStatus, MessageKind, OutgoingMessage, PairingInvite, PendingClaims, ReportBatch,
    SignedParentStatement,
};
use childsafe_core::settings::AgeBand;
use childsafe_core::settings::access_request::AccessRequest;
use childsafe_core::settings::parent_command::ParentCommand;
use childsafe_core::settings::status_snapshot::{SnapshotParent, StatusSnapshot};
use childsafe_core::sync::client::SyncClient;

/// A child's phone made of the protocol's parts: its device key, and the documents it signs.
pub struct PlayedPhone {
    /// The device key.
    pub key: SigningKey,
    /// The device key in PKCS#8, to play the same phone in a later process.
    pub pkcs8: Vec<u8>,
    /// The device id.
    pub id: String,
    url: String,
    statements: u64,
    snapshots: u64,
}

impl PlayedPhone {
    /// A new phone registered at the backend at `url` with the activation `token`.
    pub async fn register(url: &str, token: &str) -> Self {
        let (key, pkcs8) = SigningKey::generate().expect("a device key");
        let id = SyncClient::new(url, true)
            .expect("the backend URL")
            .register_device(&key, token, None, "GB")
            .await
            .expect("the phone registers")
            .id;
        assert_eq!(id, key_id(&key.public_key()));
        Self::from_pkcs8(url, pkcs8)
    }

    /// The phone whose key is `pkcs8`, registered before, at the backend at `url`.
    pub fn from_pkcs8(url: &str, pkcs8: Vec<u8>) -> Self {
        let key = SigningKey::from_pkcs8(&pkcs8).expect("a PKCS#8 Ed25519 key");
        Self {
            id: key_id(&key.public_key()),
            key,
            pkcs8,
            url: url.trim_end_matches('/').to_owned(),
            statements: 0,
            snapshots: 0,
        }
    }

    /// Opens a pairing invite; the QR payload the phone shows, and its secret.
    pub async fn invite(&self) -> (String, PairingSecret) {
        let secret = PairingSecret::generate().expect("the phone's part");
        let invite = PairingInvite {
            pairing_public_key: secret.pairing_key().expect("the phone's part").public_key(),
            expires_at: unix_now() + 600,
        };
        self.post("/v1/device/pairing-invites", &invite).await;
        let qr = PairingQr {
            device_id: self.id.clone(),
            secret: secret.clone(),
        };
        (qr.to_payload(), secret)
    }

    /// Reads the claims, checks the one claim itself as the phone does, and confirms that parent
    /// with a signed statement. The code the phone shows.
    pub async fn confirm(
        &mut self,
        secret: &PairingSecret,
        role: ParentRole,
    ) -> (String, PublicKey) {
        let claims: PendingClaims = self.get("/v1/device/pairing-claims").await;
        assert_eq!(claims.claims.len(), 1);
        let claim = &claims.claims[0];
        assert!(verify_claim(
            &secret.pairing_key().expect("the phone's part").public_key(),
            &self.id,
            &claim.parent_public_key,
            &claim.claim_signature
        ));
        self.statements += 1;
        let statement = ParentStatement::ParentConfirmed {
            device_id: self.id.clone(),
            parent_public_key: claim.parent_public_key,
            role,
            seq: self.statements,
        };
        let sealed = statement.seal(&self.key).expect("the phone's part");
        self.post(
            "/v1/device/parent-statements",
            &SignedParentStatement {
                statement: URL_SAFE_NO_PAD.encode(sealed),
            },
        )
        .await;
        let code = confirmation_code(secret, &self.key.public_key(), &claim.parent_public_key);
        (code, claim.parent_public_key)
    }

    /// A snapshot of this phone listing `parents`, with the next number.
    pub fn snapshot(&mut self, parents: &[(PublicKey, ParentRole)]) -> StatusSnapshot {
        self.snapshots += 1;
        StatusSnapshot {
            device_id: self.id.clone(),
            taken_at: unix_now(),
            seq: self.snapshots,
            safe_mode: true,
            band: AgeBand::From9To12,
            blocked_categories: vec!["gambling".to_owned()],
            allowed_hosts: vec!["school.example".to_owned()],
            denied_hosts: vec!["casino.example".to_owned()],
            approvals: Vec::new(),
            allowlist_only: false,
            safe_search: true,
            rules: vec!["Gambling sites are blocked.".to_owned()],
            lists_version: Some(7),
            lists_out_of_date_since: Some(1_700_000_000),
            lists_unavailable: false,
            last_sync: Some(unix_now() - 60),
            parents: parents
                .iter()
                .map(|&(public_key, role)| SnapshotParent { public_key, role })
                .collect(),
            carrier: None,
            provisional: false,
            line_deactivated: false,
            carrier_floor: Vec::new(),
        }
    }

    /// Sends `sealed` as this phone's status snapshot.
    pub async fn send_status(&self, sealed: &[u8]) {
        SyncClient::new(&self.url, true)
            .expect("the phone's part")
            .send_status(
                &self.key,
                &DeviceStatus {
                    lists_version: Some(7),
                    lists_out_of_date_since: None,
                    lists_unavailable: false,
                    snapshot: Some(URL_SAFE_NO_PAD.encode(sealed)),
                },
            )
            .await
            .expect("the phone's part");
    }

    /// Signs an access request with `signer` (the phone's own key, unless a test forges one)
    /// and relays it.
    pub async fn ask(&self, host: &str, signer: &SigningKey) -> String {
        let request = AccessRequest {
            request_id: new_report_id().expect("the phone's part"),
            device_id: self.id.clone(),
            url: format!("https://{host}/"),
            host: host.to_owned(),
            requested_at: unix_now(),
        };
        self.relay(
            MessageKind::AccessRequest,
            request.sign(signer).expect("the phone's part"),
        )
        .await;
        request.request_id
    }

    /// Relays a signed blob of `kind` to the phone's parents.
    pub async fn relay(&self, kind: MessageKind, blob: Vec<u8>) {
        SyncClient::new(&self.url, true)
            .expect("the phone's part")
            .send_message(
                &self.key,
                &OutgoingMessage {
                    kind,
                    blob: URL_SAFE_NO_PAD.encode(blob),
                },
            )
            .await
            .expect("the phone's part");
    }

    /// Uploads a report of `kind`; its id.
    pub async fn upload(&self, kind: ReportKind) -> String {
        let report = UploadedReport {
            id: new_report_id().expect("the phone's part"),
            kind,
            created_at: unix_now(),
            urls: Vec::new(),
            reported_user: None,
            notes: Some("help".to_owned()),
            screenshot_text: None,
            location: None,
            helpline_only: false,
        };
        SyncClient::new(&self.url, true)
            .expect("the phone's part")
            .upload_reports(
                &self.key,
                &new_report_id().expect("the phone's part"),
                &ReportBatch {
                    reports: vec![report.clone()],
                },
            )
            .await
            .expect("the phone's part");
        report.id
    }

    /// The parent commands waiting for the phone, verified against `parent` as the phone would.
    pub async fn commands_from(&self, parent: &PublicKey) -> Vec<ParentCommand> {
        let mailbox = SyncClient::new(&self.url, true)
            .expect("the phone's part")
            .messages(&self.key, 0)
            .await
            .expect("the phone's part");
        mailbox
            .messages
            .into_iter()
            .filter(|message| message.kind == MessageKind::Command)
            .map(|message| {
                let blob = URL_SAFE_NO_PAD
                    .decode(message.blob)
                    .expect("the phone's part");
                ParentCommand::verify(&blob, std::slice::from_ref(parent), &self.id)
                    .expect("the phone's part")
                    .command
            })
            .collect()
    }

    async fn post<B: serde::Serialize>(&self, path: &str, body: &B) {
        let body = serde_json::to_vec(body).expect("the phone's part");
        let response = self.signed(reqwest::Method::POST, path, body).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self.signed(reqwest::Method::GET, path, Vec::new()).await;
        assert!(response.status().is_success(), "{path}");
        response.json().await.expect("the phone's part")
    }

    async fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        let headers = request_signing::sign_request(
            &self.key,
            PrincipalKind::Device,
            method.as_str(),
            path,
            unix_now(),
            "",
            &body,
        )
        .expect("the phone's part");
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.url));
        for (name, value) in headers.pairs() {
            request = request.header(name, value);
        }
        if !body.is_empty() {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        request.send().await.expect("the phone's part")
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
