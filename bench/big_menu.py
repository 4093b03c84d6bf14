"""Save a 6,000-node menu through the editor and print how long it took.

    .venv/bin/python bench/big_menu.py

The menu is the one tests/admin/test_menu_editor.py saves: validation and the editor's
node rows must stay linear in the size of the menu.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's app

from tests.admin.test_menu_editor import big_menu_yaml  # noqa: E402 (the test's menu)

SIZE = 6000


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def main() -> None:
    from app import create_app
    from app.config import TestConfig
    app = create_app(TestConfig)
    with app.app_context():
        from app.auth.models import User
        from app.migrate import upgrade
        from app.models import db

        upgrade()
        user = User(username="olive", role="operator")
        user.set_password("a-long-password")
        db.session.add(user)
        db.session.commit()
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": "olive", "password": "a-long-password",
                                    "csrf_token": token})
        text = big_menu_yaml()
        token = csrf_from(client.get("/admin/menus/new").get_data(as_text=True))
        started = time.perf_counter()
        response = client.post("/admin/menus/new", data={
            "csrf_token": token, "base_version": 0, "action": "draft", "yaml": text})
        saved = time.perf_counter() - started
        started = time.perf_counter()
        page = client.get("/admin/menus/big/edit")
        shown = time.perf_counter() - started
        print(f"{SIZE} nodes, {len(text) // 1024} KB: save {response.status_code} in "
              f"{saved:.2f} s, editor page {page.status_code} in {shown:.2f} s")


if __name__ == "__main__":
    main()
