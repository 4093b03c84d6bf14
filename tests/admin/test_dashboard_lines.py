"""The dashboard per line: calls belong to the line whose menu answered them (or, when
none did, to the line their number is routed to); figures, charts, the CSV and the
sentences to teach follow the chosen line, and an operator limited to lines can count
only theirs."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import select

from app.demo.northwind import DEMO_NUMBER, DENTAL_NUMBER
from app.hold.models import HoldChannel
from app.models import Call, CallEvent, Menu, MenuVersion, db
from tests.admin.test_dashboard import charts_on, figures
from tests.conftest import add_user

CLINIC, NORTHWIND = "brightsmile-dental", "northwind-main"
RANGE = "from=2024-03-01&to=2024-03-03"
DAY = datetime(2024, 3, 2, 10)
# (line whose menu answered, or None, dialled number, outcome, what the caller said)
CALLS = [
    (NORTHWIND, DEMO_NUMBER, "self_service", "gas leak"),
    (NORTHWIND, DEMO_NUMBER, "escalated", None),
    (NORTHWIND, DEMO_NUMBER, "self_service", None),
    (CLINIC, DENTAL_NUMBER, "escalated", "wisdom tooth"),
    (None, DENTAL_NUMBER, "abandoned_in_ivr", None),  # the database failed before a menu
]


def version_of(line: str) -> int:
    return db.session.scalar(select(MenuVersion.id).join(Menu).where(Menu.name == line))


@pytest.fixture
def calls(app):
    for i, (line, number, outcome, said) in enumerate(CALLS):
        call = Call(call_sid=f"CAline{i}", from_number="+15550000000", to_number=number,
                    outcome=outcome, started_at=DAY,
                    menu_version_id=version_of(line) if line else None)
        db.session.add(call)
        if said:
            db.session.add(CallEvent(call=call, kind="no_match", node="main", at=DAY,
                                     detail={"speech": said, "score": 0.1}))
    db.session.commit()


@pytest.fixture
def clinic_operator(client, login):
    clara = add_user("clara", "operator")
    clara.lines = [CLINIC]
    db.session.commit()
    login("clara")
    return client


def calls_shown(page: str) -> int:
    return int(page.split('id="fig-calls">Calls<b>')[1].split("<")[0])


def line_options(page: str) -> list[str]:
    select_ = page.split('<select id="line" name="line">')[1].split("</select>")[0]
    return [part.split('"')[0] for part in select_.split('<option value="')[1:]]


def csv_table(answer) -> dict:
    return {(r[0], r[1]): r[2:] for r in csv.reader(io.StringIO(answer.get_data(as_text=True)))}


def test_an_unlimited_operator_chooses_any_line_or_all(operator, calls):
    every = operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    assert calls_shown(every) == 5
    assert line_options(every) == ["", CLINIC, NORTHWIND]
    assert ">All lines<" in every

    clinic = operator.get(f"/admin/dashboard?{RANGE}&line={CLINIC}").get_data(as_text=True)
    assert calls_shown(clinic) == 2  # the call no menu answered counts by its number
    assert figures(charts_on(clinic)["outcomes"]) == {"escalated": 1, "abandoned_in_ivr": 1}
    assert f'<option value="{CLINIC}" selected>' in clinic
    assert "wisdom tooth" in clinic and "gas leak" not in clinic  # the sentences to teach
    northwind = operator.get(f"/admin/dashboard?{RANGE}&line={NORTHWIND}")
    assert calls_shown(northwind.get_data(as_text=True)) == 3


def test_hold_channels_are_the_chosen_lines(operator, app):
    clinic = charts_on(operator.get(f"/admin/dashboard?{RANGE}&line={CLINIC}")
                       .get_data(as_text=True))
    own = set(db.session.scalars(select(HoldChannel.name).where(HoldChannel.line == CLINIC,
                                                                HoldChannel.active)))
    assert own and set(clinic["hold-callers"]["labels"]) == own


def test_the_csv_follows_the_chosen_line(operator, calls):
    answer = operator.get(f"/admin/dashboard.csv?{RANGE}&line={CLINIC}")
    assert f'filename="holdline-{CLINIC}-2024-03-01-2024-03-03.csv"' \
        in answer.headers["Content-Disposition"]
    table = csv_table(answer)
    assert table[("calls", "total")] == ["2"]
    assert table[("outcome", "abandoned_in_ivr")] == ["1"]
    assert ("unrecognised", "gas leak") not in table
    assert csv_table(operator.get(f"/admin/dashboard.csv?{RANGE}"))[("calls", "total")] == ["5"]
    page = operator.get(f"/admin/dashboard?{RANGE}&line={CLINIC}").get_data(as_text=True)
    assert f"line={CLINIC}" in page.split('id="csv" href="')[1].split('"')[0]


def test_a_limited_operator_sees_only_their_lines(clinic_operator, calls):
    page = clinic_operator.get(f"/admin/dashboard?{RANGE}").get_data(as_text=True)
    assert calls_shown(page) == 2  # by default: their lines only
    assert line_options(page) == ["", CLINIC] and ">All my lines<" in page
    assert NORTHWIND not in page and "gas leak" not in page
    assert csv_table(clinic_operator.get(f"/admin/dashboard.csv?{RANGE}"))[
        ("calls", "total")] == ["2"]


def test_a_limited_operator_cannot_ask_for_another_line(clinic_operator, calls):
    assert clinic_operator.get(f"/admin/dashboard?{RANGE}&line={NORTHWIND}").status_code == 404
    assert clinic_operator.get(f"/admin/dashboard.csv?line={NORTHWIND}").status_code == 404
    # nor for a line that does not exist (which would tell them which ones do)
    assert clinic_operator.get(f"/admin/dashboard?{RANGE}&line=nowhere").status_code == 404
