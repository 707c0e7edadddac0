"""The daily cycle: the clock that runs every job when it is due (`clock`), the
task day (open, exclude, remind: `days`), the buttons sent with the task
(`callbacks`) and the removal of photos and export files once kept long enough
(`retention`)."""
