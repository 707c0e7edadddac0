"""English: "Dec. 6, 2026, 21:18"."""

DATE_FORMAT = "N j, Y"
DATETIME_FORMAT = "N j, Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "N j"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# The first one is how a time field shows its value: minutes, as above.
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
