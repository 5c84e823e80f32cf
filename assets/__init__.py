"""Built-in data (avatar, effects, LUTs, backgrounds, scripts), the generators that make
it, and the two things every package shares: resource paths and the error base."""
