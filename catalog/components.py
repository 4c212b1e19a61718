"""The price components a change row can be about: the vocabulary of `ModelChange.components_text`."""

from __future__ import annotations

COMPONENTS = (
    "input_token",
    "output_token",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "reasoning_token",
    "audio_input_token",
    "audio_output_token",
    "audio_cache_read",
    "image_input_token",
    "image_output_token",
    "image_input",
    "image_output",
    "request",
    "web_search",
    "audio_second",
    "character",
    "input",
    "output",
)
