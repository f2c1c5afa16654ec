"""Resource tags: the tag APIs and the tag queries other features use."""
