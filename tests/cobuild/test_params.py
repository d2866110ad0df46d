"""cobuild.params: one parser per kind of parameter, each with a clear answer."""

import datetime as dt

import pytest
from django.http import Http404
from django.test import RequestFactory

from cobuild import params


@pytest.mark.parametrize("raw, expected", [
    ("12", 12), (" 7 ", 7), ("²", None), ("٣", None), ("-1", None), ("0", None), ("", None), (None, None),
    ("99999999999999999999", None), (str(2**63 - 1), 2**63 - 1), ("1e3", None), ("x" * 10_000, None),
])
def test_parse_id(raw, expected):
    assert params.parse_id(raw) == expected


def test_id_or_404_says_why():
    with pytest.raises(Http404, match="没有这个单位"):
        params.id_or_404("²", "没有这个单位。")


@pytest.mark.parametrize("raw, message", [
    ("0001-01-01", "日期应在 2000-01-01 至 2100-12-31 之间"), ("9999-12-31", "日期应在"),
    ("2024-02-30", "日期格式应为 YYYY-MM-DD"), ("２０２４-01-01", "日期格式应为"), ("x" * 10_000, "日期格式应为"),
])
def test_parse_date_refuses_with_a_chinese_message(raw, message):
    with pytest.raises(ValueError, match=message):
        params.parse_date(raw)


def test_parse_date_reads_a_plain_date():
    assert params.parse_date("2024-07-01") == dt.date(2024, 7, 1)
    assert params.parse_date("") is None


def test_text_and_codes():
    assert params.parse_text(" 村\x00委 ") == "村委"
    assert len(params.parse_text("x" * 10_000)) == params.TEXT_MAX
    assert params.parse_code("TL-01") == "TL-01"
    assert params.parse_code("x" * 65) is None and params.parse_code("a\x00") is None


def test_date_field_range():
    from django import forms

    class F(forms.Form):
        d = params.DateField()

    assert not F({"d": "0001-01-01"}).is_valid()
    assert F({"d": "0001-01-01"}).errors["d"] == ["日期应在 2000-01-01 至 2100-12-31 之间。"]
    assert F({"d": "９"}).errors["d"] == [params.DATE_FORMAT_MESSAGE]
    assert F({"d": "2024-07-01"}).is_valid()


def test_local_url_keeps_only_paths_of_this_site():
    request = RequestFactory().get("/")
    assert params.local_url(request, "/pairings/help-pairs/?village=3") == "/pairings/help-pairs/?village=3"
    for bad in ("²", "home", "//evil.example/", "https://evil.example/", "javascript:alert(1)", None, "/a\x00"):
        assert params.local_url(request, bad) is None, bad


@pytest.mark.parametrize("key, value, bad", [
    ("date__year", "2024", False), ("date__year", "99999999999999999999", True), ("date__year", "1", True),
    ("date__month", "13", True), ("date__day", "²", True), ("attempt_time__gte", "0001-01-01", True),
    ("attempt_time__lt", "2026-12-06 00:00:00+08:00", False), ("id__gte", "5", False),
])
def test_admin_date_filters(key, value, bad):
    assert params.bad_filter(key, value) is bad
