"""The calibration map: a non-decreasing step map fitted on (score, right) answers."""

from __future__ import annotations

import pytest

from scdiag.analysis.calibration import Calibration, builtin_calibration


def test_an_empty_map_reports_the_score() -> None:
    assert Calibration()(0.83) == 0.83


def test_a_step_gives_its_share_from_its_lowest_score() -> None:
    calibration = Calibration(((0.5, 0.6), (0.8, 0.9)))
    assert (calibration(0.79), calibration(0.8), calibration(0.99)) == (0.6, 0.9, 0.9)


def test_a_score_below_the_first_step_passes_through() -> None:
    assert Calibration(((0.5, 0.6),))(0.3) == 0.3


def test_a_step_of_only_right_answers_is_smoothed_below_one() -> None:
    fitted = Calibration.fit([(0.92, True)] * 8)
    assert fitted(0.92) == pytest.approx(0.9)


def test_a_higher_score_never_gets_a_lower_share() -> None:
    """A step with more wrong answers than the one below it is pooled with it."""
    fitted = Calibration.fit([(0.62, True)] * 10 + [(0.72, False)] * 6 + [(0.72, True)] * 2)
    shares = [share for _, share in fitted.steps]
    assert shares == sorted(shares)
    assert fitted(0.62) == fitted(0.72) < 11 / 12


def test_scores_below_the_floor_are_not_fitted() -> None:
    assert Calibration.fit([(0.2, False)] * 5).answers == 0


def test_a_table_round_trips_through_its_file_format() -> None:
    fitted = Calibration.fit([(0.62, True), (0.91, True), (0.93, False)])
    assert Calibration.from_json(fitted.to_json()) == fitted


def test_a_table_that_falls_is_refused() -> None:
    with pytest.raises(ValueError, match="never fall"):
        Calibration.from_json('{"steps": [[0.5, 0.9], [0.6, 0.7]]}')


def test_the_shipped_table_is_a_valid_map() -> None:
    shipped = builtin_calibration()
    assert shipped.steps and shipped.answers > 0


def test_a_step_without_answers_carries_the_share_below_it() -> None:
    fitted = Calibration.fit([(0.62, True)] * 4 + [(0.91, True)] * 20)
    assert fitted(0.75) == fitted(0.62) and fitted(0.91) > fitted(0.75)
