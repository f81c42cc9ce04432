"""Spatial alignment: remove position, body size and camera angle between two poses.

``cameras`` holds the pinhole camera model used to project 3D poses.
"""
