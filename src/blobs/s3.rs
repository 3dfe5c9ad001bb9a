//! An S3-compatible blob remote: `s3://bucket/prefix`, objects `<prefix>/sha256/<2>/<62>`.
//!
//! A small blocking client rather than the async SDK stack: three requests (HEAD, GET, PUT) do
//! not justify tokio and minutes of extra build on two cores, and it keeps S3 in the default
//! build, so the test suite always exercises it. The S3 protocol is `rusty-s3`'s: it builds the
//! bucket's URLs (path style or virtual-hosted style) and signs them with AWS Signature V4 as
//! presigned URLs, without doing any I/O, so ureq sends them as plain requests. Signing is
//! security-sensitive and easy to get subtly wrong (canonical encoding, session tokens), so we use
//! a maintained implementation tested against AWS's examples instead of our own.
//!
//! Credentials and region come from the standard AWS places, in the SDKs' order: the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`), then the profile
//! (`AWS_PROFILE`, default `default`) in `~/.aws/credentials` and `~/.aws/config`, read by the
//! small INI reader below (the AWS dialect, `[profile name]` sections, is all we need of INI).
//! Without credentials, requests go unsigned (anonymous access to public buckets). Credentials
//! are never written anywhere: not into records, not into error messages (a presigned URL carries
//! the key id and session token in its query, so errors never show request URLs).

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use rusty_s3::{Bucket, BucketError, Credentials, S3Action, UrlStyle};

use super::Error;

/// How long a signed request stays valid. Each URL is signed just before it is sent and S3
/// checks the expiry when a request starts, so this only needs to cover clock skew and slow
/// connects; S3 accepts 1 s to 7 days.
const SIGNATURE_LIFETIME: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub struct S3Remote {
    /// The bucket's name, region and base URL: `endpoint/bucket/` for custom endpoints (MinIO,
    /// Ceph, moto… mostly lack per-bucket host names), `bucket.endpoint/` for AWS.
    bucket: Bucket,
    prefix: String,
    /// `None`: anonymous, requests go unsigned. (rusty-s3's `Debug` leaves out the secret.)
    credentials: Option<Credentials>,
    agent: ureq::Agent,
}

/// What the environment and the AWS files say about where and how to connect. (No `Debug`: an
/// endpoint may hold a password.)
struct Settings {
    region: String,
    /// A custom endpoint (path-style URLs) and where it was set, for error messages; `None`:
    /// AWS itself, at `https://s3.<region>.amazonaws.com` (virtual-hosted-style URLs).
    endpoint: Option<(String, &'static str)>,
    credentials: Option<Credentials>,
}

impl Settings {
    fn from_environment() -> Self {
        let profile = AwsFiles::load();
        let region = env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| profile.config("region"))
            .unwrap_or_else(|| "us-east-1".into());
        let endpoint = env("AWS_ENDPOINT_URL_S3")
            .map(|e| (e, "AWS_ENDPOINT_URL_S3"))
            .or_else(|| env("AWS_ENDPOINT_URL").map(|e| (e, "AWS_ENDPOINT_URL")))
            .or_else(|| profile.config("endpoint_url").map(|e| (e, "endpoint_url of the AWS profile")));
        let credentials = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
            (Some(key), Some(secret)) => Some(credentials(key, secret, env("AWS_SESSION_TOKEN"))),
            _ => profile.credentials(),
        };
        Self { region, endpoint, credentials }
    }
}

impl S3Remote {
    /// Parses `s3://bucket/prefix` and reads the AWS settings.
    pub fn new(url: &str) -> Result<Self, Error> {
        Self::with_settings(url, Settings::from_environment())
    }

    fn with_settings(url: &str, settings: Settings) -> Result<Self, Error> {
        // `s3://key:secret@bucket` must not be echoed: messages show the URL redacted.
        let bad = |detail: String| Error::BadRemote { remote: crate::redact::url(url).into_owned(), detail };
        let rest = url.strip_prefix("s3://").unwrap_or(url);
        let (name, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if name.contains('@') {
            return Err(bad("credentials do not belong in the URL, where they would be shown and stored; set \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or use an AWS profile"
                .into()));
        }
        if name.is_empty() {
            return Err(bad("no bucket in the URL (s3://bucket/prefix)".into()));
        }
        let prefix = prefix.trim_matches('/');
        // URLs resolve `.` and `..` segments, so such a prefix would address other keys.
        if prefix.split('/').any(|segment| segment == "." || segment == "..") {
            return Err(bad(format!("the prefix `{prefix}` has a `.` or `..` segment")));
        }
        let Settings { region, endpoint, credentials } = settings;
        let (endpoint, source, style) = match endpoint {
            Some((endpoint, source)) => (endpoint, source, UrlStyle::Path),
            None => (format!("https://s3.{region}.amazonaws.com"), "built from the region", UrlStyle::VirtualHost),
        };
        let shown = shown_endpoint(&endpoint);
        let parsed =
            endpoint.parse().map_err(|e| bad(format!("the endpoint `{shown}` ({source}) is not a URL: {e}")))?;
        let bucket = Bucket::new(parsed, style, name.to_owned(), region).map_err(|e| {
            bad(match (e, style) {
                (BucketError::ParseError(_), UrlStyle::VirtualHost) => {
                    format!("the bucket name `{name}` cannot be part of a host name, as AWS URLs need")
                }
                (BucketError::UnsupportedScheme, _) => {
                    format!("the endpoint `{shown}` ({source}) is not an http:// or https:// URL")
                }
                (BucketError::MissingHost, _) => format!("the endpoint `{shown}` ({source}) has no host"),
                (BucketError::ParseError(e), UrlStyle::Path) => {
                    format!("the endpoint `{shown}` ({source}) gives no bucket URL: {e}")
                }
            })
        })?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .build();
        Ok(Self { bucket, prefix: prefix.to_owned(), credentials, agent: config.into() })
    }

    pub fn describe(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket.name())
        } else {
            format!("s3://{}/{}", self.bucket.name(), self.prefix)
        }
    }

    fn key(&self, sha256: &str) -> String {
        let name = format!("sha256/{}/{}", &sha256[..2], &sha256[2..]);
        if self.prefix.is_empty() { name } else { format!("{}/{name}", self.prefix) }
    }

    /// Signs `action` now (leaves it unsigned without credentials) and sends it; `body` is a
    /// file to upload.
    fn send<'a, A: S3Action<'a>>(
        &self,
        action: A,
        body: Option<File>,
    ) -> Result<ureq::http::Response<ureq::Body>, Error> {
        // The real clock, not `clock::now()`: S3 refuses signatures more than 15 minutes off.
        let url: String = action.sign_with_time(SIGNATURE_LIFETIME, &crate::clock::wall()).into();
        let request = ureq::http::Request::builder().method(A::METHOD.to_str()).uri(&url);
        let result = match body {
            Some(file) => {
                request.body(file).map_err(|e| e.to_string()).and_then(|r| self.agent.run(r).map_err(|e| e.to_string()))
            }
            None => {
                request.body(()).map_err(|e| e.to_string()).and_then(|r| self.agent.run(r).map_err(|e| e.to_string()))
            }
        };
        result.map_err(|detail| Error::Unreachable { remote: self.describe(), detail: redact(&detail, &url) })
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
        let key = self.key(sha256);
        let mut response = self.send(self.bucket.head_object(self.credentials.as_ref(), &key), None)?;
        match response.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.failure(&format!("HEAD {key}"), &mut response)),
        }
    }

    pub fn put(&self, sha256: &str, file: File) -> Result<(), Error> {
        let key = self.key(sha256);
        // A presigned URL leaves the payload unsigned: the body streams from a file and S3
        // checks the bytes with Content-Length; the blob's sha256 is verified by every reader.
        let mut response = self.send(self.bucket.put_object(self.credentials.as_ref(), &key), Some(file))?;
        if response.status().is_success() { Ok(()) } else { Err(self.failure(&format!("PUT {key}"), &mut response)) }
    }

    /// Returns a reader over the stored (compressed) blob.
    pub fn get(&self, sha256: &str) -> Result<impl Read, Error> {
        let key = self.key(sha256);
        let mut response = self.send(self.bucket.get_object(self.credentials.as_ref(), &key), None)?;
        match response.status().as_u16() {
            200 => Ok(response.into_body().into_reader()),
            404 => Err(Error::MissingOnRemote { sha256: sha256.into(), remote: self.describe() }),
            _ => Err(self.failure(&format!("GET {key}"), &mut response)),
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn credentials(key: String, secret: String, token: Option<String>) -> Credentials {
    match token {
        Some(token) => Credentials::new_with_token(key, secret, token),
        None => Credentials::new(key, secret),
    }
}

/// Removes a presigned URL's query (key id, signature, session token) from an HTTP client's
/// error text, which may quote the URL; other URLs in it are redacted as everywhere
/// (`redact::urls_in`).
fn redact(detail: &str, url: &str) -> String {
    let detail = match url.split_once('?') {
        Some((_, query)) if !query.is_empty() => detail.replace(query, "[signature]"),
        _ => detail.to_owned(),
    };
    crate::redact::urls_in(&detail).into_owned()
}

/// Returns an endpoint fit for error messages: a `user:password@` part may be a secret. A URL
/// loses it as git shows URLs (`redact::url`); a `user:password@host` without a scheme too.
fn shown_endpoint(endpoint: &str) -> String {
    if endpoint.contains("://") {
        return crate::redact::url(endpoint).into_owned();
    }
    let authority = endpoint.split('/').next().unwrap_or(endpoint);
    match authority.rfind('@') {
        Some(at) => endpoint[at + 1..].to_owned(),
        None => endpoint.to_owned(),
    }
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
        Some(credentials(find("aws_access_key_id")?, find("aws_secret_access_key")?, find("aws_session_token")))
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

    fn settings(endpoint: Option<&str>, token: Option<&str>) -> Settings {
        Settings {
            region: "us-east-1".into(),
            endpoint: endpoint.map(|e| (e.to_owned(), "AWS_ENDPOINT_URL")),
            credentials: Some(credentials(
                "AKIAIOSFODNN7EXAMPLE".into(),
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
                token.map(str::to_owned),
            )),
        }
    }

    fn error(url: &str, settings: Settings) -> String {
        S3Remote::with_settings(url, settings).map(|r| r.describe()).unwrap_err().to_string()
    }

    /// AWS's published example of a presigned URL ("Authenticating Requests: Using Query
    /// Parameters", GET of `test.txt` in `examplebucket` on 2013-05-24, valid 86400 s), with the
    /// credentials as we build them: guards our wiring and a future rusty-s3 upgrade.
    #[test]
    fn signs_aws_published_example() {
        let mut remote = S3Remote::with_settings("s3://examplebucket", settings(None, None)).unwrap();
        // The example uses the legacy global endpoint; ours names the region in the host.
        assert_eq!(remote.bucket.base_url().as_str(), "https://examplebucket.s3.us-east-1.amazonaws.com/");
        let endpoint = "https://s3.amazonaws.com".parse().unwrap();
        remote.bucket = Bucket::new(endpoint, UrlStyle::VirtualHost, "examplebucket", "us-east-1").unwrap();
        let time = "2013-05-24T00:00:00Z".parse().unwrap();
        let action = remote.bucket.get_object(remote.credentials.as_ref(), "test.txt");
        let url = action.sign_with_time(Duration::from_secs(86400), &time);
        assert_eq!(
            url.as_str(),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
             &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
        );
        assert!(!url.as_str().contains("wJalrXUtnFEMI"), "the secret never appears in a URL");
    }

    #[test]
    fn builds_path_style_urls_for_custom_endpoints_and_signs_tokens() {
        let remote = S3Remote::with_settings(
            "s3://exp-bucket/team/runs/",
            settings(Some("http://127.0.0.1:5000/"), Some("TOKEN")),
        )
        .unwrap();
        assert_eq!(remote.describe(), "s3://exp-bucket/team/runs");
        let key = remote.key(&"ab".repeat(32));
        assert_eq!(key, format!("team/runs/sha256/ab/{}", "ab".repeat(31)));
        let url = remote.bucket.head_object(remote.credentials.as_ref(), &key).sign(SIGNATURE_LIFETIME);
        assert!(url.as_str().starts_with(&format!("http://127.0.0.1:5000/exp-bucket/{key}?")), "{url}");
        assert!(url.as_str().contains("X-Amz-Security-Token=TOKEN"), "{url}");
        assert!(url.as_str().contains("X-Amz-Expires=900"), "{url}");

        let anonymous = Settings { credentials: None, ..settings(Some("http://127.0.0.1:5000"), None) };
        let remote = S3Remote::with_settings("s3://exp-bucket", anonymous).unwrap();
        let url = remote.bucket.get_object(remote.credentials.as_ref(), "k").sign(SIGNATURE_LIFETIME);
        assert_eq!(url.as_str(), "http://127.0.0.1:5000/exp-bucket/k", "no credentials: unsigned");
    }

    #[test]
    fn rejects_unusable_remotes_by_name_without_secrets() {
        assert_eq!(
            error("s3:///prefix", settings(None, None)),
            "cannot use the blob remote s3:///prefix: no bucket in the URL (s3://bucket/prefix)"
        );
        assert_eq!(
            error("s3://b/a/../c", settings(None, None)),
            "cannot use the blob remote s3://b/a/../c: the prefix `a/../c` has a `.` or `..` segment"
        );
        assert_eq!(
            error("s3://Bad_Bucket", settings(None, None)),
            "cannot use the blob remote s3://Bad_Bucket: the bucket name `Bad_Bucket` cannot be part of a host \
             name, as AWS URLs need"
        );
        assert_eq!(
            error("s3://b", settings(Some("ftp://user:hunter2@host/x"), None)),
            "cannot use the blob remote s3://b: the endpoint `ftp://host/x` (AWS_ENDPOINT_URL) is \
             not an http:// or https:// URL"
        );
        assert_eq!(
            error("s3://b", settings(Some("localhost:9000"), None)),
            "cannot use the blob remote s3://b: the endpoint `localhost:9000` (AWS_ENDPOINT_URL) has no host"
        );
        assert_eq!(
            error("s3://b", settings(Some("no endpoint"), None)),
            "cannot use the blob remote s3://b: the endpoint `no endpoint` (AWS_ENDPOINT_URL) is not a URL: \
             relative URL without a base"
        );
    }

    #[test]
    fn redacts_signatures_and_endpoint_passwords() {
        let url = "http://h/b/k?X-Amz-Credential=AKIA&X-Amz-Security-Token=T&X-Amz-Signature=S";
        assert_eq!(redact(&format!("bad uri {url}: oops"), url), "bad uri http://h/b/k?[signature]: oops");
        assert_eq!(redact("connection refused", url), "connection refused");
        assert_eq!(shown_endpoint("https://u:p@host:9000/path"), "https://host:9000/path");
        assert_eq!(shown_endpoint("https://host/a@b"), "https://host/a@b");
        assert_eq!(shown_endpoint("u:p@host"), "host");
        let err = error("s3://AKIAKEY:hunter2@bucket/p", settings(None, None));
        assert!(!err.contains("hunter2") && !err.contains("AKIAKEY"), "{err}");
        assert!(err.starts_with("cannot use the blob remote s3://bucket/p: credentials do not belong"), "{err}");
    }

    #[test]
    fn reads_profiles() {
        let text = "[default]\naws_access_key_id = A\n\n[profile work]\nregion = eu-west-1 \n# c\n";
        assert_eq!(ini::section(text, "default").and_then(|s| s.get("aws_access_key_id")), Some("A".into()));
        assert_eq!(ini::section(text, "profile work").and_then(|s| s.get("region")), Some("eu-west-1".into()));
        assert!(ini::section(text, "nope").is_none());
    }
}
