//! The real `childsafe-backend` binary: `serve` prints its address once it answers and stops
//! cleanly on SIGTERM, signs server time with the key the operator gives it, `tokens create`
//! mints tokens that register devices, and `export` prints the hotline queue as JSON Lines. Each story runs on a sled directory and, when the test
//! support has a server, on a PostgreSQL database. sled allows one process at a time, so the
//! commands take turns on the same state.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};

use childsafe_backend::clock::unix_now;
use childsafe_crypto::SigningKey;
use childsafe_protocol::operator::{HelplineReport, HotlineReport};
use childsafe_protocol::report::new_report_id;
use childsafe_protocol::report::{ReportKind, UploadedReport};
use childsafe_protocol::request_signing::{
    HEADER_IDEMPOTENCY_KEY, PrincipalKind, registration_proof, sign_request,
};
use childsafe_protocol::wire::{DeviceRegistration, ReportBatch, ServerInfo};

const BINARY: &str = env!("CARGO_BIN_EXE_childsafe-backend");
const OPERATOR_TOKEN: &str = "cli-test-operator-token";

/// Where the binary keeps its state: the storage arguments of every command, and what keeps
/// that state alive for the test.
struct Place {
    name: &'static str,
    storage_args: Vec<String>,
    dir: tempfile::TempDir,
    _database: Option<support::Guard>,
}

impl Place {
    /// Runs a command with this place's storage arguments after `args`.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BINARY)
            .args(args)
            .args(&self.storage_args)
            .env_remove("CHILDSAFE_OPERATOR_TOKEN")
            .output()
            .unwrap()
    }

    /// The standard output lines of a command that must succeed.
    fn lines(&self, args: &[&str]) -> Vec<String> {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "[{}] {args:?} failed: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// A file in the test's own directory.
    fn file(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

/// A fresh sled directory, and a fresh PostgreSQL database when the support has a server.
async fn places() -> Vec<Place> {
    let mut places = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let sled_dir = dir.path().join("db").to_str().unwrap().to_owned();
    places.push(Place {
        name: "sled",
        storage_args: vec!["--data".to_owned(), sled_dir],
        dir,
        _database: None,
    });
    if let Some((url, guard)) = support::fresh_postgres_database().await {
        places.push(Place {
            name: "postgres",
            storage_args: vec!["--database-url".to_owned(), url],
            dir: tempfile::tempdir().unwrap(),
            _database: Some(guard),
        });
    }
    places
}

/// A `serve` process, stopped with SIGTERM.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(place: &Place, extra: &[&str]) -> Self {
        let mut child = Self::spawn(place, extra);
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("[{}] unexpected first line {line:?}", place.name))
            .to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        Served { child, url }
    }

    /// `serve` on a free loopback port, its standard output piped.
    fn spawn(place: &Place, extra: &[&str]) -> Child {
        Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .args(&place.storage_args)
            .env_remove("CHILDSAFE_OPERATOR_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn stop(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // Only does something when a test failed before `stop`: the process must not outlive it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn tokens_serve_and_export_work_together() {
    for place in places().await {
        // Tokens minted with the server stopped.
        let tokens = place.lines(&["tokens", "create", "--count", "3"]);
        assert_eq!(tokens.len(), 3);
        assert!(tokens.iter().all(|token| token.len() == 43));

        let token_file = place.file("operator-token", &format!("{OPERATOR_TOKEN}\n"));
        let served = Served::start(&place, &["--operator-token-file", &token_file]);
        let http = reqwest::Client::new();
        let info = http.get(format!("{}/v1/server", served.url)).send().await;
        assert_eq!(info.unwrap().status(), 200);

        // Each token registers one device, once.
        let mut devices = Vec::new();
        for token in &tokens {
            let (key, _) = SigningKey::generate().unwrap();
            assert_eq!(register(&http, &served.url, &key, token).await, 201);
            devices.push(key);
        }
        let (late, _) = SigningKey::generate().unwrap();
        assert_eq!(register(&http, &served.url, &late, &tokens[0]).await, 401);

        // A grooming report reaches the hotline queue the operator reads.
        let report = grooming_report();
        upload(&http, &served.url, &devices[0], &report).await;
        // A bullying report the child kept from the parents reaches the helpline queue.
        let kept = UploadedReport {
            id: new_report_id().unwrap(),
            kind: ReportKind::Bullying,
            notes: Some("they won't stop messaging me".to_owned()),
            helpline_only: true,
            ..grooming_report()
        };
        upload(&http, &served.url, &devices[1], &kept).await;
        let queue = http
            .get(format!("{}/v1/operator/hotline-queue", served.url))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(queue.status(), 200);
        assert!(
            served.stop().success(),
            "[{}] SIGTERM is a clean stop",
            place.name
        );

        // The export reads the same state once the server is gone.
        let lines = place.lines(&["export", "--queue", "hotline"]);
        assert_eq!(lines.len(), 1, "[{}]", place.name);
        let exported: HotlineReport = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(exported.report_id, report.id);
        assert_eq!(exported.hotline, "IWF");
        assert_eq!(exported.urls, report.urls);
        let lines = place.lines(&["export", "--queue", "helpline"]);
        assert_eq!(lines.len(), 1, "[{}]", place.name);
        let exported: HelplineReport = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(exported.report_id, kept.id);
        assert_eq!(exported.helpline, "Childline");
        assert_eq!(exported.notes, kept.notes);
    }
}

#[tokio::test]
async fn the_operator_api_is_off_without_a_token_and_retention_is_checked() {
    for place in places().await {
        let served = Served::start(&place, &[]);
        let reply = reqwest::Client::new()
            .get(format!("{}/v1/operator/hotline-queue", served.url))
            .bearer_auth("anything")
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 403);
        let body: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(body["error"], "operator_api_disabled");
        assert!(served.stop().success());

        let refused = place.run(&["serve", "--hotline-retention-days", "365"]);
        assert!(!refused.status.success());
        assert!(String::from_utf8_lossy(&refused.stderr).contains("366"));
        let refused = place.run(&["serve", "--parent-registrations-per-address", "0"]);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("--parent-registrations-per-address")
        );
        assert!(place.lines(&["export", "--queue", "hotline"]).is_empty());
        assert!(place.lines(&["export", "--queue", "helpline"]).is_empty());
        assert!(
            !place
                .run(&["tokens", "create", "--count", "0"])
                .status
                .success()
        );
    }
}

#[tokio::test]
async fn the_operator_s_time_key_signs_the_server_s_time() {
    for place in places().await {
        let (key, pkcs8) = SigningKey::generate().unwrap();
        let key_file = place.dir.path().join("time.key");
        std::fs::write(&key_file, pkcs8).unwrap();
        let key_file = key_file.to_str().unwrap();
        let served = Served::start(&place, &["--time-key-file", key_file]);
        let info: ServerInfo = reqwest::get(format!("{}/v1/server", served.url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(info.time_key, key.public_key(), "[{}]", place.name);
        assert!(served.stop().success());

        let not_a_key = place.file("not-a-key", "hello");
        let refused = place.run(&["serve", "--time-key-file", &not_a_key]);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("PKCS#8"),
            "[{}] {refused:?}",
            place.name
        );
    }
}

fn grooming_report() -> UploadedReport {
    UploadedReport {
        id: new_report_id().unwrap(),
        kind: ReportKind::Grooming,
        created_at: unix_now(),
        urls: vec!["https://chat.example/room/7".to_owned()],
        reported_user: None,
        notes: None,
        screenshot_text: None,
        location: None,
        helpline_only: false,
    }
}

async fn register(http: &reqwest::Client, url: &str, key: &SigningKey, token: &str) -> u16 {
    let registration = DeviceRegistration {
        line: None,
        activation_token: token.to_owned(),
        public_key: key.public_key(),
        country: "GB".to_owned(),
        proof: registration_proof(key, PrincipalKind::Device, token),
    };
    http.post(format!("{url}/v1/devices"))
        .json(&registration)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Uploads one report the way the SDK signs it.
async fn upload(http: &reqwest::Client, url: &str, device: &SigningKey, report: &UploadedReport) {
    let body = serde_json::to_vec(&ReportBatch {
        reports: vec![report.clone()],
    })
    .unwrap();
    let path = "/v1/device/reports";
    let key = "cli-upload";
    let signed = sign_request(
        device,
        PrincipalKind::Device,
        "POST",
        path,
        unix_now(),
        key,
        &body,
    )
    .unwrap();
    let mut request = http
        .post(format!("{url}{path}"))
        .header("content-type", "application/json")
        .header(HEADER_IDEMPOTENCY_KEY, key)
        .body(body);
    for (name, value) in signed.pairs() {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 200);
}

/// A supervisor may stop the server as soon as it reads the line it waits for: the signal must
/// already be caught then, so the server shuts down cleanly instead of being killed by it. A shell
/// already waiting on the server's output sends the signal within microseconds of the line.
#[tokio::test]
async fn a_stop_right_after_the_listening_line_is_a_clean_shutdown() {
    for place in places().await {
        for attempt in 0..12 {
            let mut server = Served::spawn(&place, &[]);
            let supervisor = Command::new("sh")
                .args([
                    "-c",
                    "read -r line && kill -TERM \"$SERVER\" && echo \"$line\"",
                ])
                .env("SERVER", server.id().to_string())
                .stdin(Stdio::from(server.stdout.take().unwrap()))
                .output()
                .unwrap();
            let line = String::from_utf8_lossy(&supervisor.stdout);
            assert!(
                line.starts_with("listening on "),
                "[{}] {line:?}",
                place.name
            );
            let status = server.wait().unwrap();
            assert!(
                status.success(),
                "[{}] attempt {attempt}: {status}",
                place.name
            );
        }
    }
}
