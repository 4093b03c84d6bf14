"""The application layer: a call's session, the effects its turns ask for, its voicemail.

The voice edge turns webhooks into events and actions into TwiML; real calls, the
simulator (through those webhooks) and the admin test-call panel all run turns here.
Nothing is imported here, so importing one module of the layer loads only what it needs.
"""
