"""Driving avatars from Tracking: normalized humanoid rig, retargeting, expressions with VRM
override rules, look-at, spring bones, idle life and the `vivid avatar drive` command.

Per-frame order (ARCHITECTURE.md): tracking -> retarget (normalized rig) -> look-at ->
expressions -> spring bones -> node world matrices + morph weights -> render. `AvatarDriver`
in driver.py runs it."""
