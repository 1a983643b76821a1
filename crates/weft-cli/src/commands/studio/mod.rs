//! `weft studio`: step through a call in the browser. A web server on
//! `127.0.0.1` serves one page (`page/`, embedded in the binary) and the
//! JSON API it is built on; both drive a [`Session`] around the reference
//! engine's `Stepper`.
//!
//! The API (every answer is JSON; the POSTs answer with the new state):
//!
//! | request | what it does |
//! |---|---|
//! | `GET /api/state` | the machine state ([`session::State`]) |
//! | `GET /api/module` | the module's text, one line per instruction with its byte offset |
//! | `GET /api/memory?offset=A&len=N` | up to 64 KiB of memory 0 from address `A` |
//! | `POST /api/step` | one instruction |
//! | `POST /api/step_over` | one instruction; a call runs until it returns |
//! | `POST /api/step_out` | runs until the current function returns |
//! | `POST /api/run` | runs to the end or the next breakpoint |
//! | `POST /api/reset` | starts the call again |
//! | `POST /api/breakpoints` | sets the breakpoints: a JSON list of byte offsets |
//!
//! Only this machine can reach the server, and only under its own name: a
//! request whose `Host` is not `127.0.0.1:PORT` (or `localhost:PORT`) is
//! refused, so a web page cannot reach it by rebinding a DNS name to
//! 127.0.0.1; a POST must carry `Content-Type: application/json`, which a
//! page of another origin cannot send without the server's consent (a CORS
//! preflight the server never grants). Ctrl-C stops the server.

mod listing;
mod rules;
mod session;

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use tiny_http::{Header, Method, Request, Response, Server};

use crate::input::read_module;
use session::{Program, Session};

/// The page: HTML, CSS and JavaScript, no build step.
const INDEX_HTML: &str = include_str!("page/index.html");
const STUDIO_CSS: &str = include_str!("page/studio.css");
const STUDIO_JS: &str = include_str!("page/studio.js");

/// The largest request body read (a breakpoint list).
const MAX_BODY: u64 = 1 << 20;

/// Arguments of `weft studio`.
#[derive(clap::Args)]
pub struct Args {
    /// Call this export, with ARGS parsed by its parameter types (default:
    /// `_start`, with WASI, ARGS being the program's arguments).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Grant a host directory to the program, seen by it as GUEST (default:
    /// the host path as written).
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Listen on this port of 127.0.0.1 (default: any free port).
    #[arg(long, value_name = "N", default_value_t = 0)]
    port: u16,
    /// The module: `.wasm` or `.wat`.
    file: PathBuf,
    /// Arguments for the program (or for the invoked function).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `weft studio` until it is stopped.
pub fn run(args: &Args) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let bytes = read_module(&args.file)?;
    let dirs = args.dirs.iter().map(|spec| {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        (host.to_string(), guest.to_string())
    });
    let program =
        Program { file: args.file.clone(), invoke: args.invoke.clone(), args: args.args.clone(), dirs: dirs.collect() };
    let session = Session::new(program, &bytes)?;
    let server =
        Server::http(("127.0.0.1", args.port)).map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", args.port))?;
    let port = server.server_addr().to_ip().map_or(args.port, |a| a.port());
    let mut stdout = std::io::stdout();
    let hello =
        format!("weft studio: http://127.0.0.1:{port}/\nOpen that address in a browser; Ctrl-C stops the server.\n");
    // Whoever started the server may stop reading its output; it serves on.
    let _ = stdout.write_all(hello.as_bytes()).and_then(|()| stdout.flush());
    let mut studio = Studio { session, file: args.file.display().to_string(), port };
    for request in server.incoming_requests() {
        studio.handle(request);
    }
    Ok(ExitCode::SUCCESS)
}

/// The server's state: the session and what requests are checked against.
struct Studio {
    session: Session,
    file: String,
    port: u16,
}

/// An answer: status, content type, body.
struct Answer {
    status: u16,
    content_type: &'static str,
    body: String,
}

impl Answer {
    fn json(value: &impl Serialize) -> Answer {
        match serde_json::to_string(value) {
            Ok(body) => Answer { status: 200, content_type: "application/json", body },
            Err(e) => Answer::error(500, &e.to_string()),
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        #[derive(Serialize)]
        struct Error<'a> {
            error: &'a str,
        }
        let body = serde_json::to_string(&Error { error: message }).unwrap_or_default();
        Answer { status, content_type: "application/json", body }
    }

    fn asset(content_type: &'static str, body: &str) -> Answer {
        Answer { status: 200, content_type, body: body.to_string() }
    }
}

/// `GET /api/module`.
#[derive(Serialize)]
struct ModuleView<'a> {
    file: &'a str,
    lines: &'a [listing::Line],
}

impl Studio {
    fn handle(&mut self, mut request: Request) {
        let answer = self.answer(&mut request);
        let mut response = Response::from_string(answer.body).with_status_code(answer.status);
        for (name, value) in [
            ("Content-Type", answer.content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:"),
        ] {
            if let Ok(header) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(header);
            }
        }
        // The client may have gone away; nothing to do about it.
        let _ = request.respond(response);
    }

    fn answer(&mut self, request: &mut Request) -> Answer {
        if !self.host_allowed(request) {
            return Answer::error(403, "refused: the Host header must be this server's own loopback address");
        }
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        match (request.method(), path) {
            (Method::Get, "/") => Answer::asset("text/html; charset=utf-8", INDEX_HTML),
            (Method::Get, "/studio.css") => Answer::asset("text/css; charset=utf-8", STUDIO_CSS),
            (Method::Get, "/studio.js") => Answer::asset("text/javascript; charset=utf-8", STUDIO_JS),
            (Method::Get, "/api/state") => Answer::json(&self.session.state()),
            (Method::Get, "/api/module") => {
                Answer::json(&ModuleView { file: &self.file, lines: &self.session.listing().lines })
            }
            (Method::Get, "/api/memory") => match memory_query(query) {
                Ok((offset, len)) => Answer::json(&self.session.memory_bytes(offset, len)),
                Err(e) => Answer::error(400, &e),
            },
            (Method::Post, path) if path.starts_with("/api/") => {
                if !is_json(request) {
                    return Answer::error(415, "a POST must have Content-Type: application/json");
                }
                let mut body = String::new();
                if request.as_reader().take(MAX_BODY).read_to_string(&mut body).is_err() {
                    return Answer::error(400, "the body is not UTF-8");
                }
                self.post(path, &body)
            }
            (_, path) if path.starts_with("/api/") || matches!(path, "/" | "/studio.css" | "/studio.js") => {
                Answer::error(405, "method not allowed")
            }
            _ => Answer::error(404, "not found"),
        }
    }

    fn post(&mut self, path: &str, body: &str) -> Answer {
        let s = &mut self.session;
        match path {
            "/api/step" => s.step(),
            "/api/step_over" => s.step_over(),
            "/api/step_out" => s.step_out(),
            "/api/run" => s.run(),
            "/api/reset" => {
                if let Err(e) = s.reset() {
                    return Answer::error(500, &e.to_string());
                }
            }
            "/api/breakpoints" => match serde_json::from_str::<Vec<usize>>(body) {
                Ok(offsets) => s.set_breakpoints(offsets),
                Err(e) => return Answer::error(400, &format!("expected a JSON list of byte offsets: {e}")),
            },
            _ => return Answer::error(404, "not found"),
        }
        Answer::json(&s.state())
    }

    /// Whether the request names this server: `Host` is
    /// `127.0.0.1:PORT` or `localhost:PORT`, and an `Origin`, if sent, is
    /// `http://` and the same.
    fn host_allowed(&self, request: &Request) -> bool {
        let ours = |value: &str| {
            let (name, port) = value.rsplit_once(':').unwrap_or((value, ""));
            matches!(name, "127.0.0.1" | "localhost") && port.parse() == Ok(self.port)
        };
        let header =
            |name: &'static str| request.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str());
        let host_ok = header("Host").is_some_and(ours);
        let origin_ok = header("Origin").is_none_or(|o| o.strip_prefix("http://").is_some_and(ours));
        host_ok && origin_ok
    }
}

fn is_json(request: &Request) -> bool {
    request.headers().iter().any(|h| {
        h.field.equiv("Content-Type")
            && h.value.as_str().split(';').next().is_some_and(|t| t.trim() == "application/json")
    })
}

/// `offset=A&len=N` (decimal).
fn memory_query(query: &str) -> Result<(u64, u64), String> {
    let (mut offset, mut len) = (0u64, 256u64);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = value.parse::<u64>().map_err(|_| format!("`{key}` must be a number, got `{value}`"))?;
        match key {
            "offset" => offset = number,
            "len" => len = number,
            _ => return Err(format!("unknown parameter `{key}`")),
        }
    }
    Ok((offset, len))
}
