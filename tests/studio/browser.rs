//! Headless Chromium (the system's `chromium`, or `GRAPHRUN_CHROMIUM`) driven over the
//! DevTools protocol, as a user drives the page: real mouse events at elements' places,
//! JavaScript only to read what the page shows.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value as Json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a page has to show what a step waits for.
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Browser {
    child: Child,
    profile: PathBuf,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// The actions a person made so far: clicks, drags, keys pressed and words typed.
    pub actions: u32,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts Chromium with a page of 1440×900 and attaches to it.
    pub async fn launch(name: &str) -> Browser {
        let program = std::env::var("GRAPHRUN_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
        let profile = std::env::temp_dir().join(format!("graphrun-chromium-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new(&program)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--hide-scrollbars",
                "--force-device-scale-factor=1",
                "--window-size=1440,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{program}` (Debian's `chromium` package; .ci/run installs it, or set GRAPHRUN_CHROMIUM): {e}")
            });
        // Chromium prints its DevTools address on stderr; the rest of stderr is drained.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let (false, Some(at)) = (sent, line.find("ws://")) {
                    let _ = tx.send(line[at..].trim().to_string());
                    sent = true;
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("Chromium prints its DevTools address");
        let (socket, _) = tokio_tungstenite::connect_async(address.as_str())
            .await
            .expect("the DevTools WebSocket");
        let mut browser = Browser {
            child,
            profile,
            socket,
            session: String::new(),
            next_id: 0,
            actions: 0,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"})).await;
        let attached = browser
            .call(
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await;
        browser.session = attached["sessionId"].as_str().unwrap().to_string();
        browser
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 1440, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
            )
            .await;
        browser.call("Page.enable", json!({})).await;
        browser
    }

    /// Sends a DevTools command (to the page once attached) and waits for its result.
    pub async fn call(&mut self, method: &str, params: Json) -> Json {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        self.socket.send(Message::text(message.to_string())).await.unwrap();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer from Chromium to {method}"));
            let Some(Ok(Message::Text(text))) = next else {
                continue;
            };
            let reply: Json = serde_json::from_str(text.as_str()).unwrap();
            if reply["id"] == json!(id) {
                if let Some(error) = reply.get("error") {
                    panic!("{method}: {error}");
                }
                return reply["result"].clone();
            }
        }
    }

    pub async fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url})).await;
    }

    /// The value of a JavaScript expression in the page.
    pub async fn eval(&mut self, expression: &str) -> Json {
        let result = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        if let Some(details) = result.get("exceptionDetails") {
            panic!("`{expression}` threw: {details}");
        }
        result["result"]["value"].clone()
    }

    /// Waits until `expression` is true in the page; fails naming `what`, with what the
    /// page shows, if it does not come within [`WAIT`].
    pub async fn wait_for(&mut self, what: &str, expression: &str) {
        let started = Instant::now();
        loop {
            // While the page is still loading, the expression may throw: not yet.
            let check = format!("(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()");
            if self.eval(&check).await == json!(true) {
                return;
            }
            if started.elapsed() > WAIT {
                let shown = self
                    .eval("JSON.stringify({state: document.body.dataset.state, status: document.querySelector('#status')?.textContent, output: [...document.querySelectorAll('#output > div')].map(d => d.textContent), log: [...document.querySelectorAll('#log > div')].map(d => d.textContent), active: [...document.querySelectorAll('g.node.active')].map(n => n.dataset.node)})")
                    .await;
                panic!("waited {WAIT:?} for {what} (`{expression}`); the page shows {shown}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The centre of the first element `selector` finds, in the page's pixels.
    pub async fn centre(&mut self, selector: &str) -> (f64, f64) {
        let at = self
            .eval(&format!(
                "(() => {{ const e = document.querySelector({}); if (!e) return null; const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()",
                json!(selector)
            ))
            .await;
        let at = at
            .as_array()
            .unwrap_or_else(|| panic!("no element `{selector}` on the page"));
        (at[0].as_f64().unwrap(), at[1].as_f64().unwrap())
    }

    /// Clicks the element as a mouse does: moves there, presses and releases.
    pub async fn click(&mut self, selector: &str) {
        self.actions += 1;
        let (x, y) = self.hover(selector).await;
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            )
            .await;
        }
    }

    /// Moves the mouse over the element; where.
    pub async fn hover(&mut self, selector: &str) -> (f64, f64) {
        let (x, y) = self.centre(selector).await;
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseMoved", "x": x, "y": y}),
        )
        .await;
        (x, y)
    }

    /// One mouse event at (x, y): `mousePressed`, `mouseMoved` or `mouseReleased`, with
    /// `button` (`left`, `right`, `none`) and modifiers (1 Alt, 2 Ctrl, 8 Shift).
    pub async fn mouse(&mut self, kind: &str, (x, y): (f64, f64), button: &str, modifiers: u32) {
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": button, "buttons": if kind == "mouseReleased" || button == "none" { 0 } else if button == "right" { 2 } else { 1 }, "clickCount": 1, "modifiers": modifiers}),
        )
        .await;
    }

    /// Presses at `from`, moves to `to` in steps, releases there: a drag.
    pub async fn drag(&mut self, from: (f64, f64), to: (f64, f64), button: &str) {
        self.actions += 1;
        self.mouse("mouseMoved", from, "none", 0).await;
        self.mouse("mousePressed", from, button, 0).await;
        for i in 1..=8 {
            let t = f64::from(i) / 8.0;
            let at = (from.0 + (to.0 - from.0) * t, from.1 + (to.1 - from.1) * t);
            self.mouse("mouseMoved", at, button, 0).await;
        }
        self.mouse("mouseReleased", to, button, 0).await;
    }

    /// Clicks at a point with a button and modifiers.
    pub async fn click_at(&mut self, at: (f64, f64), button: &str, modifiers: u32) {
        self.actions += 1;
        self.mouse("mouseMoved", at, "none", 0).await;
        self.mouse("mousePressed", at, button, modifiers).await;
        self.mouse("mouseReleased", at, button, modifiers).await;
    }

    /// Presses and releases a key (`Enter`, `Delete`, `Tab`, `z`…) with modifiers (2 Ctrl,
    /// 8 Shift), as a keyboard does.
    pub async fn key(&mut self, key: &str, modifiers: u32) {
        self.actions += 1;
        let (code, vk) = match key {
            "F2" => ("F2".to_string(), 113),
            "F9" => ("F9".to_string(), 120),
            "F10" => ("F10".to_string(), 121),
            "F11" => ("F11".to_string(), 122),
            "Enter" => ("Enter".to_string(), 13),
            "Tab" => ("Tab".to_string(), 9),
            "Delete" => ("Delete".to_string(), 46),
            "Escape" => ("Escape".to_string(), 27),
            "ArrowDown" => ("ArrowDown".to_string(), 40),
            "ArrowUp" => ("ArrowUp".to_string(), 38),
            k if k.len() == 1 => {
                let c = k.chars().next().unwrap().to_ascii_uppercase();
                (format!("Key{c}"), c as u32)
            }
            other => panic!("no key code for {other}"),
        };
        let text = if key == "Enter" { "\r" } else { "" };
        let mut down =
            json!({"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers});
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down).await;
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers}),
        )
        .await;
    }

    /// Types text into what has the focus, a key event per character.
    pub async fn type_text(&mut self, text: &str) {
        self.actions += 1;
        for c in text.chars() {
            let s = c.to_string();
            self.call(
                "Input.dispatchKeyEvent",
                json!({"type": "keyDown", "key": s, "text": s}),
            )
            .await;
            self.call("Input.dispatchKeyEvent", json!({"type": "keyUp", "key": s}))
                .await;
        }
    }

    /// Turns the mouse wheel at a point by `dy` (positive: towards the user, zooming out).
    pub async fn wheel(&mut self, (x, y): (f64, f64), dy: f64) {
        self.actions += 1;
        self.mouse("mouseMoved", (x, y), "none", 0).await;
        self.call(
            "Input.dispatchMouseEvent",
            json!({"type": "mouseWheel", "x": x, "y": y, "deltaX": 0, "deltaY": dy}),
        )
        .await;
    }

    /// Double-clicks at a point, as a mouse does: two presses, the second a double click.
    pub async fn double_click_at(&mut self, (x, y): (f64, f64)) {
        self.actions += 1;
        self.mouse("mouseMoved", (x, y), "none", 0).await;
        for count in [1, 2] {
            for kind in ["mousePressed", "mouseReleased"] {
                self.call(
                    "Input.dispatchMouseEvent",
                    json!({"type": kind, "x": x, "y": y, "button": "left", "buttons": if kind == "mousePressed" { 1 } else { 0 }, "clickCount": count}),
                )
                .await;
            }
        }
    }

    /// A PNG of the page as it is now.
    pub async fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"})).await;
        data_encoding::BASE64
            .decode(shot["data"].as_str().unwrap().as_bytes())
            .unwrap()
    }

    /// Saves a screenshot under `dir` as `name` (a PNG), checking that it is one.
    pub async fn save_screenshot(&mut self, dir: &Path, name: &str) -> PathBuf {
        let png = self.screenshot().await;
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a screenshot is a PNG");
        assert!(
            png.len() > 10_000,
            "a screenshot of the studio has something on it ({} bytes)",
            png.len()
        );
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, png).unwrap();
        path
    }
}
