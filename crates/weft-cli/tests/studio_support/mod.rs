//! Running `weft studio` from a test and talking HTTP to it with plain
//! `std::net::TcpStream` (shared by the API tests and the browser tests).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running `weft studio`, killed when dropped.
pub struct Studio {
    child: Child,
    /// The server's standard output, kept open while it runs.
    _stdout: BufReader<std::process::ChildStdout>,
    /// The port it listens on.
    pub port: u16,
}

impl Studio {
    /// Starts `weft studio ARGS` from the repository root and reads its
    /// address from the first line it prints.
    pub fn spawn(args: &[&str]) -> Studio {
        let mut child = Command::new(env!("CARGO_BIN_EXE_weft"))
            .arg("studio")
            .args(args)
            .current_dir(root())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("weft runs");
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        let port = first
            .trim_end()
            .strip_prefix("weft studio: http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
        Studio { child, _stdout: stdout, port }
    }

    /// Sends SIGINT (what Ctrl-C sends) and waits for the server to end.
    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        self.child.wait().unwrap()
    }

    /// The page's address.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// Sends a request with extra header lines; returns the status and
    /// the body.
    pub fn request(&self, method: &str, path: &str, headers: &[&str], body: &str) -> (u16, String) {
        let default_host = format!("Host: 127.0.0.1:{}", self.port);
        let has_host = headers.iter().any(|h| h.to_ascii_lowercase().starts_with("host:"));
        let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
        if !has_host {
            request.push_str(&default_host);
            request.push_str("\r\n");
        }
        for h in headers {
            request.push_str(h);
            request.push_str("\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        http(self.port, &request)
    }

    /// `GET path` as JSON (panics on a status other than 200).
    pub fn get(&self, path: &str) -> Value {
        let (status, body) = self.request("GET", path, &[], "");
        assert_eq!(status, 200, "GET {path}: {body}");
        serde_json::from_str(&body).unwrap()
    }

    /// `POST path` with a JSON body, as JSON (panics on a status other
    /// than 200).
    pub fn post(&self, path: &str, body: &str) -> Value {
        let (status, text) = self.request("POST", path, &["Content-Type: application/json"], body);
        assert_eq!(status, 200, "POST {path}: {text}");
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Studio {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `request` to 127.0.0.1:`port` and reads the answer: status and
/// body (by `Content-Length`, chunks, or up to the end of the connection).
pub fn http(port: u16, request: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (mut length, mut chunked) = (None, false);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line.trim_end().is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap_or((&line, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader.read_exact(&mut body).unwrap();
    } else {
        reader.read_to_end(&mut body).unwrap();
    }
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// The strings of a JSON array.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// A temporary `.wat` file holding `text`.
pub fn wat_file(text: &str) -> tempfile::TempPath {
    let mut file = tempfile::Builder::new().suffix(".wat").tempfile().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.into_temp_path()
}
