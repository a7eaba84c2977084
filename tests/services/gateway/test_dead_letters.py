"""A dead letter always fits its topic: an oversized value is named, not carried (§4)."""

from services.kafka import DEAD_LETTER_VALUE_MAX, fit_dead_letter


def test_a_value_that_fits_goes_into_the_dead_letter_unchanged() -> None:
    value = b"x" * DEAD_LETTER_VALUE_MAX

    assert fit_dead_letter(value) == (value, [])
    assert fit_dead_letter(None) == (None, [])


def test_a_value_too_large_for_the_topic_is_left_out_with_its_size() -> None:
    value, headers = fit_dead_letter(b"x" * (DEAD_LETTER_VALUE_MAX + 1))

    assert value is None
    assert headers == [
        (
            "potrack-value-omitted",
            f"{DEAD_LETTER_VALUE_MAX + 1} bytes, over the dead-letter record limit; "
            "see the source position".encode(),
        )
    ]
