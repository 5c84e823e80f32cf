"""AR effects on the real face: effect packages, layers, triggers, living photo."""
