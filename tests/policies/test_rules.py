from datetime import date

import pytest

from policies.rules import age_on, period_containing, school_year_start, text_length
from policies.services import policy_load_preset

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy():
    return policy_load_preset(actor=None, code="liuzhou-2024")


def test_school_year_turns_on_the_first_of_september(policy):
    assert school_year_start(policy, date(2025, 8, 31)) == date(2024, 9, 1)
    assert school_year_start(policy, date(2025, 9, 1)) == date(2025, 9, 1)
    before = period_containing(policy, "school_year", date(2025, 8, 31))
    after = period_containing(policy, "school_year", date(2025, 9, 1))
    assert (before.start, before.end) == (date(2024, 9, 1), date(2025, 8, 31))
    assert (after.start, after.end) == (date(2025, 9, 1), date(2026, 8, 31))


def test_semesters_split_the_school_year(policy):
    autumn = period_containing(policy, "semester", date(2025, 1, 31))
    spring = period_containing(policy, "semester", date(2025, 2, 1))
    assert (autumn.start, autumn.end) == (date(2024, 9, 1), date(2025, 1, 31))
    assert (spring.start, spring.end) == (date(2025, 2, 1), date(2025, 8, 31))
    assert autumn.label != spring.label


def test_semester_labels_are_written_as_users_write_them(policy):
    from django.utils import translation

    with translation.override("zh-hans"):
        label = period_containing(policy, "semester", date(2024, 10, 1)).label
        assert label == "2024—2025学年第一学期"
        assert period_containing(policy, "school_year", date(2024, 10, 1)).label == "2024—2025学年"


def test_a_calendar_moved_by_the_policy_moves_the_periods(policy):
    policy.spring_semester_start_month, policy.spring_semester_start_day = 3, 1
    assert period_containing(policy, "semester", date(2025, 2, 20)).start == date(2024, 9, 1)


def test_months_and_years(policy):
    feb = period_containing(policy, "month", date(2024, 2, 10))
    assert (feb.start, feb.end) == (date(2024, 2, 1), date(2024, 2, 29))
    year = period_containing(policy, "year", date(2024, 12, 31))
    assert (year.start, year.end) == (date(2024, 1, 1), date(2024, 12, 31))


def test_plan_length_counts_like_a_word_processor(policy):
    assert text_length(policy, "指导思想") == 4
    assert text_length(policy, "立德树人，五育并举。") == 10
    assert text_length(policy, "开展 PBL 项目式学习 3 次") == 5 + 1 + 1 + 2 + 1
    assert text_length(policy, "  \n\t ") == 0


def test_plan_length_without_white_space(policy):
    policy.plan_length_method = "non_whitespace"
    assert text_length(policy, "开展 PBL 学习") == 7


def test_age_in_full_years():
    assert age_on(date(1975, 6, 1), date(2025, 5, 31)) == 49
    assert age_on(date(1975, 6, 1), date(2025, 6, 1)) == 50
