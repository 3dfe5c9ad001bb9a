//! An S3-compatible blob remote: `s3://bucket/prefix`, objects `<prefix>/sha256/<2>/<62>`.
//!
//! A small blocking client (ureq + AWS Signature V4) rather than the async SDK stack: three
//! requests (HEAD, GET, PUT) do not justify tokio and minutes of extra build on two cores, and
//! it keeps S3 in the default build, so the test suite always exercises it.
//!
//! Credentials and region come from the standard AWS places, in the SDKs' order: the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), then the profile
//! (`AWS_PROFILE`, default `default`) in `~/.aws/credentials` and `~/.aws/config`. They are never
//! written anywhere: not into records, not into error messages.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use hmac::{Hmac, Mac as _};
use sha2::{Digest as _, Sha256};

use super::Error;

/// Payload hash sent for uploads: the body streams from a file and S3 checks the bytes with
/// Content-Length; the blob's own sha256 is verified by every reader anyway.
const UNSIGNED: &str = "UNSIGNED-PAYLOAD";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Clone)]
struct Credentials {
    key_id: String,
    secret: String,
    token: Option<String>,
}

// Never print the secret, even in debug output.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct S3Remote {
    bucket: String,
    prefix: String,
    /// `scheme://host[:port]` without a trailing slash.
    endpoint: String,
    /// Custom endpoints (MinIO, Ceph, moto…) mostly want `endpoint/bucket/key`; AWS wants
    /// `bucket.endpoint/key`.
    path_style: bool,
    region: String,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
}

impl S3Remote {
    /// Parses `s3://bucket/prefix` and reads the AWS settings.
    pub fn new(url: &str) -> Result<Self, Error> {
        let rest = url.strip_prefix("s3://").unwrap_or(url);
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Remote {
                remote: url.into(),
                detail: "no bucket in the URL (s3://bucket/prefix)".into(),
            });
        }
        let profile = AwsFiles::load();
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile.config("region"))
            .unwrap_or_else(|| "us-east-1".into());
        let custom =
            env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL")).or_else(|| profile.config("endpoint_url"));
        let path_style = custom.is_some();
        let endpoint = custom.unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(key_id), Some(secret)) => Some(Credentials { key_id, secret, token: env("AWS_SESSION_TOKEN") }),
            _ => profile.credentials(),
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .build();
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            path_style,
            region,
            credentials,
            agent: config.into(),
        })
    }

    pub fn describe(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    fn key(&self, sha256: &str) -> String {
        let name = format!("sha256/{}/{}", &sha256[..2], &sha256[2..]);
        if self.prefix.is_empty() { name } else { format!("{}/{name}", self.prefix) }
    }

    /// Returns `(url, host, canonical path)` of an object.
    fn locate(&self, key: &str) -> (String, String, String) {
        let (scheme, host) = self.endpoint.split_once("://").unwrap_or(("https", &self.endpoint));
        let encoded_key = uri_encode(key, false);
        if self.path_style {
            let path = format!("/{}/{encoded_key}", uri_encode(&self.bucket, true));
            (format!("{scheme}://{host}{path}"), host.to_owned(), path)
        } else {
            let host = format!("{}.{host}", self.bucket);
            let path = format!("/{encoded_key}");
            (format!("{scheme}://{host}{path}"), host, path)
        }
    }

    /// Sends one signed request; `body` is a file to upload.
    fn send(&self, method: &str, sha256: &str, body: Option<File>) -> Result<ureq::http::Response<ureq::Body>, Error> {
        let (url, host, path) = self.locate(&self.key(sha256));
        let payload = if body.is_some() { UNSIGNED } else { EMPTY_SHA256 };
        let now = crate::clock::wall();
        let amz_date = now.strftime("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = vec![
            ("host".to_owned(), host),
            ("x-amz-content-sha256".to_owned(), payload.to_owned()),
            ("x-amz-date".to_owned(), amz_date.clone()),
        ];
        if let Some(token) = self.credentials.as_ref().and_then(|c| c.token.clone()) {
            headers.push(("x-amz-security-token".to_owned(), token));
        }
        let authorization =
            self.credentials.as_ref().map(|c| sign(c, &self.region, method, &path, &headers, payload, &amz_date));
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers.iter().filter(|(n, _)| n != "host") {
            request = request.header(name, value);
        }
        if let Some(auth) = authorization {
            request = request.header("authorization", auth);
        }
        let result = match body {
            Some(file) => {
                request.body(file).map_err(|e| e.to_string()).and_then(|r| self.agent.run(r).map_err(|e| e.to_string()))
            }
            None => {
                request.body(()).map_err(|e| e.to_string()).and_then(|r| self.agent.run(r).map_err(|e| e.to_string()))
            }
        };
        result.map_err(|detail| Error::Unreachable { remote: self.describe(), detail })
    }

    fn failure(&self, what: &str, response: &mut ureq::http::Response<ureq::Body>) -> Error {
        let status = response.status();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        // S3 errors are XML: `<Code>NoSuchBucket</Code>` is the useful part.
        let code = text.split("<Code>").nth(1).and_then(|s| s.split("</Code>").next()).unwrap_or("");
        let detail =
            if code.is_empty() { format!("{status} to {what}") } else { format!("{status} ({code}) to {what}") };
        Error::Remote { remote: self.describe(), detail }
    }

    pub fn has(&self, sha256: &str) -> Result<bool, Error> {
        let mut response = self.send("HEAD", sha256, None)?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.failure(&format!("HEAD {}", self.key(sha256)), &mut response)),
        }
    }

    pub fn put(&self, sha256: &str, file: File) -> Result<(), Error> {
        let mut response = self.send("PUT", sha256, Some(file))?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(self.failure(&format!("PUT {}", self.key(sha256)), &mut response))
        }
    }

    /// Returns a reader over the stored (compressed) blob.
    pub fn get(&self, sha256: &str) -> Result<impl Read, Error> {
        let mut response = self.send("GET", sha256, None)?;
        match response.status().as_u16() {
            200 => Ok(response.into_body().into_reader()),
            404 => Err(Error::MissingOnRemote { sha256: sha256.into(), remote: self.describe() }),
            _ => Err(self.failure(&format!("GET {}", self.key(sha256)), &mut response)),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The AWS Signature Version 4 `Authorization` header for a request without a query string.
fn sign(
    creds: &Credentials,
    region: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    payload: &str,
    amz_date: &str,
) -> String {
    let mut sorted: Vec<&(String, String)> = headers.iter().collect();
    sorted.sort();
    let canonical_headers: String = sorted.iter().map(|(n, v)| format!("{n}:{}\n", v.trim())).collect();
    let signed_headers = sorted.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(";");
    let canonical = format!("{method}\n{path}\n\n{canonical_headers}\n{signed_headers}\n{payload}");
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/s3/aws4_request");
    let to_sign =
        format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", hex::encode(Sha256::digest(canonical.as_bytes())));
    let mut key = hmac(format!("AWS4{}", creds.secret).as_bytes(), date.as_bytes());
    for part in [region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.key_id
    )
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Percent-encodes everything but the unreserved characters (and `/` unless `slash`).
fn uri_encode(text: &str, slash: bool) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            b'/' if !slash => out.push('/'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `~/.aws/credentials` and `~/.aws/config` for the selected profile.
struct AwsFiles {
    credentials: Option<ini::Section>,
    config: Option<ini::Section>,
}

impl AwsFiles {
    fn load() -> Self {
        let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        let read = |var: &str, default: &str| {
            let path = env(var).map(PathBuf::from).unwrap_or_else(|| home.join(".aws").join(default));
            std::fs::read_to_string(path).unwrap_or_default()
        };
        let credentials = ini::section(&read("AWS_SHARED_CREDENTIALS_FILE", "credentials"), &profile);
        let config_name = if profile == "default" { profile.clone() } else { format!("profile {profile}") };
        let config = ini::section(&read("AWS_CONFIG_FILE", "config"), &config_name);
        Self { credentials, config }
    }

    fn config(&self, key: &str) -> Option<String> {
        self.config.as_ref()?.get(key)
    }

    fn credentials(&self) -> Option<Credentials> {
        let find = |key: &str| {
            self.credentials.as_ref().and_then(|s| s.get(key)).or_else(|| self.config.as_ref().and_then(|s| s.get(key)))
        };
        Some(Credentials {
            key_id: find("aws_access_key_id")?,
            secret: find("aws_secret_access_key")?,
            token: find("aws_session_token"),
        })
    }
}

/// The INI dialect of the AWS files: `[section]`, `key = value`, `#`/`;` comments.
mod ini {
    pub struct Section(Vec<(String, String)>);

    impl Section {
        pub fn get(&self, key: &str) -> Option<String> {
            self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        }
    }

    pub fn section(text: &str, name: &str) -> Option<Section> {
        let mut current: Option<&str> = None;
        let mut found: Option<Vec<(String, String)>> = None;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                current = Some(header.trim());
                if current == Some(name) {
                    found.get_or_insert_with(Vec::new);
                }
                continue;
            }
            if current == Some(name)
                && let Some((k, v)) = line.split_once('=')
            {
                found.get_or_insert_with(Vec::new).push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        found.map(Section)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of AWS's "Signature Version 4 signing" documentation (GET Object of
    /// `/test.txt` in `examplebucket`, with a Range header left out here), recomputed.
    #[test]
    fn signature_is_stable_and_depends_on_every_input() {
        let creds = Credentials {
            key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            token: None,
        };
        let headers = vec![
            ("host".to_owned(), "examplebucket.s3.amazonaws.com".to_owned()),
            ("x-amz-content-sha256".to_owned(), EMPTY_SHA256.to_owned()),
            ("x-amz-date".to_owned(), "20130524T000000Z".to_owned()),
        ];
        let auth = sign(&creds, "us-east-1", "GET", "/test.txt", &headers, EMPTY_SHA256, "20130524T000000Z");
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature="
        ));
        let other = sign(&creds, "eu-west-1", "GET", "/test.txt", &headers, EMPTY_SHA256, "20130524T000000Z");
        assert_ne!(auth, other);
        assert!(!auth.contains("wJalrXUtnFEMI"), "the secret never appears in the header");
    }

    #[test]
    fn reads_profiles_and_encodes_keys() {
        let text = "[default]\naws_access_key_id = A\n\n[profile work]\nregion = eu-west-1 \n# c\n";
        assert_eq!(ini::section(text, "default").and_then(|s| s.get("aws_access_key_id")), Some("A".into()));
        assert_eq!(ini::section(text, "profile work").and_then(|s| s.get("region")), Some("eu-west-1".into()));
        assert!(ini::section(text, "nope").is_none());
        assert_eq!(uri_encode("a b/c+d", false), "a%20b/c%2Bd");
        assert_eq!(uri_encode("a/b", true), "a%2Fb");
    }
}
