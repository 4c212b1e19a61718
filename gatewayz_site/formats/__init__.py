"""Date and time formats for every page the project renders (FORMAT_MODULE_PATH in settings): one
timestamp shape, `2026-12-04 21:23:05`, in the admin's own fields and lists and in our templates
(`catalog.display.when_text`). Times are UTC (TIME_ZONE)."""
