"""A minimal VTN on 127.0.0.1 for the poll benchmark, run in its own process.

Its CPU time must not count as the VEN's, so the benchmark starts it as a child process:
``python -m bench.loopvtn`` binds a free port, prints ``PORT <n>`` and serves until its standard
input is closed.  It registers any VEN, accepts its METADATA, has no events, and answers every
oadrPoll with a plain oadrResponse (an idle VTN).
"""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import timedelta

from aiohttp import web

from custom_components.openadr_ven.openadr.models import (
    CreatedEvent,
    CreatedPartyRegistration,
    CreatePartyRegistration,
    DistributeEvent,
    OadrResponse,
    Poll,
    Profile,
    QueryRegistration,
    RegisteredReport,
    RegisterReport,
    RequestEvent,
    Response,
    UpdatedReport,
    UpdateReport,
)
from custom_components.openadr_ven.openadr.payloads import build, parse

VTN_ID = "vtn-loopback"
VEN_ID = "ven-loopback"
REGISTRATION_ID = "reg-loopback"
POLL_FREQ = timedelta(seconds=10)


def answer(message: object) -> object:
    """The VTN's reply to one VEN message."""
    ok = Response(200, "OK", getattr(message, "request_id", None))
    match message:
        case CreatePartyRegistration() | QueryRegistration():
            return CreatedPartyRegistration(
                ok,
                vtn_id=VTN_ID,
                registration_id=REGISTRATION_ID,
                ven_id=VEN_ID,
                profiles=(Profile("2.0b", ("simpleHttp",)),),
                poll_freq=POLL_FREQ,
            )
        case RegisterReport():
            return RegisteredReport(ok, ven_id=VEN_ID)
        case RequestEvent():
            return DistributeEvent(request_id=ok.request_id or "", vtn_id=VTN_ID, response=ok)
        case UpdateReport():
            return UpdatedReport(ok, ven_id=VEN_ID)
        case Poll() | CreatedEvent():
            return OadrResponse(Response(200, "OK", None), VEN_ID)
    return OadrResponse(ok, VEN_ID)


async def handle(request: web.Request) -> web.Response:
    message = parse(await request.read())
    return web.Response(body=build(answer(message)), content_type="application/xml")  # type: ignore[arg-type]


async def serve() -> None:
    app = web.Application()
    app.router.add_post("/OpenADR2/Simple/2.0b/{service}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    try:
        await asyncio.to_thread(sys.stdin.read)  # until the benchmark closes our stdin
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(serve())
