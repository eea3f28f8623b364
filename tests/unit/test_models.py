"""Models are frozen values that round-trip through plain JSON data."""

from __future__ import annotations

import enum
import json
from datetime import datetime, timedelta, timezone

import attrs
import cattrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scdiag import models
from scdiag.models import DiagnosticRequest, DiagnosticResult, LogEntry
from scdiag.redaction import map_model_strings, map_strings
from scdiag.serialization import iso_timestamp, structure, unstructure

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=5, minutes=30))])
)
text = st.text(max_size=40)
small_ints = st.integers(min_value=-10, max_value=100_000)
st.register_type_strategy(datetime, aware_datetimes)
st.register_type_strategy(str, text)
st.register_type_strategy(int, small_ints)
st.register_type_strategy(float, st.floats(allow_nan=False, allow_infinity=False, width=32))
# Durations that a diagnosis can have: JSON carries them as seconds.
st.register_type_strategy(timedelta, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=366)))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.from_type(DiagnosticResult))
def test_a_result_round_trips_through_json(result: DiagnosticResult) -> None:
    """structure(json(unstructure(x))) == x for whole results, data included."""
    again = structure(json.loads(json.dumps(unstructure(result))), DiagnosticResult)
    assert again == result


@pytest.mark.parametrize("cls", [c for c in vars(models).values() if attrs.has(c) if isinstance(c, type)])
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_model_round_trips(cls: type, data: st.DataObject) -> None:
    """Each model on its own survives the trip."""
    value = data.draw(st.from_type(cls))
    assert structure(json.loads(json.dumps(unstructure(value))), cls) == value


def _cattrs_unstructure(value: object) -> object:
    """What cattrs makes of a model, with scdiag's times and enums."""
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, iso_timestamp)
    converter.register_unstructure_hook(timedelta, lambda value: value.total_seconds())
    converter.register_unstructure_hook_func(lambda t: isinstance(t, type) and issubclass(t, enum.Enum), lambda value: value.value)
    return converter.unstructure(value)


@pytest.mark.parametrize("cls", [c for c in vars(models).values() if attrs.has(c) if isinstance(c, type)])
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_model_as_plain_data_is_what_cattrs_makes_of_it(cls: type, data: st.DataObject) -> None:
    value = data.draw(st.from_type(cls))
    assert unstructure(value) == _cattrs_unstructure(value)


def _mask_q(text: str) -> str:
    # No enum value and no RFC 3339 time holds a "q": the plain-data path can rebuild what it masked.
    return text.replace("q", "*")


@pytest.mark.parametrize("cls", [c for c in vars(models).values() if attrs.has(c) if isinstance(c, type)])
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_masking_a_model_agrees_with_masking_its_plain_data(cls: type, data: st.DataObject) -> None:
    """A model's strings mapped in place are those mapped in its JSON form, skipped keys kept."""
    value = data.draw(st.from_type(cls))
    skip = frozenset({"timestamp", "first_seen", "message"})
    expected = structure(map_strings(unstructure(value), _mask_q, skip=skip), cls)
    assert map_model_strings(value, _mask_q, skip=skip) == expected


def test_a_model_without_the_string_is_returned_as_it_is() -> None:
    request = DiagnosticRequest(provider="aws", service_name="web")
    assert map_model_strings(request, _mask_q) is request


def test_a_float_field_given_an_int_holds_a_float() -> None:
    check = models.HealthCheckSpec(kind="liveness", interval_seconds=10, failure_threshold=3)
    assert type(check.interval_seconds) is float and check.interval_seconds == 10.0
    assert type(check.failure_threshold) is int


def test_naive_timestamps_are_refused() -> None:
    """A timestamp without a zone is an error at construction."""
    with pytest.raises(ValueError, match="timezone-aware"):
        LogEntry(message="x", timestamp=datetime(2026, 1, 1))


def test_models_are_frozen() -> None:
    """Values cannot be changed after construction."""
    request = DiagnosticRequest(provider="aws", service_name="web")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.service_name = "other"  # type: ignore[misc]
