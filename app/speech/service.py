"""Built-in speech for the app: which listens it takes, its models and its recognizer cap.

One ModelRegistry per models directory per process (a model is ~500 MB: never one per
app or per call); one RecognizerPool per app, sized by HOLDLINE_MAX_RECOGNIZERS.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from flask import Flask, current_app

from ..flow import node_types
from ..flow.actions import Listen
from .capacity import RecognizerPool
from .registry import LoadedModel, ModelError, ModelRegistry

log = logging.getLogger(__name__)
_registries: dict[str, ModelRegistry] = {}
_lock = threading.Lock()


def registry(app: Flask | None = None) -> ModelRegistry:
    models_dir = (app or current_app).config["MODELS_DIR"]
    with _lock:
        if models_dir not in _registries:
            _registries[models_dir] = ModelRegistry(models_dir)
        return _registries[models_dir]


def pool(app: Flask | None = None) -> RecognizerPool:
    app = app or current_app
    if "holdline.recognizers" not in app.extensions:
        app.extensions["holdline.recognizers"] = RecognizerPool(app.config["MAX_RECOGNIZERS"])
    return app.extensions["holdline.recognizers"]


def has_model(language: str) -> bool:
    try:
        registry().find(language)
        return True
    except ModelError:
        return False


def model_for(language: str) -> LoadedModel:
    return registry().get(language)


def why_not(listen: Listen) -> str | None:
    """Why this listen cannot use the built-in recognizer now (None: it can)."""
    if listen.numeric:
        return "digit entry stays with the provider's keypad and speech"
    if not has_model(listen.language):
        return f"no speech model installed for {listen.language}"
    pool_now = pool()
    if pool_now.in_use >= pool_now.capacity:
        return "all built-in recognizers are busy"
    return None


def as_provider(listen: Listen) -> Listen:
    return replace(listen, recognizer="provider")


def vosk_languages(menu) -> set[str]:
    """Languages of the nodes in a menu that ask for the built-in recognizer."""
    default = menu.settings
    return {node.language or default.language for node in menu.nodes.values()
            if (getattr(node, "recognizer", None) or default.recognizer) == "vosk"
            and node_types.of(node).listens}


def check_published(app: Flask, wait: bool = False) -> list[str]:
    """check_menus over every published menu (nothing to check before the first migration).
    wait=True loads the models before returning (gunicorn's master, before it forks)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from ..menus import menu_of
    from ..models import MenuVersion, db

    try:
        with app.app_context():
            versions = db.session.scalars(select(MenuVersion).where(
                MenuVersion.status == "published")).all()
            definitions = [menu_of(version) for version in versions]
    except SQLAlchemyError as exc:
        log.warning("could not read the published menus for a speech check: %s", exc)
        return []
    return check_menus(app, definitions, wait)


def check_menus(app: Flask, menus: list, wait: bool = False) -> list[str]:
    """Start-up: warn for each published menu language with no model; load the others."""
    warnings, wanted = [], set()
    for menu in menus:
        for language in sorted(vosk_languages(menu)):
            try:
                wanted.add(registry(app).find(language).language)
            except ModelError:
                warnings.append(f"menu {menu.name!r} asks for built-in speech in "
                                f"{language} but no model is installed: those prompts "
                                f"use provider speech (flask models download NAME)")
    for warning in warnings:
        log.warning(warning)
    for language in wanted:  # the first call should not wait seconds for a model load
        if wait:
            _preload(registry(app), language)
        else:
            threading.Thread(target=_preload, args=(registry(app), language),
                             daemon=True).start()
    return warnings


def _preload(models: ModelRegistry, language: str) -> None:
    loaded = models.get(language)
    log.info("speech model %s loaded for %s in %.1f s", loaded.info.name, language,
             loaded.load_seconds)
