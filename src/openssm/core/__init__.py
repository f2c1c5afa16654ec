"""Small shared building blocks: clock, identifiers, API errors, pagination tokens."""
