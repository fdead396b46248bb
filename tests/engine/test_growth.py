"""HSC-8 growth rates: Decimal, 2 places half up, no rate without last year."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from serviceeval.engine.growth import format_growth, growth_rate

figures = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)


def test_growth_rate_hsc8_is_percent_of_last_year():
    assert growth_rate(Decimal("120"), Decimal("100")) == Decimal("20.00")
    assert growth_rate(Decimal("90"), Decimal("100")) == Decimal("-10.00")


def test_growth_rate_hsc8_rounds_half_up_to_two_places():
    # 1/3 % -> 0.33; 2/3 -> 0.67; 0.005 -> 0.01 (half up, not banker's)
    assert growth_rate(Decimal("100.5"), Decimal("300")) == Decimal("-66.50")
    assert growth_rate(Decimal("200.01"), Decimal("200")) == Decimal("0.01")  # 0.005 → 0.01
    assert growth_rate(Decimal("4"), Decimal("3")) == Decimal("33.33")


def test_growth_rate_hsc8_missing_or_zero_last_year_gives_no_rate():
    assert growth_rate(Decimal("5"), None) is None
    assert growth_rate(Decimal("5"), Decimal("0")) is None
    assert growth_rate(None, Decimal("5")) is None
    assert format_growth(None) == "—"


def test_format_growth_hsc8_shows_percent():
    assert format_growth(Decimal("12.5")) == "12.50%"
    assert format_growth(Decimal("-3")) == "-3.00%"


@given(this=figures, last=figures)
def test_growth_rate_hsc8_never_raises_and_is_decimal(this, last):
    rate = growth_rate(this, last)
    if last == 0:
        assert rate is None
    else:
        assert isinstance(rate, Decimal)
        assert rate == rate.quantize(Decimal("0.01"))
        # Same sign as the change.
        assert (rate > 0) == (this > last) or rate == 0


@given(last=figures.filter(lambda d: d > 0))
def test_growth_rate_hsc8_no_change_is_zero(last):
    assert growth_rate(last, last) == Decimal("0.00")
