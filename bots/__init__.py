"""Page objects, one module per legacy console: operator intents, no business rules."""
