"""The pure rules: working days, akimat deadlines, the campaign period, certification."""

from datetime import date

from events import rules

NONE: set[date] = set()


def test_notice_deadline_counts_five_working_days_back_skipping_weekend():
    # Monday 30 Nov 2026: Fri 27, Thu 26, Wed 25, Tue 24, Mon 23.
    assert rules.notice_deadline(date(2026, 11, 30), 5, NONE) == date(2026, 11, 23)


def test_notice_deadline_skips_public_holidays():
    # Friday 18 Dec 2026; Independence Day Wed 16 Dec is a holiday: 17, 15, 14, 11, 10.
    assert rules.notice_deadline(date(2026, 12, 18), 5, {date(2026, 12, 16)}) == date(2026, 12, 10)


def test_march_needs_ten_working_days():
    assert rules.notice_deadline(date(2026, 11, 30), 10, NONE) == date(2026, 11, 16)


def test_event_on_a_weekend_counts_back_from_friday():
    # Saturday 5 Dec 2026: Fri 4 is the first working day back.
    assert rules.notice_deadline(date(2026, 12, 5), 1, NONE) == date(2026, 12, 4)


CAMPAIGN = rules.CampaignPeriod(agitation_starts_on=date(2027, 2, 1), election_day=date(2027, 3, 14))


def test_agitation_before_campaign_is_warned():
    assert rules.agitation_warnings(event_day=date(2027, 1, 31), is_agitation=True, campaign=CAMPAIGN)


def test_agitation_on_the_day_of_silence_and_election_day_is_warned():
    assert "silence" in rules.agitation_warnings(event_day=date(2027, 3, 13), is_agitation=True, campaign=CAMPAIGN)[0]
    assert (
        "election day" in rules.agitation_warnings(event_day=date(2027, 3, 14), is_agitation=True, campaign=CAMPAIGN)[0]
    )


def test_agitation_inside_the_period_and_non_agitation_events_pass():
    assert rules.agitation_warnings(event_day=date(2027, 3, 12), is_agitation=True, campaign=CAMPAIGN) == []
    assert rules.agitation_warnings(event_day=date(2027, 3, 13), is_agitation=False, campaign=CAMPAIGN) == []
    assert rules.agitation_warnings(event_day=date(2027, 3, 13), is_agitation=True, campaign=None) == []


def test_certified_needs_attendance_and_pass_mark():
    assert rules.is_certified(attended=True, score=70, pass_mark=70)
    assert not rules.is_certified(attended=True, score=69, pass_mark=70)
    assert not rules.is_certified(attended=False, score=100, pass_mark=70)
    assert not rules.is_certified(attended=True, score=None, pass_mark=70)
