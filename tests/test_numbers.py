"""The one number reader (`lims.numbers`): what it reads, what it refuses and what it says.

No database: every entry path (forms, batch, uploads, API, importers) calls these functions, so their rules are
tested once here and their wiring in each path's own tests.
"""
import math
import re
from decimal import Decimal

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from lims.numbers import NotANumber, number_text, read_number

THOUSANDS_SHAPE = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")


@pytest.mark.parametrize(("typed", "number"), [
    ("20.9", 20.9), ("20,9", 20.9), (" 21,4 ", 21.4), ("0,234", 0.234), ("1234,5", 1234.5), ("-0,5", -0.5),
    (",5", 0.5), ("5.", 5.0), ("+5", 5.0), ("1.234", 1.234), ("1e-7", 1e-7), ("1,5e-3", 0.0015), ("007", 7.0),
    ("12,3456", 12.3456), ("1234,567", 1234.567),
])
def test_a_dot_or_a_plainly_decimal_comma_reads_as_the_decimal_point(typed, number):
    assert read_number(typed, label="Body weight") == number


@pytest.mark.parametrize(("typed", "message"), [
    ("1,234", "Body weight must be a number without a thousands separator: '1,234' could mean 1.234 or 1234; "
              "type 1.234 or 1234."),
    ("-12,500", "Body weight must be a number without a thousands separator: '-12,500' could mean -12.500 or "
                "-12500; type -12.500 or -12500."),
    ("1.234,5", "Body weight must be a number with no thousands separator or spaces, e.g. 1234.5; "
                "you typed '1.234,5'."),
    ("1,234.5", "Body weight must be a number with no thousands separator or spaces, e.g. 1234.5; "
                "you typed '1,234.5'."),
    ("1,234,567", "Body weight must be a number with no thousands separator or spaces, e.g. 1234567; "
                  "you typed '1,234,567'."),
    ("1 234", "Body weight must be a number with no thousands separator or spaces, e.g. 1234; you typed '1 234'."),
    ("21.4 g", "Body weight must be a number without a unit or note, e.g. 21.4; you typed '21.4 g'."),
    ("20,9g", "Body weight must be a number without a unit or note, e.g. 20.9; you typed '20,9g'."),
    ("2 0", "Body weight must be a number without spaces, e.g. 21.4; you typed '2 0'."),
    ("heavy", "Body weight must be a number, e.g. 21.4; you typed 'heavy'."),
    ("nan", "Body weight must be a number, e.g. 21.4; you typed 'nan'."),
    ("-inf", "Body weight must be a number, e.g. 21.4; you typed '-inf'."),
    ("٢٠", "Body weight must be a number, e.g. 21.4; you typed '٢٠'."),  # Arabic-Indic digits: float() takes them
    ("1_000", "Body weight must be a number, e.g. 21.4; you typed '1_000'."),  # so does float(): not a number here
    ("20.9.1", "Body weight must be a number, e.g. 21.4; you typed '20.9.1'."),
    ("", "Body weight must be a number, e.g. 21.4; you typed ''."),
    ("1e400", "Body weight: '1e400' is too large or too small to store; check the number."),
    ("1e-400", "Body weight: '1e-400' is too large or too small to store; check the number."),
])
def test_anything_ambiguous_is_refused_with_what_was_typed_and_how_to_write_it(typed, message):
    with pytest.raises(NotANumber) as refused:
        read_number(typed, label="Body weight")
    assert str(refused.value) == message
    assert refused.value.typed == typed


def test_a_number_is_taken_as_the_number_it_is_never_through_text():
    assert read_number(20.9) == 20.9 and read_number(21) == 21.0 and read_number(Decimal("21.40")) == 21.4
    assert read_number(0.1 + 0.2) == 0.1 + 0.2  # not str()'s rounding of it
    assert number_text(1e-7) == "1e-07" and number_text(20.9) == "20.9" and number_text("21") == "21.0"
    for bad in (True, float("nan"), float("inf"), None):
        with pytest.raises(NotANumber):
            read_number(bad, label="Body weight")


@pytest.mark.parametrize(("raw", "number"), [("12", 12), ("12.0", 12), ("12,0", 12), (12.0, 12), ("+3", 3),
                                             ("123456789012345678901234567890", 123456789012345678901234567890)])
def test_whole_numbers_read_exactly(raw, number):
    value = read_number(raw, integer=True)
    assert value == number and isinstance(value, int)


@pytest.mark.parametrize(("raw", "message"), [
    ("12.5", "Pups must be a whole number, e.g. 12; you typed '12.5'."),
    ("12,5", "Pups must be a whole number, e.g. 12; you typed '12,5'."),
    (12.5, "Pups must be a whole number, e.g. 12; the cell holds 12.5."),
    ("1,234", "Pups must be a whole number without a thousands separator, e.g. 1234; you typed '1,234'."),
])
def test_whole_numbers_refuse_fractions(raw, message):
    with pytest.raises(NotANumber) as refused:
        read_number(raw, label="Pups", integer=True)
    assert str(refused.value) == message


def test_the_example_can_be_the_parameters_own():
    with pytest.raises(NotANumber) as refused:
        read_number("n/a", label="Heart weight", example="150")
    assert str(refused.value) == "Heart weight must be a number, e.g. 150; you typed 'n/a'."


# --- Properties -------------------------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(finite)
@example(20.9)
@example(1.234)
@example(-0.0)
@example(5e-324)
@example(1.7976931348623157e308)
def test_any_float_written_with_a_dot_reads_back_as_itself(number):
    assert read_number(repr(number)) == number
    assert read_number(f"{number:.17g}") == number
    assert number_text(repr(number)) == repr(number)


@given(finite)
@example(20.9)
@example(21.4)
@example(1.234)
@example(123.456)
def test_any_float_written_with_a_comma_reads_back_as_itself_or_is_refused_as_ambiguous(number):
    """A comma form reads back exactly, except the thousands-group shape ("1,234", "123,456"), which could be
    either number: it is refused, never read as another number."""
    written = repr(number).replace(".", ",")
    if THOUSANDS_SHAPE.fullmatch(written):
        with pytest.raises(NotANumber, match="could mean"):
            read_number(written)
    else:
        assert read_number(written) == number


@given(finite, st.integers(min_value=0, max_value=12))
def test_a_float_rounded_to_any_number_of_decimals_reads_as_that_rounding(number, decimals):
    assume(math.isfinite(float(f"{number:.{decimals}f}")))
    written = f"{number:.{decimals}f}"
    assert read_number(written) == float(written)
    comma = written.replace(".", ",")
    if not THOUSANDS_SHAPE.fullmatch(comma):
        assert read_number(comma) == float(written)


@given(st.text(alphabet="0123456789.,+-eE g'", max_size=14))
def test_nothing_is_ever_dropped_from_what_was_typed(typed):
    """Whatever is accepted is exactly the typed number with its comma as the decimal point: no digit, separator
    or sign is ever thrown away to make it read (the old replace(",", "") turned 20,9 into 209)."""
    try:
        number = read_number(typed)
    except NotANumber:
        return
    assert number == float(Decimal(typed.strip().replace(",", ".")))
    assert typed.strip().count(",") + typed.strip().count(".") <= 1


@given(st.integers(min_value=-10**30, max_value=10**30))
def test_any_integer_reads_back_as_itself(number):
    assert read_number(str(number), integer=True) == number
    assert read_number(number, integer=True) == number
