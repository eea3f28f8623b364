"""moto's server on 127.0.0.1, shared by the ECS provider and watch tests."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator

import pytest

from tests.adapters.aws.moto_ecs import EcsWorld
from tests.adapters.fault_proxy import FaultProxy


@pytest.fixture(scope="module", name="moto_url")
def _moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(name="world")
def _world(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> EcsWorld:
    """A fresh moto, reached the way users reach LocalStack: AWS_ENDPOINT_URL."""
    urllib.request.urlopen(urllib.request.Request(moto_url + "/moto-api/reset", method="POST"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    return EcsWorld(moto_url)


@pytest.fixture(name="faults")
def _faults(world: EcsWorld, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultProxy]:
    """A fault proxy in front of moto; the provider reaches AWS through it, the world's set-up does not."""
    proxy = FaultProxy(moto_url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.stop()
