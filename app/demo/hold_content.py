"""Demo hold content made on this machine: synthesised music and spoken tips, no recordings.

The files are ordinary 16-bit WAV sources; they reach callers through import_audio like any
operator upload, so the demo exercises the real pipeline.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import subprocess
import tempfile
import wave
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from ..hold.audio import SegmentInfo, import_audio
from . import synth

# (seconds, generator, key in semitones, tempo factor) -> samples
Arranger = Callable[[float, np.random.Generator, int, float], np.ndarray]

GENRES: dict[str, Arranger] = {
    "jazz": synth.jazz,
    "classical": synth.classical,
    "ambient": synth.ambient,
}

# Each piece of a genre is its own track in another key and tempo: (semitones, tempo).
VARIATIONS = ((0, 1.0), (5, 0.94), (-3, 1.06), (2, 0.9), (-5, 1.1), (7, 0.97), (-2, 1.03),
              (3, 0.92), (-4, 1.08), (4, 1.0), (-1, 0.95), (6, 1.05))
PIECE_S, DEMO_PIECES = 186.0, 10  # 31 minutes a genre: a 30-minute wait hears no repeat

ENGLISH_TIPS = (
    "Thanks for holding. You can say agent at any time to reach a person.",
    "Did you know? You can check your balance by saying balance at the main menu.",
    "If you would rather not wait, say call me back, and we will ring you "
    "when an agent is free.",
    "We can text you a secure link to update your address in less than a minute.",
    "Tip: have your account number ready. It helps us help you faster.",
    "Our lines are quietest early in the morning and after seven in the evening.",
    "Your call is important to us, and you keep your place in the queue.",
    "Turning your thermostat down by one degree can cut heating costs by up to "
    "ten percent.",
    "Close curtains at dusk in winter: they keep the warmth of the day inside.",
    "A dishwasher run full uses less water than washing the same dishes by hand.",
    "Washing clothes at thirty degrees uses about half the energy of a hot wash.",
    "Unplug chargers you are not using. Standby power adds up over a year.",
    "Keep your fridge between three and five degrees, and the freezer at minus eighteen.",
    "Bleed your radiators in autumn so the whole radiator warms up.",
    "A lid on the pan boils water faster and uses less energy.",
    "Smart meters show what you use each hour, so you can spot waste at a glance.",
    "Draught strips on doors and windows are cheap and pay for themselves in one winter.",
    "Set your water heater to about sixty degrees: hot enough to be safe, not wasteful.",
    "Defrost your freezer when the ice is more than a few millimetres thick.",
    "Switch off lights in empty rooms. It is the simplest saving there is.",
    "If you are moving house, tell us your moving date and we will read the meter.",
    "You can pay your bill any day of the week by saying pay my bill at the main menu.",
    "During a power cut, unplug sensitive electronics so a surge cannot harm them.",
    "Keep a torch somewhere easy to find, in case the lights go out at night.",
    "Tumble dryers use a lot of energy. On a dry day, a washing line is free.",
    "An energy efficient kettle, filled only as much as you need, saves every day.",
    "Loft insulation keeps a quarter of your heat from escaping through the roof.",
    "Our online account shows your last twelve bills side by side.",
)
KOREAN_TIPS = (
    "기다려 주셔서 감사합니다. 언제든지 상담원이라고 말씀하시면 직원과 연결됩니다.",
    "알고 계셨나요? 처음 메뉴에서 요금 확인이라고 말씀하시면 잔액을 확인할 수 있습니다.",
    "기다리기 어려우시면 다시 전화해 달라고 말씀해 주세요. 상담원이 연결되면 전화드리겠습니다.",
    "주소 변경은 문자로 보내 드리는 안전한 링크로 1분 안에 하실 수 있습니다.",
    "고객 번호를 미리 준비해 주시면 더 빨리 도와드릴 수 있습니다.",
    "전화가 가장 한산한 때는 이른 아침과 저녁 7시 이후입니다.",
    "고객님의 전화는 소중합니다. 대기 순서는 그대로 유지됩니다.",
    "실내 온도를 1도만 낮춰도 난방비를 최대 10퍼센트까지 줄일 수 있습니다.",
    "겨울에는 해 질 녘에 커튼을 치면 낮의 온기가 집 안에 머뭅니다.",
    "식기세척기를 가득 채워 돌리면 손 설거지보다 물을 덜 씁니다.",
    "30도 세탁은 온수 세탁보다 에너지를 절반가량 덜 씁니다.",
    "쓰지 않는 충전기는 뽑아 두세요. 대기 전력도 1년이면 큰 차이가 납니다.",
    "냉장고는 3도에서 5도, 냉동고는 영하 18도로 맞춰 주세요.",
    "가을에는 라디에이터의 공기를 빼 주어야 골고루 따뜻해집니다.",
    "냄비 뚜껑을 덮으면 물이 더 빨리 끓고 에너지도 덜 듭니다.",
    "스마트 계량기로 시간대별 사용량을 보면 낭비를 한눈에 찾을 수 있습니다.",
    "문과 창문의 틈막이는 저렴하고, 한 겨울이면 제값을 합니다.",
    "온수기는 60도 정도면 안전하면서도 낭비가 없습니다.",
    "냉동실 성에가 몇 밀리미터 넘게 끼면 녹여 주세요.",
    "빈 방의 불을 끄는 것이 가장 쉬운 절약입니다.",
    "이사하신다면 이사 날짜를 알려 주세요. 계량기를 검침해 드리겠습니다.",
    "처음 메뉴에서 요금 납부라고 말씀하시면 언제든지 요금을 내실 수 있습니다.",
    "정전 때는 민감한 전자 제품의 플러그를 뽑아 전압 변동으로부터 보호하세요.",
    "밤에 불이 나갈 때를 대비해 손전등을 찾기 쉬운 곳에 두세요.",
    "건조기는 에너지를 많이 씁니다. 맑은 날에는 빨랫줄이 무료입니다.",
    "전기 주전자에 필요한 만큼만 물을 담으면 매일 절약됩니다.",
    "지붕 단열재는 집 열기의 4분의 1이 지붕으로 빠져나가는 것을 막아 줍니다.",
    "온라인 계정에서 지난 12개월 요금을 나란히 볼 수 있습니다.",
)
DENTAL_TIPS = (  # Brightsmile Dental's tips channel (smile-tips)
    "Thanks for holding. You can say front desk at any time to reach a person.",
    "Brush for two minutes, twice a day, with a fluoride toothpaste.",
    "Floss once a day: it cleans where a brush cannot reach.",
    "Change your toothbrush every three months, or sooner if the bristles fray.",
    "Sugary drinks between meals are hardest on your teeth. Water is kindest.",
    "A check-up every six months finds small problems before they hurt.",
    "If a tooth is knocked out, keep it in milk and call us straight away.",
    "To request an appointment, say appointment at the main menu and we will text you a link.",
)
SPANISH_DENTAL_TIPS = (
    "Gracias por esperar. Diga recepción en cualquier momento para hablar con una persona.",
    "Cepíllese los dientes dos minutos, dos veces al día, con pasta con flúor.",
    "Use hilo dental una vez al día: limpia donde el cepillo no llega.",
    "Cambie de cepillo cada tres meses, o antes si las cerdas se abren.",
    "Las bebidas azucaradas entre comidas dañan más los dientes. El agua es lo mejor.",
    "Una revisión cada seis meses encuentra los problemas pequeños antes de que duelan.",
    "Si se le cae un diente por un golpe, guárdelo en leche y llámenos enseguida.",
    "Para pedir una cita, diga cita en el menú en español y le enviaremos un enlace.",
)
# Demo content per language (not system phrases, so not in the catalogue): each language's
# callers hear tips spoken in it, by espeak-ng's voice for that language. A key "LANG" is
# the first line's tips channel; "CHANNEL:LANG" another line's spoken channel.
DEMO_TIPS = {"en": ENGLISH_TIPS, "ko": KOREAN_TIPS,
             "smile-tips:en": DENTAL_TIPS, "smile-tips:es": SPANISH_DENTAL_TIPS}
TIP_VOICES = {"en": "en-us", "ko": "ko", "es": "es-419"}
TIP_TITLES = {"tips": "Hold tips", "smile-tips": "Dental tips"}  # track names differ by line
MANIFEST, MANIFEST_VERSION = "demo-manifest.json", 2
TIPS_PER_TRACK = 4  # about half a minute of speech: one hold segment per track


def synthesise_genre(genre: str, seconds: float, path: str | os.PathLike[str],
                     piece: int = 0) -> Path:
    """Write `seconds` of demo music in `genre` ("jazz", "classical", "ambient") as WAV;
    each `piece` number is another tune (its own melody, key and tempo)."""
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}: choose from {', '.join(GENRES)}")
    # Seeded: the same tune every run, so the content hashes (file names) stay stable.
    rng = np.random.default_rng([sorted(GENRES).index(genre) + 7, piece])
    key, tempo = VARIATIONS[piece % len(VARIATIONS)]
    mix = GENRES[genre](seconds, rng, key, tempo)
    return _write_wav(synth.finish(mix, seconds), Path(path))


def speak_tips(
    lines: Sequence[str],
    path: str | os.PathLike[str],
    *,
    voice: str = "en-us",
    words_per_minute: int = 150,
    pause_s: float = 1.5,
) -> Path:
    """Speak the lines with espeak-ng into one WAV, with a pause after each line."""
    if not lines:
        raise ValueError("no lines to speak")
    pause = f'<break time="{int(pause_s * 1000)}ms"/>'
    ssml = "<speak>" + "".join(f"<p>{escape(line)}</p>{pause}" for line in lines) + "</speak>"
    out = Path(path)
    # Text goes in on stdin, never as an argument, so a line cannot become an option.
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(words_per_minute), "-m", "--stdin",
                    "-w", str(out)], input=ssml.encode(), check=True, capture_output=True,
                   timeout=120)
    return out


def import_demo_library(library_dir: str | os.PathLike[str], seconds: float = 60,
                        pieces: int = 1, tips: Mapping[str, Sequence[str]] = DEMO_TIPS,
                        ) -> dict[str, list[SegmentInfo]]:
    """Make and import `pieces` tunes of `seconds` per genre plus the spoken tips of each
    language (a track per TIPS_PER_TRACK lines); returns channel -> segments, in play
    order, where the tips of a language are keyed "CHANNEL:LANG" (see tips_channel)."""
    imported: dict[str, list[SegmentInfo]] = {}
    with tempfile.TemporaryDirectory(prefix="holdline-demo-") as work:
        for genre in GENRES:
            imported[genre] = []
            for piece in range(pieces):
                source = synthesise_genre(genre, seconds, Path(work) / f"{genre}-{piece}.wav",
                                          piece)
                imported[genre] += import_audio(source, genre, library_dir,
                                                title=f"Demo {genre} {piece + 1}")
        for name, lines in tips.items():
            channel, language = tips_channel(name if ":" in name else f"tips:{name}")
            key = imported.setdefault(f"{channel}:{language}", [])
            for start in range(0, len(lines), TIPS_PER_TRACK):
                spoken = speak_tips(lines[start:start + TIPS_PER_TRACK],
                                    Path(work) / f"{channel}-{language}-{start}.wav",
                                    voice=TIP_VOICES[language or "en"])
                key += import_audio(spoken, channel, library_dir, title=(
                    f"{TIP_TITLES.get(channel, 'Hold tips')} {start // TIPS_PER_TRACK + 1}"
                    + ("" if language == "en" else f" ({language})")))
    return imported


def tips_channel(key: str) -> tuple[str, str | None]:
    """"tips:ko" -> ("tips", "ko"): the channel and the language its segments are for."""
    channel, _, language = key.partition(":")
    return channel, language or None


def demo_library(library_dir: str | os.PathLike[str], seconds: float = PIECE_S,
                 pieces: int = DEMO_PIECES, tips: Mapping[str, Sequence[str]] = DEMO_TIPS,
                 ) -> dict[str, list[SegmentInfo]]:
    """The demo content, made once: a manifest beside the files lets a fresh database reuse
    them (synthesis takes a minute or two); it is remade when the recipe or a file changes."""
    manifest = Path(library_dir) / MANIFEST
    recipe = hashlib.sha256(repr((MANIFEST_VERSION, seconds, pieces, VARIATIONS, sorted(
        (language, tuple(lines)) for language, lines in tips.items()))).encode()).hexdigest()
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        kept = json.loads(manifest.read_text())
        if kept["recipe"] == recipe:
            channels = {channel: [SegmentInfo(**info) for info in infos]
                        for channel, infos in kept["channels"].items()}
            if all((Path(library_dir) / i.channel / i.file_name).is_file()
                   for infos in channels.values() for i in infos):
                return channels
    channels = import_demo_library(library_dir, seconds, pieces, tips)
    manifest.write_text(json.dumps({"recipe": recipe, "channels": {
        channel: [dataclasses.asdict(i) for i in infos] for channel, infos in channels.items()}}))
    return channels


def _write_wav(samples: np.ndarray, path: Path) -> Path:
    pcm = np.round(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(synth.RATE)
        out.writeframes(pcm.tobytes())
    return path
