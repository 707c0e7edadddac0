"""Photo reports and their review: a member's report of the day and skipping it
(`reports`), photos sent by the bot (`submissions`), approving and declining
(`reviews`), the reads behind the review queue (`selectors`) and a member's
calendar of reports (`calendar`)."""
