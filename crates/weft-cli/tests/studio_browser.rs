//! `weft studio` in a real browser: headless Chromium driven through
//! chromedriver's W3C WebDriver HTTP API (plain `TcpStream` and JSON, no
//! client crate). The tests press the page's buttons and keys and read
//! what the page shows.
//!
//! They need Debian's `chromium` and `chromium-driver` packages
//! (`apt-get install -y chromium chromium-driver`). Without them a test
//! prints why and passes — except under CI (`CI` set), where it fails.
//!
//! The screenshots in `docs/img/` are taken here; regenerate them with
//!
//! ```sh
//! BLESS=1 cargo test -p weft-cli --test studio_browser
//! ```

mod studio_support;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use studio_support::{Studio, http, root};

/// The window the page is shown in (and the screenshots' size).
const WINDOW: (u32, u32) = (1440, 900);

/// Chromium's flags: headless, and nothing that reaches for the network
/// (this machine's closed network makes those hang or fail).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A browser session through chromedriver; both end when dropped.
struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, or says why it cannot
    /// (`None`; a panic under CI).
    fn start() -> Option<Browser> {
        let (Some(chromium), Some(chromedriver)) = (on_path("chromium"), on_path("chromedriver")) else {
            let why = "chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)";
            assert!(std::env::var_os("CI").is_none(), "{why}; CI must run the browser tests");
            eprintln!("skipped: {why}");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        // chromedriver says "... started successfully" when it listens.
        let mut out = BufReader::new(driver.stdout.take().unwrap());
        let mut line = String::new();
        while out.read_line(&mut line).unwrap_or(0) > 0 && !line.contains("successfully") {
            line.clear();
        }
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", WINDOW.0, WINDOW.1));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}});
        let mut browser = Browser { driver, port, session: String::new(), _profile: profile };
        let answer = browser.command("POST", "/session", &capabilities);
        browser.session = answer["sessionId"].as_str().expect("a session id").to_string();
        Some(browser)
    }

    /// Sends a WebDriver command; returns its `value`.
    fn command(&self, method: &str, path: &str, body: &Value) -> Value {
        let body = if method == "GET" || method == "DELETE" { String::new() } else { body.to_string() };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        let (status, text) = http(self.port, &request);
        let answer: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{path}: {status} {text}"));
        assert_eq!(status, 200, "WebDriver {method} {path}: {answer}");
        answer.get("value").cloned().unwrap_or(answer)
    }

    fn session_command(&self, method: &str, path: &str, body: &Value) -> Value {
        self.command(method, &format!("/session/{}{path}", self.session), body)
    }

    fn goto(&self, url: &str) {
        self.session_command("POST", "/url", &json!({"url": url}));
    }

    /// Runs `script` (a function body) in the page and returns its value.
    fn script(&self, script: &str) -> Value {
        self.session_command("POST", "/execute/sync", &json!({"script": script, "args": []}))
    }

    /// The page's render counter: it goes up after every redraw.
    fn version(&self) -> u64 {
        self.script("return Number(document.body.dataset.version)").as_u64().unwrap_or(0)
    }

    /// Waits until `condition` (a JavaScript expression) holds.
    fn wait_for(&self, condition: &str) {
        let start = Instant::now();
        while self.script(&format!("return Boolean({condition})")) != json!(true) {
            assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {condition}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Clicks the element `css` selects (as a user would: WebDriver moves
    /// the pointer there), then waits for the page to redraw.
    fn click(&self, css: &str) {
        let before = self.version();
        let element = self.session_command("POST", "/element", &json!({"using": "css selector", "value": css}));
        let id = element.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id");
        self.session_command("POST", &format!("/element/{id}/click"), &json!({}));
        self.wait_for(&format!("Number(document.body.dataset.version) > {before}"));
    }

    /// Presses `key` (with Shift if `shift`), then waits for a redraw.
    fn press(&self, key: &str, shift: bool) {
        let before = self.version();
        let mut actions = Vec::new();
        if shift {
            actions.push(json!({"type": "keyDown", "value": "\u{E008}"}));
        }
        actions.push(json!({"type": "keyDown", "value": key}));
        actions.push(json!({"type": "keyUp", "value": key}));
        if shift {
            actions.push(json!({"type": "keyUp", "value": "\u{E008}"}));
        }
        let body = json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]});
        self.session_command("POST", "/actions", &body);
        self.wait_for(&format!("Number(document.body.dataset.version) > {before}"));
    }

    fn text(&self, css: &str) -> String {
        let script = format!("return document.querySelector({}).textContent", json!(css));
        self.script(&script).as_str().unwrap_or_default().to_string()
    }

    /// The operand stack as drawn, bottom first.
    fn stack(&self) -> Vec<String> {
        let values = self
            .script("return [...document.querySelectorAll('#stack li.value')].map(li => li.firstChild.textContent)");
        let mut stack: Vec<String> = values.as_array().unwrap().iter().map(|v| v.as_str().unwrap().into()).collect();
        stack.reverse();
        stack
    }

    /// The text of the highlighted (current) line, trimmed.
    fn current_line(&self) -> String {
        self.script("const l = document.querySelector('.line.current .text'); return l ? l.textContent.trim() : ''")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Saves a screenshot under `docs/img/` when `BLESS` is set; checks it
    /// is a PNG either way.
    fn screenshot(&self, name: &str) {
        let encoded = self.session_command("GET", "/screenshot", &Value::Null);
        let png = base64_decode(encoded.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(root().join("docs/img").join(name), png).unwrap();
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let path = format!("/session/{}", self.session);
            let request = format!(
                "DELETE {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                self.port
            );
            let _ = std::panic::catch_unwind(|| http(self.port, &request));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let digits: Vec<u8> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &d)| n | u32::from(d) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn stepping_fac_in_the_browser() {
    let Some(browser) = Browser::start() else { return };
    let studio = Studio::spawn(&["examples/fac.wat", "--invoke", "fac", "5"]);
    browser.goto(&studio.url());
    browser.wait_for("Number(document.body.dataset.version) >= 1");
    assert_eq!(browser.current_line(), "local.get 0");
    assert_eq!(browser.stack(), Vec::<String>::new());
    assert!(browser.text("#rule-typing").contains("local.get 0 : [] -> [i64]"));

    browser.click("#step");
    assert_eq!(browser.stack(), ["i64:5"]);
    assert_eq!(browser.current_line(), "i64.eqz");
    browser.click("#step");
    assert_eq!(browser.stack(), ["i32:0"]);

    // Step until the call returns to fac(5) and the call is done.
    let mut seen_deepest = false;
    while browser.text("#results").is_empty() {
        browser.click("#step");
        if browser.current_line() == "i64.mul" && !seen_deepest {
            // Five frames deep: fac(0) returned 1 on top of each caller's n.
            seen_deepest = true;
            assert_eq!(browser.stack(), ["i64:5", "i64:4", "i64:3", "i64:2", "i64:1", "i64:1"]);
            assert_eq!(browser.script("return document.querySelectorAll('#frames li').length"), json!(5));
            assert_eq!(browser.text("#rule-typing"), "i64.mul : [i64 i64] -> [i64]");
            browser.screenshot("studio-fac.png");
        }
        if browser.current_line() == "i64.mul" && browser.stack() == ["i64:5", "i64:24"] {
            assert_eq!(browser.script("return document.querySelectorAll('#frames li').length"), json!(1));
        }
    }
    assert!(seen_deepest);
    assert_eq!(browser.text("#results"), "result: i64:120");
    assert!(browser.text("#status").contains("returned [i64:120]"));
    assert_eq!(browser.stack(), ["i64:120"]);

    // Shift+R resets; a click on `call $fac` sets a breakpoint; Run stops
    // there.
    browser.press("R", true);
    assert_eq!(browser.current_line(), "local.get 0");
    let call = browser.script(
        "return [...document.querySelectorAll('.line')].find(l => l.textContent.includes('call $fac')).dataset.offset",
    );
    let call = call.as_str().unwrap().to_string();
    browser.click(&format!(".line[data-offset=\"{call}\"]"));
    assert!(
        browser
            .script(&format!("return document.querySelector('.line[data-offset=\"{call}\"]').className"))
            .as_str()
            .unwrap()
            .contains("bp")
    );
    browser.click("#run");
    assert!(browser.text("#status").contains("at a breakpoint"), "{}", browser.text("#status"));
    assert_eq!(browser.current_line(), "call $fac");
    assert_eq!(browser.stack(), ["i64:5", "i64:4"]);
    browser.press("r", false);
    assert_eq!(browser.stack(), ["i64:5", "i64:4", "i64:3"]);
    assert_eq!(browser.script("return document.querySelectorAll('#frames li').length"), json!(2));
    // Clear the breakpoint (another click) and step over the call (N):
    // fac(3) = 6 comes back.
    browser.click(&format!(".line[data-offset=\"{call}\"]"));
    browser.press("n", false);
    assert_eq!(browser.stack(), ["i64:5", "i64:4", "i64:6"]);
    browser.screenshot("studio-fac-breakpoint.png");
}

#[test]
fn c_hello_world_in_the_browser() {
    let Some(browser) = Browser::start() else { return };
    let studio = Studio::spawn(&["examples/hello-c/hello.wasm"]);
    browser.goto(&studio.url());
    browser.wait_for("Number(document.body.dataset.version) >= 1");
    assert_eq!(browser.text("#stdout"), "");

    // Stop where the C library hands the text to WASI's fd_write.
    let call = browser.script(
        "return String(lines.find(l => l.text.trim() === 'call $__imported_wasi_snapshot_preview1_fd_write').offset)",
    );
    let call = call.as_str().unwrap().to_string();
    browser.script(&format!("document.querySelector('#code').scrollTop = lineOf.get({call}) * 20; return 0"));
    browser.wait_for(&format!("document.querySelector('.line[data-offset=\"{call}\"]')"));
    browser.click(&format!(".line[data-offset=\"{call}\"]"));
    browser.click("#run");
    assert!(browser.text("#status").contains("at a breakpoint"));
    assert_eq!(browser.current_line(), "call $__imported_wasi_snapshot_preview1_fd_write");
    // fd_write(fd 1, iovs, 2 iovs, nwritten): four i32 arguments on top.
    let stack = browser.stack();
    assert_eq!(stack[stack.len() - 4], "i32:1");
    assert_eq!(stack[stack.len() - 2], "i32:2");
    assert!(browser.script("return document.querySelectorAll('#memory .w').length").as_u64().unwrap() > 0);
    browser.screenshot("studio-hello-fd-write.png");

    browser.click("#step");
    assert_eq!(browser.text("#stdout"), "Hello, World!\n");
    browser.click("#run");
    assert!(browser.text("#status").contains("returned"), "{}", browser.text("#status"));
    assert_eq!(browser.text("#stdout"), "Hello, World!\n");
}

#[test]
fn a_deep_stack_and_a_full_memory_page_stay_small_in_the_page() {
    let Some(browser) = Browser::start() else { return };
    let wat = studio_support::wat_file(
        r#"(module
          (memory (export "memory") 1)
          (func $down (export "down") (param i32) (result i32)
            (i32.store (i32.mul (local.get 0) (i32.const 64)) (local.get 0))
            (if (result i32) (local.get 0)
              (then (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))
              (else (i32.const 0)))))"#,
    );
    let studio = Studio::spawn(&[wat.to_str().unwrap(), "--invoke", "down", "999"]);
    browser.goto(&studio.url());
    browser.wait_for("Number(document.body.dataset.version) >= 1");
    let base = browser.script("return String(lines.find(l => l.text.trim() === 'i32.const 0').offset)");
    let base = base.as_str().unwrap().to_string();
    browser.click(&format!(".line[data-offset=\"{base}\"]"));
    browser.click("#run");
    assert!(browser.text("#status").contains("at a breakpoint"));
    // 1,000 frames: the innermost 8, a fold, the outermost 3.
    assert_eq!(browser.script("return document.querySelectorAll('#frames li').length"), json!(12));
    assert!(browser.text("#frames li.more").contains("989 frames folded"), "{}", browser.text("#frames li.more"));
    assert_eq!(browser.script("return document.querySelectorAll('#stack li.value').length"), json!(64));
    // One page of memory (256 bytes of 64 KiB), showing the last store.
    assert_eq!(browser.script("return document.querySelectorAll('#memory > div').length"), json!(16));
    assert_eq!(browser.script("return document.querySelectorAll('#memory .w').length"), json!(4));
    // Unfolding adds 100 frames at a time.
    browser.script("document.querySelector('#frames li.more button').click(); return 0");
    assert_eq!(browser.script("return document.querySelectorAll('#frames li').length"), json!(112));
    // How long a step takes, request and redraw (printed, not asserted).
    let start = Instant::now();
    for _ in 0..10 {
        browser.click("#step");
    }
    println!("1000-deep stack: {:.1} ms per step, click to redraw", start.elapsed().as_secs_f64() * 100.0);
}
