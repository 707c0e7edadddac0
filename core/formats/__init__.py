"""Date and time formats of the project, one set per language (FORMAT_MODULE_PATH).

They take precedence over Django's locale formats, so every date the admin shows
(list columns, read-only fields, our templates with `|date:"DATETIME_FORMAT"`)
reads the same way in a language: 24-hour times and no "noon" or "p.m.".
"""
