"""The wallboard's figures from plain rows: service level at its edges, abandoned and
longest wait counted today only, callbacks and agents."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.supervisor.figures import Agent, Entry, board

NOW = datetime(2026, 12, 2, 10, 0, 0)
MIDNIGHT = datetime(2026, 12, 2)


def ended(outcome: str, wait_s: int | None, at: datetime = NOW, queue: str = "general",
          joined: datetime | None = None) -> Entry:
    joined = joined or at - timedelta(seconds=wait_s or 0)
    return Entry(queue, joined, outcome, at, wait_s)


def only(entries, callbacks=(), agents=(), threshold_s=20, queues=(), states=()):
    return board(entries, list(callbacks), list(agents), NOW, threshold_s, list(queues), states)


def test_service_level_counts_a_wait_of_exactly_the_threshold_as_in_time():
    general, = only([ended("answered", 20), ended("answered", 21)]).queues
    assert (general.answered, general.answered_in_time) == (2, 1)
    assert general.service_level == 0.5


def test_service_level_counts_abandoned_waits_but_not_callbacks():
    general, = only([ended("answered", 5), ended("abandoned", 3), ended("callback", 90),
                     ended("voicemail", 200)]).queues
    assert general.service_level == 0.5  # 1 in time of answered 1 + abandoned 1


def test_service_level_is_unknown_not_zero_before_any_wait_ended():
    general, = only([Entry("general", NOW - timedelta(seconds=400))]).queues
    assert general.service_level is None and general.waiting == 1


def test_service_level_follows_the_threshold_and_falls_back_to_the_wait_between_times():
    # no provider queue time: joined 30 s before it ended
    late = Entry("general", NOW - timedelta(seconds=30), "answered", NOW, None)
    assert only([late]).queues[0].service_level == 0.0
    assert only([late], threshold_s=30).queues[0].service_level == 1.0


def test_abandoned_and_answered_count_today_only():
    yesterday = MIDNIGHT - timedelta(seconds=1)
    general, = only([ended("abandoned", 50, at=yesterday), ended("abandoned", 50, at=MIDNIGHT),
                     ended("answered", 5, at=yesterday)]).queues
    assert (general.abandoned, general.answered, general.service_level) == (1, 0, 0.0)


def test_longest_wait_is_the_earliest_caller_still_waiting():
    entries = [Entry("general", NOW - timedelta(seconds=95)),
               Entry("general", NOW - timedelta(seconds=12)),
               ended("answered", 600),  # waited longer, but is no longer waiting
               Entry("billing", NOW - timedelta(seconds=7))]
    billing, general = only(entries).queues
    assert (general.waiting, general.longest_wait_s) == (2, 95)
    assert (billing.waiting, billing.longest_wait_s) == (1, 7)


def test_a_queue_nobody_waits_in_is_listed_with_zeros_and_its_callbacks():
    general, sales = only([], callbacks=["sales", "sales"], queues=["general"]).queues
    assert (general.queue, general.waiting, general.longest_wait_s) == ("general", 0, 0)
    assert (sales.queue, sales.callbacks_pending, general.callbacks_pending) == ("sales", 2, 0)


def test_agents_with_their_time_in_state_and_counts_by_state():
    result = only([], agents=[Agent(2, "bea", "busy", NOW - timedelta(seconds=75)),
                              Agent(1, "Andy", "available", None),
                              Agent(3, "cy", "busy", NOW - timedelta(seconds=3))],
                  states=("available", "away"))
    assert [(a.name, a.state, a.in_state_s) for a in result.agents] == [
        ("Andy", "available", None), ("bea", "busy", 75), ("cy", "busy", 3)]
    assert result.agents_by_state() == {"available": 1, "away": 0, "busy": 2}


def test_the_rolling_hour_keeps_the_last_60_minutes_across_midnight():
    early = ended("abandoned", 30, at=NOW - timedelta(hours=2))  # today, not the last hour
    recent = [ended("answered", 5, at=NOW - timedelta(minutes=59)), ended("answered", 50)]
    general, = only([early, *recent]).queues
    assert (general.service_level, general.last_hour.service_level) == (1 / 3, 0.5)
    assert (general.last_hour.answered, general.last_hour.abandoned) == (2, 0)

    after_midnight = MIDNIGHT + timedelta(minutes=20)
    late_last_night = ended("answered", 5, at=MIDNIGHT - timedelta(minutes=30))
    general, = board([late_last_night], [], [], after_midnight, 20).queues
    assert general.service_level is None and general.last_hour.service_level == 1.0
