"""The voice webhooks (the fixed /voice URLs). They speak neutral events and actions; the
provider adapter (app/providers/) parses its requests and renders the answers."""
