"""The application layer: what the CLI and the web app call.

It owns everything that touches files and videos around the pure stages: output folders
and their safety rules (:mod:`posecoach.app.outputs`), loading media or pose files, subject
choice, progress, rendering and batches.
"""
