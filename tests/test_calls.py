"""Round trips from call times: what `extensions.cost` and the benchmark's proxy report."""

from __future__ import annotations

from data.calls import sequential_trips


def test_overlapping_calls_are_one_trip_and_later_ones_another() -> None:
    # A BatchGetItem and two Queries leave together; the next wave after all are back.
    wave_one = [(0.0, 5.0), (0.1, 9.0), (0.2, 7.0)]
    wave_two = [(9.5, 12.0), (9.6, 11.0)]
    assert sequential_trips(wave_one + wave_two) == 2
    # A call sent while an earlier one is still out joins its trip.
    assert sequential_trips([(0.0, 5.0), (4.0, 8.0), (8.0, 9.0)]) == 2
    assert sequential_trips([]) == 0
