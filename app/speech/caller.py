"""The provider's side of a Media Stream (tests, the simulator, the speech benchmark)."""

from ..providers.twilio.stream_caller import FRAME, RATE, SILENCE, StreamCaller, StreamResult  # noqa: F401
