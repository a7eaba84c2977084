"""Read API latency: GET /pos/{po} vs /health of the same app, 50 concurrent clients."""

import asyncio
import os
import random
import socket
import subprocess
import sys
import time

import httpx

from services.store.views import ViewDB
from tests.integration.kit import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _hammer(base: str, paths: list[str], clients: int, per_client: int) -> list[float]:
    timings: list[float] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:

        async def client(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(per_client):
                path = rng.choice(paths)
                started = time.perf_counter()
                response = await http.get(path)
                timings.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)

        await asyncio.gather(*(client(n) for n in range(clients)))
    return sorted(timings)


def _pct(timings: list[float], q: float) -> float:
    return timings[int(q * (len(timings) - 1))] * 1000


async def api_latency(store_url: str, clients: int = 50, per_client: int = 40) -> dict[str, float]:
    db = ViewDB(store_url)
    with db.read() as tx:
        pos = [r["po_number"] for r in tx.all("SELECT po_number FROM po_status LIMIT 2000")]
    db.close()
    port = _free_port()
    env = {
        **os.environ,
        "POTRACK_STORE_URL": store_url,
        "POTRACK_API_PORT": str(port),
        "POTRACK_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "services.cli", "api"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
        await _hammer(base, ["/health"], 10, 10)  # warm-up
        health = await _hammer(base, ["/health"], clients, per_client)
        lookup = await _hammer(base, [f"/pos/{po}" for po in pos], clients, per_client)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {
        "health_p50": _pct(health, 0.5),
        "health_p99": _pct(health, 0.99),
        "pos_p50": _pct(lookup, 0.5),
        "pos_p99": _pct(lookup, 0.99),
        "requests": len(lookup),
    }
