//! A small static file server for `git exp report --serve`: GET and HEAD of the files inside one
//! directory, nothing else. It binds where it is told (127.0.0.1 by default, never all
//! interfaces unless the address says so), refuses every path that leaves the directory (`..`,
//! hidden files, symbolic links out of it), bounds what it reads of a request, and sends the
//! report's Content-Security-Policy with every response.
//!
//! std::net and a thread per connection: a report is served to one person's browser, and the
//! watch loop around it needs nothing an async runtime or a server crate would add.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The longest request line and header line read; longer ones are refused.
const MAX_LINE: usize = 8 << 10;
/// The most header lines read.
const MAX_HEADERS: usize = 100;
/// A client that sends nothing for this long is dropped.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Connections answered at once; more are closed unanswered, so that a flood of connections
/// cannot start threads without end.
const MAX_CONNECTIONS: usize = 64;

/// A bound server; [`Server::spawn`] starts answering.
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
    csp: String,
}

/// Reads `--serve`'s address: `PORT` (on 127.0.0.1), `HOST:PORT` or `[IPv6]:PORT`.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .ok_or_else(|| format!("`{text}` is not an address such as 127.0.0.1:8000 or a port such as 8000"))
}

impl Server {
    /// Binds `addr` to serve the files of `root`; every response carries `csp`.
    pub fn bind(addr: SocketAddr, root: &Path, csp: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr)?;
        let root = root.canonicalize()?;
        Ok(Self { listener, root, csp: csp.to_owned() })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Answers requests on a thread of its own until `stop` is set.
    pub fn spawn(self, stop: Arc<AtomicBool>) -> std::io::Result<JoinHandle<()>> {
        // Non-blocking accept, so that the loop sees `stop` within a tenth of a second.
        self.listener.set_nonblocking(true)?;
        let shared = Arc::new((self.root, self.csp));
        let open = Arc::new(AtomicUsize::new(0));
        Ok(std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match self.listener.accept() {
                    Ok((stream, _)) if open.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS => {
                        open.fetch_sub(1, Ordering::SeqCst);
                        drop(stream);
                    }
                    Ok((stream, _)) => {
                        let (shared, open) = (Arc::clone(&shared), Arc::clone(&open));
                        std::thread::spawn(move || {
                            // A client that hangs up mid-answer is no error of ours.
                            let _ = answer(stream, &shared.0, &shared.1);
                            open.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        }))
    }
}

/// Reads one request and answers it; the connection is closed after.
fn answer(stream: TcpStream, root: &Path, csp: &str) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let Some(request) = read_line(&mut reader)? else {
        return respond(&stream, 400, "text/plain; charset=utf-8", b"bad request\n", csp, false);
    };
    for _ in 0..MAX_HEADERS {
        match read_line(&mut reader)? {
            Some(line) if line.is_empty() => break,
            Some(_) => {}
            None => return respond(&stream, 400, "text/plain; charset=utf-8", b"bad request\n", csp, false),
        }
    }
    let mut parts = request.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head = method == "HEAD";
    if method != "GET" && !head {
        return respond(&stream, 405, "text/plain; charset=utf-8", b"only GET and HEAD\n", csp, false);
    }
    match resolve(root, target) {
        Some(path) => match std::fs::read(&path) {
            Ok(body) => respond(&stream, 200, content_type(&path), &body, csp, head),
            Err(_) => respond(&stream, 404, "text/plain; charset=utf-8", b"not found\n", csp, head),
        },
        None => respond(&stream, 404, "text/plain; charset=utf-8", b"not found\n", csp, head),
    }
}

/// A line of the request without its line end; `None` when it is too long, not text or absent.
fn read_line(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<String>> {
    let mut bytes = Vec::new();
    reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut bytes)?;
    if bytes.len() > MAX_LINE || !bytes.ends_with(b"\n") {
        return Ok(None);
    }
    Ok(String::from_utf8(bytes).ok().map(|s| s.trim_end_matches(['\r', '\n']).to_owned()))
}

fn respond(stream: &TcpStream, code: u16, kind: &str, body: &[u8], csp: &str, head: bool) -> std::io::Result<()> {
    let reason = match code {
        200 => "OK",
        400 => "Bad Request",
        405 => "Method Not Allowed",
        _ => "Not Found",
    };
    let mut out = std::io::BufWriter::new(stream);
    write!(
        out,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {csp}\r\nX-Content-Type-Options: nosniff\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        out.write_all(body)?;
    }
    out.flush()
}

/// The file a request target names inside `root`, or `None`: the path is percent-decoded, and
/// `..`, `.`-files, backslashes, NUL and anything that resolves outside `root` are refused.
pub fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let path = path.strip_prefix('/')?;
    let decoded = percent_decode(path)?;
    let mut full = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment.is_empty() {
            continue;
        }
        if segment.starts_with('.') || segment.contains(['\\', '\0']) {
            return None;
        }
        full.push(segment);
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        full.push("index.html");
    }
    let real = full.canonicalize().ok()?;
    (real.starts_with(root) && real.is_file()).then_some(real)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The type of a site file. The report gives artifacts a type-revealing extension only when a
/// browser never runs them (docs/REPORT.md), and every other file is served as bytes.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "log" | "md" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_root() {
        let dir = tempfile::tempdir().expect("a temporary directory can be made");
        let root = dir.path().canonicalize().expect("the directory exists");
        std::fs::create_dir_all(root.join("site/runs")).expect("writable");
        std::fs::write(root.join("site/index.html"), "i").expect("writable");
        std::fs::write(root.join("site/runs/a b.html"), "r").expect("writable");
        std::fs::write(root.join("site/.git-exp-report.json"), "{}").expect("writable");
        std::fs::write(root.join("secret"), "s").expect("writable");
        let site = root.join("site");
        assert_eq!(resolve(&site, "/"), Some(site.join("index.html")));
        assert_eq!(resolve(&site, "/index.html?x=1#q=a"), Some(site.join("index.html")));
        assert_eq!(resolve(&site, "/runs/a%20b.html"), Some(site.join("runs/a b.html")));
        for bad in ["/../secret", "/%2e%2e/secret", "/runs/../../secret", "/.git-exp-report.json", "x", "/%zz", "/runs"]
        {
            assert_eq!(resolve(&site, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("secret"), site.join("link")).expect("symlinks work");
            assert_eq!(resolve(&site, "/link"), None);
        }
    }

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("8000"), Ok(SocketAddr::from(([127, 0, 0, 1], 8000))));
        assert_eq!(parse_addr("127.0.0.1:0"), Ok(SocketAddr::from(([127, 0, 0, 1], 0))));
        assert!(parse_addr("nowhere").is_err());
    }
}
