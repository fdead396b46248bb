"""Issue 15 item 3: dates typed in the ROC calendar (and the Gregorian one) are read,
shown back as 民國115年4月30日, and refused with a message that names the field."""

from datetime import date, datetime, timedelta

import pytest
from django import forms
from django.template import engines
from django.utils import timezone, translation
from hypothesis import given
from hypothesis import strategies as st

from serviceeval.core.formfields import RocDateField, RocDateTimeField, roc_date_input
from serviceeval.core.roc import (
    DateNotRead,
    NoSuchDay,
    format_roc_date,
    parse_roc_date,
    parse_roc_datetime,
)

APRIL_30 = date(2026, 4, 30)


@pytest.mark.parametrize(
    "text",
    [
        "民國115年4月30日",
        "民國 115/04/30",
        "中華民國115年04月30日",
        "115年4月30日",
        "115/04/30",
        "115/4/30",
        "115-04-30",
        "115.4.30",
        "1150430",
        " 115 / 04 / 30 ",
        "１１５／０４／３０",
        "民國１１５年４月３０日",
        "2026-04-30",
        "2026/04/30",
        "2026年4月30日",
        "20260430",
    ],
)
def test_every_accepted_form_reads_as_the_same_day(text):
    assert parse_roc_date(text) == APRIL_30


@pytest.mark.parametrize(
    "text",
    ["", "明天", "115/04", "115/04-30", "990430", "0/1/1", "民國2026/04/30", "2026-04-30T17:00"],
)
def test_text_that_is_not_a_date_is_refused(text):
    with pytest.raises(DateNotRead):
        parse_roc_date(text)


@pytest.mark.parametrize("text", ["115/02/30", "民國115年2月29日", "2027-13-01", "115/04/31"])
def test_a_day_the_calendar_does_not_have_is_refused(text):
    with pytest.raises(NoSuchDay):
        parse_roc_date(text)


def test_very_long_text_is_refused_without_reading_it():
    with pytest.raises(DateNotRead):
        parse_roc_date("1" * 10_000)


@pytest.mark.parametrize(
    "text",
    [
        "民國115年4月30日 17:00",
        "民國115年4月30日17:00",
        "115/04/30 17:00",
        "115-04-30 17:00",
        "１１５/０４/３０　１７：００",
        "2026-04-30T17:00",
        "2026-04-30 17:00",
        "2026-04-30T17:00:00",
    ],
)
def test_a_date_and_time_reads_as_that_moment_in_taipei(text):
    moment = parse_roc_datetime(text)
    assert timezone.is_aware(moment)
    assert moment.isoformat() == "2026-04-30T17:00:00+08:00"


@pytest.mark.parametrize("text", ["115/04/30 25:00", "115/04/30 17", "115/04/30 下午5點", "x"])
def test_a_time_that_does_not_read_is_refused(text):
    with pytest.raises(DateNotRead):
        parse_roc_datetime(text)


def test_a_date_alone_is_the_start_of_that_day():
    assert parse_roc_datetime("115/04/30").isoformat() == "2026-04-30T00:00:00+08:00"


# ROC years 1 to 999 (a year of four digits is Gregorian).
days = st.dates(min_value=date(1912, 1, 1), max_value=date(2910, 12, 31))


@given(days)
def test_every_day_shown_reads_back_as_itself(day):
    roc = day.year - 1911
    assert parse_roc_date(format_roc_date(day)) == day
    assert parse_roc_date(f"{roc}/{day:%m/%d}") == day
    assert parse_roc_date(f"{roc}-{day.month}-{day.day}") == day
    assert parse_roc_date(day.isoformat()) == day


@given(days, st.integers(0, 23), st.integers(0, 59))
def test_every_moment_shown_reads_back_as_itself(day, hour, minute):
    moment = timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))
    assert parse_roc_datetime(format_roc_date(moment, with_time=True)) == moment
    assert parse_roc_datetime(f"{day.isoformat()}T{hour:02d}:{minute:02d}") == moment


# --- the form fields ---------------------------------------------------------------


class DueForm(forms.Form):
    due = RocDateField(label="截止日期")
    at = RocDateTimeField(label="撥測時間", required=False)
    day = RocDateField(label="評分期限", help_text="當日 23:59 止。", required=False)


def test_fields_clean_roc_text_to_a_date_and_an_aware_moment():
    form = DueForm({"due": "民國115年4月30日", "at": "115/04/30 17:00"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["due"] == APRIL_30
    assert form.cleaned_data["at"].isoformat() == "2026-04-30T17:00:00+08:00"
    assert form.cleaned_data["day"] is None


def test_the_message_names_the_field_and_the_form_keeps_what_was_typed():
    with translation.override("zh-hant"):
        form = DueForm({"due": "四月底", "at": "115/04/30 下午"})
        assert not form.is_valid()
        assert form.errors["due"] == [
            "「截止日期」無法辨識為日期：請以「民國115年4月30日」或「115/04/30」填寫。"
        ]
        assert form.errors["at"] == [
            "「撥測時間」無法辨識為日期時間：請以「民國115年4月30日 17:00」或「115/04/30 17:00」填寫。"
        ]
        html = str(form["due"])
        assert 'value="四月底"' in html and 'type="text"' in html
        assert 'value="115/04/30 下午"' in str(form["at"])
        missing = DueForm({"due": "115/02/30"})
        assert not missing.is_valid()
        assert missing.errors["due"] == [
            "「截止日期」：沒有「115/02/30」這一天，請檢查月份與日期。"
        ]


def test_the_message_is_english_in_english():
    with translation.override("en"):
        form = DueForm({"due": "end of April"})
        assert not form.is_valid()
        assert form.errors["due"] == [
            "“截止日期” could not be read as a date: write it as 115/04/30 (ROC) or 2026-04-30."
        ]


def test_a_value_is_shown_in_the_roc_calendar_with_the_accepted_forms():
    moment = timezone.make_aware(datetime(2026, 4, 30, 17, 0))
    with translation.override("zh-hant"):
        form = DueForm(initial={"due": APRIL_30, "at": moment})
        due, at = str(form["due"]), str(form["at"])
        assert 'value="民國115年4月30日"' in due
        assert 'value="民國115年4月30日 17:00"' in at
        for html in (due, at):
            assert 'type="text"' in html and 'autocomplete="off"' in html
            assert 'inputmode="text"' in html and "placeholder=" in html
            assert 'type="date' not in html
        assert 'placeholder="民國115年4月30日 17:00"' in at
        assert str(form["due"].help_text).startswith("可填「民國115年4月30日」")
        # A field's own help text comes first, then the accepted forms.
        assert str(form["day"].help_text).startswith("當日 23:59 止。 可填")
        assert 'aria-describedby="id_due_helptext"' in due


def test_a_bound_form_shows_the_typed_text_not_a_reformatted_date():
    form = DueForm({"due": "2026-04-30"})
    assert form.is_valid()
    assert 'value="2026-04-30"' in str(form["due"])


def test_the_hand_written_date_box_is_the_same_widget():
    with translation.override("zh-hant"):
        html = str(roc_date_input("on", "s7-on"))
        assert 'name="on"' in html and 'id="s7-on"' in html and "required" in html
        assert 'aria-describedby="s7-on_helptext"' in html
        assert '<small class="help" id="s7-on_helptext">可填' in html
        tag = engines["django"].from_string('{% load roc %}{% roc_date_input "on" "a" pk "-on" %}')
        assert 'id="a12-on"' in tag.render({"pk": 12})


def test_the_field_reads_dates_and_datetimes_given_as_values():
    field = RocDateField()
    assert field.clean(APRIL_30) == APRIL_30
    moment = timezone.make_aware(datetime(2026, 4, 30, 23, 30))
    assert field.clean(moment) == APRIL_30
    assert RocDateTimeField().clean(moment) == moment
    assert RocDateTimeField().clean(APRIL_30 + timedelta(days=1)).day == 1
