//! Shared set-up for the integration tests: a backend on a free port and a keyed client.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use reqwest::{Client, RequestBuilder};
use serde_json::Value;
use switchboard_demo_backend::{DEMO_API_KEY_HEADER, DemoBackend};

pub struct Demo {
    pub addr: SocketAddr,
    pub backend: DemoBackend,
    pub client: Client,
}

pub async fn start() -> Demo {
    let (addr, backend) = DemoBackend::spawn_local()
        .await
        .expect("demo backend starts");
    Demo {
        addr,
        backend,
        client: client(Duration::from_secs(10)),
    }
}

pub fn client(timeout: Duration) -> Client {
    Client::builder()
        .timeout(timeout)
        .build()
        .expect("client builds")
}

impl Demo {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A request to `/api/v2{path}` carrying the demo key.
    pub fn api(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.api_with(&self.client, method, path)
    }

    /// Same, on another client (e.g. one with a short timeout).
    pub fn api_with(&self, client: &Client, method: reqwest::Method, path: &str) -> RequestBuilder {
        client
            .request(method, self.url(&format!("/api/v2{path}")))
            .header(DEMO_API_KEY_HEADER, "demo-key")
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.api(reqwest::Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.api(reqwest::Method::POST, path)
    }

    /// GET `/api/v2{path}` and return status and JSON body.
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        send_json(self.get(path)).await
    }
}

/// Sends a request and returns its status and JSON body.
pub async fn send_json(request: RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("request is answered");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("body is JSON");
    (status, body)
}

/// Asserts a JSON error body with this code.
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "error body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error has a message: {body}"
    );
}
