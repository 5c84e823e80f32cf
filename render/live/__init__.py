"""The live session engine behind the studio, with no Qt in it (testable headless).

Threads (ARCHITECTURE.md "Threads in the live app"): a source reader keeps only the newest frame
(`sources`), a tracker thread turns it into Tracking (`tracking`), the GUI thread owns GL and
calls `StudioEngine.step` / `present` (`engine`), a recorder thread encodes (`recorder`), an
audio tap thread analyses the live sound for lip sync (`audio_tap`, `audio_mouth`), and a
background video is decoded on a source reader thread of its own (`video_background`).
Every frame carries its capture time so latency capture -> presented is measured (`stats`).
"""
