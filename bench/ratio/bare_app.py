"""The bare reference for bench/ratio.py: Flask, one view, one <Gather> from the twilio
library, nothing else (no signature check, no database, no engine)."""

from flask import Flask, Response
from twilio.twiml.voice_response import Gather, VoiceResponse

app = Flask(__name__)


@app.post("/voice/incoming")
def incoming() -> Response:
    response = VoiceResponse()
    gather = Gather(input="dtmf speech", action="/voice/input?turn=1", method="POST",
                    timeout=5, speech_timeout="auto")
    gather.say("Hello, thanks for calling. Tell me what you're calling about.")
    response.append(gather)
    return Response(str(response), mimetype="text/xml")
