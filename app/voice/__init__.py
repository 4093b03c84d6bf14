"""The Twilio edge: the only package that knows TwiML and Twilio's field names."""
