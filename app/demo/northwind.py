"""The demo: two lines on one server. Northwind Energy (menu, customers, outages and
service requests) answers the default route; Brightsmile Dental answers its own number."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from .. import menus
from ..models import Customer, Menu, Outage, ServiceRequest, db, utcnow
from .hold_seed import seed_hold

MENU_DIR = Path(__file__).parent / "menus"
DEMO_NUMBER = "+15005550006"
DENTAL_NUMBER = "+15005550011"  # the second demo line: Brightsmile Dental

CUSTOMERS = [  # name, phone, account (Luhn-valid), zip, balance in cents
    ("Maria Lopez", "+15551230001", "40000002", "94107", 8412),
    ("James Chen", "+15551230002", "40000010", "94110", 0),
    ("Aisha Khan", "+15551230003", "40000028", "94107", 15630),
    ("Tom Becker", "+15551230004", "40000036", "10001", 4299),
]
OUTAGES = [  # zip, area, customers affected, hours until restored, cause
    ("94107", "Potrero Hill", 1240, 3, "A damaged transformer is being replaced."),
]
REQUESTS = [  # number, account, kind, status, detail
    ("104217", "40000002", "start service at 12 Elm Street", "scheduled",
     "A technician will connect you tomorrow between 8 and 12."),
    ("104242", "40000010", "repair a street light", "in progress",
     "Crews are on site today."),
]


def seed() -> dict[str, int]:
    """Create what is missing and leave the rest: safe to run twice."""
    added = {"customers": 0, "outages": 0, "requests": 0, "menus": 0}
    for name, phone, account, zip_code, cents in CUSTOMERS:
        if not db.session.scalar(select(Customer).where(Customer.account_number == account)):
            db.session.add(Customer(name=name, phone=phone, account_number=account,
                                    zip=zip_code, balance_cents=cents,
                                    due_date=date.today() + timedelta(days=12)))
            added["customers"] += 1
    db.session.flush()
    for zip_code, area, affected, hours, cause in OUTAGES:
        if not db.session.scalar(select(Outage).where(Outage.zip == zip_code)):
            db.session.add(Outage(zip=zip_code, area=area, customers_affected=affected,
                                  eta=utcnow() + timedelta(hours=hours), cause=cause))
            added["outages"] += 1
    for number, account, kind, status, detail in REQUESTS:
        if not db.session.scalar(select(ServiceRequest).where(ServiceRequest.number == number)):
            owner = db.session.scalar(select(Customer).where(Customer.account_number == account))
            if owner is None:  # its customer is seeded just above
                raise LookupError(f"demo request {number} names no customer {account}")
            db.session.add(ServiceRequest(number=number, customer_id=owner.id, kind=kind,
                                          status=status, detail=detail))
            added["requests"] += 1
    added["menus"] = seed_menus()
    added["hold channels"] = seed_hold()
    db.session.commit()
    return added


def seed_menus() -> int:
    count = 0
    # Northwind first: the first line keeps the first ids, as before there were two
    for path in sorted(MENU_DIR.glob("*.yaml"), key=lambda p: (p.name != "northwind.yaml", p)):
        definition = menus.load_yaml(path.read_text())
        if db.session.scalar(select(Menu).where(Menu.name == definition["name"])) is None:
            menus.save_version(definition, publish=True, note=f"seeded from {path.name}")
            count += 1
    menus.route_number("default", "northwind-main")
    menus.route_number(DENTAL_NUMBER, "brightsmile-dental")
    return count
