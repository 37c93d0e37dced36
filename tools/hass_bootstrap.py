"""Drive a real Home Assistant the way a user would, over its REST and websocket APIs.

Shared by ``./scripts/demo`` (tools/demo.py) and the end-to-end test (tests/e2e): onboarding
(the first user, core config, analytics, integration steps), logging in again on later runs,
config and options flows (filled field by field from the form's schema, so a step added to a
flow needs only a value, not new code), the entity registry, states and service calls.

Only aiohttp (a Home Assistant dependency) is used, so it runs in any Home Assistant venv.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

LANGUAGE = "en"
# Finishing onboarding's core_config step adds these integrations; they need the internet (and
# packages that --skip-pip did not install), so an offline demo removes them again.
ONBOARDING_DEFAULT_DOMAINS = ("google_translate", "met", "radio_browser", "shopping_list")


class BootstrapError(RuntimeError):
    """Home Assistant did not answer as a user would expect (the message says where)."""


class CommandError(BootstrapError):
    """A websocket command answered with an error (``code`` as Home Assistant names it)."""

    def __init__(self, command: str, error: Mapping[str, Any] | None) -> None:
        super().__init__(f"websocket {command}: {error}")
        self.code = str((error or {}).get("code", ""))


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None


def client_id(base_url: str) -> str:
    """The OAuth client id of a browser on this Home Assistant (the frontend uses the same)."""
    return f"{base_url}/"


async def wait_until_up(session: aiohttp.ClientSession, base_url: str, within: float = 120.0) -> None:
    """Wait until Home Assistant's HTTP server answers (``/auth/providers`` works before onboarding)."""
    deadline = time.monotonic() + within
    last: str = "no answer"
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base_url}/auth/providers") as response:
                if response.status in (200, 400):
                    return
                last = f"HTTP {response.status}"
        except (aiohttp.ClientError, OSError) as err:
            last = f"{type(err).__name__}: {err}"
        await asyncio.sleep(0.5)
    raise BootstrapError(f"Home Assistant at {base_url} did not come up within {within:.0f} s ({last})")


class HassApi:
    """An authenticated user session on one Home Assistant."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, tokens: Tokens) -> None:
        self.session = session
        self.base_url = base_url
        self.tokens = tokens
        self._ws_id = 0

    # -- authentication --------------------------------------------------------------------
    @classmethod
    async def onboard_or_login(
        cls,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        name: str,
        username: str,
        password: str,
        core_config: Mapping[str, Any] | None = None,
    ) -> HassApi:
        """Finish onboarding with a first user (fresh instance) or log that user in (onboarded)."""
        steps = await _onboarding_steps(session, base_url)
        cid = client_id(base_url)
        if steps is not None and not steps.get("user", True):
            created = await _post_json(
                session,
                f"{base_url}/api/onboarding/users",
                {"client_id": cid, "name": name, "username": username, "password": password,
                 "language": LANGUAGE},
            )  # fmt: skip
            tokens = await _exchange_code(session, base_url, created["auth_code"])
        else:
            tokens = await _login(session, base_url, username, password)
        api = cls(session, base_url, tokens)
        if steps is not None:
            await api._finish_onboarding(steps, core_config or {})
        await api.confirm_http_config()
        return api

    async def confirm_http_config(self) -> bool:
        """Confirm a pending HTTP configuration (Home Assistant 2026.x); True when one was.

        Newer Home Assistant moves the ``http:`` YAML into storage as a *pending* trial and, unless
        a user confirms it (a dialog in the frontend), restarts on the previous configuration (port
        8123 on every interface) five minutes later. The demo's and the test's own configuration is
        known to work, since this very connection came through it, so confirm it as a user would.
        Older Home Assistant has no such command: nothing to do.
        """
        try:
            config = await self.ws("http/config")
        except CommandError as err:
            if err.code == "unknown_command":
                return False
            raise
        if not config or config.get("active_config_type") != "pending" or not config.get("pending"):
            return False
        await self.ws("http/config/promote")
        return True

    async def _finish_onboarding(self, steps: Mapping[str, bool], core_config: Mapping[str, Any]) -> None:
        cid = client_id(self.base_url)
        if not steps.get("core_config", True):
            if core_config:
                await self.ws("config/core/update", **core_config)
            await self.post("/api/onboarding/core_config", {})
            await self.remove_entries(ONBOARDING_DEFAULT_DOMAINS, settle=3.0)
        if not steps.get("analytics", True):
            await self.post("/api/onboarding/analytics", {})
        if not steps.get("integration", True):
            redirect = f"{self.base_url}/?auth_callback=1"
            await self.post("/api/onboarding/integration", {"client_id": cid, "redirect_uri": redirect})

    # -- plain REST --------------------------------------------------------------------------
    @property
    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.access_token}"}

    async def get(self, path: str) -> Any:
        async with self.session.get(f"{self.base_url}{path}", headers=self._headers) as response:
            return await _json_or_raise(response, f"GET {path}")

    async def post(self, path: str, data: Mapping[str, Any]) -> Any:
        return await _post_json(self.session, f"{self.base_url}{path}", data, headers=self._headers)

    async def states(self) -> dict[str, dict[str, Any]]:
        return {s["entity_id"]: s for s in await self.get("/api/states")}

    async def state(self, entity_id: str) -> dict[str, Any] | None:
        async with self.session.get(f"{self.base_url}/api/states/{entity_id}", headers=self._headers) as r:
            if r.status == 404:
                return None
            result: dict[str, Any] = await _json_or_raise(r, f"GET state of {entity_id}")
            return result

    async def call_service(self, domain: str, service: str, data: Mapping[str, Any]) -> Any:
        return await self.post(f"/api/services/{domain}/{service}", data)

    # -- websocket ---------------------------------------------------------------------------
    async def ws(self, command: str, **payload: Any) -> Any:
        """One websocket command on a fresh connection (simple and good enough for set-up)."""
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            hello = await ws.receive_json(timeout=30)
            if hello.get("type") != "auth_required":
                raise BootstrapError(f"websocket: unexpected greeting {hello}")
            await ws.send_json({"type": "auth", "access_token": self.tokens.access_token})
            auth = await ws.receive_json(timeout=30)
            if auth.get("type") != "auth_ok":
                raise BootstrapError(f"websocket: authentication failed: {auth}")
            self._ws_id += 1
            await ws.send_json({"id": self._ws_id, "type": command, **payload})
            while True:
                message = await ws.receive_json(timeout=60)
                if message.get("id") != self._ws_id or message.get("type") != "result":
                    continue
                if not message.get("success"):
                    raise CommandError(command, message.get("error"))
                return message.get("result")

    async def entity_registry(self, platform: str) -> list[dict[str, Any]]:
        entries = await self.ws("config/entity_registry/list")
        return [e for e in entries if e.get("platform") == platform]

    async def config_entries(self, domain: str) -> list[dict[str, Any]]:
        entries = await self.get("/api/config/config_entries/entry")
        return [e for e in entries if e.get("domain") == domain]

    async def remove_entries(self, domains: tuple[str, ...], settle: float = 0.0) -> list[str]:
        """Delete the config entries of ``domains``; keep watching ``settle`` seconds for late ones."""
        removed: list[str] = []
        deadline = time.monotonic() + settle
        while True:
            entries = await self.get("/api/config/config_entries/entry")
            for entry in entries:
                if entry.get("domain") in domains:
                    path = f"/api/config/config_entries/entry/{entry['entry_id']}"
                    async with self.session.delete(f"{self.base_url}{path}", headers=self._headers) as r:
                        await _json_or_raise(r, f"DELETE {path}")
                    removed.append(str(entry["domain"]))
            if time.monotonic() >= deadline:
                return removed
            await asyncio.sleep(0.5)

    # -- flows ---------------------------------------------------------------------------------
    async def config_flow(self, handler: str, values: Mapping[str, Any], max_steps: int = 8) -> Any:
        """Run a config flow as a user submitting forms; returns the final result (create_entry...)."""
        start = {"handler": handler, "show_advanced_options": True}
        result = await self.post("/api/config/config_entries/flow", start)
        return await self._drive("/api/config/config_entries/flow", result, values, max_steps)

    async def options_flow(self, entry_id: str, values: Mapping[str, Any], max_steps: int = 8) -> Any:
        result = await self.post("/api/config/config_entries/options/flow", {"handler": entry_id})
        return await self._drive("/api/config/config_entries/options/flow", result, values, max_steps)

    async def _drive(
        self, base: str, result: dict[str, Any], values: Mapping[str, Any], max_steps: int
    ) -> dict[str, Any]:
        for _ in range(max_steps):
            kind = result.get("type")
            if kind == "menu":
                options = result.get("menu_options") or []
                wanted = values.get(f"menu:{result.get('step_id')}")
                choice = wanted if wanted in options else (options[0] if options else None)
                result = await self.post(f"{base}/{result['flow_id']}", {"next_step_id": choice})
                continue
            if kind != "form":
                return result
            if result.get("errors"):
                step = result.get("step_id")
                raise BootstrapError(f"flow step {step} rejected the input: {result['errors']}")
            data = form_data(result.get("data_schema") or [], values, step_id=str(result.get("step_id")))
            result = await self.post(f"{base}/{result['flow_id']}", data)
        raise BootstrapError(f"flow did not finish within {max_steps} steps: {result}")


def form_data(schema: list[Any], values: Mapping[str, Any], *, step_id: str = "") -> dict[str, Any]:
    """Fill a serialized form schema from ``values`` (``"step:field"`` beats ``"field"``).

    Section fields (HA ``data_entry_flow.section``) are filled from the same mapping. A required
    field without a value and without a default is an error, so a flow change shows up plainly.
    """
    data: dict[str, Any] = {}
    for field in schema:
        name = field["name"]
        if field.get("type") == "expandable":
            data[name] = form_data(field.get("schema") or [], values, step_id=step_id)
            continue
        for key in (f"{step_id}:{name}", name):
            if key in values:
                if values[key] is not None:
                    data[name] = values[key]
                break
        else:
            if field.get("required") and "default" not in field:
                raise BootstrapError(f"flow step {step_id!r} needs a value for {name!r} ({field})")
    return data


async def _onboarding_steps(session: aiohttp.ClientSession, base_url: str) -> dict[str, bool] | None:
    async with session.get(f"{base_url}/api/onboarding") as response:
        if response.status == 404:  # onboarded long ago: the onboarding views are gone
            return None
        steps = await _json_or_raise(response, "GET /api/onboarding")
    return {s["step"]: bool(s["done"]) for s in steps}


async def token_response(session: aiohttp.ClientSession, base_url: str, code: str) -> dict[str, Any]:
    """Trade an authorization code for tokens (the whole answer: access, refresh, expires_in)."""
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id(base_url)}
    async with session.post(f"{base_url}/auth/token", data=form) as response:
        body: dict[str, Any] = await _json_or_raise(response, "POST /auth/token")
    return body


async def _exchange_code(session: aiohttp.ClientSession, base_url: str, code: str) -> Tokens:
    body = await token_response(session, base_url, code)
    return Tokens(body["access_token"], body.get("refresh_token"))


async def login_code(session: aiohttp.ClientSession, base_url: str, username: str, password: str) -> str:
    """An authorization code from the login flow, as the login page hands it to the frontend."""
    cid = client_id(base_url)
    redirect = f"{base_url}/?auth_callback=1"
    flow = await _post_json(
        session,
        f"{base_url}/auth/login_flow",
        {"client_id": cid, "handler": ["homeassistant", None], "redirect_uri": redirect},
    )
    result = await _post_json(
        session,
        f"{base_url}/auth/login_flow/{flow['flow_id']}",
        {"client_id": cid, "username": username, "password": password},
    )
    if result.get("type") != "create_entry":
        raise BootstrapError(f"login as {username!r} failed: {result.get('errors') or result}")
    return str(result["result"])


async def _login(session: aiohttp.ClientSession, base_url: str, username: str, password: str) -> Tokens:
    return await _exchange_code(session, base_url, await login_code(session, base_url, username, password))


async def _post_json(
    session: aiohttp.ClientSession,
    url: str,
    data: Mapping[str, Any],
    headers: Mapping[str, str] | None = None,
) -> Any:
    async with session.post(url, json=dict(data), headers=dict(headers or {})) as response:
        return await _json_or_raise(response, f"POST {url}")


async def _json_or_raise(response: aiohttp.ClientResponse, what: str) -> Any:
    text = await response.text()
    if response.status >= 400:
        raise BootstrapError(f"{what}: HTTP {response.status}: {text[:500]}")
    if not text:
        return None
    try:
        return await response.json(content_type=None)
    except ValueError as err:
        raise BootstrapError(f"{what}: not JSON: {text[:200]}") from err
