"""Look at a Home Assistant dashboard with headless Chromium, logged in, over the DevTools protocol.

Home Assistant's frontend renders inside shadow roots, so ``--dump-dom`` shows next to nothing;
this drives Chromium through its DevTools websocket instead (aiohttp only, no browser driver):
log in by storing tokens where the frontend keeps them (``localStorage.hassTokens``, set before
the page's scripts run) or through the frontend's ``auth_callback`` (an authorization code from
the login flow; the frontend of Home Assistant 2025.4 accepts it, newer ones may not), wait
until the page's text (shadow roots included) shows what is expected, then save a PNG screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
# Text of the whole page including every open shadow root (Home Assistant's cards live there).
DEEP_TEXT_JS = """
(() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) { const t = node.textContent.trim(); if (t) parts.push(t); return; }
    if (node.shadowRoot) walk(node.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(document);
  return parts.join("\\n");
})()
"""


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        if path := shutil.which(name):
            return path
    return None


def auth_callback_url(base_url: str, path: str, code: str) -> str:
    """The URL the login page sends the browser to; the frontend trades the code for tokens."""
    state = base64.b64encode(json.dumps({"hassUrl": base_url, "clientId": f"{base_url}/"}).encode()).decode()
    return f"{base_url}{path}?{urlencode({'auth_callback': '1', 'code': code, 'state': state})}"


def stored_tokens_script(base_url: str, token_response: dict[str, Any]) -> str:
    """JavaScript that stores tokens where the frontend keeps them ("Keep me logged in")."""
    tokens = {
        "access_token": token_response["access_token"],
        "refresh_token": token_response.get("refresh_token"),
        "token_type": "Bearer",
        "expires_in": token_response.get("expires_in", 1800),
        "hassUrl": base_url,
        "clientId": f"{base_url}/",
    }
    payload = json.dumps(tokens)
    return (
        f"if (location.origin === {json.dumps(base_url)}) {{"
        f" const t = {payload}; t.expires = Date.now() + t.expires_in * 1000;"
        " localStorage.setItem('hassTokens', JSON.stringify(t)); }"
    )


@dataclass(frozen=True, slots=True)
class PageResult:
    text: str
    screenshot: Path
    console: tuple[str, ...]
    found: tuple[str, ...]
    missing: tuple[str, ...]


class _Cdp:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._id = 0
        self.console: list[str] = []  # console messages, exceptions and failed loads (diagnostics)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        await self._ws.send_json({"id": self._id, "method": method, "params": params})
        while True:
            message = await self._ws.receive_json(timeout=60)
            self._note(message)
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params") or {}
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(f"console.{params['type']}: {args}"[:500])
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exception = details.get("exception", {})
            text = exception.get("description") or exception.get("value") or details.get("text")
            # A rejected promise of a websocket command is a plain object: show its fields.
            fields = (exception.get("preview") or {}).get("properties") or []
            shown = ", ".join(f"{f.get('name')}={f.get('value')}" for f in fields)
            where = f"{details.get('url', '')}:{details.get('lineNumber', '')}"
            self.console.append(f"exception: {text} {{{shown}}} at {where}"[:800])
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            self.console.append(f"log.{entry.get('level')}: {entry.get('text')} {entry.get('url', '')}"[:500])


async def capture(
    url: str,
    screenshot: Path,
    *,
    expect: tuple[str, ...] = (),
    within: float = 60.0,
    size: tuple[int, int] = (1280, 1400),
    chromium: str | None = None,
    before_load: str | None = None,
) -> PageResult:
    """Open ``url``, wait until every ``expect`` text shows (or ``within`` passes), screenshot it.

    ``before_load`` is JavaScript run in every new document before its own scripts (log-in).
    """
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError("chromium is not installed")
    # Cleanup errors are ignored: a leftover scratch profile must not fail the page check.
    with tempfile.TemporaryDirectory(prefix="openadr-chromium-", ignore_cleanup_errors=True) as profile:
        argv = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        # A test tool, not the integration: starting the browser may block the loop briefly.
        process = subprocess.Popen(  # noqa: ASYNC220
            argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            # Chromium's own scratch folders (org.chromium.Chromium.*) go away with the profile.
            env={**os.environ, "TMPDIR": profile},
        )
        try:
            port = await _devtools_port(Path(profile), process)
            async with aiohttp.ClientSession() as session:
                async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
                    targets = await response.json(content_type=None)
                page = next(t for t in targets if t.get("type") == "page")
                async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    cdp = _Cdp(ws)
                    await cdp.call("Page.enable")
                    await cdp.call("Runtime.enable")
                    await cdp.call("Log.enable")
                    if before_load:
                        await cdp.call("Page.addScriptToEvaluateOnNewDocument", source=before_load)
                    await cdp.call("Page.navigate", url=url)
                    text = ""
                    deadline = time.monotonic() + within
                    while time.monotonic() < deadline:
                        await asyncio.sleep(1)
                        evaluated = await cdp.call(
                            "Runtime.evaluate", expression=DEEP_TEXT_JS, returnByValue=True
                        )
                        text = str(evaluated.get("result", {}).get("value") or "")
                        if expect and all(e in text for e in expect):
                            await asyncio.sleep(1.5)  # let cards finish their last paint
                            break
                    shot = await cdp.call("Page.captureScreenshot", format="png")
                    await asyncio.to_thread(_write, screenshot, base64.b64decode(shot["data"]))
        finally:
            _stop(process)
    found = tuple(e for e in expect if e in text)
    return PageResult(text, screenshot, tuple(cdp.console), found, tuple(e for e in expect if e not in text))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop Chromium and every helper process it started (its own session, so its own process
    group): helpers that outlive the browser keep writing into the profile while it is removed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # stragglers of the group, if any


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


async def _devtools_port(profile: Path, process: subprocess.Popen[bytes], within: float = 30.0) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with code {process.returncode}")
        with contextlib.suppress(OSError, ValueError, IndexError):
            return int(marker.read_text(encoding="utf-8").splitlines()[0])
        await asyncio.sleep(0.2)
    raise RuntimeError("chromium did not open its DevTools port")
