"""A simulated stream with B2B documents, shared by the tests of this package."""

import pytest

from services.gateway.partners import Partners, parse_partners
from services.simulate.partners import partners_toml
from services.simulate.traffic import SimEvent, generate
from tests.services.simulate.support import START, SentLog

DOCUMENTS_COUNT = 4000  # some 500 POs


@pytest.fixture(scope="session")
def documents_stream() -> list[SimEvent]:
    """A month of traffic with B2B documents and a few more bad messages than usual."""
    return list(generate(8, DOCUMENTS_COUNT, START, documents=True, bad_fraction=0.03))


@pytest.fixture(scope="session")
def partners() -> Partners:
    """The simulated suppliers' partners file, as the gateway loads it."""
    return parse_partners(partners_toml(), "simulated partners")


@pytest.fixture(scope="session")
def sent_log(documents_stream: list[SimEvent]) -> SentLog:
    """Every po.sent of the stream, recorded (the gateway's correlation)."""
    return SentLog(e.value for e in documents_stream if e.bad is None and isinstance(e.value, dict))
